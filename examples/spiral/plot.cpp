#include "plot.h"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>
#include <stb_image_write.h>

#include "graph/error.h"

namespace cgrad::spiral {
namespace {

struct Rgb {
  double r, g, b;  // 0..255
};

Rgb mix(Rgb a, Rgb b, double weight_of_b) {
  const double w = std::clamp(weight_of_b, 0.0, 1.0);
  return {a.r + (b.r - a.r) * w, a.g + (b.g - a.g) * w, a.b + (b.b - a.b) * w};
}

constexpr Rgb kWhite{255, 255, 255};
constexpr Rgb kOutline{40, 40, 40};

// ColorBrewer's 11-colour Spectral scheme, which matplotlib's Spectral map interpolates.
constexpr std::array<Rgb, 11> kSpectral{{{158, 1, 66}, {213, 62, 79}, {244, 109, 67},
                                         {253, 174, 97}, {254, 224, 139}, {255, 255, 191},
                                         {230, 245, 152}, {171, 221, 164}, {102, 194, 165},
                                         {50, 136, 189}, {94, 79, 162}}};

// plt.scatter(c=y, cmap=Spectral) spreads the labels 0..K-1 over the whole map.
Rgb class_color(std::int32_t label, std::size_t classes) {
  const double x = classes > 1 ? static_cast<double>(label) / static_cast<double>(classes - 1) : 0.0;
  const double position = x * static_cast<double>(kSpectral.size() - 1);
  const auto lower = std::min(static_cast<std::size_t>(position), kSpectral.size() - 2);
  return mix(kSpectral[lower], kSpectral[lower + 1], position - static_cast<double>(lower));
}

class Image {
 public:
  Image(int size, Rgb background)
      : size_(size), pixels_(static_cast<std::size_t>(size) * static_cast<std::size_t>(size), background) {}

  int size() const { return size_; }
  Rgb& at(int x, int y) { return pixels_[static_cast<std::size_t>(y) * static_cast<std::size_t>(size_) + static_cast<std::size_t>(x)]; }

  void save_png(const std::string& path) const {
    std::vector<std::uint8_t> bytes;
    bytes.reserve(pixels_.size() * 3);
    for (const Rgb& p : pixels_)
      for (double channel : {p.r, p.g, p.b})
        bytes.push_back(static_cast<std::uint8_t>(std::lround(std::clamp(channel, 0.0, 255.0))));
    if (stbi_write_png(path.c_str(), size_, size_, 3, bytes.data(), size_ * 3) == 0)
      throw IoError(fmt::format("cannot write PNG file '{}'", path));
  }

 private:
  int size_;
  std::vector<Rgb> pixels_;
};

// Maps the view square to pixels: x grows to the right, y upwards, as in the seed's plots.
struct View {
  int size;
  double extent;
  double pixel_size() const { return 2.0 * extent / size; }
  double x_of(double column) const { return -extent + column * pixel_size(); }
  double y_of(double row) const { return extent - row * pixel_size(); }
  double column_of(double x) const { return (x + extent) / pixel_size(); }
  double row_of(double y) const { return (extent - y) / pixel_size(); }
};

View make_view(const PlotOptions& options) {
  if (options.size < 1 || options.size > 16384)
    throw ValueError(fmt::format("plot: size must be in [1, 16384] pixels, got {}", options.size));
  if (!(options.extent > 0.0) || !std::isfinite(options.extent))
    throw ValueError(fmt::format("plot: extent must be positive and finite, got {}", options.extent));
  return {options.size, options.extent};
}

// A filled disc with a dark outline, like matplotlib's old default scatter marker, so that
// the pale middle colour of Spectral stays visible on white. Edges are anti-aliased by
// the distance to the rim.
void draw_point(Image& image, const View& view, double x, double y, Rgb fill) {
  constexpr double kRadius = 4.5;
  constexpr double kOutlineWidth = 1.0;
  const double cx = view.column_of(x);
  const double cy = view.row_of(y);
  const int first_col = std::max(0, static_cast<int>(std::floor(cx - kRadius - 1)));
  const int last_col = std::min(image.size() - 1, static_cast<int>(std::ceil(cx + kRadius + 1)));
  const int first_row = std::max(0, static_cast<int>(std::floor(cy - kRadius - 1)));
  const int last_row = std::min(image.size() - 1, static_cast<int>(std::ceil(cy + kRadius + 1)));
  for (int row = first_row; row <= last_row; ++row) {
    for (int col = first_col; col <= last_col; ++col) {
      const double distance = std::hypot(col + 0.5 - cx, row + 0.5 - cy);
      const double coverage = kRadius + 0.5 - distance;
      if (coverage <= 0.0) continue;
      const Rgb ink = mix(fill, kOutline, distance - (kRadius - kOutlineWidth - 0.5));
      image.at(col, row) = mix(image.at(col, row), ink, coverage);
    }
  }
}

template <Real T>
void draw_points(Image& image, const View& view, const SpiralData<T>& data) {
  for (std::size_t i = 0; i < data.labels.size(); ++i)
    draw_point(image, view, static_cast<double>(data.features(i, 0)),
               static_cast<double>(data.features(i, 1)), class_color(data.labels[i], data.classes));
}

}  // namespace

template <Real T>
void write_data_png(const std::string& path, const SpiralData<T>& data, const PlotOptions& options) {
  const View view = make_view(options);
  Image image(view.size, kWhite);
  draw_points(image, view, data);
  image.save_png(path);
}

template <Real T>
void write_decision_png(const std::string& path, const SpiralData<T>& data,
                        const Classifier<T>& classify, const PlotOptions& options) {
  const View view = make_view(options);
  Image image(view.size, kWhite);
  // Light region colours: the class colour mixed halfway with white keeps points readable.
  constexpr double kRegionStrength = 0.5;
  constexpr int kBandRows = 32;
  const auto width = static_cast<std::size_t>(view.size);
  Tensor<T> grid;
  for (int first_row = 0; first_row < view.size; first_row += kBandRows) {
    const int rows = std::min(kBandRows, view.size - first_row);
    grid.resize(static_cast<std::size_t>(rows) * width, 2);
    for (int r = 0; r < rows; ++r)
      for (std::size_t c = 0; c < width; ++c) {
        const std::size_t point = static_cast<std::size_t>(r) * width + c;
        grid(point, 0) = static_cast<T>(view.x_of(static_cast<double>(c) + 0.5));
        grid(point, 1) = static_cast<T>(view.y_of(first_row + r + 0.5));
      }
    const std::vector<std::int32_t> predicted = classify(grid);
    if (predicted.size() != grid.rows())
      throw ValueError(fmt::format("plot: the classifier returned {} classes for {} points",
                                   predicted.size(), grid.rows()));
    for (std::size_t point = 0; point < predicted.size(); ++point) {
      const std::int32_t label = predicted[point];
      if (label < 0 || static_cast<std::size_t>(label) >= data.classes)
        throw ValueError(fmt::format("plot: the classifier returned class {}, outside [0, {})",
                                     label, data.classes));
      image.at(static_cast<int>(point % width), first_row + static_cast<int>(point / width)) =
          mix(kWhite, class_color(label, data.classes), kRegionStrength);
    }
  }
  draw_points(image, view, data);
  image.save_png(path);
}

template void write_data_png<float>(const std::string&, const SpiralData<float>&, const PlotOptions&);
template void write_data_png<double>(const std::string&, const SpiralData<double>&, const PlotOptions&);
template void write_decision_png<float>(const std::string&, const SpiralData<float>&,
                                        const Classifier<float>&, const PlotOptions&);
template void write_decision_png<double>(const std::string&, const SpiralData<double>&,
                                         const Classifier<double>&, const PlotOptions&);

}  // namespace cgrad::spiral
