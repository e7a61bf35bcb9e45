#!/usr/bin/env python3
"""The NumPy peer of `chainrule verify` on the seed network (examples/seed.ts) at MNIST size.

The same work a gradient check does: draw inputs, evaluate the hand-derived gradient, then
central differences in float64 with eps = 1e-6, one forward pass per probe, and gradcheck's
tolerance |a - n| <= 1e-5 + 1e-3 |n| on every element (full mode), or 4 random unit directions
(fast mode). OpenBLAS is held to one thread, as the issue's table measures it.

usage: numpy_gradcheck.py --param x|W1 --mode full|fast [--D 784 --H 128 --K 10]
Prints one line: `numpy <param> <mode>: pass|FAIL <seconds> s (<passes> passes)`, or
`skipped: no numpy` (exit 0) when NumPy is not installed.
"""
import os
import sys
import time

# Before NumPy loads: BLAS reads these once.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = "1"

t_start = time.perf_counter()
try:
    import numpy as np
except ImportError:
    print("skipped: no numpy")
    sys.exit(0)

EPS = 1e-6
ATOL = 1e-5
RTOL = 1e-3


def arg(name, default):
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return default


def main():
    param = arg("--param", "W1")
    mode = arg("--mode", "full")
    D, H, K = int(arg("--D", 784)), int(arg("--H", 128)), int(arg("--K", 10))
    rng = np.random.default_rng(1)
    p = {
        "x": rng.standard_normal((1, D)),
        "W1": rng.standard_normal((D, H)),
        "b1": rng.standard_normal((1, H)),
        "W2": rng.standard_normal((H, K)),
        "b2": rng.standard_normal((1, K)),
    }
    y = np.zeros((1, K))
    y[0, rng.integers(K)] = 1.0

    def forward(x, W1, b1, W2, b2):
        r = x @ W1 + b1
        h = np.where(r >= 0, 1 / (1 + np.exp(-np.abs(r))), np.exp(-np.abs(r)) / (1 + np.exp(-np.abs(r))))
        t = h @ W2 + b2
        e = np.exp(t - t.max(axis=-1, keepdims=True))
        yhat = e / e.sum(axis=-1, keepdims=True)
        return -np.sum(y * np.log(yhat)), h, yhat

    def loss():
        return forward(p["x"], p["W1"], p["b1"], p["W2"], p["b2"])[0]

    # The hand-derived gradient (the seed's dLoss_dx / dLoss_dW1).
    _, h, yhat = forward(p["x"], p["W1"], p["b1"], p["W2"], p["b2"])
    dr = ((yhat - y) @ p["W2"].T) * (h * (1 - h))
    analytic = dr @ p["W1"].T if param == "x" else p["x"].T @ dr

    target = p[param]
    passes = 0
    if mode == "full":
        numeric = np.empty_like(target)
        flat = target.reshape(-1)
        out = numeric.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + EPS
            plus = loss()
            flat[i] = orig - EPS
            minus = loss()
            flat[i] = orig
            out[i] = (plus - minus) / (2 * EPS)
            passes += 2
        ok = bool(np.all(np.abs(analytic - numeric) <= ATOL + RTOL * np.abs(numeric)))
    else:
        ok = True
        orig = target.copy()
        for _ in range(4):
            u = rng.standard_normal(target.shape)
            u /= np.linalg.norm(u)
            p[param] = orig + EPS * u
            plus = loss()
            p[param] = orig - EPS * u
            minus = loss()
            p[param] = orig
            passes += 2
            num = (plus - minus) / (2 * EPS)
            ana = float(np.sum(analytic * u))
            if not abs(ana - num) <= ATOL + RTOL * abs(num):
                ok = False
    seconds = time.perf_counter() - t_start
    print(f"numpy {param} {mode}: {'pass' if ok else 'FAIL'} {seconds:.3f} s ({passes} passes)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
