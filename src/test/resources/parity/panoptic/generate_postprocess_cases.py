"""Parity fixtures for jdetr.eval.PostProcessPanoptic.

Runs the reference PostProcessPanoptic (facebookresearch/detr models/segmentation.py, threshold
0.85) on random model outputs with fixed seeds and writes postprocess_expected.json: the inputs
(pred_logits [B, Q, K+1], pred_masks [B, Q, h, w], processed and target sizes, is_thing_map) as
2- and 4-decimal numbers (read as the same float32 on both sides), and per image the ids of the PNG it
writes (decoded, row-major, as [id, run length, ...]) and its segments_info. Also records PIL's NEAREST resize of an index
image for several size pairs, and torch's bilinear upsampling of one mask.

Run (from this directory), with facebookresearch/detr and cocodataset/panopticapi checked out:
  PYTHONPATH=/path/to/detr:/path/to/panopticapi /usr/bin/python3 generate_postprocess_cases.py
"""
import io
import json
import os
import sys
import types

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

# models/segmentation.py imports pycocotools' mask only for PostProcessSegm's RLE helpers
if "pycocotools" not in sys.modules:
    try:
        import pycocotools.mask  # noqa: F401
    except ImportError:
        sys.modules["pycocotools"] = types.ModuleType("pycocotools")
        sys.modules["pycocotools.mask"] = types.ModuleType("pycocotools.mask")

try:
    import packaging.version  # noqa: F401  (util/misc.py compares torchvision versions with it)
except ImportError:
    def _parse(v):
        return tuple(int(p) for p in v.split("+")[0].split(".")[:2])
    sys.modules["packaging"] = types.ModuleType("packaging")
    sys.modules["packaging.version"] = types.SimpleNamespace(parse=_parse)
    sys.modules["packaging"].version = sys.modules["packaging.version"]

from models.segmentation import PostProcessPanoptic  # noqa: E402
from panopticapi.utils import rgb2id  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def rounded(a, decimals):
    return np.round(np.asarray(a, dtype=np.float64), decimals).astype(np.float32)


def decimals(a, n):
    """The float32 values as the n-decimal numbers they were rounded from."""
    return [round(float(v), n) for v in a.reshape(-1)]


def runs(flat):
    """[id, count, id, count, ...] of a row-major id map."""
    out = []
    for v in flat:
        if out and out[-2] == v:
            out[-1] += 1
        else:
            out += [int(v), 1]
    return out


def make_case(seed, b, q, k, mask_hw, processed, targets, is_thing, stuff_labels, thing_labels,
              keep_fraction=0.6):
    rng = np.random.RandomState(seed)
    logits = rng.randn(b, q, k + 1) * 1.5
    for i in range(b):
        for j in range(q):
            u = rng.rand()
            if u < keep_fraction:  # a confident query (some just above or below the threshold)
                label = int(rng.choice(stuff_labels if rng.rand() < 0.4 else thing_labels))
                logits[i, j, label] += rng.choice([4.0, 8.0, 12.0, 14.0])
            elif u < keep_fraction + 0.2:
                logits[i, j, k] += 10.0  # no object
    h, w = mask_hw
    masks = rng.randn(b, q, h, w) * 3.0
    for i in range(b):  # a few masks that lose almost everywhere: segments of <= 4 pixels
        for j in rng.choice(q, size=max(1, q // 4), replace=False):
            masks[i, j] -= 6.0 + 3.0 * rng.rand()
    logits, masks = rounded(logits, 2), rounded(masks, 4)
    boxes = rounded(rng.rand(b, q, 4) * 0.5 + 0.25, 4)
    pp = PostProcessPanoptic(is_thing, threshold=0.85)
    outputs = {"pred_logits": torch.from_numpy(logits), "pred_masks": torch.from_numpy(masks),
               "pred_boxes": torch.from_numpy(boxes)}
    preds = pp(outputs, [tuple(s) for s in processed], [tuple(s) for s in targets])
    images = []
    for p in preds:
        img = np.array(Image.open(io.BytesIO(p["png_string"])), dtype=np.uint32)
        images.append({"height": int(img.shape[0]), "width": int(img.shape[1]),
                       "id_runs": runs(rgb2id(img).reshape(-1)),
                       "segments_info": [{"id": int(s["id"]), "isthing": bool(s["isthing"]),
                                          "category_id": int(s["category_id"]),
                                          "area": int(s["area"])} for s in p["segments_info"]]})
    return {"num_queries": q, "num_classes": k, "mask_height": h, "mask_width": w,
            "pred_logits": decimals(logits, 2), "pred_masks": decimals(masks, 4),
            "processed_sizes": processed, "target_sizes": targets,
            "is_thing_map": {str(c): bool(t) for c, t in is_thing.items()},
            "images": images}


def pil_nearest(pairs):
    out = []
    for (h, w), (th, tw) in pairs:
        ids = np.arange(h * w, dtype=np.uint32).reshape(h, w)
        rgb = np.stack([ids % 256, ids // 256 % 256, ids // 65536], -1).astype(np.uint8)
        got = Image.fromarray(rgb).resize(size=(tw, th), resample=Image.NEAREST)
        got = rgb2id(np.array(got, dtype=np.uint32))
        out.append({"from": [h, w], "to": [th, tw], "id_runs": runs(got.reshape(-1))})
    return out


def bilinear():
    rng = np.random.RandomState(7)
    m = rounded(rng.randn(1, 5, 7) * 3.0, 4)
    up = F.interpolate(torch.from_numpy(m)[:, None], (17, 19), mode="bilinear").squeeze(1)
    return {"input": decimals(m, 4), "shape": [1, 5, 7], "size": [17, 19],
            "output_hex": [np.float32(v).tobytes().hex() for v in up.numpy().reshape(-1)]}


def main():
    small = {i: i <= 5 for i in range(11)}  # classes 1..5 things, 6..10 stuff, 0 a thing
    coco = {i: i <= 90 for i in range(201)}  # the reference's map for COCO panoptic
    cases = {
        "upsample": make_case(1, 2, 10, 11, (6, 8), [[22, 30], [24, 31]], [[40, 52], [47, 61]],
                              small, [6, 7, 8], [1, 2, 3, 4]),
        "downsample": make_case(2, 2, 10, 11, (7, 9), [[27, 35], [26, 36]], [[13, 17], [20, 25]],
                                small, [6, 9], [0, 1, 5]),
        "same_size": make_case(3, 1, 12, 11, (6, 7), [[21, 27]], [[21, 27]], small,
                               [6, 7, 8, 9, 10], [2, 3]),
        "stuff_merge": make_case(4, 2, 10, 11, (5, 6), [[18, 23], [20, 22]], [[30, 31], [19, 40]],
                                 small, [7], [1], keep_fraction=0.9),
        "nothing_kept": make_case(5, 1, 8, 11, (5, 5), [[16, 18]], [[25, 20]], small, [6], [1],
                                  keep_fraction=0.0),
        "coco_map": make_case(6, 2, 6, 250, (6, 8), [[24, 30], [22, 33]], [[35, 40], [48, 64]],
                              coco, [92, 150, 200], [1, 44, 90]),
    }
    doc = {"threshold": 0.85, "cases": cases,
           "pil_nearest": pil_nearest([((5, 7), (13, 11)), ((24, 32), (17, 45)),
                                       ((31, 29), (31, 7)), ((10, 3), (3, 10)),
                                       ((7, 13), (30, 41)), ((6, 6), (6, 6))]),
           "bilinear": bilinear()}
    with open(os.path.join(HERE, "postprocess_expected.json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    for name, c in cases.items():
        print(name, [[(s["category_id"], s["area"]) for s in im["segments_info"]]
                     for im in c["images"]])


if __name__ == "__main__":
    main()
