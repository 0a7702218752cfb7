"""Parity fixtures for jdetr's COCO box evaluation.

Builds varied ground-truth / detection files with fixed seeds, runs pycocotools' COCOeval on each
and records the 12 summary numbers, the printed lines, per-class AP, the recall array and per
(IoU, category, area, maxDets) sums of the precision array.

Run (from this directory):
  PYTHONPATH=/work/ref/cocoapi/PythonAPI /usr/bin/python3 generate_eval_cases.py
"""
import contextlib
import io
import json
import os

import numpy as np

if not hasattr(np, "float"):
    # pycocotools' accumulate() still spells np.float, removed in numpy 1.24; it meant float64.
    np.float = float

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cases")


def r2(v):
    return round(float(v), 2)


class Builder:
    """Accumulates images, categories, annotations and detections of one case."""

    def __init__(self, seed, cat_ids, size=(640, 480)):
        self.rng = np.random.RandomState(seed)
        self.cats = [{"id": int(c), "name": "class_%d" % c} for c in cat_ids]
        self.images, self.anns, self.dets = [], [], []
        self.size = size
        self.next_ann = 1

    def image(self, image_id):
        self.images.append({"id": int(image_id), "width": self.size[0], "height": self.size[1],
                            "file_name": "%012d.jpg" % image_id})

    def box(self, kind=None):
        W, H = self.size
        kind = kind or self.rng.choice(["small", "medium", "large"], p=[0.35, 0.4, 0.25])
        lo, hi = {"tiny": (1, 8), "small": (4, 40), "medium": (30, 110), "large": (90, 300)}[kind]
        w = self.rng.uniform(lo, hi)
        h = self.rng.uniform(lo, hi) if self.rng.rand() < 0.7 else w * self.rng.uniform(0.5, 2.0)
        x = self.rng.uniform(0, max(1.0, W - w))
        y = self.rng.uniform(0, max(1.0, H - h))
        return [r2(x), r2(y), r2(w), r2(h)]

    def gt(self, image_id, cat, bbox, crowd=0, area=None, ann_id=None):
        if area is None:
            # polygon area is below the box area, as in COCO
            area = bbox[2] * bbox[3] * self.rng.uniform(0.55, 1.0)
        a = {"id": self.next_ann if ann_id is None else ann_id, "image_id": int(image_id),
             "category_id": int(cat), "bbox": bbox, "area": round(float(area), 2),
             "iscrowd": int(crowd)}
        self.next_ann += 1
        self.anns.append(a)
        return a

    def jitter(self, bbox, scale):
        x, y, w, h = bbox
        dx, dy = self.rng.normal(0, scale * w), self.rng.normal(0, scale * h)
        dw, dh = self.rng.normal(0, scale * w), self.rng.normal(0, scale * h)
        return [r2(x + dx), r2(y + dy), r2(max(0.5, w + dw)), r2(max(0.5, h + dh))]

    def det(self, image_id, cat, bbox, score):
        self.dets.append({"image_id": int(image_id), "category_id": int(cat), "bbox": bbox,
                          "score": round(float(score), 4)})

    def noisy_detections(self, image_id, anns, p_hit=0.8, scale=0.08, n_fp=3, cats=None):
        cats = cats or [c["id"] for c in self.cats]
        for a in anns:
            if self.rng.rand() < p_hit:
                self.det(image_id, a["category_id"], self.jitter(a["bbox"], scale), self.rng.uniform(0.3, 1))
            if self.rng.rand() < 0.2:  # duplicate
                self.det(image_id, a["category_id"], self.jitter(a["bbox"], 2 * scale), self.rng.uniform(0, 0.7))
        for _ in range(self.rng.poisson(n_fp)):
            self.det(image_id, int(self.rng.choice(cats)), self.box(), self.rng.uniform(0, 0.6))

    def files(self):
        return ({"info": {"description": "jdetr eval parity"}, "images": self.images,
                 "annotations": self.anns, "categories": self.cats}, self.dets)


def case_basic():
    b = Builder(1, [1, 2, 3, 5, 8, 13])
    for i in range(1, 31):
        b.image(i)
        anns = [b.gt(i, int(b.rng.choice([1, 2, 3, 5, 8, 13])), b.box()) for _ in range(b.rng.randint(0, 9))]
        b.noisy_detections(i, anns)
    return b


def case_crowd():
    b = Builder(2, [1, 2, 3])
    for i in range(1, 21):
        b.image(i)
        anns = []
        for _ in range(b.rng.randint(0, 3)):
            crowd = b.gt(i, int(b.rng.randint(1, 4)), b.box("large"), crowd=1)
            x, y, w, h = crowd["bbox"]
            for _ in range(b.rng.randint(1, 6)):  # detections inside the crowd
                cw, ch = w * b.rng.uniform(0.1, 0.6), h * b.rng.uniform(0.1, 0.6)
                b.det(i, crowd["category_id"], [r2(x + b.rng.uniform(0, w - cw)), r2(y + b.rng.uniform(0, h - ch)),
                                                r2(cw), r2(ch)], b.rng.uniform(0.1, 1))
            # a regular object inside the crowd region
            if b.rng.rand() < 0.5:
                anns.append(b.gt(i, crowd["category_id"], [r2(x + 5), r2(y + 5), r2(w / 3), r2(h / 3)]))
        anns += [b.gt(i, int(b.rng.randint(1, 4)), b.box()) for _ in range(b.rng.randint(0, 5))]
        b.noisy_detections(i, anns)
    return b


def case_empty():
    # cat 4 listed without any ground truth; cat 99 unknown; images 1-5 no ground truth,
    # 6-10 no detections, 11-13 nothing at all.
    b = Builder(3, [1, 2, 4])
    for i in range(1, 26):
        b.image(i)
        if i <= 5:
            for _ in range(b.rng.randint(1, 5)):
                b.det(i, int(b.rng.choice([1, 2, 4, 99])), b.box(), b.rng.rand())
            continue
        if 11 <= i <= 13:
            continue
        anns = [b.gt(i, int(b.rng.choice([1, 2])), b.box()) for _ in range(b.rng.randint(1, 6))]
        if i > 10:
            b.noisy_detections(i, anns, cats=[1, 2, 4, 99])
    # annotations of an unlisted image and an unlisted category: not evaluated
    b.gt(1000, 1, b.box())
    b.gt(7, 77, b.box())
    return b


def case_many_dets():
    b = Builder(4, [1, 2])
    for i in range(1, 6):
        b.image(i)
        anns = [b.gt(i, int(b.rng.randint(1, 3)), b.box()) for _ in range(b.rng.randint(5, 25))]
        for _ in range(b.rng.randint(150, 220)):
            if b.rng.rand() < 0.4 and anns:
                a = anns[b.rng.randint(len(anns))]
                b.det(i, a["category_id"], b.jitter(a["bbox"], 0.1), b.rng.rand())
            else:
                b.det(i, int(b.rng.randint(1, 3)), b.box(), b.rng.rand())
    return b


def case_ties():
    b = Builder(5, [1, 2, 3])
    for i in range(1, 16):
        b.image(i)
        anns = [b.gt(i, int(b.rng.randint(1, 4)), b.box()) for _ in range(b.rng.randint(1, 7))]
        for a in anns:
            for _ in range(b.rng.randint(0, 4)):
                s = 0.5 if i % 3 == 0 else b.rng.randint(1, 11) / 10.0
                b.det(i, a["category_id"], b.jitter(a["bbox"], 0.15), s)
            if b.rng.rand() < 0.3:  # exact duplicates with the same score
                bb = b.jitter(a["bbox"], 0.05)
                b.det(i, a["category_id"], bb, 0.7)
                b.det(i, a["category_id"], list(bb), 0.7)
        for _ in range(b.rng.randint(0, 4)):
            b.det(i, int(b.rng.randint(1, 4)), b.box(), 0.5)
    return b


def case_sizes():
    b = Builder(6, [1, 2], size=(800, 800))
    for i in range(1, 21):
        b.image(i)
        anns = []
        for kind in ["tiny", "small", "medium", "large", "small", "medium"]:
            anns.append(b.gt(i, int(b.rng.randint(1, 3)), b.box(kind)))
        # areas exactly on the range limits (inclusive on both sides)
        anns.append(b.gt(i, 1, [10.0, 10.0, 32.0, 32.0], area=1024))
        anns.append(b.gt(i, 2, [300.0, 300.0, 96.0, 96.0], area=9216))
        anns.append(b.gt(i, 1, [500.0, 500.0, 40.0, 30.0], area=1024.0 if i % 2 else 1023.99))
        b.noisy_detections(i, anns, p_hit=0.85, scale=0.05)
        b.det(i, 1, [11.0, 11.0, 32.0, 32.0], 0.9)  # area exactly 1024
        b.det(i, 2, [600.0, 10.0, 96.0, 96.0], 0.8)  # unmatched, area exactly 9216
        b.det(i, 1, [700.0, 700.0, 2.0, 3.0], 0.95)  # tiny false positive
    return b


def case_id_zero():
    # pycocotools stores matches by annotation id: a match to the object with id 0 counts as none
    b = Builder(7, [1, 2])
    for i in range(1, 9):
        b.image(i)
        anns = [b.gt(i, int(b.rng.randint(1, 3)), b.box(), ann_id=0 if (i == 1 and k == 0) else None)
                for k in range(b.rng.randint(1, 5))]
        b.noisy_detections(i, anns, p_hit=1.0, scale=0.03)
    return b


def case_random_large():
    cats = [1, 2, 3, 4, 5, 7, 9, 11, 15, 20, 40, 90]
    b = Builder(8, cats)
    for i in range(3, 163, 2):  # non-contiguous image ids
        b.image(i)
        anns = []
        for _ in range(b.rng.randint(0, 10)):
            crowd = 1 if b.rng.rand() < 0.03 else 0
            anns.append(b.gt(i, int(b.rng.choice(cats)), b.box("large" if crowd else None), crowd=crowd))
        b.noisy_detections(i, anns, p_hit=0.7, scale=0.1, n_fp=4)
    return b


def case_integer_boxes():
    b = Builder(9, [1, 2, 3])
    for i in range(1, 11):
        b.image(i)
        anns = []
        for _ in range(b.rng.randint(1, 6)):
            bb = [int(v) for v in b.box()]
            bb[2], bb[3] = max(1, bb[2]), max(1, bb[3])
            anns.append(b.gt(i, int(b.rng.randint(1, 4)), bb, area=bb[2] * bb[3]))
        for a in anns:
            x, y, w, h = a["bbox"]
            b.det(i, a["category_id"], [x + int(b.rng.randint(-3, 4)), y + int(b.rng.randint(-3, 4)), w, h],
                  b.rng.rand())
    return b


def case_perfect():
    b = Builder(10, [1, 2, 3])
    for i in range(1, 11):
        b.image(i)
        for _ in range(b.rng.randint(1, 8)):
            a = b.gt(i, int(b.rng.randint(1, 4)), b.box())
            b.det(i, a["category_id"], list(a["bbox"]), b.rng.uniform(0.5, 1))
    return b


def case_detr_like():
    # 100 detections per image (every query), most of them low-score background
    cats = list(range(1, 11))
    b = Builder(11, cats)
    for i in range(1, 11):
        b.image(i)
        anns = [b.gt(i, int(b.rng.choice(cats)), b.box()) for _ in range(b.rng.randint(1, 12))]
        n = 0
        for a in anns:
            b.det(i, a["category_id"], b.jitter(a["bbox"], 0.06), b.rng.uniform(0.4, 0.99))
            n += 1
        while n < 100:
            b.det(i, int(b.rng.choice(cats)), b.box(), b.rng.beta(0.5, 8))
            n += 1
    return b


def case_no_results():
    b = Builder(12, [1, 2])
    for i in range(1, 6):
        b.image(i)
        for _ in range(b.rng.randint(0, 4)):
            b.gt(i, int(b.rng.randint(1, 3)), b.box())
    return b


CASES = [case_basic, case_crowd, case_empty, case_many_dets, case_ties, case_sizes, case_id_zero,
         case_random_large, case_integer_boxes, case_perfect, case_detr_like, case_no_results]


def evaluate(gt_path, dt_path):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        gt = COCO(gt_path)
        dets = json.load(open(dt_path))
        dt = gt.loadRes(dt_path) if dets else COCO()  # an empty result list: DETR's path
        E = COCOeval(gt, dt, iouType="bbox")
        E.evaluate()
        E.accumulate()
    lines_out = io.StringIO()
    with contextlib.redirect_stdout(lines_out):
        E.summarize()
    lines = lines_out.getvalue().splitlines()
    prec = E.eval["precision"]  # [T, R, K, A, M]
    rec = E.eval["recall"]  # [T, K, A, M]
    per_class = []
    for k, cid in enumerate(E.params.catIds):
        def mean(v):
            v = v[v > -1]
            return float(np.mean(v)) if v.size else -1.0
        per_class.append({"id": int(cid), "AP": mean(prec[:, :, k, 0, -1]), "AP50": mean(prec[0, :, k, 0, -1]),
                          "AP75": mean(prec[5, :, k, 0, -1]), "AR100": mean(rec[:, k, 0, -1])})
    return {
        "stats": [float(s) for s in E.stats],
        "lines": lines,
        "per_class": per_class,
        "recall": [float(v) for v in rec.ravel()],  # C order [T, K, A, M]
        "precision_sum_over_recall": [float(v) for v in prec.sum(axis=1).ravel()],  # [T, K, A, M]
    }


def main():
    os.makedirs(OUT, exist_ok=True)
    expected = {}
    for make in CASES:
        name = make.__name__[len("case_"):]
        gt, dets = make().files()
        gt_path = os.path.join(OUT, name + ".gt.json")
        dt_path = os.path.join(OUT, name + ".dt.json")
        with open(gt_path, "w") as f:
            json.dump(gt, f, separators=(",", ":"))
        with open(dt_path, "w") as f:
            json.dump(dets, f, separators=(",", ":"))
        expected[name] = evaluate(gt_path, dt_path)
        print("%-14s images %3d anns %4d dets %5d  AP %.4f AP50 %.4f AR100 %.4f" % (
            name, len(gt["images"]), len(gt["annotations"]), len(dets),
            expected[name]["stats"][0], expected[name]["stats"][1], expected[name]["stats"][8]))
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
