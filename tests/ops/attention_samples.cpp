// Samples of the attention ops of ops/nn/: ScaledDotProductAttention at rank 2, 3 and 4,
// L != S both ways, E != Ev, one query, no keys, causal (top-left aligned), boolean masks
// shared and per sequence (with rows that see no key), a given scale, q = k = v (one input
// three times), dropout, heads side by side in the last axis, and sizes that take the
// parallel paths.
#include <string>
#include <vector>

#include "tests/ops/op_sample.h"

namespace cgrad::test {
namespace {

// The NumPy reference: softmax over the keys of scale * q·kᵀ where `allowed` (a boolean
// array expression broadcasting to [B...,L,S]), then · v. A row that sees no key gives NaN
// weights in NumPy; the op gives 0 there, hence nan_to_num.
std::string numpy_attention(const std::string& allowed, const std::string& scale = "1 / np.sqrt(x0.shape[-1])") {
  return fmt::format("np.nan_to_num(softmax(np.where({}, (x0 @ np.swapaxes(x1, -1, -2)) * ({}), -np.inf), -1)) @ x2",
                     allowed, scale);
}

const std::string kAll = "True";
const std::string kCausal = "np.tri(x0.shape[-2], x1.shape[-2], dtype=bool)";

// The NumPy reference with AttentionOptions::heads = `heads`: the inputs (x0, x1, x2, or
// x0 alone) split from [...,L,H·E] to [...,H,L,E], `attention` (an expression in them),
// the result merged back.
std::string numpy_heads(std::size_t heads, const std::string& attention, const std::string& inputs = "x0, x1, x2") {
  const std::string split =
      fmt::format("lambda t: np.swapaxes(t.reshape(t.shape[:-1] + ({0}, t.shape[-1] // {0})), -2, -3)", heads);
  const std::string merge = "lambda t: np.swapaxes(t, -2, -3).reshape(t.shape[:-3] + (t.shape[-2], -1))";
  return fmt::format("(lambda {0}: ({1})({2}))(*[({3})(t) for t in ({0},)])", inputs, merge, attention, split);
}

// A literal NumPy boolean array of `shape` from mask bytes.
std::string numpy_mask(const std::vector<std::uint8_t>& mask, const Shape& shape) {
  std::string values;
  for (std::size_t i = 0; i < mask.size(); ++i) values += fmt::format("{}{}", i ? ", " : "", mask[i] ? 1 : 0);
  std::string dims;
  for (std::size_t axis = 0; axis < shape.rank(); ++axis) dims += fmt::format("{}{}", axis ? ", " : "", shape[axis]);
  return fmt::format("np.array([{}], dtype=bool).reshape(({},))", values, dims);
}

// Mask bytes of `shape`, true with probability about one half, from a seed; `empty_rows`
// rows (of the last axis, from the first) are all false: queries that see no key.
std::vector<std::uint8_t> random_mask(const Shape& shape, std::uint64_t seed, std::size_t empty_rows = 0) {
  const Tensor<double> u = uniform(shape, seed);
  std::vector<std::uint8_t> mask(u.size());
  for (std::size_t i = 0; i < u.size(); ++i) mask[i] = u[i] > 0 ? 1 : 0;
  for (std::size_t i = 0; i < empty_rows * shape.cols() && i < mask.size(); ++i) mask[i] = 0;
  return mask;
}

}  // namespace

std::vector<OpSample> attention_samples() {
  std::vector<OpSample> s;
  const std::string op = "ScaledDotProductAttention";
  struct Case {
    Shape q, k, v;
    bool causal;
    const char* what;
  };
  const std::vector<Case> cases = {
      {{2, 3, 4}, {2, 5, 4}, {2, 5, 3}, false, "rank 3, L < S, E != Ev"},
      {{2, 3, 4}, {2, 5, 4}, {2, 5, 3}, true, "rank 3, causal, L < S (top-left aligned)"},
      {{2, 5, 3}, {2, 3, 3}, {2, 3, 2}, true, "rank 3, causal, L > S"},
      {{2, 2, 4, 3}, {2, 2, 4, 3}, {2, 2, 4, 5}, false, "rank 4 (batch, heads), L == S"},
      {{2, 2, 4, 3}, {2, 2, 4, 3}, {2, 2, 4, 5}, true, "rank 4, causal"},
      {{3, 1, 4}, {3, 6, 4}, {3, 6, 2}, false, "one query"},
      {{3, 1, 4}, {3, 6, 4}, {3, 6, 2}, true, "one query, causal: it sees the first key"},
      {{4, 3}, {5, 3}, {5, 2}, false, "rank 2, no batch axes"},
      {{2, 3, 4}, {2, 0, 4}, {2, 0, 3}, false, "no keys: zeros"},
      {{2, 0, 4}, {2, 3, 4}, {2, 3, 3}, true, "no queries"},
  };
  std::uint64_t seed = 9000;
  for (const Case& c : cases) {
    const AttentionOptions options{.causal = c.causal};
    s.push_back(sample(op, fmt::format("{} {} {}: {}", c.q, c.k, c.v, c.what),
                       {uniform(c.q, seed, -2, 2), uniform(c.k, seed + 1, -2, 2), uniform(c.v, seed + 2)},
                       [options](auto&, auto x) { return scaled_dot_product_attention(x[0], x[1], x[2], options); },
                       c.k[c.k.rank() - 2] == 0 ? "np.zeros(x0.shape[:-1] + (x2.shape[-1],))"
                                                : numpy_attention(c.causal ? kCausal : kAll)));
    seed += 3;
  }

  s.push_back(sample(op, "[2,3,4] scale 0.7, causal", {uniform({2, 3, 4}, 9100), uniform({2, 3, 4}, 9101), uniform({2, 3, 4}, 9102)},
                     [](auto&, auto x) {
                       return scaled_dot_product_attention(x[0], x[1], x[2], {.causal = true, .scale = 0.7});
                     },
                     numpy_attention(kCausal, "0.7")));
  s.push_back(sample(op, "[2,4,3] q = k = v: one input's gradient from three places", {uniform({2, 4, 3}, 9103, -2, 2)},
                     [](auto&, auto x) { return scaled_dot_product_attention(x[0], x[0], x[0]); },
                     "np.nan_to_num(softmax((x0 @ np.swapaxes(x0, -1, -2)) / np.sqrt(x0.shape[-1]), -1)) @ x0"));

  // Boolean masks, true = the key takes part.
  struct MaskCase {
    Shape q, k, v, mask;
    bool causal;
    std::size_t empty_rows;
    const char* what;
  };
  const std::vector<MaskCase> masks = {
      {{2, 4, 3}, {2, 5, 3}, {2, 5, 2}, {4, 5}, false, 1, "[L,S] shared by the batch, a query that sees nothing"},
      {{2, 2, 3, 4}, {2, 2, 5, 4}, {2, 2, 5, 3}, {2, 1, 1, 5}, false, 0, "[B,1,1,S] key padding"},
      {{2, 2, 4, 3}, {2, 2, 4, 3}, {2, 2, 4, 3}, {2, 2, 4, 4}, true, 0, "full [B,H,L,S] and causal"},
      {{3, 4, 2}, {3, 4, 2}, {3, 4, 2}, {3, 4, 1}, false, 1, "[B,L,1]: whole queries masked out"},
  };
  for (const MaskCase& c : masks) {
    const std::vector<std::uint8_t> mask = random_mask(c.mask, seed, c.empty_rows);
    const Shape mask_shape = c.mask;
    const bool causal = c.causal;
    std::string allowed = numpy_mask(mask, mask_shape);
    if (causal) allowed = fmt::format("({}) & {}", allowed, kCausal);
    s.push_back(sample(op, fmt::format("{} {} {} mask {}: {}", c.q, c.k, c.v, c.mask, c.what),
                       {uniform(c.q, seed + 1, -2, 2), uniform(c.k, seed + 2, -2, 2), uniform(c.v, seed + 3)},
                       [mask, mask_shape, causal](auto&, auto x) {
                         AttentionOptions options{.causal = causal};
                         options.mask = AttentionMask{mask, mask_shape};
                         return scaled_dot_product_attention(x[0], x[1], x[2], options);
                       },
                       numpy_attention(allowed)));
    seed += 4;
  }

  // Heads side by side in the last axis: each attends on its own, as if split off first.
  struct HeadsCase {
    Shape q, k, v;
    std::size_t heads;
    bool causal;
    const char* what;
  };
  const std::vector<HeadsCase> head_cases = {
      {{2, 3, 6}, {2, 5, 6}, {2, 5, 4}, 2, false, "2 heads, L < S, E != Ev"},
      {{2, 4, 6}, {2, 4, 6}, {2, 4, 9}, 3, true, "3 heads, causal"},
      {{2, 2, 3, 4}, {2, 2, 3, 4}, {2, 2, 3, 4}, 2, true, "rank 4, 2 heads, causal"},
      {{2, 3, 4}, {2, 5, 4}, {2, 5, 3}, 1, false, "1 head: the plain form with a head axis"},
  };
  for (const HeadsCase& c : head_cases) {
    const AttentionOptions options{.causal = c.causal, .heads = c.heads};
    s.push_back(sample(op, fmt::format("{} {} {} heads {}: {}", c.q, c.k, c.v, c.heads, c.what),
                       {uniform(c.q, seed, -2, 2), uniform(c.k, seed + 1, -2, 2), uniform(c.v, seed + 2)},
                       [options](auto&, auto x) { return scaled_dot_product_attention(x[0], x[1], x[2], options); },
                       numpy_heads(c.heads, numpy_attention(c.causal ? kCausal : kAll))));
    seed += 3;
  }
  {
    const Shape mask_shape{2, 1, 1, 5};  // key padding, broadcast over the heads
    const std::vector<std::uint8_t> mask = random_mask(mask_shape, seed);
    s.push_back(sample(op, "[2,3,4] [2,5,4] [2,5,6] heads 2 mask [2,1,1,5]: key padding per sequence",
                       {uniform({2, 3, 4}, seed + 1, -2, 2), uniform({2, 5, 4}, seed + 2, -2, 2), uniform({2, 5, 6}, seed + 3)},
                       [mask, mask_shape](auto&, auto x) {
                         AttentionOptions options{.heads = 2};
                         options.mask = AttentionMask{mask, mask_shape};
                         return scaled_dot_product_attention(x[0], x[1], x[2], options);
                       },
                       numpy_heads(2, numpy_attention(numpy_mask(mask, mask_shape)))));
    seed += 4;
  }
  s.push_back(sample(op, "[2,4,6] heads 3, q = k = v: each head's columns of one gradient from three places",
                     {uniform({2, 4, 6}, 9104, -2, 2)},
                     [](auto&, auto x) { return scaled_dot_product_attention(x[0], x[0], x[0], {.heads = 3}); },
                     numpy_heads(3, "np.nan_to_num(softmax((x0 @ np.swapaxes(x0, -1, -2)) / np.sqrt(x0.shape[-1]), "
                                    "-1)) @ x0",
                                 "x0")));

  // Dropout: the generator is made inside, so every evaluation draws the same weights.
  s.push_back(sample(op, "[2,3,4] dropout 0.3", {uniform({2, 3, 4}, 9200), uniform({2, 5, 4}, 9201), uniform({2, 5, 3}, 9202)},
                     [](auto&, auto x) {
                       Rng rng(21);
                       return scaled_dot_product_attention(x[0], x[1], x[2], {.dropout_p = 0.3}, rng);
                     }));
  s.push_back(sample(op, "[2,4,3] dropout 0.5, causal", {uniform({2, 4, 3}, 9203), uniform({2, 4, 3}, 9204), uniform({2, 4, 3}, 9205)},
                     [](auto&, auto x) {
                       std::mt19937_64 rng(22);
                       return scaled_dot_product_attention(x[0], x[1], x[2], {.causal = true, .dropout_p = 0.5}, rng);
                     }));
  s.push_back(sample(op, "[2,3,4] heads 2, dropout 0.3, causal",
                     {uniform({2, 3, 4}, 9209), uniform({2, 3, 4}, 9210), uniform({2, 3, 4}, 9211)},
                     [](auto&, auto x) {
                       Rng rng(24);
                       return scaled_dot_product_attention(x[0], x[1], x[2], {.causal = true, .dropout_p = 0.3, .heads = 2},
                                                           rng);
                     }));
  s.push_back(sample(op, "[2,3,4] dropout 1: zeros", {uniform({2, 3, 4}, 9206), uniform({2, 5, 4}, 9207), uniform({2, 5, 3}, 9208)},
                     [](auto&, auto x) {
                       Rng rng(23);
                       return scaled_dot_product_attention(x[0], x[1], x[2], {.dropout_p = 1.0}, rng);
                     },
                     "np.zeros((2, 3, 3))"));

  // Large enough for the parallel paths (a task per batch matrix; and one product past the
  // GEMM's own cutoff): only the float32 and thread checks run.
  struct BigCase {
    Shape q, k, v;
    bool causal;
    std::size_t heads;
    const char* what;
  };
  for (const BigCase& c : std::vector<BigCase>{
           {{4, 2, 32, 16}, {4, 2, 32, 16}, {4, 2, 32, 16}, true, 0, "a task per matrix"},
           {{4, 32, 64}, {4, 32, 64}, {4, 32, 64}, true, 2, "heads 2, a task per matrix"},
           {{2, 128, 64}, {2, 128, 64}, {2, 128, 64}, false, 0, "one parallel GEMM at a time"}}) {
    const AttentionOptions options{.causal = c.causal, .heads = c.heads};
    OpSample big = sample(op, fmt::format("{} {} {}: {}", c.q, c.k, c.v, c.what),
                          {uniform(c.q, seed), uniform(c.k, seed + 1), uniform(c.v, seed + 2)},
                          [options](auto&, auto x) { return scaled_dot_product_attention(x[0], x[1], x[2], options); },
                          c.heads > 0 ? numpy_heads(c.heads, numpy_attention(c.causal ? kCausal : kAll))
                                      : numpy_attention(c.causal ? kCausal : kAll));
    big.gradcheck = false;
    s.push_back(std::move(big));
    seed += 3;
  }
  return s;
}

}  // namespace cgrad::test
