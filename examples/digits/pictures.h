#pragma once
// The pictures of a digits run, in --out: digits_<model>_loss.png (train and test loss per
// epoch), digits_<model>_confusion.png (the test set's confusion matrix) and
// digits_<model>_misclassified.png (up to 36 wrongly classified test images, "true→predicted").
#include <cstdint>
#include <string>
#include <vector>

#include "digits_data.h"
#include "train.h"

namespace cgrad::digits {

// The files written, in order; no loss curves without epochs, no grid without mistakes.
std::vector<std::string> write_pictures(const std::string& out_dir, const std::string& model_name,
                                        const std::vector<EpochResult>& history, const DigitsData& data,
                                        const std::vector<std::int32_t>& predicted);

}  // namespace cgrad::digits
