#include "nn/dataset.h"

#include <algorithm>
#include <cstring>
#include <numeric>
#include <utility>

#include <fmt/format.h>

#include "graph/error.h"

namespace cgrad {

template <Real T>
Dataset<T>::Dataset(Tensor<T> features, std::vector<std::int32_t> labels)
    : features_(std::move(features)), labels_(std::move(labels)) {
  if (features_.rows() == 0 || features_.cols() == 0)
    throw ValueError(fmt::format("Dataset: the features are {}; need at least one row and one column", features_.shape()));
  if (labels_.size() != features_.rows())
    throw ShapeError(fmt::format("Dataset: {} labels for features of {}; need one label per row", labels_.size(),
                                 features_.shape()));
  const auto bad = std::find_if(labels_.begin(), labels_.end(), [](std::int32_t l) { return l < 0; });
  if (bad != labels_.end())
    throw ValueError(fmt::format("Dataset: label {} at row {} is negative", *bad, bad - labels_.begin()));
}

template <Real T>
MiniBatches<T>::MiniBatches(const Dataset<T>& data, std::size_t batch_size, std::uint64_t seed)
    : data_(data), batch_size_(batch_size), rng_(seed), order_(data.size()) {
  if (batch_size == 0) throw ValueError("MiniBatches: batch_size = 0 is outside the allowed range [1, inf)");
  const std::size_t rows = std::min(batch_size, data.size());
  batch_.features.resize(rows, data.features().cols());
  batch_.labels.reserve(rows);
  std::iota(order_.begin(), order_.end(), std::size_t{0});
  shuffle();
}

template <Real T>
void MiniBatches<T>::shuffle() {
  rng_.shuffle(order_);
}

template <Real T>
const Batch<T>& MiniBatches<T>::next() {
  const std::size_t rows = std::min(batch_size_, order_.size() - position_);
  const std::size_t cols = data_.features().cols();
  batch_.features.resize(rows, cols);  // within the capacity reserved above
  batch_.labels.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const std::size_t source = order_[position_ + r];
    std::memcpy(batch_.features.data() + r * cols, data_.features().data() + source * cols, cols * sizeof(T));
    batch_.labels[r] = data_.labels()[source];
  }
  position_ += rows;
  if (position_ == order_.size()) {  // the epoch is complete: the next batch starts a new order
    position_ = 0;
    ++epoch_;
    shuffle();
  }
  return batch_;
}

template class Dataset<float>;
template class Dataset<double>;
template class MiniBatches<float>;
template class MiniBatches<double>;

}  // namespace cgrad
