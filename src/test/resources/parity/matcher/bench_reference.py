"""Times the reference HungarianMatcher (CPU) and scipy's linear_sum_assignment alone on the shapes
of `jdetr bench matcher`, printing one JSON line per measurement.

  PYTHONPATH=/work/ref/detr /usr/bin/python3 bench_reference.py [--threads 1] [--max-entries 20e6]

Q = 100 uses DETR's matcher (softmax class cost, weights 1/5/2, 92 logits); Q = 300 uses Deformable
DETR's matcher (focal class cost, weights 2/5/2, 91 logits). A step = matching all 6 decoder layers
of one batch (the reference matches each layer with one call). The reference builds one cost matrix
for the whole batch ([B*Q, B*T]), so its memory grows with B^2: shapes whose matrix would exceed
--max-entries are reported as skipped.
"""
import argparse
import importlib.util
import json
import os
import sys
import time

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

LAYERS = 6
SEED = 1234


def load_matcher(repo):
    """Imports <repo>/models/matcher.py with <repo>/util on the path (no model code, no CUDA op)."""
    for name in [m for m in sys.modules if m == "util" or m.startswith("util.")]:
        del sys.modules[name]
    sys.path.insert(0, repo)
    try:
        spec = importlib.util.spec_from_file_location(f"matcher_{os.path.basename(repo)}",
                                                      os.path.join(repo, "models", "matcher.py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.HungarianMatcher
    finally:
        sys.path.remove(repo)


def make_inputs(rng, batch, queries, classes, targets):
    layers = []
    for _ in range(LAYERS):
        logits = rng.standard_normal((batch, queries, classes)).astype(np.float32)
        boxes = 1.0 / (1.0 + np.exp(-rng.standard_normal((batch, queries, 4)))).astype(np.float32)
        layers.append({"pred_logits": torch.from_numpy(logits), "pred_boxes": torch.from_numpy(boxes.astype(np.float32))})
    tgts = []
    for _ in range(batch):
        centers = rng.uniform(0.1, 0.9, (targets, 2))
        sizes = rng.uniform(0.02, 0.5, (targets, 2))
        tgts.append({"labels": torch.from_numpy(rng.integers(0, classes - 1, targets)),
                     "boxes": torch.from_numpy(np.concatenate([centers, sizes], 1).astype(np.float32))})
    return layers, tgts


def timed(fn, min_seconds, min_reps, max_reps):
    """Median wall and process-CPU milliseconds of one call (CPU time is robust on a busy machine)."""
    fn()  # warm-up
    walls, cpus = [], []
    start = time.perf_counter()
    while len(walls) < min_reps or (time.perf_counter() - start < min_seconds and len(walls) < max_reps):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        cpus.append(time.process_time() - c0)
        walls.append(time.perf_counter() - t0)
    return {"msPerStep": round(float(np.median(walls)) * 1e3, 4),
            "cpuMsPerStep": round(float(np.median(cpus)) * 1e3, 4), "reps": len(walls)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--queries", type=int, nargs="+", default=[100, 300])
    parser.add_argument("--batches", type=int, nargs="+", default=[2, 4, 8, 16, 32, 64])
    parser.add_argument("--targets", type=int, nargs="+", default=[1, 10, 30, 100])
    parser.add_argument("--max-entries", type=float, default=20e6)
    parser.add_argument("--min-seconds", type=float, default=1.0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    ref = os.environ.get("JDETR_REF", "/work/ref")
    detr = load_matcher(os.path.join(ref, "detr"))(cost_class=1, cost_bbox=5, cost_giou=2)
    ddetr = load_matcher(os.path.join(ref, "ddetr"))(cost_class=2, cost_bbox=5, cost_giou=2)
    for queries in args.queries:
        variant, matcher, classes = ("detr", detr, 92) if queries == 100 else ("deformable", ddetr, 91)
        for targets in args.targets:
            for batch in args.batches:
                rng = np.random.default_rng(SEED)
                layers, tgts = make_inputs(rng, batch, queries, classes, targets)
                base = {"variant": variant, "queries": queries, "classes": classes, "batch": batch,
                        "targets": targets, "layers": LAYERS, "threads": args.threads}
                # scipy alone, on the per-image float64 cost matrices of every layer
                costs = [rng.standard_normal((queries, targets)) for _ in range(LAYERS * batch)]
                t = timed(lambda: [linear_sum_assignment(c) for c in costs], args.min_seconds, 3, 1000)
                print(json.dumps({"impl": "scipy", "what": "solve", **base, **t}), flush=True)
                entries = (batch * queries) * (batch * targets)
                if entries > args.max_entries:
                    print(json.dumps({"impl": "reference", "what": "step", **base, "skipped": f"cost matrix {entries:.3g} entries > {args.max_entries:.3g}"}), flush=True)
                    continue
                t = timed(lambda: [matcher(out, tgts) for out in layers], args.min_seconds, 2, 100)
                print(json.dumps({"impl": "reference", "what": "step", **base, **t}), flush=True)


if __name__ == "__main__":
    main()
