/** mulberry32: a small seeded uniform [0, 1) generator, for sampling that must reproduce (never Math.random). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `resamples` bootstrap samples of n items: indices drawn with replacement. The same samples
 * serve every model compared, so the differences they give are paired.
 */
export function bootstrapIndices(n: number, resamples: number, seed: number): number[][] {
  const random = seededRandom(seed);
  return Array.from({ length: resamples }, () => Array.from({ length: n }, () => Math.floor(random() * n)));
}
