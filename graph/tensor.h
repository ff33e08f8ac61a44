#pragma once
// Tensor<T>: a dense, row-major, contiguous array of float or double of rank 0 to
// kMaxRank, with 64-byte aligned storage. A loss is a rank-0 scalar; a batch of features
// [rows, cols]; images [N, C, H, W]. resize() keeps the allocation when it is large
// enough, which is what lets a graph reuse its buffers from one training step to the next.
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
#include "graph/shape.h"

namespace cgrad {

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
[[noreturn, gnu::cold, gnu::noinline]] void throw_too_large(const Shape& shape) {
  throw ValueError(fmt::format("Tensor: a {} {} tensor is too large; it may hold at most {} elements", shape,
                               dtype_name<T>(), kMaxTensorElements<T>));
}

// The shape's element count, refused when the product overflows or exceeds
// kMaxTensorElements (a shape computed from a negative number cast to size_t lands here,
// not in a wild allocation).
template <Real T>
std::size_t checked_element_count(const Shape& shape) {
  std::size_t count = 1;
  for (std::size_t d : shape.dims())
    if (__builtin_mul_overflow(count, d, &count)) [[unlikely]]
      throw_too_large<T>(shape);
  if (count > kMaxTensorElements<T>) [[unlikely]]
    throw_too_large<T>(shape);
  return count;
}
}  // namespace detail

template <Real T>
class Tensor {
 public:
  // An empty [0,0] tensor.
  Tensor() = default;
  // A tensor of `shape` filled with zeros.
  explicit Tensor(const Shape& shape) { resize(shape); fill(T{0}); }
  // A tensor of `shape` from values in row-major order; throws if the count differs.
  Tensor(const Shape& shape, std::initializer_list<T> values) {
    assign(shape, std::span<const T>(values.begin(), values.size()));
  }
  Tensor(const Shape& shape, std::span<const T> values) { assign(shape, values); }
  // The 2-D forms: a rows x cols matrix of zeros, or of the given values.
  Tensor(std::size_t rows, std::size_t cols) : Tensor(Shape{rows, cols}) {}
  Tensor(std::size_t rows, std::size_t cols, std::initializer_list<T> values)
      : Tensor(Shape{rows, cols}, values) {}
  Tensor(std::size_t rows, std::size_t cols, std::span<const T> values) : Tensor(Shape{rows, cols}, values) {}

  Tensor(const Tensor& other) { *this = other; }
  Tensor& operator=(const Tensor& other) {
    if (this != &other) assign(other.shape_, other.span());
    return *this;
  }
  Tensor(Tensor&& other) noexcept { swap(other); }
  Tensor& operator=(Tensor&& other) noexcept {
    swap(other);
    return *this;
  }
  ~Tensor() = default;

  static Tensor full(const Shape& shape, T value) {
    Tensor t;
    t.resize(shape);
    t.fill(value);
    return t;
  }
  static Tensor full(std::size_t rows, std::size_t cols, T value) { return full(Shape{rows, cols}, value); }
  // A rank-0 tensor holding one value.
  static Tensor scalar(T value) { return full(Shape{}, value); }

  const Shape& shape() const { return shape_; }
  std::size_t rank() const { return shape_.rank(); }
  std::size_t dim(std::size_t axis) const { return shape_[axis]; }
  // The matrix view (Shape::rows/cols): for rank 2 the two dimensions.
  std::size_t rows() const { return shape_.rows(); }
  std::size_t cols() const { return shape_.cols(); }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return capacity_; }
  bool empty() const { return size_ == 0; }

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  std::span<T> span() { return {data(), size()}; }
  std::span<const T> span() const { return {data(), size()}; }
  // Element access is unchecked, like std::vector's operator[]: it is the inner loop.
  T& operator[](std::size_t i) { return data_[i]; }
  const T& operator[](std::size_t i) const { return data_[i]; }
  // t(i, j, ...) with one index per dimension, unchecked.
  template <class... Index>
    requires(std::is_convertible_v<Index, std::size_t> && ...)
  T& operator()(Index... index) { return data_[offset(static_cast<std::size_t>(index)...)]; }
  template <class... Index>
    requires(std::is_convertible_v<Index, std::size_t> && ...)
  const T& operator()(Index... index) const { return data_[offset(static_cast<std::size_t>(index)...)]; }
  // The value of a one-element tensor of any rank; throws ShapeError otherwise.
  T item() const {
    if (size_ != 1)
      throw ShapeError(fmt::format("Tensor::item: the tensor is {} with {} elements; item() needs exactly one",
                                   shape_, size_));
    return data_[0];
  }

  // Changes the shape. Contents are unspecified afterwards; no allocation happens
  // when the new size fits the current capacity.
  void resize(const Shape& shape) {
    const std::size_t needed = detail::checked_element_count<T>(shape);
    if (needed > capacity_) {
      data_.reset(static_cast<T*>(::operator new(needed * sizeof(T), std::align_val_t{kTensorAlignment})));
      capacity_ = needed;
    }
    shape_ = shape;
    size_ = needed;
  }
  void resize(std::size_t rows, std::size_t cols) { resize(Shape{rows, cols}); }
  // A new shape with the same number of elements; the contents stay as they are.
  void reshape(const Shape& shape) {
    if (detail::checked_element_count<T>(shape) != size_)
      throw ShapeError(fmt::format("Tensor::reshape: cannot view {} ({} elements) as {}", shape_, size_, shape));
    shape_ = shape;
  }

  void fill(T value) { std::fill_n(data(), size(), value); }

  void assign(const Shape& shape, std::span<const T> values) {
    if (values.size() != detail::checked_element_count<T>(shape))
      throw ShapeError(fmt::format("Tensor: {} values cannot fill a {} tensor", values.size(), shape));
    resize(shape);
    if (!values.empty()) std::memcpy(data(), values.data(), values.size() * sizeof(T));
  }
  void assign(std::size_t rows, std::size_t cols, std::span<const T> values) { assign(Shape{rows, cols}, values); }

  void swap(Tensor& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(shape_, other.shape_);
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

 private:
  template <class... Index>
  std::size_t offset(Index... index) const {
    const std::size_t indices[] = {index...};
    std::size_t at = 0;
    for (std::size_t axis = 0; axis < sizeof...(Index); ++axis) at = at * shape_[axis] + indices[axis];
    return at;
  }
  std::size_t offset() const { return 0; }

  struct AlignedDelete {
    void operator()(T* p) const { ::operator delete(p, std::align_val_t{kTensorAlignment}); }
  };
  std::unique_ptr<T[], AlignedDelete> data_;
  Shape shape_{0, 0};
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace cgrad

// "Tensor[2,3] f32\n[[1, 2, 3],\n [4, 5, 6]]", nested like NumPy for any rank; a scalar
// prints "Tensor[] f64\n2.5". Along every axis longer than six, the first and last three
// entries are shown with "..." between them.
template <cgrad::Real T>
struct fmt::formatter<cgrad::Tensor<T>> : fmt::formatter<std::string_view> {
  template <class Context>
  auto format(const cgrad::Tensor<T>& t, Context& ctx) const {
    auto out = fmt::format_to(ctx.out(), "Tensor{} {}\n", t.shape(), cgrad::dtype_name<T>());
    if (t.rank() == 0) return fmt::format_to(out, "{:.6g}", t[0]);
    return write(out, t, 0, 0);
  }

 private:
  static constexpr std::size_t kShown = 6;
  static constexpr std::size_t kEdge = kShown / 2;
  static bool visible(std::size_t i, std::size_t n) { return n <= kShown || i < kEdge || i >= n - kEdge; }

  template <class Out>
  static Out write(Out out, const cgrad::Tensor<T>& t, std::size_t axis, std::size_t offset) {
    const std::size_t n = t.dim(axis);
    const std::size_t stride = t.shape().stride(axis);
    const bool innermost = axis + 1 == t.rank();
    out = fmt::format_to(out, "[");
    for (std::size_t i = 0; i < n; ++i) {
      if (!visible(i, n)) {
        if (i == kEdge && innermost) out = fmt::format_to(out, "..., ");
        if (i == kEdge && !innermost) out = fmt::format_to(out, "...,\n{:{}}", "", axis + 1);
        continue;
      }
      if (innermost) {
        out = fmt::format_to(out, "{:.6g}", t[offset + i]);
      } else {
        out = write(out, t, axis + 1, offset + i * stride);
      }
      if (i + 1 < n) out = innermost ? fmt::format_to(out, ", ") : fmt::format_to(out, ",\n{:{}}", "", axis + 1);
    }
    return fmt::format_to(out, "]");
  }
};
