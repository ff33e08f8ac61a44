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

// An integer index array that stays integer when empty.
std::string numpy_ints(const std::vector<std::int32_t>& v) {
  return fmt::format("np.array([{}], dtype=np.int64)", fmt::join(v, ","));
}

struct ReductionCase {
  Reduction reduction;
  const char* numpy;  // wraps the terms' expression: "{}", "np.mean({})", "np.sum({})"
};
const std::vector<ReductionCase>& reductions() {
  static const std::vector<ReductionCase> all = {
      {Reduction::none, "{}"}, {Reduction::mean, "np.mean({})"}, {Reduction::sum, "np.sum({})"}};
  return all;
}

// NllLoss for every reduction: log-probabilities [rows, classes] (any values serve: the
// op is linear) and labels from a seed. Mean of no rows is NaN, so an empty batch is
// checked with none and sum only.
void add_nll(std::vector<OpSample>& s) {
  std::uint64_t seed = 2100;
  for (const auto& [rows, classes] : std::vector<std::pair<std::size_t, std::size_t>>{
           {1, 1}, {3, 1}, {4, 3}, {5, 4}, {0, 3}}) {
    for (const ReductionCase& r : reductions()) {
      if (rows == 0 && r.reduction == Reduction::mean) continue;
      const auto labels = labels_for(rows, static_cast<std::int32_t>(classes), seed);
      const Reduction reduction = r.reduction;
      const std::string terms = fmt::format("-x0[np.arange({}), {}]", rows, numpy_ints(labels));
      s.push_back(sample("NllLoss", fmt::format("[{},{}] {}", rows, classes, reduction_name(reduction)),
                         {uniform({rows, classes}, seed, -3.0, 0.0)},
                         [labels, reduction](auto&, auto x) { return nll_loss(x[0], labels, reduction); },
                         fmt::format(fmt::runtime(r.numpy), terms)));
      ++seed;
    }
  }
  // The default reduction is mean; labels repeat.
  const std::vector<std::int32_t> labels{2, 2, 0};
  s.push_back(sample("NllLoss", "[3,3] default reduction, repeated labels", {uniform({3, 3}, seed, -3.0, 0.0)},
                     [labels](auto&, auto x) { return nll_loss(x[0], labels); },
                     fmt::format("-np.mean(x0[np.arange(3), {}])", numpy_ints(labels))));
}

const std::vector<Shape>& pointwise_loss_shapes() {
  static const std::vector<Shape> shapes = {{1, 1}, {3, 1}, {4, 3}, {2, 3, 2}, {}, {0, 3}};
  return shapes;
}

void add_mse(std::vector<OpSample>& s) {
  std::uint64_t seed = 2200;
  for (const Shape& shape : pointwise_loss_shapes()) {
    for (const ReductionCase& r : reductions()) {
      if (shape.size() == 0 && r.reduction == Reduction::mean) continue;  // NaN, as torch
      const Reduction reduction = r.reduction;
      s.push_back(sample("MseLoss", fmt::format("{} {}", shape, reduction_name(reduction)),
                         {uniform(shape, seed), uniform(shape, seed + 1)},
                         [reduction](auto&, auto x) { return mse_loss(x[0], x[1], reduction); },
                         fmt::format(fmt::runtime(r.numpy), "(x0 - x1) ** 2")));
      seed += 2;
    }
  }
  s.push_back(sample("MseLoss", "[2,3] default reduction, equal values", {uniform({2, 3}, seed), uniform({2, 3}, seed)},
                     [](auto&, auto x) { return mse_loss(x[0], x[1]); }, "np.mean((x0 - x1) ** 2)"));
}

void add_bce(std::vector<OpSample>& s) {
  constexpr const char* terms = "np.maximum(x0, 0) - x0 * x1 + np.log1p(np.exp(-np.abs(x0)))";
  std::uint64_t seed = 2300;
  for (const Shape& shape : pointwise_loss_shapes()) {
    for (const ReductionCase& r : reductions()) {
      if (shape.size() == 0 && r.reduction == Reduction::mean) continue;
      const Reduction reduction = r.reduction;
      s.push_back(sample("BinaryCrossEntropyWithLogits", fmt::format("{} {}", shape, reduction_name(reduction)),
                         {uniform(shape, seed, -3.0, 3.0), uniform(shape, seed + 1, 0.0, 1.0)},
                         [reduction](auto&, auto x) { return binary_cross_entropy_with_logits(x[0], x[1], reduction); },
                         fmt::format(fmt::runtime(r.numpy), terms)));
      seed += 2;
    }
  }
  // Large logits (the naive log(sigmoid) would overflow or lose everything) and a logit
  // of exactly 0 (smooth there: max and |x| have kinks that cancel), with hard and soft targets.
  const Tensor<double> logits = values({2, 4}, {30.0, -30.0, 25.0, -28.0, 0.0, 12.5, -0.5, 29.0});
  const Tensor<double> targets = values({2, 4}, {1.0, 0.0, 0.0, 1.0, 0.5, 0.25, 1.0, 0.75});
  for (const ReductionCase& r : reductions()) {
    const Reduction reduction = r.reduction;
    s.push_back(sample("BinaryCrossEntropyWithLogits", fmt::format("logits up to +-30 {}", reduction_name(reduction)),
                       {logits, targets},
                       [reduction](auto&, auto x) { return binary_cross_entropy_with_logits(x[0], x[1], reduction); },
                       fmt::format(fmt::runtime(r.numpy), terms)));
  }
  s.push_back(sample("BinaryCrossEntropyWithLogits", "[3,2] default reduction",
                     {uniform({3, 2}, seed, -2.0, 2.0), uniform({3, 2}, seed + 1, 0.0, 1.0)},
                     [](auto&, auto x) { return binary_cross_entropy_with_logits(x[0], x[1]); },
                     fmt::format("np.mean({})", terms)));
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
  {  // cross_entropy is SoftmaxXent under LibTorch's name
    const std::vector<std::int32_t> labels{0, 2};
    s.push_back(sample("SoftmaxXent", "[2,3] through cross_entropy", {uniform({2, 3}, 2050)},
                       [labels](auto&, auto x) { return cross_entropy(x[0], labels); },
                       fmt::format("-np.mean(log_softmax(x0, 1)[np.arange(2), {}])", numpy_list(labels))));
  }
  for (const auto& [shape, lambda] : std::vector<std::pair<Shape, double>>{
           {{1, 1}, 0.5}, {{3, 5}, 2.0}, {{2, 100}, 1e-3}, {{}, 1.0}, {{2, 3, 4}, 0.25}}) {
    s.push_back(sample("L2Reg", fmt::format("{} lambda {}", shape, lambda), {uniform(shape, seed++)},
                       [lambda](auto&, auto x) { return l2_reg(x[0], lambda); },
                       fmt::format("0.5 * {} * np.sum(x0 * x0)", lambda)));
  }
  add_nll(s);
  add_mse(s);
  add_bce(s);
  return s;
}

}  // namespace cgrad::test
