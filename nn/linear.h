#pragma once
// Linear<T>: y = x·W + b, with W [in, out] (the transpose of PyTorch's [out, in]) and
// b [1, out]. Parameters are registered as "weight" and "bias" (the latter only with a
// bias); x may have any rank >= 1 with `in` as its last axis.
//
// Two ways to build one:
//   Linear<float>(LinearOptions(784, 10), rng)      PyTorch's default initialisation:
//       W and b from U(−1/√in, 1/√in) (kaiming_uniform with a = √5, then the bias),
//   Linear<float>(784, 10, he<float>(rng))          W filled by any Init, b zeros.
#include <cstddef>
#include <source_location>
#include <string_view>

#include "graph/graph.h"
#include "graph/parameter.h"
#include "nn/init.h"
#include "nn/module.h"
#include "nn/options.h"
#include "nn/random.h"

namespace cgrad {

struct LinearOptions {
  LinearOptions(std::size_t in_features, std::size_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  CGRAD_ARG(std::size_t, in_features);
  CGRAD_ARG(std::size_t, out_features);
  // Whether to add a bias.
  CGRAD_ARG(bool, bias) = true;
};

template <Real T>
class Linear : public UnaryModule<T> {
 public:
  // PyTorch's default initialisation, drawn from `rng` (weight first, then bias).
  // Throws ValueError when a size is 0.
  Linear(const LinearOptions& options, Rng& rng);
  // `init` fills the weight; the bias starts at zero. `name` is the Parameters' own
  // name prefix ("<name>.weight", "<name>.bias"; "weight", "bias" when empty), which
  // anomaly messages and named_parameters(list) show; named_parameters() of the module
  // uses the registered names. Throws ValueError when a size is 0, ShapeError when `init`
  // reshapes the weight.
  Linear(std::size_t in, std::size_t out, const Init<T>& init, std::string_view name = "");

  Var<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current()) override;
  // relu(forward(x)), with a bias as one AffineReLU node (ops/linalg/affine_relu.h): the
  // same values and gradients, without the forward's pass over the output and the ReLU
  // node's buffers. Mlp and Sequential (a Linear followed by a ReLU) use it.
  Var<T> forward_relu(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current());

  std::size_t in_features() const { return weight_.shape()[0]; }
  std::size_t out_features() const { return weight_.shape()[1]; }
  bool has_bias() const { return has_bias_; }
  Parameter<T>& weight() { return weight_; }
  // Empty when the layer has no bias.
  Parameter<T>& bias() { return bias_; }

 private:
  Linear(std::size_t in, std::size_t out, bool bias, const Init<T>& weight_init, const Init<T>& bias_init,
         std::string_view name);

  Parameter<T> weight_;
  Parameter<T> bias_;
  bool has_bias_;
};

extern template class Linear<float>;
extern template class Linear<double>;

}  // namespace cgrad
