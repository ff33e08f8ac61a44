#include "launch.h"

#include <exception>

#include <fmt/format.h>
#include <tbb/global_control.h>

#include "graph/error.h"

#if CGRAD_EXAMPLES_DISTRIBUTED
#include "dist/environment.h"
#endif

namespace cgrad::examples {

#if CGRAD_EXAMPLES_DISTRIBUTED
struct Launch::Mpi {
  dist::Environment environment;
  Mpi(int& argc, char**& argv) : environment(argc, argv) {}
};
#else
struct Launch::Mpi {};
#endif

Launch::Launch(std::string program, bool distributed, int& argc, char**& argv)
    : program_(std::move(program)), distributed_(distributed) {
  if (!distributed) return;
#if CGRAD_EXAMPLES_DISTRIBUTED
  mpi_ = std::make_unique<Mpi>(argc, argv);
  if (dist::rank() != 0) {
    out_ = std::fopen("/dev/null", "w");
    if (out_ == nullptr) dist::fail(fmt::format("{}: cannot open /dev/null for the silent ranks' log", program_));
  }
#else
  (void)argc;
  (void)argv;
  fmt::print(stderr, "{}: error: --distributed needs a build with MPI (install libopenmpi-dev, re-run cmake)\n",
             program_);
  ready_ = false;
#endif
}

Launch::~Launch() {
  if (out_ != stdout && out_ != nullptr) std::fclose(out_);
}

int Launch::run(std::size_t threads, const std::function<void(std::FILE* out)>& body) const {
  try {
    std::unique_ptr<tbb::global_control> thread_limit;
    if (threads > 0)
      thread_limit = std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
    body(out_);
  } catch (const Error& e) {
    return fail("error: ", e.what(), kUsageError);
  } catch (const std::exception& e) {
    return fail("internal error: ", e.what(), 1);
  }
  return 0;
}

int Launch::fail(std::string_view kind, std::string_view what, int status) const {
#if CGRAD_EXAMPLES_DISTRIBUTED
  if (distributed_) dist::fail(fmt::format("{}: {}{}", program_, kind, what));
#endif
  std::fflush(stdout);
  fmt::print(stderr, "{}: {}{}\n", program_, kind, what);
  return status;
}

}  // namespace cgrad::examples
