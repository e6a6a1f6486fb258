import { join } from 'node:path';
import { loadModel, type DetectOptions, type Model } from '../model.js';
import { YoloeTrtError } from '../errors.js';
import { prepareOutputDir, writeFileAtomic } from '../fs/atomic-write.js';
import { expandImageArgs } from '../fs/image-list.js';
import { OutputNames } from './output-names.js';
import { decodeImage } from '../image/decode.js';
import { resolveImageLimits } from '../image/limits.js';
import { annotateImage } from '../image/annotate.js';
import { maskToRle, rleToString } from '../decode/rle.js';
import type { Detection, ImageResult } from '../types.js';
import { intListFlag, numberFlag, parseCommand, requireFlag } from './args.js';
import { readNamesFile } from './names.js';
import { VOCABULARY_FLAG_SPECS, openVocabularyFlags, setVocabulary } from './vocabulary-flags.js';

export const detectUsage = `yoloe-trt detect <images, folders or globs...> --model M [options]

  --model M          ONNX model or TensorRT engine (required)
  --backend B        auto | cpu | tensorrt (default auto)
  --conf X           confidence threshold, strict (default 0.25)
  --iou X            NMS IoU threshold (default 0.7)
  --max-det N        detections per image (default 300)
  --classes 0,2      keep only these class ids
  --agnostic         class-agnostic NMS
  --multi-label      every class above --conf becomes a detection
  --retina           masks at the original image's resolution
  --names FILE       class names, one per line (for models without metadata, or for --embeddings .npy)
  --prompts LIST     run-time-vocabulary models: comma-separated class prompts ("person,red bus")
  --text-encoder F   text encoder ONNX that embeds --prompts (tokens [N, 77] -> features [N, D])
  --adapter F        the detector's text adapter ONNX (features -> class embeddings)
  --vocab F          CLIP BPE file for the tokenizer (default: beside the text encoder)
  --embeddings F     class embeddings: .npy float32 [K, D] or [1, K, D] (names from --names or
                     --prompts), or JSON {"names": [...], "embeddings": [[...], ...]}
  --out DIR          write annotated images and results.json here (default: yoloe-out unless --json)
  --json             print one JSON record per image to stdout (masks as compressed COCO RLE)
Every image is processed; a failed one gets a record { image, error: { code, message } } and the
command exits 1 at the end.`;

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
 * One image through the model: its JSON record, and with `output` its annotated copy (written
 * atomically). Shared by `detect` and `demo`.
 */
export async function detectFile(model: Model, path: string, options: DetectOptions, output: { file: string; format: 'jpeg' | 'png' } | undefined, recordName = path) {
  const image = await decodeImage(path, resolveImageLimits(options));
  const t0 = performance.now();
  const [result] = await model.detectDecoded([image], options);
  const ms = performance.now() - t0;
  const record = resultRecord(recordName, result!);
  if (output) await writeFileAtomic(output.file, await annotateImage(image, result!.detections, { format: output.format }));
  return { result: result!, record, file: output?.file, ms };
}

/** results.json: every image's record (failed ones too), as --json prints them one per line. */
export async function writeResults(outDir: string, records: unknown[]): Promise<void> {
  await writeFileAtomic(join(outDir, 'results.json'), `${JSON.stringify(records, null, 1)}\n`);
}

/** The record of an image that failed: printed and kept in results.json like the others. */
export function errorRecord(image: string, error: YoloeTrtError) {
  return { image, error: { code: error.code, message: error.message } };
}

/**
 * Every image of a batch through `detectFile`: a typed failure becomes that image's error record
 * and the batch goes on; the successes are written, results.json last. Returns the failure count.
 * Shared by `detect` and `demo`.
 */
export async function detectBatch(
  model: Model,
  paths: string[],
  options: DetectOptions,
  outDir: string | undefined,
  report: { record?: (r: unknown) => void; line?: (s: string) => void; recordName?: (path: string) => string },
): Promise<number> {
  const names = new OutputNames();
  const records: unknown[] = [];
  let failed = 0;
  for (const path of paths) {
    const name = report.recordName?.(path) ?? path;
    try {
      const target = outDir ? names.take(path) : undefined;
      const output = target && outDir ? { file: join(outDir, target.name), format: target.format } : undefined;
      const { result, record, file, ms } = await detectFile(model, path, options, output, name);
      records.push(record);
      report.record?.(record);
      report.line?.(`${name}: ${summarize(result)} (${ms.toFixed(0)} ms)${file ? ` -> ${file}` : ''}`);
    } catch (err) {
      // a bug (not a typed error) still ends the command, with its stack
      if (!(err instanceof YoloeTrtError) || err.code === 'ERR_DISPOSED') throw err;
      failed++;
      const record = errorRecord(name, err);
      records.push(record);
      report.record?.(record);
      report.line?.(`${name}: FAILED ${err.message} [${err.code}]`);
    }
  }
  if (outDir) await writeResults(outDir, records);
  return failed;
}

export async function detectCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
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
    ...VOCABULARY_FLAG_SPECS,
    out: { type: 'string', short: 'o' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    out.write(`${detectUsage}\n`);
    return 0;
  }
  if (positionals.length === 0) throw new YoloeTrtError('ERR_INVALID_OPTION', 'Expected at least one image path for detect');
  const images = expandImageArgs(positionals);
  const outDir = values.out ?? (values.json ? undefined : 'yoloe-out');
  // before the model loads: a bad --out fails at once
  if (outDir) await prepareOutputDir(outDir);
  const names = values.names ? await readNamesFile(values.names) : undefined;
  const vocabulary = await openVocabularyFlags(values);
  let model: Model;
  try {
    model = await loadModel(requireFlag('model', values.model), {
      backend: values.backend as never,
      ...(names && !vocabulary.wanted ? { names } : {}),
      ...(vocabulary.textEncoder ? { textEncoder: vocabulary.textEncoder } : {}),
    });
  } catch (err) {
    await vocabulary.textEncoder?.dispose();
    throw err;
  }
  try {
    await setVocabulary(model, values, names, vocabulary);
  } catch (err) {
    await Promise.all([model.dispose(), vocabulary.textEncoder?.dispose()]);
    throw err;
  }
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
  let failed: number;
  try {
    failed = await detectBatch(model, images, options, outDir, values.json
      ? { record: (r) => out.write(`${JSON.stringify(r)}\n`) }
      : { line: (l) => out.write(`${l}\n`) });
  } finally {
    await Promise.all([model.dispose(), vocabulary.textEncoder?.dispose()]);
  }
  if (failed > 0) {
    process.stderr.write(`yoloe-trt detect: ${failed} of ${images.length} images failed${outDir ? `; the others are in ${outDir}` : ''}\n`);
    return 1;
  }
  return 0;
}
