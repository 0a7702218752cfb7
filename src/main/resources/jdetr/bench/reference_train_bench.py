"""Times the reference DETR training step (facebookresearch/detr) on the CPU, printing JSON lines
with the keys of `jdetr bench train`: one line per step, then a summary line.

Used by `jdetr bench train --reference-python ... --reference-detr ...`, which passes the options
of each config; or run directly:

  PYTHONPATH=/work/ref/detr:/work/ref/cocoapi/PythonAPI /usr/bin/python3 reference_train_bench.py \
      --name detr-r50-512 --threads 2 --height 512 --width 512 --targets 3.5 --num_classes 91 \
      --warmup 2 --steps 5 -- --batch_size 2

Options after `--` are DETR's own main.py options (model and optimiser); what is not given keeps
DETR's defaults. The step is engine.train_one_epoch's: forward, criterion (Hungarian matching and
losses, every value read as the metric logger reads it), zero_grad, backward, clip_grad_norm_,
AdamW step. Weights are random (no download); images are standard-normal tensors of one size;
targets are random boxes.
"""
import argparse
import json
import os
import statistics
import time
import warnings

import torch

warnings.filterwarnings("ignore")


def build(detr_args, num_classes, backbone_norm):
    """models.detr.build for `num_classes` (DETR's own fixes 91 for COCO), without masks.

    backbone_norm "batch" is jdetr's option for a backbone trained from scratch: torchvision's
    BatchNorm2d instead of FrozenBatchNorm2d, and every backbone parameter trains.
    """
    import models.backbone
    models.backbone.is_main_process = lambda: False  # no pretrained download
    if backbone_norm == "batch":
        models.backbone.FrozenBatchNorm2d = torch.nn.BatchNorm2d
    from models.backbone import build_backbone
    from models.detr import DETR, SetCriterion
    from models.matcher import build_matcher
    from models.transformer import build_transformer

    backbone = build_backbone(detr_args)
    if backbone_norm == "batch" and detr_args.lr_backbone > 0:
        for p in backbone.parameters():
            p.requires_grad_(True)
    model = DETR(backbone, build_transformer(detr_args), num_classes=num_classes,
                 num_queries=detr_args.num_queries, aux_loss=detr_args.aux_loss)
    weight_dict = {"loss_ce": 1, "loss_bbox": detr_args.bbox_loss_coef,
                   "loss_giou": detr_args.giou_loss_coef}
    if detr_args.aux_loss:
        aux = {}
        for i in range(detr_args.dec_layers - 1):
            aux.update({k + f"_{i}": v for k, v in weight_dict.items()})
        weight_dict.update(aux)
    criterion = SetCriterion(num_classes, matcher=build_matcher(detr_args), weight_dict=weight_dict,
                             eos_coef=detr_args.eos_coef, losses=["labels", "boxes", "cardinality"])
    return model, criterion


class TimedMatcher(torch.nn.Module):
    """Wraps the criterion's matcher to add up the time spent matching."""

    def __init__(self, matcher):
        super().__init__()
        self.matcher = matcher
        self.seconds = 0.0

    def forward(self, outputs, targets):
        start = time.perf_counter()
        out = self.matcher(outputs, targets)
        self.seconds += time.perf_counter() - start
        return out


def synthetic_batch(gen, step, batch, height, width, targets_per_image, num_classes):
    """Images [B,3,H,W] ~ N(0,1); per image a count of boxes keeping the mean at targets_per_image."""
    images = torch.randn(batch, 3, height, width, generator=gen)
    targets = []
    for b in range(batch):
        i = step * batch + b
        n = max(1, int(round((i + 1) * targets_per_image) - round(i * targets_per_image)))
        centres = 0.2 + 0.6 * torch.rand(n, 2, generator=gen)
        sizes = 0.05 + 0.35 * torch.rand(n, 2, generator=gen)
        labels = torch.randint(1, max(2, min(4, num_classes)), (n,), generator=gen)
        targets.append({"labels": labels, "boxes": torch.cat([centres, sizes], 1)})
    return images, targets


def peak_rss_kb():
    """VmHWM of this process: getrusage's ru_maxrss survives exec, so it can be the parent JVM's."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def main():
    p = argparse.ArgumentParser(allow_abbrev=False)
    p.add_argument("--name", required=True, help="config name, as jdetr bench train prints it")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--height", type=int, required=True)
    p.add_argument("--width", type=int, required=True)
    p.add_argument("--targets", type=float, default=4.0, help="mean targets per image")
    p.add_argument("--num_classes", type=int, default=91, help="max category id + 1")
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--backbone_norm", choices=("frozen", "batch"), default="frozen",
                   help="frozen: DETR's FrozenBatchNorm2d; batch: trained BatchNorm2d")
    a, detr_argv = p.parse_known_args()
    detr_argv = [x for x in detr_argv if x != "--"]
    torch.set_num_threads(a.threads)

    import main as detr_main
    from util.misc import nested_tensor_from_tensor_list

    detr_args = detr_main.get_args_parser().parse_args(["--device", "cpu"] + detr_argv)
    torch.manual_seed(detr_args.seed)
    model, criterion = build(detr_args, a.num_classes, a.backbone_norm)
    matcher = TimedMatcher(criterion.matcher)
    criterion.matcher = matcher
    param_dicts = [
        {"params": [p for n, p in model.named_parameters() if "backbone" not in n and p.requires_grad]},
        {"params": [p for n, p in model.named_parameters() if "backbone" in n and p.requires_grad],
         "lr": detr_args.lr_backbone},
    ]
    optimizer = torch.optim.AdamW(param_dicts, lr=detr_args.lr, weight_decay=detr_args.weight_decay)
    model.train()
    criterion.train()
    base = {"bench": "train", "impl": "reference", "config": a.name, "mode": "sequential",
            "threads": torch.get_num_threads(), "batch": detr_args.batch_size}
    gen = torch.Generator().manual_seed(detr_args.seed)
    measured = []
    for step in range(a.warmup + a.steps):
        images, targets = synthetic_batch(gen, step, detr_args.batch_size, a.height, a.width,
                                          a.targets, a.num_classes)
        matcher.seconds = 0.0
        c0, t0 = time.process_time(), time.perf_counter()
        samples = nested_tensor_from_tensor_list(list(images))
        outputs = model(samples)
        c1, t1 = time.process_time(), time.perf_counter()
        loss_dict = criterion(outputs, targets)
        weight_dict = criterion.weight_dict
        losses = sum(loss_dict[k] * weight_dict[k] for k in loss_dict.keys() if k in weight_dict)
        loss_value = losses.item()
        logged = {k: float(v) for k, v in loss_dict.items()}  # the metric logger's .item() calls
        c2, t2 = time.process_time(), time.perf_counter()
        optimizer.zero_grad()
        c3, t3 = time.process_time(), time.perf_counter()
        losses.backward()
        c4, t4 = time.process_time(), time.perf_counter()
        if detr_args.clip_max_norm > 0:
            torch.nn.utils.clip_grad_norm_(model.parameters(), detr_args.clip_max_norm)
        optimizer.step()
        c5, t5 = time.process_time(), time.perf_counter()
        line = {**base, "step": step, "warmup": step < a.warmup,
                "forward_ms": (t1 - t0) * 1e3,
                "matching_ms": matcher.seconds * 1e3,
                "loss_ms": (t2 - t1 - matcher.seconds) * 1e3,
                "matching_and_loss_ms": (t2 - t1) * 1e3,
                "backward_ms": (t4 - t3) * 1e3,
                "optimizer_ms": (t3 - t2 + t5 - t4) * 1e3,
                "train_ms": (t5 - t0) * 1e3,
                "train_cpu_ms": (c5 - c0) * 1e3,
                "forward_cpu_ms": (c1 - c0) * 1e3,
                "matching_and_loss_cpu_ms": (c2 - c1) * 1e3,
                "backward_cpu_ms": (c4 - c3) * 1e3,
                "optimizer_cpu_ms": (c3 - c2 + c5 - c4) * 1e3,
                "loss": loss_value, "class_error": logged.get("class_error"),
                "height": a.height, "width": a.width,
                "targets": sum(len(t["labels"]) for t in targets)}
        line = {k: round(v, 2) if isinstance(v, float) else v for k, v in line.items()}
        print(json.dumps(line), flush=True)
        if step >= a.warmup:
            measured.append(line)
    summary = {**base, "summary": True, "steps": len(measured), "warmup": a.warmup,
               "height": a.height, "width": a.width, "mean_targets_per_image": a.targets,
               "num_classes": a.num_classes, "backbone_norm": a.backbone_norm,
               "torch": torch.__version__,
               "peak_rss_mb": round(peak_rss_kb() / 1024.0, 1)}
    for key in ("forward_ms", "matching_ms", "loss_ms", "matching_and_loss_ms", "backward_ms",
                "optimizer_ms", "train_ms", "train_cpu_ms"):
        summary[key] = round(statistics.median(m[key] for m in measured), 2)
    for key in ("train_cpu_ms", "forward_cpu_ms", "matching_and_loss_cpu_ms", "backward_cpu_ms",
                "optimizer_cpu_ms"):
        summary[key + "_mean"] = round(statistics.mean(m[key] for m in measured), 2)
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
