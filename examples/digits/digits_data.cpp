#include "digits_data.h"

#include <cmath>

#include <fmt/format.h>

#include "digits.h"
#include "graph/error.h"
#include "idx.h"

namespace cgrad::digits {
namespace {

std::size_t square_side(const Dataset<float>& data, const std::filesystem::path& dir) {
  const std::size_t pixels = data.features().cols();
  const auto side = static_cast<std::size_t>(std::lround(std::sqrt(static_cast<double>(pixels))));
  if (side * side != pixels)
    throw ValueError(fmt::format("{}: images of {} pixels are not square", dir.string(), pixels));
  return side;
}

}  // namespace

DigitsData load_data(const std::optional<std::filesystem::path>& mnist_dir, std::uint64_t seed) {
  if (!mnist_dir) {
    const Dataset<float> all = data::load_digits<float>(std::filesystem::path(CGRAD_DATA_DIR) / "digits.csv.gz");
    auto [train, test] = data::stratified_split(all, kTestFraction, seed);
    std::string description = fmt::format("UCI digits {0}x{0} ({1} train, {2} test)", data::kDigitsSide,
                                          train.size(), test.size());
    return {std::move(train), std::move(test), data::kDigitsSide, std::move(description)};
  }
  Dataset<float> train = data::load_mnist<float>(*mnist_dir, "train");
  Dataset<float> test = data::load_mnist<float>(*mnist_dir, "t10k");
  const std::size_t side = square_side(train, *mnist_dir);
  if (test.features().cols() != train.features().cols())
    throw ValueError(fmt::format("{}: train images have {} pixels, t10k images {}", mnist_dir->string(),
                                 train.features().cols(), test.features().cols()));
  std::string description =
      fmt::format("{0} {1}x{1} ({2} train, {3} test)", mnist_dir->string(), side, train.size(), test.size());
  return {std::move(train), std::move(test), side, std::move(description)};
}

}  // namespace cgrad::digits
