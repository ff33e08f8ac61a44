// Samples of the elementwise family: broadcasting binary arithmetic and unary functions.
#include "tests/ops/op_sample.h"

namespace cgrad::test {
namespace {

// The shape pairs every broadcasting binary op is checked on: equal shapes, a scalar on
// either side, a row, a column, both sides broadcasting, a rank difference, size-1 and
// size-0 dimensions.
struct ShapePair {
  Shape a, b;
  const char* what;
};
const std::vector<ShapePair>& broadcast_pairs() {
  static const std::vector<ShapePair> pairs = {
      {{3, 4}, {3, 4}, "same shape"},
      {{}, {}, "rank 0"},
      {{2, 3}, {}, "scalar on the right"},
      {{}, {2, 3}, "scalar on the left"},
      {{4, 3}, {3}, "row vector, lower rank"},
      {{4, 1}, {4, 3}, "column on the left"},
      {{3, 1}, {1, 4}, "both sides broadcast"},
      {{2, 1, 3}, {4, 1}, "rank 3 with rank 2, both sides"},
      {{2, 3, 4}, {1, 3, 1}, "middle axis kept"},
      {{0, 3}, {3}, "size-0 axis"},
      {{1}, {1}, "size 1"},
  };
  return pairs;
}

template <class F>
void add_binary(std::vector<OpSample>& out, const char* op, F f, const char* numpy, std::uint64_t seed,
                bool b_positive = false) {
  for (const ShapePair& p : broadcast_pairs()) {
    Tensor<double> b = b_positive ? uniform(p.b, seed + 1, 0.5, 2.0) : uniform(p.b, seed + 1);
    out.push_back(sample(op, fmt::format("{}{}{}: {}", p.a, op, p.b, p.what), {uniform(p.a, seed), std::move(b)}, f,
                         numpy));
    seed += 2;
  }
}

}  // namespace

std::vector<OpSample> elementwise_samples() {
  std::vector<OpSample> s;
  add_binary(s, "Add", [](auto&, auto x) { return add(x[0], x[1]); }, "x0 + x1", 100);
  add_binary(s, "Sub", [](auto&, auto x) { return sub(x[0], x[1]); }, "x0 - x1", 200);
  add_binary(s, "Mul", [](auto&, auto x) { return mul(x[0], x[1]); }, "x0 * x1", 300);
  add_binary(s, "Div", [](auto&, auto x) { return div(x[0], x[1]); }, "x0 / x1", 400, /*b_positive=*/true);
  // The operators record the same ops; a value used on both sides.
  s.push_back(sample("Mul", "x*x through operator*", {uniform({2, 3}, 450)}, [](auto&, auto x) { return x[0] * x[0]; },
                     "x0 * x0"));
  s.push_back(sample("Div", "1/x through operator/ with a scalar", {uniform({3}, 451, 0.5, 2.0)},
                     [](auto&, auto x) { return 1.0f / x[0]; }, "1 / x0"));
  s.push_back(sample("Sub", "2-x through operator- with a scalar", {uniform({3}, 452)},
                     [](auto&, auto x) { return 2.0f - x[0]; }, "2 - x0"));

  s.push_back(sample("Neg", "[2,3]", {uniform({2, 3}, 500)}, [](auto&, auto x) { return neg(x[0]); }, "-x0"));
  s.push_back(sample("Neg", "rank 0 via unary -", {uniform({}, 501)}, [](auto&, auto x) { return -x[0]; }, "-x0"));
  s.push_back(sample("Scale", "[3,5] x0.5", {uniform({3, 5}, 510)}, [](auto&, auto x) { return scale(x[0], 0.5f); },
                     "0.5 * x0"));
  s.push_back(sample("Scale", "[2,100] x0", {uniform({2, 100}, 511)}, [](auto&, auto x) { return scale(x[0], 0.0f); },
                     "0.0 * x0"));
  s.push_back(sample("Scale", "rank 3 via operator* -2.5", {uniform({2, 3, 2}, 512)},
                     [](auto&, auto x) { return x[0] * -2.5f; }, "-2.5 * x0"));

  s.push_back(sample("ReLU", "[3,5] away from 0", {away_from_zero({3, 5}, 520)}, [](auto&, auto x) { return relu(x[0]); },
                     "np.maximum(x0, 0)"));
  s.push_back(sample("ReLU", "[300,100] away from 0", {away_from_zero({300, 100}, 521)},
                     [](auto&, auto x) { return relu(x[0]); }, "np.maximum(x0, 0)"));
  s.push_back(sample("ReLU", "rank 4", {away_from_zero({2, 1, 3, 2}, 522)}, [](auto&, auto x) { return relu(x[0]); },
                     "np.maximum(x0, 0)"));
  OpSample relu_kink = sample("ReLU", "at 0 (subgradient 0)", {values({4}, {0.0, -0.5, 0.0, 0.75})},
                              [](auto&, auto x) { return relu(x[0]); }, "np.maximum(x0, 0)");
  relu_kink.at_kink = true;
  s.push_back(std::move(relu_kink));

  s.push_back(sample("AddBias", "[1,1]+[1,1]", {uniform({1, 1}, 530), uniform({1, 1}, 531)},
                     [](auto&, auto x) { return add_bias(x[0], x[1]); }, "x0 + x1"));
  s.push_back(sample("AddBias", "[3,5]+[1,5]", {uniform({3, 5}, 532), uniform({1, 5}, 533)},
                     [](auto&, auto x) { return add_bias(x[0], x[1]); }, "x0 + x1"));
  s.push_back(sample("AddBias", "[300,100]+[1,100]", {uniform({300, 100}, 534), uniform({1, 100}, 535)},
                     [](auto&, auto x) { return add_bias(x[0], x[1]); }, "x0 + x1"));
  s.push_back(sample("AddBias", "[2,3,4]+[4]", {uniform({2, 3, 4}, 536), uniform({4}, 537)},
                     [](auto&, auto x) { return add_bias(x[0], x[1]); }, "x0 + x1"));
  return s;
}

}  // namespace cgrad::test
