"""Records torch's AdamW + clip_grad_norm_ + StepLR on small random parameters.

Run with Debian's Python (torch 1.13):
    /usr/bin/python3 src/test/resources/parity/optim/generate_adamw.py
Writes adamw_clip_steplr.json next to this script. The parameter groups follow the reference
training scripts (DETR main.py: "backbone" in the name -> lr_backbone; Deformable DETR main.py:
backbone names -> lr_backbone, reference_points / sampling_offsets -> lr * lr_linear_proj_mult).
"""
import json
import os

import torch


def match(name, keywords):
    return any(k in name for k in keywords)


def detr_groups(named, lr, lr_backbone):
    return [
        {"params": [n for n, _ in named if "backbone" not in n], "lr": lr},
        {"params": [n for n, _ in named if "backbone" in n], "lr": lr_backbone},
    ]


def deformable_groups(named, lr, lr_backbone, backbone_names, linear_proj_names, mult):
    return [
        {"params": [n for n, _ in named if not match(n, backbone_names) and not match(n, linear_proj_names)], "lr": lr},
        {"params": [n for n, _ in named if match(n, backbone_names)], "lr": lr_backbone},
        {"params": [n for n, _ in named if match(n, linear_proj_names)], "lr": lr * mult},
    ]


def run(name, seed, shapes, group_fn, weight_decay, max_norm, step_size, gamma, grad_scales):
    g = torch.Generator().manual_seed(seed)
    named = [(n, torch.randn(s, generator=g, dtype=torch.float32)) for n, s in shapes]
    initial = {n: p.clone() for n, p in named}
    params = {n: torch.nn.Parameter(p.clone()) for n, p in named}
    groups = group_fn(named)
    optimizer = torch.optim.AdamW(
        [{"params": [params[n] for n in grp["params"]], "lr": grp["lr"]} for grp in groups],
        lr=groups[0]["lr"], weight_decay=weight_decay, foreach=False)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size, gamma)
    steps = []
    for scale in grad_scales:
        grads = {n: torch.randn(p.shape, generator=g, dtype=torch.float32) * scale for n, p in named}
        optimizer.zero_grad()
        for n, p in params.items():
            p.grad = grads[n].clone()
        lrs = [grp["lr"] for grp in optimizer.param_groups]
        total_norm = torch.nn.utils.clip_grad_norm_(list(params.values()), max_norm)
        optimizer.step()
        scheduler.step()  # one optimizer step per "epoch" here, so the lr drops within the test
        steps.append({
            "grads": {n: grads[n].flatten().tolist() for n in grads},
            "lrs": lrs,
            "total_norm": float(total_norm),
            "clipped_grads": {n: params[n].grad.flatten().tolist() for n in params},
            "params": {n: params[n].detach().flatten().tolist() for n in params},
        })
    state = optimizer.state
    return {
        "name": name,
        "weight_decay": weight_decay,
        "betas": [0.9, 0.999],
        "eps": 1e-8,
        "max_norm": max_norm,
        "step_size": step_size,
        "gamma": gamma,
        "parameters": [{"name": n, "shape": list(p.shape), "initial": initial[n].flatten().tolist()} for n, p in named],
        "groups": [{"params": grp["params"], "lr": grp["lr"]} for grp in groups],
        "steps": steps,
        "final_lrs": [grp["lr"] for grp in optimizer.param_groups],
        "final_exp_avg": {n: state[params[n]]["exp_avg"].flatten().tolist() for n in params},
        "final_exp_avg_sq": {n: state[params[n]]["exp_avg_sq"].flatten().tolist() for n in params},
    }


def main():
    # Grad scales: large (clipped), tiny (norm below max_norm: not clipped), mixed.
    scales = [1.0, 0.3, 1e-3, 2.0, 1e-4]
    detr_shapes = [
        ("backbone.0.body.layer2.0.conv1.weight", (4, 3, 1, 1)),
        ("backbone.0.body.layer2.0.bn1.weight", (4,)),
        ("transformer.encoder.layers.0.linear1.weight", (6, 4)),
        ("transformer.encoder.layers.0.linear1.bias", (6,)),
        ("query_embed.weight", (5, 4)),
        ("class_embed.weight", (3, 4)),
    ]
    deformable_shapes = [
        ("backbone.0.body.layer2.0.conv1.weight", (4, 3, 1, 1)),
        ("transformer.encoder.layers.0.self_attn.sampling_offsets.weight", (8, 4)),
        ("transformer.encoder.layers.0.self_attn.sampling_offsets.bias", (8,)),
        ("transformer.encoder.layers.0.self_attn.value_proj.weight", (4, 4)),
        ("transformer.reference_points.weight", (2, 4)),
        ("class_embed.0.bias", (3,)),
    ]
    scenarios = [
        run("detr", 1, detr_shapes, lambda named: detr_groups(named, 1e-4, 1e-5),
            1e-4, 0.1, 2, 0.1, scales),
        run("deformable_detr", 2, deformable_shapes,
            lambda named: deformable_groups(named, 2e-4, 2e-5, ["backbone.0"],
                                            ["reference_points", "sampling_offsets"], 0.1),
            1e-4, 0.1, 2, 0.1, scales),
        # Large learning rates and weight decay make every term of the update visible.
        run("large_lr", 3, detr_shapes, lambda named: detr_groups(named, 1e-2, 1e-3),
            0.1, 0.1, 3, 0.5, scales),
    ]
    out = {"torch": torch.__version__, "scenarios": scenarios}
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "adamw_clip_steplr.json")
    with open(path, "w") as f:
        json.dump(out, f)
    print("wrote", path, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
