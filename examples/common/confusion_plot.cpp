#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <plstream.h>

#include "charts.h"
#include "graph/error.h"
#include "plplot_cells.h"
#include "plplot_page.h"

namespace cgrad::examples {

void write_confusion_png(const std::string& path, std::span<const std::size_t> counts,
                         std::span<const std::string> labels) {
  const std::size_t k = labels.size();
  if (k == 0) throw ValueError("confusion matrix: no classes");
  if (counts.size() != k * k)
    throw ValueError(fmt::format("confusion matrix: {} classes need {} counts, got {}", k, k * k, counts.size()));
  const std::size_t most = std::max<std::size_t>(1, *std::max_element(counts.begin(), counts.end()));

  PlplotPage page(path, 700, 700);
  plstream& pl = page.stream();
  pl.adv(0);
  pl.vpor(0.12, 0.94, 0.1, 0.9);
  const auto side = static_cast<PLFLT>(k);
  pl.wind(0, side, 0, side);
  set_two_colour_map(pl, {1.0, 1.0, 1.0}, {0.03, 0.19, 0.42});  // white to dark blue
  draw_cells(pl, k, k, 0.0, static_cast<double>(most),
             [&](std::size_t t, std::size_t p) { return static_cast<double>(counts[t * k + p]); });

  pl.schr(0, 0.9);
  for (std::size_t t = 0; t < k; ++t) {
    const PLFLT y = side - static_cast<PLFLT>(t) - 0.5;
    for (std::size_t p = 0; p < k; ++p) {
      const std::size_t n = counts[t * k + p];
      if (n == 0) continue;
      pl.col0(2 * n > most ? 0 : 1);  // white text on the dark cells
      pl.ptex(static_cast<PLFLT>(p) + 0.5, y - 0.15, 1, 0, 0.5, std::to_string(n).c_str());
    }
  }
  pl.col0(1);
  pl.box("bc", 1.0, 0, "bc", 1.0, 0);
  for (std::size_t i = 0; i < k; ++i) {
    const PLFLT at = (static_cast<PLFLT>(i) + 0.5) / side;
    pl.mtex("b", 1.5, at, 0.5, labels[i].c_str());
    pl.mtex("l", 1.5, 1.0 - at, 0.5, labels[i].c_str());
  }
  pl.schr(0, 1.0);
  pl.mtex("b", 3.5, 0.5, 0.5, "predicted");
  pl.mtex("l", 4.0, 0.5, 0.5, "true");
  pl.mtex("t", 1.5, 0.5, 0.5, "confusion matrix (test set)");
}

}  // namespace cgrad::examples
