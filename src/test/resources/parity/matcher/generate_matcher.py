"""Records the reference Hungarian matchers on random model outputs (matcher_cases.json).

  /usr/bin/python3 generate_matcher.py      (reference sources in /work/ref, or set JDETR_REF)

Runs DETR's HungarianMatcher (softmax class cost, weights 1/5/2) and Deformable DETR's (focal class
cost, weights 2/5/2) imported from the reference checkouts, layer by layer as SetCriterion calls it
(last layer and each aux layer), on a batch whose images have 0..Q targets. Records the inputs, the
index pairs, and the float32 cost matrix each image handed to scipy (captured by wrapping the
module's linear_sum_assignment), plus how far each optimum is from a tie.
Floats are base64 of little-endian float32.
"""
import base64
import importlib.util
import json
import os
import sys

import numpy as np
import torch
from scipy.optimize import linear_sum_assignment

HERE = os.path.dirname(os.path.abspath(__file__))
REF = os.environ.get("JDETR_REF", "/work/ref")
captured = []


def capturing_lsa(c):
    c = np.asarray(c)
    captured.append(c.astype(np.float32).copy())
    return linear_sum_assignment(c)


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
    finally:
        sys.path.remove(repo)
    module.linear_sum_assignment = capturing_lsa
    return module.HungarianMatcher


def b64(array):
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


def margin(c):
    """Smallest increase of the optimum when one optimal pair is forbidden (how unique it is)."""
    c = c.astype(np.float64)
    if c.size == 0:
        return None
    rows, cols = linear_sum_assignment(c)
    best = c[rows, cols].sum()
    out = np.inf
    for r, k in zip(rows, cols):
        f = c.copy()
        f[r, k] = np.inf
        try:
            fr, fc = linear_sum_assignment(f)
        except ValueError:
            continue
        out = min(out, f[fr, fc].sum() - best)
    return None if out == np.inf else float(out)


def make_case(rng, name, matcher, class_loss, weights, layers, queries, classes, target_counts,
              duplicate_in=None):
    batch = len(target_counts)
    logits = (rng.standard_normal((layers, batch, queries, classes)) * 2.0).astype(np.float32)
    boxes = (1.0 / (1.0 + np.exp(-rng.standard_normal((layers, batch, queries, 4))))).astype(np.float32)
    targets = []
    for b, t in enumerate(target_counts):
        real = classes - 1 if class_loss == "SOFTMAX_CE" else classes
        labels = rng.integers(0, real, t)
        centers = rng.uniform(0.05, 0.95, (t, 2))
        sizes = rng.uniform(0.01, 0.6, (t, 2))
        tb = np.concatenate([centers, sizes], 1).astype(np.float32)
        if b == duplicate_in and t >= 2:  # a duplicated annotation: two identical targets (a tie)
            labels[1] = labels[0]
            tb[1] = tb[0]
        targets.append({"labels": torch.from_numpy(labels.astype(np.int64)), "boxes": torch.from_numpy(tb)})
    matchings = []
    for layer in range(layers):
        outputs = {"pred_logits": torch.from_numpy(logits[layer]), "pred_boxes": torch.from_numpy(boxes[layer])}
        captured.clear()
        indices = matcher(outputs, targets)
        assert len(captured) == batch
        matchings.append([{"queries": [int(x) for x in i], "targets": [int(x) for x in j],
                           "cost": b64(captured[b]), "margin": margin(captured[b])}
                          for b, (i, j) in enumerate(indices)])
    return {
        "name": name, "classLoss": class_loss, "costClass": weights[0], "costBbox": weights[1],
        "costGiou": weights[2], "layers": layers, "batch": batch, "queries": queries,
        "classes": classes, "logits": b64(logits), "boxes": b64(boxes),
        "targets": [{"labels": [int(x) for x in t["labels"]], "boxes": b64(t["boxes"].numpy())} for t in targets],
        "matchings": matchings,
    }


def main():
    torch.manual_seed(0)
    rng = np.random.default_rng(31337)
    detr = load_matcher(os.path.join(REF, "detr"))(cost_class=1, cost_bbox=5, cost_giou=2)
    ddetr = load_matcher(os.path.join(REF, "ddetr"))(cost_class=2, cost_bbox=5, cost_giou=2)
    cases = [
        make_case(rng, "detr_aux_layers", detr, "SOFTMAX_CE", (1, 5, 2), 6, 30, 21, [0, 1, 7, 30, 5], duplicate_in=4),
        make_case(rng, "detr_coco_shaped", detr, "SOFTMAX_CE", (1, 5, 2), 1, 100, 92, [50, 3, 0]),
        make_case(rng, "deformable_aux_layers", ddetr, "SIGMOID_FOCAL", (2, 5, 2), 6, 30, 20, [0, 1, 7, 30, 5], duplicate_in=4),
        make_case(rng, "deformable_coco_shaped", ddetr, "SIGMOID_FOCAL", (2, 5, 2), 1, 300, 91, [100, 4]),
    ]
    out = {"reference": "facebookresearch/detr@29901c5, fundamentalvision/Deformable-DETR@11169a6",
           "torch": torch.__version__, "cases": cases}
    with open(os.path.join(HERE, "matcher_cases.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    units = sum(c["layers"] * c["batch"] for c in cases)
    print(f"{len(cases)} cases, {units} (layer, image) units")


if __name__ == "__main__":
    main()
