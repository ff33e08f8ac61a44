#include "read_file.h"

#include <zlib.h>

#include <array>
#include <memory>

#include <fmt/format.h>
#include <fmt/std.h>

#include "graph/error.h"

namespace cgrad::data {

std::string read_file(const std::filesystem::path& file) {
  const std::unique_ptr<gzFile_s, int (*)(gzFile)> in(gzopen(file.c_str(), "rb"), gzclose);
  if (!in) throw IoError(fmt::format("{}: cannot open", file));
  std::string bytes;
  std::array<char, 1 << 16> chunk{};
  for (;;) {
    const int got = gzread(in.get(), chunk.data(), static_cast<unsigned>(chunk.size()));
    if (got < 0) {
      int code = 0;
      throw IoError(fmt::format("{}: cannot read: {}", file, gzerror(in.get(), &code)));
    }
    if (got == 0) break;
    bytes.append(chunk.data(), static_cast<std::size_t>(got));
  }
  return bytes;
}

}  // namespace cgrad::data
