"""Records scipy's linear_sum_assignment on a fixed set of cost matrices (lsap_cases.json).

Run with Debian's python3 (scipy 1.10):  /usr/bin/python3 generate_lsap.py
Each case stores the matrix, scipy's row/col indices, the optimal total and whether the optimum is
unique (every optimal pair, when forbidden, makes the optimum strictly worse by more than `tol`).
"""
import json
import os

import numpy as np
import scipy
from scipy.optimize import linear_sum_assignment

HERE = os.path.dirname(os.path.abspath(__file__))


def uniqueness_margin(c, rows, cols, total):
    """Smallest increase of the optimum when one optimal pair is forbidden (inf if none exists)."""
    margin = np.inf
    for r, k in zip(rows, cols):
        forbidden = c.copy()
        forbidden[r, k] = np.inf
        try:
            fr, fc = linear_sum_assignment(forbidden)
        except ValueError:  # no other feasible assignment
            continue
        margin = min(margin, float(forbidden[fr, fc].sum()) - total)
    return margin


def case(name, c):
    c = np.asarray(c, dtype=np.float64)
    rows, cols = linear_sum_assignment(c)
    total = float(c[rows, cols].sum()) if len(rows) else 0.0
    scale = float(np.abs(c).max()) if c.size else 0.0
    margin = uniqueness_margin(c, rows, cols, total) if c.size else np.inf
    tol = 1e-9 * scale
    return {
        "name": name,
        "rows": int(c.shape[0]),
        "cols": int(c.shape[1]),
        "cost": [float(x) for x in c.ravel()],
        "rowInd": [int(x) for x in rows],
        "colInd": [int(x) for x in cols],
        "total": total,
        "unique": bool(margin > tol),
    }


def main():
    rng = np.random.default_rng(20240611)
    cases = []
    for (r, k) in [(1, 1), (3, 3), (5, 8), (8, 5), (10, 10), (20, 30), (30, 20), (50, 100), (100, 50)]:
        cases.append(case(f"uniform_{r}x{k}", rng.uniform(-1, 1, (r, k))))
    for (r, k) in [(6, 6), (10, 15), (15, 10), (40, 60), (100, 20), (20, 100)]:
        cases.append(case(f"integer_tied_{r}x{k}", rng.integers(0, 4, (r, k))))
    cases.append(case("integer_tied_negative_12x12", rng.integers(-3, 1, (12, 12))))
    cases.append(case("constant_5x5", np.full((5, 5), 7.0)))
    cases.append(case("constant_4x9", np.full((4, 9), -2.5)))
    cases.append(case("constant_9x4", np.full((9, 4), 0.0)))
    cases.append(case("huge_15x10", rng.uniform(-1, 1, (15, 10)) * 1e15))
    cases.append(case("huge_200_10x10", rng.uniform(0, 1, (10, 10)) * 1e200))
    cases.append(case("small_10x15", rng.uniform(-1, 1, (10, 15)) * 1e-15))
    cases.append(case("small_200_10x10", rng.uniform(0, 1, (10, 10)) * 1e-200))
    cases.append(case("mixed_magnitude_12x8", rng.uniform(-1, 1, (12, 8)) * 10.0 ** rng.integers(-8, 9, (12, 8))))
    cases.append(case("negative_25x25", rng.uniform(-100, -50, (25, 25))))
    cases.append(case("row_1x7", rng.uniform(-1, 1, (1, 7))))
    cases.append(case("col_7x1", rng.uniform(-1, 1, (7, 1))))
    cases.append(case("row_tied_1x6", np.array([[2.0, 1.0, 3.0, 1.0, 1.0, 4.0]])))
    cases.append(case("col_tied_6x1", np.array([[2.0], [1.0], [3.0], [1.0], [1.0], [4.0]])))
    cases.append(case("empty_0x0", np.zeros((0, 0))))
    cases.append(case("empty_0x4", np.zeros((0, 4))))
    cases.append(case("empty_4x0", np.zeros((4, 0))))
    # DETR-shaped: float32 costs (as the reference matcher hands them to scipy), 100 queries.
    for t in (1, 7, 30):
        c = (rng.uniform(0, 4, (100, t)) - rng.uniform(0, 1, (100, t))).astype(np.float32)
        cases.append(case(f"detr_float32_100x{t}", c))
    out = {"scipy": scipy.__version__, "numpy": np.__version__, "cases": cases}
    with open(os.path.join(HERE, "lsap_cases.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"{len(cases)} cases; unique optimum in {sum(c['unique'] for c in cases)}")


if __name__ == "__main__":
    main()
