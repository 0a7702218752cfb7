"""Parity fixtures for jdetr's panoptic quality (jdetr.eval.panoptic).

Builds small COCO panoptic ground truths and predictions (24x32 PNGs, id = R + 256 G + 256^2 B)
with fixed seeds under pq_cases/<case>/ (gt.json, gt/, pred.json, pred/), evaluates each with
panopticapi's pq_compute and writes pq_expected.json: All / Things / Stuff, per_class and the printed table. Also
writes broken predictions under pq_errors/<case>/ and records that panopticapi refuses them.

Run (from this directory), with cocodataset/panopticapi checked out somewhere:
  PYTHONPATH=/path/to/panopticapi /usr/bin/python3 generate_pq_cases.py
"""
import contextlib
import io
import json
import os
import shutil

import numpy as np
from PIL import Image
from panopticapi.evaluation import pq_compute
from panopticapi.utils import id2rgb

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "pq_cases")
ERRORS = os.path.join(HERE, "pq_errors")
H, W = 24, 32
THINGS = [1, 2, 3, 7]
STUFF = [100, 101, 102]
# category 7 (thing) and 102 (stuff) may have no segment at all in a case
CATEGORIES = [{"id": c, "name": "thing_%d" % c, "isthing": 1} for c in THINGS] + [
    {"id": c, "name": "stuff_%d" % c, "isthing": 0} for c in STUFF]


def fresh_ids(rng, n, taken):
    """n distinct ids over all three channels, none of them 0 or in taken."""
    out = []
    while len(out) < n:
        v = int(rng.randint(1, 256 ** 3))
        if v not in taken:
            taken.add(v)
            out.append(v)
    return out


def rect(m, rng, min_side=3, max_side=10):
    h, w = rng.randint(min_side, max_side + 1, size=2)
    y, x = rng.randint(0, H - h + 1), rng.randint(0, W - w + 1)
    m[y:y + h, x:x + w] = True
    return y, x, h, w


def ground_truth(rng):
    """Label map (segment index per pixel, -1 VOID) and segments [(category, iscrowd)]."""
    lab = np.full((H, W), -1, dtype=np.int64)
    segs = []
    cut = rng.randint(6, 18)
    stuff = list(rng.permutation(STUFF[:2] if rng.rand() < 0.5 else STUFF))
    lab[:cut] = len(segs); segs.append((int(stuff[0]), 0))
    lab[cut:] = len(segs); segs.append((int(stuff[1]), 0))
    if len(stuff) > 2:
        m = np.zeros((H, W), bool); rect(m, rng, 4, 12)
        lab[m] = len(segs); segs.append((int(stuff[2]), 0))
    for _ in range(rng.randint(1, 5)):
        m = np.zeros((H, W), bool); rect(m, rng)
        crowd = int(rng.rand() < 0.2)
        lab[m] = len(segs); segs.append((int(rng.choice(THINGS[:3])), crowd))
    # VOID: a stripe and a few pixels
    if rng.rand() < 0.7:
        y = rng.randint(0, H - 2); lab[y:y + rng.randint(1, 3), :] = -1
    lab[rng.rand(H, W) < 0.04] = -1
    keep = [k for k in range(len(segs)) if (lab == k).any()]
    remap = np.full(len(segs) + 1, -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    return remap[lab], [segs[k] for k in keep]


def prediction(rng, gt_lab, gt_segs):
    """A perturbed copy: things shifted, stuff boundaries moved, labels changed, drops, extras."""
    lab = np.full((H, W), -1, dtype=np.int64)
    segs = []
    for k, (cat, crowd) in enumerate(gt_segs):
        if cat in STUFF:
            m = gt_lab == k
            shift = rng.randint(-2, 3)
            m = np.roll(m, shift, axis=0)
            c = cat if rng.rand() < 0.85 else int(rng.choice(STUFF))
            lab[m & (lab < 0)] = len(segs); segs.append(c)
    for k, (cat, crowd) in enumerate(gt_segs):
        if cat in STUFF or rng.rand() < 0.15:  # some things are missed
            continue
        m = gt_lab == k
        m = np.roll(m, (rng.randint(-2, 3), rng.randint(-2, 3)), axis=(0, 1))
        if rng.rand() < 0.3:
            m = m | np.roll(m, 1, axis=int(rng.randint(0, 2)))
        c = cat if rng.rand() < 0.8 else int(rng.choice(THINGS))
        lab[m] = len(segs); segs.append(c)
    for _ in range(rng.randint(0, 3)):  # extra things: on VOID, on crowds, anywhere
        m = np.zeros((H, W), bool)
        where = rng.rand()
        if where < 0.3 and (gt_lab < 0).any():
            m = (gt_lab < 0) & (rng.rand(H, W) < 0.8)
        elif where < 0.6 and any(cr for _, cr in gt_segs):
            k = [i for i, (_, cr) in enumerate(gt_segs) if cr][0]
            m = (gt_lab == k) & (rng.rand(H, W) < 0.7)
            segs_cat = gt_segs[k][0] if rng.rand() < 0.7 else int(rng.choice(THINGS))
            lab[m] = len(segs); segs.append(segs_cat)
            continue
        else:
            rect(m, rng, 2, 6)
        lab[m] = len(segs); segs.append(int(rng.choice(THINGS + STUFF)))
    lab[rng.rand(H, W) < 0.03] = -1  # unlabelled predicted pixels
    keep = [k for k in range(len(segs)) if (lab == k).any()]
    remap = np.full(len(segs) + 1, -1, dtype=np.int64)
    remap[keep] = np.arange(len(keep))
    return remap[lab], [segs[k] for k in keep]


def half_iou_image():
    """Hand-made: an IoU of exactly 0.5 (not a match), and one of 0.5 that leaving the predicted
    segment's VOID pixels out of the union lifts to 2/3 (a match)."""
    gt = np.zeros((H, W), dtype=np.int64)  # stuff 100 everywhere else
    gt[2:4, 2:8] = 1  # thing 1, 12 px
    gt[10:12, 2:8] = 2  # thing 2, 12 px
    gt[10:12, 8:10] = -1  # VOID next to it
    pred = np.zeros((H, W), dtype=np.int64)
    pred[2:4, 4:10] = 1  # 12 px, overlap 8, union 16: IoU 0.5
    pred[10:12, 4:10] = 2  # 12 px, overlap 8, 4 on VOID, union 12 + 12 - 8 - 4 = 12
    return (gt, [(100, 0), (1, 0), (2, 0)]), (pred, [100, 1, 2])


def write_png(path, ids):
    Image.fromarray(id2rgb(ids.astype(np.uint32))).save(path)


def write_side(folder, json_path, images, with_categories, gt):
    os.makedirs(folder)
    anns = []
    for image_id, (ids, segments) in images:
        name = "%012d.png" % image_id
        write_png(os.path.join(folder, name), ids)
        anns.append({"image_id": image_id, "file_name": name, "segments_info": segments})
    doc = {"annotations": anns}
    if gt:
        doc["images"] = [{"id": i, "file_name": "%012d.jpg" % i, "height": H, "width": W}
                         for i, _ in images]
    if with_categories:
        doc["categories"] = CATEGORIES
    with open(json_path, "w") as f:
        json.dump(doc, f)


def encode(rng, lab, segs, gt, detr_ids=False, area_error=0):
    """Panoptic ids for a label map: random 24-bit ids, or 0..n-1 as DETR's post-processing."""
    ids = list(range(len(segs))) if detr_ids else fresh_ids(rng, len(segs), {0})
    out = np.zeros((H, W), dtype=np.int64)
    info = []
    for k, s in enumerate(segs):
        m = lab == k
        out[m] = ids[k]
        ys, xs = np.nonzero(m)
        e = {"id": int(ids[k]), "category_id": int(s[0] if gt else s)}
        if gt:
            e.update(iscrowd=int(s[1]), area=int(m.sum()) + area_error,
                     bbox=[int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1),
                           int(ys.max() - ys.min() + 1)])
        info.append(e)
    if detr_ids:  # DETR's output labels every pixel: the unlabelled ones join segment 0
        out[lab < 0] = ids[0] if ids else 0
    return out, info


def build_case(name, seed, n_images, detr_ids=False):
    rng = np.random.RandomState(seed)
    gts, preds = [], []
    for i in range(n_images):
        image_id = 1000 * seed + i
        if name == "half_iou" and i == 0:
            (gl, gs), (pl, ps) = half_iou_image()
            gl[gl < 0] = -1
        else:
            gl, gs = ground_truth(rng)
            pl, ps = prediction(rng, gl, gs)
        area_error = 3 if name == "json_area" and i % 2 == 0 else 0
        gts.append((image_id, encode(rng, gl, gs, True, area_error=area_error)))
        preds.append((image_id, encode(rng, pl, ps, False, detr_ids=detr_ids)))
    rng.shuffle(preds)  # predictions in another order than the ground truth
    root = os.path.join(CASES, name)
    write_side(os.path.join(root, "gt"), os.path.join(root, "gt.json"), gts, True, True)
    write_side(os.path.join(root, "pred"), os.path.join(root, "pred.json"), preds, False, False)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        r = pq_compute(os.path.join(root, "gt.json"), os.path.join(root, "pred.json"),
                       os.path.join(root, "gt"), os.path.join(root, "pred"))
    table = [line for line in printed.getvalue().splitlines()
             if "|" in line or line.startswith("-----")]
    return dict({k: ({str(c): {m: float(x) for m, x in v.items()} for c, v in r[k].items()}
                if k == "per_class" else {m: (int(x) if m == "n" else float(x))
                                          for m, x in r[k].items()})
            for k in ("All", "Things", "Stuff", "per_class")}, table=table)


def error_case(name, mutate):
    """A one-image prediction broken by mutate(ids, info); records panopticapi's refusal."""
    rng = np.random.RandomState(99)
    gl, gs = ground_truth(rng)
    pl, ps = prediction(rng, gl, gs)
    gt = (5, encode(rng, gl, gs, True))
    ids, info = encode(rng, pl, ps, False)
    ids, info = mutate(ids, info)
    root = os.path.join(ERRORS, name)
    write_side(os.path.join(root, "gt"), os.path.join(root, "gt.json"), [gt], True, True)
    write_side(os.path.join(root, "pred"), os.path.join(root, "pred.json"), [(5, (ids, info))],
               False, False)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            pq_compute(os.path.join(root, "gt.json"), os.path.join(root, "pred.json"),
                       os.path.join(root, "gt"), os.path.join(root, "pred"))
    except Exception as e:  # noqa: BLE001 - recorded, the Java test checks the same refusal
        return str(e)
    raise AssertionError(name + ": panopticapi accepted it")


def main():
    for d in (CASES, ERRORS):
        shutil.rmtree(d, ignore_errors=True)
    expected = {
        "basic": build_case("basic", 1, 6),
        "half_iou": build_case("half_iou", 2, 3),
        "json_area": build_case("json_area", 3, 4),
        "detr_ids": build_case("detr_ids", 4, 5, detr_ids=True),
        "many": build_case("many", 5, 12),
    }
    errors = {
        "png_not_in_json": error_case("png_not_in_json", lambda ids, info: (ids, info[1:])),
        "json_not_in_png": error_case(
            "json_not_in_png",
            lambda ids, info: (ids, info + [{"id": 4242, "category_id": THINGS[0]}])),
        "unknown_category": error_case(
            "unknown_category",
            lambda ids, info: (ids, [dict(info[0], category_id=55)] + info[1:])),
    }
    with open(os.path.join(HERE, "pq_expected.json"), "w") as f:
        json.dump({"cases": expected, "errors": errors}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
