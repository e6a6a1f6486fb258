// The prompt-free YOLOE export (output0 [1, 4621, N], N data-dependent) built and run through the
// contract double: its output arrives through an IOutputAllocator and detect() decodes it.
import { symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { buildEngine } from '../../lib/build-engine.js';
import { loadModel } from '../../lib/model.js';
import { IMAGES, fixture } from '../fixtures.js';
import { clearLog, tensorLines, violations, work } from './double.js';

it('prompt-free YOLOE: a data-dependent output0 comes back with its run-time N and decodes', async () => {
  const path = join(work, 'yoloe-pf.onnx');
  symlinkSync(fixture('yoloe', 'yoloe-v8n-seg-pf_from-yolov8n-seg_320.onnx'), path);
  writeFileSync(
    `${path}.fakenet`,
    tensorLines([
      { name: 'images', io: 'input', dims: [1, 3, 320, 320] },
      { name: 'output0', io: 'output', dims: [1, 4621, -2] }, // -2: data-dependent, as NonZero makes it
      { name: 'output1', io: 'output', dims: [1, 32, 80, 80] },
    ]),
  );
  const output = join(work, 'yoloe-pf.engine');
  await buildEngine({ onnx: path, output, precision: 'fp16' });
  clearLog();
  const model = await loadModel(output);
  expect(model.info.task).toBe('segment');
  expect(model.info.names).toHaveLength(4585);
  expect(model.info.outputs[0].dims).toEqual([1, 4621, 'dim2']);
  const [bus] = await model.detect([IMAGES.bus()], { masks: false });
  // the double writes channel c of anchor j as c * 100 + j: the last class channel (4 + 4584)
  // scores highest on every anchor
  expect(bus.detections.length).toBeGreaterThan(0);
  for (const d of bus.detections) expect(d.classId).toBe(4584);
  await model.dispose();
  expect(violations()).toEqual([]);
});
