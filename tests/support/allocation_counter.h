#pragma once
// Counts heap allocations made through global operator new in this process, so tests
// and benchmarks can show that a steady-state training step allocates nothing.
#include <cstddef>

namespace cgrad::testing {

// Allocations since the program started (all threads).
std::size_t allocation_count();

}  // namespace cgrad::testing
