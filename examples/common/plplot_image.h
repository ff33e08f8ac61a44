#pragma once
// A grid of values as PLplot's image() wants it: a column of pointers, data[x][y], with
// y growing upwards. Shared by the confusion matrix and the image grid.
#include <cstddef>
#include <functional>
#include <vector>

#include <plstream.h>

namespace cgrad::examples {

class PlplotImage {
 public:
  // value(row, col) for rows counted from the top, as a picture or a matrix is read.
  PlplotImage(std::size_t rows, std::size_t cols, const std::function<double(std::size_t, std::size_t)>& value)
      : rows_(rows), cols_(cols), values_(rows * cols), columns_(cols) {
    for (std::size_t c = 0; c < cols; ++c) {
      columns_[c] = values_.data() + c * rows;
      for (std::size_t r = 0; r < rows; ++r) values_[c * rows + (rows - 1 - r)] = value(r, c);
    }
  }

  // Fills the window [0, cols] × [0, rows], values from `low` to `high` across cmap1.
  void draw(plstream& pl, double low, double high) const {
    const auto x = static_cast<PLFLT>(cols_), y = static_cast<PLFLT>(rows_);
    pl.image(columns_.data(), static_cast<PLINT>(cols_), static_cast<PLINT>(rows_), 0, x, 0, y, low, high, 0, x, 0, y);
  }

 private:
  std::size_t rows_;
  std::size_t cols_;
  std::vector<PLFLT> values_;
  std::vector<const PLFLT*> columns_;
};

// cmap1 as a straight line between two RGB colours (components in [0, 1]).
inline void set_two_colour_map(plstream& pl, const double (&from)[3], const double (&to)[3]) {
  const PLFLT at[2] = {0.0, 1.0};
  const PLFLT red[2] = {from[0], to[0]}, green[2] = {from[1], to[1]}, blue[2] = {from[2], to[2]};
  pl.scmap1l(true, 2, at, red, green, blue, nullptr);
}

}  // namespace cgrad::examples
