#pragma once
// Copies blocks of op(A) and op(B) into the panel layout the micro-kernel streams, with
// transposition folded into the copy. Panels past the matrix edge are zero-padded so the
// micro-kernel always runs on full tiles. Panels start panel_stride elements apart, a
// little more than their size, so that panels written side by side do not all land in
// the same L1 set when depth * width * sizeof(T) is a multiple of 4 KiB.
//
// Compiled by each ISA file like gemm_tiles.h (same rules), so the fixed-width copies
// vectorize for that ISA; V::transpose is the one shuffle each ISA spells out. Plain loops
// only: no library calls in ISA-specific code.
#include <cstddef>

#include "ops/kernels/gemm_kernel_set.h"

// Both ways of packing op(A) store whole vectors, so a store may run up to lanes - 1
// elements past the MR values it is for: into the same panel's next depth step, which is
// written after it, or, after the last step, into the panel's skew (a cache line, at
// least a vector). Whole stores because a masked AVX2 store is slow on AMD cores.

// The packs that deal rows out (a transposed A, a plain B) read `count` values of each
// source row in order, a row per depth step. The hardware prefetcher did not keep up (the
// stores of the transposed A's packing stalled on their loads: 6% of a TransformerBlock
// step, 2% with this), so they ask for the row kPrefetchRows steps on. Written out in each
// loop: in a helper function of its own, GCC found the prefetches free of side effects and
// dropped the call.
inline constexpr std::size_t kPrefetchRows = 8;

// op(A)(r, p) = src[p * ld + r]: each depth step is a contiguous run of rows. Read it once,
// in order, and deal it out to the panels a vector at a time (GCC left the fixed-length
// copy as MR scalar moves; perf: 5% of a TransformerBlock step). The loads stop at the
// live rows and fill zeros past them.
template <class V, std::size_t MR>
void pack_a_transposed(const cgrad::detail::PackArgs<typename V::T>& g) {
  using T = typename V::T;
  constexpr std::size_t L = static_cast<std::size_t>(V::lanes);
  for (std::size_t p = 0; p < g.depth; ++p) {
    const T* src = g.src + (g.p0 + p) * g.ld + g.first;
    if (p + kPrefetchRows < g.depth) {
      for (std::size_t c = 0; c < g.count; c += 64 / sizeof(T)) __builtin_prefetch(src + kPrefetchRows * g.ld + c);
    }
    for (std::size_t i = 0; i < g.count; i += MR) {
      const std::size_t live = g.count - i < MR ? g.count - i : MR;
      T* dst = g.out + i / MR * g.panel_stride + p * MR;
      for (std::size_t r = 0; r < MR; r += L) {
        const std::size_t valid = live <= r ? 0 : (live - r < L ? live - r : L);
        V::store(dst + r, valid == L ? V::load(src + i + r) : V::load_part(src + i + r, static_cast<int>(valid)));
      }
    }
  }
}

// op(A)(r, p) = src[r * ld + p]: each row is a contiguous run along the depth. Blocks of
// lanes rows by lanes depth steps are loaded a row per vector and transposed in registers
// (V::transpose) into a depth step per vector; GCC had gathered them one scalar at a time
// (perf: 6% of a TransformerBlock step). The row groups of a panel run last to first, so
// that what one group's stores write past the panel's MR rows, into the first rows of the
// next depth step, the groups after it write again.
template <class V, std::size_t MR>
void pack_a_rows(const cgrad::detail::PackArgs<typename V::T>& g) {
  using T = typename V::T;
  constexpr std::size_t L = static_cast<std::size_t>(V::lanes);
  constexpr std::size_t kLastGroup = (MR - 1) / L * L;
  for (std::size_t i = 0; i < g.count; i += MR) {
    const std::size_t live = g.count - i < MR ? g.count - i : MR;
    T* panel = g.out + i / MR * g.panel_stride;
    const T* src = g.src + (g.first + i) * g.ld + g.p0;
    for (std::size_t p = 0; p < g.depth; p += L) {
      const std::size_t steps = g.depth - p < L ? g.depth - p : L;
      for (std::size_t r = 0; r < live; ++r) {
        // Hardware prefetchers lose track of MR interleaved streams; ask a few lines ahead.
        __builtin_prefetch(src + r * g.ld + p + 4 * (64 / sizeof(T)));
      }
      for (std::size_t group = kLastGroup + L; group > 0;) {
        group -= L;
        typename V::Reg block[L];
        for (std::size_t r = 0; r < L; ++r) {
          const T* row = src + (group + r) * g.ld + p;
          block[r] = group + r >= live ? V::zero() : steps == L ? V::load(row) : V::load_part(row, static_cast<int>(steps));
        }
        V::transpose(block);
        for (std::size_t q = 0; q < steps; ++q) V::store(panel + (p + q) * MR + group, block[q]);
      }
    }
  }
}

// Rows [first, first + count) and depth [p0, p0 + depth) of op(A) into panels of MR
// rows: a panel holds depth steps of MR contiguous values.
template <class V, std::size_t MR>
void pack_a_panels(const cgrad::detail::PackArgs<typename V::T>& g) {
  if (g.transposed) {
    pack_a_transposed<V, MR>(g);
  } else {
    pack_a_rows<V, MR>(g);
  }
}

// Columns [first, first + count) and depth [p0, p0 + depth) of op(B) into panels of NR
// columns: a panel holds depth steps of NR contiguous values.
template <class V, std::size_t NR>
void pack_b_panels(const cgrad::detail::PackArgs<typename V::T>& g) {
  using T = typename V::T;
  const std::size_t full = g.count / NR * NR;
  if (!g.transposed) {
    // op(B)(p, c) = src[p * ld + c]: read each row of B once, sequentially, and deal it
    // out to the panels; walking one panel at a time would jump a row every NR values.
    for (std::size_t p = 0; p < g.depth; ++p) {
      const T* src = g.src + (g.p0 + p) * g.ld + g.first;
      if (p + kPrefetchRows < g.depth) {
        for (std::size_t c = 0; c < g.count; c += 64 / sizeof(T)) __builtin_prefetch(src + kPrefetchRows * g.ld + c);
      }
      for (std::size_t j = 0; j < full; j += NR) {
        T* dst = g.out + j / NR * g.panel_stride + p * NR;
        for (std::size_t c = 0; c < NR; ++c) dst[c] = src[j + c];
      }
      if (full < g.count) {
        T* dst = g.out + full / NR * g.panel_stride + p * NR;
        for (std::size_t c = 0; c < NR; ++c) dst[c] = full + c < g.count ? src[full + c] : T{0};
      }
    }
    return;
  }
  // op(B)(p, c) = src[c * ld + p]: each column is a contiguous run along the depth.
  for (std::size_t j = 0; j < g.count; j += NR) {
    const std::size_t live = g.count - j < NR ? g.count - j : NR;
    T* panel = g.out + j / NR * g.panel_stride;
    for (std::size_t c = 0; c < NR; ++c) {
      const T* src = g.src + (g.first + j + c) * g.ld + g.p0;
      for (std::size_t p = 0; p < g.depth; ++p) panel[p * NR + c] = c < live ? src[p] : T{0};
    }
  }
}
