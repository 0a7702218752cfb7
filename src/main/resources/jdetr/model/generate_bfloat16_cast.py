"""Writes bfloat16_cast.pt: a TorchScript module with one method, forward(x) -> x in bfloat16, a 4-d
x (images, convolution weights) in the channels-last layout, which oneDNN's bfloat16 convolutions
read without reordering.

jdetr's engine binding (DJL 0.35) has no name for bfloat16, so it cannot ask libtorch for that
type directly; jdetr.model.nn.Bfloat16 loads this module once and casts through it. Any torch
>= 1.10 writes a file that libtorch 2.7.1 loads.

  /usr/bin/python3 generate_bfloat16_cast.py
"""
import os

import torch


class ToBfloat16(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x.to(torch.bfloat16)
        if y.dim() == 4:
            y = y.contiguous(memory_format=torch.channels_last)
        return y


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bfloat16_cast.pt")
    torch.jit.script(ToBfloat16()).save(out)
    print(out)
