"""Parity fixtures for jdetr's Deformable DETR, computed by the reference (Deformable-DETR).

The reference is imported at run time from /work/ref/ddetr. Its MSDeformAttn calls a compiled CUDA
op (module MultiScaleDeformableAttention); that module is stubbed and MSDeformAttnFunction is routed
to the reference's own pure-PyTorch `ms_deform_attn_core_pytorch` (grid_sample, bilinear, zero
padding, align_corners=False).

Weights come from ../model/hashed_weights.py (a recipe Java regenerates exactly; weights shared by
several state_dict keys are hashed once, under the first key, and the recipe names that key in
"hash_name"). Inputs come from a seeded numpy generator. Each case writes <case>.json (jdetr
DetrConfig JSON + weight recipe) and <case>.safetensors (inputs, outputs of every decoder layer,
intermediate tensors). `state_dict_keys.json` lists the reference state_dict of five full-size
configurations. `sampling.safetensors` holds a direct check of the sampling core: its output
and the gradients of a weighted sum of it w.r.t. the values, the sampling locations and the
attention weights.

  PYTHONPATH=/work/ref/ddetr:/work/ref/cocoapi/PythonAPI /usr/bin/python3 generate_deformable_fixtures.py
  ... generate_deformable_fixtures.py --official-pth OUTDIR   # full-size .pth files, not committed
"""
import json
import os
import sys
import types
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "model"))
import hashed_weights  # noqa: E402
from generate_model_fixtures import write_safetensors  # noqa: E402

warnings.filterwarnings("ignore")
REFERENCE = "fundamentalvision/Deformable-DETR@11169a6"

SMALL = ["--hidden_dim", "64", "--nheads", "4", "--enc_layers", "2", "--dec_layers", "2",
         "--dim_feedforward", "128", "--num_queries", "12", "--enc_n_points", "3",
         "--dec_n_points", "2"]
# two-stage proposals are embedded with 128 features per coordinate: hidden_dim must be 256
TWO_STAGE = ["--hidden_dim", "256", "--nheads", "8", "--enc_layers", "1", "--dec_layers", "2",
             "--dim_feedforward", "64", "--num_queries", "10", "--enc_n_points", "2",
             "--dec_n_points", "2", "--with_box_refine", "--two_stage"]
PADDED = [(64, 80), (45, 58)]
CASES = {
    "r50_base": (SMALL, PADDED),
    "r50_refine": (SMALL + ["--with_box_refine"], PADDED),
    "r50_single_scale": (SMALL + ["--num_feature_levels", "1"], PADDED),
    "r50_five_levels_learned": (SMALL + ["--num_feature_levels", "5", "--position_embedding",
                                         "learned"], [(136, 130), (101, 77)]),
    "r50_two_stage": (TWO_STAGE, PADDED),
}


def import_reference():
    sys.modules["MultiScaleDeformableAttention"] = types.ModuleType("MultiScaleDeformableAttention")
    tqdm = types.ModuleType("tqdm")
    tqdm.tqdm = lambda it=None, *a, **k: it
    sys.modules.setdefault("tqdm", tqdm)
    import torchvision
    torchvision.__version__ = "0.9"  # util/misc.py compares float(version[:3]) with 0.5 and 0.7
    import main as ddetr_main
    import models.backbone
    import models.ops.modules.ms_deform_attn as msda_module
    from models.ops.functions.ms_deform_attn_func import ms_deform_attn_core_pytorch

    class PurePyTorch:
        @staticmethod
        def apply(value, shapes, level_start_index, locations, attention, im2col_step):
            return ms_deform_attn_core_pytorch(value, shapes, locations, attention)

    msda_module.MSDeformAttnFunction = PurePyTorch
    models.backbone.is_main_process = lambda: False  # no pretrained download
    return ddetr_main, ms_deform_attn_core_pytorch


def recipe_range(name, shape):
    leaf = name.rsplit(".", 1)[-1]
    if name.startswith("input_proj.") and ".1." in name:  # GroupNorm
        return (0.8, 1.2) if leaf == "weight" else (-0.1, 0.1)
    if name.endswith("sampling_offsets.bias"):
        return (-2.0, 2.0)  # a few pixels: samples fall inside, across and outside the maps
    if name.endswith("attention_weights.bias"):
        return (-1.0, 1.0)
    if name == "transformer.level_embed":
        return (-1.0, 1.0)
    return hashed_weights.recipe_range(name, shape)


def recipe(model):
    """[{name, shape, low, high[, hash_name]}]; keys sharing one tensor are hashed by the first."""
    out, first = [], {}
    for name, t in model.state_dict(keep_vars=True).items():
        low, high = recipe_range(name, tuple(t.shape))
        entry = {"name": name, "shape": list(t.shape), "low": low, "high": high}
        key = id(t)
        if key in first:
            entry.update(first[key])
            entry["hash_name"] = first[key]["hash_name"]
        else:
            first[key] = {"hash_name": name, "low": low, "high": high}
        out.append(entry)
    return out


def materialize(entries):
    return {e["name"]: hashed_weights.hashed_uniform(e.get("hash_name", e["name"]),
                                                      tuple(e["shape"]), e["low"], e["high"])
            for e in entries}


def jdetr_config(args):
    return {"architecture": "deformable_detr", "backbone": args.backbone,
            "dilation": bool(args.dilation), "position_embedding": args.position_embedding,
            "hidden_dim": args.hidden_dim, "nheads": args.nheads, "enc_layers": args.enc_layers,
            "dec_layers": args.dec_layers, "dim_feedforward": args.dim_feedforward,
            "dropout": args.dropout, "num_queries": args.num_queries, "pre_norm": False,
            "aux_loss": bool(args.aux_loss), "num_classes": 91,
            "train_backbone": args.lr_backbone > 0,
            "deformable": {"num_feature_levels": args.num_feature_levels,
                           "enc_n_points": args.enc_n_points, "dec_n_points": args.dec_n_points,
                           "with_box_refine": bool(args.with_box_refine),
                           "two_stage": bool(args.two_stage)}}


def run_case(ddetr_main, name, argv, sizes, seed):
    import torch
    from models import build_model
    from util.misc import nested_tensor_from_tensor_list
    torch.manual_seed(seed)
    args = ddetr_main.get_args_parser().parse_args(["--device", "cpu"] + argv)
    model, _, _ = build_model(args)
    entries = recipe(model)
    weights = materialize(entries)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)
    model.eval()
    rng = np.random.default_rng(seed)
    images = [torch.from_numpy(rng.standard_normal((3, h, w)).astype(np.float32)) for h, w in sizes]
    samples = nested_tensor_from_tensor_list(images)
    seen = {}
    model.transformer.register_forward_pre_hook(
        lambda m, inp: seen.update(srcs=inp[0], masks=inp[1], pos=inp[2]))
    model.transformer.encoder.register_forward_hook(lambda m, inp, out: seen.update(memory=out))
    with torch.no_grad():
        out = model(samples)
    logits = torch.stack([a["pred_logits"] for a in out["aux_outputs"]] + [out["pred_logits"]])
    boxes = torch.stack([a["pred_boxes"] for a in out["aux_outputs"]] + [out["pred_boxes"]])
    tensors = {"images": samples.tensors.numpy(), "mask": samples.mask.numpy(),
               "logits": logits.numpy(), "boxes": boxes.numpy(), "memory": seen["memory"].numpy()}
    for level, (src, mask, pos) in enumerate(zip(seen["srcs"], seen["masks"], seen["pos"])):
        tensors[f"src_{level}"] = src.numpy()
        tensors[f"mask_{level}"] = mask.numpy()
        tensors[f"pos_{level}"] = pos.numpy()
    if "enc_outputs" in out:
        tensors["enc_logits"] = out["enc_outputs"]["pred_logits"].numpy()
        tensors["enc_boxes"] = out["enc_outputs"]["pred_boxes"].numpy()
    write_safetensors(os.path.join(HERE, name + ".safetensors"), tensors,
                      {"reference": REFERENCE, "torch": torch.__version__})
    meta = {"case": name, "config": jdetr_config(args), "image_sizes": [list(s) for s in sizes],
            "weights": entries}
    with open(os.path.join(HERE, name + ".json"), "w") as f:
        json.dump(meta, f, indent=None, separators=(",", ":"))
    print(f"{name}: logits {tuple(logits.shape)} |max| {float(logits.abs().max()):.3f}, "
          f"levels {[tuple(s.shape[-2:]) for s in seen['srcs']]}")


def sampling_fixture(core):
    """The sampling core alone: output and gradients of sum(out * w)."""
    import torch
    rng = np.random.default_rng(7)
    n, m, d, lq, p = 2, 3, 5, 7, 4
    shapes = [(6, 9), (3, 5), (2, 2), (1, 3)]
    s = sum(h * w for h, w in shapes)
    value = torch.tensor(rng.standard_normal((n, s, m, d)), dtype=torch.float32, requires_grad=True)
    loc = torch.tensor(rng.uniform(-0.25, 1.25, (n, lq, m, len(shapes), p, 2)),
                       dtype=torch.float32, requires_grad=True)
    attn = torch.tensor(rng.uniform(0, 1, (n, lq, m, len(shapes), p)), dtype=torch.float32,
                        requires_grad=True)
    w = torch.tensor(rng.standard_normal((n, lq, m * d)), dtype=torch.float32)
    out = core(value, torch.as_tensor(shapes, dtype=torch.long), loc, attn)
    (out * w).sum().backward()
    write_safetensors(os.path.join(HERE, "sampling.safetensors"), {
        "value": value.detach().numpy(), "locations": loc.detach().numpy(),
        "attention": attn.detach().numpy(), "weights": w.numpy(),
        "shapes": np.asarray(shapes, dtype=np.int64), "output": out.detach().numpy(),
        "grad_value": value.grad.numpy(), "grad_locations": loc.grad.numpy(),
        "grad_attention": attn.grad.numpy()}, {"reference": REFERENCE})
    print(f"sampling: output {tuple(out.shape)}")


KEY_CONFIGS = {
    "ddetr_r50_default": [],
    "ddetr_r50_refine": ["--with_box_refine"],
    "ddetr_r50_two_stage": ["--with_box_refine", "--two_stage"],
    "ddetr_r50_single_scale_dc5": ["--num_feature_levels", "1", "--dilation"],
    "ddetr_r101_frozen_backbone": ["--backbone", "resnet101", "--lr_backbone", "0",
                                   "--enc_layers", "1", "--dec_layers", "2"],
}


def state_dict_keys(ddetr_main):
    """Names, shapes and requires_grad of the reference state_dict (shared heads under every
    index), and the names named_parameters() gives the optimiser (each tensor once)."""
    from models import build_model
    out = {}
    for name, argv in KEY_CONFIGS.items():
        args = ddetr_main.get_args_parser().parse_args(["--device", "cpu"] + argv)
        model, _, _ = build_model(args)
        out[name] = {
            "config": jdetr_config(args),
            "keys": [[k, list(v.shape), bool(v.requires_grad)]
                     for k, v in model.state_dict(keep_vars=True).items()],
            "trainable": [n for n, p in model.named_parameters() if p.requires_grad],
        }
    with open(os.path.join(HERE, "state_dict_keys.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))
    print(f"state_dict_keys: {', '.join(out)}")


def official_checkpoint(ddetr_main, out_dir, argv, name):
    """A checkpoint as the reference's main.py writes it (model, optimizer with its three groups,
    lr_scheduler, epoch, args), the reference's own random initialisation, full size; plus the
    model's outputs on one 480x640 image. Not committed (about 160 MB)."""
    import torch
    from models import build_model
    from util.misc import nested_tensor_from_tensor_list
    torch.manual_seed(11)
    args = ddetr_main.get_args_parser().parse_args(["--device", "cpu"] + argv)
    model, _, _ = build_model(args)
    model.eval()

    def match(n, keys):
        return any(k in n for k in keys)
    groups = [
        {"params": [p for n, p in model.named_parameters()
                    if not match(n, args.lr_backbone_names)
                    and not match(n, args.lr_linear_proj_names) and p.requires_grad],
         "lr": args.lr},
        {"params": [p for n, p in model.named_parameters()
                    if match(n, args.lr_backbone_names) and p.requires_grad],
         "lr": args.lr_backbone},
        {"params": [p for n, p in model.named_parameters()
                    if match(n, args.lr_linear_proj_names) and p.requires_grad],
         "lr": args.lr * args.lr_linear_proj_mult}]
    optimizer = torch.optim.AdamW(groups, lr=args.lr, weight_decay=args.weight_decay)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, args.lr_drop)
    os.makedirs(out_dir, exist_ok=True)
    torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                "lr_scheduler": scheduler.state_dict(), "epoch": 0, "args": args},
               os.path.join(out_dir, name + ".pth"))
    rng = np.random.default_rng(12)
    image = torch.from_numpy(rng.standard_normal((3, 480, 640)).astype(np.float32))
    samples = nested_tensor_from_tensor_list([image])
    with torch.no_grad():
        out = model(samples)
    logits = torch.stack([a["pred_logits"] for a in out["aux_outputs"]] + [out["pred_logits"]])
    boxes = torch.stack([a["pred_boxes"] for a in out["aux_outputs"]] + [out["pred_boxes"]])
    write_safetensors(os.path.join(out_dir, name + ".safetensors"),
                      {"images": samples.tensors.numpy(), "mask": samples.mask.numpy(),
                       "logits": logits.numpy(), "boxes": boxes.numpy()}, {"reference": REFERENCE})
    print(f"{name}: {out_dir}/{name}.pth")


def main():
    import argparse
    import torch
    parser = argparse.ArgumentParser()
    parser.add_argument("--official-pth", metavar="OUTDIR",
                        help="only write full-size checkpoints in the reference's format")
    options = parser.parse_args()
    torch.set_num_threads(1)
    ddetr_main, core = import_reference()
    if options.official_pth:
        official_checkpoint(ddetr_main, options.official_pth, [], "r50_deformable_detr")
        official_checkpoint(ddetr_main, options.official_pth, ["--with_box_refine", "--two_stage"],
                            "r50_deformable_detr_plus_plus")
        return
    sampling_fixture(core)
    for i, (name, (argv, sizes)) in enumerate(CASES.items()):
        run_case(ddetr_main, name, argv, sizes, 200 + i)
    state_dict_keys(ddetr_main)


if __name__ == "__main__":
    main()
