import { buildEngine, type BuildEngineOptions, type BuildProgressEvent } from '../build-engine.js';
import { YoloeTrtError } from '../errors.js';
import { numberFlag, parseCommand, requireFlag } from './args.js';

export const buildUsage = `yoloe-trt build <model.onnx> --out M.engine [options]   build a TensorRT engine

  --precision P      fp32 | fp16 | int8 | best (default fp16; int8 on TensorRT 11 needs a Q/DQ ONNX from quantize)
  --calib DIR        INT8 calibration images (TensorRT 10), letterboxed exactly as at inference
  --calib-count N    images sampled for calibration (default min(500, available))
  --calib-method M   entropy | minmax (default entropy)
  --calib-cache F    calibration cache, reused when valid and written after calibrating
  --batch N          max batch of a dynamic-batch model's optimization profile (min 1, opt N)
  --imgsz S          input size for dynamic-shape models (opt = max = S)
  --workspace GiB    workspace memory pool limit
  --timing-cache F   timing cache reused across builds
  --opt-level N      builder optimization level 0..5
  --dla N            DLA core (Jetson), with GPU fallback unless --no-gpu-fallback
  --plan             write the plain plan (trtexec, Triton) and its metadata as <out>.json
  --version-compatible   later TensorRT releases of the same major load the engine
  --hardware-compatible  the engine runs on any Ampere or newer GPU`;

/** A one-line progress bar of TensorRT's build phases, redrawn in place on a terminal. */
export function progressPrinter(out: NodeJS.WritableStream, tty: boolean): (e: BuildProgressEvent) => void {
  const phases = new Map<string, { steps: number; done: number }>();
  return (e) => {
    if (e.type === 'start') phases.set(e.phase, { steps: e.steps ?? 0, done: 0 });
    else if (e.type === 'step') {
      const p = phases.get(e.phase);
      if (p) p.done = (e.step ?? 0) + 1;
    } else phases.delete(e.phase);
    const current = [...phases.entries()].pop();
    if (!current) return;
    const [name, { steps, done }] = current;
    const width = 30;
    const filled = steps > 0 ? Math.round((done / steps) * width) : 0;
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${name} ${done}/${steps}`;
    out.write(tty ? `\r${line.padEnd(78).slice(0, 78)}` : `${line}\n`);
  };
}

export async function buildCommand(argv: string[], out: NodeJS.WritableStream): Promise<void> {
  const { values, positionals } = parseCommand(argv, {
    out: { type: 'string', short: 'o' },
    precision: { type: 'string' },
    calib: { type: 'string' },
    'calib-count': { type: 'string' },
    'calib-method': { type: 'string' },
    'calib-cache': { type: 'string' },
    batch: { type: 'string' },
    imgsz: { type: 'string' },
    workspace: { type: 'string' },
    'timing-cache': { type: 'string' },
    'opt-level': { type: 'string' },
    dla: { type: 'string' },
    'no-gpu-fallback': { type: 'boolean' },
    plan: { type: 'boolean' },
    'version-compatible': { type: 'boolean' },
    'hardware-compatible': { type: 'boolean' },
  });
  if (values.help) {
    out.write(`${buildUsage}\n`);
    return;
  }
  const onnx = positionals[0];
  if (!onnx) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected an ONNX model path for build');
  const batch = numberFlag('batch', values.batch);
  const imgsz = numberFlag('imgsz', values.imgsz);
  const options: BuildEngineOptions = {
    onnx,
    output: requireFlag('out', values.out),
    precision: values.precision as BuildEngineOptions['precision'],
    workspace: numberFlag('workspace', values.workspace),
    timingCache: values['timing-cache'],
    optimizationLevel: numberFlag('opt-level', values['opt-level']),
    dlaCore: numberFlag('dla', values.dla),
    gpuFallback: values['no-gpu-fallback'] ? false : undefined,
    format: values.plan ? 'plan' : undefined,
    versionCompatible: values['version-compatible'] ? true : undefined,
    hardwareCompatibility: values['hardware-compatible'] ? 'ampere+' : undefined,
    onProgress: progressPrinter(out, Boolean((out as NodeJS.WriteStream).isTTY)),
  };
  if (batch !== undefined || imgsz !== undefined) {
    const b = batch ?? 1;
    const s = imgsz ?? 640;
    options.shapes = { min: [1, 3, s, s], opt: [b, 3, s, s], max: [b, 3, s, s] };
  }
  if (values.calib || values['calib-cache']) {
    options.calibration = {
      images: values.calib,
      count: numberFlag('calib-count', values['calib-count']),
      method: values['calib-method'] as 'entropy' | 'minmax' | undefined,
      cache: values['calib-cache'],
    };
  }
  for (const k of Object.keys(options) as (keyof BuildEngineOptions)[]) if (options[k] === undefined) delete options[k];
  const result = await buildEngine(options);
  out.write(`\n${result.output}: ${result.metadata.precision} engine, TensorRT ${result.metadata.tensorrt?.version ?? ''}, built in ${result.seconds.toFixed(1)} s\n`);
  for (const w of result.warnings) out.write(`warning: ${w}\n`);
}
