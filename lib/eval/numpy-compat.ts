/**
 * The few numpy / Python numeric behaviours COCOeval's numbers depend on, reproduced so our
 * results agree with pycocotools to the last bit where we can.
 */

/** np.linspace(start, stop, num) with endpoint: start + i * step, last element exactly stop. */
export function linspace(start: number, stop: number, num: number): Float64Array {
  const out = new Float64Array(num);
  const step = (stop - start) / (num - 1);
  for (let i = 0; i < num; i++) out[i] = i * step + start;
  if (num > 1) out[num - 1] = stop;
  return out;
}

/** numpy's pairwise summation of float64 (blocks of 128, eight accumulators inside a block). */
function pairwiseSum(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i]!;
    return res;
  }
  if (n <= 128) {
    const r = new Float64Array(8);
    for (let j = 0; j < 8; j++) r[j] = a[start + j]!;
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      for (let j = 0; j < 8; j++) r[j]! += a[start + i + j]!;
    }
    let res = r[0]! + r[1]! + (r[2]! + r[3]!) + (r[4]! + r[5]! + (r[6]! + r[7]!));
    for (; i < n; i++) res += a[start + i]!;
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, start, n2) + pairwiseSum(a, start + n2, n - n2);
}

/** np.mean of a 1-D float64 array (numpy 2: identity 0 plus one pairwise sum over all n; checked against numpy 2.4). */
export function numpyMean(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return NaN;
  return (0 + pairwiseSum(values, 0, n)) / n;
}

/**
 * Python's '{:0.3f}'.format(x). JavaScript's toFixed rounds exact ties away from zero where
 * Python rounds them to even; at three decimals a double can only tie at odd multiples of 1/16.
 */
export function formatFixed3(x: number): string {
  const sixteenths = x * 16;
  if (Number.isInteger(sixteenths) && Math.abs(sixteenths) % 2 === 1) {
    const thousandths = x * 1000; // exact: x has at most 4 fractional bits
    let rounded = Math.floor(thousandths + 0.5);
    if (rounded % 2 !== 0) rounded -= 1; // tie: to even
    return (rounded / 1000).toFixed(3);
  }
  return x.toFixed(3);
}
