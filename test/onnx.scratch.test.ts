import { it } from 'vitest';
import { readFileSync } from 'node:fs';
import { readOnnx, writeOnnx } from '../lib/onnx/model.js';
import { MODELS } from './fixtures.js';
it('rt', () => {
  for (const k of ['det640','seg320','seg320int8','broken'] as const) {
    const b = new Uint8Array(readFileSync(MODELS[k]()));
    let t = performance.now();
    const m = readOnnx(b);
    const t1 = performance.now() - t; t = performance.now();
    const out = writeOnnx(m);
    const t2 = performance.now() - t;
    let diff = -1; for (let i = 0; i < Math.min(b.length, out.length); i++) if (b[i] !== out[i]) { diff = i; break; }
    console.log(k, b.length, out.length, diff, t1.toFixed(1), t2.toFixed(1), m.producerName, m.producerVersion, m.irVersion, JSON.stringify(m.opsetImport), m.graph!.node.length, m.unknown, m.graph!.unknown?.length);
    console.log(m.metadataProps.map(e => `${e.key}=${e.value!.slice(0,200)}`).join('\n'));
  }
});
