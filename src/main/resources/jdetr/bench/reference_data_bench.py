"""Times the reference DETR data pipeline (PIL + datasets/transforms.py) on one thread.

Used by `jdetr bench data --reference-python ... --reference-detr ...`; prints one JSON line per
measurement, with the same names as the Java side:
  decode        Image.open(path).convert('RGB')
  train_sample  CocoDetection(..., make_coco_transforms('train'))[i]: decode, prepare, augment, normalize
  train_batch   util.misc.collate_fn over `batch` such samples (nested_tensor_from_tensor_list)
"""
import argparse
import json
import os
import random
import time

import torch

torch.set_num_threads(1)

from PIL import Image  # noqa: E402

from datasets.coco import CocoDetection, make_coco_transforms  # noqa: E402
from util.misc import collate_fn  # noqa: E402


def timed(name, seconds, step, images_per_step, extra=None):
    for _ in range(3):  # warm-up
        step(0)
    n, start, cpu_start = 0, time.perf_counter(), time.process_time()
    while True:
        step(n)
        n += 1
        elapsed = time.perf_counter() - start
        if elapsed >= seconds and n >= 5:
            break
    cpu = time.process_time() - cpu_start
    images = n * images_per_step
    line = {"bench": "data", "impl": "reference", "what": name, "threads": 1,
            "images_per_s": images / elapsed, "ms_per_image": 1000 * elapsed / images,
            "images_per_cpu_s": images / cpu, "iterations": n}
    line.update(extra or {})
    print(json.dumps(line), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--images", required=True)
    p.add_argument("--annotations", required=True)
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--batch", type=int, default=2)
    a = p.parse_args()
    random.seed(0)
    torch.manual_seed(0)
    ds = CocoDetection(a.images, a.annotations, transforms=make_coco_transforms("train"), return_masks=False)
    files = [os.path.join(a.images, ds.coco.imgs[i]["file_name"]) for i in ds.ids]
    timed("decode", a.seconds, lambda n: Image.open(files[n % len(files)]).convert("RGB"), 1)
    timed("train_sample", a.seconds, lambda n: ds[n % len(ds)], 1)
    timed("train_batch", a.seconds,
          lambda n: collate_fn([ds[(n * a.batch + k) % len(ds)] for k in range(a.batch)]), a.batch,
          {"batch": a.batch})


if __name__ == "__main__":
    main()
