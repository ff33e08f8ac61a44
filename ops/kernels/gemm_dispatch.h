#pragma once
// Which instruction set the GEMM kernels use. The library picks the best one the CPU has
// at run time; tests force each one in turn so that every path, including the portable
// fallback that most machines never run, is checked against the same reference.
namespace cgrad::detail {

enum class GemmIsa { automatic, portable, avx2, avx512 };

// True when this CPU can run `isa` (automatic and portable always can).
bool gemm_isa_supported(GemmIsa isa);

// Forces the kernels of `isa` for every later gemm call in the process; automatic restores
// the run-time choice. Throws cgrad::ValueError for an ISA this CPU lacks.
void set_gemm_isa(GemmIsa isa);

// The ISA gemm calls use now (never automatic).
GemmIsa active_gemm_isa();

}  // namespace cgrad::detail
