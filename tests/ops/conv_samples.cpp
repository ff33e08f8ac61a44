// Samples of the convolution and pooling ops of ops/nn/.
#include "tests/ops/op_sample.h"

namespace cgrad::test {

std::vector<OpSample> conv_samples() {
  std::vector<OpSample> s;
  return s;
}

}  // namespace cgrad::test
