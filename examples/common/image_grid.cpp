#include <algorithm>
#include <cmath>
#include <string>

#include <fmt/format.h>
#include <plstream.h>

#include "charts.h"
#include "graph/error.h"
#include "plplot_cells.h"
#include "plplot_page.h"

namespace cgrad::examples {
namespace {

void check(std::span<const GrayImage> images, std::span<const std::string> captions) {
  if (images.empty()) throw ValueError("image grid: no images");
  if (captions.size() != images.size())
    throw ValueError(fmt::format("image grid: {} images but {} captions", images.size(), captions.size()));
  for (std::size_t i = 0; i < images.size(); ++i) {
    const GrayImage& image = images[i];
    if (image.rows == 0 || image.cols == 0 || image.pixels.size() != image.rows * image.cols)
      throw ValueError(fmt::format("image grid: image {} has {} pixels for {}x{}", i, image.pixels.size(), image.rows,
                                   image.cols));
  }
}

}  // namespace

void write_image_grid_png(const std::string& path, std::span<const GrayImage> images,
                          std::span<const std::string> captions) {
  check(images, captions);
  constexpr std::size_t kCell = 120;  // pixels per picture, its caption included
  const auto columns = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(images.size()))));
  const std::size_t rows = (images.size() + columns - 1) / columns;

  PlplotPage page(path, columns * kCell, rows * kCell);
  plstream& pl = page.stream();
  pl.adv(0);
  set_two_colour_map(pl, {0.0, 0.0, 0.0}, {1.0, 1.0, 1.0});
  // PLplot scales characters with the page, which grows with the columns: keep captions
  // at about the same size in pixels.
  pl.schr(0, 4.5 / static_cast<double>(columns));
  const double width = 1.0 / static_cast<double>(columns), height = 1.0 / static_cast<double>(rows);
  for (std::size_t i = 0; i < images.size(); ++i) {
    const GrayImage& image = images[i];
    const double left = static_cast<double>(i % columns) * width;
    const double top = 1.0 - static_cast<double>(i / columns) * height;
    // A margin all round, more above for the caption.
    pl.vpor(left + 0.1 * width, left + 0.9 * width, top - 0.95 * height, top - 0.25 * height);
    pl.wind(0, static_cast<PLFLT>(image.cols), 0, static_cast<PLFLT>(image.rows));
    draw_cells(pl, image.rows, image.cols, 0.0, 1.0,
               [&](std::size_t r, std::size_t c) { return image.pixels[r * image.cols + c]; });
    pl.mtex("t", 0.6, 0.5, 0.5, captions[i].c_str());
  }
}

}  // namespace cgrad::examples
