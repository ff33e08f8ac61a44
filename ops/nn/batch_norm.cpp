#include "ops/nn/batch_norm.h"

#include <array>
#include <cmath>

#include "ops/nn/norm_support.h"
#include "ops/op_support.h"

namespace cgrad {
namespace {

// node.params: which optional inputs are there, the mode, and x's layout [N,C,spatial].
constexpr std::size_t kHasWeight = 0, kHasBias = 1, kTraining = 2, kBatch = 3, kChannels = 4, kSpatial = 5;
// node.reals: eps.
constexpr std::size_t kEps = 0;
// node.saved is [3,C]: per channel the mean and 1 / sqrt(var + eps) the op normalized with
// (the batch's in training, the running ones in evaluation) and the biased batch variance
// (training only; the running-variance update reads it).
constexpr std::size_t kMeanRow = 0, kRstdRow = 1, kVarRow = 2;

template <Real T>
struct Layout {
  std::size_t batch = 0, channels = 0, spatial = 0;
  bool training = false;
  const T* weight = nullptr;  // null when absent
  const T* bias = nullptr;
  // The run of `spatial` values of channel c in batch item n.
  std::size_t run(std::size_t n, std::size_t c) const { return (n * channels + c) * spatial; }
  double count() const { return static_cast<double>(batch * spatial); }
};

template <Real T>
Layout<T> layout_of(const Graph<T>& graph, const Node<T>& node) {
  Layout<T> l;
  l.batch = static_cast<std::size_t>(node.params.ints[kBatch]);
  l.channels = static_cast<std::size_t>(node.params.ints[kChannels]);
  l.spatial = static_cast<std::size_t>(node.params.ints[kSpatial]);
  l.training = node.params.ints[kTraining] != 0;
  std::size_t next = 1;
  if (node.params.ints[kHasWeight] != 0) l.weight = graph.value(node.inputs[next++]).data();
  if (node.params.ints[kHasBias] != 0) l.bias = graph.value(node.inputs[next]).data();
  return l;
}

// One task per block of channels: in training, the channel's mean and variance (two passes
// over its runs, in batch order), then y = (x - mean) * (rstd * weight) + bias over its runs.
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Layout<T> l = layout_of(graph, node);
  const T* x = graph.value(node.inputs[0]).data();
  T* y = node.value.data();
  T* stats = node.saved.data();  // sized by batch_norm(); filled there in evaluation
  const std::size_t channels = l.channels;
  const double eps = node.params.reals[kEps];
  detail::parallel_blocks(channels, l.batch * l.spatial, [&](std::size_t begin, std::size_t end) {
    for (std::size_t c = begin; c < end; ++c) {
      if (l.training) {
        double sum = 0;
        for (std::size_t n = 0; n < l.batch; ++n) sum += detail::sum_run(x + l.run(n, c), l.spatial);
        const double mean = sum / l.count();
        double squares = 0;
        for (std::size_t n = 0; n < l.batch; ++n)
          squares += detail::sum_squared_deviations(x + l.run(n, c), l.spatial, mean);
        const double var = squares / l.count();
        stats[kMeanRow * channels + c] = static_cast<T>(mean);
        stats[kRstdRow * channels + c] = static_cast<T>(1.0 / std::sqrt(var + eps));
        stats[kVarRow * channels + c] = static_cast<T>(var);
      }
      const T mean = stats[kMeanRow * channels + c];
      const T scale = stats[kRstdRow * channels + c] * (l.weight != nullptr ? l.weight[c] : T{1});
      const T shift = l.bias != nullptr ? l.bias[c] : T{0};
      for (std::size_t n = 0; n < l.batch; ++n) {
        const T* xr = x + l.run(n, c);
        T* yr = y + l.run(n, c);
        for (std::size_t i = 0; i < l.spatial; ++i) yr[i] = (xr[i] - mean) * scale + shift;
      }
    }
  });
}

// Per channel, with M values, g = dy and xhat = (x - mean) * rstd:
//   dbias = sum(g), dweight = sum(g * xhat),
//   dx = weight * rstd * (g - sum(g) / M - xhat * sum(g * xhat) / M) in training,
//   dx = weight * rstd * g in evaluation (the statistics are constants there).
template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Layout<T> l = layout_of(graph, node);
  const T* x = graph.value(node.inputs[0]).data();
  const T* dy = node.output_grad().data();
  const T* stats = node.saved.data();
  const std::size_t channels = l.channels;
  // All asked for before any is written: each channel's task writes its own entries of each.
  GradOut<T> dx = graph.grad_out(node.inputs[0]);
  GradOut<T> dweight = l.weight != nullptr ? graph.grad_out(node.inputs[1]) : GradOut<T>{};
  GradOut<T> dbias = l.bias != nullptr ? graph.grad_out(node.inputs[l.weight != nullptr ? 2 : 1]) : GradOut<T>{};
  const bool need_sums = dweight || dbias || (dx && l.training);
  detail::parallel_blocks(channels, l.batch * l.spatial, [&](std::size_t begin, std::size_t end) {
    for (std::size_t c = begin; c < end; ++c) {
      const T mean = stats[kMeanRow * channels + c], rstd = stats[kRstdRow * channels + c];
      detail::GradSums sums;
      if (need_sums) {
        for (std::size_t n = 0; n < l.batch; ++n) {
          const detail::GradSums run =
              detail::grad_sums_run<T>(dy + l.run(n, c), nullptr, x + l.run(n, c), l.spatial, static_cast<double>(mean));
          sums.g += run.g;
          sums.g_centered += run.g_centered;
        }
      }
      if (dx) {
        const T scale = rstd * (l.weight != nullptr ? l.weight[c] : T{1});
        // In training: dx = scale * (g - g_mean) - (x - mean) * slope.
        const T g_mean = l.training ? static_cast<T>(sums.g / l.count()) : T{0};
        const T slope = l.training ? static_cast<T>(static_cast<double>(scale) * sums.g_centered *
                                                    static_cast<double>(rstd) * static_cast<double>(rstd) / l.count())
                                   : T{0};
        for (std::size_t n = 0; n < l.batch; ++n) {
          const T* xr = x + l.run(n, c);
          const T* dyr = dy + l.run(n, c);
          T* dxr = dx.tensor->data() + l.run(n, c);
          if (!l.training) {
            if (dx.accumulate) {
              for (std::size_t i = 0; i < l.spatial; ++i) dxr[i] += scale * dyr[i];
            } else {
              for (std::size_t i = 0; i < l.spatial; ++i) dxr[i] = scale * dyr[i];
            }
          } else if (dx.accumulate) {
            for (std::size_t i = 0; i < l.spatial; ++i) dxr[i] += scale * (dyr[i] - g_mean) - (xr[i] - mean) * slope;
          } else {
            for (std::size_t i = 0; i < l.spatial; ++i) dxr[i] = scale * (dyr[i] - g_mean) - (xr[i] - mean) * slope;
          }
        }
      }
      auto store = [&](GradOut<T> out, double value) {
        if (!out) return;
        T& d = out.tensor->data()[c];
        d = (out.accumulate ? d : T{0}) + static_cast<T>(value);
      };
      store(dweight, sums.g_centered * static_cast<double>(rstd));
      store(dbias, sums.g);
    }
  });
}

// Throws unless `buffer` is absent or holds one value per channel.
template <Real T>
void check_buffer(const Tensor<T>* buffer, const char* what, std::size_t channels, const Shape& x) {
  if (buffer != nullptr && buffer->shape() != Shape{channels})
    throw ShapeError(fmt::format("BatchNorm: {} is {}, expected [{}] (one per channel of x {})", what,
                                 buffer->shape(), channels, x));
}

}  // namespace

template <Real T>
const OpInfo<T>& batch_norm_op() {
  static constexpr OpInfo<T> info{"BatchNorm", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> batch_norm(Var<T> x, Tensor<T>* running_mean, Tensor<T>* running_var, Var<T> weight, Var<T> bias,
                  BatchNormFuncOptions options, std::source_location where) {
  Graph<T>& graph = detail::graph_of("BatchNorm", x);
  const Shape shape = graph.value(x.index()).shape();
  if (shape.rank() < 2)
    throw ShapeError(fmt::format("BatchNorm: expected input [N,C] or [N,C,*], got {}", shape));
  const std::size_t batch = shape[0], channels = shape[1];
  std::size_t spatial = 1;  // the product of the trailing axes
  for (std::size_t axis = 2; axis < shape.rank(); ++axis) spatial *= shape[axis];
  std::array<Var<T>, 3> inputs{x};
  std::size_t count = 1;
  auto add_affine = [&](Var<T> v, const char* what) {
    if (v.graph() == nullptr) return false;
    graph.check(v, "BatchNorm");
    const Shape& s = graph.value(v.index()).shape();
    if (s != Shape{channels})
      throw ShapeError(fmt::format("BatchNorm: {} is {}, expected [{}] (one per channel of x {})", what, s, channels,
                                   shape));
    inputs[count++] = v;
    return true;
  };
  const bool has_weight = add_affine(weight, "weight");
  const bool has_bias = add_affine(bias, "bias");
  check_buffer(running_mean, "running_mean", channels, shape);
  check_buffer(running_var, "running_var", channels, shape);
  if (!(options.eps >= 0 && std::isfinite(options.eps)))
    throw ValueError(fmt::format("BatchNorm: eps must be finite and >= 0, got {}", options.eps));
  if (!(options.momentum >= 0 && options.momentum <= 1))
    throw ValueError(fmt::format("BatchNorm: momentum must be in [0, 1], got {}", options.momentum));
  if (options.training && batch * spatial <= 1)
    throw ValueError(fmt::format("BatchNorm: expected more than 1 value per channel when training, got input {}",
                                 shape));
  if (!options.training && (running_mean == nullptr || running_var == nullptr))
    throw ValueError(fmt::format("BatchNorm: evaluation normalizes with running_mean and running_var, but {} not "
                                 "given (x {})",
                                 running_mean == nullptr && running_var == nullptr ? "neither was"
                                 : running_mean == nullptr                           ? "running_mean was"
                                                                                     : "running_var was",
                                 shape));

  Node<T>& node = graph.begin(batch_norm_op<T>(), std::span<const Var<T>>(inputs.data(), count), shape, where);
  node.params.ints[kHasWeight] = has_weight ? 1 : 0;
  node.params.ints[kHasBias] = has_bias ? 1 : 0;
  node.params.ints[kTraining] = options.training ? 1 : 0;
  node.params.ints[kBatch] = static_cast<std::int64_t>(batch);
  node.params.ints[kChannels] = static_cast<std::int64_t>(channels);
  node.params.ints[kSpatial] = static_cast<std::int64_t>(spatial);
  node.params.reals[kEps] = options.eps;
  node.saved.resize(Shape{3, channels});
  T* stats = node.saved.data();
  if (!options.training) {  // the running statistics as they are now: later updates do not reach this node
    for (std::size_t c = 0; c < channels; ++c) {
      const double var = static_cast<double>((*running_var)[c]);
      stats[kMeanRow * channels + c] = (*running_mean)[c];
      stats[kRstdRow * channels + c] = static_cast<T>(1.0 / std::sqrt(var + options.eps));
      stats[kVarRow * channels + c] = (*running_var)[c];
    }
  }
  Var<T> y = graph.finish(node);
  if (options.training) {
    const double momentum = options.momentum, keep = 1.0 - options.momentum;
    const double bessel = static_cast<double>(batch * spatial) / static_cast<double>(batch * spatial - 1);
    for (std::size_t c = 0; c < channels; ++c) {
      if (running_mean != nullptr)
        (*running_mean)[c] = static_cast<T>(keep * static_cast<double>((*running_mean)[c]) +
                                            momentum * static_cast<double>(stats[kMeanRow * channels + c]));
      if (running_var != nullptr)
        (*running_var)[c] = static_cast<T>(keep * static_cast<double>((*running_var)[c]) +
                                           momentum * static_cast<double>(stats[kVarRow * channels + c]) * bessel);
    }
  }
  return y;
}

template Var<float> batch_norm(Var<float>, Tensor<float>*, Tensor<float>*, Var<float>, Var<float>,
                               BatchNormFuncOptions, std::source_location);
template Var<double> batch_norm(Var<double>, Tensor<double>*, Tensor<double>*, Var<double>, Var<double>,
                                BatchNormFuncOptions, std::source_location);
template const OpInfo<float>& batch_norm_op();
template const OpInfo<double>& batch_norm_op();

}  // namespace cgrad
