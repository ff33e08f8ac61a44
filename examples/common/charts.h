#pragma once
// PNG charts for the model-zoo examples, drawn with PLplot's Cairo driver (headless).
// Each throws cgrad::ValueError for data it cannot draw and IoError when the file cannot
// be written; none prints anything.
#include <cstddef>
#include <span>
#include <string>
#include <vector>

namespace cgrad::examples {

// One curve: ys[i] at xs[i] (e.g. the loss after epoch xs[i]).
struct Series {
  std::string name;
  std::vector<double> xs;
  std::vector<double> ys;
};

// Curves against the epoch, with a legend of their names. Each series needs as many xs
// as ys, all finite; at least one series with at least one point.
void write_loss_curves_png(const std::string& path, const std::string& title, std::span<const Series> series);

// A square matrix, counts[true * k + predicted] for k = labels.size() classes, as shaded
// cells with their counts written in; rows are the true classes, columns the predictions.
void write_confusion_png(const std::string& path, std::span<const std::size_t> counts,
                         std::span<const std::string> labels);

// Small grayscale pictures, rows × cols values in [0, 1] each (row-major, 1 is white ink
// on black: as the digits are stored), in a grid with a caption above each
// (e.g. "7→1": true 7, predicted 1). Needs as many captions as images, and at least one.
struct GrayImage {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<double> pixels;
};
void write_image_grid_png(const std::string& path, std::span<const GrayImage> images,
                          std::span<const std::string> captions);

}  // namespace cgrad::examples
