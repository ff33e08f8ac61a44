#pragma once
// CGRAD_ARG: one field of a LibTorch-style options struct, e.g.
//
//   struct LinearOptions {
//     LinearOptions(std::size_t in, std::size_t out) : in_features_(in), out_features_(out) {}
//     CGRAD_ARG(std::size_t, in_features);
//     CGRAD_ARG(bool, bias) = true;
//   };
//
// gives a getter `bias()` and a chainable setter `bias(false)` that returns the struct, so
// options read as `LinearOptions(2, 3).bias(false)`. The field itself is `bias_`, and the
// macro leaves the struct's access at private: list the fields last.
#define CGRAD_ARG(type, name)                 \
 public:                                      \
  auto& name(const type& new_value) {         \
    name##_ = new_value;                      \
    return *this;                             \
  }                                           \
  const type& name() const { return name##_; } \
                                              \
 private:                                     \
  type name##_
