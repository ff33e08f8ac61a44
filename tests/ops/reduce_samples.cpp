// Samples of the reduce family: reductions over one axis, several, all; keepdim; negative
// axes; rank 0 to 4; size-1 and size-0 axes; ties of max and min; the softmaxes along the
// first, a middle and the last axis, with large logits.
#include <cstdint>
#include <span>

#include "tests/ops/op_sample.h"

namespace cgrad::test {
namespace {

// A sample whose input sits on a kink (a tie of max or min).
OpSample at_kink(OpSample s) {
  s.at_kink = true;
  return s;
}

// The reductions that take (x, axes, keepdim) and (x) alike: Sum, Mean, Max, Min.
// `numpy_name` is the NumPy function ("np.sum").
template <class All, class Over>
void add_axis_reductions(std::vector<OpSample>& s, const char* op, const char* np, All all, Over over,
                         std::uint64_t seed) {
  auto axes = [&](const char* label, Shape shape, Axes a, bool keepdim, const char* np_axis) {
    s.push_back(sample(op, label, {uniform(shape, seed++)},
                       [over, a, keepdim](auto&, auto x) { return over(x[0], a, keepdim); },
                       fmt::format("{}(x0, axis={}, keepdims={})", np, np_axis, keepdim ? "True" : "False")));
  };
  s.push_back(sample(op, "[3,4] all axes", {uniform({3, 4}, seed++)}, [all](auto&, auto x) { return all(x[0]); },
                     fmt::format("{}(x0)", np)));
  s.push_back(sample(op, "rank 0, all axes", {uniform({}, seed++)}, [all](auto&, auto x) { return all(x[0]); },
                     fmt::format("{}(x0)", np)));
  s.push_back(sample(op, "rank 0 with axis -1 (torch: reduces nothing)", {uniform({}, seed++)},
                     [over](auto&, auto x) { return over(x[0], -1, false); }, fmt::format("{}(x0)", np)));
  s.push_back(sample(op, "[2,3,4] empty axis list: all axes", {uniform({2, 3, 4}, seed++)},
                     [over](auto&, auto x) { return over(x[0], std::span<const std::int64_t>(), false); },
                     fmt::format("{}(x0)", np)));
  axes("[3,4] axis 1 (last)", {3, 4}, 1, false, "1");
  axes("[3,4] axis 1 keepdim", {3, 4}, 1, true, "1");
  axes("[5,4] axis 0 (leading) keepdim", {5, 4}, 0, true, "0");
  axes("[2,37] axis -1: long contiguous run", {2, 37}, -1, false, "-1");
  axes("[37,3] axis 0: many rows", {37, 3}, 0, false, "0");
  axes("[2,3,4] axes {0,2} keepdim", {2, 3, 4}, {0, 2}, true, "(0,2)");
  axes("[2,3,4] axes {0,2}", {2, 3, 4}, {0, 2}, false, "(0,2)");
  axes("[2,3,4] axis 1 (middle)", {2, 3, 4}, 1, false, "1");
  axes("[2,3,4] axes {-1,-2}: the last two", {2, 3, 4}, {-1, -2}, false, "(-1,-2)");
  axes("[2,3,4] all axes as a list, keepdim", {2, 3, 4}, {2, 0, 1}, true, "(0,1,2)");
  axes("[2,3,2,3] axes {1,3} (rank 4)", {2, 3, 2, 3}, {1, 3}, false, "(1,3)");
  axes("[2,3,2,3] axes {-4,-2} keepdim (rank 4)", {2, 3, 2, 3}, {-4, -2}, true, "(-4,-2)");
  axes("[3,1,2] axis 1 of size 1", {3, 1, 2}, 1, false, "1");
  axes("[1,1] axes {0,1} of size 1", {1, 1}, {0, 1}, false, "(0,1)");
  axes("[0,3] axis 1, size-0 output", {0, 3}, 1, false, "1");
}

}  // namespace

std::vector<OpSample> reduce_samples() {
  std::vector<OpSample> s;

  const auto sum_all = [](auto x) { return sum(x); };
  const auto sum_over = [](auto x, Axes a, bool keepdim) { return sum(x, a, keepdim); };
  add_axis_reductions(s, "Sum", "np.sum", sum_all, sum_over, 1000);
  s.push_back(sample("Sum", "[0,3] over axis 0 of size 0: zeros", {uniform({0, 3}, 1100)},
                     [](auto&, auto x) { return sum(x[0], 0); }, "np.sum(x0, axis=0)"));
  s.push_back(sample("Sum", "[2,0] all axes: 0", {uniform({2, 0}, 1101)}, [](auto&, auto x) { return sum(x[0]); },
                     "np.sum(x0)"));

  const auto mean_all = [](auto x) { return mean(x); };
  const auto mean_over = [](auto x, Axes a, bool keepdim) { return mean(x, a, keepdim); };
  add_axis_reductions(s, "Mean", "np.mean", mean_all, mean_over, 2000);
  // NaN (0/0) as in torch; NumPy agrees but warns, and NaN != NaN, so no expression.
  s.push_back(sample("Mean", "[0,3] over axis 0 of size 0: NaN", {uniform({0, 3}, 2100)},
                     [](auto&, auto x) { return mean(x[0], 0); }));

  for (const bool is_max : {true, false}) {
    const char* op = is_max ? "Max" : "Min";
    const std::uint64_t seed = is_max ? 3000 : 4000;
    if (is_max) {
      add_axis_reductions(s, op, "np.max", [](auto x) { return max(x); },
                          [](auto x, Axes a, bool keepdim) { return max(x, a, keepdim); }, seed);
    } else {
      add_axis_reductions(s, op, "np.min", [](auto x) { return min(x); },
                          [](auto x, Axes a, bool keepdim) { return min(x, a, keepdim); }, seed);
    }
  }
  // Ties: the gradient is split evenly between the two equal extremes.
  s.push_back(at_kink(sample("Max", "[4] two-way tie at 0.5", {values({4}, {0.5, -1.0, 0.5, 0.25})},
                             [](auto&, auto x) { return max(x[0]); }, "np.max(x0)")));
  s.push_back(at_kink(sample("Min", "[4] two-way tie at -0.5", {values({4}, {-0.5, 1.0, -0.5, 0.25})},
                             [](auto&, auto x) { return min(x[0]); }, "np.min(x0)")));
  // [2,2,2] over {0,2}: each output's slice has four elements, of which two tie.
  s.push_back(at_kink(sample("Max", "[2,2,2] axes {0,2}, ties across both axes",
                             {values({2, 2, 2}, {0.5, 0.25, 1.0, -1.0, -0.5, 0.5, 0.0, 1.0})},
                             [](auto&, auto x) { return max(x[0], {0, 2}); }, "np.max(x0, axis=(0,2))")));
  s.push_back(at_kink(sample("Min", "[2,2,2] axes {0,2} keepdim, ties across both axes",
                             {values({2, 2, 2}, {-0.5, 0.25, -1.0, 1.0, 0.5, -0.5, 0.0, -1.0})},
                             [](auto&, auto x) { return min(x[0], {0, 2}, true); },
                             "np.min(x0, axis=(0,2), keepdims=True)")));
  s.push_back(at_kink(sample("Max", "[2,3] axis 0, ties in every column",
                             {values({2, 3}, {0.5, 0.0, 1.0, 0.5, 0.0, 1.0})},
                             [](auto&, auto x) { return max(x[0], 0); }, "np.max(x0, axis=0)")));

  // LogSumExp: axes as the others; large logits; an all-axes list.
  std::uint64_t seed = 5000;
  auto lse = [&](const char* label, Tensor<double> x, Axes a, bool keepdim, std::string np) {
    s.push_back(sample("LogSumExp", label, {std::move(x)},
                       [a, keepdim](auto&, auto v) { return logsumexp(v[0], a, keepdim); }, std::move(np)));
  };
  lse("[3,4] axis 1", uniform({3, 4}, seed++), 1, false, "logsumexp(x0, axis=1)");
  lse("[3,4] axis 0 keepdim", uniform({3, 4}, seed++), 0, true, "logsumexp(x0, axis=0, keepdims=True)");
  lse("[3,4] empty list: all axes", uniform({3, 4}, seed++), std::span<const std::int64_t>(), false, "logsumexp(x0)");
  lse("rank 0, all axes", uniform({}, seed++), std::span<const std::int64_t>(), false, "logsumexp(x0)");
  lse("[2,3,4] axes {0,2} keepdim", uniform({2, 3, 4}, seed++), {0, 2}, true,
      "logsumexp(x0, axis=(0,2), keepdims=True)");
  lse("[2,3,4] axis -2", uniform({2, 3, 4}, seed++), -2, false, "logsumexp(x0, axis=-2)");
  lse("[2,3,2,3] axes {-1,1} (rank 4)", uniform({2, 3, 2, 3}, seed++), {-1, 1}, false,
      "logsumexp(x0, axis=(-1,1))");
  lse("[2,37] axis -1: long contiguous run", uniform({2, 37}, seed++), -1, false, "logsumexp(x0, axis=-1)");
  lse("[37,3] axis 0: many rows", uniform({37, 3}, seed++), 0, false, "logsumexp(x0, axis=0)");
  lse("[2,5] axis 1, logits of +-30", uniform({2, 5}, seed++, -30.0, 30.0), 1, false, "logsumexp(x0, axis=1)");
  lse("[3,1] axis 1 of size 1", uniform({3, 1}, seed++), 1, false, "logsumexp(x0, axis=1)");
  lse("[3,0] axis 1 of size 0: -inf", uniform({3, 0}, seed++), 1, false, "");
  lse("[0,3] axis 1, size-0 output", uniform({0, 3}, seed++), 1, false, "logsumexp(x0, axis=1)");

  // The softmaxes along the first, a middle and the last axis.
  for (const bool log : {false, true}) {
    const char* op = log ? "LogSoftmax" : "Softmax";
    const char* np = log ? "log_softmax" : "softmax";
    seed = log ? 7000 : 6000;
    auto along = [&](std::string label, Tensor<double> x, std::int64_t axis, std::string np_axis) {
      // np_axis may be a whole expression instead (NumPy has no axis 0 on a 0-d array).
      std::string expr = np_axis.find("x0") == std::string::npos ? fmt::format("{}(x0, {})", np, np_axis) : np_axis;
      if (log) {
        s.push_back(sample(op, std::move(label), {std::move(x)},
                           [axis](auto&, auto v) { return log_softmax(v[0], axis); }, std::move(expr)));
      } else {
        s.push_back(sample(op, std::move(label), {std::move(x)},
                           [axis](auto&, auto v) { return softmax(v[0], axis); }, std::move(expr)));
      }
    };
    along("[2,3,4] axis 0 (first)", uniform({2, 3, 4}, seed++), 0, "0");
    along("[2,3,4] axis 1 (middle)", uniform({2, 3, 4}, seed++), 1, "1");
    along("[2,3,4] axis -1 (last)", uniform({2, 3, 4}, seed++), -1, "-1");
    along("[3,5] axis 1, logits of +-30", uniform({3, 5}, seed++, -30.0, 30.0), 1, "1");
    along("[5,3] axis 0, logits of +-30", uniform({5, 3}, seed++, -30.0, 30.0), 0, "0");
    along("[2,37] axis -1: long row", uniform({2, 37}, seed++), -1, "-1");
    along("[3,70] axis 0: two blocks of columns", uniform({3, 70}, seed++), 0, "0");
    along("[2,2,3,2] axis -3 (rank 4)", uniform({2, 2, 3, 2}, seed++), -3, "-3");
    along("[3,1] axis 1 of size 1", uniform({3, 1}, seed++), 1, "1");
    along("[0,3] axis 1, size-0 tensor", uniform({0, 3}, seed++), 1, "1");
    along("[2,0] axis 0 (size-0 neighbours)", uniform({2, 0}, seed++), 0, "0");
    along("rank 0 with axis 0", uniform({}, seed++), 0, log ? "0 * x0" : "0 * x0 + 1");
  }
  return s;
}

}  // namespace cgrad::test
