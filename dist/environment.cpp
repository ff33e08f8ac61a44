#include "dist/environment.h"

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <fmt/format.h>

#include "graph/error.h"

namespace cgrad::dist {
namespace {

bool environment_exists = false;

bool mpi_running() {
  int initialized = 0, finalized = 0;
  MPI_Initialized(&initialized);
  MPI_Finalized(&finalized);
  return initialized != 0 && finalized == 0;
}

// The reason an exception left main (or a thread): its what() when it has one.
std::string current_exception_reason() {
  const std::exception_ptr error = std::current_exception();
  if (!error) return "std::terminate was called without an exception";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return fmt::format("uncaught exception: {}", e.what());
  } catch (...) {
    return "uncaught exception of a type not derived from std::exception";
  }
}

[[noreturn]] void terminate_job() { fail(current_exception_reason()); }

}  // namespace

Environment::Environment(int& argc, char**& argv) {
  if (environment_exists) throw ValueError("dist::Environment: one per process; another one exists");
  if (!mpi_running()) {
    int provided = 0;
    // DataParallel's progress thread needs SERIALIZED at least; MULTIPLE also lets the
    // program make MPI calls of its own while a backward pass is exchanging gradients.
    check_mpi(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
    owns_mpi_ = true;
  }
  environment_exists = true;
  std::set_terminate(terminate_job);
}

Environment::~Environment() {
  environment_exists = false;
  if (owns_mpi_ && mpi_running()) MPI_Finalize();
}

int rank() {
  if (!mpi_running()) return 0;
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int size() {
  if (!mpi_running()) return 1;
  int n = 1;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

void fail(std::string_view reason) {
  std::fflush(stdout);
  fmt::print(stderr, "cgrad dist: rank {} failed: {}\n", rank(), reason);
  std::fflush(stderr);
  if (mpi_running()) MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}

void check_mpi(int status, std::string_view call) {
  if (status == MPI_SUCCESS) return;
  char message[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(status, message, &length);
  throw Error(fmt::format("{} failed: {}", call, std::string_view(message, static_cast<std::size_t>(length))));
}

}  // namespace cgrad::dist
