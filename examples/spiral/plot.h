#pragma once
// The seed's pictures as PNG files: the spiral's points coloured by class, and a
// classifier's decision regions painted in light colours under the points. The view is
// the square [-extent, extent]^2 (the spiral lies in the unit disc; the small margin keeps
// the outer points whole). Colours follow matplotlib's Spectral map, as in the seed.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "graph/tensor.h"
#include "spiral_data.h"

namespace cgrad::spiral {

struct PlotOptions {
  int size = 480;        // width and height in pixels
  double extent = 1.05;  // half the side of the square shown
};

// Given points [G, 2], returns one predicted class in [0, classes) per point.
template <Real T>
using Classifier = std::function<std::vector<std::int32_t>(const Tensor<T>& points)>;

// Throws cgrad::IoError when the file cannot be written, cgrad::ValueError for a bad size.
template <Real T>
void write_data_png(const std::string& path, const SpiralData<T>& data, const PlotOptions& options = {});

// Asks classify for every pixel (a band of rows at a time, so memory stays small), then
// draws the points on top. Throws cgrad::ValueError when classify answers with the wrong
// count or a class outside [0, classes).
template <Real T>
void write_decision_png(const std::string& path, const SpiralData<T>& data,
                        const Classifier<T>& classify, const PlotOptions& options = {});

}  // namespace cgrad::spiral
