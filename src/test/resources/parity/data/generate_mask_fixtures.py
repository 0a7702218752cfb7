"""Parity fixtures for instance masks in jdetr's data pipeline, computed by the reference DETR code.

Run (from the repository root):
  PYTHONPATH=/tmp/ref/facebookresearch+detr:/tmp/cocoapi_build/PythonAPI /usr/bin/python3 \
      src/test/resources/parity/data/generate_mask_fixtures.py src/test/resources/parity/data

Writes masks.json: small images with polygon, multi-polygon, uncompressed-RLE and crowd
annotations (some outside the image or with empty boxes), prepared by ConvertCocoPolysToMask
(return_masks=True), then through hflip, resize, crop and whole train pipelines with given
choices. Each target's masks are recorded as the SHA-1 of the uint8 [N, H, W] bytes and the
per-mask areas. Fixed seeds: a rerun reproduces the file byte for byte.
"""
import hashlib
import json
import os
import random
import sys

import numpy as np
import torch
from PIL import Image


def shim_packaging():
    """util.misc compares torchvision's version with packaging.version; give it one if missing."""
    try:
        import packaging.version  # noqa: F401
    except ImportError:
        import re
        import types
        version = types.ModuleType("packaging.version")
        version.parse = lambda v: tuple(int(x) for x in re.findall(r"\d+", v.split("+")[0])[:3])
        sys.modules["packaging"] = types.ModuleType("packaging")
        sys.modules["packaging.version"] = version
        sys.modules["packaging"].version = version


shim_packaging()
import datasets.transforms as T  # noqa: E402
from datasets.coco import ConvertCocoPolysToMask  # noqa: E402

OUT = sys.argv[1]


def masks_json(t):
    m = t["masks"].to(torch.uint8).contiguous()
    return {
        "shape": list(m.shape),
        "sha1": hashlib.sha1(m.numpy().tobytes()).hexdigest(),
        "areas": [int(v) for v in m.flatten(1).sum(1).tolist()],
        "labels": [int(v) for v in t["labels"].tolist()],
        "size": [int(v) for v in t["size"].tolist()],
    }


def polygon(rng, cx, cy, r, points):
    xy = []
    for k in range(points):
        a = 2 * np.pi * k / points + rng.uniform(-0.2, 0.2)
        rr = r * rng.uniform(0.5, 1.0)
        xy += [round(cx + rr * np.cos(a), 2), round(cy + rr * np.sin(a), 2)]
    return xy


def annotations(rng, w, h, n, next_id):
    anns = []
    for _ in range(n):
        cx, cy = rng.uniform(-0.1 * w, 1.1 * w), rng.uniform(-0.1 * h, 1.1 * h)
        r = rng.uniform(2, 0.4 * min(w, h))
        kind = rng.random()
        if kind < 0.55:
            seg = [polygon(rng, cx, cy, r, rng.randint(3, 9))]
        elif kind < 0.75:
            seg = [polygon(rng, cx, cy, r, 5), polygon(rng, cx + r, cy, r / 2, 4)]
        else:
            full = np.zeros((h, w), dtype=np.uint8)
            y0, x0 = max(0, int(cy - r)), max(0, int(cx - r))
            full[y0:max(y0, int(cy + r)), x0:max(x0, int(cx + r))] = 1
            full[y0:int(cy), x0:int(cx)] = 0  # an L shape, so that flips and crops show
            seg = {"size": [h, w], "counts": rle_counts(full)}
        xs = [v for p in (seg if isinstance(seg, list) else []) for v in p[0::2]] or [cx - r, cx + r]
        ys = [v for p in (seg if isinstance(seg, list) else []) for v in p[1::2]] or [cy - r, cy + r]
        bbox = [round(min(xs), 2), round(min(ys), 2), round(max(xs) - min(xs), 2),
                round(max(ys) - min(ys), 2)]
        if rng.random() < 0.08:
            bbox[2] = 0.0
        ann = {"id": next_id, "bbox": bbox, "category_id": rng.randint(1, 9),
               "area": round(rng.uniform(1, w * h), 2), "segmentation": seg,
               "iscrowd": 1 if rng.random() < 0.1 else 0}
        anns.append(ann)
        next_id += 1
    return anns


def rle_counts(mask):
    """Uncompressed RLE counts of a [h, w] mask, column-major, starting with zeros."""
    flat = mask.flatten(order="F")
    counts, prev, run = [], 0, 0
    for v in flat:
        if v != prev:
            counts.append(run)
            run, prev = 0, v
        run += 1
    counts.append(run)
    return counts


def prepared(w, h, anns, image_id):
    return ConvertCocoPolysToMask(True)(Image.new("RGB", (w, h)),
                                        {"image_id": image_id, "annotations": anns})


def main():
    rng = random.Random(19)
    cases, pipelines = [], []
    next_id = 1
    for k in range(24):
        w, h = rng.randint(8, 90), rng.randint(8, 90)
        anns = annotations(rng, w, h, rng.randint(0, 6), next_id)
        next_id += len(anns)
        img, t = prepared(w, h, anns, k)
        case = {"width": w, "height": h, "annotations": anns, "prepared": masks_json(t)}
        _, flipped = T.hflip(img, t)
        case["hflip"] = masks_json(flipped)
        resizes = []
        for size, max_size in [(rng.randint(4, 120), None), (2 * min(w, h), None),
                               (min(w, h) // 2 or 1, None), (rng.randint(10, 80), 100)]:
            _, resized = T.resize(img, t, size, max_size)
            resizes.append({"size": size, "max_size": max_size or 0, "masks": masks_json(resized)})
        case["resize"] = resizes
        ch, cw = rng.randint(1, h), rng.randint(1, w)
        region = (rng.randint(0, h - ch), rng.randint(0, w - cw), ch, cw)
        _, cropped = T.crop(img, t, region)
        case["crop"] = {"region": list(region), "masks": masks_json(cropped)}
        cases.append(case)

    for k in range(12):
        w, h = rng.randint(40, 160), rng.randint(40, 160)
        anns = annotations(rng, w, h, rng.randint(2, 8), next_id)
        next_id += len(anns)
        img, t = prepared(w, h, anns, k)
        plan = {"flip": rng.random() < 0.5, "resize_only": rng.random() < 0.5}
        if plan["flip"]:
            img, t = T.hflip(img, t)
        if not plan["resize_only"]:
            plan["crop_resize_size"] = rng.choice([40, 50, 60])
            img, t = T.resize(img, t, plan["crop_resize_size"], None)
            cw = rng.randint(20, min(img.width, 48))
            ch = rng.randint(20, min(img.height, 48))
            region = (rng.randint(0, img.height - ch), rng.randint(0, img.width - cw), ch, cw)
            plan["crop"] = list(region)
            img, t = T.crop(img, t, region)
        plan["size"] = rng.choice([32, 48, 64, 80])
        plan["max_size"] = 133
        img, t = T.resize(img, t, plan["size"], 133)
        pipelines.append({"width": w, "height": h, "annotations": anns, "plan": plan,
                          "masks": masks_json(t)})

    with open(os.path.join(OUT, "masks.json"), "w") as f:
        json.dump({"cases": cases, "pipelines": pipelines}, f, separators=(",", ":"))
        f.write("\n")


main()
