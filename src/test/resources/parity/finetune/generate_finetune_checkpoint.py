"""A small official-format DETR checkpoint for the fine-tuning tests.

Builds the reference DETR (facebookresearch/detr) with random weights and a tiny configuration
(ResNet-18 backbone, hidden 32, 4 heads, 1 encoder + 1 decoder layer, FFN 64, 10 queries, 91 COCO
classes) and saves {'model': state_dict} with torch.save (zip format), as the released checkpoints
are saved.

A ResNet-18 alone holds 11 M floats (45 MB). To keep the committed file near 1.7 MB, every tensor
of more than 4096 elements is a view into one shared random pool of 400 000 floats (torch.save
writes a shared storage once, each tensor as storage + offset + size + stride); the largest convs,
bigger than the pool, use a shortened stride on their first dimension, so their rows overlap. The
frozen batch-norm buffers and every small tensor keep storages of their own, with random values.
The file is loaded back into a fresh reference model (strict) to check it is a valid checkpoint.

Also writes detr_r18_tiny.expected.json: for every state_dict entry its shape and the SHA-256 of
its values as contiguous little-endian float32, and the architecture in jdetr's DetrConfig names.

  cd src/test/resources/parity/finetune
  PYTHONPATH=/work/ref/detr:/work/ref/cocoapi/PythonAPI /usr/bin/python3 generate_finetune_checkpoint.py
"""
import hashlib
import json
import os
import sys
import warnings

import torch

warnings.filterwarnings("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "detr_r18_tiny"
POOL = 400_000
SMALL = 4096
ARGS = ["--backbone", "resnet18", "--hidden_dim", "32", "--nheads", "4", "--enc_layers", "1",
        "--dec_layers", "1", "--dim_feedforward", "64", "--num_queries", "10", "--dropout", "0.0",
        "--device", "cpu"]


def reference_model(args):
    import main as detr_main
    import models.backbone
    models.backbone.is_main_process = lambda: False  # no torchvision download
    from models import build_model
    parsed = detr_main.get_args_parser().parse_args(args)
    model, _, _ = build_model(parsed)
    return model, parsed


def pooled(state, generator):
    """Big tensors become views of one shared storage; small ones get fresh random values."""
    pool = torch.empty(POOL).uniform_(-0.05, 0.05, generator=generator)
    out = {}
    for i, (key, value) in enumerate(state.items()):
        n = value.numel()
        if key.endswith("running_var"):
            out[key] = torch.empty(value.shape).uniform_(0.5, 1.5, generator=generator)
        elif n <= SMALL:
            out[key] = torch.empty(value.shape).uniform_(-0.2, 0.2, generator=generator)
        elif n <= POOL:
            offset = (i * 7919) % (POOL - n + 1)
            out[key] = pool[offset:offset + n].view(value.shape)
        else:
            inner = n // value.shape[0]
            stride0 = (POOL - inner) // (value.shape[0] - 1)
            strides = list(torch.empty(value.shape).stride())
            strides[0] = stride0
            out[key] = pool.as_strided(value.shape, strides, 0)
    return out


def digest(t):
    return hashlib.sha256(t.detach().to(torch.float32).contiguous().numpy().astype("<f4")
                          .tobytes()).hexdigest()


def main():
    torch.manual_seed(5)
    model, args = reference_model(ARGS)
    generator = torch.Generator().manual_seed(7)
    state = pooled(model.state_dict(), generator)
    path = os.path.join(HERE, NAME + ".pth")
    tmp = path + ".tmp"
    torch.save({"model": state}, tmp)
    os.replace(tmp, path)

    fresh, _ = reference_model(ARGS)
    loaded = torch.load(path, map_location="cpu")["model"]
    fresh.load_state_dict(loaded, strict=True)
    for key, value in fresh.state_dict().items():
        assert torch.equal(value, state[key]), key

    expected = {
        "reference": "facebookresearch/detr@29901c5",
        "config": {"backbone": args.backbone, "hidden_dim": args.hidden_dim, "nheads": args.nheads,
                   "enc_layers": args.enc_layers, "dec_layers": args.dec_layers,
                   "dim_feedforward": args.dim_feedforward, "num_queries": args.num_queries,
                   "num_classes": fresh.class_embed.out_features - 1,
                   "pre_norm": args.pre_norm, "position_embedding": args.position_embedding},
        "tensors": {key: {"shape": list(value.shape), "sha256": digest(value)}
                    for key, value in state.items()},
    }
    with open(os.path.join(HERE, NAME + ".expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{path}: {os.path.getsize(path)} bytes, {len(state)} tensors")


if __name__ == "__main__":
    main()
