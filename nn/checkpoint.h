#pragma once
// Checkpoints: named parameters, and optionally an optimizer's state, in the safetensors
// format (https://huggingface.co/docs/safetensors), so Python reads them with
// safetensors.numpy.load_file or with a few lines of json + numpy:
//
//   bytes 0..8      N, the header length, unsigned 64-bit little-endian
//   bytes 8..8+N    a JSON object (padded with spaces to a multiple of 8 bytes):
//                     "<name>": {"dtype": "F32"|"F64", "shape": [rows, cols],
//                                "data_offsets": [begin, end]}   (one per tensor)
//                     "__metadata__": {"format": "cgrad", "version": "1",
//                                      "checksum": "fnv1a64:<16 hex digits>",
//                                      "optimizer": "Adam", "optimizer_step": "300"}
//   bytes 8+N..     the data: each tensor's values, row-major, little-endian, at
//                   [begin, end) relative to the start of the data, packed in order
//
// "format" and "version" are our magic number and version; "checksum" is FNV-1a 64 of
// the whole data section. Parameters keep their names; an optimizer's state tensors are
// stored as "optimizer.<parameter index>.<slot>" (e.g. "optimizer.0.exp_avg"), and its
// name and step count in the metadata ("optimizer", "optimizer_step"), present only
// when the state was saved.
//
// save_checkpoint writes "<file>.tmp.<pid>", fsyncs it, renames it over `file` and
// fsyncs the directory: a crash leaves either the old checkpoint or the new one, never a
// mix. load_checkpoint reads and validates the whole file into temporaries before it
// changes anything: on any problem it throws IoError naming the file and the problem,
// and the model and optimizer are left as they were.
#include <filesystem>
#include <vector>

#include "nn/module.h"
#include "nn/named_parameter.h"
#include "optim/optimizer.h"

namespace cgrad {

// Throws ValueError for an empty, repeated or reserved name (one starting with
// "optimizer." or "__"), IoError when the file cannot be written.
template <Real T>
void save_checkpoint(const std::filesystem::path& file, const std::vector<NamedParameter<T>>& parameters,
                     const Optimizer<T>* optimizer = nullptr);

// Every named parameter must be in the file with the same dtype and shape, and the file
// must hold no parameter the list lacks. With an optimizer, the file must hold state of
// an optimizer of the same name and slots; without one, saved state is ignored.
template <Real T>
void load_checkpoint(const std::filesystem::path& file, const std::vector<NamedParameter<T>>& parameters,
                     Optimizer<T>* optimizer = nullptr);

// A module's parameters and buffers, under their dotted names (named_parameters() then
// named_buffers(), e.g. "layers.0.weight", "bn.running_mean"); the same file format, so
// a module's checkpoint loads into the list form with the same names and back. Loading
// checks every name, dtype and shape as above, buffers included, and changes nothing
// unless all is well. A parameter's version moves on load; a buffer is simply replaced.
template <Real T>
void save_checkpoint(const std::filesystem::path& file, const Module<T>& module, const Optimizer<T>* optimizer = nullptr);
template <Real T>
void load_checkpoint(const std::filesystem::path& file, Module<T>& module, Optimizer<T>* optimizer = nullptr);

namespace detail {
// For tests: called by save_checkpoint after the temporary file is complete and synced,
// before the rename. A hook that throws simulates a crash at that point.
inline void (*checkpoint_before_rename_hook)(const std::filesystem::path& temporary) = nullptr;
}  // namespace detail

}  // namespace cgrad
