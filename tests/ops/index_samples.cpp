// Samples of the index family.
#include "tests/ops/op_sample.h"

namespace cgrad::test {

std::vector<OpSample> index_samples() {
  std::vector<OpSample> s;
  return s;
}

}  // namespace cgrad::test
