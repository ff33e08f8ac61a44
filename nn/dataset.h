#pragma once
// Dataset<T>: features [n, d] with one integer label per row. MiniBatches<T>: an endless
// stream of shuffled mini-batches over a dataset, epoch after epoch.
//
// Each epoch visits every row once in an order shuffled by our own Fisher–Yates on
// std::mt19937_64 (via Rng), so a seed gives the same batches on every standard library.
// The last batch of an epoch holds the n mod B rows left over (when B does not divide n);
// the next epoch reshuffles. Batches are copied into one reused Batch: after the first
// batch, next() allocates nothing.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "graph/tensor.h"
#include "nn/random.h"

namespace cgrad {

template <Real T>
class Dataset {
 public:
  // Throws ValueError when empty or a label is negative, ShapeError when the label count
  // differs from the row count.
  Dataset(Tensor<T> features, std::vector<std::int32_t> labels);

  std::size_t size() const { return labels_.size(); }
  const Tensor<T>& features() const { return features_; }
  const std::vector<std::int32_t>& labels() const { return labels_; }

 private:
  Tensor<T> features_;
  std::vector<std::int32_t> labels_;
};

template <Real T>
struct Batch {
  Tensor<T> features;                 // [rows, d]
  std::vector<std::int32_t> labels;   // rows
  std::size_t size() const { return labels.size(); }
};

template <Real T>
class MiniBatches {
 public:
  // Keeps a reference to `data`, which must outlive this. Throws ValueError when
  // batch_size is 0.
  MiniBatches(const Dataset<T>& data, std::size_t batch_size, std::uint64_t seed);

  // The next batch; valid until the following call.
  const Batch<T>& next();

  std::size_t batch_size() const { return batch_size_; }
  // ⌈n / B⌉: batches in one pass over the data.
  std::size_t batches_per_epoch() const { return (data_.size() + batch_size_ - 1) / batch_size_; }
  // Completed passes over the data.
  std::size_t epoch() const { return epoch_; }

 private:
  void shuffle();

  const Dataset<T>& data_;
  std::size_t batch_size_;
  Rng rng_;
  std::vector<std::size_t> order_;
  std::size_t position_ = 0;  // next row of order_ to hand out
  std::size_t epoch_ = 0;
  Batch<T> batch_;
};

extern template class Dataset<float>;
extern template class Dataset<double>;
extern template class MiniBatches<float>;
extern template class MiniBatches<double>;

}  // namespace cgrad
