#include "spiral_test_data.h"

#include <fstream>

#include <gtest/gtest.h>

namespace cgrad::spiral::test {

std::string data_path(const std::string& name) { return std::string(SPIRAL_TEST_DATA_DIR) + "/" + name; }

std::vector<std::string> read_lines(const std::string& name) {
  std::ifstream in(data_path(name));
  EXPECT_TRUE(in) << "cannot open " << data_path(name);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#') lines.push_back(line);
  return lines;
}

}  // namespace cgrad::spiral::test
