"""Parity fixture for jdetr.data.CocoPanopticReader.

Writes a small JPEG for every image of pq_cases/many/gt.json into reader_images/ (run
generate_pq_cases.py first), reads the split with the reference's CocoPanoptic
(facebookresearch/detr datasets/coco_panoptic.py, no transforms) and writes reader_expected.json:
per item image_id, size, labels, boxes (masks_to_boxes), iscrowd, area and the sha1 of the masks
[N, H, W] as uint8.

Run (from this directory):
  PYTHONPATH=/path/to/detr:/path/to/panopticapi:/path/to/cocoapi/PythonAPI \
      /usr/bin/python3 generate_reader_cases.py
"""
import hashlib
import json
import os
import sys
import types

import numpy as np
from PIL import Image

try:
    import packaging.version  # noqa: F401  (util/misc.py compares torchvision versions with it)
except ImportError:
    def _parse(v):
        return tuple(int(p) for p in v.split("+")[0].split(".")[:2])
    sys.modules["packaging"] = types.ModuleType("packaging")
    sys.modules["packaging.version"] = types.SimpleNamespace(parse=_parse)
    sys.modules["packaging"].version = sys.modules["packaging.version"]

from datasets.coco_panoptic import CocoPanoptic  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CASE = os.path.join(HERE, "pq_cases", "many")
IMAGES = os.path.join(HERE, "reader_images")


def main():
    with open(os.path.join(CASE, "gt.json")) as f:
        gt = json.load(f)
    os.makedirs(IMAGES, exist_ok=True)
    rng = np.random.RandomState(11)
    for im in gt["images"]:
        pixels = rng.randint(0, 256, size=(im["height"], im["width"], 3)).astype(np.uint8)
        Image.fromarray(pixels).save(os.path.join(IMAGES, im["file_name"]), quality=50)
    ds = CocoPanoptic(IMAGES, os.path.join(CASE, "gt"), os.path.join(CASE, "gt.json"),
                      transforms=None, return_masks=True)
    items = []
    for i in range(len(ds)):
        _, t = ds[i]
        masks = t["masks"].numpy().astype(np.uint8)
        items.append({
            "image_id": int(t["image_id"][0]),
            "size": [int(v) for v in t["size"]],
            "labels": [int(v) for v in t["labels"]],
            "boxes": [float(v) for v in t["boxes"].reshape(-1)],
            "iscrowd": [int(v) for v in t["iscrowd"]],
            "area": [int(v) for v in t["area"]],
            "masks_shape": list(masks.shape),
            "masks_sha1": hashlib.sha1(np.ascontiguousarray(masks).tobytes()).hexdigest(),
        })
    with open(os.path.join(HERE, "reader_expected.json"), "w") as f:
        json.dump(items, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
