import { describe, expect, it } from 'vitest';
import { detectLayout } from '../lib/decode/layout.js';
import { resolveDecodeOptions } from '../lib/decode/options.js';
import { YoloeTrtError } from '../lib/errors.js';
import type { TensorInfo } from '../lib/types.js';

const out = (name: string, ...dims: (number | string)[]): TensorInfo => ({ name, dtype: 'float32', dims });

function layoutError(fn: () => unknown): YoloeTrtError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(YoloeTrtError);
    return e as YoloeTrtError;
  }
  throw new Error('expected a YoloeTrtError');
}

describe('detectLayout', () => {
  it('raw detection head [1, 84, 8400]', () => {
    expect(detectLayout([out('output0', 1, 84, 8400)], { namesCount: 80 })).toEqual({ kind: 'raw', output: 'output0', nc: 80, nm: 0, anchors: 8400, transposed: false });
    // without metadata the anchors-outnumber-channels rule reads it the same way
    expect(detectLayout([out('output0', 1, 84, 8400)], {})).toMatchObject({ kind: 'raw', nc: 80, transposed: false });
  });

  it('raw segmentation head with protos [1, 116, 2100] + [1, 32, 80, 80]', () => {
    const layout = detectLayout([out('output0', 1, 116, 2100), out('output1', 1, 32, 80, 80)], { namesCount: 80, task: 'segment' });
    expect(layout).toEqual({ kind: 'raw', output: 'output0', nc: 80, nm: 32, anchors: 2100, transposed: false, protos: 'output1' });
  });

  it('protos listed first still pair with the head', () => {
    const layout = detectLayout([out('protos', 1, 32, 160, 160), out('preds', 1, 116, 8400)], {});
    expect(layout).toMatchObject({ kind: 'raw', output: 'preds', nc: 80, nm: 32, protos: 'protos' });
  });

  it('transposed raw head [1, 8400, 84]', () => {
    expect(detectLayout([out('output0', 1, 8400, 84)], { namesCount: 80 })).toEqual({ kind: 'raw', output: 'output0', nc: 80, nm: 0, anchors: 8400, transposed: true });
    expect(detectLayout([out('output0', 1, 8400, 84)], {})).toMatchObject({ kind: 'raw', nc: 80, transposed: true });
  });

  it('end-to-end segmentation head [1, 300, 38] + protos', () => {
    const layout = detectLayout([out('output0', 1, 300, 38), out('output1', 1, 32, 160, 160)], { namesCount: 80 });
    expect(layout).toEqual({ kind: 'end2end', output: 'output0', nm: 32, maxDet: 300, protos: 'output1' });
  });

  it('nms=True detection export [1, 100, 6] (max_det 100, zero-padded rows)', () => {
    expect(detectLayout([out('output0', 1, 100, 6)], { namesCount: 80 })).toEqual({ kind: 'end2end', output: 'output0', nm: 0, maxDet: 100 });
  });

  it('2-class transposed raw head vs end-to-end: same column count, the metadata decides', () => {
    const outputs = [out('output0', 1, 300, 6)];
    expect(detectLayout(outputs, { namesCount: 2 })).toMatchObject({ kind: 'end2end' });
    expect(detectLayout(outputs, { namesCount: 2, end2end: true })).toMatchObject({ kind: 'end2end' });
    expect(detectLayout(outputs, { namesCount: 2, end2end: false })).toMatchObject({ kind: 'raw', nc: 2, transposed: true, anchors: 300 });
    // names count settles it when the column count only fits one reading
    expect(detectLayout([out('output0', 1, 300, 84)], { namesCount: 80 })).toMatchObject({ kind: 'raw', transposed: true, nc: 80 });
  });

  it('prompt-free YOLOE head with 4,585 classes', () => {
    expect(detectLayout([out('output0', 1, 4589, 8400)], { namesCount: 4585 })).toMatchObject({ kind: 'raw', nc: 4585, nm: 0, anchors: 8400, transposed: false });
    // at 320 the anchors (2100) are fewer than the channels: the names count keeps the orientation right
    expect(detectLayout([out('output0', 1, 4589, 2100)], { namesCount: 4585 })).toMatchObject({ kind: 'raw', nc: 4585, anchors: 2100, transposed: false });
    expect(detectLayout([out('output0', 1, 4621, 8400), out('output1', 1, 32, 160, 160)], { namesCount: 4585 })).toMatchObject({ nc: 4585, nm: 32 });
  });

  it('dynamic dims: works from the known ones', () => {
    expect(detectLayout([out('output0', 'batch', 84, 'anchors')], { namesCount: 80 })).toEqual({ kind: 'raw', output: 'output0', nc: 80, nm: 0, anchors: -1, transposed: false });
    expect(detectLayout([out('output0', -1, -1, 38), out('p', -1, 32, -1, -1)], {})).toEqual({ kind: 'end2end', output: 'output0', nm: 32, maxDet: -1, protos: 'p' });
  });

  it('garbage -> ERR_MODEL_LAYOUT naming outputs, shapes and supported layouts', () => {
    const e = layoutError(() => detectLayout([out('logits', 1, 1000)], {}));
    expect(e.code).toBe('ERR_MODEL_LAYOUT');
    expect(e.message).toContain('logits [1, 1000]');
    expect(e.message).toContain('[B, 4+nc+nm, N]');
    expect(e.message).toContain('[B, K, 6+nm]');
    expect(layoutError(() => detectLayout([], {})).code).toBe('ERR_MODEL_LAYOUT');
    // a head too small for its protos
    expect(layoutError(() => detectLayout([out('o', 1, 5, 30), out('p', 1, 32, 160, 160)], {})).code).toBe('ERR_MODEL_LAYOUT');
    // segmentation declared, no protos
    expect(layoutError(() => detectLayout([out('o', 1, 116, 8400)], { task: 'segment' })).message).toContain('protos');
    // both head dims dynamic: no way to tell
    expect(layoutError(() => detectLayout([out('o', 1, 'a', 'b')], { namesCount: 80 })).message).toContain('o [1, "a", "b"]');
    // an explicit nc that fits nothing
    expect(layoutError(() => detectLayout([out('o', 1, 84, 8400)], { nc: 10 })).message).toContain('nc = 10');
  });

  it('a stale names list does not hide a layout that fits the shape', () => {
    expect(detectLayout([out('output0', 1, 84, 8400)], { namesCount: 3 })).toMatchObject({ kind: 'raw', nc: 80 });
  });
});

describe('resolveDecodeOptions', () => {
  it('Ultralytics defaults', () => {
    expect(resolveDecodeOptions(undefined)).toEqual({ conf: 0.25, iou: 0.7, maxDet: 300, maxNms: 30000, agnostic: false, multiLabel: false });
    expect(resolveDecodeOptions({ somethingElse: 1 })).toEqual(resolveDecodeOptions({}));
  });

  it('takes valid values', () => {
    const o = resolveDecodeOptions({ conf: 0, iou: 1, maxDet: 5, maxNms: 10, agnostic: true, multiLabel: true, classes: [0, 2] });
    expect(o).toEqual({ conf: 0, iou: 1, maxDet: 5, maxNms: 10, agnostic: true, multiLabel: true, classes: [0, 2] });
  });

  it.each([
    [{ conf: 1.5 }, 'conf', 'Expected a number >= 0 and <= 1 for conf but received 1.5'],
    [{ conf: '0.3' }, 'conf', 'received "0.3"'],
    [{ iou: -0.1 }, 'iou', 'for iou but received -0.1'],
    [{ maxDet: 0 }, 'maxDet', 'Expected an integer >= 1'],
    [{ maxDet: 2.5 }, 'maxDet', 'but received 2.5'],
    [{ maxNms: NaN }, 'maxNms', 'for maxNms but received NaN'],
    [{ agnostic: 'yes' }, 'agnostic', 'Expected a boolean for agnostic'],
    [{ multiLabel: 1 }, 'multiLabel', 'Expected a boolean for multiLabel'],
    [{ classes: [0, -1] }, 'classes', 'Expected an array of integers'],
    [{ classes: 3 }, 'classes', 'for classes but received 3'],
    [null, 'options', 'Expected an object for options but received null'],
  ])('rejects %j', (input, option, message) => {
    const e = layoutError(() => resolveDecodeOptions(input));
    expect(e.code).toBe('ERR_INVALID_OPTION');
    expect(e.details).toEqual({ option });
    expect(e.message).toContain(message);
  });
});
