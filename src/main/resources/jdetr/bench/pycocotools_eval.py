"""Times pycocotools' COCOeval (bbox) on a ground-truth file and a results file.

Usage: python3 pycocotools_eval.py GT.json DT.json
Prints one JSON line: load / evaluate / accumulate / summarize seconds and the 12 numbers.
pycocotools must be importable (PYTHONPATH).
"""
import contextlib
import io
import json
import sys
import time

import numpy as np

if not hasattr(np, "float"):
    np.float = float  # accumulate() still spells np.float (float64), removed in numpy 1.24

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def main(gt_path, dt_path):
    sink = io.StringIO()
    with contextlib.redirect_stdout(sink):
        t0 = time.perf_counter()
        gt = COCO(gt_path)
        dt = gt.loadRes(dt_path)
        t1 = time.perf_counter()
        c1 = time.process_time()
        E = COCOeval(gt, dt, iouType="bbox")
        E.evaluate()
        t2 = time.perf_counter()
        E.accumulate()
        t3 = time.perf_counter()
        E.summarize()
        t4 = time.perf_counter()
        c4 = time.process_time()
    print(json.dumps({"bench": "eval", "impl": "pycocotools", "load_s": t1 - t0, "evaluate_s": t2 - t1,
                      "accumulate_s": t3 - t2, "summarize_s": t4 - t3, "eval_s": t4 - t1, "eval_cpu_s": c4 - c1,
                      "total_s": t4 - t0, "stats": [float(s) for s in E.stats]}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
