#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>
#include <plstream.h>

#include "charts.h"
#include "graph/error.h"
#include "plplot_page.h"

namespace cgrad::examples {
namespace {

struct Range {
  double low = std::numeric_limits<double>::infinity();
  double high = -std::numeric_limits<double>::infinity();
  void add(double v) {
    low = std::min(low, v);
    high = std::max(high, v);
  }
  // A flat range (one point, or a constant) still needs some height to draw.
  Range padded(double fraction) const {
    const double span = high > low ? high - low : std::max(std::abs(high), 1.0);
    return {low - fraction * span, high + fraction * span};
  }
};

void check(std::span<const Series> series) {
  if (series.empty()) throw ValueError("loss curves: no series to draw");
  for (const Series& s : series) {
    if (s.xs.size() != s.ys.size())
      throw ValueError(fmt::format("loss curves: series '{}' has {} xs but {} ys", s.name, s.xs.size(), s.ys.size()));
    if (s.xs.empty()) throw ValueError(fmt::format("loss curves: series '{}' is empty", s.name));
    const auto finite = [](double v) { return std::isfinite(v); };
    if (!std::all_of(s.xs.begin(), s.xs.end(), finite) || !std::all_of(s.ys.begin(), s.ys.end(), finite))
      throw ValueError(fmt::format("loss curves: series '{}' has a value that is not finite", s.name));
  }
}

// Distinct line colours (cmap0 entries from 2 on): blue, orange, green, red, purple.
constexpr std::array<std::array<int, 3>, 5> kLineColours{{{31, 119, 180}, {255, 127, 14}, {44, 160, 44},
                                                          {214, 39, 40}, {148, 103, 189}}};

}  // namespace

void write_loss_curves_png(const std::string& path, const std::string& title, std::span<const Series> series) {
  check(series);
  Range x, y;
  for (const Series& s : series) {
    for (double v : s.xs) x.add(v);
    for (double v : s.ys) y.add(v);
  }
  const Range x_axis = x.high > x.low ? x : x.padded(0.5);
  const Range y_axis = y.padded(0.05);

  PlplotPage page(path, 800, 600);
  plstream& pl = page.stream();
  pl.env(x_axis.low, x_axis.high, y_axis.low, y_axis.high, 0, 0);
  pl.lab("epoch", "loss", title.c_str());

  std::vector<PLINT> options, colours, styles;
  std::vector<PLFLT> widths;
  std::vector<const char*> names;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& rgb = kLineColours[i % kLineColours.size()];
    const auto colour = static_cast<PLINT>(2 + i % kLineColours.size());
    pl.scol0(colour, rgb[0], rgb[1], rgb[2]);
    pl.col0(colour);
    pl.width(2.0);
    pl.line(static_cast<PLINT>(series[i].xs.size()), series[i].xs.data(), series[i].ys.data());
    options.push_back(PL_LEGEND_LINE);
    colours.push_back(colour);
    styles.push_back(1);
    widths.push_back(2.0);
    names.push_back(series[i].name.c_str());
  }
  pl.col0(1);
  pl.width(1.0);
  const auto count = static_cast<PLINT>(series.size());
  std::vector<PLINT> text_colours(series.size(), 1);
  PLFLT legend_width = 0, legend_height = 0;
  pl.legend(&legend_width, &legend_height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
            PL_POSITION_TOP | PL_POSITION_RIGHT | PL_POSITION_INSIDE, 0.02, 0.02, 0.1, 0, 1, 1, 0, 0, count,
            options.data(), 1.0, 1.0, 2.0, 0.0, text_colours.data(), names.data(), nullptr, nullptr, nullptr, nullptr,
            colours.data(), styles.data(), widths.data(), nullptr, nullptr, nullptr, nullptr);
}

}  // namespace cgrad::examples
