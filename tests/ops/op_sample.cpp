#include "tests/ops/op_sample.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace cgrad::test {

Tensor<double> uniform(const Shape& shape, std::uint64_t seed, double low, double high) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> draw(low, high);
  Tensor<double> t(shape);
  for (double& v : t.span()) v = draw(engine);
  return t;
}

Tensor<double> away_from_zero(const Shape& shape, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> magnitude(0.25, 1.0);
  std::bernoulli_distribution negative(0.5);
  Tensor<double> t(shape);
  for (double& v : t.span()) v = negative(engine) ? -magnitude(engine) : magnitude(engine);
  return t;
}

Tensor<double> away_from(const Shape& shape, std::uint64_t seed, std::vector<double> kinks, double gap, double low,
                         double high) {
  std::mt19937_64 engine(seed);
  std::uniform_real_distribution<double> draw(low, high);
  Tensor<double> t(shape);
  for (double& v : t.span()) {
    do {
      v = draw(engine);
    } while (std::any_of(kinks.begin(), kinks.end(), [&](double k) { return std::abs(v - k) < gap; }));
  }
  return t;
}

Tensor<double> values(const Shape& shape, std::vector<double> v) {
  return Tensor<double>(shape, std::span<const double>(v.data(), v.size()));
}

const std::vector<OpSample>& all_samples() {
  static const std::vector<OpSample> all = [] {
    std::vector<OpSample> samples;
    for (auto family : {elementwise_samples, reduce_samples, shape_samples, index_samples, linalg_samples,
                        loss_samples, conv_samples, norm_samples, recurrent_samples, attention_samples}) {
      std::vector<OpSample> more = family();
      samples.insert(samples.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
    }
    return samples;
  }();
  return all;
}

}  // namespace cgrad::test
