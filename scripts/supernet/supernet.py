"""Elastic MobileNetV2-style SuperNet (OFA-style) shared by train.py and export.py.

Layer order and naming here define the artifact's layer table (see host/docs/supernet-format.md).
Elastic dims: depth per stage (first d blocks), expand ratio per block (first h hidden channels),
kernel per block (centre crop of the 7x7 depthwise weights), head width (first W channels).
"""
import gzip, json, os, random, struct
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = "/usr/share/datasets/fashion-mnist"


def load_config(path=None):
    path = path or os.path.join(os.path.dirname(os.path.abspath(__file__)), "config.json")
    with open(path) as f:
        return json.load(f)


def load_idx(split):
    """Returns (uint8 images [N,28,28], uint8 labels [N]). split: 'train' or 't10k'."""
    with gzip.open(f"{DATA_DIR}/{split}-images-idx3-ubyte.gz") as f:
        magic, n, h, w = struct.unpack(">IIII", f.read(16))
        assert magic == 2051
        x = np.frombuffer(f.read(), np.uint8).reshape(n, h, w)
    with gzip.open(f"{DATA_DIR}/{split}-labels-idx1-ubyte.gz") as f:
        magic, n2 = struct.unpack(">II", f.read(8))
        assert magic == 2049 and n2 == n
        y = np.frombuffer(f.read(), np.uint8)
    return x, y


def to_input(x_u8):
    """Exactly the int8 input contract: q = p >> 1, scale 2/255 -> float NCHW."""
    q = (torch.from_numpy(np.array(x_u8)).to(torch.int32) >> 1).float()
    return (q * (2.0 / 255.0)).unsqueeze(1)


# ---------------------------------------------------------------- architecture description
def block_specs(cfg):
    """List of dicts, one per (max-depth) block: stage, index, cin, cout, stride, hmax, residual."""
    specs = []
    cin = cfg["stem"]["out"]
    emax = max(cfg["expand_ratios"])
    for si, st in enumerate(cfg["stages"]):
        for b in range(max(st["depths"])):
            stride = st["stride"] if b == 0 else 1
            specs.append(dict(stage=si, index=b, cin=cin, cout=st["out"], stride=stride,
                              hmax=cin * emax, residual=(stride == 1 and cin == st["out"])))
            cin = st["out"]
    return specs


def subnet_blocks(cfg, sub):
    """sub = {'d': [..per stage], 'e': [[..per block] per stage], 'k': [[..]], 'w': head width}.
    Yields (spec, e, k) for the active blocks in order."""
    specs = block_specs(cfg)
    for sp in specs:
        if sp["index"] < sub["d"][sp["stage"]]:
            yield sp, sub["e"][sp["stage"]][sp["index"]], sub["k"][sp["stage"]][sp["index"]]


def max_subnet(cfg):
    return dict(d=[max(s["depths"]) for s in cfg["stages"]],
                e=[[max(cfg["expand_ratios"])] * max(s["depths"]) for s in cfg["stages"]],
                k=[[max(cfg["kernels"])] * max(s["depths"]) for s in cfg["stages"]],
                w=max(cfg["head_widths"]))


def min_subnet(cfg):
    return dict(d=[min(s["depths"]) for s in cfg["stages"]],
                e=[[min(cfg["expand_ratios"])] * max(s["depths"]) for s in cfg["stages"]],
                k=[[min(cfg["kernels"])] * max(s["depths"]) for s in cfg["stages"]],
                w=min(cfg["head_widths"]))


def random_subnet(cfg, rng):
    return dict(d=[rng.choice(s["depths"]) for s in cfg["stages"]],
                e=[[rng.choice(cfg["expand_ratios"]) for _ in range(max(s["depths"]))] for s in cfg["stages"]],
                k=[[rng.choice(cfg["kernels"]) for _ in range(max(s["depths"]))] for s in cfg["stages"]],
                w=rng.choice(cfg["head_widths"]))


# ---------------------------------------------------------------- model
class BN(nn.Module):
    """BatchNorm over the first c channels (shared gamma/beta; statistics are recalibrated per SubNet at export)."""
    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))

    def forward(self, x, stats=None):
        c = x.shape[1]
        if stats is None:
            mean = x.mean(dim=(0, 2, 3))
            var = x.var(dim=(0, 2, 3), unbiased=False)
        else:
            mean, var = stats
            mean, var = mean[:c], var[:c]
        inv = torch.rsqrt(var + 1e-5)
        g = self.weight[:c] * inv
        return x * g.view(1, -1, 1, 1) + (self.bias[:c] - mean * g).view(1, -1, 1, 1)


class Block(nn.Module):
    def __init__(self, sp, kmax):
        super().__init__()
        self.sp = sp
        self.kmax = kmax
        self.expand = nn.Parameter(torch.empty(sp["hmax"], sp["cin"], 1, 1))
        self.dw = nn.Parameter(torch.empty(sp["hmax"], 1, kmax, kmax))
        self.project = nn.Parameter(torch.empty(sp["cout"], sp["hmax"], 1, 1))
        nn.init.kaiming_normal_(self.expand, mode="fan_out")
        nn.init.kaiming_normal_(self.dw, mode="fan_out")
        nn.init.kaiming_normal_(self.project, mode="fan_out")
        self.bn1, self.bn2, self.bn3 = BN(sp["hmax"]), BN(sp["hmax"]), BN(sp["cout"])


class SuperNet(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        st = cfg["stem"]
        self.kmax = max(cfg["kernels"])
        self.stem = nn.Parameter(torch.empty(st["out"], cfg["input"]["c"], st["kernel"], st["kernel"]))
        nn.init.kaiming_normal_(self.stem, mode="fan_out")
        self.stem_bn = BN(st["out"])
        self.specs = block_specs(cfg)
        self.blocks = nn.ModuleList([Block(sp, self.kmax) for sp in self.specs])
        wmax = max(cfg["head_widths"])
        self.head = nn.Parameter(torch.empty(wmax, cfg["stages"][-1]["out"], 1, 1))
        nn.init.kaiming_normal_(self.head, mode="fan_out")
        self.head_bn = BN(wmax)
        self.fc = nn.Linear(wmax, cfg["classes"])

    def forward(self, x, sub, hook=None, stats=None):
        """hook(name, tensor_before_bn, bn) is called for every BN'd layer when given (export).
        stats: dict name -> (mean, var) to use instead of batch statistics."""
        def bn(name, mod, t):
            if hook is not None:
                hook(name, t)
            return mod(t, None if stats is None else stats[name])

        st = self.cfg["stem"]
        x = F.conv2d(x, self.stem, stride=st["stride"], padding=st["kernel"] // 2)
        x = F.relu6(bn("stem", self.stem_bn, x))
        bi = 0
        for i, blk in enumerate(self.blocks):
            sp = blk.sp
            if sp["index"] >= sub["d"][sp["stage"]]:
                continue
            e = sub["e"][sp["stage"]][sp["index"]]
            k = sub["k"][sp["stage"]][sp["index"]]
            h = sp["cin"] * e
            off = (self.kmax - k) // 2
            inp = x
            y = F.conv2d(x, blk.expand[:h])
            y = F.relu6(bn(f"b{i}.expand", blk.bn1, y))
            y = F.conv2d(y, blk.dw[:h, :, off:off + k, off:off + k], stride=sp["stride"], padding=k // 2, groups=h)
            y = F.relu6(bn(f"b{i}.dw", blk.bn2, y))
            y = F.conv2d(y, blk.project[:, :h])
            y = bn(f"b{i}.project", blk.bn3, y)
            if hook is not None:
                hook(f"b{i}.project.out", y)
            if sp["residual"]:
                y = y + inp
                if hook is not None:
                    hook(f"b{i}.add.out", y)
            x = y
        w = sub["w"]
        y = F.conv2d(x, self.head[:w])
        y = F.relu6(bn("head", self.head_bn, y))
        y = y.mean(dim=(2, 3))
        if hook is not None:
            hook("gap.out", y)
        return F.linear(y, self.fc.weight[:, :w], self.fc.bias)
