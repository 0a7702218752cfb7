"""Two-stage Deformable DETR's set loss with the encoder proposals' `_enc` terms, computed by the
reference SetCriterion and HungarianMatcher (imported at run time from /work/ref/ddetr, default
arguments) on random outputs: 3 decoder layers of 12 queries and 40 encoder proposals, 5 classes,
2 images with 4 and 7 targets. Writes two_stage_criterion.json (inputs, every matching, every loss
term, the weighted total and its gradients w.r.t. the proposals' logits and boxes).

  PYTHONPATH=/work/ref/ddetr:/work/ref/cocoapi/PythonAPI /usr/bin/python3 generate_two_stage_criterion.py
"""
import json
import os
import sys
import types

HERE = os.path.dirname(os.path.abspath(__file__))
LAYERS, QUERIES, PROPOSALS, CLASSES, COUNTS = 3, 12, 40, 5, [4, 7]


def flat(t):
    return t.detach().reshape(-1).tolist()


def main():
    sys.modules["MultiScaleDeformableAttention"] = types.ModuleType("MultiScaleDeformableAttention")
    tqdm = types.ModuleType("tqdm")
    tqdm.tqdm = lambda it=None, *a, **k: it
    sys.modules.setdefault("tqdm", tqdm)
    import torch
    import torchvision
    torchvision.__version__ = "0.9"  # util/misc.py compares float(version[:3]) with 0.5 and 0.7
    import main as ddetr_main
    import models.deformable_detr as ddetr
    import models.matcher as ddetr_matcher
    args = ddetr_main.get_args_parser().parse_args(["--dec_layers", str(LAYERS)])
    gen = torch.Generator().manual_seed(77)

    def outputs(n):
        logits = (torch.randn(len(COUNTS), n, CLASSES, generator=gen) * 1.5 - 1.5).requires_grad_()
        raw = torch.randn(len(COUNTS), n, 4, generator=gen)
        raw[..., 2:] -= 1.0
        return logits, raw.sigmoid().detach().requires_grad_()

    layers = [outputs(QUERIES) for _ in range(LAYERS)]
    enc_logits, enc_boxes = outputs(PROPOSALS)
    targets = []
    for t in COUNTS:
        cxcy = torch.rand(t, 2, generator=gen) * 0.6 + 0.2
        wh = torch.rand(t, 2, generator=gen) * 0.35 + 0.05
        targets.append({"labels": torch.randint(0, CLASSES, (t,), generator=gen),
                        "boxes": torch.cat([cxcy, wh], 1)})

    weight_dict = {"loss_ce": args.cls_loss_coef, "loss_bbox": args.bbox_loss_coef,
                   "loss_giou": args.giou_loss_coef}
    aux = {}
    for i in range(args.dec_layers - 1):
        aux.update({k + f"_{i}": v for k, v in weight_dict.items()})
    aux.update({k + "_enc": v for k, v in weight_dict.items()})
    weight_dict.update(aux)

    calls = []
    matcher = ddetr_matcher.build_matcher(args)

    def recording(outputs_, targets_):
        indices = matcher(outputs_, targets_)
        calls.append([{"queryIdx": flat(i), "targetIdx": flat(j)} for i, j in indices])
        return indices

    criterion = ddetr.SetCriterion(CLASSES, recording, weight_dict,
                                   ["labels", "boxes", "cardinality"], focal_alpha=args.focal_alpha)
    out = {"pred_logits": layers[-1][0], "pred_boxes": layers[-1][1],
           "aux_outputs": [{"pred_logits": a, "pred_boxes": b} for a, b in layers[:-1]],
           "enc_outputs": {"pred_logits": enc_logits, "pred_boxes": enc_boxes}}
    losses = criterion(out, targets)
    total = sum(losses[k] * weight_dict[k] for k in losses if k in weight_dict)
    total.backward()
    # call order: last layer, aux layers 0..L-2, encoder proposals
    matchings = calls[1:LAYERS] + calls[:1] + calls[LAYERS:]
    case = {
        "reference": "fundamentalvision/Deformable-DETR@11169a6", "batch": len(COUNTS),
        "queries": QUERIES, "proposals": PROPOSALS, "numClasses": CLASSES, "layers": LAYERS,
        "weightDict": weight_dict,
        "targets": [{"labels": flat(t["labels"]), "boxes": flat(t["boxes"])} for t in targets],
        "logits": [flat(a) for a, _ in layers], "boxes": [flat(b) for _, b in layers],
        "encLogits": flat(enc_logits), "encBoxes": flat(enc_boxes),
        "matchings": matchings,
        "losses": {k: float(v) for k, v in losses.items()}, "total": float(total),
        "gradEncLogits": flat(enc_logits.grad), "gradEncBoxes": flat(enc_boxes.grad),
    }
    path = os.path.join(HERE, "two_stage_criterion.json")
    with open(path + ".tmp", "w") as f:
        json.dump(case, f, separators=(",", ":"))
    os.replace(path + ".tmp", path)
    print(f"two_stage_criterion: total {float(total):.6f}, {len(losses)} terms")


if __name__ == "__main__":
    main()
