import { capabilities, type CapabilityReport } from '../capabilities.js';
import { parseCommand } from './args.js';

export const doctorUsage = `yoloe-trt doctor [--json]   what this machine can run: addon, CUDA, TensorRT, usable backends and what to install`;

function mark(ok: boolean): string {
  return ok ? 'yes' : 'no ';
}

/** Human-readable form of the capability report. */
export function formatReport(r: CapabilityReport): string {
  const lines: string[] = [];
  const addon = r.addon.loaded ? `loaded from a ${r.addon.source} (${r.addon.path ?? ''})` : `not loaded: ${r.addon.reason}`;
  lines.push(`native addon   ${addon}`);
  if (!r.addon.loaded && r.addon.fix) lines.push(`               fix: ${r.addon.fix}`);
  const cuda = r.cuda.compiled ? `${r.cuda.state}, driver ${r.cuda.driverVersion ?? 'not found'}` : 'not compiled in';
  lines.push(`CUDA           ${cuda}${r.cuda.error ? ` — ${r.cuda.error}` : ''}`);
  r.cuda.devices.forEach((d, i) => {
    const t = r.cuda.nvrtc.deviceTargets[i];
    const kernels = t?.target ? `, kernels for ${t.target}` : t?.error ? `, kernels: ${t.error}` : '';
    lines.push(`  device       ${d.name}, compute ${d.computeCapability}, ${(d.memoryBytes / 2 ** 30).toFixed(1)} GiB${d.integrated ? ', integrated' : ''}${kernels}`);
  });
  const n = r.cuda.nvrtc;
  lines.push(`NVRTC          ${n.found ? `${n.version} (${n.library})` : `not found${n.error ? `: ${n.error.split('\n')[0]}` : ''}`}`);
  if (n.fix) lines.push(`               fix: ${n.fix}`);
  // the same fields as --json, in the same words
  const trt = r.tensorrt.found
    ? `found ${r.tensorrt.version ?? ''} (${r.tensorrt.library ?? ''})${r.tensorrt.compiled ? '' : ', but support is not compiled into this addon'}`
    : `not available${r.tensorrt.error ? `: ${r.tensorrt.error}` : ''}`;
  lines.push(`TensorRT       ${trt}`);
  if (r.tensorrt.fix) lines.push(`               fix: ${r.tensorrt.fix}`);
  if (r.tensorrt.found && r.tensorrt.buildable === false) lines.push(`  building     not possible here: ${r.tensorrt.buildError ?? 'the builder is missing'}`);
  lines.push('backends');
  for (const [name, b] of Object.entries(r.backends)) {
    lines.push(`  ${mark(b.usable)} ${name.padEnd(9)}${b.usable ? '' : `${b.reason}`}`);
    if (!b.usable && b.fix) lines.push(`      ${' '.repeat(9)}fix: ${b.fix}`);
  }
  return `${lines.join('\n')}\n`;
}

export async function doctorCommand(argv: string[], out: NodeJS.WritableStream): Promise<void> {
  const { values } = parseCommand(argv, { json: { type: 'boolean' } });
  if (values.help) {
    out.write(`${doctorUsage}\n`);
    return;
  }
  const report = await capabilities();
  out.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report));
}
