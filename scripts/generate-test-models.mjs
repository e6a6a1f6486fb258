// Writes the synthetic YOLO head test models (end-to-end det/seg, nms=True export, prompt-free
// YOLOE with 4,585 classes) as .onnx files. Build first: `npm run build:ts`.
// Usage: node scripts/generate-test-models.mjs [outDir=test/models]
import { writeSyntheticTestModels } from '../dist/onnx/index.js';

const outDir = process.argv[2] ?? 'test/models';
for (const path of writeSyntheticTestModels(outDir)) console.log(path);
