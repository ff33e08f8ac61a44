#pragma once
// Checkpoints in data-parallel training. After DataParallel::finish() and the optimizer
// step every rank holds the same parameters and optimizer state, so one copy is enough:
// rank 0 writes it with nn/'s save_checkpoint (atomically: a temporary file, fsync,
// rename). Loading needs nothing distributed: every rank calls cgrad::load_checkpoint on
// the same file (a shared filesystem on a cluster), whatever the number of processes that
// saved it; the state does not depend on it.
#include <filesystem>
#include <vector>

#include <mpi.h>

#include "nn/checkpoint.h"

namespace cgrad::dist {

// Collective: rank 0 of `communicator` saves, then every rank returns once the file is in
// place, or every rank throws IoError with rank 0's message when the save failed.
template <Real T>
void save_checkpoint_on_root(const std::filesystem::path& file, const std::vector<NamedParameter<T>>& parameters,
                             const Optimizer<T>* optimizer = nullptr, MPI_Comm communicator = MPI_COMM_WORLD);

}  // namespace cgrad::dist
