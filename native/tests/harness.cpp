// The counters behind CHECK (harness.h), one pair per test program.
#include "harness.h"

namespace yoloe_test {
int failures = 0;
int checks = 0;
}  // namespace yoloe_test
