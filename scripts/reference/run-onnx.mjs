// Runs an ONNX model on one raw float32 tensor file with onnxruntime-node, for the Python
// reference (scripts/reference/ultralytics_reference.py). `--input-shape` prints the input dims.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';

const [model, input, dims, outDir] = process.argv.slice(2);
const session = await ort.InferenceSession.create(model, { intraOpNumThreads: 2 });
if (input === '--input-shape') {
  console.log(JSON.stringify(session.inputMetadata[0].shape));
} else {
  const buf = readFileSync(input);
  const data = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', data, dims.split(',').map(Number)) };
  const out = await session.run(feeds);
  const meta = session.outputNames.map((name, i) => {
    const t = out[name];
    writeFileSync(join(outDir, `out${i}.bin`), Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    return { name, dims: t.dims, file: `out${i}.bin` };
  });
  writeFileSync(join(outDir, 'outputs.json'), JSON.stringify(meta));
}
