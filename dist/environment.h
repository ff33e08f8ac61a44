#pragma once
// The MPI side of cgrad (dist/): one Environment per process brackets everything else.
//
//   int main(int argc, char** argv) {
//     cgrad::dist::Environment mpi(argc, argv);   // MPI_Init ... MPI_Finalize
//     ... cgrad::dist::rank(), cgrad::dist::size() ...
//   }
//
// Faults: the Environment installs a std::terminate handler, so an exception that nothing
// catches on any rank ends the whole job (MPI_Abort) after one line on stderr,
//   cgrad dist: rank 1 failed: <what()>
// instead of leaving the other ranks waiting in a collective. fail() does the same for an
// error the program caught itself. A rank killed by a signal is noticed by mpirun, which
// ends the job and names the rank and the signal. Either way the exit status is non-zero.
#include <string_view>

#include <mpi.h>

namespace cgrad::dist {

class Environment {
 public:
  // Calls MPI_Init_thread asking for MPI_THREAD_MULTIPLE (DataParallel's progress thread
  // needs SERIALIZED at least) unless MPI is already initialized, then installs the
  // terminate handler. Throws cgrad::ValueError when a second Environment is made.
  Environment(int& argc, char**& argv);
  // MPI_Finalize when this Environment initialized MPI.
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

 private:
  bool owns_mpi_ = false;
};

// This process's rank and the number of processes in MPI_COMM_WORLD (0 and 1 before MPI
// is initialized, so single-process code can ask too).
int rank();
int size();

// Prints "cgrad dist: rank R failed: <reason>" on stderr and ends every rank of the job
// with a non-zero status (MPI_Abort on MPI_COMM_WORLD).
[[noreturn]] void fail(std::string_view reason);

// Throws cgrad::Error naming `call` and MPI's message when an MPI call failed (for
// communicators whose error handler returns errors; the default one aborts the job).
void check_mpi(int status, std::string_view call);

}  // namespace cgrad::dist
