import { YoloeTrtError, invalidOption } from '../errors.js';
import type { BinaryMask, CocoRle } from '../types.js';

/** A mask's size [h, w] as non-negative integers, or ERR_INVALID_OPTION naming the value. */
function checkSize(option: string, size: unknown): [number, number] {
  const ok = Array.isArray(size) && size.length === 2 && size.every((v) => Number.isSafeInteger(v) && v >= 0);
  if (!ok) throw invalidOption(option, 'an [h, w] pair of non-negative integers', size);
  return [size[0], size[1]];
}

/** A mask's counts: an array of non-negative integers. */
function checkCounts(counts: unknown): number[] {
  if (!Array.isArray(counts) || !counts.every((c) => Number.isSafeInteger(c) && c >= 0)) {
    throw invalidOption('rle.counts', 'an array of non-negative integers', counts);
  }
  return counts;
}

/** A bitmap mask: integer sizes and data of exactly width x height values. */
function checkMask(m: unknown): BinaryMask {
  if (m === null || typeof m !== 'object') throw invalidOption('mask', 'a mask { width, height, data }', m);
  const { width, height, data } = m as BinaryMask;
  checkSize('mask [height, width]', [height, width]);
  if (!ArrayBuffer.isView(data) && !Array.isArray(data)) throw invalidOption('mask.data', 'a typed array of width x height values', data);
  const length = (data as ArrayLike<number>).length;
  if (length !== width * height) {
    throw new YoloeTrtError('ERR_SHAPE', `A ${width} x ${height} mask needs ${width * height} values but its data holds ${length}`, { width, height, length });
  }
  return m as BinaryMask;
}

/**
 * COCO run-length encoding of a binary mask: pixels read column by column (Fortran order),
 * counts alternate zeros / ones and start with a (possibly empty) run of zeros.
 * `size` is `[height, width]`, as in COCO. Throws ERR_SHAPE when `data` does not hold exactly
 * width x height values, ERR_INVALID_OPTION for non-integer or negative sizes.
 * @example maskToRle({ width: 2, height: 2, data: Uint8Array.of(0, 1, 1, 1) }) // { size: [2, 2], counts: [1, 3] }
 */
export function maskToRle(m: BinaryMask): CocoRle {
  const { width: w, height: h, data } = checkMask(m);
  const counts: number[] = [];
  let current = 0;
  let run = 0;
  for (let x = 0; x < w; x++) {
    for (let i = x, end = x + h * w; i < end; i += w) {
      const v = data[i] ? 1 : 0;
      if (v !== current) {
        counts.push(run);
        run = 0;
        current = v;
      }
      run++;
    }
  }
  counts.push(run);
  return { size: [h, w], counts };
}

/**
 * The bitmap of an RLE (`size` is `[height, width]`); throws ERR_SHAPE when the counts do not
 * cover exactly height x width pixels, ERR_INVALID_OPTION for a malformed size or counts.
 */
export function rleToMask(rle: CocoRle): BinaryMask {
  if (rle === null || typeof rle !== 'object') throw invalidOption('rle', 'an RLE { size: [h, w], counts }', rle);
  const [h, w] = checkSize('rle.size', rle.size);
  checkCounts(rle.counts);
  const total = h * w;
  const data = new Uint8Array(total);
  let p = 0;
  for (let k = 0; k < rle.counts.length; k++) {
    const run = rle.counts[k];
    if (!Number.isInteger(run) || run < 0 || p + run > total) break;
    // odd runs are ones; column-major position q is row q % h, column q / h
    if (k % 2 === 1) for (let q = p; q < p + run; q++) data[(q % h) * w + Math.floor(q / h)] = 1;
    p += run;
  }
  const valid = p === total && rle.counts.every((c) => Number.isInteger(c) && c >= 0);
  if (!valid) throw new YoloeTrtError('ERR_SHAPE', `RLE counts do not cover exactly ${h} x ${w} pixels`, { size: rle.size });
  return { width: w, height: h, data };
}

/** Number of 1 pixels: the sum of the odd runs. */
export function rleArea(rle: CocoRle): number {
  let a = 0;
  for (let k = 1; k < rle.counts.length; k += 2) a += rle.counts[k];
  return a;
}

/**
 * pycocotools' compressed counts string: each count (from the fourth on, minus the count two
 * before it) is written as signed 5-bit groups, least significant first, one character each:
 * `48 + group`, with 0x20 set when more groups follow; the last group's bit 0x10 is the sign.
 */
export function rleToString(rle: CocoRle): string {
  if (rle === null || typeof rle !== 'object') throw invalidOption('rle', 'an RLE { size: [h, w], counts }', rle);
  let s = '';
  const c = checkCounts(rle.counts);
  for (let i = 0; i < c.length; i++) {
    let x = i > 2 ? c[i] - c[i - 2] : c[i];
    for (;;) {
      const group = ((x % 32) + 32) % 32; // x & 0x1f without a 32-bit limit
      x = Math.floor(x / 32); // arithmetic shift right by 5
      const more = group & 0x10 ? x !== -1 : x !== 0;
      s += String.fromCharCode(48 + (more ? group | 0x20 : group));
      if (!more) break;
    }
  }
  return s;
}

/** Parses pycocotools' compressed counts string (see {@link rleToString}); throws ERR_SHAPE on a malformed string. */
export function rleFromString(s: string, size: [number, number]): CocoRle {
  if (typeof s !== 'string') throw invalidOption('counts', 'a compressed RLE string', s);
  checkSize('size', size);
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    for (;;) {
      if (p >= s.length) throw new YoloeTrtError('ERR_SHAPE', `Truncated RLE string at character ${p}`);
      const c = s.charCodeAt(p++) - 48;
      if (c < 0 || c > 63 || k > 8) throw new YoloeTrtError('ERR_SHAPE', `Invalid RLE string character at ${p - 1}`);
      x += (c & 0x1f) * 2 ** (5 * k);
      k++;
      if (!(c & 0x20)) {
        if (c & 0x10) x -= 2 ** (5 * k); // sign-extend the last group
        break;
      }
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    counts.push(x);
  }
  return { size: [size[0], size[1]], counts };
}
