"""Reads cgrad checkpoints the way safetensors does, with only json and numpy, and checks
the layout rules safetensors enforces: 8-byte little-endian header size, JSON header,
data offsets contiguous from 0 to the end of the file, plus our metadata and checksum.

usage: check_safetensors.py WRITER DIR   (WRITER is write_checkpoint_sample)
"""
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np

DTYPES = {"F32": np.dtype("<f4"), "F64": np.dtype("<f8")}


def fnv1a64(data: bytes) -> int:
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def load(path: Path):
    raw = path.read_bytes()
    (header_size,) = struct.unpack("<Q", raw[:8])
    assert header_size % 8 == 0, "data should start 8-byte aligned"
    header = json.loads(raw[8 : 8 + header_size])
    data = raw[8 + header_size :]
    meta = header.pop("__metadata__")
    assert meta["format"] == "cgrad" and meta["version"] == "1", meta
    assert meta["checksum"] == f"fnv1a64:{fnv1a64(data):016x}", "checksum mismatch"
    assert all(isinstance(v, str) for v in meta.values()), "safetensors metadata values are strings"
    end = 0
    tensors = {}
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, stop = info["data_offsets"]
        assert begin == end, f"{name}: offsets not contiguous"
        dtype = DTYPES[info["dtype"]]
        array = np.frombuffer(data[begin:stop], dtype=dtype).reshape(info["shape"])
        tensors[name] = array
        end = stop
    assert end == len(data), "data section has bytes no tensor owns"
    return tensors, meta


def main() -> int:
    writer, directory = sys.argv[1], Path(sys.argv[2])
    directory.mkdir(parents=True, exist_ok=True)
    subprocess.run([writer, str(directory)], check=True)
    for suffix, dtype in (("f32", np.float32), ("f64", np.float64)):
        tensors, meta = load(directory / f"sample_{suffix}.safetensors")
        a = (np.arange(6) * 0.25 - 1).astype(dtype).reshape(2, 3)
        b = (1.0 / np.arange(1, 4)).astype(dtype).reshape(1, 3)
        np.testing.assert_array_equal(tensors["a"], a)
        np.testing.assert_array_equal(tensors["b"], b)
        assert tensors["a"].dtype == dtype
        np.testing.assert_array_equal(tensors["optimizer.0.momentum"], np.ones((2, 3), dtype))
        np.testing.assert_array_equal(tensors["optimizer.1.momentum"], np.ones((1, 3), dtype))
        assert meta["optimizer"] == "SGD" and meta["optimizer_step"] == "1", meta
        print(f"{suffix}: {sorted(tensors)} read by numpy and equal to what was saved")
    return 0


if __name__ == "__main__":
    sys.exit(main())
