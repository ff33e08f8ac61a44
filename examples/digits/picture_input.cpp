#include "picture_input.h"

#include <algorithm>
#include <memory>
#include <vector>

#include <fmt/format.h>
#include <stb_image.h>

#include "graph/error.h"

namespace cgrad::digits {
namespace {

// The overlap of source cell [i, i+1) with target cell [lo, hi), in source units.
double overlap(std::size_t i, double lo, double hi) {
  return std::max(0.0, std::min(hi, static_cast<double>(i + 1)) - std::max(lo, static_cast<double>(i)));
}

// Mean of the outermost ring of pixels.
double border_mean(const std::vector<float>& pixels, std::size_t rows, std::size_t cols) {
  double sum = 0.0;
  std::size_t count = 0;
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t c = 0; c < cols; ++c)
      if (r == 0 || c == 0 || r + 1 == rows || c + 1 == cols) {
        sum += pixels[r * cols + c];
        ++count;
      }
  return sum / static_cast<double>(count);
}

}  // namespace

std::vector<float> resize_area(const std::vector<float>& pixels, std::size_t rows, std::size_t cols,
                               std::size_t side) {
  std::vector<float> out(side * side);
  const double row_step = static_cast<double>(rows) / static_cast<double>(side);
  const double col_step = static_cast<double>(cols) / static_cast<double>(side);
  for (std::size_t y = 0; y < side; ++y) {
    const double top = static_cast<double>(y) * row_step, bottom = top + row_step;
    for (std::size_t x = 0; x < side; ++x) {
      const double left = static_cast<double>(x) * col_step, right = left + col_step;
      double sum = 0.0, area = 0.0;
      const auto last_row = std::min(rows, static_cast<std::size_t>(bottom) + 1);
      const auto last_col = std::min(cols, static_cast<std::size_t>(right) + 1);
      for (auto r = static_cast<std::size_t>(top); r < last_row; ++r) {
        const double h = overlap(r, top, bottom);
        for (auto c = static_cast<std::size_t>(left); c < last_col; ++c) {
          const double w = h * overlap(c, left, right);
          sum += w * pixels[r * cols + c];
          area += w;
        }
      }
      out[y * side + x] = static_cast<float>(area > 0 ? sum / area : 0.0);
    }
  }
  return out;
}

Tensor<float> load_picture(const std::string& path, std::size_t side) {
  int width = 0, height = 0, channels = 0;
  const std::unique_ptr<unsigned char, void (*)(void*)> bytes(stbi_load(path.c_str(), &width, &height, &channels, 1),
                                                               stbi_image_free);
  if (bytes == nullptr) throw IoError(fmt::format("cannot read picture '{}': {}", path, stbi_failure_reason()));
  const auto rows = static_cast<std::size_t>(height), cols = static_cast<std::size_t>(width);
  std::vector<float> gray(rows * cols);
  for (std::size_t i = 0; i < gray.size(); ++i) gray[i] = static_cast<float>(bytes.get()[i]) / 255.0f;
  if (border_mean(gray, rows, cols) > 0.5)
    for (float& v : gray) v = 1.0f - v;
  const std::vector<float> scaled = resize_area(gray, rows, cols, side);
  return Tensor<float>(Shape{1, side * side}, std::span<const float>(scaled));
}

}  // namespace cgrad::digits
