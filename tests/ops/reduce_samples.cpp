// Samples of the reduce family.
#include "tests/ops/op_sample.h"

namespace cgrad::test {

std::vector<OpSample> reduce_samples() {
  std::vector<OpSample> s;
  return s;
}

}  // namespace cgrad::test
