"""Fixtures for jdetr's torch.save reader (TorchCheckpointReader).

valid/    checkpoints written by torch.save itself (zip and legacy formats) plus, per checkpoint
          family, a JSON file with the exact expected values (float tensors as the bit patterns of
          their float32 conversion, integer/bool tensors as integers).
hostile/  hand-built files that a safe reader must refuse, and control.pth built by the same
          helpers but harmless (torch.load(weights_only=True) accepts it).

Run with Debian's python3 (torch 1.13):
  PYTHONPATH=/work/ref/detr:/work/ref/cocoapi/PythonAPI /usr/bin/python3 generate_pth_fixtures.py
"""
import collections
import json
import os
import pickle
import struct
import sys
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
VALID = os.path.join(HERE, "valid")
HOSTILE = os.path.join(HERE, "hostile")
MARKER = "/tmp/jdetr-s1-pwned"


# ----------------------------------------------------------------------------------------------
# expected values

def describe(t):
    """dtype, shape and exact values of a tensor as the Java reader must load it."""
    d = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape)}
    if t.is_floating_point():
        d["float32_bits"] = t.float().contiguous().view(torch.int32).flatten().tolist()
    elif t.dtype == torch.bool:
        d["values"] = t.to(torch.int64).flatten().tolist()
    else:
        d["values"] = t.to(torch.int64).flatten().tolist()
    return d


def write_json(name, obj):
    with open(os.path.join(VALID, name), "w") as f:
        json.dump(obj, f, indent=1, sort_keys=False)
        f.write("\n")


# ----------------------------------------------------------------------------------------------
# valid checkpoints, written by torch.save

def small_state_dict():
    g = torch.Generator().manual_seed(20240601)
    sd = collections.OrderedDict()
    sd["backbone.conv.weight"] = torch.randn(4, 3, 3, 3, generator=g)
    sd["backbone.bn.num_batches_tracked"] = torch.tensor(123456789012, dtype=torch.int64)
    sd["head.weight_half"] = torch.randn(5, 4, generator=g).half()
    sd["head.weight_bf16"] = torch.randn(3, 2, generator=g).bfloat16()
    sd["head.weight_f64"] = torch.randn(2, 3, generator=g).double()
    sd["proj.weight_t"] = torch.randn(3, 5, generator=g).t()  # view, strides (1, 5)
    base = torch.randn(4, 6, generator=g)
    sd["shared.rows"] = base[1:3]  # storage offset 6
    sd["shared.cols"] = base[:, ::2]  # strides (6, 2), same storage
    sd["expanded"] = torch.randn(3, 1, generator=g).expand(3, 4)  # stride 0
    sd["ids.int64"] = torch.tensor([-5, 0, 2 ** 40 + 3, -(2 ** 62), 2 ** 63 - 1], dtype=torch.int64)
    sd["ids.int32"] = torch.randint(-2 ** 31, 2 ** 31 - 1, (2, 3), generator=g, dtype=torch.int32)
    sd["ids.int16"] = torch.tensor([-32768, -1, 0, 32767], dtype=torch.int16)
    sd["ids.int8"] = torch.tensor([-128, 5, 127], dtype=torch.int8)
    sd["mask.uint8"] = torch.tensor([[0, 255], [17, 3]], dtype=torch.uint8)
    sd["mask.bool"] = torch.tensor([True, False, True])
    sd["empty"] = torch.zeros(0, 3)
    sd["half.special"] = torch.tensor(
        [float("inf"), float("-inf"), -0.0, 65504.0, 5.960464477539063e-08, -6.1e-05, 1.0 / 3],
        dtype=torch.float16)
    return sd


def state_checkpoint():
    sd = small_state_dict()
    inner = torch.arange(6, dtype=torch.float32).reshape(2, 3) / 7
    param = torch.nn.Parameter(torch.tensor([0.25, -1.5]))  # pickled via _rebuild_parameter
    ckpt = {
        "model": sd,
        "epoch": 7,
        "nested": {"a": {"b": [1, 2.5, "x", None, True, (3, 4)]}, "tensor_inside": inner},
        "big": 2 ** 70 + 1,
        "neg": -3,
        "name": "d\u00e9tr \u00fcnic\u00f6de",
        "param": param,
    }
    expected = {
        "top_level_keys": list(ckpt.keys()),
        "epoch": 7, "big": str(2 ** 70 + 1), "neg": -3, "name": ckpt["name"],
        "tensors": {k: describe(v) for k, v in sd.items()},
        "tensor_inside": describe(inner),
        "param": describe(param.detach()),
    }
    torch.save(ckpt, os.path.join(VALID, "state_zip.pth"))
    torch.save(ckpt, os.path.join(VALID, "state_zip_p4.pth"), pickle_protocol=4)
    torch.save(ckpt, os.path.join(VALID, "state_legacy.pth"), _use_new_zipfile_serialization=False)
    write_json("state_expected.json", expected)


def detr_args():
    """The argparse.Namespace DETR's main.py stores under 'args' (reference parser, defaults)."""
    try:
        import main as detr_main  # /work/ref/detr on PYTHONPATH
        return detr_main.get_args_parser().parse_args([])
    except ImportError:
        sys.exit("put /work/ref/detr and /work/ref/cocoapi/PythonAPI on PYTHONPATH")


def training_checkpoint():
    """The dict DETR's main.py saves every epoch, on a tiny model so the file stays small."""
    torch.manual_seed(5)
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.BatchNorm1d(2))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.StepLR(opt, 200)
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    sched.step()
    args = detr_args()
    ckpt = {"model": model.state_dict(), "optimizer": opt.state_dict(),
            "lr_scheduler": sched.state_dict(), "epoch": 4, "args": args}
    expected = {
        "top_level_keys": list(ckpt.keys()),
        "epoch": 4,
        "args": {k: getattr(args, k) for k in
                 ["lr", "lr_backbone", "lr_drop", "backbone", "hidden_dim", "num_queries",
                  "aux_loss", "frozen_weights", "dropout", "output_dir", "dist_url"]},
        "args_count": len(vars(args)),
        "tensors": {k: describe(v) for k, v in model.state_dict().items()},
    }
    torch.save(ckpt, os.path.join(VALID, "train_zip.pth"))
    torch.save(ckpt, os.path.join(VALID, "train_legacy.pth"), _use_new_zipfile_serialization=False)
    write_json("train_expected.json", expected)


# ----------------------------------------------------------------------------------------------
# hand-built pickles and archives

def uni(s):
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b


def glob(module, name):
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def integer(v):
    if 0 <= v < 256:
        return b"K" + bytes([v])
    if -2 ** 31 <= v < 2 ** 31:
        return b"J" + struct.pack("<i", v)
    n = (v.bit_length() + 8) // 8
    return b"\x8a" + bytes([n]) + v.to_bytes(n, "little", signed=True)


def tup(values):
    return b"(" + b"".join(integer(v) for v in values) + b"t"


def tensor_checkpoint_pickle(storage="FloatStorage", key="0", numel=4, offset=0, size=(4,),
                             stride=(1,), legacy=False):
    """{'model': OrderedDict(w=tensor)} as torch pickles it (protocol 2)."""
    pid = (b"(" + uni("storage") + glob("torch", storage) + uni(key) + uni("cpu") + integer(numel)
           + (b"N" if legacy else b"") + b"t")
    tensor = (glob("torch._utils", "_rebuild_tensor_v2") + b"(" + pid + b"Q" + integer(offset)
              + tup(size) + tup(stride) + b"\x89" + glob("collections", "OrderedDict") + b")R"
              + b"tR")
    return (b"\x80\x02}" + uni("model") + glob("collections", "OrderedDict") + b")R"
            + uni("w") + tensor + b"ss.")


def zip_archive(entries, prefix="archive"):
    """A zip like torch writes (STORED, sizes in the central directory); entries may lie."""
    out, central = bytearray(), bytearray()
    for e in entries:
        name = (prefix + "/" + e["name"]).encode()
        data = e["data"]
        if e.get("deflate"):
            co = zlib.compressobj(9, zlib.DEFLATED, -15)
            comp, method = co.compress(data) + co.flush(), 8
        else:
            comp, method = data, 0
        declared = e.get("declared_size", len(data))
        extra = b""
        size32 = declared
        if declared >= 0xFFFFFFFF:
            extra = struct.pack("<HHQ", 1, 8, declared)
            size32 = 0xFFFFFFFF
        crc = zlib.crc32(data)
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0, crc, len(comp),
                           size32, len(name), 0) + name + comp
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0, crc,
                               len(comp), size32, len(name), len(extra), 0, 0, 0, 0,
                               offset) + name + extra
    cd_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central),
                       cd_offset, 0)
    return bytes(out)


def torch_zip(pickle_bytes, storages=(), **storage_options):
    entries = [{"name": "data.pkl", "data": pickle_bytes}]
    for key, data in storages:
        entries.append(dict({"name": "data/" + key, "data": data}, **storage_options))
    entries.append({"name": "version", "data": b"3\n"})
    return zip_archive(entries)


def legacy_stream(main_pickle, keys, storages):
    out = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    out += pickle.dumps(1001, protocol=2)
    out += pickle.dumps({"protocol_version": 1001, "little_endian": True,
                         "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2)
    out += main_pickle + pickle.dumps(list(keys), protocol=2)
    for numel, data in storages:
        out += struct.pack("<q", numel) + data
    return out


FOUR_FLOATS = struct.pack("<4f", 1.0, -2.0, 0.5, 3.25)


def hostile_fixtures():
    files = {}
    files["control.pth"] = torch_zip(tensor_checkpoint_pickle(), [("0", FOUR_FLOATS)])
    files["global_os_system.pth"] = torch_zip(
        b"\x80\x02" + glob("os", "system") + uni("touch " + MARKER) + b"\x85R.")
    files["reduce_builtins_eval.pth"] = torch_zip(
        b"\x80\x02}" + uni("model") + glob("builtins", "eval")
        + uni("__import__('os').system('touch " + MARKER + "')") + b"\x85Rs.")
    proto4 = (b"\x8c\x0asubprocess\x94\x8c\x05Popen\x94\x93\x94"
              + b"\x8c\x05touch\x94\x8c" + bytes([len(MARKER)]) + MARKER.encode()
              + b"\x94\x86\x94\x85\x94R\x94.")
    files["stack_global_popen.pth"] = torch_zip(
        b"\x80\x04\x95" + struct.pack("<Q", len(proto4)) + proto4)
    files["reduce_storage_class.pth"] = torch_zip(
        b"\x80\x02" + glob("torch", "FloatStorage") + integer(2 ** 40) + b"\x85R.")
    files["load_from_bytes.pth"] = torch_zip(
        b"\x80\x02" + glob("torch.storage", "_load_from_bytes") + b"C\x04abcd\x85R.")
    files["setitem_on_list.pth"] = torch_zip(b"\x80\x02]" + uni("k") + uni("v") + b"s.")
    files["inst_opcode.pth"] = torch_zip(
        b"\x80\x02(" + uni("touch " + MARKER) + b"ios\nsystem\n.")
    files["newobj_ordered_dict.pth"] = torch_zip(
        b"\x80\x02" + glob("collections", "OrderedDict") + b")\x81.")
    files["string_length_lie.pth"] = torch_zip(b"\x80\x02X" + struct.pack("<I", 0x7FFFFFFF) + b"ab.")
    files["storage_bigger_than_entry.pth"] = torch_zip(
        tensor_checkpoint_pickle(numel=1000, size=(1000,)), [("0", FOUR_FLOATS)])
    files["tensor_beyond_storage.pth"] = torch_zip(
        tensor_checkpoint_pickle(offset=2, size=(4,)), [("0", FOUR_FLOATS)])
    files["huge_storage_numel.pth"] = torch_zip(
        tensor_checkpoint_pickle(numel=2 ** 40, size=(2 ** 40,)), [("0", FOUR_FLOATS)])
    files["overflowing_storage_numel.pth"] = torch_zip(
        tensor_checkpoint_pickle(numel=2 ** 62, size=(4,)), [("0", FOUR_FLOATS)])
    files["huge_tensor_view.pth"] = torch_zip(
        tensor_checkpoint_pickle(numel=1, size=(2 ** 20, 2 ** 20), stride=(0, 0)),
        [("0", FOUR_FLOATS[:4])])
    files["zip_bomb_deflated.pth"] = torch_zip(
        tensor_checkpoint_pickle(), [("0", bytes(32 << 20))], deflate=True, declared_size=16)
    files["zip_bomb_declared.pth"] = torch_zip(
        tensor_checkpoint_pickle(), [("0", bytes(1 << 20))], deflate=True,
        declared_size=1 << 40)
    files["persid_module.pth"] = legacy_stream(
        b"\x80\x02(" + uni("module") + uni("Linear") + uni("linear.py") + uni("source") + b"tQ.",
        [], [])
    files["legacy_count_mismatch.pth"] = legacy_stream(
        tensor_checkpoint_pickle(legacy=True), ["0"], [(5, FOUR_FLOATS)])
    files["not_a_checkpoint.pth"] = b"this is not a checkpoint\n" * 4

    # truncated copies of real torch.save output
    g = torch.Generator().manual_seed(11)
    sd = collections.OrderedDict(a=torch.randn(1024, generator=g), b=torch.randn(1024, generator=g))
    path = os.path.join(HOSTILE, "tmp.pth")
    for fmt, new in (("zip", True), ("legacy", False)):
        torch.save({"model": sd}, path, _use_new_zipfile_serialization=new)
        with open(path, "rb") as f:
            data = f.read()
        files["truncated_" + fmt + ".pth"] = data[: int(len(data) * 0.7)]
    os.remove(path)

    for name, data in files.items():
        with open(os.path.join(HOSTILE, name), "wb") as f:
            f.write(data)

    # the helpers build what torch itself accepts: the control loads with weights_only=True
    control = torch.load(os.path.join(HOSTILE, "control.pth"), weights_only=True)
    assert control["model"]["w"].tolist() == [1.0, -2.0, 0.5, 3.25]
    legacy_control = os.path.join(HOSTILE, "legacy_control.pth")
    with open(legacy_control, "wb") as f:
        f.write(legacy_stream(tensor_checkpoint_pickle(legacy=True), ["0"], [(4, FOUR_FLOATS)]))
    assert torch.load(legacy_control)["model"]["w"].tolist() == [1.0, -2.0, 0.5, 3.25]


def main():
    os.makedirs(VALID, exist_ok=True)
    os.makedirs(HOSTILE, exist_ok=True)
    print("torch", torch.__version__)
    state_checkpoint()
    training_checkpoint()
    hostile_fixtures()


if __name__ == "__main__":
    main()
