#pragma once
// The inner loops of every GEMM path, written once over a vector type V and compiled by
// each ISA's file (gemm_avx512.cpp, gemm_avx2.cpp, gemm_portable.cpp) with its own target
// options. V supplies: T, Reg, lanes, zero, load, load_part, store, store_part, bcast,
// fma(a, b, c) = a * b + c (one rounding with the AVX intrinsics, two in the portable
// kernels), sum (a fixed-order horizontal add) and relu (relu_value of each lane: x < 0 ?
// 0 : x, a NaN and -0 kept).
//
// Every output element is one multiply-add chain over the depth in increasing order (the
// dot form: one chain per vector lane, then the lanes summed in a fixed order), so the
// value does not depend on where the element sits in a tile or which task computes it.
//
// Include this only from an ISA file, after its target pragma, and instantiate it only
// with a V from that file's anonymous namespace: the instantiations then have internal
// linkage, so the linker can never hand one ISA's copy to another ISA's caller.
#include <cstddef>

#include "ops/kernels/gemm_kernel_set.h"
#include "ops/kernels/gemm_packing.h"
#include "ops/kernels/relu_math.h"

#define CGRAD_UNROLL _Pragma("GCC unroll 32")

// MR rows by NV vectors of C from panels of A (MR values a step) and B (PanelNV vectors a
// step: a narrower tile than the panel computes its first NV vectors only).
template <class V, int MR, int NV, int PanelNV = NV>
void micro_tile(std::size_t kc, const typename V::T* a, const typename V::T* b, typename V::T* c,
                std::size_t ldc, bool load_c, const typename V::T* bias, bool relu) {
  using Reg = typename V::Reg;
  constexpr int L = V::lanes;
  Reg acc[MR][NV];
  CGRAD_UNROLL for (int r = 0; r < MR; ++r) {
    CGRAD_UNROLL for (int v = 0; v < NV; ++v) {
      acc[r][v] = load_c ? V::load(c + r * ldc + v * L) : V::zero();
    }
  }
  for (std::size_t p = 0; p < kc; ++p) {
    Reg bv[NV];
    CGRAD_UNROLL for (int v = 0; v < NV; ++v) bv[v] = V::load(b + v * L);
    CGRAD_UNROLL for (int r = 0; r < MR; ++r) {
      const Reg av = V::bcast(a[r]);
      CGRAD_UNROLL for (int v = 0; v < NV; ++v) acc[r][v] = V::fma(av, bv[v], acc[r][v]);
    }
    a += MR;
    b += PanelNV * L;
  }
  if (bias != nullptr) {
    CGRAD_UNROLL for (int v = 0; v < NV; ++v) {
      const Reg bias_v = V::load(bias + v * L);
      CGRAD_UNROLL for (int r = 0; r < MR; ++r) acc[r][v] = V::add(acc[r][v], bias_v);
    }
  }
  if (relu) {
    CGRAD_UNROLL for (int r = 0; r < MR; ++r) {
      CGRAD_UNROLL for (int v = 0; v < NV; ++v) acc[r][v] = V::relu(acc[r][v]);
    }
  }
  CGRAD_UNROLL for (int r = 0; r < MR; ++r) {
    CGRAD_UNROLL for (int v = 0; v < NV; ++v) V::store(c + r * ldc + v * L, acc[r][v]);
  }
}

// R rows by NV vectors of the row form; the last vector holds `tail` (1..lanes) columns.
// Gathered: the operands are read through g's offset tables (RowFormArgs).
// The tile works on a copy of its arguments: the vector stores go through may_alias
// types, so with a reference GCC reloaded c, its strides and the flags from memory after
// every store of the epilogue (perf of the spiral step: those reloads were the hottest
// instructions of its depth-2 and depth-3 products, about a quarter of their samples; the
// copy took X · W1, 300x2 · 2x100 in float64, from 7.5-8.2 to 5.4-5.9 us, RESULTS.md).
template <class V, int R, int NV, bool Gathered>
void row_tile(const cgrad::detail::RowFormArgs<typename V::T>& args, std::size_t r0, std::size_t j0,
              int tail) {
  using T = typename V::T;
  using Reg = typename V::Reg;
  constexpr int L = V::lanes;
  const cgrad::detail::RowFormArgs<T> g = args;
  Reg acc[R][NV];
  CGRAD_UNROLL for (int r = 0; r < R; ++r) {
    CGRAD_UNROLL for (int v = 0; v < NV; ++v) acc[r][v] = V::zero();
  }
  const bool full = tail == L;
  const auto multiply_add = [&](const T* y, const auto& x_at) {
    Reg yv[NV];
    CGRAD_UNROLL for (int v = 0; v + 1 < NV; ++v) yv[v] = V::load(y + v * L);
    yv[NV - 1] = full ? V::load(y + (NV - 1) * L) : V::load_part(y + (NV - 1) * L, tail);
    CGRAD_UNROLL for (int r = 0; r < R; ++r) {
      const Reg xv = V::bcast(x_at(r));
      CGRAD_UNROLL for (int v = 0; v < NV; ++v) acc[r][v] = V::fma(xv, yv[v], acc[r][v]);
    }
  };
  if constexpr (Gathered) {
    const T* x_row[R];
    CGRAD_UNROLL for (int r = 0; r < R; ++r) x_row[r] = g.x + g.x_rows[r0 + r];
    for (std::size_t p = 0; p < g.depth; ++p) {
      const std::size_t x_depth = g.x_depths[p];
      multiply_add(g.y + g.y_depths[p] + j0, [&](int r) { return x_row[r][x_depth]; });
    }
  } else {
    const T* y = g.y + j0;
    const T* x = g.x + r0 * g.x_row_stride;
    for (std::size_t p = 0; p < g.depth; ++p) {
      multiply_add(y, [&](int r) { return x[r * g.x_row_stride]; });
      x += g.x_depth_stride;
      y += g.ldy;
    }
  }
  if (g.col_bias != nullptr) {
    CGRAD_UNROLL for (int v = 0; v < NV; ++v) {
      const T* bias = g.col_bias + j0 + v * L;
      const Reg bias_v = v + 1 < NV || full ? V::load(bias) : V::load_part(bias, tail);
      CGRAD_UNROLL for (int r = 0; r < R; ++r) acc[r][v] = V::add(acc[r][v], bias_v);
    }
  } else if (g.row_bias != nullptr) {
    CGRAD_UNROLL for (int r = 0; r < R; ++r) {
      const Reg bias_r = V::bcast(g.row_bias[r0 + r]);
      CGRAD_UNROLL for (int v = 0; v < NV; ++v) acc[r][v] = V::add(acc[r][v], bias_r);
    }
  }
  if (g.relu) {
    CGRAD_UNROLL for (int r = 0; r < R; ++r) {
      CGRAD_UNROLL for (int v = 0; v < NV; ++v) acc[r][v] = V::relu(acc[r][v]);
    }
  }
  // Fully unrolled so acc stays in registers (a run-time index would spill it to memory).
  CGRAD_UNROLL for (int r = 0; r < R; ++r) {
    CGRAD_UNROLL for (int v = 0; v < NV; ++v) {
      const int count = v + 1 < NV ? L : tail;
      const std::size_t col = j0 + v * L;
      T* c = g.c + (r0 + r) * g.c_row_stride + col * g.c_col_stride;
      if (g.c_col_stride == 1) {
        if (count == L) {
          V::store(c, g.accumulate ? V::add(V::load(c), acc[r][v]) : acc[r][v]);
        } else {
          V::store_part(c, g.accumulate ? V::add(V::load_part(c, count), acc[r][v]) : acc[r][v],
                        count);
        }
      } else {
        alignas(64) T lane[L];
        V::store(lane, acc[r][v]);
        for (int l = 0; l < count; ++l) {
          T& out = c[l * g.c_col_stride];
          out = g.accumulate ? out + lane[l] : lane[l];
        }
      }
    }
  }
}

// One tile of up to R rows by up to NV vectors (rows and nv at least 1); edges use the
// smaller instantiations.
template <class V, int R, int NV, bool Gathered>
void row_tile_upto(const cgrad::detail::RowFormArgs<typename V::T>& g, std::size_t rows,
                   std::size_t r0, std::size_t j0, int nv, int tail) {
  if constexpr (R > 1) {
    if (rows < R) return row_tile_upto<V, R - 1, NV, Gathered>(g, rows, r0, j0, nv, tail);
  }
  if constexpr (NV > 1) {
    if (nv < NV) return row_tile_upto<V, R, NV - 1, Gathered>(g, rows, r0, j0, nv, tail);
  }
  row_tile<V, R, NV, Gathered>(g, r0, j0, tail);
}

// The output is swept in column chunks of 4 vectors, each chunk top to bottom, so the
// chunk's slice of Y (depth x 4 vectors) stays in L1 while every row tile reads it: row
// blocks outside made each tile re-read all of Y from L2 (the conv2d [64,16,14,14] -> 32
// rows, whose products all take this path: benchmarks/RESULTS.md, "conv2d after the GEMM
// row-form sweep"). Tiles are 4 rows by 4 vectors; a chunk of at most 2 vectors (a narrow
// output, or the last columns of a wide one) takes NarrowRows rows at a time, so that it
// still has enough independent accumulators to cover the FMA latency where the ISA has the
// registers for them.
template <class V, int NarrowRows, bool Gathered>
void row_form_sweep(const cgrad::detail::RowFormArgs<typename V::T>& g) {
  constexpr std::size_t NV = 4, L = V::lanes;
  for (std::size_t j0 = 0; j0 < g.cols; j0 += NV * L) {
    const std::size_t cols = g.cols - j0 < NV * L ? g.cols - j0 : NV * L;
    const int nv = static_cast<int>((cols + L - 1) / L);
    const int tail = static_cast<int>(cols - (nv - 1) * L);
    const std::size_t tile_rows = nv <= 2 ? NarrowRows : 4;
    for (std::size_t r0 = 0; r0 < g.rows; r0 += tile_rows) {
      const std::size_t rows = g.rows - r0 < tile_rows ? g.rows - r0 : tile_rows;
      if (nv <= 2) {
        row_tile_upto<V, NarrowRows, 2, Gathered>(g, rows, r0, j0, nv, tail);
      } else {
        row_tile_upto<V, 4, 4, Gathered>(g, rows, r0, j0, nv, tail);
      }
    }
  }
}

template <class V, int NarrowRows>
void row_form(const cgrad::detail::RowFormArgs<typename V::T>& g) {
  if (g.y_depths != nullptr) return row_form_sweep<V, NarrowRows, true>(g);
  row_form_sweep<V, NarrowRows, false>(g);
}

// Keeps a loaded vector in its register. GCC (with tune=generic) folded the load of A's
// vector, which J multiply-adds use, into each of them as a memory operand: J loads where
// one does, so dot_tile<4, 3> made 15 vector loads for 12 FMAs. The empty asm claims to
// change the register, so the load cannot be repeated: 7 loads, and H · W2 (300x100 ·
// 100x3) went from 5.2-5.5 to 4.4-5.0 us in float64 on a Zen 4 core (RESULTS.md). The
// portable kernels' Reg is a struct of scalars (no r[0]), which needs nothing.
template <class Reg>
inline void hold_in_register(Reg& r) {
  if constexpr (requires { r[0]; }) asm("" : "+v"(r));
}

// R rows of A against J rows of B, each a dot product along the depth.
template <class V, int R, int J>
void dot_tile(const cgrad::detail::DotFormArgs<typename V::T>& g, std::size_t i0,
              std::size_t j0) {
  using T = typename V::T;
  using Reg = typename V::Reg;
  constexpr std::size_t L = V::lanes;
  Reg acc[R][J];
  CGRAD_UNROLL for (int r = 0; r < R; ++r) {
    CGRAD_UNROLL for (int j = 0; j < J; ++j) acc[r][j] = V::zero();
  }
  const T* a = g.a + i0 * g.lda;
  const T* b = g.b + j0 * g.ldb;
  std::size_t p = 0;
  for (; p + L <= g.depth; p += L) {
    Reg bv[J];
    CGRAD_UNROLL for (int j = 0; j < J; ++j) bv[j] = V::load(b + j * g.ldb + p);
    CGRAD_UNROLL for (int r = 0; r < R; ++r) {
      Reg av = V::load(a + r * g.lda + p);
      hold_in_register(av);
      CGRAD_UNROLL for (int j = 0; j < J; ++j) acc[r][j] = V::fma(av, bv[j], acc[r][j]);
    }
  }
  if (p < g.depth) {
    const int rest = static_cast<int>(g.depth - p);
    Reg av[R];
    CGRAD_UNROLL for (int r = 0; r < R; ++r) av[r] = V::load_part(a + r * g.lda + p, rest);
    CGRAD_UNROLL for (int j = 0; j < J; ++j) {
      const Reg bv = V::load_part(b + j * g.ldb + p, rest);
      CGRAD_UNROLL for (int r = 0; r < R; ++r) acc[r][j] = V::fma(av[r], bv, acc[r][j]);
    }
  }
  CGRAD_UNROLL for (int r = 0; r < R; ++r) {
    T* c = g.c + (i0 + r) * g.ldc + j0;
    CGRAD_UNROLL for (int j = 0; j < J; ++j) {
      const T sum = V::sum(acc[r][j]);
      const T biased = g.bias != nullptr ? sum + g.bias[j0 + j] : sum;
      const T s = g.relu ? cgrad::detail::relu_value(biased) : biased;
      c[j] = g.accumulate ? c[j] + s : s;
    }
  }
}

template <class V, int R>
void dot_tile_rows(const cgrad::detail::DotFormArgs<typename V::T>& g, std::size_t i0,
                   std::size_t j0, std::size_t cols) {
  switch (cols) {
    case 1: return dot_tile<V, R, 1>(g, i0, j0);
    case 2: return dot_tile<V, R, 2>(g, i0, j0);
    case 3: return dot_tile<V, R, 3>(g, i0, j0);
    default: return dot_tile<V, R, 4>(g, i0, j0);
  }
}

template <class V>
void dot_form(const cgrad::detail::DotFormArgs<typename V::T>& g) {
  constexpr std::size_t R = 4, J = 4;
  for (std::size_t i0 = 0; i0 < g.rows; i0 += R) {
    const std::size_t rows = g.rows - i0 < R ? g.rows - i0 : R;
    for (std::size_t j0 = 0; j0 < g.cols; j0 += J) {
      const std::size_t cols = g.cols - j0 < J ? g.cols - j0 : J;
      switch (rows) {
        case 1: dot_tile_rows<V, 1>(g, i0, j0, cols); break;
        case 2: dot_tile_rows<V, 2>(g, i0, j0, cols); break;
        case 3: dot_tile_rows<V, 3>(g, i0, j0, cols); break;
        default: dot_tile_rows<V, 4>(g, i0, j0, cols); break;
      }
    }
  }
}

// dst (cols x rows) = transpose of src (rows x cols, row stride ld): full lanes x lanes
// blocks are loaded a row per vector and transposed in registers (V::transpose, as
// pack_a_rows does), the edges copied an element at a time. (The scalar copy was 5% of the
// [64,16,14,14] -> 32 convolution step, transposing dy for the weight gradient.)
template <class V>
void transpose_copy(const typename V::T* src, std::size_t ld, std::size_t rows, std::size_t cols,
                    typename V::T* dst) {
  constexpr std::size_t L = V::lanes;
  std::size_t r0 = 0;
  for (; r0 + L <= rows; r0 += L) {
    std::size_t c0 = 0;
    for (; c0 + L <= cols; c0 += L) {
      typename V::Reg block[L];
      for (std::size_t r = 0; r < L; ++r) block[r] = V::load(src + (r0 + r) * ld + c0);
      V::transpose(block);
      for (std::size_t c = 0; c < L; ++c) V::store(dst + (c0 + c) * rows + r0, block[c]);
    }
    for (std::size_t r = r0; r < r0 + L; ++r) {
      for (std::size_t c = c0; c < cols; ++c) dst[c * rows + r] = src[r * ld + c];
    }
  }
  for (std::size_t r = r0; r < rows; ++r) {
    for (std::size_t c = 0; c < cols; ++c) dst[c * rows + r] = src[r * ld + c];
  }
}

// MR x NV vectors: the packed micro-kernel's tile; NarrowRows: see row_form.
template <class V, int MR, int NV, int NarrowRows = 4>
cgrad::detail::GemmKernelSet<typename V::T> make_gemm_kernel_set(cgrad::detail::GemmIsa isa) {
  static_assert(NV % 2 == 0, "the half-width micro-kernel needs an even number of vectors");
  return {isa,
          MR,
          NV * V::lanes,
          V::lanes,
          &micro_tile<V, MR, NV>,
          &micro_tile<V, MR, NV / 2, NV>,
          &pack_a_panels<V, MR>,
          &pack_b_panels<V, NV * V::lanes>,
          &row_form<V, NarrowRows>,
          &dot_form<V>,
          &transpose_copy<V>};
}
