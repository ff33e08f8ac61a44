#include "random_source.h"

#include <fmt/format.h>

#include "graph/error.h"

namespace cgrad::spiral {

RngKind parse_rng_kind(std::string_view name) {
  if (name == "std") return RngKind::Std;
  if (name == "numpy") return RngKind::Numpy;
  throw ValueError(fmt::format("unknown random generator '{}' (expected std or numpy)", name));
}

std::string_view rng_kind_name(RngKind kind) {
  return kind == RngKind::Std ? "std" : "numpy";
}

RandomSource::RandomSource(RngKind kind, std::uint32_t seed) {
  if (kind == RngKind::Numpy)
    generator_.emplace<NumpyRandom>(seed);
  else
    generator_.emplace<StdRandom>(StdRandom{std::mt19937_64(seed), {}});
}

double RandomSource::normal() {
  struct Draw {
    double operator()(StdRandom& g) const { return g.normal(g.engine); }
    double operator()(NumpyRandom& g) const { return g.randn(); }
  };
  return std::visit(Draw{}, generator_);
}

}  // namespace cgrad::spiral
