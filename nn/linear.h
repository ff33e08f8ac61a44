#pragma once
// Linear<T>: y = x·W + b, with W [in, out] and b [1, out] (zeros at first). The layer
// owns its parameters; parameters() hands out pointers to them for an optimizer, so a
// layer must stay where it is while those are in use (Mlp keeps its layers in place).
#include <cstddef>
#include <source_location>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "graph/graph.h"
#include "graph/parameter.h"
#include "nn/init.h"
#include "nn/named_parameter.h"

namespace cgrad {

template <Real T>
class Linear {
 public:
  // `name` prefixes the parameter names: "<name>.weight", "<name>.bias" (or "weight",
  // "bias" when empty). Throws ValueError when a size is 0.
  Linear(std::size_t in, std::size_t out, const Init<T>& init, std::string_view name = "");

  // `where` defaults to the caller's line: the ops this records report it in anomaly mode.
  Var<T> forward(Graph<T>& graph, Var<T> x, std::source_location where = std::source_location::current());

  std::size_t in_features() const { return weight_.shape().rows(); }
  std::size_t out_features() const { return weight_.shape().cols(); }
  Parameter<T>& weight() { return weight_; }
  Parameter<T>& bias() { return bias_; }

  std::vector<Parameter<T>*> parameters() { return {&weight_, &bias_}; }
  std::vector<NamedParameter<T>> named_parameters() {
    return {{weight_.name(), &weight_}, {bias_.name(), &bias_}};
  }

 private:
  Parameter<T> weight_;
  Parameter<T> bias_;
};

extern template class Linear<float>;
extern template class Linear<double>;

}  // namespace cgrad
