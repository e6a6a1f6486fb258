import { mkdir, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { loadModel, type DetectOptions, type Model } from '../model.js';
import { decodeImage } from '../image/decode.js';
import { annotateImage } from '../image/annotate.js';
import { maskToRle, rleToString } from '../decode/rle.js';
import type { Detection, ImageResult } from '../types.js';
import { intListFlag, numberFlag, parseCommand, requireFlag } from './args.js';
import { readNamesFile } from './names.js';

export const detectUsage = `yoloe-trt detect <images...> --model M [options]

  --model M          ONNX model or TensorRT engine (required)
  --backend B        auto | cpu | tensorrt (default auto)
  --conf X           confidence threshold, strict (default 0.25)
  --iou X            NMS IoU threshold (default 0.7)
  --max-det N        detections per image (default 300)
  --classes 0,2      keep only these class ids
  --agnostic         class-agnostic NMS
  --multi-label      every class above --conf becomes a detection
  --retina           masks at the original image's resolution
  --names FILE       class names, one per line (for models without metadata)
  --out DIR          write annotated images and results.json here (default: yoloe-out unless --json)
  --json             print one JSON record per image to stdout`;

/** JSON record for one image, as printed by --json: masks as compressed COCO RLE. */
export function resultRecord(image: string, result: ImageResult) {
  return {
    image,
    width: result.width,
    height: result.height,
    detections: result.detections.map((d) => ({
      ...detectionRecord(d),
      ...(d.mask ? { mask: { size: [d.mask.height, d.mask.width], counts: rleToString(maskToRle(d.mask)) } } : {}),
    })),
  };
}

/** One detection as the JSON outputs print it: box to 0.01 px, score to 1e-4. */
export function detectionRecord(d: Detection) {
  return { box: d.box.map((v) => Math.round(v * 100) / 100), score: Math.round(d.score * 10000) / 10000, classId: d.classId, label: d.label };
}

/** "person 0.89, bus 0.84 +mask", or "nothing". */
export function summarize(result: ImageResult): string {
  return result.detections.map((d) => `${d.label} ${d.score.toFixed(2)}${d.mask ? ' +mask' : ''}`).join(', ') || 'nothing';
}

/**
 * One image through the model: its JSON record, and with `outDir` its annotated copy
 * `<outDir>/<name>.jpg`. Shared by `detect` and `demo`.
 */
export async function detectFile(model: Model, path: string, options: DetectOptions, outDir: string | undefined, recordName = path) {
  const image = await decodeImage(path);
  const t0 = performance.now();
  const [result] = await model.detectDecoded([image], options);
  const ms = performance.now() - t0;
  const record = resultRecord(recordName, result!);
  let file: string | undefined;
  if (outDir) {
    file = join(outDir, `${basename(path, extname(path))}.jpg`);
    await writeFile(file, await annotateImage(image, result!.detections));
  }
  return { result: result!, record, file, ms };
}

/** results.json: every image's record, as --json prints them one per line. */
export async function writeResults(outDir: string, records: unknown[]): Promise<void> {
  await writeFile(join(outDir, 'results.json'), `${JSON.stringify(records, null, 1)}\n`);
}

export async function detectCommand(argv: string[], out: NodeJS.WritableStream): Promise<void> {
  const { values, positionals } = parseCommand(argv, {
    model: { type: 'string', short: 'm' },
    backend: { type: 'string' },
    conf: { type: 'string' },
    iou: { type: 'string' },
    'max-det': { type: 'string' },
    classes: { type: 'string' },
    agnostic: { type: 'boolean' },
    'multi-label': { type: 'boolean' },
    retina: { type: 'boolean' },
    names: { type: 'string' },
    out: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    out.write(`${detectUsage}\n`);
    return;
  }
  if (positionals.length === 0) throw new (await import('../errors.js')).YoloeTrtError('ERR_INVALID_OPTION', 'Expected at least one image path for detect');
  const names = values.names ? await readNamesFile(values.names) : undefined;
  const model = await loadModel(requireFlag('model', values.model), {
    backend: values.backend as never,
    ...(names ? { names } : {}),
  });
  const options: DetectOptions = {
    conf: numberFlag('conf', values.conf),
    iou: numberFlag('iou', values.iou),
    maxDet: numberFlag('max-det', values['max-det']),
    classes: intListFlag('classes', values.classes),
    agnostic: values.agnostic,
    multiLabel: values['multi-label'],
    retina: values.retina,
  };
  for (const k of Object.keys(options) as (keyof DetectOptions)[]) if (options[k] === undefined) delete options[k];
  const outDir = values.out ?? (values.json ? undefined : 'yoloe-out');
  if (outDir) await mkdir(outDir, { recursive: true });
  const records = [];
  try {
    for (const path of positionals) {
      const { result, record, file } = await detectFile(model, path, options, outDir);
      records.push(record);
      if (values.json) out.write(`${JSON.stringify(record)}\n`);
      else if (file) out.write(`${path}: ${summarize(result)} -> ${file}\n`);
    }
    if (outDir) await writeResults(outDir, records);
  } finally {
    await model.dispose();
  }
}
