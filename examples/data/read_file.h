#pragma once
// Reading a data file whole, gzipped or not: zlib's gz reader passes a plain file through
// unchanged, so every loader accepts "x.gz" and "x" alike.
#include <filesystem>
#include <string>

namespace cgrad::data {

// Throws IoError naming the file when it cannot be opened or read.
std::string read_file(const std::filesystem::path& file);

}  // namespace cgrad::data
