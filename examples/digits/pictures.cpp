#include "pictures.h"

#include <filesystem>
#include <system_error>

#include <fmt/format.h>

#include "charts.h"
#include "graph/error.h"
#include "model.h"

namespace cgrad::digits {
namespace {

constexpr std::size_t kMaxMisclassified = 36;

std::string loss_curves(const std::string& path, const std::string& model_name,
                        const std::vector<EpochResult>& history) {
  examples::Series train{"train", {}, {}}, test{"test", {}, {}};
  for (const EpochResult& e : history) {
    train.xs.push_back(static_cast<double>(e.epoch));
    train.ys.push_back(e.train_loss);
    test.xs.push_back(static_cast<double>(e.epoch));
    test.ys.push_back(e.test.loss);
  }
  const std::vector<examples::Series> series{train, test};
  examples::write_loss_curves_png(path, fmt::format("digits {}: cross-entropy", model_name), series);
  return path;
}

std::string confusion(const std::string& path, const Dataset<float>& test, const std::vector<std::int32_t>& predicted) {
  std::vector<std::size_t> counts(kClasses * kClasses, 0);
  for (std::size_t i = 0; i < predicted.size(); ++i)
    ++counts[static_cast<std::size_t>(test.labels()[i]) * kClasses + static_cast<std::size_t>(predicted[i])];
  std::vector<std::string> labels;
  for (std::size_t c = 0; c < kClasses; ++c) labels.push_back(std::to_string(c));
  examples::write_confusion_png(path, counts, labels);
  return path;
}

// Empty when every test image is classified right.
std::string misclassified(const std::string& path, const DigitsData& data, const std::vector<std::int32_t>& predicted) {
  std::vector<examples::GrayImage> images;
  std::vector<std::string> captions;
  const Tensor<float>& pixels = data.test.features();
  const std::size_t area = data.side * data.side;
  for (std::size_t i = 0; i < predicted.size() && images.size() < kMaxMisclassified; ++i) {
    if (predicted[i] == data.test.labels()[i]) continue;
    const float* first = pixels.data() + i * area;
    images.push_back({data.side, data.side, std::vector<double>(first, first + area)});
    captions.push_back(fmt::format("{}→{}", data.test.labels()[i], predicted[i]));
  }
  if (images.empty()) return {};
  examples::write_image_grid_png(path, images, captions);
  return path;
}

}  // namespace

std::vector<std::string> write_pictures(const std::string& out_dir, const std::string& model_name,
                                        const std::vector<EpochResult>& history, const DigitsData& data,
                                        const std::vector<std::int32_t>& predicted) {
  std::error_code error;
  std::filesystem::create_directories(out_dir, error);
  if (error) throw IoError(fmt::format("cannot create output directory '{}': {}", out_dir, error.message()));
  const auto path = [&](const char* what) {
    return (std::filesystem::path(out_dir) / fmt::format("digits_{}_{}.png", model_name, what)).string();
  };
  std::vector<std::string> written;
  if (!history.empty()) written.push_back(loss_curves(path("loss"), model_name, history));
  written.push_back(confusion(path("confusion"), data.test, predicted));
  if (std::string grid = misclassified(path("misclassified"), data, predicted); !grid.empty())
    written.push_back(std::move(grid));
  return written;
}

}  // namespace cgrad::digits
