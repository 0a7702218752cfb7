"""Writes grid_sampling.pt: a TorchScript module whose forward is the multi-scale deformable
attention sum with one bilinear grid_sample per level, the formula of Deformable DETR's
pure-PyTorch sampling core:

    out[n, q, m*D + c] = sum over levels l and points p of
        attention[n, q, m, l, p] * grid_sample(value of level l, head m,
                                               2 * locations[n, q, m, l, p] - 1)[c]

value [N, S, M, D] (the levels' tokens one after another), shapes [L, 2] int64 (H, W per level),
locations [N, Lq, M, L, P, 2] normalised (x, y), attention [N, Lq, M, L, P]; returns
[N, Lq, M * D]. grid_sample's CPU backward is one vectorised kernel per level, which is why
training samples through this module (jdetr.model.deformable.GridSampling). Any torch >= 1.10
writes a file that libtorch 2.7.1 loads.

  /usr/bin/python3 generate_grid_sampling.py
"""
import os
from typing import List

import torch
import torch.nn.functional as F


class GridSampling(torch.nn.Module):
    def forward(self, value: torch.Tensor, shapes: torch.Tensor, locations: torch.Tensor,
                attention: torch.Tensor) -> torch.Tensor:
        n, _, m, d = value.shape
        lq = locations.shape[1]
        levels = locations.shape[3]
        points = locations.shape[4]
        grids = locations * 2 - 1
        sizes: List[List[int]] = shapes.tolist()
        sampled: List[torch.Tensor] = []
        start = 0
        for level in range(levels):
            h = sizes[level][0]
            w = sizes[level][1]
            # [N, HW, M, D] -> [N * M, D, H, W]
            v = value[:, start:start + h * w].flatten(2).transpose(1, 2).reshape(n * m, d, h, w)
            start += h * w
            # [N, Lq, M, P, 2] -> [N * M, Lq, P, 2]
            g = grids[:, :, :, level].transpose(1, 2).flatten(0, 1)
            sampled.append(F.grid_sample(v, g, mode="bilinear", padding_mode="zeros",
                                         align_corners=False))  # [N * M, D, Lq, P]
        a = attention.transpose(1, 2).reshape(n * m, 1, lq, levels * points)
        out = (torch.stack(sampled, dim=-2).flatten(-2) * a).sum(-1)  # [N * M, D, Lq]
        return out.view(n, m * d, lq).transpose(1, 2).contiguous()


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "grid_sampling.pt")
    torch.jit.script(GridSampling()).save(out)
    print(out)
