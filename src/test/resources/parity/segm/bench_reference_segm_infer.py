"""Times the reference DETRsegm's inference (DETR-R50 with the mask head, random weights) on the
CPU, printing the same JSON lines as `jdetr bench infer --masks`.

  PYTHONPATH=/tmp/ref/facebookresearch+detr /usr/bin/python3 bench_reference_segm_infer.py \
      --threads 2 --height 800 --width 1066
"""
import argparse
import json
import os
import resource
import statistics
import sys
import time
import warnings

import torch

warnings.filterwarnings("ignore")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from generate_segm_fixtures import ARGS, build_reference  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--height", type=int, default=800)
    p.add_argument("--width", type=int, default=1066)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--iterations", type=int, default=5)
    p.add_argument("--backbone", default="resnet50")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    # the reference main.py defaults (hidden 256, 8 heads, 6 + 6 layers, 100 queries), masks on
    ARGS.update(backbone=a.backbone, hidden_dim=256, nheads=8, enc_layers=6, dec_layers=6,
                dim_feedforward=2048, num_queries=100, dropout=0.1)
    t0 = time.perf_counter()
    _, model, _ = build_reference()
    from util.misc import nested_tensor_from_tensor_list
    model.eval()
    build_ms = (time.perf_counter() - t0) * 1e3
    marks = {}
    model.detr.backbone.register_forward_hook(
        lambda m, i, o: marks.__setitem__("backbone_end", time.perf_counter()))
    base = {"bench": "infer", "impl": "reference",
            "model": "detr-" + a.backbone.replace("resnet", "r") + "-segm", "height": a.height,
            "width": a.width, "batch": a.batch, "threads": torch.get_num_threads(),
            "requested_threads": a.threads}
    times, cpu_times = [], []
    with torch.no_grad():
        for i in range(-a.warmup, a.iterations):
            images = torch.randn(a.batch, 3, a.height, a.width)
            cpu_start = time.process_time()
            start = time.perf_counter()
            out = model(nested_tensor_from_tensor_list(list(images)))  # all-false mask
            out["pred_masks"].numpy()
            end = time.perf_counter()
            ms = (end - start) * 1e3 / a.batch
            cpu_ms = (time.process_time() - cpu_start) * 1e3 / a.batch
            if i >= 0:
                times.append(ms)
                cpu_times.append(cpu_ms)
                print(json.dumps({**base, "iteration": i, "ms_per_image": round(ms, 1),
                                  "cpu_ms_per_image": round(cpu_ms, 1),
                                  "backbone_ms": round((marks["backbone_end"] - start) * 1e3 / a.batch, 1),
                                  "transformer_and_heads_ms":
                                      round((end - marks["backbone_end"]) * 1e3 / a.batch, 1)}),
                      flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({**base, "summary": True, "iterations": a.iterations, "warmup": a.warmup,
                      "ms_per_image_median": round(statistics.median(times), 1),
                      "ms_per_image_min": round(min(times), 1),
                      "cpu_ms_per_image_median": round(statistics.median(cpu_times), 1),
                      "build_ms": round(build_ms, 1), "torch": torch.__version__,
                      "peak_rss_mb": round(peak_mb, 1)}))


if __name__ == "__main__":
    main()
