"""Parity fixtures for jdetr's DETRsegm (mask head) and mask losses, computed by the reference
(facebookresearch/detr, models/segmentation.py) with Debian's torch 1.13 / torchvision 0.14.

Weights come from ../model/hashed_weights.py (a recipe Java regenerates exactly; names are jdetr's,
i.e. the reference's without the "detr." prefix of DETRsegm), inputs and target masks from a seeded
numpy generator (target masks stored bit-packed, np.packbits of the row-major [N, h, w] bits).
Writes segm_r50.json (config + weight recipe + matchings) and
segm_r50.safetensors (inputs and reference outputs). See README.md.

  PYTHONPATH=/tmp/ref/facebookresearch+detr /usr/bin/python3 generate_segm_fixtures.py
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "model"))
import hashed_weights  # noqa: E402
from generate_model_fixtures import jdetr_config  # noqa: E402

warnings.filterwarnings("ignore")


def _shim_packaging():
    """util.misc imports packaging only to compare torchvision versions; stub it when absent."""
    try:
        import packaging.version  # noqa: F401
    except ImportError:
        import re
        import types
        version = types.ModuleType("packaging.version")
        version.parse = lambda v: tuple(int(x) for x in re.findall(r"\d+", v.split("+")[0])[:3])
        pkg = types.ModuleType("packaging")
        pkg.version = version
        sys.modules["packaging"], sys.modules["packaging.version"] = pkg, version


_shim_packaging()

# the reference main.py defaults, with a small transformer and masks on
ARGS = dict(dataset_file="coco", device="cpu", backbone="resnet50", lr_backbone=1e-5, masks=True,
            frozen_weights=None, dilation=False, position_embedding="sine", hidden_dim=128,
            dropout=0.0, nheads=8, dim_feedforward=64, enc_layers=1, dec_layers=2, pre_norm=False,
            num_queries=5, aux_loss=True, set_cost_class=1, set_cost_bbox=5, set_cost_giou=2,
            bbox_loss_coef=5, giou_loss_coef=2, mask_loss_coef=1, dice_loss_coef=1, eos_coef=0.1)
SIZES = [(64, 96), (48, 80)]
# the row of the mask head's [B * Q, C, h, w] activations that is recorded: image 1 (padded), query 3
ROWS = [5 + 3]
# loss case a: one mask per target at its image's size; case b: other mask sizes (a padded size
# that is not 4x the prediction's) and an image without targets
LOSS_CASES = {
    "a": {"sizes": [(64, 96), (48, 80)], "targets": [3, 2],
          "matching": [[[3, 0, 4], [1, 2, 0]], [[2, 1], [0, 1]]]},
    "b": {"sizes": [(61, 90), (47, 83)], "targets": [3, 0],
          "matching": [[[4, 1, 2], [2, 0, 1]], [[], []]]},
}
GRAD_PARAMS = ["mask_head.out_lay.weight", "mask_head.out_lay.bias", "mask_head.lay5.bias",
               "mask_head.gn3.weight", "mask_head.adapter3.bias", "bbox_attention.q_linear.bias",
               "input_proj.bias"]


def recipe_range(name, shape):
    if name.startswith("mask_head.gn"):
        return (0.8, 1.2) if name.endswith("weight") else (-0.1, 0.1)
    if name.startswith("mask_head.") or name.startswith("bbox_attention."):
        if len(shape) >= 2:
            bound = math.sqrt(3.0 / int(np.prod(shape[1:])))
            return (-bound, bound)
        return (-0.1, 0.1)
    return hashed_weights.recipe_range(name, shape)


def write_safetensors(path, tensors, metadata):
    """Minimal safetensors writer (numpy + struct): F32, BOOL and U8 tensors."""
    import struct
    dtypes = {np.dtype("float32"): "F32", np.dtype("bool"): "BOOL", np.dtype("uint8"): "U8"}
    header = {"__metadata__": metadata}
    blobs, offset = [], 0
    for name, arr in tensors.items():
        data = np.ascontiguousarray(arr).astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtypes[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(blobs))


def hashed_batch(sizes):
    """Image i is hashed_uniform("image<i>", [3, h, w], -2, 2), zero-padded as the reference batches."""
    from util.misc import nested_tensor_from_tensor_list
    return nested_tensor_from_tensor_list([
        torch.from_numpy(hashed_weights.hashed_uniform(f"image{i}", (3, h, w), -2.0, 2.0))
        for i, (h, w) in enumerate(sizes)])


def jdetr_name(ref_name):
    return ref_name[len("detr."):] if ref_name.startswith("detr.") else ref_name


def blobs(rng, n, h, w):
    """n random ellipses, [n, h, w] bool."""
    yy, xx = np.mgrid[0:h, 0:w]
    out = np.zeros((n, h, w), dtype=bool)
    for i in range(n):
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        ry, rx = rng.uniform(3, h / 2), rng.uniform(3, w / 2)
        out[i] = ((yy - cy) / ry) ** 2 + ((xx - cx) / rx) ** 2 <= 1
    return out


def main():
    torch.set_num_threads(1)
    torch.manual_seed(7)
    args, model, criterion = build_reference()
    state = model.state_dict()
    entries = []
    for name, t in state.items():
        jn = jdetr_name(name)
        low, high = recipe_range(jn, tuple(t.shape))
        entries.append({"name": jn, "shape": list(t.shape), "low": low, "high": high})
    weights = hashed_weights.materialize(entries)
    model.load_state_dict({("detr." + k if ("detr." + k) in state else k): torch.from_numpy(v)
                           for k, v in weights.items()}, strict=True)
    model.eval()
    rng = np.random.default_rng(19)
    samples = hashed_batch(SIZES)

    seg = model.mask_head
    captured = {}
    for mod in ["gn1", "gn2", "gn3", "gn4", "gn5"]:
        getattr(seg, mod).register_forward_hook(
            lambda m, i, o, mod=mod: captured.__setitem__(mod, o.detach()))
    attn = {}
    model.bbox_attention.register_forward_hook(lambda m, i, o: attn.__setitem__("out", o.detach()))

    out = model(samples)
    pred_masks = out["pred_masks"]
    pred_masks.retain_grad()
    tensors = {
        "pred_logits": out["pred_logits"].detach().numpy(),
        "pred_boxes": out["pred_boxes"].detach().numpy(),
        "bbox_mask": attn["out"].numpy(),
        "pred_masks": pred_masks.detach().numpy(),
    }
    for k, v in captured.items():
        tensors["mask_head." + k] = v[ROWS].numpy()

    losses = {}
    for case, spec in LOSS_CASES.items():
        targets, indices = [], []
        for i, ((h, w), n) in enumerate(zip(spec["sizes"], spec["targets"])):
            m = blobs(rng, n, h, w)
            tensors[f"loss_{case}.target_masks_{i}"] = np.packbits(m.reshape(-1))
            targets.append({"masks": torch.from_numpy(m)})
            q, t = spec["matching"][i]
            indices.append((torch.tensor(q, dtype=torch.int64), torch.tensor(t, dtype=torch.int64)))
        num_boxes = max(1.0, float(sum(spec["targets"])))
        model.zero_grad()
        pred_masks.grad = None
        l = criterion.loss_masks({"pred_masks": pred_masks}, targets, indices, num_boxes)
        total = l["loss_mask"] * args.mask_loss_coef + l["loss_dice"] * args.dice_loss_coef
        total.backward(retain_graph=True)
        tensors[f"loss_{case}.loss_mask"] = l["loss_mask"].detach().reshape(1).numpy()
        tensors[f"loss_{case}.loss_dice"] = l["loss_dice"].detach().reshape(1).numpy()
        tensors[f"loss_{case}.grad_pred_masks"] = pred_masks.grad.numpy().copy()
        params = dict(model.named_parameters())
        for p in GRAD_PARAMS:
            ref = params.get(p) if p in params else params["detr." + p]
            tensors[f"loss_{case}.grad.{p}"] = ref.grad.numpy().copy()
        losses[case] = {"num_boxes": num_boxes, "loss_mask": float(l["loss_mask"]),
                        "loss_dice": float(l["loss_dice"])}

    write_safetensors(os.path.join(HERE, "segm_r50.safetensors"), tensors,
                      {"reference": "facebookresearch/detr@29901c5", "torch": torch.__version__})
    config = jdetr_config(args)
    config["masks"] = True
    meta = {"case": "segm_r50", "config": config, "image_sizes": [list(s) for s in SIZES],
            "rows": ROWS, "loss_cases": LOSS_CASES, "grad_params": GRAD_PARAMS,
            "mask_loss_coef": args.mask_loss_coef, "dice_loss_coef": args.dice_loss_coef,
            "weights": entries}
    with open(os.path.join(HERE, "segm_r50.json"), "w") as f:
        json.dump(meta, f, indent=None, separators=(",", ":"))
    print(f"pred_masks {tuple(pred_masks.shape)} |max| {float(pred_masks.abs().max()):.3f}; losses {losses}")


def build_reference():
    """The reference's build_model(args) (main.py is not imported: it pulls in plotting)."""
    import argparse
    import models.backbone
    from models.detr import build
    models.backbone.is_main_process = lambda: False  # no pretrained download
    args = argparse.Namespace(**ARGS)
    model, criterion, _ = build(args)
    return args, model, criterion


if __name__ == "__main__":
    main()
