// Samples of the recurrent cells ops of ops/nn/.
#include "tests/ops/op_sample.h"

namespace cgrad::test {

std::vector<OpSample> recurrent_samples() {
  std::vector<OpSample> s;
  return s;
}

}  // namespace cgrad::test
