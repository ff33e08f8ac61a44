// Samples of the shape family.
#include "tests/ops/op_sample.h"

namespace cgrad::test {

std::vector<OpSample> shape_samples() {
  std::vector<OpSample> s;
  return s;
}

}  // namespace cgrad::test
