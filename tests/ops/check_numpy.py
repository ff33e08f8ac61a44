"""Compares cgrad's float64 forward values with NumPy's on every op sample that has a NumPy
expression (tests/ops/*_samples.cpp). Usage: check_numpy.py DUMP_PROGRAM WORK_DIR"""
import json
import math
import os
import subprocess
import sys

import numpy as np

_erf = np.vectorize(math.erf, otypes=[np.float64])  # otypes: size-0 inputs too


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def gelu(x):  # the exact (erf) form, as torch.nn.functional.gelu's default
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))


def softplus(x):
    return np.logaddexp(0.0, x)


def logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis)


def softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(x, axis):
    return x - logsumexp(x, axis=axis, keepdims=True)


HELPERS = {"np": np, "sigmoid": sigmoid, "gelu": gelu, "softplus": softplus, "logsumexp": logsumexp,
           "softmax": softmax, "log_softmax": log_softmax}


def main():
    program, work_dir = sys.argv[1], sys.argv[2]
    os.makedirs(work_dir, exist_ok=True)
    dump = os.path.join(work_dir, "op_samples.json")
    subprocess.run([program, dump], check=True)
    with open(dump) as f:
        samples = json.load(f)
    failures = 0
    ops = set()
    for s in samples:
        env = dict(HELPERS)
        for i, x in enumerate(s["inputs"]):
            env[f"x{i}"] = np.array(x["data"], dtype=np.float64).reshape(x["shape"])
        expected = np.asarray(eval(s["numpy"], env), dtype=np.float64)  # noqa: S307 (our own test table)
        got = np.array(s["output"]["data"], dtype=np.float64).reshape(s["output"]["shape"])
        where = f'{s["op"]} {s["label"]} ({s["numpy"]})'
        if got.shape != expected.shape:
            print(f"FAIL {where}: shape {list(got.shape)}, NumPy {list(expected.shape)}")
            failures += 1
            continue
        scale = max(1.0, float(np.max(np.abs(expected)))) if expected.size else 1.0
        error = float(np.max(np.abs(got - expected))) / scale if expected.size else 0.0
        if not error <= 1e-12:
            print(f"FAIL {where}: worst error {error:.3g} relative to the scale {scale:.3g}")
            failures += 1
        ops.add(s["op"])
    print(f"{len(samples) - failures} of {len(samples)} samples of {len(ops)} ops agree with NumPy")
    if not samples:
        print("FAIL: no sample has a NumPy expression")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
