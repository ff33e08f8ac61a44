#pragma once
// PlplotPage: one PNG page drawn with PLplot's Cairo driver ("pngcairo"), which needs no
// display. PLplot ends the process (plexit) on errors it finds itself, so everything it
// could refuse is checked here first and thrown as cgrad::IoError or ValueError; while a
// page is open, PLplot's own messages on stdout and stderr are discarded.
#include <cstddef>
#include <memory>
#include <string>

class plstream;

namespace cgrad::examples {

class PlplotPage {
 public:
  // Opens `path` (a writable file) as a width × height pixel PNG with a white background.
  // Throws IoError when the file cannot be created, ValueError for a zero size.
  PlplotPage(const std::string& path, std::size_t width, std::size_t height);
  // Finishes and closes the file.
  ~PlplotPage();
  PlplotPage(const PlplotPage&) = delete;
  PlplotPage& operator=(const PlplotPage&) = delete;

  plstream& stream() { return *stream_; }

 private:
  class QuietOutput;
  std::unique_ptr<QuietOutput> quiet_;
  std::unique_ptr<plstream> stream_;
};

}  // namespace cgrad::examples
