// Samples of the recurrent cells ops of ops/nn/: LstmCell (through lstm_cell_packed, whose
// one value [N,2H] holds h' and c', so both halves are gradient-checked) and GruCell.
// Inputs, in the ops' argument order: LstmCell x0 = x, x1 = h, x2 = c, x3 = w_ih [I,4H],
// x4 = w_hh [H,4H], x5 = b_ih, x6 = b_hh; GruCell x0 = x, x1 = h, x2 = w_ih [I,3H],
// x3 = w_hh [H,3H], x4 = b_ih, x5 = b_hh.
#include "tests/ops/op_sample.h"

namespace cgrad::test {
namespace {

// PyTorch's LSTM equations in NumPy, gates i, f, g, o from one [N,4H] pre-activation.
std::string lstm_numpy(const std::string& x, const std::string& h) {
  return fmt::format(
      "(lambda i, f, g, o: np.concatenate([sigmoid(o) * np.tanh(sigmoid(f) * x2 + sigmoid(i) * np.tanh(g)), "
      "sigmoid(f) * x2 + sigmoid(i) * np.tanh(g)], axis=1))(*np.split({} @ x3 + x5 + {} @ x4 + x6, 4, axis=1))",
      x, h);
}

// PyTorch's GRU equations in NumPy, gates r, z, n.
std::string gru_numpy(const std::string& x, const std::string& h) {
  return fmt::format(
      "(lambda a, b: (lambda r, z: (1 - z) * np.tanh(a[2] + r * b[2]) + z * {1})(sigmoid(a[0] + b[0]), "
      "sigmoid(a[1] + b[1])))(np.split({0} @ x2 + x4, 3, axis=1), np.split({1} @ x3 + x5, 3, axis=1))",
      x, h);
}

struct Sizes {
  std::size_t n, in, hidden;
  const char* what;
};

}  // namespace

std::vector<OpSample> recurrent_samples() {
  std::vector<OpSample> s;
  const std::vector<Sizes> cases = {
      {1, 3, 2, "one row"},
      {3, 4, 5, "I < H"},
      {3, 6, 2, "I > H"},
      {3, 2, 1, "H = 1"},
      {2, 1, 3, "I = 1"},
  };
  auto lstm = [](auto&, auto x) { return lstm_cell_packed(x[0], x[1], x[2], x[3], x[4], x[5], x[6]); };
  auto gru = [](auto&, auto x) { return gru_cell(x[0], x[1], x[2], x[3], x[4], x[5]); };
  std::uint64_t seed = 7000;
  for (const Sizes& c : cases) {
    const std::size_t n = c.n, in = c.in, h = c.hidden;
    s.push_back(sample("LstmCell", fmt::format("N={} I={} H={}: {}", n, in, h, c.what),
                       {uniform({n, in}, seed), uniform({n, h}, seed + 1), uniform({n, h}, seed + 2, -2, 2),
                        uniform({in, 4 * h}, seed + 3), uniform({h, 4 * h}, seed + 4), uniform({4 * h}, seed + 5),
                        uniform({4 * h}, seed + 6)},
                       lstm, lstm_numpy("x0", "x1")));
    s.push_back(sample("GruCell", fmt::format("N={} I={} H={}: {}", n, in, h, c.what),
                       {uniform({n, in}, seed + 7), uniform({n, h}, seed + 8), uniform({in, 3 * h}, seed + 9),
                        uniform({h, 3 * h}, seed + 10), uniform({3 * h}, seed + 11), uniform({3 * h}, seed + 12)},
                       gru, gru_numpy("x0", "x1")));
    seed += 13;
  }
  // The same Var as x and h (I = H): the second gradient written into it must add.
  s.push_back(sample("LstmCell", "x and h the same Var",
                     {uniform({3, 4}, seed), uniform({3, 4}, seed + 1), uniform({4, 16}, seed + 2),
                      uniform({4, 16}, seed + 3), uniform({16}, seed + 4), uniform({16}, seed + 5)},
                     [](auto&, auto x) { return lstm_cell_packed(x[0], x[0], x[1], x[2], x[3], x[4], x[5]); },
                     "(lambda i, f, g, o: np.concatenate([sigmoid(o) * np.tanh(sigmoid(f) * x1 + sigmoid(i) * "
                     "np.tanh(g)), sigmoid(f) * x1 + sigmoid(i) * np.tanh(g)], axis=1))(*np.split(x0 @ x2 + x4 + "
                     "x0 @ x3 + x5, 4, axis=1))"));
  s.push_back(sample("GruCell", "x and h the same Var",
                     {uniform({3, 4}, seed + 6), uniform({4, 12}, seed + 7), uniform({4, 12}, seed + 8),
                      uniform({12}, seed + 9), uniform({12}, seed + 10)},
                     [](auto&, auto x) { return gru_cell(x[0], x[0], x[1], x[2], x[3], x[4]); },
                     "(lambda a, b: (lambda r, z: (1 - z) * np.tanh(a[2] + r * b[2]) + z * x0)(sigmoid(a[0] + "
                     "b[0]), sigmoid(a[1] + b[1])))(np.split(x0 @ x1 + x3, 3, axis=1), np.split(x0 @ x2 + x4, 3, "
                     "axis=1))"));
  seed += 11;
  // Large enough for the packed, parallel GEMM: the float32 and thread-count checks only.
  {
    const std::size_t n = 64, in = 96, h = 64;
    OpSample big = sample("LstmCell", "N=64 I=96 H=64: packed GEMM",
                          {uniform({n, in}, seed), uniform({n, h}, seed + 1), uniform({n, h}, seed + 2),
                           uniform({in, 4 * h}, seed + 3, -0.2, 0.2), uniform({h, 4 * h}, seed + 4, -0.2, 0.2),
                           uniform({4 * h}, seed + 5), uniform({4 * h}, seed + 6)},
                          lstm, lstm_numpy("x0", "x1"));
    big.gradcheck = false;
    s.push_back(std::move(big));
    OpSample big_gru = sample("GruCell", "N=64 I=96 H=64: packed GEMM",
                              {uniform({n, in}, seed + 7), uniform({n, h}, seed + 8),
                               uniform({in, 3 * h}, seed + 9, -0.2, 0.2), uniform({h, 3 * h}, seed + 10, -0.2, 0.2),
                               uniform({3 * h}, seed + 11), uniform({3 * h}, seed + 12)},
                              gru, gru_numpy("x0", "x1"));
    big_gru.gradcheck = false;
    s.push_back(std::move(big_gru));
  }
  return s;
}

}  // namespace cgrad::test
