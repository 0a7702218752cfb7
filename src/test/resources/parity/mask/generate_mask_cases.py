"""Parity fixtures for jdetr's COCO masks (jdetr.mask) and mask AP (iouType "segm").

Writes, with fixed seeds:
  primitives.json  polygons (concave, self-intersecting, degenerate, out of the image, on .1/.5
                   grid points), uncompressed RLE, masks to encode, merges, compressed strings of
                   long runs and mask IoU with crowds, with pycocotools' results: compressed
                   strings, sha1 of the decoded row-major mask, areas, boxes, IoU matrices;
  cases/*.gt.json, cases/*.dt.json and segm_expected.json: COCOeval(iouType="segm") stats.

Run (from this directory), with pycocotools built from cocodataset/cocoapi PythonAPI:
  PYTHONPATH=/path/to/cocoapi/PythonAPI /usr/bin/python3 generate_mask_cases.py
"""
import contextlib
import hashlib
import io
import json
import os
import sys
import types

import numpy as np

if not hasattr(np, "float"):
    np.float = float  # pycocotools' accumulate() still spells np.float

try:
    import matplotlib  # noqa: F401
except ImportError:  # coco.py imports matplotlib only to draw annotations
    for name in ("matplotlib", "matplotlib.pyplot", "matplotlib.collections", "matplotlib.patches"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["matplotlib.collections"].PatchCollection = None
    sys.modules["matplotlib.patches"].Polygon = None

from pycocotools import mask as mu
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases")


def s(rle):
    c = rle["counts"]
    return c.decode("ascii") if isinstance(c, bytes) else c


def sha1(m):
    return hashlib.sha1(np.ascontiguousarray(m, dtype=np.uint8).tobytes()).hexdigest()


def described(rle):
    m = mu.decode(rle)
    return {"counts": s(rle), "sha1": sha1(m), "area": int(mu.area(rle)),
            "bbox": [float(v) for v in mu.toBbox(rle)]}


def random_polygon(rng, h, w, kind):
    k = int(rng.randint(3, 13))
    if kind == "star":  # concave: radius varies around a centre
        cx, cy = rng.uniform(0, w), rng.uniform(0, h)
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = rng.uniform(0.5, max(w, h) / 2, k)
        pts = np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], 1)
    elif kind == "grid":  # .1 / .5 steps: the rounding edge cases of the 5x upsampling
        pts = np.stack([rng.randint(-10, 10 * w + 10, k) / 10.0,
                        rng.randint(-2, 2 * h + 2, k) / 2.0], 1)
    elif kind == "degenerate":  # repeated points, collinear points, zero area
        base = rng.uniform(-2, max(w, h) + 2, (3, 2))
        choice = rng.randint(0, 4)
        if choice == 0:
            pts = np.repeat(base[:1], k, 0)
        elif choice == 1:
            t = rng.uniform(0, 1, k)
            pts = base[0] + t[:, None] * (base[1] - base[0])
        elif choice == 2:
            pts = np.concatenate([base, base[::-1], base[:1], base[:1]], 0)
        else:
            pts = np.stack([np.full(k, base[0, 0]), rng.uniform(0, h, k)], 1)
    else:  # "random": self-intersecting, partly outside the image
        pts = np.stack([rng.uniform(-0.3 * w, 1.3 * w, k), rng.uniform(-0.3 * h, 1.3 * h, k)], 1)
    return [float(v) for v in pts.reshape(-1)]


def random_counts(rng, h, w):
    total, counts = h * w, []
    while total > 0:
        c = int(min(total, rng.geometric(0.08) - (1 if rng.rand() < 0.1 else 0)))
        counts.append(c)
        total -= c
    if rng.rand() < 0.3:
        counts = [0] + counts  # a mask starting with a 1
    return counts


def primitives():
    rng = np.random.RandomState(19)
    out = {"polygons": [], "uncompressed": [], "encode": [], "merge": [], "strings": [], "iou": []}
    kinds = ["star", "grid", "degenerate", "random"]
    for i in range(160):
        h, w = int(rng.randint(1, 41)), int(rng.randint(1, 41))
        polys = [random_polygon(rng, h, w, kinds[(i + j) % 4]) for j in range(rng.randint(1, 4))]
        parts = mu.frPyObjects(polys, h, w)
        merged = mu.merge(parts)
        out["polygons"].append({"h": h, "w": w, "polygons": polys, "parts": [s(p) for p in parts],
                                "merged": described(merged)})
    for i in range(40):
        h, w = int(rng.randint(1, 30)), int(rng.randint(1, 30))
        counts = random_counts(rng, h, w)
        rle = mu.frPyObjects({"size": [h, w], "counts": counts}, h, w)
        out["uncompressed"].append({"h": h, "w": w, "counts": counts, "rle": described(rle)})
    for i in range(40):
        h, w = int(rng.randint(1, 25)), int(rng.randint(1, 25))
        m = (rng.rand(h, w) < rng.uniform(0, 1)).astype(np.uint8)
        if i % 10 == 0:
            m[:] = i % 20 == 0
        rle = mu.encode(np.asfortranarray(m))
        out["encode"].append({"h": h, "w": w, "mask": "".join(str(v) for v in m.reshape(-1)),
                              "rle": described(rle)})
    for i in range(30):
        h, w = int(rng.randint(1, 30)), int(rng.randint(1, 30))
        rles = mu.frPyObjects([random_polygon(rng, h, w, kinds[j % 4]) for j in range(rng.randint(2, 5))], h, w)
        out["merge"].append({"h": h, "w": w, "parts": [s(r) for r in rles],
                             "union": s(mu.merge(rles)), "intersection": s(mu.merge(rles, 1))})
    for i in range(20):  # long runs: multi-character counts, negative differences
        h, w = int(rng.randint(200, 2000)), int(rng.randint(200, 2000))
        counts = []
        total = h * w
        while total > 0:
            c = int(min(total, rng.choice([rng.randint(0, 40), rng.randint(0, 5000), rng.randint(0, 10 ** 6)])))
            counts.append(c)
            total -= c
        rle = mu.frPyObjects({"size": [h, w], "counts": counts}, h, w)
        out["strings"].append({"h": h, "w": w, "counts": counts, "string": s(rle),
                               "area": int(mu.area(rle)), "bbox": [float(v) for v in mu.toBbox(rle)]})
    for i in range(40):
        h, w = int(rng.randint(5, 40)), int(rng.randint(5, 40))
        dts = mu.frPyObjects([random_polygon(rng, h, w, kinds[j % 4]) for j in range(rng.randint(1, 6))], h, w)
        gts = mu.frPyObjects([random_polygon(rng, h, w, kinds[(j + 1) % 4]) for j in range(rng.randint(1, 5))], h, w)
        if i % 8 == 7:  # a gt of another size: -1 where the boxes overlap
            gts.append(mu.frPyObjects([random_polygon(rng, h + 1, w, "star")], h + 1, w)[0])
        crowd = [int(rng.rand() < 0.4) for _ in gts]
        iou = mu.iou(dts, gts, crowd)
        out["iou"].append({"dt": [{"size": [h, w], "counts": s(d)} for d in dts],
                           "gt": [{"size": r["size"], "counts": s(r)} for r in gts],
                           "iscrowd": crowd, "iou": [[float(v) for v in row] for row in iou]})
    return out


class Case:
    def __init__(self, seed, n_images, cats, size=(160, 200)):
        self.rng = np.random.RandomState(seed)
        self.images = []
        for i in range(n_images):
            h, w = int(self.rng.randint(size[0] // 2, size[0] + 1)), int(self.rng.randint(size[1] // 2, size[1] + 1))
            self.images.append({"id": 100 + 3 * i, "height": h, "width": w, "file_name": "%d.jpg" % i})
        self.cats = [{"id": c, "name": "c%d" % c} for c in cats]
        self.anns, self.dets = [], []

    def polygon(self, img, scale=1.0):
        h, w = img["height"], img["width"]
        cx, cy = self.rng.uniform(0, w), self.rng.uniform(0, h)
        k = self.rng.randint(3, 10)
        ang = np.sort(self.rng.uniform(0, 2 * np.pi, k))
        rad = self.rng.uniform(1, scale * min(h, w) / 2, k)
        return [[float(v) for v in np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], 1).reshape(-1)]]

    def gt(self, img, cat, form="polygon", crowd=0):
        h, w = img["height"], img["width"]
        polys = self.polygon(img)
        rle = mu.merge(mu.frPyObjects(polys, h, w))
        if form == "polygon":
            seg = polys
        elif form == "uncompressed":
            m = mu.decode(rle)
            seg = {"size": [h, w], "counts": [int(c) for c in column_runs(m)]}
        else:
            seg = {"size": [h, w], "counts": s(rle)}
        area = float(mu.area(rle)) * (1.0 if self.rng.rand() < 0.8 else self.rng.uniform(0.5, 2))
        self.anns.append({"id": len(self.anns) + 1, "image_id": img["id"], "category_id": cat,
                          "segmentation": seg, "area": area,
                          "bbox": [float(v) for v in mu.toBbox(rle)], "iscrowd": crowd})
        return rle

    def det(self, img, cat, near=None, with_bbox=False):
        h, w = img["height"], img["width"]
        if near is not None and self.rng.rand() < 0.8:
            m = mu.decode(near).copy()
            x, y, bw, bh = [int(v) for v in mu.toBbox(near)]
            noise = np.zeros((h, w), bool)
            noise[y:y + bh, x:x + bw] = self.rng.rand(bh, bw) < self.rng.uniform(0, 0.05)
            m = np.where(noise, 1 - m, m).astype(np.uint8)
            m = np.roll(m, self.rng.randint(-2, 3), axis=int(self.rng.randint(2)))
            rle = mu.encode(np.asfortranarray(m))
        else:
            rle = mu.merge(mu.frPyObjects(self.polygon(img, 0.6), h, w))
        d = {"image_id": img["id"], "category_id": cat,
             "segmentation": {"size": [h, w], "counts": s(rle)},
             "score": round(float(self.rng.rand()), 3)}
        if with_bbox:
            d["bbox"] = [float(v) for v in mu.toBbox(rle)]
        self.dets.append(d)

    def write(self, name):
        gt = {"images": self.images, "categories": self.cats, "annotations": self.anns}
        with open(os.path.join(CASES, name + ".gt.json"), "w") as f:
            json.dump(gt, f)
        with open(os.path.join(CASES, name + ".dt.json"), "w") as f:
            json.dump(self.dets, f)


def column_runs(m):
    flat = np.asarray(m, dtype=np.uint8).reshape(-1, order="F")
    counts, prev, c = [], 0, 0
    for v in flat:
        if v != prev:
            counts.append(c)
            c, prev = 0, v
        c += 1
    counts.append(c)
    return counts


def build_cases():
    cases = {}
    c = Case(1, 12, [1, 3, 7])  # polygons, a few objects per image
    for img in c.images:
        for _ in range(c.rng.randint(1, 5)):
            cat = int(c.rng.choice([1, 3, 7]))
            rle = c.gt(img, cat)
            for _ in range(c.rng.randint(0, 4)):
                c.det(img, cat if c.rng.rand() < 0.85 else 3, near=rle)
    cases["segm_basic"] = c
    c = Case(2, 10, [1, 2])  # crowds in uncompressed RLE, detections inside them
    for img in c.images:
        for _ in range(c.rng.randint(1, 4)):
            crowd = int(c.rng.rand() < 0.4)
            rle = c.gt(img, 1, form="uncompressed" if crowd else "polygon", crowd=crowd)
            for _ in range(c.rng.randint(1, 5)):
                c.det(img, 1, near=rle)
        c.det(img, 2)
    cases["segm_crowd"] = c
    c = Case(3, 10, [4, 5, 6])  # images without objects or without detections, compressed gt
    for n, img in enumerate(c.images):
        if n % 3 != 0:
            for _ in range(c.rng.randint(1, 3)):
                rle = c.gt(img, 4, form="compressed" if n % 2 else "polygon")
                if n % 3 == 1:
                    c.det(img, 4, near=rle)
        if n % 3 == 0:
            c.det(img, 5)
    cases["segm_empty"] = c
    c = Case(4, 3, [1, 2], size=(40, 50))  # more than 100 detections per image
    for img in c.images:
        rles = [c.gt(img, int(c.rng.choice([1, 2]))) for _ in range(6)]
        for j in range(130):
            c.det(img, 1 + j % 2, near=rles[j % 6])
    cases["segm_many"] = c
    c = Case(5, 8, [1, 2], size=(300, 360))  # results with a bbox field: loadRes' box branch (area = w * h)
    for img in c.images:
        for _ in range(c.rng.randint(1, 4)):
            cat = int(c.rng.choice([1, 2]))
            rle = c.gt(img, cat, form=["polygon", "uncompressed", "compressed"][c.rng.randint(3)],
                       crowd=int(c.rng.rand() < 0.2))
            for _ in range(c.rng.randint(1, 3)):
                c.det(img, cat, near=rle, with_bbox=True)
    cases["segm_bbox_field"] = c
    return cases


def evaluate(name):
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(os.path.join(CASES, name + ".gt.json"))
        dt = gt.loadRes(os.path.join(CASES, name + ".dt.json"))
        e = COCOeval(gt, dt, iouType="segm")
        e.evaluate()
        e.accumulate()
        e.summarize()
    return [float(v) for v in e.stats]


def main():
    os.makedirs(CASES, exist_ok=True)
    with open(os.path.join(HERE, "primitives.json"), "w") as f:
        json.dump(primitives(), f, separators=(",", ":"))
    expected = {}
    for name, case in build_cases().items():
        case.write(name)
        expected[name] = {"stats": evaluate(name)}
    with open(os.path.join(HERE, "segm_expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
