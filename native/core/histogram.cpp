#include "histogram.h"

#include <cmath>

#include "error.h"

namespace yoloe {

HistogramStats accumulateAbsHistogram(const float* values, size_t n, double range, double* counts, int bins) {
  if (bins < 1) throw Error("ERR_INVALID_OPTION", "histogram needs at least 1 bin");
  if (!(range > 0) || !std::isfinite(range)) throw Error("ERR_INVALID_OPTION", "histogram range must be a finite number > 0");
  const double perUnit = static_cast<double>(bins) / range;
  HistogramStats s;
  for (size_t i = 0; i < n; i++) {
    const float v = values[i];
    if (std::isnan(v)) {
      s.nan += 1;
      continue;
    }
    const double a = std::fabs(static_cast<double>(v));
    if (a > s.maxAbs) s.maxAbs = a;
    if (a > range) s.clipped += 1;
    counts[histogramBin(a, perUnit, bins)] += 1;
    s.count += 1;
  }
  return s;
}

}  // namespace yoloe
