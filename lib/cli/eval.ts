import { YoloeTrtError } from '../errors.js';
import { loadModel } from '../model.js';
import { evaluateModel, loadEvaluationData } from '../quantize/evaluate-model.js';
import { writeEvalPlots } from '../report/eval-plots.js';
import { numberFlag, parseCommand, requireFlag } from './args.js';

export const evalUsage = `yoloe-trt eval --model M --data <instances.json | data.yaml> [options]

  --model M          ONNX model or TensorRT engine (required)
  --data D           COCO instances JSON or Ultralytics data YAML (required)
  --images DIR       image folder (default: guessed from the JSON's location, or the YAML's split)
  --labels DIR       YOLO label folder for a YAML dataset (default: images -> labels)
  --split S          YAML split: train | val | test (default val)
  --backend B        auto | cpu | tensorrt (default auto)
  --conf X           confidence threshold (default 0.001, as Ultralytics val)
  --iou X            NMS IoU (default 0.7)
  --max-det N        detections per image (default 300)
  --limit N          evaluate the first N images only
  --plots DIR        write box_pr_curve.png, mask_pr_curve.png (segmentation), confusion_matrix.png
                     (conf 0.25, IoU 0.45, as Ultralytics) and plots.json (the numbers behind them) into DIR
  --json             print { box: { map, map50, map75, ... }, mask: {...} }`;

/** Prints pycocotools' 12-number table for box (and mask) AP. */
export async function evalCommand(argv: string[], out: NodeJS.WritableStream): Promise<void> {
  const { values } = parseCommand(argv, {
    model: { type: 'string', short: 'm' },
    data: { type: 'string', short: 'd' },
    images: { type: 'string' },
    labels: { type: 'string' },
    split: { type: 'string' },
    backend: { type: 'string' },
    conf: { type: 'string' },
    iou: { type: 'string' },
    'max-det': { type: 'string' },
    limit: { type: 'string' },
    plots: { type: 'string' },
    json: { type: 'boolean' },
  });
  if (values.help) {
    out.write(`${evalUsage}\n`);
    return;
  }
  const split = values.split;
  if (split !== undefined && !['train', 'val', 'test'].includes(split)) {
    throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected train, val or test for --split but received ${JSON.stringify(split)}`, { option: 'split' });
  }
  const limit = numberFlag('limit', values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new YoloeTrtError('ERR_INVALID_OPTION', `Expected a positive integer for --limit but received ${limit}`, { option: 'limit' });
  const data = await loadEvaluationData(requireFlag('data', values.data), { imagesDir: values.images, labelsDir: values.labels, split: split as 'val' | undefined });
  const model = await loadModel(requireFlag('model', values.model), { backend: values.backend as never });
  try {
    const result = await evaluateModel(model, data, {
      conf: numberFlag('conf', values.conf),
      iou: numberFlag('iou', values.iou),
      maxDet: numberFlag('max-det', values['max-det']),
      limit,
      keepDetections: values.plots !== undefined,
      onProgress: values.json ? undefined : (done, total) => process.stderr.write(`\reval ${done}/${total}${done === total ? '\n' : ''}`),
    });
    const plots = values.plots !== undefined ? await writeEvalPlots(values.plots, result, data) : undefined;
    if (values.json) {
      const strip = ({ table: _t, prCurve: _c, ...rest }: typeof result.box) => rest;
      out.write(`${JSON.stringify({ images: result.images, detections: result.detections, box: strip(result.box), ...(result.mask ? { mask: strip(result.mask) } : {}), ...(plots ? { plots: plots.files } : {}) })}\n`);
      return;
    }
    out.write(`box (${result.images} images, ${result.detections} detections)\n${result.box.table}\n`);
    if (result.mask) out.write(`mask\n${result.mask.table}\n`);
    if (plots) out.write(`plots: ${plots.files.join(', ')}\n`);
  } finally {
    await model.dispose();
  }
}
