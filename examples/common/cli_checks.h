#pragma once
// Command-line checks the examples share (CLI11). Header-only: an example's main() links
// CLI11 itself.
#include <cmath>
#include <cstdio>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/core.h>

#include "launch.h"  // kUsageError

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

// Parses the command line the way every example and LibTorch twin does: --help prints the
// help and gives 0; a bad argument prints "<app name>: error: <why>" (then the help, if
// asked: spiral's users are the lesson's readers) and gives kUsageError. nullopt: parsed,
// main() goes on.
enum class HelpOnError { no, yes };
inline std::optional<int> parse_command_line(CLI::App& app, int argc, char** argv,
                                             HelpOnError help = HelpOnError::no) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "{}: error: {}\n{}", app.get_name(), e.what(), help == HelpOnError::yes ? app.help() : "");
    return kUsageError;
  }
  return std::nullopt;
}

}  // namespace cgrad::examples
