#pragma once
// A picture file as the models' input: --predict reads any grayscale (or colour, averaged)
// PNG, JPEG, BMP... with stb_image and scales it to side × side by area averaging.
// The data sets store light ink on a dark ground (ink = 1); a picture whose border is
// mostly light (dark ink on paper) is inverted to match.
#include <cstddef>
#include <string>
#include <vector>

#include "graph/tensor.h"

namespace cgrad::digits {

// [1, side²] pixels in [0, 1]. Throws IoError naming the file when it cannot be decoded.
Tensor<float> load_picture(const std::string& path, std::size_t side);

// Area-averaging resize of a rows × cols grayscale picture (values row-major) to
// side × side; works both ways (down- and upscaling).
std::vector<float> resize_area(const std::vector<float>& pixels, std::size_t rows, std::size_t cols,
                               std::size_t side);

}  // namespace cgrad::digits
