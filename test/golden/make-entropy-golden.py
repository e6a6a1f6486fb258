"""Generator of test/golden/entropy-calibration.json: TensorRT's entropy calibration (the KL
threshold search of "8-bit Inference with TensorRT", GTC 2017) in numpy/scipy, independent of
lib/quantize/calibrators.ts, on histograms of seeded random activations.

    /usr/bin/python3 test/golden/make-entropy-golden.py > test/golden/entropy-calibration.json

The algorithm as documented: a 2048-bin histogram of |x| over [0, absmax]; for every i from 128
to 2048 kept bins, P = the first i bins with the outlier mass added to the last kept bin, Q =
those bins merged into 128 levels (the last level takes the remainder) and spread back over the
bins where P is non-zero; both smoothed with eps = 1e-4 as MXNet and TVM do; KL(P || Q)
(scipy.stats.entropy normalises both). threshold = (argmin + 0.5) * bin width, at most absmax.
"""
import json
import numpy as np
from scipy.stats import entropy

BINS, LEVELS, EPS = 2048, 128, 1e-4


def smooth(p):
    zeros = p == 0
    n_zeros, n_nonzeros = zeros.sum(), p.size - zeros.sum()
    eps1 = EPS * n_zeros / n_nonzeros
    out = p + EPS * zeros - eps1 * ~zeros
    return np.where(~zeros & (out <= 0), EPS, out)


def entropy_threshold(hist, bin_width, absmax):
    best, best_i = np.inf, BINS
    for i in range(LEVELS, BINS + 1):
        kept = hist[:i]
        p = kept.copy()
        p[i - 1] += hist[i:].sum()
        merged = i // LEVELS
        group = np.minimum(np.arange(i) // merged, LEVELS - 1)
        sums = np.bincount(group, weights=kept, minlength=LEVELS)
        nonzero = np.bincount(group, weights=(p != 0).astype(float), minlength=LEVELS)
        q = np.where(p != 0, sums[group] / np.maximum(nonzero[group], 1), 0.0)
        if not (q != 0).any():
            continue
        d = entropy(smooth(p), smooth(q))
        if d < best:
            best, best_i = d, i
    return min((best_i + 0.5) * bin_width, absmax), best_i


rng = np.random.default_rng(20261201)
samples = {
    'gaussian': rng.normal(0, 1, 200_000),
    'laplace with outliers': np.concatenate([rng.laplace(0, 0.5, 200_000), rng.normal(0, 30, 40)]),
    'relu-like (half zeros)': np.maximum(rng.normal(0.2, 1.5, 200_000), 0),
    'silu-like': (lambda x: x / (1 + np.exp(-x)))(rng.normal(0, 3, 200_000)),
    'bimodal': np.concatenate([rng.normal(-2, 0.3, 100_000), rng.normal(6, 1, 20_000)]),
    'heavy tail (student t, 2 dof)': rng.standard_t(2, 200_000),
}
cases = []
for name, x in samples.items():
    a = np.abs(x.astype(np.float32)).astype(np.float64)
    absmax = float(a.max())
    hist = np.bincount(np.minimum((a * (BINS / absmax)).astype(np.int64), BINS - 1), minlength=BINS)
    amax, bins_kept = entropy_threshold(hist.astype(np.float64), absmax / BINS, absmax)
    cases.append({'name': name, 'range': absmax, 'count': int(a.size), 'counts': hist.tolist(), 'amax': amax, 'binsKept': bins_kept})
print(json.dumps({'generator': 'test/golden/make-entropy-golden.py', 'numpy': np.__version__, 'cases': cases}))
