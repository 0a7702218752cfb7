"""Parity fixtures for jdetr's data pipeline, computed by the reference DETR code.

Run (from the repository root):
  PYTHONPATH=/work/ref/detr:/work/ref/cocoapi/PythonAPI /usr/bin/python3 \
      src/test/resources/parity/data/generate_data_fixtures.py src/test/resources/parity/data

Writes sizes.json, targets.json, pixels.json and the small PNG / raw float32 files they name.
Everything random comes from fixed seeds, so a rerun reproduces the same files.
"""
import hashlib
import json
import os
import random
import sys

import numpy as np
import torch
import torchvision.transforms.functional as F
from PIL import Image

import datasets.transforms as T
from datasets.coco import ConvertCocoPolysToMask

OUT = sys.argv[1]
SCALES = [480, 512, 544, 576, 608, 640, 672, 704, 736, 768, 800]
MEAN = [0.485, 0.456, 0.406]
STD = [0.229, 0.224, 0.225]


def size_function():
    """The reference's get_size_with_aspect_ratio, a function nested in transforms.resize."""
    for const in T.resize.__code__.co_consts:
        if getattr(const, "co_name", None) == "get_size_with_aspect_ratio":
            return type(T.resize)(const, T.resize.__globals__)
    raise RuntimeError("get_size_with_aspect_ratio not found in datasets.transforms.resize")


def floats(t):
    return [float(v) for v in t.reshape(-1).tolist()]


def target_json(t):
    return {
        "boxes": floats(t["boxes"]),
        "labels": [int(v) for v in t["labels"].tolist()],
        "area": floats(t["area"].to(torch.float32)),
        "size": [int(v) for v in t["size"].tolist()],
    }


def make_sizes(rng):
    get_size = size_function()
    dims = [(640, 480), (480, 640), (640, 427), (427, 640), (500, 375), (333, 500), (612, 612),
            (640, 640), (1, 1), (2, 1), (1, 2), (2666, 1333), (1333, 2666), (10, 2000), (2000, 10),
            (800, 600), (600, 800), (1333, 800), (800, 1333), (1066, 800), (799, 1333),
            (4000, 3000), (3000, 4000), (384, 600), (600, 384), (1000, 750), (1919, 1080)]
    # ties of round(1333 * short / long) at .5 (Python rounds them to even)
    for short in range(1, 400):
        for long_ in (2 * short, 2 * short + 1, 4 * short):
            value = 1333 * short / long_
            if value - int(value) == 0.5:
                dims.append((long_, short))
                dims.append((short, long_))
    while len(dims) < 260:
        dims.append((rng.randint(1, 4000), rng.randint(1, 4000)))
    cases = []
    requests = [(s, 1333) for s in SCALES + [400, 500, 600, 800]] + [(s, None) for s in [400, 500, 600]]
    for w, h in dims:
        for s, m in requests:
            oh, ow = get_size((w, h), s, m)
            cases.append([w, h, s, m if m is not None else 0, int(oh), int(ow)])
    # a few through the real resize, to be sure the extracted function is the one used
    for w, h, s, m, oh, ow in cases[:: len(cases) // 25]:
        if w * h <= 4_000_000:
            img, _ = T.resize(Image.new("RGB", (w, h)), None, s, m or None)
            assert img.size == (ow, oh), (w, h, s, m, img.size, (ow, oh))
    return {"cases": cases, "columns": ["width", "height", "size", "max_size(0=none)", "out_h", "out_w"]}


def random_annotations(rng, w, h, n, next_id):
    anns = []
    for _ in range(n):
        kind = rng.random()
        x = rng.uniform(-0.2 * w, 1.1 * w)
        y = rng.uniform(-0.2 * h, 1.1 * h)
        bw = rng.uniform(0.5, 0.6 * w)
        bh = rng.uniform(0.5, 0.6 * h)
        if kind < 0.08:
            bw = 0.0
        elif kind < 0.12:
            bh = -rng.uniform(0, 5)
        ann = {"id": next_id, "bbox": [round(x, 2), round(y, 2), round(bw, 2), round(bh, 2)],
               "category_id": rng.randint(1, 90), "area": round(rng.uniform(1, w * h), 2)}
        if rng.random() < 0.7:
            ann["iscrowd"] = 1 if rng.random() < 0.1 else 0
        anns.append(ann)
        next_id += 1
    return anns


def prepared(w, h, anns, image_id):
    return ConvertCocoPolysToMask(False)(Image.new("RGB", (w, h)), {"image_id": image_id, "annotations": anns})


def make_targets(rng):
    prepare_cases, op_cases, pipeline_cases = [], [], []
    next_id = 1
    for k in range(60):
        w, h = rng.randint(20, 700), rng.randint(20, 700)
        anns = random_annotations(rng, w, h, rng.randint(0, 12), next_id)
        next_id += len(anns)
        _, t = prepared(w, h, anns, k)
        prepare_cases.append({"width": w, "height": h, "annotations": anns, "target": target_json(t)})

    for k in range(80):
        w, h = rng.randint(30, 700), rng.randint(30, 700)
        anns = random_annotations(rng, w, h, rng.randint(1, 10), next_id)
        next_id += len(anns)
        img, t = prepared(w, h, anns, k)
        case = {"width": w, "height": h, "input": target_json(t)}
        _, flipped = T.hflip(img, t)
        case["hflip"] = target_json(flipped)
        size, max_size = rng.choice(SCALES + [400, 500, 600]), rng.choice([1333, None])
        _, resized = T.resize(img, t, size, max_size)
        case["resize"] = {"size": size, "max_size": max_size or 0, "target": target_json(resized)}
        ch, cw = rng.randint(1, h), rng.randint(1, w)
        region = (rng.randint(0, h - ch), rng.randint(0, w - cw), ch, cw)
        _, cropped = T.crop(img, t, region)
        case["crop"] = {"region": list(region), "target": target_json(cropped)}
        _, normalized = T.Normalize(MEAN, STD)(torch.zeros(3, h, w), t)
        case["normalize"] = target_json(normalized)
        op_cases.append(case)

    for k in range(40):
        w, h = rng.randint(100, 900), rng.randint(100, 900)
        anns = random_annotations(rng, w, h, rng.randint(1, 10), next_id)
        next_id += len(anns)
        img, t = prepared(w, h, anns, k)
        plan = {"flip": rng.random() < 0.5, "resize_only": rng.random() < 0.5}
        if plan["flip"]:
            img, t = T.hflip(img, t)
        if plan["resize_only"]:
            plan["size"] = rng.choice(SCALES)
            img, t = T.resize(img, t, plan["size"], 1333)
        else:
            plan["crop_resize_size"] = rng.choice([400, 500, 600])
            img, t = T.resize(img, t, plan["crop_resize_size"], None)
            cw = rng.randint(384, min(img.width, 600))
            ch = rng.randint(384, min(img.height, 600))
            region = (rng.randint(0, img.height - ch), rng.randint(0, img.width - cw), ch, cw)
            plan["crop"] = list(region)
            img, t = T.crop(img, t, region)
            plan["size"] = rng.choice(SCALES)
            img, t = T.resize(img, t, plan["size"], 1333)
        _, t = T.Normalize(MEAN, STD)(torch.zeros(3, img.height, img.width), t)
        pipeline_cases.append({"width": w, "height": h, "annotations": anns, "plan": plan,
                               "target": target_json(t)})
    return {"prepare": prepare_cases, "ops": op_cases, "pipelines": pipeline_cases}


def smooth_image(seed, w, h):
    """Gradients, discs and mild noise: natural-ish content that PNG compresses."""
    g = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    a = np.stack([(x * 255 / w), (y * 255 / h), 128 + 100 * np.sin((x + y) / 17.0)], -1)
    for _ in range(12):
        cx, cy, r = g.uniform(0, w), g.uniform(0, h), g.uniform(3, max(4, min(w, h) / 3))
        a[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = g.integers(0, 256, 3)
    a += g.normal(0, 4, a.shape)
    return Image.fromarray(np.clip(np.rint(a), 0, 255).astype(np.uint8), "RGB")


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def make_pixels():
    out = {"resize": [], "pipelines": []}
    noise = Image.fromarray(np.random.default_rng(7).integers(0, 256, (47, 61, 3), dtype=np.uint8), "RGB")
    noise.save(os.path.join(OUT, "noise_61x47.png"))
    smooth = smooth_image(11, 640, 480)
    smooth.save(os.path.join(OUT, "smooth_640x480.png"), optimize=True)
    for name, img, sizes in [
            ("noise_61x47.png", noise, [(47, 61), (30, 40), (5, 7), (1, 1), (47, 90), (100, 130),
                                        (200, 61), (47, 3), (333, 17), (24, 31)]),
            ("smooth_640x480.png", smooth, [(800, 1066), (480, 640), (384, 512), (600, 800),
                                            (1333, 1777), (100, 133), (479, 639), (481, 641)])]:
        for oh, ow in sizes:
            resized = F.resize(img, [oh, ow])
            assert resized.size == (ow, oh)
            out["resize"].append({"input": name, "height": oh, "width": ow,
                                  "sha256": sha256(np.asarray(resized).tobytes())})

    # whole train pipelines on pixels with given choices; output = normalised float32 [3, H, W]
    plans = [
        ("noise_61x47.png", {"flip": True, "resize_only": False, "crop_resize_size": 40,
                             "crop": [5, 7, 30, 36], "size": 24, "max_size": 40}),
        ("noise_61x47.png", {"flip": False, "resize_only": True, "size": 100, "max_size": 1333}),
        ("smooth_640x480.png", {"flip": True, "resize_only": True, "size": 800, "max_size": 1333}),
        ("smooth_640x480.png", {"flip": False, "resize_only": False, "crop_resize_size": 500,
                                "crop": [37, 61, 411, 590], "size": 608, "max_size": 1333}),
    ]
    exact_formula = True
    for name, plan in plans:
        img = Image.open(os.path.join(OUT, name)).convert("RGB")
        if plan["flip"]:
            img, _ = T.hflip(img, {})
        if plan["resize_only"]:
            img, _ = T.resize(img, None, plan["size"], plan["max_size"])
        else:
            img, _ = T.resize(img, None, plan["crop_resize_size"], None)
            img, _ = T.crop(img, {}, tuple(plan["crop"]))
            img, _ = T.resize(img, None, plan["size"], plan["max_size"])
        tensor, _ = T.Normalize(MEAN, STD)(F.to_tensor(img), None)
        values = tensor.numpy().astype("<f4")
        v = np.asarray(img).astype(np.float32).transpose(2, 0, 1)
        formula = ((v / np.float32(255)) - np.array(MEAN, np.float32)[:, None, None]) / np.array(STD, np.float32)[:, None, None]
        exact_formula &= bool(np.array_equal(formula.astype("<f4"), values))
        entry = {"input": name, "plan": plan, "shape": list(values.shape),
                 "sha256": sha256(values.tobytes()), "pixels_sha256": sha256(np.asarray(img).tobytes())}
        if values.size <= 3 * 64 * 64:
            raw = f"pipeline_{len(out['pipelines'])}.f32"
            values.tofile(os.path.join(OUT, raw))
            entry["raw"] = raw
        out["pipelines"].append(entry)
    out["normalize_is_the_float32_formula"] = exact_formula
    return out


def main():
    random.seed(0)
    torch.manual_seed(0)
    rng = random.Random(1234)
    with open(os.path.join(OUT, "sizes.json"), "w") as f:
        json.dump(make_sizes(rng), f, separators=(",", ":"))
    with open(os.path.join(OUT, "targets.json"), "w") as f:
        json.dump(make_targets(rng), f, separators=(",", ":"))
    with open(os.path.join(OUT, "pixels.json"), "w") as f:
        json.dump(make_pixels(), f, indent=1)


if __name__ == "__main__":
    main()
