#!/usr/bin/env python3
"""Fits the rational approximation behind tanh_float (ops/kernels/vector_math.h).

tanh(x) / x as P(t) / Q(t) in t = x^2 on |x| <= 9, P of degree 6, Q of degree 3 with
Q(0) = 1: weighted least squares on the linearised error (P - g Q) / g, reweighted toward
the worst points (Lawson's iteration) until it approaches the minimax fit. Prints the worst
relative error of the fit and the coefficients, lowest degree first. Needs python3-mpmath.
"""
import mpmath as mp

mp.mp.dps = 40
P_TERMS, Q_TERMS, EDGE, POINTS, ROUNDS = 7, 4, 9, 400, 60


def main():
    xs = [EDGE * (1 - mp.cos(mp.pi * (i + mp.mpf(0.5)) / POINTS)) / 2 for i in range(POINTS)]
    g = [mp.tanh(x) / x for x in xs]
    ts = [x * x for x in xs]
    weights = [mp.mpf(1)] * len(xs)
    for _ in range(ROUNDS):
        rows, rhs = [], []
        for t, gi, w in zip(ts, g, weights):
            s = mp.sqrt(w) / gi
            rows.append([s * t**j for j in range(P_TERMS)] + [-s * gi * t**j for j in range(1, Q_TERMS)])
            rhs.append(s * gi)
        a, b = mp.matrix(rows), mp.matrix(rhs)
        solution = mp.lu_solve(a.T * a, a.T * b)
        p = [solution[j] for j in range(P_TERMS)]
        q = [mp.mpf(1)] + [solution[P_TERMS + j] for j in range(Q_TERMS - 1)]
        errors = [abs(mp.polyval(p[::-1], t) / mp.polyval(q[::-1], t) / gi - 1) for t, gi in zip(ts, g)]
        worst = max(errors)
        weights = [w * (e / worst + mp.mpf("1e-30")) for w, e in zip(weights, errors)]
        total = sum(weights)
        weights = [w / total for w in weights]
    print("worst relative error", mp.nstr(worst, 3))
    print("p =", [mp.nstr(c, 20) for c in p])
    print("q =", [mp.nstr(c, 20) for c in q])


if __name__ == "__main__":
    main()
