"""Deterministic pseudo-random weights that Java regenerates bit for bit (jdetr HashedWeights).

Element i of a tensor named `name` is low + (high - low) * u with
u = (splitmix64(fnv1a64(name) + (i + 1) * 0x9E3779B97F4A7C15) >> 40) / 2**24, evaluated in float64
and rounded to float32. The per-tensor ranges (the "recipe") keep a randomly initialised,
batch-norm-free ResNet's activations of order one so that float32 comparisons stay meaningful.
"""
import math

import numpy as np

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x100000001B3) & MASK64
    return h


def hashed_uniform(name, shape, low, high):
    n = int(np.prod(shape, dtype=np.int64)) if len(shape) else 1
    with np.errstate(over="ignore"):
        z = np.uint64(fnv1a64(name)) + (np.arange(1, n + 1, dtype=np.uint64) * np.uint64(GOLDEN))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    u = (z >> np.uint64(40)).astype(np.float64) * (2.0 ** -24)
    return (low + (high - low) * u).astype(np.float32).reshape(shape)


def recipe_range(name, shape):
    """(low, high) for one state_dict entry."""
    leaf = name.rsplit(".", 1)[-1]
    is_bn = (".bn" in name or "downsample.1" in name or name.startswith("backbone.0.body.bn1"))
    if is_bn:
        last_in_branch = ".bn3." in name or "downsample.1" in name
        if leaf == "weight":
            return (0.2, 0.5) if last_in_branch else (0.6, 1.0)
        if leaf == "bias":
            return (-0.1, 0.1)
        if leaf == "running_mean":
            return (-0.1, 0.1)
        if leaf == "running_var":
            return (0.5, 1.5)
    if leaf == "weight" and len(shape) >= 2 and name.endswith("_embed.weight") and (
            "row_embed" in name or "col_embed" in name):
        return (0.0, 1.0)
    if name == "query_embed.weight":
        return (-1.0, 1.0)
    if ".norm" in name or name.endswith("norm.weight") or name.endswith("norm.bias"):
        return (0.8, 1.2) if leaf == "weight" else (-0.1, 0.1)
    if len(shape) >= 2:
        fan_in = int(np.prod(shape[1:]))
        bound = math.sqrt(3.0 / fan_in)
        if name.startswith("backbone.0.body"):
            bound *= math.sqrt(2.0)  # ReLU gain
        return (-bound, bound)
    return (-0.1, 0.1)  # biases


def recipe(state_dict):
    """[{name, shape, low, high}] for every entry of a reference state_dict, in its order."""
    out = []
    for name, t in state_dict.items():
        low, high = recipe_range(name, tuple(t.shape))
        out.append({"name": name, "shape": list(t.shape), "low": low, "high": high})
    return out


def materialize(entries):
    return {e["name"]: hashed_uniform(e["name"], tuple(e["shape"]), e["low"], e["high"])
            for e in entries}
