"""Reference state_dict names and shapes for several DETR configurations (no weights).

  PYTHONPATH=/work/ref/detr:/work/ref/cocoapi/PythonAPI /usr/bin/python3 generate_state_dict_keys.py
"""
import json
import os
import sys
import warnings

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from generate_model_fixtures import build_reference, jdetr_config  # noqa: E402

CONFIGS = {
    "detr_r50_default": [],
    "detr_r101_dc5": ["--backbone", "resnet101", "--dilation"],
    "detr_r18_learned_prenorm": ["--backbone", "resnet18", "--position_embedding", "learned",
                                 "--pre_norm", "--enc_layers", "2", "--dec_layers", "2"],
    "detr_r34_frozen_backbone": ["--backbone", "resnet34", "--lr_backbone", "0",
                                 "--enc_layers", "1", "--dec_layers", "1"],
}


def main():
    out = {}
    for name, argv in CONFIGS.items():
        args, model = build_reference(argv)
        trainable = {n for n, p in model.named_parameters() if p.requires_grad}
        out[name] = {
            "config": jdetr_config(args),
            "keys": [[k, list(v.shape), k in trainable] for k, v in model.state_dict().items()],
        }
    with open(os.path.join(HERE, "state_dict_keys.json"), "w") as f:
        json.dump(out, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
