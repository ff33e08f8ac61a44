#pragma once
// The process side of an example's main(): one process, or, with --distributed, every rank
// of `mpirun -np N` (dist/). Spiral, digits and chars share it.
#include <cstddef>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace cgrad::examples {

// Exit status for a bad command line, or a value or file the program refuses.
inline constexpr int kUsageError = 2;

class Launch {
 public:
  // With `distributed`, starts MPI (dist::Environment, which reads argc/argv) and sends the
  // output of every rank but 0 to /dev/null, so that rank 0 prints for all. A build
  // without MPI prints one line naming `program` and what to install; ready() is then false.
  Launch(std::string program, bool distributed, int& argc, char**& argv);
  ~Launch();
  Launch(const Launch&) = delete;
  Launch& operator=(const Launch&) = delete;

  bool ready() const { return ready_; }
  std::FILE* out() const { return out_; }

  // Runs the example's work, body(out()), on at most `threads` TBB threads (0: TBB's
  // default) and returns main()'s status: 0; kUsageError after a cgrad::Error ("error: ");
  // 1 after any other exception ("internal error: "), both reported through fail().
  int run(std::size_t threads, const std::function<void(std::FILE* out)>& body) const;

  // Prints "<program>: <kind><what>" on stderr and returns `status`. Distributed, it ends
  // every rank with that line instead (dist::fail), so no rank is left waiting in a
  // collective for one that threw.
  int fail(std::string_view kind, std::string_view what, int status) const;

 private:
  struct Mpi;  // dist::Environment, only in a build with MPI
  std::string program_;
  bool distributed_;
  bool ready_ = true;
  std::FILE* out_ = stdout;
  std::unique_ptr<Mpi> mpi_;
};

}  // namespace cgrad::examples
