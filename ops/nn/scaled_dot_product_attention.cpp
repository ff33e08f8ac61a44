#include "ops/nn/scaled_dot_product_attention.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include <tbb/parallel_for.h>

#include "ops/index/index_support.h"
#include "ops/kernels/gemm.h"
#include "ops/kernels/gemm_paths.h"
#include "ops/kernels/vector_math.h"
#include "ops/loop.h"
#include "ops/op_support.h"
#include "ops/scratch.h"

namespace cgrad {
namespace {

constexpr std::string_view kOp = "ScaledDotProductAttention";
struct AttentionScratch;  // the tag of its backward's buffer (ops/scratch.h)

// The node's arguments: flags in ints, the scale in reals, the boolean mask's shape in
// params.shape and its values (0 or 1) in node.indices.
enum Slot : std::size_t { kCausal = 0, kHasMask = 1, kDropout = 2, kHeads = 3 };
enum RealSlot : std::size_t { kScale = 0 };

// Sizes of one node's problem, from its inputs' shapes: `count` matrices of each kind,
// matrix b being head b % heads of sequence b / heads. A head's rows are the `width` (or
// `value_width`) columns of its sequence's rows from column head · width, so the row
// strides are heads times the widths (1 head: plain contiguous matrices).
struct Dims {
  std::size_t count = 1, heads = 1, queries = 0, keys = 0, width = 0, value_width = 0;
  std::size_t weights() const { return queries * keys; }  // of one batch matrix
  std::size_t qk_stride() const { return heads * width; }         // between rows of q and k
  std::size_t v_stride() const { return heads * value_width; }    // of v and the output
  std::size_t q_offset(std::size_t b) const { return b / heads * queries * qk_stride() + b % heads * width; }
  std::size_t k_offset(std::size_t b) const { return b / heads * keys * qk_stride() + b % heads * width; }
  std::size_t v_offset(std::size_t b) const { return b / heads * keys * v_stride() + b % heads * value_width; }
  std::size_t out_offset(std::size_t b) const {
    return b / heads * queries * v_stride() + b % heads * value_width;
  }
};

// `heads` as AttentionOptions::heads: 0 for the plain form.
Dims dims_of(const Shape& q, const Shape& v, std::size_t heads) {
  Dims d;
  const std::size_t rank = q.rank();
  for (std::size_t axis = 0; axis + 2 < rank; ++axis) d.count *= q[axis];
  d.heads = std::max<std::size_t>(heads, 1);
  d.count *= d.heads;
  d.queries = q[rank - 2];
  d.width = q[rank - 1] / d.heads;
  d.keys = v[rank - 2];
  d.value_width = v[rank - 1] / d.heads;
  return d;
}

// The scores' shape: [B...,L,S], or [B...,H,L,S] with heads side by side (ShapeError past
// kMaxRank).
Shape scores_shape(const Shape& q, const Shape& k, std::size_t heads) {
  const std::size_t rank = q.rank();
  Shape scores(q.dims().first(rank - 2));
  if (heads > 0) scores.push_back(heads);
  scores.push_back(q[rank - 2]);
  scores.push_back(k[rank - 2]);
  return scores;
}

// Where the boolean mask's element for (batch matrix b, query i, key j) is: the mask
// broadcast to the scores [B...,L,S] has stride 0 along its size-1 (or missing) axes.
struct MaskWalk {
  MaskWalk() = default;
  std::array<std::size_t, kMaxRank> batch_sizes{}, batch_strides{};
  std::size_t batch_rank = 0, row_stride = 0, col_stride = 0;

  MaskWalk(const Shape& mask, const Shape& scores) {
    const std::size_t rank = scores.rank(), pad = rank - mask.rank();
    std::array<std::size_t, kMaxRank> strides{};
    std::size_t stride = 1;
    for (std::size_t axis = rank; axis-- > 0;) {
      const std::size_t size = axis < pad ? 1 : mask[axis - pad];
      strides[axis] = size == 1 ? 0 : stride;
      stride *= size;
    }
    batch_rank = rank - 2;
    for (std::size_t axis = 0; axis < batch_rank; ++axis) {
      batch_sizes[axis] = scores[axis];
      batch_strides[axis] = strides[axis];
    }
    row_stride = strides[rank - 2];
    col_stride = strides[rank - 1];
  }
  std::size_t batch_offset(std::size_t b) const {
    std::size_t offset = 0;
    for (std::size_t axis = batch_rank; axis-- > 0;) {
      offset += (b % batch_sizes[axis]) * batch_strides[axis];
      b /= batch_sizes[axis];
    }
    return offset;
  }
};

// One query's weights in place: the raw scores row[0..keys) become softmax(scale * score)
// over the keys that take part (those before `visible` for which allowed(j)); the others
// get 0, and so does every key when none takes part. A key left out is first set to -inf,
// so that the max, exp and sum below are branch-free loops over kLanes independent lanes
// (combined in a fixed order): they vectorize and round the same way every time.
// A NaN score makes the row NaN: the max passes NaNs over (a NaN test in it kept GCC
// from vectorizing the loop; perf: the scalar max made this op's forward 6% of a
// TransformerBlock step), but the exp of the NaN then makes the sum, and so every weight,
// NaN, unless no other key takes part, which the all-masked branch checks for.
template <Real T, class Allowed>
void softmax_row(T* row, std::size_t keys, std::size_t visible, T scale, const Allowed& allowed) {
  constexpr std::size_t kLanes = 8;
  constexpr T kMinusInf = -std::numeric_limits<T>::infinity();
  for (std::size_t j = 0; j < visible; ++j) row[j] = allowed(j) ? row[j] * scale : kMinusInf;
  const std::size_t blocked = visible - visible % kLanes;
  std::array<T, kLanes> top;
  top.fill(kMinusInf);
  for (std::size_t j = 0; j < blocked; j += kLanes)
    for (std::size_t l = 0; l < kLanes; ++l) top[l] = row[j + l] > top[l] ? row[j + l] : top[l];
  for (std::size_t j = blocked; j < visible; ++j) top[j % kLanes] = row[j] > top[j % kLanes] ? row[j] : top[j % kLanes];
  T m = top[0];
  for (std::size_t l = 1; l < kLanes; ++l) m = top[l] > m ? top[l] : m;
  if (m == kMinusInf) {  // no key takes part (weights 0), or the only ones are NaN
    const bool any_nan = std::any_of(row, row + visible, [](T s) { return s != s; });
    std::fill(row, row + visible, any_nan ? std::numeric_limits<T>::quiet_NaN() : T{0});
    std::fill(row + visible, row + keys, T{0});
    return;
  }
  std::array<T, kLanes> sum{};
  for (std::size_t j = 0; j < blocked; j += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) {
      const T e = detail::exp_nonpositive(row[j + l] - m);  // exp(-inf) = 0 for a key left out
      row[j + l] = e;
      sum[l] += e;
    }
  }
  for (std::size_t j = blocked; j < visible; ++j) {
    const T e = detail::exp_nonpositive(row[j] - m);
    row[j] = e;
    sum[j % kLanes] += e;
  }
  T total = T{0};
  for (T lane : sum) total += lane;
  const T inverse = T{1} / total;
  for (std::size_t j = 0; j < visible; ++j) row[j] *= inverse;
  std::fill(row + visible, row + keys, T{0});
}

// Runs task(b) for every batch matrix. In parallel (one task per matrix, so each output is
// written by one thread in a fixed order) when every product of a matrix is below the
// GEMM's own parallel cutoff: then no GEMM inside a task spawns work and steals another
// task onto the same thread's scratch. Larger products run one after another, each GEMM
// parallel by itself.
template <class Task>
void for_each_matrix(const Dims& d, const Task& task) {
  const std::size_t product = d.weights() * std::max({d.width, d.value_width, std::size_t{1}});
  const bool parallel = d.count > 1 && product < detail::kGemmParallelCutoff &&
                        d.count * product >= detail::kGemmParallelCutoff / 8;
  if (parallel) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, d.count, 1),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t b = r.begin(); b < r.end(); ++b) task(b);
                      },
                      tbb::simple_partitioner());
  } else {
    for (std::size_t b = 0; b < d.count; ++b) task(b);
  }
}

// P = softmax(scale · q·kᵀ, masked) into node.saved; with dropout, the mask drawn into the
// second half of node.saved becomes the dropped weights P∘M there (forward runs once per
// node); output = (dropped) P · v.
template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& q = graph.value(node.inputs[0]);
  const Tensor<T>& k = graph.value(node.inputs[1]);
  const Tensor<T>& v = graph.value(node.inputs[2]);
  const auto heads = static_cast<std::size_t>(node.params.ints[kHeads]);
  const Dims d = dims_of(q.shape(), v.shape(), heads);
  const T scale = static_cast<T>(node.params.reals[kScale]);
  const bool causal = node.params.ints[kCausal] != 0;
  const bool has_mask = node.params.ints[kHasMask] != 0;
  const bool dropout = node.params.ints[kDropout] != 0;
  const MaskWalk walk = has_mask ? MaskWalk(node.params.shape, scores_shape(q.shape(), k.shape(), heads)) : MaskWalk();
  T* weights = node.saved.data();
  T* dropped = dropout ? weights + d.count * d.weights() : nullptr;
  for_each_matrix(d, [&](std::size_t b) {
    T* p = weights + b * d.weights();
    gemm<T>({d.queries, d.keys, d.width}, {.a = q.data() + d.q_offset(b), .lda = d.qk_stride(),
                                           .b = k.data() + d.k_offset(b), .ldb = d.qk_stride(), .transpose_b = true,
                                           .c = p, .ldc = d.keys});
    const std::int64_t* mask = has_mask ? node.indices.data() + walk.batch_offset(b) : nullptr;
    for (std::size_t i = 0; i < d.queries; ++i) {
      T* row = p + i * d.keys;
      const std::size_t visible = causal ? std::min(i + 1, d.keys) : d.keys;
      if (has_mask) {
        const std::int64_t* m = mask + i * walk.row_stride;
        softmax_row(row, d.keys, visible, scale, [&](std::size_t j) { return m[j * walk.col_stride] != 0; });
      } else {
        softmax_row(row, d.keys, visible, scale, [](std::size_t) { return true; });
      }
    }
    const T* used = p;
    if (dropout) {
      T* pd = dropped + b * d.weights();
      for (std::size_t j = 0; j < d.weights(); ++j) pd[j] *= p[j];
      used = pd;
    }
    gemm<T>({d.queries, d.value_width, d.keys},
            {.a = used, .lda = d.keys, .b = v.data() + d.v_offset(b), .ldb = d.v_stride(),
             .c = node.value.data() + d.out_offset(b), .ldc = d.v_stride()});
  });
}

// With Pd the weights that multiplied v (P, or P∘M under dropout) and O the output:
//   dV = Pdᵀ·dO,  G = dO·vᵀ,  dS = scale · (Pd∘G − P · rowsum(dO∘O)),  dQ = dS·k,  dK = dSᵀ·q.
// (Pd∘G is P∘(M∘G), and rowsum(dO∘O) = rowsum(Pd∘G): the softmax's backward through the
// dropout.) Only the weights are read back; q, k and v are the inputs themselves.
template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Tensor<T>& q = graph.value(node.inputs[0]);
  const Tensor<T>& k = graph.value(node.inputs[1]);
  const Tensor<T>& v = graph.value(node.inputs[2]);
  const Dims d = dims_of(q.shape(), v.shape(), static_cast<std::size_t>(node.params.ints[kHeads]));
  const T scale = static_cast<T>(node.params.reals[kScale]);
  const T* weights = node.saved.data();
  const T* dropped = node.params.ints[kDropout] != 0 ? weights + d.count * d.weights() : weights;
  const T* dout = node.output_grad().data();
  const T* out = node.value.data();
  // Asked for in the order each task writes them (q, k, v): when two inputs are one node,
  // its first write per matrix overwrites and the second adds, in every task alike.
  const GradOut<T> dq = graph.grad_out(node.inputs[0]);
  const GradOut<T> dk = graph.grad_out(node.inputs[1]);
  const GradOut<T> dv = graph.grad_out(node.inputs[2]);
  for_each_matrix(d, [&](std::size_t b) {
    const T* p = weights + b * d.weights();
    const T* pd = dropped + b * d.weights();
    const T* dob = dout + d.out_offset(b);
    const std::size_t ldo = d.v_stride();  // of dob and ob
    if (dq || dk) {
      // G, then dS in place, in per-thread scratch (ops/scratch.h).
      T* ds = detail::op_scratch<AttentionScratch, T>(d.weights());
      gemm<T>({d.queries, d.keys, d.value_width},
              {.a = dob, .lda = ldo, .b = v.data() + d.v_offset(b), .ldb = d.v_stride(), .transpose_b = true,
               .c = ds, .ldc = d.keys});
      const T* ob = out + d.out_offset(b);
      for (std::size_t i = 0; i < d.queries; ++i) {
        T dot = T{0};
        for (std::size_t e = 0; e < d.value_width; ++e) dot += dob[i * ldo + e] * ob[i * ldo + e];
        T* row = ds + i * d.keys;
        const T* p_row = p + i * d.keys;
        const T* pd_row = pd + i * d.keys;
        for (std::size_t j = 0; j < d.keys; ++j) row[j] = scale * (pd_row[j] * row[j] - p_row[j] * dot);
      }
      if (dq) {
        gemm<T>({d.queries, d.width, d.keys},
                {.a = ds, .lda = d.keys, .b = k.data() + d.k_offset(b), .ldb = d.qk_stride(),
                 .c = dq.tensor->data() + d.q_offset(b), .ldc = d.qk_stride(), .accumulate = dq.accumulate});
      }
      if (dk) {
        gemm<T>({d.keys, d.width, d.queries},
                {.a = ds, .lda = d.keys, .transpose_a = true, .b = q.data() + d.q_offset(b), .ldb = d.qk_stride(),
                 .c = dk.tensor->data() + d.k_offset(b), .ldc = d.qk_stride(), .accumulate = dk.accumulate});
      }
    }
    if (dv) {
      gemm<T>({d.keys, d.value_width, d.queries},
              {.a = pd, .lda = d.keys, .transpose_a = true, .b = dob, .ldb = ldo,
               .c = dv.tensor->data() + d.v_offset(b), .ldc = d.v_stride(), .accumulate = dv.accumulate});
    }
  });
}

// "[2,3,4]" for each of q, k and v, for messages.
std::string shapes_of(const Shape& q, const Shape& k, const Shape& v) {
  return fmt::format("q {}, k {}, v {}", q, k, v);
}

void check_shapes(const Shape& q, const Shape& k, const Shape& v, std::size_t heads) {
  if (q.rank() < 2 || k.rank() < 2 || v.rank() < 2)
    throw ShapeError(fmt::format("{}: q, k and v need rank >= 2 ([B...,L,E], [B...,S,E], [B...,S,Ev]); got {}", kOp,
                                 shapes_of(q, k, v)));
  if (q.rank() != k.rank() || q.rank() != v.rank())
    throw ShapeError(fmt::format("{}: q, k and v need the same batch axes B...; got {}", kOp, shapes_of(q, k, v)));
  const std::size_t rank = q.rank();
  for (std::size_t axis = 0; axis + 2 < rank; ++axis)
    if (q[axis] != k[axis] || q[axis] != v[axis])
      throw ShapeError(fmt::format("{}: q, k and v need the same batch axes B...; got {}", kOp, shapes_of(q, k, v)));
  if (q[rank - 1] != k[rank - 1])
    throw ShapeError(fmt::format("{}: q [B...,L,E] and k [B...,S,E] need the same width E; got {}", kOp,
                                 shapes_of(q, k, v)));
  if (k[rank - 2] != v[rank - 2])
    throw ShapeError(fmt::format("{}: k [B...,S,E] and v [B...,S,Ev] need the same number of keys S; got {}", kOp,
                                 shapes_of(q, k, v)));
  if (heads > 0 && rank == kMaxRank)
    throw ShapeError(fmt::format("{}: with heads side by side the scores [B...,H,L,S] take an axis more than q; q "
                                 "may have rank at most {}; got {}", kOp, kMaxRank - 1, shapes_of(q, k, v)));
  if (heads > 0 && (q[rank - 1] % heads != 0 || v[rank - 1] % heads != 0))
    throw ShapeError(fmt::format("{}: with {} heads side by side, the widths of q and v must be multiples of {}; got {}",
                                 kOp, heads, heads, shapes_of(q, k, v)));
}

}  // namespace

template <Real T>
const OpInfo<T>& scaled_dot_product_attention_op() {
  static constexpr OpInfo<T> info{kOp, &forward<T>, &backward<T>};
  return info;
}

namespace detail {

template <Real T>
Node<T>& attention_begin(Var<T> q, Var<T> k, Var<T> v, const AttentionOptions& options, std::source_location where) {
  Graph<T>& graph = graph_of(kOp, q, k);
  graph.check(v, kOp);
  const Shape& sq = graph.value(q.index()).shape();
  const Shape& sk = graph.value(k.index()).shape();
  const Shape& sv = graph.value(v.index()).shape();
  check_shapes(sq, sk, sv, options.heads);
  const std::size_t rank = sq.rank();
  const Shape scores = scores_shape(sq, sk, options.heads);
  if (options.mask) {
    const AttentionMask& mask = *options.mask;
    if (mask.values.size() != mask.shape.size())
      throw ShapeError(fmt::format("{}: {} mask values cannot fill the mask shape {} ({} elements)", kOp,
                                   mask.values.size(), mask.shape, mask.shape.size()));
    if (!broadcasts_to(mask.shape, scores))
      throw ShapeError(fmt::format("{}: the mask {} does not broadcast to the scores {} = {} ({})", kOp,
                                   mask.shape, options.heads > 0 ? "[B...,H,L,S]" : "[B...,L,S]", scores,
                                   shapes_of(sq, sk, sv)));
  }
  if (!(options.dropout_p >= 0 && options.dropout_p <= 1))  // also refuses NaN
    throw ValueError(fmt::format("{}: dropout_p must be in [0, 1], got {}", kOp, options.dropout_p));
  const std::size_t width = sq[rank - 1] / std::max<std::size_t>(options.heads, 1);  // of one head
  const double scale = options.scale ? *options.scale : (width > 0 ? 1.0 / std::sqrt(static_cast<double>(width)) : 1.0);
  if (!std::isfinite(scale)) throw ValueError(fmt::format("{}: the scale must be finite, got {}", kOp, scale));

  Shape out = sq;
  out[rank - 1] = sv[rank - 1];
  Node<T>& node = graph.begin(scaled_dot_product_attention_op<T>(), {q, k, v}, out, where);
  node.params.ints[kCausal] = options.causal ? 1 : 0;
  node.params.ints[kHasMask] = options.mask ? 1 : 0;
  node.params.ints[kDropout] = options.dropout_p > 0 ? 1 : 0;
  node.params.ints[kHeads] = static_cast<std::int64_t>(options.heads);
  node.params.reals[kScale] = scale;
  if (options.mask) {
    node.params.shape = options.mask->shape;
    store_mask(node.indices, options.mask->values);
  }
  node.saved.resize(Shape{(options.dropout_p > 0 ? 2 : 1) * scores.size()});
  return node;
}

template <Real T>
std::span<T> attention_dropout_mask(Node<T>& node) {
  if (node.params.ints[kDropout] == 0) return {};
  const std::size_t half = node.saved.size() / 2;
  return {node.saved.data() + half, half};
}

template <Real T>
Var<T> attention_finish(Var<T> q, Node<T>& node) {
  return q.graph()->finish(node);
}

template Node<float>& attention_begin(Var<float>, Var<float>, Var<float>, const AttentionOptions&,
                                      std::source_location);
template Node<double>& attention_begin(Var<double>, Var<double>, Var<double>, const AttentionOptions&,
                                       std::source_location);
template std::span<float> attention_dropout_mask(Node<float>&);
template std::span<double> attention_dropout_mask(Node<double>&);
template Var<float> attention_finish(Var<float>, Node<float>&);
template Var<double> attention_finish(Var<double>, Node<double>&);

}  // namespace detail

template <Real T>
Var<T> scaled_dot_product_attention(Var<T> q, Var<T> k, Var<T> v, const AttentionOptions& options,
                                    std::source_location where) {
  if (options.dropout_p != 0)
    throw ValueError(fmt::format("{}: dropout_p {} needs a random generator: call the overload that takes an rng",
                                 kOp, options.dropout_p));
  return detail::attention_finish(q, detail::attention_begin(q, k, v, options, where));
}

template Var<float> scaled_dot_product_attention(Var<float>, Var<float>, Var<float>, const AttentionOptions&,
                                                 std::source_location);
template Var<double> scaled_dot_product_attention(Var<double>, Var<double>, Var<double>, const AttentionOptions&,
                                                  std::source_location);
template const OpInfo<float>& scaled_dot_product_attention_op();
template const OpInfo<double>& scaled_dot_product_attention_op();

}  // namespace cgrad
