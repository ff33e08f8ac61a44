// Samples of the losses: each reduces to a scalar.
#include "tests/ops/op_sample.h"

namespace cgrad::test {
namespace {

std::vector<std::int32_t> labels_for(std::size_t rows, std::int32_t classes, std::uint64_t seed) {
  std::vector<std::int32_t> labels(rows);
  for (std::size_t r = 0; r < rows; ++r) labels[r] = static_cast<std::int32_t>((r * 7 + seed) % static_cast<std::size_t>(classes));
  return labels;
}

std::string numpy_list(const std::vector<std::int32_t>& v) {
  return fmt::format("[{}]", fmt::join(v, ","));
}

}  // namespace

std::vector<OpSample> loss_samples() {
  std::vector<OpSample> s;
  struct Case {
    std::size_t rows, classes;
    double spread;
  };
  std::uint64_t seed = 2000;
  for (const Case& c : std::vector<Case>{{1, 1, 1}, {1, 3, 1}, {3, 5, 1}, {4, 3, 30}, {300, 3, 1}}) {
    const auto labels = labels_for(c.rows, static_cast<std::int32_t>(c.classes), seed);
    s.push_back(sample("SoftmaxXent", fmt::format("[{},{}] logits x{}", c.rows, c.classes, c.spread),
                       {uniform({c.rows, c.classes}, seed, -c.spread, c.spread)},
                       [labels](auto&, auto x) { return softmax_xent(x[0], labels); },
                       fmt::format("-np.mean(log_softmax(x0, 1)[np.arange({}), {}])", c.rows, numpy_list(labels))));
    ++seed;
  }
  for (const auto& [shape, lambda] : std::vector<std::pair<Shape, double>>{
           {{1, 1}, 0.5}, {{3, 5}, 2.0}, {{2, 100}, 1e-3}, {{}, 1.0}, {{2, 3, 4}, 0.25}}) {
    s.push_back(sample("L2Reg", fmt::format("{} lambda {}", shape, lambda), {uniform(shape, seed++)},
                       [lambda](auto&, auto x) { return l2_reg(x[0], lambda); },
                       fmt::format("0.5 * {} * np.sum(x0 * x0)", lambda)));
  }
  return s;
}

}  // namespace cgrad::test
