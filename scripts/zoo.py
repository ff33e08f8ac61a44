#!/usr/bin/env python3
"""Runs the model zoo (see zoo.sh) and writes its table as Markdown.

Each run is one process; its final lines give the metric and the mean step time, and
os.wait4 gives its peak resident memory. cgrad and its twin run one after the other on
the same machine in the same invocation, so their ratio is comparable; absolute times
are this machine's.
"""
import argparse
import datetime
import os
import re
import statistics
import subprocess
import sys
import tempfile

# (example, model, metric name, whether larger is better)
MODELS = [("spiral", m, "train loss", False) for m in ("linear", "two-layer")] + \
         [("digits", m, "test accuracy", True) for m in ("logreg", "mlp", "cnn")] + \
         [("chars", m, "val loss", False) for m in ("bigram", "mlp", "lstm", "gru", "transformer")]

# The examples with models above, in their order (--only's choices, ZOO.md's sections).
EXAMPLES = tuple(dict.fromkeys(example for example, *_ in MODELS))

METRIC = {"spiral": re.compile(r"^\S+: loss ([0-9.]+) accuracy [0-9.]+$", re.M),
          "digits": re.compile(r"^digits \S+: test accuracy ([0-9.]+)$", re.M),
          "chars": re.compile(r"^chars \S+: val loss ([0-9.]+)$", re.M)}
# The mean step time and what turns it into ms.
STEP = {"spiral": (re.compile(r"^\S+: ([0-9.]+) us/iter$", re.M), 1e-3),
        "digits": (re.compile(r"^digits \S+: mean step time ([0-9.]+) ms", re.M), 1.0),
        "chars": (re.compile(r"^chars \S+: ([0-9.]+) ms per step$", re.M), 1.0)}
# How a metric is shown: (scale, unit, decimals). Spiral's loss keeps all the digits the
# programs print, so that ZOO.md shows whether the two agree to them.
SHOWN = {"spiral": (1.0, "", 6), "digits": (100.0, "%", 2), "chars": (1.0, "", 4)}
# What keeps cgrad's example quiet beside --out (spiral draws no progress line).
QUIET = {"spiral": [], "digits": ["--no-progress"], "chars": ["--no-progress"]}


def binaries(build, example):
    ours = os.path.join(build, "examples", example, example)
    twin = os.path.join(build, "benchmarks", "peers", f"{example}_torch")
    return ours, (twin if os.path.exists(twin) else None)


def run(command, example):
    """Runs one training; returns (metric, ms per step, peak MiB)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    step_pattern, to_ms = STEP[example]
    metric, step = METRIC[example].search(out), step_pattern.search(out)
    if process.returncode != 0 or not metric or not step:
        sys.exit(f"zoo: {' '.join(command)} failed (exit {process.returncode}):\n{out[-2000:]}")
    return float(metric.group(1)), float(step.group(1)) * to_ms, usage.ru_maxrss / 1024.0


def train(binary, example, model, seed, threads, scratch):
    command = [binary, "--model", model, "--seed", str(seed), "--threads", str(threads)]
    if not binary.endswith("_torch"):
        command += ["--out", scratch] + QUIET[example]
    return run(command, example)


def fmt_ms(value):
    if value is None:
        return "–"
    return f"{value:.4f}" if value < 0.1 else (f"{value:.3f}" if value < 10 else f"{value:.1f}")


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    # Two significant digits below 0.1, so that a small ratio does not print as 0.00.
    return f"{a / b:.2f}" if a / b >= 0.1 else f"{a / b:.2g}"


def summary(values, larger_is_better, shown):
    if not values:
        return "–"
    worst = min(values) if larger_is_better else max(values)
    scale, unit, decimals = shown
    return f"{statistics.mean(values) * scale:.{decimals}f}{unit} ({worst * scale:.{decimals}f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--build", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--only", choices=EXAMPLES)
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for example, model, metric_name, larger in MODELS:
            if args.only and example != args.only:
                continue
            ours, twin = binaries(args.build, example)
            result = {"ours": [], "twin": []}
            steps = {}
            peaks = {}
            for seed in range(args.seeds):
                for side, binary in (("ours", ours), ("twin", twin)):
                    if binary is None:
                        continue
                    metric, step, peak = train(binary, example, model, seed, 1, scratch)
                    result[side].append(metric)
                    steps.setdefault((side, 1), []).append(step)
                    peaks[side] = max(peaks.get(side, 0.0), peak)
                    print(f"zoo: {example} {model} {side} seed {seed}: {metric_name} {metric}, {step} ms/step",
                          flush=True)
            for side, binary in (("ours", ours), ("twin", twin)):
                if binary is not None:
                    steps[(side, 2)] = [train(binary, example, model, 0, 2, scratch)[1]]
            step = {key: statistics.median(values) for key, values in steps.items()}
            rows.append((example, model, metric_name, larger, result, step, peaks))
    write(args, rows)


HEADER = """# Model zoo: cgrad against its LibTorch twins

Written by `./scripts/zoo.sh` (a section at a time with `--only`). Each model runs with its
defaults for every seed; its twin (benchmarks/peers/) has the same layers, starting
parameters, data, batch order, optimizer and steps. Metric: mean (worst) over the seeds.
Step: the median of the runs' mean step times in ms (1 thread: every seed; 2 threads: seed
0); ratio = cgrad / LibTorch, both sides run one after the other in the same invocation.
Peak: the largest resident set of a run, MiB. Both sides run with glibc's default malloc
settings. LibTorch's float64 spiral step spends about 17% in the kernel, growing and
trimming the heap; with MALLOC_TRIM_THRESHOLD_=256M MALLOC_MMAP_THRESHOLD_=256M
MALLOC_TOP_PAD_=16M its two-layer step fell from 1.5-1.8 to 0.3-0.5 ms in paired runs on a
loaded machine; the spiral rows here use the default, as a LibTorch user would.
"""

COLUMNS = ("| model | metric | cgrad | LibTorch | step 1T cgrad | step 1T LibTorch | ratio 1T "
           "| step 2T cgrad | step 2T LibTorch | ratio 2T | peak cgrad | peak LibTorch |\n"
           "|---|---|---|---|---|---|---|---|---|---|---|---|\n")


def section(example, rows, seeds):
    text = (f"## {example}\n\n{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, seeds 0..{seeds - 1}, "
            f"load average at the end {os.getloadavg()[0]:.2f}.\n\n" + COLUMNS)
    for _, model, metric_name, larger, result, step, peaks in rows:
        o1, t1, o2, t2 = (step.get(k) for k in (("ours", 1), ("twin", 1), ("ours", 2), ("twin", 2)))
        peak = lambda side: f"{peaks[side]:.0f}" if side in peaks else "–"
        text += (f"| {model} | {metric_name} | {summary(result['ours'], larger, SHOWN[example])} | "
                 f"{summary(result['twin'], larger, SHOWN[example])} | {fmt_ms(o1)} | {fmt_ms(t1)} | {ratio(o1, t1)} | "
                 f"{fmt_ms(o2)} | {fmt_ms(t2)} | {ratio(o2, t2)} | {peak('ours')} | {peak('twin')} |\n")
    return text


def write(args, rows):
    """Replaces the sections of the examples that ran and keeps the others."""
    sections = {}
    if os.path.exists(args.out):
        for chunk in re.split(r"^(?=## )", open(args.out).read(), flags=re.M)[1:]:
            sections[chunk.split()[1]] = chunk.rstrip("\n") + "\n"
    for example in dict.fromkeys(row[0] for row in rows):
        sections[example] = section(example, [row for row in rows if row[0] == example], args.seeds)
    with open(args.out, "w") as out:
        out.write(HEADER)
        for example in [e for e in EXAMPLES if e in sections]:
            out.write("\n" + sections[example])
    print(f"zoo: wrote {args.out}")


if __name__ == "__main__":
    main()
