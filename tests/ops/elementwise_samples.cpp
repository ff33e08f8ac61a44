// Samples of the elementwise family: broadcasting binary arithmetic and unary functions.
#include <limits>

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
                bool b_positive = false, bool a_positive = false) {
  for (const ShapePair& p : broadcast_pairs()) {
    Tensor<double> a = a_positive ? uniform(p.a, seed, 0.5, 2.0) : uniform(p.a, seed);
    Tensor<double> b = b_positive ? uniform(p.b, seed + 1, 0.5, 2.0) : uniform(p.b, seed + 1);
    out.push_back(sample(op, fmt::format("{}{}{}: {}", p.a, op, p.b, p.what), {std::move(a), std::move(b)}, f, numpy));
    seed += 2;
  }
}

// A unary op on the shapes every elementwise function is checked on: a matrix, rank 0,
// size 1, a size-0 axis, rank 4, and a larger one kept for the float32 and thread checks.
// `draw(shape, seed)` gives the input values (inside the op's domain, away from kinks).
template <class F, class Draw>
void add_unary(std::vector<OpSample>& out, const char* op, F f, const char* numpy, std::uint64_t seed, Draw draw) {
  const std::vector<Shape> shapes = {{3, 4}, {}, {1}, {0, 3}, {2, 1, 3, 2}, {64, 100}};
  for (const Shape& shape : shapes) {
    OpSample s = sample(op, fmt::format("{}", shape), {draw(shape, seed++)}, f, numpy);
    s.gradcheck = shape.size() <= 100;
    out.push_back(std::move(s));
  }
}

auto uniform_in(double low, double high) {
  return [=](const Shape& shape, std::uint64_t seed) { return uniform(shape, seed, low, high); };
}
auto away_from_kinks(std::vector<double> kinks, double low, double high) {
  return [=](const Shape& shape, std::uint64_t seed) { return away_from(shape, seed, kinks, 0.05, low, high); };
}

// A sample whose input sits exactly on a kink.
template <class F>
OpSample kink(std::string op, std::string label, std::vector<Tensor<double>> inputs, F f, std::string numpy) {
  OpSample s = sample(std::move(op), std::move(label), std::move(inputs), f, std::move(numpy));
  s.at_kink = true;
  return s;
}

// Pow, Maximum, Minimum and the unary functions.
void elementwise_math_samples(std::vector<OpSample>& s) {
  // Pow: a > 0 where log(a) (the gradient of b) is defined.
  add_binary(s, "Pow", [](auto&, auto x) { return pow(x[0], x[1]); }, "np.power(x0, x1)", 600, false,
             /*a_positive=*/true);
  s.push_back(sample("Pow", "a = 0 with even b (both gradients 0 there), negative b",
                     {values({4}, {0.0, 0.0, 0.5, 1.5}), values({4}, {2.0, 4.0, -1.0, -2.5})},
                     [](auto&, auto x) { return pow(x[0], x[1]); }, "np.power(x0, x1)"));

  for (const char* op : {"Maximum", "Minimum"}) {
    const bool max = op[1] == 'a';
    auto f = [max](auto&, auto x) { return max ? maximum(x[0], x[1]) : minimum(x[0], x[1]); };
    const char* numpy = max ? "np.maximum(x0, x1)" : "np.minimum(x0, x1)";
    add_binary(s, op, f, numpy, max ? 700 : 800);
    s.push_back(kink(op, "ties split the gradient half and half",
                     {values({2, 3}, {0.5, -1.0, 0.0, 0.25, 1.0, -0.5}),
                      values({2, 3}, {0.5, 0.75, 0.0, -0.25, 1.0, -0.5})},
                     f, numpy));
    s.push_back(kink(op, "[2,3] against a scalar 0, ties at 0",
                     {values({2, 3}, {-0.5, 0.0, 0.75, 0.0, 1.0, -0.25}), values({}, {0.0})}, f, numpy));
    s.push_back(kink(op, "x against itself: a tie everywhere", {uniform({2, 2}, max ? 710 : 810)},
                     [max](auto&, auto x) { return max ? maximum(x[0], x[0]) : minimum(x[0], x[0]); }, "x0"));
  }

  add_unary(s, "Exp", [](auto&, auto x) { return exp(x[0]); }, "np.exp(x0)", 900, uniform_in(-3, 3));
  add_unary(s, "Log", [](auto&, auto x) { return log(x[0]); }, "np.log(x0)", 910, uniform_in(0.1, 3));
  add_unary(s, "Sqrt", [](auto&, auto x) { return sqrt(x[0]); }, "np.sqrt(x0)", 920, uniform_in(0.1, 3));
  add_unary(s, "Tanh", [](auto&, auto x) { return tanh(x[0]); }, "np.tanh(x0)", 930, uniform_in(-3, 3));
  add_unary(s, "Sigmoid", [](auto&, auto x) { return sigmoid(x[0]); }, "sigmoid(x0)", 940, uniform_in(-6, 6));
  s.push_back(sample("Sigmoid", "large |x| does not overflow", {values({6}, {-800, -40, -0.5, 0.0, 40, 800})},
                     [](auto&, auto x) { return sigmoid(x[0]); }, "sigmoid(x0)"));
  add_unary(s, "GELU", [](auto&, auto x) { return gelu(x[0]); }, "gelu(x0)", 950, uniform_in(-4, 4));

  add_unary(s, "Abs", [](auto&, auto x) { return abs(x[0]); }, "np.abs(x0)", 960,
            [](const Shape& shape, std::uint64_t seed) { return away_from_zero(shape, seed); });
  s.push_back(kink("Abs", "at 0 (gradient 0)", {values({4}, {0.0, -0.5, 0.0, 0.75})},
                   [](auto&, auto x) { return abs(x[0]); }, "np.abs(x0)"));

  add_unary(s, "LeakyReLU", [](auto&, auto x) { return leaky_relu(x[0]); }, "np.where(x0 > 0, x0, 0.01 * x0)", 970,
            [](const Shape& shape, std::uint64_t seed) { return away_from_zero(shape, seed); });
  s.push_back(sample("LeakyReLU", "negative_slope 0.25", {away_from_zero({3, 4}, 975)},
                     [](auto&, auto x) { return leaky_relu(x[0], 0.25f); }, "np.where(x0 > 0, x0, 0.25 * x0)"));
  s.push_back(sample("LeakyReLU", "negative_slope -1.5", {away_from_zero({5}, 976)},
                     [](auto&, auto x) { return leaky_relu(x[0], -1.5f); }, "np.where(x0 > 0, x0, -1.5 * x0)"));
  s.push_back(kink("LeakyReLU", "at 0 (gradient negative_slope)", {values({4}, {0.0, -0.5, 0.0, 0.75})},
                   [](auto&, auto x) { return leaky_relu(x[0]); }, "np.where(x0 > 0, x0, 0.01 * x0)"));

  add_unary(s, "Softplus", [](auto&, auto x) { return softplus(x[0]); }, "softplus(x0)", 980, uniform_in(-5, 5));
  s.push_back(sample("Softplus", "beta 2, threshold 5 (linear above x = 2.5)",
                     {away_from({3, 4}, 985, {2.5}, 0.05, -4, 4)},
                     [](auto&, auto x) { return softplus(x[0], 2.0f, 5.0f); },
                     "np.where(2 * x0 > 5, x0, np.logaddexp(0, 2 * x0) / 2)"));
  s.push_back(sample("Softplus", "large |x|: linear above the threshold, no overflow below",
                     {values({6}, {-800, -30, 0.0, 19.5, 25, 800})}, [](auto&, auto x) { return softplus(x[0]); },
                     "np.where(x0 > 20, x0, softplus(x0))"));
  s.push_back(sample("Softplus", "beta -0.5", {uniform({5}, 986, -4, 4)},
                     [](auto&, auto x) { return softplus(x[0], -0.5f); }, "np.logaddexp(0, -0.5 * x0) / -0.5"));

  add_unary(s, "Clamp", [](auto&, auto x) { return clamp(x[0], -0.5f, 0.5f); }, "np.clip(x0, -0.5, 0.5)", 990,
            away_from_kinks({-0.5, 0.5}, -1, 1));
  s.push_back(kink("Clamp", "at both bounds (gradient 1 there, bounds included)",
                   {values({6}, {-0.5, 0.5, -1.0, 0.0, 0.75, -0.5})},
                   [](auto&, auto x) { return clamp(x[0], -0.5f, 0.5f); }, "np.clip(x0, -0.5, 0.5)"));
  s.push_back(sample("Clamp", "no lower bound (-inf)", {away_from({2, 3}, 995, {0.5}, 0.05, -2, 2)},
                     [](auto&, auto x) { return clamp(x[0], -std::numeric_limits<float>::infinity(), 0.5f); },
                     "np.clip(x0, -np.inf, 0.5)"));
  s.push_back(sample("Clamp", "min == max", {away_from({4}, 996, {0.25}, 0.05, -1, 1)},
                     [](auto&, auto x) { return clamp(x[0], 0.25f, 0.25f); }, "np.clip(x0, 0.25, 0.25)"));

  add_unary(s, "PowScalar", [](auto&, auto x) { return pow(x[0], 2.0f); }, "np.power(x0, 2.0)", 1000,
            uniform_in(-2, 2));
  s.push_back(sample("PowScalar", "exponent 3 on negative values", {uniform({2, 3}, 1010, -2, 0)},
                     [](auto&, auto x) { return pow(x[0], 3.0f); }, "np.power(x0, 3.0)"));
  s.push_back(sample("PowScalar", "exponent 0.5", {uniform({2, 3}, 1011, 0.1, 3)},
                     [](auto&, auto x) { return pow(x[0], 0.5f); }, "np.power(x0, 0.5)"));
  s.push_back(sample("PowScalar", "exponent -1.5", {uniform({2, 3}, 1012, 0.2, 3)},
                     [](auto&, auto x) { return pow(x[0], -1.5f); }, "np.power(x0, -1.5)"));
  s.push_back(sample("PowScalar", "exponent 0 (gradient 0)", {uniform({4}, 1013)},
                     [](auto&, auto x) { return pow(x[0], 0.0f); }, "np.power(x0, 0.0)"));
  s.push_back(sample("PowScalar", "exponent 2 at 0", {values({3}, {0.0, 0.5, -1.0})},
                     [](auto&, auto x) { return pow(x[0], 2.0f); }, "np.power(x0, 2.0)"));
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

  elementwise_math_samples(s);
  return s;
}

}  // namespace cgrad::test
