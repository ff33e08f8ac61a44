#pragma once
// Command-line checks the examples share (CLI11). Header-only: an example's main() links
// CLI11 itself.
#include <cmath>
#include <string>

#include <CLI/CLI.hpp>

namespace cgrad::examples {

// Rejects NaN and infinities, which CLI::Range lets through: --lr nan must fail at parse.
inline const CLI::Validator kFinite(
    [](std::string& text) {
      double value = 0.0;
      if (!CLI::detail::lexical_cast(text, value) || !std::isfinite(value))
        return "must be a finite number, got " + text;
      return std::string();
    },
    "FINITE");

}  // namespace cgrad::examples
