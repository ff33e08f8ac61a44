#include "nn/module.h"

#include <algorithm>
#include <unordered_set>

#include <fmt/format.h>

#include "graph/error.h"

namespace cgrad {
namespace {

std::string joined(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : fmt::format("{}.{}", prefix, name);
}

// Keeps the first entry of each object reached twice (a tied weight, a child registered
// under two names), so an optimizer never steps one parameter twice.
template <class Pointer>
void drop_repeats(std::vector<std::pair<std::string, Pointer>>& named) {
  std::unordered_set<const void*> seen;
  std::erase_if(named, [&](const auto& entry) { return !seen.insert(entry.second).second; });
}

}  // namespace

template <Real T>
void Module<T>::check_new_name(std::string_view name, std::string_view what) const {
  if (name.empty()) throw ValueError(fmt::format("Module: cannot register a {} with an empty name", what));
  if (name.find('.') != std::string_view::npos)
    throw ValueError(fmt::format("Module: cannot register {} '{}': a name cannot contain '.' (dots join the names "
                                 "of nested modules)",
                                 what, name));
  const auto taken = [&](const auto& entries) {
    return std::any_of(entries.begin(), entries.end(), [&](const auto& entry) { return entry.first == name; });
  };
  const char* by = taken(parameters_) ? "parameter" : taken(buffers_) ? "buffer" : taken(children_) ? "module" : nullptr;
  if (by != nullptr)
    throw ValueError(fmt::format("Module: cannot register {} '{}': the name is taken by a {}", what, name, by));
}

template <Real T>
Parameter<T>& Module<T>::register_parameter(std::string_view name, Parameter<T>& p) {
  check_new_name(name, "parameter");
  parameters_.emplace_back(std::string(name), &p);
  return p;
}

template <Real T>
Tensor<T>& Module<T>::register_buffer(std::string_view name, Tensor<T>& b) {
  check_new_name(name, "buffer");
  buffers_.emplace_back(std::string(name), &b);
  return b;
}

template <Real T>
void Module<T>::add_child(std::string_view name, Module<T>& child) {
  check_new_name(name, "module");
  if (&child == this) throw ValueError(fmt::format("Module: cannot register a module as its own child '{}'", name));
  children_.emplace_back(std::string(name), &child);
}

template <Real T>
void Module<T>::unregister_all() {
  parameters_.clear();
  buffers_.clear();
  children_.clear();
}

template <Real T>
void Module<T>::collect_parameters(const std::string& prefix, std::vector<NamedParameter<T>>& out) const {
  for (const auto& [name, p] : parameters_) out.emplace_back(joined(prefix, name), p);
  for (const auto& [name, child] : children_) child->collect_parameters(joined(prefix, name), out);
}

template <Real T>
void Module<T>::collect_buffers(const std::string& prefix, std::vector<NamedBuffer<T>>& out) const {
  for (const auto& [name, b] : buffers_) out.emplace_back(joined(prefix, name), b);
  for (const auto& [name, child] : children_) child->collect_buffers(joined(prefix, name), out);
}

template <Real T>
void Module<T>::collect_modules(const std::string& prefix, std::vector<NamedModule<T>>& out) const {
  for (const auto& [name, child] : children_) {
    const std::string full = joined(prefix, name);
    out.emplace_back(full, child);
    child->collect_modules(full, out);
  }
}

template <Real T>
std::vector<NamedParameter<T>> Module<T>::named_parameters() const {
  std::vector<NamedParameter<T>> all;
  collect_parameters("", all);
  drop_repeats(all);
  return all;
}

template <Real T>
std::vector<Parameter<T>*> Module<T>::parameters() const {
  std::vector<Parameter<T>*> all;
  for (const auto& [name, p] : named_parameters()) all.push_back(p);
  return all;
}

template <Real T>
std::vector<NamedBuffer<T>> Module<T>::named_buffers() const {
  std::vector<NamedBuffer<T>> all;
  collect_buffers("", all);
  drop_repeats(all);
  return all;
}

template <Real T>
std::vector<NamedModule<T>> Module<T>::named_children() const {
  return children_;
}

template <Real T>
std::vector<NamedModule<T>> Module<T>::named_modules() const {
  // The root is listed as itself; const only in that listing changes nothing.
  std::vector<NamedModule<T>> all{{std::string(), const_cast<Module<T>*>(this)}};
  collect_modules("", all);
  drop_repeats(all);
  return all;
}

template <Real T>
void Module<T>::train(bool on) {
  training_ = on;
  for (const auto& [name, child] : children_) child->train(on);
}

template <Real T>
void Module<T>::apply(const std::function<void(Module<T>&)>& fn) {
  for (const auto& [name, child] : children_) child->apply(fn);
  fn(*this);
}

template <Real T>
void Module<T>::zero_grad() {
  // Recursive rather than through parameters(), so a training step allocates nothing; a
  // tied parameter is zeroed twice, which is harmless.
  for (const auto& [name, p] : parameters_) p->zero_grad();
  for (const auto& [name, child] : children_) child->zero_grad();
}

template class Module<float>;
template class Module<double>;

}  // namespace cgrad
