#include "ops/linalg/matmul.h"

#include <algorithm>
#include <cstdint>

#include <tbb/parallel_for.h>

#include "ops/kernels/gemm.h"
#include "ops/kernels/gemm_paths.h"
#include "ops/loop.h"
#include "ops/op_support.h"

namespace cgrad {
namespace {

// What one node's product looks like: batch axes with each operand's matrix strides.
struct Batched {
  std::size_t m = 0, k = 0, n = 0;
  std::size_t count = 1;        // matrices in the output batch
  bool b_shared = false;        // b has no batch of its own: fold a's batch into rows
  detail::Loop<3> loop;         // over the batch: output, a, b (in matrices, not elements)
};

Shape batch_of(const Shape& s) {
  Shape batch;
  for (std::size_t axis = 0; axis + 2 < s.rank(); ++axis) batch.push_back(s[axis]);
  return batch;
}

Batched describe(const Shape& a, const Shape& b, const Shape& out) {
  Batched p;
  p.m = a[a.rank() - 2];
  p.k = a[a.rank() - 1];
  p.n = b[b.rank() - 1];
  const Shape batch_a = batch_of(a), batch_b = batch_of(b), batch = batch_of(out);
  p.count = batch.size();
  p.b_shared = batch_b.size() == 1 && batch_a == batch;
  p.loop = detail::make_loop<3>(batch, {&batch, &batch_a, &batch_b});
  return p;
}

// Calls body(i, out_index, a_index, b_index) for every matrix of the output batch, in
// batch order: the indices count matrices of each operand.
template <class Body>
void for_each_matrix(const Batched& p, const Body& body) {
  std::size_t i = 0;
  detail::for_each_run(p.loop, [&](const auto& offset, const auto& step, std::size_t count) {
    for (std::size_t j = 0; j < count; ++j, ++i) body(i, offset[0] + j * step[0], offset[1] + j * step[1],
                                                     offset[2] + j * step[2]);
  });
}

// Independent products in parallel when each is too small to use both cores itself (so no
// GEMM waits inside a task and steals another: the packing scratch is per thread). Each
// output matrix is written by one task: the result does not depend on the thread count.
template <class Product>
void run_batch(std::size_t count, std::size_t work_per_product, const Product& product) {
  using detail::kGemmParallelCutoff;  // the GEMM's own threshold for splitting one product
  if (count > 1 && work_per_product < kGemmParallelCutoff && count * work_per_product >= kGemmParallelCutoff / 4) {
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, count, 1),
                      [&](const tbb::blocked_range<std::size_t>& r) {
                        for (std::size_t i = r.begin(); i < r.end(); ++i) product(i);
                      },
                      tbb::simple_partitioner());
  } else {
    for (std::size_t i = 0; i < count; ++i) product(i);
  }
}

template <Real T>
void forward(const Graph<T>& graph, Node<T>& node) {
  const Tensor<T>& a = graph.value(node.inputs[0]);
  const Tensor<T>& b = graph.value(node.inputs[1]);
  const Batched p = describe(a.shape(), b.shape(), node.value.shape());
  if (p.b_shared) {  // one product: [batch * m, k] · [k, n]
    gemm<T>({p.count * p.m, p.n, p.k},
            {.a = a.data(), .lda = p.k, .b = b.data(), .ldb = p.n, .c = node.value.data(), .ldc = p.n});
    return;
  }
  // Each product's (output, a, b) matrix, kept in the node for backward: the node's
  // vector keeps its capacity, so a steady training step allocates nothing here.
  node.indices.resize(3 * p.count);
  for_each_matrix(p, [&](std::size_t i, std::size_t o, std::size_t ia, std::size_t ib) {
    node.indices[3 * i] = static_cast<std::int64_t>(o);
    node.indices[3 * i + 1] = static_cast<std::int64_t>(ia);
    node.indices[3 * i + 2] = static_cast<std::int64_t>(ib);
  });
  const auto index = [&](std::size_t i, std::size_t which) { return static_cast<std::size_t>(node.indices[3 * i + which]); };
  run_batch(p.count, p.m * p.n * p.k, [&](std::size_t i) {
    gemm<T>({p.m, p.n, p.k}, {.a = a.data() + index(i, 1) * p.m * p.k, .lda = p.k,
                              .b = b.data() + index(i, 2) * p.k * p.n, .ldb = p.n,
                              .c = node.value.data() + index(i, 0) * p.m * p.n, .ldc = p.n});
  });
}

template <Real T>
void backward(Graph<T>& graph, const Node<T>& node) {
  const Tensor<T>& a = graph.value(node.inputs[0]);
  const Tensor<T>& b = graph.value(node.inputs[1]);
  const Tensor<T>& dy = node.output_grad();
  const Batched p = describe(a.shape(), b.shape(), node.value.shape());
  const std::size_t m = p.m, k = p.k, n = p.n;
  GradOut<T> da = graph.grad_out(node.inputs[0]);
  if (p.b_shared) {
    if (da) {  // dA = dY · Bᵀ, all rows at once
      gemm<T>({p.count * m, k, n}, {.a = dy.data(), .lda = n, .b = b.data(), .ldb = n, .transpose_b = true,
                                    .c = da.tensor->data(), .ldc = k, .accumulate = da.accumulate});
    }
    if (GradOut<T> db = graph.grad_out(node.inputs[1])) {  // dB = Aᵀ · dY, summed over the batch by the GEMM
      gemm<T>({k, n, p.count * m}, {.a = a.data(), .lda = k, .transpose_a = true, .b = dy.data(), .ldb = n,
                                    .c = db.tensor->data(), .ldc = n, .accumulate = db.accumulate});
    }
    return;
  }
  const auto index = [&](std::size_t i, std::size_t which) { return static_cast<std::size_t>(node.indices[3 * i + which]); };
  // An operand repeated across the batch gathers a sum over it: those products run in
  // batch order, one after another, into a zeroed gradient.
  const bool a_repeated = a.size() / std::max<std::size_t>(m * k, 1) < p.count;
  const bool b_repeated = b.size() / std::max<std::size_t>(k * n, 1) < p.count;
  if (da) {
    if (a_repeated && !da.accumulate) da.tensor->fill(T{0});
    auto product = [&](std::size_t i) {
      gemm<T>({m, k, n}, {.a = dy.data() + index(i, 0) * m * n, .lda = n, .b = b.data() + index(i, 2) * k * n,
                          .ldb = n, .transpose_b = true, .c = da.tensor->data() + index(i, 1) * m * k, .ldc = k,
                          .accumulate = da.accumulate || a_repeated});
    };
    if (a_repeated) {
      for (std::size_t i = 0; i < p.count; ++i) product(i);
    } else {
      run_batch(p.count, m * n * k, product);
    }
  }
  if (GradOut<T> db = graph.grad_out(node.inputs[1])) {
    if (b_repeated && !db.accumulate) db.tensor->fill(T{0});
    auto product = [&](std::size_t i) {
      gemm<T>({k, n, m}, {.a = a.data() + index(i, 1) * m * k, .lda = k, .transpose_a = true,
                          .b = dy.data() + index(i, 0) * m * n, .ldb = n,
                          .c = db.tensor->data() + index(i, 2) * k * n, .ldc = n,
                          .accumulate = db.accumulate || b_repeated});
    };
    if (b_repeated) {
      for (std::size_t i = 0; i < p.count; ++i) product(i);
    } else {
      run_batch(p.count, m * n * k, product);
    }
  }
}

}  // namespace

template <Real T>
const OpInfo<T>& matmul_op() {
  static constexpr OpInfo<T> info{"MatMul", &forward<T>, &backward<T>};
  return info;
}

template <Real T>
Var<T> matmul(Var<T> a, Var<T> b, std::source_location where) {
  Graph<T>& graph = detail::graph_of("MatMul", a, b);
  const Shape& sa = graph.value(a.index()).shape();
  const Shape& sb = graph.value(b.index()).shape();
  if (sa.rank() < 2 || sb.rank() < 2)
    throw ShapeError(fmt::format("MatMul: cannot multiply {} by {}; both operands need rank >= 2 (unsqueeze a vector)",
                                 sa, sb));
  if (sa[sa.rank() - 1] != sb[sb.rank() - 2])
    throw ShapeError(fmt::format("MatMul: cannot multiply {} by {}", sa, sb));
  Shape out;
  try {
    out = detail::broadcast_shapes("MatMul", batch_of(sa), batch_of(sb));
  } catch (const ShapeError&) {
    throw ShapeError(fmt::format("MatMul: cannot broadcast the batch axes of {} and {}", sa, sb));
  }
  out.push_back(sa[sa.rank() - 2]);
  out.push_back(sb[sb.rank() - 1]);
  return graph.finish(graph.begin(matmul_op<T>(), {a, b}, out, where));
}

template Var<float> matmul(Var<float>, Var<float>, std::source_location);
template Var<double> matmul(Var<double>, Var<double>, std::source_location);
template const OpInfo<float>& matmul_op();
template const OpInfo<double>& matmul_op();

}  // namespace cgrad
