#include "ops/registry.h"

#include <vector>

namespace cgrad {

template <Real T>
std::span<const OpInfo<T>* const> all_ops() {
  static const std::vector<const OpInfo<T>*> ops = [] {
    std::vector<const OpInfo<T>*> all;
    for (auto family : {elementwise_ops<T>(), reduce_ops<T>(), shape_ops<T>(), index_ops<T>(), linalg_ops<T>(),
                        loss_ops<T>(), nn_ops<T>()})
      all.insert(all.end(), family.begin(), family.end());
    return all;
  }();
  return ops;
}

template std::span<const OpInfo<float>* const> all_ops();
template std::span<const OpInfo<double>* const> all_ops();

}  // namespace cgrad
