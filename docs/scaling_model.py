# Scaling model for docs/distributed.md: ring all-reduce per bucket,
# T(b) = 2(N-1)*alpha + 2(N-1)/N * b / beta; buckets overlap backward except the last.
import math, sys
nets = {"10 Gb/s": (1.25e9, 30e-6), "100 Gb/s": (12.5e9, 3e-6)}
models = [  # name, gradient bytes, compute seconds per step per rank, backward share
    ("spiral two-layer (h=100, f64)", 603*8, float(sys.argv[1])*1e-6, 2/3),
    ("spiral scaled {2,1024,1024,1024,3} f32", 2_107_395*4, float(sys.argv[2])*1e-3, 2/3),
]
def step_time(N, alpha, bw, total, b, compute, bshare):
    k = math.ceil(total / b)
    comm = k * 2*(N-1)*alpha + 2*(N-1)/N * total / bw
    last = 2*(N-1)*alpha + 2*(N-1)/N * min(b, total) / bw   # starts when backward ends
    exposed = max(comm - bshare*compute, last)
    return compute + exposed, comm, exposed, k
def fmt_bytes(b):
    return f"{b/2**20:.1f} MiB" if b >= 2**20 else f"{b/1024:.1f} KiB"
print("| model | network | N | best bucket | buckets | all-reduce ms | exposed ms | step ms | efficiency |")
print("|---|---|---|---|---|---|---|---|---|")
for name, total, compute, bshare in models:
    for net, (bw, alpha) in nets.items():
        for N in (8, 64, 512):
            candidates = [total] + [2**p for p in range(18, 40) if 2**p < total]
            best = min(candidates, key=lambda b: step_time(N, alpha, bw, total, b, compute, bshare)[0])
            step, comm, exposed, k = step_time(N, alpha, bw, total, best, compute, bshare)
            print(f"| {name} | {net} | {N} | {fmt_bytes(best)} | {k} | {comm*1e3:.3f} | {exposed*1e3:.3f} | {step*1e3:.3f} | {compute/step*100:.0f}% |")
