#pragma once
// One sample input of one op, as LibTorch's OpInfo lists them: the values of the op's
// differentiable inputs and a function that records the op on them. Every check of the op
// suite (float64 gradients against central differences, float32 against float64, thread
// count, NumPy's forward values) runs over every sample of every op. Each op family lists
// its samples in tests/ops/<family>_samples.cpp.
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "cgrad.h"

namespace cgrad::test {

struct OpSample {
  std::string op;     // the OpInfo name it exercises ("Mul")
  std::string label;  // what the case covers ("[3,1]*[4]: broadcast on both sides")
  std::vector<Tensor<double>> inputs;  // the differentiable inputs, x0, x1, ...
  std::function<Var<double>(Graph<double>&, std::span<const Var<double>>)> f64;
  std::function<Var<float>(Graph<float>&, std::span<const Var<float>>)> f32;
  // The forward value in NumPy, of x0, x1, ... (tests/ops/check_numpy.py has np and a few
  // helpers such as sigmoid and gelu); empty where NumPy has no such op.
  std::string numpy;
  // Some input sits exactly on a kink (ReLU's 0, a clamp bound, a tie of max): there the
  // gradient must be a subgradient, between the two one-sided differences.
  bool at_kink = false;
  // Whether the float64 gradient check runs (false only for samples too big for it, kept
  // for the thread-count check).
  bool gradcheck = true;
};

// Builds a sample from one generic function `[](auto& graph, auto x) { return mul(x[0], x[1]); }`
// that serves both float32 and float64.
template <class F>
OpSample sample(std::string op, std::string label, std::vector<Tensor<double>> inputs, F f, std::string numpy = "") {
  OpSample s;
  s.op = std::move(op);
  s.label = std::move(label);
  s.inputs = std::move(inputs);
  s.f64 = [f](Graph<double>& g, std::span<const Var<double>> x) { return f(g, x); };
  s.f32 = [f](Graph<float>& g, std::span<const Var<float>> x) { return f(g, x); };
  s.numpy = std::move(numpy);
  return s;
}

// Uniform values in [low, high) of any shape, from a seed.
Tensor<double> uniform(const Shape& shape, std::uint64_t seed, double low = -1.0, double high = 1.0);
// Uniform values whose magnitude is in [0.25, 1), random signs: away from 0, where ReLU, abs
// and friends have kinks.
Tensor<double> away_from_zero(const Shape& shape, std::uint64_t seed);
// Uniform values in [low, high) that are at least `gap` away from every point of `kinks`.
Tensor<double> away_from(const Shape& shape, std::uint64_t seed, std::vector<double> kinks, double gap = 0.05,
                         double low = -2.0, double high = 2.0);
// A tensor with the given values in row-major order.
Tensor<double> values(const Shape& shape, std::vector<double> v);

// Each family's samples; all_samples() gathers them.
std::vector<OpSample> elementwise_samples();
std::vector<OpSample> reduce_samples();
std::vector<OpSample> shape_samples();
std::vector<OpSample> index_samples();
std::vector<OpSample> linalg_samples();
std::vector<OpSample> loss_samples();
// The layer ops of ops/nn/, one file per area.
std::vector<OpSample> conv_samples();
std::vector<OpSample> norm_samples();
std::vector<OpSample> recurrent_samples();
std::vector<OpSample> attention_samples();
const std::vector<OpSample>& all_samples();

}  // namespace cgrad::test
