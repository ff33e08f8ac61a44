// Samples of the index family: selection by integer indices, by constant masks, dropout.
#include <random>

#include "tests/ops/op_sample.h"

namespace cgrad::test {
namespace {

// A NumPy shape tuple: "()", "(4,)", "(2,3)".
std::string py_shape(const Shape& s) {
  if (s.rank() == 1) return fmt::format("({},)", s[0]);
  return fmt::format("({})", fmt::join(s.dims(), ","));
}

std::string py_ints(const std::vector<std::int64_t>& v) {
  return fmt::format("np.array([{}], dtype=np.int64)", fmt::join(v, ","));
}

std::string py_mask(const std::vector<std::uint8_t>& m, const Shape& shape) {
  std::vector<int> bits(m.begin(), m.end());
  return fmt::format("np.array([{}], dtype=bool).reshape({})", fmt::join(bits, ","), py_shape(shape));
}

// A mask of `shape` with about half the bytes set, from a seed (set bytes are non-zero,
// not only 1).
std::vector<std::uint8_t> mask_of(const Shape& shape, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::vector<std::uint8_t> m(shape.size());
  for (auto& b : m) b = static_cast<std::uint8_t>(engine() % 2 == 0 ? 0 : 1 + engine() % 255);
  return m;
}

void add_index_select(std::vector<OpSample>& s) {
  struct Case {
    Shape shape;
    std::int64_t axis;
    std::vector<std::int64_t> indices;
    const char* what;
  };
  std::uint64_t seed = 3000;
  for (const Case& c : std::vector<Case>{
           {{4, 3}, 0, {2, 0, 2}, "rows, one repeated"},
           {{4, 3}, -1, {1}, "negative axis, one column"},
           {{2, 3, 4}, 1, {2, 2, 0, 1}, "middle axis of rank 3, repeated"},
           {{2, 3, 4}, 2, {3, 0}, "last axis of rank 3"},
           {{5}, 0, {4, 0, 4, 4}, "rank 1, an index three times"},
           {{4, 3}, 0, {}, "no indices: size-0 output"},
           {{0, 3}, 1, {2, 0}, "size-0 input"},
           {{2, 1, 3}, 1, {0, 0, 0}, "size-1 axis repeated"},
           {{3, 2}, 0, {0, 1, 2}, "identity"},
       }) {
    const auto indices = c.indices;
    const auto axis = c.axis;
    s.push_back(sample("IndexSelect", fmt::format("{} axis {}: {}", c.shape, c.axis, c.what), {uniform(c.shape, seed++)},
                       [indices, axis](auto&, auto x) { return index_select(x[0], axis, indices); },
                       fmt::format("np.take(x0, {}, axis={})", py_ints(c.indices), c.axis)));
  }
}

void add_embedding(std::vector<OpSample>& s) {
  std::uint64_t seed = 3100;
  // The 1-D overload.
  {
    const std::vector<std::int64_t> indices{1, 4, 1, 0};
    s.push_back(sample("Embedding", "[5,3] weight, 1-D indices, one repeated", {uniform({5, 3}, seed++)},
                       [indices](auto&, auto x) { return embedding(x[0], indices); },
                       fmt::format("x0[{}]", py_ints(indices))));
  }
  struct Case {
    Shape weight, index_shape;
    std::vector<std::int64_t> indices;
    const char* what;
  };
  for (const Case& c : std::vector<Case>{
           {{6, 2}, {2, 3}, {5, 0, 0, 3, 2, 5}, "[2,3] indices"},
           {{4, 3}, {}, {3}, "rank-0 index"},
           {{4, 1}, {3}, {0, 3, 3}, "dim 1"},
           {{5, 3}, {0}, {}, "no indices"},
           {{3, 2}, {2, 0}, {}, "[2,0] indices"},
           {{3, 4}, {2, 1, 2}, {2, 2, 0, 1}, "rank-3 indices, all rows repeated"},
       }) {
    const auto indices = c.indices;
    const Shape index_shape = c.index_shape;
    s.push_back(sample("Embedding", fmt::format("{} weight, {} indices: {}", c.weight, c.index_shape, c.what),
                       {uniform(c.weight, seed++)},
                       [indices, index_shape](auto&, auto x) { return embedding(x[0], indices, index_shape); },
                       fmt::format("x0[{}.reshape({})]", py_ints(c.indices), py_shape(c.index_shape))));
  }
}

void add_where(std::vector<OpSample>& s) {
  struct Case {
    Shape cond, a, b;
    const char* what;
  };
  std::uint64_t seed = 3200;
  for (const Case& c : std::vector<Case>{
           {{2, 3}, {2, 3}, {2, 3}, "same shapes"},
           {{2, 3}, {2, 3}, {}, "scalar b"},
           {{2, 3}, {}, {2, 3}, "scalar a"},
           {{3, 1}, {1, 4}, {3, 4}, "all three broadcast"},
           {{4}, {3, 4}, {2, 1, 4}, "rank 3 from a row condition"},
           {{2, 1, 1}, {3, 1}, {1, 4}, "the condition adds a leading axis"},
           {{}, {2}, {2}, "rank-0 condition"},
           {{}, {}, {}, "rank 0"},
           {{0, 3}, {3}, {0, 3}, "size-0 axis"},
           {{1}, {1}, {1}, "size 1"},
       }) {
    const auto mask = mask_of(c.cond, seed);
    const Shape cond = c.cond;
    s.push_back(sample("Where", fmt::format("cond {}, a {}, b {}: {}", c.cond, c.a, c.b, c.what),
                       {uniform(c.a, seed + 1), uniform(c.b, seed + 2)},
                       [mask, cond](auto&, auto x) { return where(mask, cond, x[0], x[1]); },
                       fmt::format("np.where({}, x0, x1)", py_mask(mask, c.cond))));
    seed += 3;
  }
  // All true and all false: one operand gets no gradient.
  for (const std::uint8_t bit : {std::uint8_t{0}, std::uint8_t{1}}) {
    const std::vector<std::uint8_t> mask(6, bit);
    s.push_back(sample("Where", fmt::format("all {}", bit != 0 ? "true" : "false"),
                       {uniform({2, 3}, seed++), uniform({2, 3}, seed++)},
                       [mask](auto&, auto x) { return where(mask, Shape{2, 3}, x[0], x[1]); },
                       fmt::format("np.where({}, x0, x1)", py_mask(mask, {2, 3}))));
  }
  // The same Var on both sides: its gradient is dy everywhere.
  {
    const auto mask = mask_of({3, 2}, seed);
    s.push_back(sample("Where", "x on both sides", {uniform({3, 2}, seed++)},
                       [mask](auto&, auto x) { return where(mask, Shape{3, 2}, x[0], x[0]); }, "x0"));
  }
}

void add_masked_fill(std::vector<OpSample>& s) {
  struct Case {
    Shape x, mask;
    double value;
    const char* what;
  };
  std::uint64_t seed = 3300;
  for (const Case& c : std::vector<Case>{
           {{3, 4}, {3, 4}, -1.0, "same shape"},
           {{3, 4}, {4}, 0.5, "row mask"},
           {{2, 3, 4}, {3, 1}, 2.0, "column mask into rank 3"},
           {{2, 3}, {}, 0.0, "rank-0 mask"},
           {{}, {}, 1.5, "rank 0"},
           {{0, 4}, {4}, 3.0, "size-0 input"},
           {{2, 1, 3}, {1, 1, 3}, -0.25, "size-1 axes"},
       }) {
    auto mask = mask_of(c.mask, seed);
    if (c.mask.rank() == 0) mask[0] = 1;  // filled: the gradient is all zero
    const Shape mask_shape = c.mask;
    const double value = c.value;
    s.push_back(sample("MaskedFill", fmt::format("{} mask {} value {}: {}", c.x, c.mask, c.value, c.what),
                       {uniform(c.x, seed + 1)},
                       [mask, mask_shape, value](auto&, auto x) {
                         return masked_fill(x[0], mask, mask_shape, value);  // value: exact in float32
                       },
                       fmt::format("np.where({}, {}, x0)", py_mask(mask, c.mask), c.value)));
    seed += 2;
  }
}

void add_dropout(std::vector<OpSample>& s) {
  // Each call draws the mask from a fresh generator with a fixed seed, so every evaluation
  // of the gradient check (and float32 and float64) sees the same mask.
  s.push_back(sample("Dropout", "[4,5] p 0.3", {uniform({4, 5}, 3400)}, [](auto&, auto x) {
    std::mt19937_64 rng(7);
    return dropout(x[0], 0.3, rng);
  }));
  s.push_back(sample("Dropout", "[2,3,4] p 0.5", {uniform({2, 3, 4}, 3401)}, [](auto&, auto x) {
    std::mt19937_64 rng(8);
    return dropout(x[0], 0.5, rng);
  }));
  s.push_back(sample("Dropout", "rank 0 p 0.1", {uniform({}, 3402)}, [](auto&, auto x) {
    std::mt19937_64 rng(9);
    return dropout(x[0], 0.1, rng);
  }));
  s.push_back(sample("Dropout", "[3,4] p 0.9, a 32-bit generator", {uniform({3, 4}, 3403)}, [](auto&, auto x) {
    std::mt19937 rng(10);
    return dropout(x[0], 0.9, rng);
  }));
  s.push_back(sample("Dropout", "[3,4] p 0.25, nn's Rng", {uniform({3, 4}, 3404)}, [](auto&, auto x) {
    Rng rng(11);
    return dropout(x[0], 0.25, rng);
  }));
  s.push_back(sample("Dropout", "[0,3] p 0.5", {uniform({0, 3}, 3405)}, [](auto&, auto x) {
    std::mt19937_64 rng(12);
    return dropout(x[0], 0.5, rng);
  }));
  s.push_back(sample("Dropout", "[2,3] p 1: zeros", {uniform({2, 3}, 3406)}, [](auto&, auto x) {
    std::mt19937_64 rng(13);
    return dropout(x[0], 1.0, rng);
  }, "0 * x0"));
  // Evaluation and p == 0 return x itself.
  s.push_back(sample("Dropout", "[2,3] evaluation: identity", {uniform({2, 3}, 3407)}, [](auto&, auto x) {
    std::mt19937_64 rng(14);
    return dropout(x[0], 0.5, rng, /*training=*/false);
  }, "x0"));
  s.push_back(sample("Dropout", "[2,3] p 0: identity", {uniform({2, 3}, 3408)}, [](auto&, auto x) {
    std::mt19937_64 rng(15);
    return dropout(x[0], 0.0, rng);
  }, "x0"));
}

}  // namespace

std::vector<OpSample> index_samples() {
  std::vector<OpSample> s;
  add_index_select(s);
  add_embedding(s);
  add_where(s);
  add_masked_fill(s);
  add_dropout(s);
  return s;
}

}  // namespace cgrad::test
