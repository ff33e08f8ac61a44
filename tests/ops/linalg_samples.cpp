// Samples of MatMul: 2-D (the direct path and, with over 256 rows, the packed
// GEMM), batched, and batched with broadcasting on either side; and of Affine, the Linear
// layer's product and bias, and of AffineReLU, the same with its ReLU.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "tests/ops/op_sample.h"

namespace cgrad::test {
namespace {

// Inputs x, weight, bias for AffineReLU whose every pre-activation x · weight + bias is at
// least 10 central-difference steps (1e-4) from ReLU's kink, where the differences would
// straddle it (the spiral's 30,000 outputs had one within 1e-5 of 0): the first seeds from
// `seed` on that give them, as the elementwise samples draw ReLU's inputs away from 0.
// Advances `seed` past the draws.
std::vector<Tensor<double>> away_from_the_kink(const Shape& xs, const Shape& ws, const Shape& bs, std::uint64_t& seed) {
  constexpr double kMargin = 1e-4;
  for (int attempt = 0; attempt < 1000; ++attempt, seed += 3) {
    std::vector<Tensor<double>> in{uniform(xs, seed), uniform(ws, seed + 1), uniform(bs, seed + 2)};
    const std::size_t inner = ws[0], out = ws[1], rows = inner == 0 ? 0 : in[0].size() / inner;
    bool clear = true;
    for (std::size_t r = 0; r < rows && clear; ++r)
      for (std::size_t j = 0; j < out && clear; ++j) {
        double pre = in[2][j];
        for (std::size_t p = 0; p < inner; ++p) pre += in[0][r * inner + p] * in[1][p * out + j];
        clear = std::abs(pre) >= kMargin;
      }
    if (inner == 0) clear = std::all_of(in[2].span().begin(), in[2].span().end(), [](double b) { return std::abs(b) >= kMargin; });
    if (clear) {
      seed += 3;
      return in;
    }
  }
  throw std::logic_error("AffineReLU samples: no inputs clear of the kink in 1000 draws");
}

}  // namespace

std::vector<OpSample> linalg_samples() {
  std::vector<OpSample> s;
  auto mm = [](auto&, auto x) { return matmul(x[0], x[1]); };
  struct Case {
    Shape a, b;
    const char* what;
  };
  const std::vector<Case> cases = {
      {{1, 1}, {1, 1}, "1x1"},
      {{3, 5}, {5, 4}, "non-square"},
      {{300, 2}, {2, 100}, "the spiral's first layer"},
      {{300, 100}, {100, 3}, "the spiral's second layer"},
      {{64, 64}, {64, 65}, "every dimension >= 64 (the direct GEMM path, see direct_suits)"},
      {{0, 3}, {3, 2}, "empty batch"},
      {{2, 0}, {0, 3}, "k = 0"},
      {{2, 3, 4}, {2, 4, 5}, "batched"},
      {{2, 3, 4}, {4, 5}, "batch on the left only"},
      {{4, 3}, {2, 3, 2}, "batch on the right only"},
      {{2, 1, 3, 4}, {3, 4, 2}, "batch axes broadcast both ways"},
      {{1, 2, 3}, {2, 3, 2}, "size-1 batch on the left"},
  };
  std::uint64_t seed = 1000;
  for (const Case& c : cases) {
    s.push_back(sample("MatMul", fmt::format("{}x{}: {}", c.a, c.b, c.what), {uniform(c.a, seed), uniform(c.b, seed + 1)},
                       mm, "np.matmul(x0, x1)"));
    seed += 2;
  }
  // Large enough for the GEMM's parallel paths: only the float32 and thread checks run.
  for (const Case& c : std::vector<Case>{{{320, 256}, {256, 256}, "parallel packed GEMM"},
                                         {{32, 64, 64}, {32, 64, 64}, "batch of 32 in parallel"},
                                         {{8, 128, 128}, {128, 128}, "batch folded into rows"}}) {
    OpSample big = sample("MatMul", fmt::format("{}x{}: {}", c.a, c.b, c.what), {uniform(c.a, seed), uniform(c.b, seed + 1)},
                          mm, "np.matmul(x0, x1)");
    big.gradcheck = false;
    s.push_back(std::move(big));
    seed += 2;
  }
  auto affine_of = [](auto&, auto x) { return affine(x[0], x[1], x[2]); };
  struct AffineCase {
    Shape x, weight, bias;
    const char* what;
  };
  for (const AffineCase& c : std::vector<AffineCase>{{{1, 1}, {1, 1}, {1}, "1x1"},
                                                     {{3, 5}, {5, 4}, {1, 4}, "a [1,out] bias"},
                                                     {{300, 2}, {2, 100}, {1, 100}, "the spiral's first layer"},
                                                     {{300, 100}, {100, 3}, {3}, "the spiral's second layer"},
                                                     {{2, 3, 4}, {4, 5}, {5}, "leading axes"},
                                                     {{64, 64}, {64, 65}, {65}, "every dimension >= 64"},
                                                     {{2, 0}, {0, 3}, {3}, "in = 0: the bias alone"},
                                                     {{0, 3}, {3, 2}, {2}, "no rows"}}) {
    s.push_back(sample("Affine", fmt::format("{}x{}+{}: {}", c.x, c.weight, c.bias, c.what),
                       {uniform(c.x, seed), uniform(c.weight, seed + 1), uniform(c.bias, seed + 2)}, affine_of,
                       "np.matmul(x0, x1) + x2"));
    seed += 3;
  }
  // AffineReLU: the same shapes through the GEMM's ReLU store, outputs on both sides of
  // the kink but none near it (see away_from_the_kink).
  auto affine_relu_of = [](auto&, auto x) { return affine_relu(x[0], x[1], x[2]); };
  for (const AffineCase& c : std::vector<AffineCase>{{{3, 5}, {5, 4}, {1, 4}, "a [1,out] bias"},
                                                     {{300, 2}, {2, 100}, {100}, "the spiral's first layer"},
                                                     {{2, 3, 4}, {4, 5}, {5}, "leading axes"},
                                                     {{64, 64}, {64, 65}, {65}, "every dimension >= 64"},
                                                     {{2, 0}, {0, 3}, {3}, "in = 0: the bias alone"},
                                                     {{0, 3}, {3, 2}, {2}, "no rows"}}) {
    s.push_back(sample("AffineReLU", fmt::format("{}x{}+{}: {}", c.x, c.weight, c.bias, c.what),
                       away_from_the_kink(c.x, c.weight, c.bias, seed), affine_relu_of,
                       "np.maximum(np.matmul(x0, x1) + x2, 0)"));
  }
  return s;
}

}  // namespace cgrad::test
