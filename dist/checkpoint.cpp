#include "dist/checkpoint.h"

#include <string>

#include "dist/environment.h"
#include "graph/error.h"

namespace cgrad::dist {

template <Real T>
void save_checkpoint_on_root(const std::filesystem::path& file, const std::vector<NamedParameter<T>>& parameters,
                             const Optimizer<T>* optimizer, MPI_Comm communicator) {
  int rank = 0;
  MPI_Comm_rank(communicator, &rank);
  std::string failure;  // rank 0's error message; empty when the save succeeded
  if (rank == 0) {
    try {
      save_checkpoint<T>(file, parameters, optimizer);
    } catch (const Error& e) {
      failure = e.what();
      if (failure.empty()) failure = "save_checkpoint failed";
    }
  }
  // The other ranks wait here until the file is in place (or is known not to be).
  int length = static_cast<int>(failure.size());
  check_mpi(MPI_Bcast(&length, 1, MPI_INT, 0, communicator), "MPI_Bcast");
  failure.resize(static_cast<std::size_t>(length));
  if (length > 0) {
    check_mpi(MPI_Bcast(failure.data(), length, MPI_CHAR, 0, communicator), "MPI_Bcast");
    throw IoError(rank == 0 ? failure : "rank 0 could not save the checkpoint: " + failure);
  }
}

template void save_checkpoint_on_root<float>(const std::filesystem::path&, const std::vector<NamedParameter<float>>&,
                                             const Optimizer<float>*, MPI_Comm);
template void save_checkpoint_on_root<double>(const std::filesystem::path&,
                                              const std::vector<NamedParameter<double>>&, const Optimizer<double>*,
                                              MPI_Comm);

}  // namespace cgrad::dist
