"""The transformers names of the reference state dicts, for the key-map tests (no tensors).

Reads the reference state_dict names recorded in ../parity/model/state_dict_keys.json and
../parity/deformable/state_dict_keys.json and renames them by the rules of the transformers
conversion scripts (README.md in this directory names the files and commits). Also writes configs/NAME.json, the
config.json of each Hub model as the scripts would save it. Writes keys.json.gz (gzip keeps the
lists at tens of KB):

  {case: {"source": ..., "config": {...}, "pairs": [[reference name, [transformers names]], ...]}}

A reference in_proj tensor has three transformers names (q, k, v in that order).

  /usr/bin/python3 generate_hf_keys.py
"""
import gzip
import json
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
PARITY = os.path.join(HERE, "..", "parity")

DETR_SCRIPT = "src/transformers/models/detr/convert_detr_original_pytorch_checkpoint_to_pytorch.py"
DETR_NATIVE_SCRIPT = "src/transformers/models/detr/convert_detr_to_pytorch.py"
DEFORMABLE_SCRIPT = "src/transformers/models/deformable_detr/convert_deformable_detr_to_pytorch.py"


def detr_layer(key):
    """Encoder/decoder layer renames of the DETR script's rename_keys table."""
    m = re.match(r"transformer\.(encoder|decoder)\.layers\.(\d+)\.(.+)$", key)
    if not m:
        return None
    part, i, rest = m.groups()
    norms = ({"norm1": "self_attn_layer_norm", "norm2": "final_layer_norm"} if part == "encoder"
             else {"norm1": "self_attn_layer_norm", "norm2": "encoder_attn_layer_norm",
                   "norm3": "final_layer_norm"})
    head, _, leaf = rest.rpartition(".")
    if rest.endswith(("in_proj_weight", "in_proj_bias")):
        attn = rest.split(".")[0]
        attn = "encoder_attn" if attn == "multihead_attn" else attn
        leaf = "weight" if rest.endswith("weight") else "bias"
        return [f"{part}.layers.{i}.{attn}.{p}_proj.{leaf}" for p in "qkv"]
    head = head.replace("multihead_attn", "encoder_attn").replace("linear1", "fc1").replace("linear2", "fc2")
    head = norms.get(head, head)
    return [f"{part}.layers.{i}.{head}.{leaf}"]


DETR_TOP = {
    "input_proj": "input_projection", "query_embed": "query_position_embeddings",
    "transformer.decoder.norm": "decoder.layernorm", "class_embed": "class_labels_classifier",
    "bbox_embed.layers.0": "bbox_predictor.layers.0", "bbox_embed.layers.1": "bbox_predictor.layers.1",
    "bbox_embed.layers.2": "bbox_predictor.layers.2",
}


def native_resnet(rest):
    """The DETR native-backbone script's stem and stage renames (torchvision -> transformers ResNet)."""
    m = re.match(r"(conv1\.weight|bn1\.(.+))$", rest)
    if m:
        return ("embedder.embedder.convolution.weight" if m.group(2) is None
                else "embedder.embedder.normalization." + m.group(2))
    m = re.match(r"layer(\d)\.(\d+)\.(conv|bn)(\d)\.(.+)$", rest)
    if m:
        stage, layer, kind, idx, leaf = m.groups()
        mod = "convolution" if kind == "conv" else "normalization"
        return f"encoder.stages.{int(stage) - 1}.layers.{layer}.layer.{int(idx) - 1}.{mod}.{leaf}"
    m = re.match(r"layer(\d)\.(\d+)\.downsample\.([01])\.(.+)$", rest)
    stage, layer, idx, leaf = m.groups()
    mod = "convolution" if idx == "0" else "normalization"
    return f"encoder.stages.{int(stage) - 1}.layers.{layer}.shortcut.{mod}.{leaf}"


def detr_names(key, native):
    if key.startswith("backbone.0.body."):
        rest = key[len("backbone.0.body."):]
        names = ["backbone.conv_encoder.model." + (native_resnet(rest) if native else rest)]
    else:
        names = detr_layer(key)
        if names is None:
            base, _, leaf = key.rpartition(".")
            names = [DETR_TOP[base] + "." + leaf]
    return [n if n.startswith(("class_labels_classifier", "bbox_predictor")) else "model." + n
            for n in names]


def deformable_names(key):
    k = key.replace("backbone.0.body", "backbone.conv_encoder.model")
    k = k.replace("transformer.", "")
    if "norm1" in k:
        k = k.replace("norm1", "self_attn_layer_norm" if "encoder" in k else "encoder_attn_layer_norm")
    if "norm2" in k:
        k = k.replace("norm2", "final_layer_norm" if "encoder" in k else "self_attn_layer_norm")
    k = k.replace("norm3", "final_layer_norm").replace("linear1", "fc1").replace("linear2", "fc2")
    k = k.replace("query_embed", "query_position_embeddings").replace("cross_attn", "encoder_attn")
    m = re.match(r"(decoder\.layers\.\d+\.self_attn)\.in_proj_(weight|bias)$", k)
    names = [f"{m.group(1)}.{p}_proj.{m.group(2)}" for p in "qkv"] if m else [k]
    return [n if n.startswith(("class_embed", "bbox_embed")) else "model." + n for n in names]


# The reference DETRsegm's own modules (models/segmentation.py): MHAttentionMap and MaskHeadSmallConv.
SEGM_KEYS = ([f"bbox_attention.{m}.{p}" for m in ("q_linear", "k_linear") for p in ("weight", "bias")]
             + [f"mask_head.{m}.{p}" for m in ["lay1", "gn1", "lay2", "gn2", "lay3", "gn3", "lay4", "gn4",
                                               "lay5", "gn5", "out_lay", "adapter1", "adapter2", "adapter3"]
                for p in ("weight", "bias")])


def coco_id2label():
    """coco-detection-id2label.json as the conversion scripts load it: ids 0..90, "N/A" where COCO has none."""
    names = json.load(open(os.path.join(HERE, "..", "..", "..", "main", "resources", "jdetr", "coco-categories.json")))
    return {str(i): names.get(str(i), "N/A") for i in range(91)}


def hub_configs():
    """config.json fields the conversion scripts set over the configuration classes' defaults
    (configuration_detr.py, configuration_deformable_detr.py), as save_pretrained writes them."""
    id2label = coco_id2label()
    label2id = {v: int(k) for k, v in id2label.items()}
    detr = {"architectures": ["DetrForObjectDetection"], "model_type": "detr", "use_timm_backbone": True,
            "backbone": "resnet50", "use_pretrained_backbone": True, "dilation": False, "num_channels": 3,
            "num_queries": 100, "d_model": 256, "encoder_layers": 6, "decoder_layers": 6,
            "encoder_attention_heads": 8, "decoder_attention_heads": 8, "encoder_ffn_dim": 2048,
            "decoder_ffn_dim": 2048, "activation_function": "relu", "dropout": 0.1, "attention_dropout": 0.0,
            "activation_dropout": 0.0, "position_embedding_type": "sine", "auxiliary_loss": False,
            "init_std": 0.02, "init_xavier_std": 1.0, "is_encoder_decoder": True,
            "max_position_embeddings": 1024, "id2label": id2label, "label2id": label2id,
            "torch_dtype": "float32"}
    native = dict(detr, use_timm_backbone=False, backbone=None, dilation=None, use_pretrained_backbone=None,
                  backbone_config={"model_type": "resnet", "depths": [3, 4, 6, 3], "layer_type": "bottleneck",
                                   "hidden_sizes": [256, 512, 1024, 2048], "embedding_size": 64,
                                   "downsample_in_first_stage": False, "out_features": ["stage4"]})
    panoptic = dict(detr, architectures=["DetrForSegmentation"],
                    id2label={str(i): f"LABEL_{i}" for i in range(250)},
                    label2id={f"LABEL_{i}": i for i in range(250)})
    deformable = dict(detr, architectures=["DeformableDetrForObjectDetection"], model_type="deformable_detr",
                      num_queries=300, encoder_ffn_dim=1024, decoder_ffn_dim=1024, num_feature_levels=4,
                      encoder_n_points=4, decoder_n_points=4, two_stage=False, two_stage_num_proposals=300,
                      with_box_refine=False, return_intermediate=True, focal_alpha=0.25,
                      disable_custom_kernels=False)
    return {
        "detr-resnet-50": detr,
        "detr-resnet-101-dc5": dict(detr, backbone="resnet101", dilation=True),
        "detr-resnet-50-no-timm": native,
        "detr-resnet-50-panoptic": panoptic,
        "deformable-detr": deformable,
        "deformable-detr-single-scale-dc5": dict(deformable, num_feature_levels=1, dilation=True),
        "deformable-detr-with-box-refine": dict(deformable, with_box_refine=True),
        "deformable-detr-with-box-refine-two-stage": dict(deformable, with_box_refine=True, two_stage=True),
    }


def main():
    detr = json.load(open(os.path.join(PARITY, "model", "state_dict_keys.json")))
    deformable = json.load(open(os.path.join(PARITY, "deformable", "state_dict_keys.json")))
    out = {}
    for case in ("detr_r50_default", "detr_r101_dc5"):
        keys = [k for k, _, _ in detr[case]["keys"]]
        out[case] = {"source": DETR_SCRIPT, "config": detr[case]["config"],
                     "pairs": [[k, detr_names(k, False)] for k in keys]}
    keys = [k for k, _, _ in detr["detr_r50_default"]["keys"]]
    out["detr_r50_default_native_backbone"] = {
        "source": DETR_NATIVE_SCRIPT, "config": detr["detr_r50_default"]["config"],
        "pairs": [[k, detr_names(k, True)] for k in keys]}
    out["detr_r50_panoptic"] = {
        "source": DETR_SCRIPT + " (is_panoptic)", "config": detr["detr_r50_default"]["config"],
        "pairs": [["detr." + k, ["detr." + n for n in detr_names(k, False)]] for k in keys]
                 + [[k, [k]] for k in SEGM_KEYS]}
    for case in ("ddetr_r50_default", "ddetr_r50_refine", "ddetr_r50_two_stage", "ddetr_r50_single_scale_dc5"):
        entry = deformable[case]
        out[case] = {"source": DEFORMABLE_SCRIPT, "config": entry["config"],
                     "pairs": [[k, deformable_names(k)] for k, _, _ in entry["keys"]]}
    for name, config in hub_configs().items():
        with open(os.path.join(HERE, "configs", name + ".json"), "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
    with gzip.GzipFile(os.path.join(HERE, "keys.json.gz"), "wb", mtime=0) as f:
        f.write(json.dumps(out, separators=(",", ":")).encode())


if __name__ == "__main__":
    main()
