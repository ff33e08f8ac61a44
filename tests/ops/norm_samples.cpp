// Samples of the normalization ops of ops/nn/.
#include "tests/ops/op_sample.h"

namespace cgrad::test {

std::vector<OpSample> norm_samples() {
  std::vector<OpSample> s;
  return s;
}

}  // namespace cgrad::test
