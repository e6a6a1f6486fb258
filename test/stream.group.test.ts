/**
 * StreamGroup's scheduling on its own, with a stand-in for the model (it only needs `info` and
 * detectDecoded): frames of several sources share one batch when the model's batch is dynamic,
 * one frame per source per batch, in rotation; a static batch of 1 runs them one by one.
 */
import { describe, expect, it } from 'vitest';
import { StreamGroup } from '../lib/stream/index.js';
import type { Model } from '../lib/model.js';
import type { RgbImage } from '../lib/types.js';

function fakeModel(info: { dynamicBatch: boolean; batch?: number }) {
  const batches: number[][] = [];
  const model = {
    info,
    async detectDecoded(images: RgbImage[]) {
      batches.push(images.map((im) => im.data[0]!)); // the first byte tells source and frame apart
      return images.map((im) => ({ width: im.width, height: im.height, detections: [] }));
    },
  } as unknown as Model;
  return { model, batches };
}

/** `n` 2x2 frames whose first byte is 10 * source + index. */
function frames(source: number, n: number) {
  return Array.from({ length: n }, (_, i) => ({ data: new Uint8Array(12).fill(10 * source + i), width: 2, height: 2, channels: 3 }));
}

async function drain(group: StreamGroup) {
  const out: [number, number][] = [];
  for await (const r of group) out.push([r.source, r.frame]);
  return out;
}

describe('StreamGroup batching', () => {
  it('dynamic batch: one frame of each source per batch, in rotation, up to batchSize', async () => {
    const { model, batches } = fakeModel({ dynamicBatch: true });
    const group = new StreamGroup(model, [frames(1, 3), frames(2, 3), frames(3, 2)], { batchSize: 8 });
    const out = await drain(group);
    expect(out).toHaveLength(8);
    expect(batches.some((b) => b.length === 3)).toBe(true);
    expect(batches.flat().sort()).toEqual([10, 11, 12, 20, 21, 22, 30, 31]);
    expect(batches.every((b) => new Set(b.map((v) => Math.floor(v / 10))).size === b.length)).toBe(true);
    expect(group.stats().map((s) => s.processed)).toEqual([3, 3, 2]);
  });

  it('batchSize caps the batch; a static batch of 1 runs frames one at a time, alternating', async () => {
    const capped = fakeModel({ dynamicBatch: true });
    await drain(new StreamGroup(capped.model, [frames(1, 2), frames(2, 2), frames(3, 2)], { batchSize: 2 }));
    expect(capped.batches.every((b) => b.length <= 2)).toBe(true);
    expect(capped.batches.flat()).toHaveLength(6);
    const single = fakeModel({ dynamicBatch: false, batch: 1 });
    await drain(new StreamGroup(single.model, [frames(1, 2), frames(2, 2)]));
    expect(single.batches).toEqual([[10], [20], [11], [21]]);
  });
});
