// |x| histograms for calibration (entropy / percentile calibrators): `bins` equal bins over
// [0, range]; bin = min(bins - 1, floor(|x| * (bins / range))); |x| > range lands in the last
// bin and is counted as clipped; NaN is counted apart and never binned.
#pragma once

#include <cstddef>
#include <cstdint>

namespace yoloe {

constexpr int kDefaultHistogramBins = 2048;

struct HistogramStats {
  double count = 0;    // values binned (NaN excluded)
  double nan = 0;      // NaN values skipped
  double clipped = 0;  // values with |x| > range
  double maxAbs = 0;   // largest finite-or-infinite |x| seen (0 when none)
};

// Adds the values to `counts` (length `bins`, accumulated, not cleared).
HistogramStats accumulateAbsHistogram(const float* values, size_t n, double range, double* counts, int bins);

// The bin of one |x| (the shared per-element rule; x >= 0, range > 0).
inline int histogramBin(double absValue, double binsPerUnit, int bins) {
  const double b = absValue * binsPerUnit;
  return b >= static_cast<double>(bins - 1) ? bins - 1 : static_cast<int>(b);
}

}  // namespace yoloe
