#pragma once
// Reading the NumPy reference files kept in tests/data (copies of ../shared/reference, so
// that the tests need nothing outside the repository).
#include <string>
#include <vector>

namespace cgrad::spiral::test {

// SPIRAL_TEST_DATA_DIR / name.
std::string data_path(const std::string& name);
// Every line of a file, without '#' comment lines; fails the test if it cannot be read.
std::vector<std::string> read_lines(const std::string& name);

}  // namespace cgrad::spiral::test
