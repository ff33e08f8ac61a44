// Samples of the normalization ops of ops/nn/: LayerNorm over one and two trailing axes with
// and without weight and bias, BatchNorm on [N,C] and [N,C,H,W] in training and evaluation,
// near-constant slices, empty batches, and shapes large enough to run in parallel.
//
// Near-constant slices here have a mean about 35 times their spread: gradcheck perturbs x by
// 1e-5 * |x|, so its truncation error grows with (mean / spread)^2 and passes 1e-6 only up to
// about that ratio. tests/test_norm_ops.cpp checks the forward pass at a ratio of 20,000.
#include <string>

#include <fmt/format.h>

#include "tests/ops/op_sample.h"

namespace cgrad::test {
namespace {

// "np.array([0.1,...])", exact in float64.
std::string np_array(const Tensor<double>& t) {
  std::string s = "np.array([";
  for (std::size_t i = 0; i < t.size(); ++i) s += fmt::format("{}{:.17g}", i == 0 ? "" : ",", t[i]);
  return s + "])";
}

template <Real T>
Tensor<T> cast(const Tensor<double>& t) {
  Tensor<T> out(t.shape());
  for (std::size_t i = 0; i < t.size(); ++i) out[i] = static_cast<T>(t[i]);
  return out;
}

// LayerNorm over the trailing `axes` of x0, with weight x1 and bias x2 where present.
std::string layer_norm_numpy(std::size_t axes, bool weight, bool bias, double eps) {
  std::string over = "(";
  for (std::size_t a = 0; a < axes; ++a) over += fmt::format("-{},", a + 1);
  over += ")";
  std::string s = fmt::format("(x0 - x0.mean(axis={0}, keepdims=True)) / np.sqrt(x0.var(axis={0}, keepdims=True) + {1})",
                              over, eps);
  std::size_t next = 1;
  if (weight) s += fmt::format(" * x{}", next++);
  if (bias) s += fmt::format(" + x{}", next);
  return s;
}

void add_layer_norm(std::vector<OpSample>& s) {
  struct Case {
    Shape x, normalized;
    bool weight, bias;
    double eps;
    const char* what;
    double offset = 0, spread = 1;
  };
  const std::vector<Case> cases = {
      {{4, 6}, {6}, true, true, 1e-5, "one axis, weight and bias"},
      {{2, 3, 5}, {3, 5}, true, true, 1e-5, "two axes, weight and bias"},
      {{3, 7}, {7}, false, false, 1e-5, "no weight, no bias"},
      {{3, 8}, {8}, true, false, 1e-5, "weight only"},
      {{2, 4, 5}, {5}, false, true, 1e-5, "bias only, rank 3"},
      {{9}, {9}, true, true, 1e-5, "a single row"},
      {{2, 3}, {3}, true, true, 0.1, "eps 0.1"},
      {{3, 17}, {17}, true, true, 1e-5, "near-constant rows: 20 + u", 20.0, 1.0},
      {{4, 70}, {70}, true, true, 1e-5, "70 columns: two column blocks and a short tail"},
      {{0, 4}, {4}, true, true, 1e-5, "empty batch: zero weight and bias gradients"},
  };
  std::uint64_t seed = 5000;
  for (const Case& c : cases) {
    Tensor<double> x = uniform(c.x, seed++);
    for (double& v : x.span()) v = c.offset + c.spread * v;
    std::vector<Tensor<double>> inputs{x};
    if (c.weight) inputs.push_back(uniform(c.normalized, seed++, 0.5, 1.5));
    if (c.bias) inputs.push_back(uniform(c.normalized, seed++));
    const Shape normalized = c.normalized;
    const bool weight = c.weight, bias = c.bias;
    const double eps = c.eps;
    s.push_back(sample("LayerNorm", fmt::format("{} over {}: {}", c.x, c.normalized, c.what), std::move(inputs),
                       [=](auto&, auto v) {
                         using V = decltype(v[0]);
                         std::size_t next = 1;
                         std::decay_t<V> w, b;
                         if (weight) w = v[next++];
                         if (bias) b = v[next];
                         return layer_norm(v[0], normalized, w, b, eps);
                       },
                       layer_norm_numpy(c.normalized.rank(), c.weight, c.bias, c.eps)));
  }
  // Large enough to split rows and column blocks over threads: the float32 and thread checks.
  OpSample big = sample("LayerNorm", "[300,130] over [130]: parallel rows and column blocks",
                        {uniform({300, 130}, seed), uniform({130}, seed + 1, 0.5, 1.5), uniform({130}, seed + 2)},
                        [](auto&, auto v) { return layer_norm(v[0], {130}, v[1], v[2]); },
                        layer_norm_numpy(1, true, true, 1e-5));
  big.gradcheck = false;
  s.push_back(std::move(big));
}

// BatchNorm's NumPy forward: statistics over every axis but 1, from the batch (training) or
// from the given running buffers (evaluation).
std::string batch_norm_numpy(std::size_t rank, bool weight, bool bias, double eps, const Tensor<double>* mean,
                             const Tensor<double>* var) {
  std::string over = "(0,";
  for (std::size_t a = 2; a < rank; ++a) over += fmt::format("{},", a);
  over += ")";
  std::string ones;  // weight.reshape(1,-1,1,1) lines a [C] vector up with axis 1
  for (std::size_t a = 2; a < rank; ++a) ones += ",1";
  const std::string per_channel = ".reshape(1,-1" + ones + ")";
  std::string s;
  if (mean == nullptr) {
    s = fmt::format("(x0 - x0.mean(axis={0}, keepdims=True)) / np.sqrt(x0.var(axis={0}, keepdims=True) + {1})", over,
                    eps);
  } else {
    s = fmt::format("(x0 - {0}{2}) / np.sqrt({1}{2} + {3})", np_array(*mean), np_array(*var), per_channel, eps);
  }
  std::size_t next = 1;
  if (weight) s += fmt::format(" * x{}{}", next++, per_channel);
  if (bias) s += fmt::format(" + x{}{}", next, per_channel);
  return s;
}

void add_batch_norm(std::vector<OpSample>& s) {
  struct Case {
    Shape x;
    bool training, weight, bias;
    const char* what;
    double offset = 0, spread = 1;
  };
  const std::vector<Case> cases = {
      {{6, 3}, true, true, true, "[N,C] training"},
      {{4, 3, 3, 5}, true, true, true, "[N,C,H,W] training"},
      {{3, 2, 4}, true, false, false, "[N,C,L] training, no weight or bias"},
      {{5, 2, 2, 2}, true, true, false, "training, weight only"},
      {{4, 2, 3}, true, true, true, "near-constant channels: 20 + u", 20.0, 1.0},
      {{2, 1}, true, true, true, "training on two values per channel"},
      {{4, 3}, false, true, true, "[N,C] evaluation"},
      {{2, 3, 4, 4}, false, true, true, "[N,C,H,W] evaluation"},
      {{3, 2, 5}, false, false, true, "evaluation, bias only"},
      {{0, 3}, false, true, true, "evaluation of an empty batch"},
  };
  std::uint64_t seed = 6000;
  for (const Case& c : cases) {
    const std::size_t channels = c.x[1];
    Tensor<double> x = uniform(c.x, seed++);
    for (double& v : x.span()) v = c.offset + c.spread * v;
    std::vector<Tensor<double>> inputs{x};
    if (c.weight) inputs.push_back(uniform({channels}, seed++, 0.5, 1.5));
    if (c.bias) inputs.push_back(uniform({channels}, seed++));
    // Evaluation reads these; training gets fresh buffers on every call (the gradient check
    // records the op many times), whose updates do not reach the output.
    const Tensor<double> mean = uniform({channels}, seed++, -0.5, 0.5);
    const Tensor<double> var = uniform({channels}, seed++, 0.5, 2.0);
    const bool training = c.training, weight = c.weight, bias = c.bias;
    s.push_back(sample("BatchNorm", fmt::format("{}: {}", c.x, c.what), std::move(inputs),
                       [=](auto&, auto v) {
                         using Value = std::decay_t<decltype(v[0])>;
                         using T = decltype(v[0].item());
                         std::size_t next = 1;
                         Value w, b;
                         if (weight) w = v[next++];
                         if (bias) b = v[next];
                         Tensor<T> running_mean = cast<T>(mean), running_var = cast<T>(var);
                         return batch_norm(v[0], &running_mean, &running_var, w, b, {.training = training});
                       },
                       batch_norm_numpy(c.x.rank(), c.weight, c.bias, 1e-5, c.training ? nullptr : &mean,
                                        c.training ? nullptr : &var)));
  }
  s.push_back(sample("BatchNorm", "[4,3,2] training without running buffers",
                     {uniform({4, 3, 2}, seed), uniform({3}, seed + 1, 0.5, 1.5), uniform({3}, seed + 2)},
                     [](auto&, auto v) {
                       using T = decltype(v[0].item());
                       return batch_norm<T>(v[0], nullptr, nullptr, v[1], v[2], {.training = true, .eps = 1e-3});
                     },
                     batch_norm_numpy(3, true, true, 1e-3, nullptr, nullptr)));
  seed += 3;
  // Enough channels and values to split channels over threads: the float32 and thread checks.
  for (const bool training : {true, false}) {
    OpSample big = sample(
        "BatchNorm", fmt::format("[8,16,20,20] {}: channels in parallel", training ? "training" : "evaluation"),
        {uniform({8, 16, 20, 20}, seed), uniform({16}, seed + 1, 0.5, 1.5), uniform({16}, seed + 2)},
        [training](auto&, auto v) {
          using T = decltype(v[0].item());
          Tensor<T> running_mean(Shape{16}), running_var = Tensor<T>::full(Shape{16}, T{1});
          return batch_norm(v[0], &running_mean, &running_var, v[1], v[2], {.training = training});
        });
    big.gradcheck = false;
    s.push_back(std::move(big));
    seed += 3;
  }
}

}  // namespace

std::vector<OpSample> norm_samples() {
  std::vector<OpSample> s;
  add_layer_norm(s);
  add_batch_norm(s);
  return s;
}

}  // namespace cgrad::test
