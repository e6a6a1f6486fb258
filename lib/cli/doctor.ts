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
  const cuda = r.cuda.compiled
    ? `compiled in (runtime ${r.cuda.runtimeVersion ?? '?'}), driver ${r.cuda.driverVersion ?? 'not found'}`
    : 'not compiled in';
  lines.push(`CUDA           ${cuda}${r.cuda.error ? ` — ${r.cuda.error}` : ''}`);
  for (const d of r.cuda.devices) {
    lines.push(`  device       ${d.name}, compute ${d.computeCapability}, ${(d.memoryBytes / 2 ** 30).toFixed(1)} GiB${d.integrated ? ', integrated' : ''}`);
  }
  const trt = r.tensorrt.found ? `found ${r.tensorrt.version ?? ''} (${r.tensorrt.library ?? ''})` : `not available${r.tensorrt.error ? `: ${r.tensorrt.error}` : ''}`;
  lines.push(`TensorRT       ${trt}`);
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
