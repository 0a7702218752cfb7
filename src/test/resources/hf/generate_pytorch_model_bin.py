"""A transformers DETR directory whose tensors are a torch.save'd pytorch_model.bin (the older Hub
uploads), for the test of that path. The architecture is parity/finetune's tiny DETR (ResNet-18,
hidden 32, 4 heads, 1 + 1 layers, FFN 64, 10 queries, 91 COCO classes): its reference names are
read from detr_r18_tiny.pth and renamed by the DETR conversion script's rules (generate_hf_keys.py).
To keep the file small every tensor is a strided view into one pool of 8192 random floats; the
q/k/v parts of an in_proj tensor are separate views. Writes detr_r18_tiny_bin/{config.json,
pytorch_model.bin} and detr_r18_tiny_bin.expected.json (per reference name: shape and SHA-256 of
the values as contiguous little-endian float32, q/k/v joined in that order).

  /usr/bin/python3 generate_pytorch_model_bin.py
"""
import hashlib
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from generate_hf_keys import coco_id2label, detr_names  # noqa: E402

POOL = 8192


def pooled(pool, shape):
    shape = list(shape)
    inner = 1
    for d in shape[1:]:
        inner *= d
    strides = []
    s = 1
    for d in reversed(shape[1:]):
        strides.insert(0, s)
        s *= d
    first = inner if len(shape) == 1 or shape[0] == 1 else min(inner, (POOL - inner) // (shape[0] - 1))
    if len(shape) == 1:
        first = 1
    return pool.as_strided(shape, [first] + strides)


def main():
    torch.manual_seed(23)
    pool = torch.rand(POOL) * 0.95 + 0.05
    official = torch.load(os.path.join(HERE, "..", "parity", "finetune", "detr_r18_tiny.pth"),
                          map_location="cpu")["model"]
    hf, expected = {}, {}
    for key, tensor in official.items():
        names = detr_names(key, False)
        if len(names) == 3:
            part = [tensor.shape[0] // 3] + list(tensor.shape[1:])
            views = [pooled(pool[i * 97:], part) for i in range(3)]
            value = torch.cat(views)
        else:
            views = [pooled(pool, tensor.shape)]
            value = views[0]
        for n, v in zip(names, views):
            hf[n] = v
        expected[key] = {"shape": list(value.shape),
                         "sha256": hashlib.sha256(value.contiguous().numpy().astype("<f4").tobytes()).hexdigest()}
    out = os.path.join(HERE, "detr_r18_tiny_bin")
    torch.save(hf, os.path.join(out, "pytorch_model.bin"))
    id2label = coco_id2label()
    config = {"architectures": ["DetrForObjectDetection"], "model_type": "detr", "use_timm_backbone": True,
              "backbone": "resnet18", "use_pretrained_backbone": False, "dilation": False, "d_model": 32,
              "encoder_layers": 1, "decoder_layers": 1, "encoder_attention_heads": 4,
              "decoder_attention_heads": 4, "encoder_ffn_dim": 64, "decoder_ffn_dim": 64, "num_queries": 10,
              "id2label": id2label, "label2id": {v: int(k) for k, v in id2label.items()}}
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
        f.write("\n")
    with open(os.path.join(HERE, "detr_r18_tiny_bin.expected.json"), "w") as f:
        json.dump(expected, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
