"""Parity fixtures for jdetr's DETR model, computed by the reference (facebookresearch/detr).

Weights come from hashed_weights.py (a recipe Java regenerates exactly), inputs from a seeded
numpy generator; each case writes <case>.json (config in jdetr's DetrConfig JSON names + weight
recipe) and <case>.safetensors (inputs and reference outputs). See README.md.

  PYTHONPATH=/work/ref/detr:/work/ref/cocoapi/PythonAPI /usr/bin/python3 generate_model_fixtures.py
  ... generate_model_fixtures.py --full-size OUTDIR   # default DETR-R50, one 800x1066 image
"""
import argparse
import json
import os
import struct
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import hashed_weights  # noqa: E402

warnings.filterwarnings("ignore")

SMALL = ["--hidden_dim", "64", "--nheads", "4", "--enc_layers", "2", "--dec_layers", "3",
         "--dim_feedforward", "128", "--num_queries", "10"]
CASES = {
    "r50_sine": (SMALL, [(64, 80)]),
    "r50_learned": (SMALL + ["--position_embedding", "learned"], [(64, 80)]),
    "r50_prenorm": (SMALL + ["--pre_norm"], [(64, 80)]),
    "r50_dc5": (SMALL + ["--dilation"], [(64, 80)]),
    "r50_batch_padded": (SMALL, [(64, 80), (45, 58)]),
}


def write_safetensors(path, tensors, metadata=None):
    """Minimal safetensors writer (numpy + struct)."""
    dtypes = {np.dtype("float32"): "F32", np.dtype("bool"): "BOOL", np.dtype("int64"): "I64"}
    header = {"__metadata__": metadata} if metadata else {}
    blobs, offset = [], 0
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        data = arr.astype(arr.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtypes[arr.dtype], "shape": list(arr.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def build_reference(argv):
    import main as detr_main
    import models.backbone
    from models import build_model
    models.backbone.is_main_process = lambda: False  # no pretrained download
    args = detr_main.get_args_parser().parse_args(["--device", "cpu"] + argv)
    model, _, _ = build_model(args)
    return args, model


def jdetr_config(args):
    return {"backbone": args.backbone, "dilation": bool(args.dilation),
            "position_embedding": args.position_embedding, "hidden_dim": args.hidden_dim,
            "nheads": args.nheads, "enc_layers": args.enc_layers, "dec_layers": args.dec_layers,
            "dim_feedforward": args.dim_feedforward, "dropout": args.dropout,
            "num_queries": args.num_queries, "pre_norm": bool(args.pre_norm),
            "aux_loss": bool(args.aux_loss), "num_classes": 91,
            "train_backbone": args.lr_backbone > 0}


def padded_batch(sizes, rng):
    """Images [B,3,H,W] zero-padded at bottom/right and mask [B,H,W] (True = padding)."""
    from util.misc import nested_tensor_from_tensor_list
    images = [torch.from_numpy(rng.standard_normal((3, h, w)).astype(np.float32)) for h, w in sizes]
    return nested_tensor_from_tensor_list(images)


def run_case(name, argv, sizes, out_dir, seed, write_weights=False):
    torch.manual_seed(seed)
    args, model = build_reference(argv)
    entries = hashed_weights.recipe(model.state_dict())
    weights = hashed_weights.materialize(entries)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)
    model.eval()
    samples = padded_batch(sizes, np.random.default_rng(seed))
    with torch.no_grad():
        features, pos = model.backbone(samples)
        out = model(samples)
    logits = torch.stack([a["pred_logits"] for a in out["aux_outputs"]] + [out["pred_logits"]])
    boxes = torch.stack([a["pred_boxes"] for a in out["aux_outputs"]] + [out["pred_boxes"]])
    src, mask = features[-1].decompose()
    tensors = {
        "images": samples.tensors.numpy(), "mask": samples.mask.numpy(),
        "features": src.numpy(), "feature_mask": mask.numpy(), "pos": pos[-1].numpy(),
        "logits": logits.numpy(), "boxes": boxes.numpy(),
    }
    write_safetensors(os.path.join(out_dir, name + ".safetensors"), tensors,
                      {"reference": "facebookresearch/detr@29901c5", "torch": torch.__version__})
    meta = {"case": name, "config": jdetr_config(args), "image_sizes": [list(s) for s in sizes],
            "weights": entries}
    with open(os.path.join(out_dir, name + ".json"), "w") as f:
        json.dump(meta, f, indent=None, separators=(",", ":"))
    if write_weights:
        write_safetensors(os.path.join(out_dir, name + ".weights.safetensors"), weights,
                          {"format": "pt"})
    print(f"{name}: logits {tuple(logits.shape)} |max| {float(logits.abs().max()):.3f}, "
          f"features {tuple(src.shape)} |max| {float(src.abs().max()):.3f}")


def position_and_mask_fixture(out_dir):
    """Sine positions and nearest mask downsampling on irregular padding, without a backbone."""
    from models.position_encoding import PositionEmbeddingSine
    from util.misc import NestedTensor
    rng = np.random.default_rng(11)
    full = np.zeros((3, 61, 83), dtype=bool)
    for i, (h, w) in enumerate([(61, 40), (17, 83), (33, 50)]):
        full[i, h:, :] = True
        full[i, :, w:] = True
    m = torch.from_numpy(full)
    tensors = {"full_mask": full}
    for h, w in [(7, 9), (13, 17), (4, 5), (61, 83), (122, 166), (2, 3)]:
        down = F.interpolate(m[None].float(), size=(h, w)).to(torch.bool)[0]
        tensors[f"mask_{h}x{w}"] = down.numpy()
    down = torch.from_numpy(tensors["mask_13x17"])
    feats = torch.from_numpy(rng.standard_normal((3, 8, 13, 17)).astype(np.float32))
    tensors["pos_sine_32_13x17"] = PositionEmbeddingSine(32, normalize=True)(
        NestedTensor(feats, down)).numpy()
    write_safetensors(os.path.join(out_dir, "position_and_mask.safetensors"), tensors,
                      {"reference": "facebookresearch/detr@29901c5"})


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--full-size", metavar="OUTDIR",
                   help="only the default DETR-R50 on one 800x1066 image, weights included")
    a = p.parse_args()
    torch.set_num_threads(1)
    if a.full_size:
        os.makedirs(a.full_size, exist_ok=True)
        run_case("r50_default_800x1066", [], [(800, 1066)], a.full_size, 5, write_weights=True)
        return
    for i, (name, (argv, sizes)) in enumerate(CASES.items()):
        run_case(name, argv, sizes, HERE, 100 + i)
    position_and_mask_fixture(HERE)


if __name__ == "__main__":
    main()
