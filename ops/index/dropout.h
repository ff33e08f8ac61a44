#pragma once
#include <concepts>
#include <cstdint>
#include <limits>
#include <random>
#include <source_location>
#include <span>

#include "graph/graph.h"

namespace cgrad {

// Inverted dropout, as torch.nn.functional.dropout: in training, each element of x is
// zeroed with probability p and the kept ones are scaled by 1 / (1 - p), so the expected
// value is unchanged; p == 1 gives zeros. With training == false, or p == 0, x itself is
// returned and nothing is recorded. p must be in [0, 1] (ValueError otherwise, checked in
// evaluation too, as torch does).
//
// The mask is drawn from `rng` when the op is recorded, one draw per element in row-major
// order, and kept in the node for backward (the gradient is dy times the same mask), so
// the result depends only on the generator's state, not on threads. `rng` is either a
// UniformRandomBitGenerator (std::mt19937_64; a 32-bit one such as std::mt19937 takes two
// draws per element) or a generator with `std::uint64_t next()`, such as nn's cgrad::Rng:
// ops/ does not depend on nn/. Each element is kept when the top 53 bits of its draw, as a
// double in [0, 1), are >= p.
template <Real T, class Rng>
Var<T> dropout(Var<T> x, double p, Rng& rng, bool training = true,
               std::source_location where = std::source_location::current());

template <Real T>
const OpInfo<T>& dropout_op();

namespace detail {

// Checks p (throws ValueError naming Dropout); whether the op records anything.
bool dropout_records(double p, bool training);
// Begins the node; node.saved is sized like x, for the caller to fill with the mask.
template <Real T>
Node<T>& dropout_begin(Var<T> x, std::source_location where);
template <Real T>
Var<T> dropout_finish(Var<T> x, Node<T>& node);

// 64 random bits from a generator of either kind (see dropout).
template <class Rng>
std::uint64_t random_bits(Rng& rng) {
  if constexpr (requires { { rng.next() } -> std::convertible_to<std::uint64_t>; }) {
    return static_cast<std::uint64_t>(rng.next());
  } else {
    static_assert(std::uniform_random_bit_generator<Rng>,
                  "dropout: rng must be a UniformRandomBitGenerator or have std::uint64_t next()");
    static_assert(Rng::min() == 0 && (Rng::max() == std::numeric_limits<std::uint64_t>::max() ||
                                      Rng::max() == std::numeric_limits<std::uint32_t>::max()),
                  "dropout: rng must produce full 32-bit or 64-bit words");
    if constexpr (Rng::max() == std::numeric_limits<std::uint64_t>::max()) {
      return static_cast<std::uint64_t>(rng());
    } else {
      const auto high = static_cast<std::uint64_t>(rng());
      return (high << 32) | static_cast<std::uint64_t>(rng());
    }
  }
}

// Fills `mask` with the factor each element is multiplied by: 0 or 1 / (1 - p), one draw
// per element in order; an element is kept when the top 53 bits of its draw, as a double in
// [0, 1), are >= p. The dropout op and the attention op's dropout share it.
template <Real T, class Rng>
void fill_dropout_mask(std::span<T> mask, double p, Rng& rng) {
  const T keep = p < 1 ? static_cast<T>(1.0 / (1.0 - p)) : T{0};
  for (T& m : mask) {
    const double u = static_cast<double>(random_bits(rng) >> 11) * 0x1.0p-53;  // [0, 1)
    m = u >= p ? keep : T{0};
  }
}

}  // namespace detail

template <Real T, class Rng>
Var<T> dropout(Var<T> x, double p, Rng& rng, bool training, std::source_location where) {
  if (!detail::dropout_records(p, training)) return x;
  Node<T>& node = detail::dropout_begin(x, where);
  detail::fill_dropout_mask(node.saved.span(), p, rng);
  return detail::dropout_finish(x, node);
}

}  // namespace cgrad
