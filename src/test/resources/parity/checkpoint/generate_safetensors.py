"""Writes python_written.safetensors with plain numpy + struct (no safetensors library).

Layout follows the safetensors format: u64 little-endian header length, JSON header with
dtype/shape/data_offsets per tensor and a __metadata__ string map, header padded with spaces to a
multiple of 8, then the little-endian tensor bytes in header-offset order.
Run: /usr/bin/python3 generate_safetensors.py  (writes next to this script)
"""
import json
import os
import struct

import numpy as np


def bf16_bits(x):
    """Truncates float32 values to bfloat16 bit patterns (exact for the values used here)."""
    return (np.asarray(x, dtype=np.float32).view(np.uint32) >> 16).astype('<u2')


def main():
    rng = np.random.default_rng(7)
    tensors = [
        ("f32.matrix", "F32", [2, 3], rng.standard_normal((2, 3)).astype('<f4')),
        ("f16.vector", "F16", [5], np.array([0.5, -1.25, 3.0, 65504.0, -0.0], dtype='<f2')),
        ("bf16.vector", "BF16", [4], bf16_bits([1.0, -2.5, 0.15625, 1024.0])),
        ("i64.ids", "I64", [3], np.array([-1, 2**40, 7], dtype='<i8')),
        ("i32.grid", "I32", [2, 2], np.array([[1, -2], [3, 2**30]], dtype='<i4')),
        ("u8.bytes", "U8", [4], np.array([0, 1, 128, 255], dtype='u1')),
        ("bool.mask", "BOOL", [2, 3], np.array([[True, False, True], [False, False, True]])),
        ("f32.scalar", "F32", [], np.array(3.5, dtype='<f4')),
        ("f32.empty", "F32", [0, 4], np.zeros((0, 4), dtype='<f4')),
    ]
    header = {"__metadata__": {"format": "pt", "written_by": "numpy"}}
    blobs = []
    offset = 0
    for name, dtype, shape, arr in tensors:
        data = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * ((8 - len(head) % 8) % 8)
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "python_written.safetensors")
    with open(out, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)
    # The expected values, for a reader test to compare against.
    expected = {name: arr.astype(np.float64).ravel().tolist() if dtype != "BF16"
                else (arr.astype(np.uint32) << 16).view(np.float32).astype(np.float64).tolist()
                for name, dtype, shape, arr in tensors}
    with open(out.replace(".safetensors", ".expected.json"), "w") as f:
        json.dump(expected, f, indent=1)


if __name__ == "__main__":
    main()
