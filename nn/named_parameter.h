#pragma once
// A parameter with the name a checkpoint stores it under. Modules name theirs
// ("0.weight"); named_parameters(list) names any list of parameters by their own names,
// for models that are not built from nn/ modules.
#include <string>
#include <utility>
#include <vector>

#include "graph/parameter.h"

namespace cgrad {

template <Real T>
using NamedParameter = std::pair<std::string, Parameter<T>*>;

template <Real T>
std::vector<NamedParameter<T>> named_parameters(const std::vector<Parameter<T>*>& parameters) {
  std::vector<NamedParameter<T>> named;
  named.reserve(parameters.size());
  for (Parameter<T>* p : parameters) named.emplace_back(p ? p->name() : std::string(), p);
  return named;
}

}  // namespace cgrad
