#include "plplot_page.h"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <vector>

#include <fcntl.h>
#include <plstream.h>
#include <unistd.h>

#include <fmt/format.h>

#include "graph/error.h"

namespace cgrad::examples {

namespace {
// PLplot keeps global state (the current stream), so pages are drawn one at a time.
std::mutex& plplot_mutex() {
  static std::mutex mutex;
  return mutex;
}
}  // namespace

// Points stdout and stderr at /dev/null for its lifetime, and holds the PLplot lock.
class PlplotPage::QuietOutput {
 public:
  QuietOutput() : lock_(plplot_mutex()) {
    std::fflush(stdout);
    std::fflush(stderr);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null < 0) return;  // nothing to hide the messages in: let them through
    saved_out_ = ::dup(STDOUT_FILENO);
    saved_err_ = ::dup(STDERR_FILENO);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::close(null);
  }
  ~QuietOutput() {
    std::fflush(stdout);
    std::fflush(stderr);
    restore(saved_out_, STDOUT_FILENO);
    restore(saved_err_, STDERR_FILENO);
  }
  QuietOutput(const QuietOutput&) = delete;
  QuietOutput& operator=(const QuietOutput&) = delete;

 private:
  static void restore(int saved, int fd) {
    if (saved < 0) return;
    ::dup2(saved, fd);
    ::close(saved);
  }
  std::lock_guard<std::mutex> lock_;
  int saved_out_ = -1;
  int saved_err_ = -1;
};

namespace {

// Without the driver (Debian: plplot-driver-cairo) PLplot would ask on stdin for another.
bool has_pngcairo() {
  int count = 256;
  std::vector<const char*> menus(static_cast<std::size_t>(count)), names(static_cast<std::size_t>(count));
  const char** menu_data = menus.data();
  const char** name_data = names.data();
  plgDevs(&menu_data, &name_data, &count);
  for (int i = 0; i < count; ++i)
    if (std::strcmp(name_data[i], "pngcairo") == 0) return true;
  return false;
}

}  // namespace

PlplotPage::PlplotPage(const std::string& path, std::size_t width, std::size_t height) {
  if (width == 0 || height == 0) throw ValueError(fmt::format("plot: page size {}x{} is empty", width, height));
  // PLplot would exit() on a file it cannot open: find out first.
  if (!std::ofstream(path, std::ios::binary)) throw IoError(fmt::format("plot: cannot write '{}'", path));
  quiet_ = std::make_unique<QuietOutput>();  // holds the PLplot lock from here on
  if (!has_pngcairo())
    throw IoError(fmt::format("plot: cannot write '{}': PLplot has no pngcairo driver (install plplot-driver-cairo)", path));
  stream_ = std::make_unique<plstream>();
  stream_->sdev("pngcairo");
  stream_->sfnam(path.c_str());
  stream_->setopt("geometry", fmt::format("{}x{}", width, height).c_str());
  stream_->scolbg(255, 255, 255);  // colour 0: the background
  stream_->init();
  stream_->scol0(1, 0, 0, 0);  // colour 1: black axes and text
  stream_->col0(1);
}

PlplotPage::~PlplotPage() {
  stream_.reset();  // plend1: writes and closes the PNG
  quiet_.reset();
}

}  // namespace cgrad::examples
