"""Parity fixture for jdetr.eval.PostProcessSegm, computed by the reference's PostProcessSegm.

Run (from the repository root):
  PYTHONPATH=/tmp/ref/facebookresearch+detr /usr/bin/python3 \
      src/test/resources/parity/postprocess_segm/generate_postprocess_segm.py \
      src/test/resources/parity/postprocess_segm

Writes postprocess_segm.json: cases of random mask logits pred_masks [B, Q, h, w] (float32, given
as numbers), the transformed image sizes ("size", the batch is padded to their maximum) and the
original sizes ("orig_size"); for each image the reference's uint8 masks [Q, 1, H0, W0] as the
SHA-1 of their bytes and the per-query areas. Fixed seed: a rerun reproduces the file.
"""
import hashlib
import json
import os
import re
import sys
import types

import torch

try:
    import packaging.version  # noqa: F401
except ImportError:  # util.misc compares torchvision's version with it
    version = types.ModuleType("packaging.version")
    version.parse = lambda v: tuple(int(x) for x in re.findall(r"\d+", v.split("+")[0])[:3])
    sys.modules["packaging"] = types.ModuleType("packaging")
    sys.modules["packaging.version"] = version
    sys.modules["packaging"].version = version

from models.segmentation import PostProcessSegm  # noqa: E402

OUT = sys.argv[1]


def main():
    g = torch.Generator().manual_seed(19)
    cases = []
    shapes = [
        # (sizes, orig sizes, Q)
        ([[25, 30], [28, 36]], [[50, 61], [97, 120]], 3),
        ([[40, 40]], [[40, 40]], 4),
        ([[17, 33], [32, 12], [9, 9]], [[34, 70], [31, 11], [90, 93]], 2),
        ([[64, 48], [60, 64]], [[480, 360], [300, 320]], 3),
    ]
    for sizes, orig, q in shapes:
        max_h = max(s[0] for s in sizes)
        max_w = max(s[1] for s in sizes)
        h, w = (max_h + 3) // 4, (max_w + 3) // 4  # the mask head's stride-4 output of the padded batch
        logits = torch.randn(len(sizes), q, h, w, generator=g) * 3
        logits[0, 0] = 0  # every pixel exactly on the threshold
        outputs = {"pred_masks": logits}
        results = [{} for _ in sizes]
        results = PostProcessSegm()(results, outputs, torch.tensor(orig), torch.tensor(sizes))
        images = []
        for r in results:
            m = r["masks"]
            images.append({
                "shape": list(m.shape),
                "sha1": hashlib.sha1(m.contiguous().numpy().tobytes()).hexdigest(),
                "areas": [int(v) for v in m.flatten(1).sum(1).tolist()],
            })
        cases.append({"pred_masks_shape": list(logits.shape),
                      "pred_masks": [float(v) for v in logits.reshape(-1).tolist()],
                      "size": sizes, "orig_size": orig, "images": images})
    with open(os.path.join(OUT, "postprocess_segm.json"), "w") as f:
        json.dump({"cases": cases}, f, separators=(",", ":"))
        f.write("\n")


main()
