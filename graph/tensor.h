#pragma once
// Tensor<T>: a dense, row-major matrix of float or double with 64-byte aligned storage.
// Every value in cgrad is two-dimensional: a batch is [rows, cols], a bias [1, n], a
// scalar loss [1, 1]. resize() keeps the allocation when it is large enough, which is
// what lets a graph reuse its buffers from one training step to the next.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <new>
#include <span>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

#include "graph/error.h"

namespace cgrad {

struct Shape {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::size_t size() const { return rows * cols; }
  friend bool operator==(const Shape&, const Shape&) = default;
};

template <class T>
concept Real = std::is_same_v<T, float> || std::is_same_v<T, double>;

template <Real T>
constexpr std::string_view dtype_name() {
  return std::is_same_v<T, float> ? "f32" : "f64";
}

// Cache-line alignment: what vector loads and the GEMM's packing want.
inline constexpr std::size_t kTensorAlignment = 64;

// The most elements a Tensor<T> may hold: its size in bytes must fit a ptrdiff_t, as for
// any C++ array.
template <Real T>
inline constexpr std::size_t kMaxTensorElements = static_cast<std::size_t>(PTRDIFF_MAX) / sizeof(T);

namespace detail {
// Out of line and cold, so that resize(), on every node's path, stays small.
template <Real T>
[[noreturn, gnu::cold, gnu::noinline]] void throw_too_large(std::size_t rows, std::size_t cols) {
  throw ValueError(fmt::format("Tensor: a [{},{}] {} tensor is too large; rows * cols must be at most {}", rows,
                               cols, dtype_name<T>(), kMaxTensorElements<T>));
}

// rows * cols, refused when the product overflows or exceeds kMaxTensorElements (a shape
// computed from a negative number cast to size_t lands here, not in a wild allocation).
template <Real T>
std::size_t checked_element_count(std::size_t rows, std::size_t cols) {
  std::size_t count = 0;
  if (__builtin_mul_overflow(rows, cols, &count) || count > kMaxTensorElements<T>) [[unlikely]]
    throw_too_large<T>(rows, cols);
  return count;
}
}  // namespace detail

template <Real T>
class Tensor {
 public:
  Tensor() = default;
  // A rows x cols tensor filled with zeros.
  Tensor(std::size_t rows, std::size_t cols) { resize(rows, cols); fill(T{0}); }
  Tensor(Shape shape) : Tensor(shape.rows, shape.cols) {}
  // A rows x cols tensor from values in row-major order; throws if the count differs.
  Tensor(std::size_t rows, std::size_t cols, std::initializer_list<T> values) {
    assign(rows, cols, std::span<const T>(values.begin(), values.size()));
  }
  Tensor(std::size_t rows, std::size_t cols, std::span<const T> values) {
    assign(rows, cols, values);
  }

  Tensor(const Tensor& other) { *this = other; }
  Tensor& operator=(const Tensor& other) {
    if (this != &other) assign(other.rows_, other.cols_, other.span());
    return *this;
  }
  Tensor(Tensor&& other) noexcept { swap(other); }
  Tensor& operator=(Tensor&& other) noexcept {
    swap(other);
    return *this;
  }
  ~Tensor() = default;

  static Tensor full(std::size_t rows, std::size_t cols, T value) {
    Tensor t;
    t.resize(rows, cols);
    t.fill(value);
    return t;
  }

  std::size_t rows() const { return rows_; }
  std::size_t cols() const { return cols_; }
  Shape shape() const { return {rows_, cols_}; }
  std::size_t size() const { return rows_ * cols_; }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return size() == 0; }

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  std::span<T> span() { return {data(), size()}; }
  std::span<const T> span() const { return {data(), size()}; }
  // Element access is unchecked, like std::vector's operator[]: it is the inner loop.
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  T& operator()(std::size_t row, std::size_t col) { return data_[row * cols_ + col]; }
  const T& operator()(std::size_t row, std::size_t col) const { return data_[row * cols_ + col]; }

  // Changes the shape. Contents are unspecified afterwards; no allocation happens
  // when the new size fits the current capacity.
  void resize(std::size_t rows, std::size_t cols) {
    const std::size_t needed = detail::checked_element_count<T>(rows, cols);
    if (needed > capacity_) {
      data_.reset(static_cast<T*>(
          ::operator new(needed * sizeof(T), std::align_val_t{kTensorAlignment})));
      capacity_ = needed;
    }
    rows_ = rows;
    cols_ = cols;
  }
  void resize(Shape shape) { resize(shape.rows, shape.cols); }

  void fill(T value) { std::fill_n(data(), size(), value); }

  void assign(std::size_t rows, std::size_t cols, std::span<const T> values) {
    if (values.size() != detail::checked_element_count<T>(rows, cols))
      throw ShapeError(fmt::format("Tensor: {} values cannot fill a [{},{}] tensor",
                                   values.size(), rows, cols));
    resize(rows, cols);
    if (!values.empty()) std::memcpy(data(), values.data(), values.size() * sizeof(T));
  }

  void swap(Tensor& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(rows_, other.rows_);
    std::swap(cols_, other.cols_);
    std::swap(capacity_, other.capacity_);
  }

 private:
  struct AlignedDelete {
    void operator()(T* p) const { ::operator delete(p, std::align_val_t{kTensorAlignment}); }
  };
  std::unique_ptr<T[], AlignedDelete> data_;
  std::size_t rows_ = 0;
  std::size_t cols_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace cgrad

// "[300,2]"
template <>
struct fmt::formatter<cgrad::Shape> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const cgrad::Shape& s, Context& ctx) const {
    return fmt::format_to(ctx.out(), "[{},{}]", s.rows, s.cols);
  }
};

// "Tensor[2,3] f32\n[[1, 2, 3],\n [4, 5, 6]]"; rows and columns beyond six are elided
// with "...", keeping the first and last three.
template <cgrad::Real T>
struct fmt::formatter<cgrad::Tensor<T>> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const cgrad::Tensor<T>& t, Context& ctx) const {
    constexpr std::size_t kShown = 6;
    constexpr std::size_t kEdge = kShown / 2;
    auto out = fmt::format_to(ctx.out(), "Tensor{} {}\n[", t.shape(), cgrad::dtype_name<T>());
    auto visible = [](std::size_t i, std::size_t n) { return n <= kShown || i < kEdge || i >= n - kEdge; };
    for (std::size_t r = 0; r < t.rows(); ++r) {
      if (!visible(r, t.rows())) {
        if (r == kEdge) out = fmt::format_to(out, " ...,\n");
        continue;
      }
      out = fmt::format_to(out, "{}[", r == 0 ? "" : " ");
      for (std::size_t c = 0; c < t.cols(); ++c) {
        if (!visible(c, t.cols())) {
          if (c == kEdge) out = fmt::format_to(out, "..., ");
          continue;
        }
        out = fmt::format_to(out, "{:.6g}{}", t(r, c), c + 1 < t.cols() ? ", " : "");
      }
      out = fmt::format_to(out, "]{}", r + 1 < t.rows() ? ",\n" : "");
    }
    return fmt::format_to(out, "]");
  }
};
