#pragma once
// A grid of values drawn as shaded cells: the confusion matrix and the image grid.
#include <algorithm>
#include <cstddef>
#include <functional>

#include <plstream.h>

namespace cgrad::examples {

// Draws value(row, col) as filled unit cells of the window [0, cols] × [0, rows], row 0 at
// the top (as a picture or a matrix is read), `low`..`high` spread across cmap1. Filled
// cells rather than PLplot's image(), which samples values at cell corners and so shifts
// a small grid by half a cell.
inline void draw_cells(plstream& pl, std::size_t rows, std::size_t cols, double low, double high,
                       const std::function<double(std::size_t, std::size_t)>& value) {
  const double span = high > low ? high - low : 1.0;
  for (std::size_t r = 0; r < rows; ++r) {
    const auto top = static_cast<PLFLT>(rows - r), bottom = top - 1;
    for (std::size_t c = 0; c < cols; ++c) {
      const auto left = static_cast<PLFLT>(c), right = left + 1;
      const PLFLT xs[4] = {left, right, right, left};
      const PLFLT ys[4] = {bottom, bottom, top, top};
      pl.col1(std::clamp((value(r, c) - low) / span, 0.0, 1.0));
      pl.fill(4, xs, ys);
    }
  }
}

// cmap1 as a straight line between two RGB colours (components in [0, 1]).
inline void set_two_colour_map(plstream& pl, const double (&from)[3], const double (&to)[3]) {
  const PLFLT at[2] = {0.0, 1.0};
  const PLFLT red[2] = {from[0], to[0]}, green[2] = {from[1], to[1]}, blue[2] = {from[2], to[2]};
  pl.scmap1l(true, 2, at, red, green, blue, nullptr);
}

}  // namespace cgrad::examples
