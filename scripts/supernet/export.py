"""Export the trained SuperNet to the SUSHI SuperNet artifact (host/docs/supernet-format.md, v1).

usage: python export.py [--ckpt supernet.pt] [--out ../../host/supernets/<name>.sushinet]

Steps: quantise weights (int8, per-output-channel scale over the full max-size tensor, shared by every
SubNet) -> enumerate the listed SubNets (product of per-stage menus x head widths) -> per-SubNet BatchNorm
recalibration on `calib_images` training images (statistics are computed once per prefix-tree node, see
the spec) -> fold BN into int32 bias + (m, s) requantisation -> float accuracy of the eval sample ->
write the artifact.
"""
import argparse, json, math, os, random, struct, time, zlib
import numpy as np
import torch
import torch.nn.functional as F
from supernet import SuperNet, load_idx, to_input, block_specs

HERE = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--ckpt", default=os.path.join(HERE, "supernet.pt"))
ap.add_argument("--out", default=None)
ap.add_argument("--calib", type=int, default=None)
ap.add_argument("--no-float-eval", action="store_true")
args = ap.parse_args()
t0 = time.time()
torch.set_num_threads(int(os.environ.get("SUSHI_THREADS", os.cpu_count() or 1)))
ck = torch.load(args.ckpt, map_location="cpu")
cfg = ck["cfg"]; ec = cfg["export"]
model = SuperNet(cfg); model.load_state_dict(ck["state"]); model.eval()
P = {k: v.detach().double() for k, v in model.state_dict().items()}
specs = block_specs(cfg)
KMAX = max(cfg["kernels"]); EPS = 1e-5
RELU6_SCALE = 6.0 / 127.0
IN_SCALE = 2.0 / 255.0
out_path = args.out or os.path.join(HERE, "..", "..", "host", "supernets", cfg["name"] + ".sushinet")

# ------------------------------------------------------------------ weight quantisation (shared)
def quant_w(w):
    """w: [out, ...] float64 -> (int8 numpy [out, ...], f32 scales [out]); scale = max|w|/127 over the full tensor row."""
    amax = w.reshape(w.shape[0], -1).abs().max(1).values
    sc = torch.where(amax > 0, amax / 127.0, torch.ones_like(amax)).float().double()  # representable in f32
    q = torch.clamp(torch.round(w / sc.view(-1, *([1] * (w.dim() - 1)))), -127, 127)
    return q.to(torch.int8).numpy(), sc.float().numpy()

# layer table: name, kind, role, stage, block, kmax, stride, cin, cout, in_hw, out_hw, weight (canonical layout)
KIND = {"conv": 0, "dwconv": 1, "pwconv": 2, "fc": 3, "gap": 4, "add": 5}
ROLE = {"stem": 0, "expand": 1, "dw": 2, "project": 3, "add": 4, "head": 5, "gap": 6, "fc": 7}
layers = []
H = cfg["input"]["h"]; W_ = cfg["input"]["w"]
st = cfg["stem"]
oh, ow = (H - 1) // st["stride"] + 1, (W_ - 1) // st["stride"] + 1
layers.append(dict(name="stem", kind="conv", role="stem", stage=255, block=255, kmax=st["kernel"], stride=st["stride"],
                   cin=cfg["input"]["c"], cout=st["out"], ih=H, iw=W_, oh=oh, ow=ow, w=P["stem"].permute(0, 2, 3, 1)))
h, w = oh, ow
for i, sp in enumerate(specs):
    b = f"blocks.{i}"
    oh, ow = (h - 1) // sp["stride"] + 1, (w - 1) // sp["stride"] + 1
    common = dict(stage=sp["stage"], block=sp["index"], bi=i)
    layers.append(dict(name=f"b{i}.expand", kind="pwconv", role="expand", kmax=1, stride=1, cin=sp["cin"], cout=sp["hmax"],
                       ih=h, iw=w, oh=h, ow=w, w=P[b + ".expand"][:, :, 0, 0], **common))
    layers.append(dict(name=f"b{i}.dw", kind="dwconv", role="dw", kmax=KMAX, stride=sp["stride"], cin=sp["hmax"], cout=sp["hmax"],
                       ih=h, iw=w, oh=oh, ow=ow, w=P[b + ".dw"][:, 0], **common))
    layers.append(dict(name=f"b{i}.project", kind="pwconv", role="project", kmax=1, stride=1, cin=sp["hmax"], cout=sp["cout"],
                       ih=oh, iw=ow, oh=oh, ow=ow, w=P[b + ".project"][:, :, 0, 0], **common))
    if sp["residual"]:
        layers.append(dict(name=f"b{i}.add", kind="add", role="add", kmax=0, stride=1, cin=sp["cout"], cout=sp["cout"],
                           ih=oh, iw=ow, oh=oh, ow=ow, w=None, **common))
    h, w = oh, ow
WMAX = max(cfg["head_widths"]); C_LAST = cfg["stages"][-1]["out"]; NCLS = cfg["classes"]
layers.append(dict(name="head", kind="pwconv", role="head", stage=255, block=255, kmax=1, stride=1, cin=C_LAST, cout=WMAX,
                   ih=h, iw=w, oh=h, ow=w, w=P["head"][:, :, 0, 0]))
HW = h * w
gap_s = 24
gap_m = int(round(2 ** gap_s / HW))
while gap_m % 2 == 0 and gap_s > 1:
    gap_m //= 2; gap_s -= 1
layers.append(dict(name="gap", kind="gap", role="gap", stage=255, block=255, kmax=0, stride=1, cin=WMAX, cout=WMAX,
                   ih=h, iw=w, oh=1, ow=1, w=None, gap_m=gap_m, gap_s=gap_s))
layers.append(dict(name="fc", kind="fc", role="fc", stage=255, block=255, kmax=0, stride=1, cin=WMAX, cout=NCLS,
                   ih=1, iw=1, oh=1, ow=1, w=P["fc.weight"]))
LIDX = {l["name"]: i for i, l in enumerate(layers)}
GAP_SCALE_RATIO = 2 ** gap_s / (HW * gap_m)   # S_gap_out = S_in * ratio (exactly 1 when H*W is a power of two)

wblob = bytearray(); scales = []
DQ = {}   # dequantised weights (torch double, original conv layout) used for calibration / float eval
for l in layers:
    if l["w"] is None:
        l.update(w_off=0, w_len=0, s_off=0, s_cnt=0); continue
    q, sc = quant_w(l["w"])
    l.update(w_off=len(wblob), w_len=q.size, s_off=len(scales), s_cnt=len(sc))
    wblob += q.tobytes(); scales.extend(sc.tolist())
    l["wscale"] = sc.astype(np.float64)
    DQ[l["name"]] = (torch.from_numpy(q.astype(np.float64)) * torch.from_numpy(sc.astype(np.float64)).view(-1, *([1] * (q.ndim - 1)))).float()
print(f"int8 weight bytes: {len(wblob)}  weight scales: {len(scales)}")
dq_stem = DQ["stem"].permute(0, 3, 1, 2)  # back to [out][in][kh][kw]

# ------------------------------------------------------------------ SubNet enumeration
rng = random.Random(ec["seed"])
E = sorted(cfg["expand_ratios"]); K = sorted(cfg["kernels"])
def stage_min(si):
    n = max(cfg["stages"][si]["depths"]); return (min(cfg["stages"][si]["depths"]), (E[0],) * n, (K[0],) * n)
def stage_max(si):
    n = max(cfg["stages"][si]["depths"]); return (max(cfg["stages"][si]["depths"]), (E[-1],) * n, (K[-1],) * n)
menus = []
for si, msz in enumerate(ec["stage_menu_sizes"]):
    n = max(cfg["stages"][si]["depths"])
    m = [stage_min(si)]
    tries = 0
    while len(m) < msz - 1 and tries < 10000:
        tries += 1
        d = rng.choice(cfg["stages"][si]["depths"])
        c = (d, tuple(rng.choice(E) if j < d else E[0] for j in range(n)), tuple(rng.choice(K) if j < d else K[0] for j in range(n)))
        if c not in m and c != stage_max(si):
            m.append(c)
    m.append(stage_max(si))
    menus.append(m)
bodies = [()]
for m in menus:
    bodies = [b + (c,) for b in bodies for c in m]
subnets = []
for b in bodies:
    for wdt in sorted(cfg["head_widths"]):
        subnets.append(dict(d=[c[0] for c in b], e=[list(c[1]) for c in b], k=[list(c[2]) for c in b], w=wdt))
N = len(subnets)
print(f"listed SubNets: {N} ({len(bodies)} bodies x {len(cfg['head_widths'])} head widths); menus: {[len(m) for m in menus]}")

# ------------------------------------------------------------------ calibration / float forward with a prefix-keyed store
store = {}     # key -> dict(mean, var, S_in, S_out, ...)
def bn_apply(t, key, gamma, beta, calib, S_in=None, S_out=None, layer=None):
    if key not in store:
        assert calib, key
        td = t.double()
        mean = td.mean(dim=(0, 2, 3)); var = td.var(dim=(0, 2, 3), unbiased=False)
        store[key] = dict(mean=mean, var=var, S_in=S_in, S_out=S_out, layer=layer)
    s = store[key]
    c = t.shape[1]
    g = gamma[:c] / torch.sqrt(s["var"][:c] + EPS)
    return t * g.view(1, -1, 1, 1).float() + (beta[:c] - s["mean"][:c] * g).view(1, -1, 1, 1).float()

def act_scale(key, t, calib):
    k2 = ("scale",) + key
    if k2 not in store:
        assert calib
        store[k2] = max(t.abs().max().item(), 1e-6) / 127.0
    return store[k2]

def run_stem(x, calib):
    y = F.conv2d(x, dq_stem, stride=st["stride"], padding=st["kernel"] // 2)
    y = F.relu6(bn_apply(y, ("stem", ()), P["stem_bn.weight"], P["stem_bn.bias"], calib, IN_SCALE, RELU6_SCALE, "stem"))
    return y, RELU6_SCALE

def run_block(x, S, i, e, k, sig, calib):
    sp = specs[i]; b = f"blocks.{i}"
    hh = sp["cin"] * e
    off = (KMAX - k) // 2
    wexp = DQ[f"b{i}.expand"]
    full = ("fullexp", i, sig)
    if calib and ("stats", f"b{i}.expand", sig) not in store:
        # statistics of the expand / dw layers are per channel and independent of e: compute at full width once
        yf = F.conv2d(x, wexp[:, :, None, None])
        yf = F.relu6(bn_apply(yf, (f"b{i}.expand", sig), P[b + ".bn1.weight"], P[b + ".bn1.bias"], True, S, RELU6_SCALE, f"b{i}.expand"))
        store[("stats", f"b{i}.expand", sig)] = True
        store[full] = yf
    if calib and (f"b{i}.dw", sig, k) not in store:
        yf = store[full]
        wd = DQ[f"b{i}.dw"][:, None, off:off + k, off:off + k]
        zf = F.conv2d(yf, wd, stride=sp["stride"], padding=k // 2, groups=yf.shape[1])
        bn_apply(zf, (f"b{i}.dw", sig, k), P[b + ".bn2.weight"], P[b + ".bn2.bias"], True, RELU6_SCALE, RELU6_SCALE, f"b{i}.dw")
    y = F.conv2d(x, wexp[:hh, :, None, None])
    y = F.relu6(bn_apply(y, (f"b{i}.expand", sig), P[b + ".bn1.weight"], P[b + ".bn1.bias"], calib))
    y = F.conv2d(y, DQ[f"b{i}.dw"][:hh, None, off:off + k, off:off + k], stride=sp["stride"], padding=k // 2, groups=hh)
    y = F.relu6(bn_apply(y, (f"b{i}.dw", sig, k), P[b + ".bn2.weight"], P[b + ".bn2.bias"], calib))
    y = F.conv2d(y, DQ[f"b{i}.project"][:, :hh, None, None])
    pk = (f"b{i}.project", sig, e, k)
    y = bn_apply(y, pk, P[b + ".bn3.weight"], P[b + ".bn3.bias"], calib, RELU6_SCALE, None, f"b{i}.project")
    Sp = act_scale(pk, y, calib)
    store[pk]["S_out"] = Sp
    sig2 = sig + ((i, e, k),)
    if sp["residual"]:
        y = y + x
        ak = (f"b{i}.add", sig, e, k)
        Sa = act_scale(ak, y, calib)
        if ak not in store:
            store[ak] = dict(S_a=S, S_b=Sp, S_out=Sa, layer=f"b{i}.add")
        return y, Sa, sig2
    return y, Sp, sig2

stage_cache = {}
def run_body(x, body, calib, cache=True):
    """returns (activation after last stage, its scale, sig)."""
    sig = ()
    key = ("stem",)
    if cache and key in stage_cache:
        y, S = stage_cache[key]
    else:
        y, S = run_stem(x, calib)
        if cache: stage_cache[key] = (y, S)
    for si, (d, es, ks) in enumerate(body):
        ckey = ("stage", si, sig, (d, es[:d], ks[:d]))
        if cache and ckey in stage_cache:
            y, S, sig = stage_cache[ckey]; continue
        for sp_i, sp in enumerate(specs):
            if sp["stage"] == si and sp["index"] < d:
                y, S, sig = run_block(y, S, sp_i, es[sp["index"]], ks[sp["index"]], sig, calib)
        if cache: stage_cache[ckey] = (y, S, sig)
    return y, S, sig

def run_head(y, S, sig, calib, widths):
    """returns dict width -> logits"""
    t = F.conv2d(y, DQ["head"][:, :, None, None])
    t = F.relu6(bn_apply(t, ("head", sig), P["head_bn.weight"], P["head_bn.bias"], calib, S, RELU6_SCALE, "head"))
    feat = t.mean(dim=(2, 3))
    out = {}
    for wdt in widths:
        lg = feat[:, :wdt] @ DQ["fc"][:, :wdt].T + P["fc.bias"].float()
        fk = ("fc", sig, wdt)
        Sl = act_scale(fk, lg, calib)
        if fk not in store:
            store[fk] = dict(S_in=RELU6_SCALE * GAP_SCALE_RATIO, S_out=Sl, layer="fc")
        out[wdt] = lg
    return out

xtr, _ = load_idx("train")
ncal = args.calib or ec["calib_images"]
perm = np.random.RandomState(ec["seed"]).permutation(len(xtr))[:ncal]
Xc = to_input(xtr[np.sort(perm)])
t1 = time.time()
with torch.no_grad():
    for bi, body in enumerate(bodies):
        y, S, sig = run_body(Xc, body, True)
        run_head(y, S, sig, True, sorted(cfg["head_widths"]))
        if bi % 16 == 0:
            print(f"  calibrated body {bi}/{len(bodies)}  {time.time() - t1:.0f}s", flush=True)
stage_cache.clear()
for k in [k for k in store if k[0] == "fullexp"]:
    del store[k]
print(f"BN recalibration done in {time.time() - t1:.0f}s")

# ------------------------------------------------------------------ node table
def sub_keys(sub):
    """(layer index, store key, channels used) for every executed layer of a SubNet, in order."""
    out = [(LIDX["stem"], ("stem", ()), cfg["stem"]["out"])]
    sig = ()
    for i, sp in enumerate(specs):
        if sp["index"] >= sub["d"][sp["stage"]]:
            continue
        e = sub["e"][sp["stage"]][sp["index"]]; k = sub["k"][sp["stage"]][sp["index"]]
        hh = sp["cin"] * e
        out.append((LIDX[f"b{i}.expand"], (f"b{i}.expand", sig), hh))
        out.append((LIDX[f"b{i}.dw"], (f"b{i}.dw", sig, k), hh))
        out.append((LIDX[f"b{i}.project"], (f"b{i}.project", sig, e, k), sp["cout"]))
        if sp["residual"]:
            out.append((LIDX[f"b{i}.add"], (f"b{i}.add", sig, e, k), 1))
        sig = sig + ((i, e, k),)
    out.append((LIDX["head"], ("head", sig), sub["w"]))
    out.append((LIDX["gap"], None, sub["w"]))
    out.append((LIDX["fc"], ("fc", sig, sub["w"]), NCLS))
    return out

node_id = {}; node_width = {}
sub_nodes = []
for sub in subnets:
    row = [0xFFFFFFFF] * len(layers)
    for li, key, c in sub_keys(sub):
        if key is None:
            continue
        if key not in node_id:
            node_id[key] = len(node_id); node_width[key] = 0
        node_width[key] = max(node_width[key], c)
        row[li] = node_id[key]
    sub_nodes.append(row)
keys_in_order = sorted(node_id, key=lambda k: node_id[k])

def quant_mult(M):
    if M == 0 or not math.isfinite(M):
        return 0, 1
    s = 14 - math.floor(math.log2(abs(M)))
    s = min(max(s, 1), 62)
    m = int(round(M * 2 ** s))
    m = max(min(m, 2 ** 31 - 1), -(2 ** 31 - 1))
    return m, s

parm = bytearray(); node_recs = bytearray()
for key in keys_in_order:
    nd = store[key]; L = layers[LIDX[nd["layer"]]]; c = node_width[key]
    off = len(parm)
    if L["kind"] == "add":
        r = max(nd["S_a"], nd["S_b"]) / nd["S_out"]
        s = min(max(14 - math.floor(math.log2(r)), 1), 62)
        ma = int(round(nd["S_a"] / nd["S_out"] * 2 ** s)); mb = int(round(nd["S_b"] / nd["S_out"] * 2 ** s))
        parm += struct.pack("<iiB3x", ma, mb, s)
        lo, hi, S_out, S_in = -128, 127, nd["S_out"], nd["S_a"]
        c = 1
    else:
        S_in = nd["S_in"]; S_out = nd["S_out"]; ws = L["wscale"][:c]
        fan = (L["cin"] if L["kind"] in ("conv", "pwconv", "fc") else 1) * max(L["kmax"], 1) ** 2
        bmax = 2 ** 31 - 1 - fan * 127 * 127
        A = S_in * ws
        if L["kind"] == "fc":
            bias_r = P["fc.bias"].numpy()[:c] / A
            M = A / S_out
        else:
            li = LIDX[nd["layer"]]
            pre = {"stem": "stem_bn"}.get(L["name"])
            if pre is None:
                if L["role"] == "head": pre = "head_bn"
                else: pre = f"blocks.{L['bi']}." + {"expand": "bn1", "dw": "bn2", "project": "bn3"}[L["role"]]
            gamma = P[pre + ".weight"].numpy()[:c]; beta = P[pre + ".bias"].numpy()[:c]
            g = gamma / np.sqrt(nd["var"].numpy()[:c] + EPS)
            mean = nd["mean"].numpy()[:c]
            with np.errstate(divide="ignore", invalid="ignore"):
                bias_r = np.where(np.abs(g) > 1e-12, (beta / np.where(g == 0, 1, g) - mean) / A, 0.0)
            M = g * A / S_out
        bias = np.clip(np.round(bias_r), -bmax, bmax).astype(np.int32)
        ms = [quant_mult(float(v)) for v in M]
        parm += bias.astype("<i4").tobytes() + np.array([x[0] for x in ms], "<i4").tobytes() + bytes(x[1] for x in ms)
        parm += b"\0" * ((-len(parm)) % 4)
        relu = L["role"] in ("stem", "expand", "dw", "head")
        lo, hi = (0, min(127, int(round(6.0 / S_out)))) if relu else (-128, 127)
    node_recs += struct.pack("<HHIIffbb10x", LIDX[nd["layer"]], 0, c, off, S_in, S_out, lo, hi)
print(f"nodes: {len(keys_in_order)}  norm/requant bytes: {len(parm)}")

# ------------------------------------------------------------------ config vectors
NB = len(specs)
def cfg_vec(sub):
    v = list(sub["d"])
    for sp in specs:
        act = sp["index"] < sub["d"][sp["stage"]]
        v.append(sub["e"][sp["stage"]][sp["index"]] if act else 0)
        v.append(sub["k"][sp["stage"]][sp["index"]] if act else 0)
    v.append(sub["w"])
    return v
VLEN = len(cfg["stages"]) + 2 * NB + 1

# ------------------------------------------------------------------ float accuracy of the eval sample
srng = random.Random(ec["seed"] + 1)
sample = sorted(set([0, N - 1] + srng.sample(range(1, N - 1), ec["eval_sample"] - 2)))
xte, yte = load_idx("t10k")
Xt = to_input(xte); Yt = torch.as_tensor(yte.astype(np.int64))
float_acc = {}
t2 = time.time()
with torch.no_grad():
    for idx in ([] if args.no_float_eval else sample):
        sub = subnets[idx]
        body = tuple((sub["d"][si], tuple(sub["e"][si]), tuple(sub["k"][si])) for si in range(len(cfg["stages"])))
        correct = 0
        for j in range(0, 10000, 2500):
            y, S, sig = run_body(Xt[j:j + 2500], body, False, cache=False)
            lg = run_head(y, S, sig, False, [sub["w"]])[sub["w"]]
            correct += (lg.argmax(1) == Yt[j:j + 2500]).sum().item()
        float_acc[idx] = correct / 100.0
        print(f"  float acc SubNet {idx}: {float_acc[idx]:.2f}%", flush=True)
print(f"float eval {time.time() - t2:.0f}s")

# ------------------------------------------------------------------ write the file
def lay_rec(l):
    return struct.pack("<BBBBBBxxHHHHHHIIIIiB7x", KIND[l["kind"]], ROLE[l["role"]], l["stage"], l["block"], l["kmax"], l["stride"],
                       l["cin"], l["cout"], l["ih"], l["iw"], l["oh"], l["ow"], l["w_off"], l["w_len"], l["s_off"], l["s_cnt"],
                       l.get("gap_m", 0), l.get("gap_s", 0))
LAYR = struct.pack("<I", len(layers)) + b"".join(lay_rec(l) for l in layers)
assert all(len(lay_rec(l)) == 48 for l in layers)
WSCL = np.array(scales, "<f4").tobytes()
NODE = struct.pack("<I", len(keys_in_order)) + node_recs
SUBN = struct.pack("<III", N, VLEN, len(layers))
for sub, row in zip(subnets, sub_nodes):
    SUBN += np.array(cfg_vec(sub), "<u2").tobytes() + np.array(row, "<u4").tobytes()
meta = dict(format="sushi-supernet", version="1.0", name=cfg["name"], config=cfg, n_subnets=N,
            weight_bytes=len(wblob), train_steps=ck.get("steps"), train_seconds=round(ck.get("train_seconds", 0), 1),
            calib_images=ncal, bn_eps=EPS, relu6_scale=RELU6_SCALE, input_scale=IN_SCALE,
            stage_menus=[[list(map(list, [[c[0]], c[1], c[2]])) for c in m] for m in menus],
            float_acc_sample={str(k): v for k, v in float_acc.items()})
META = json.dumps(meta, sort_keys=True).encode()
sections = [(b"META", META), (b"LAYR", LAYR), (b"WGHT", bytes(wblob)), (b"WSCL", WSCL), (b"NODE", NODE),
            (b"PARM", bytes(parm)), (b"SUBN", SUBN)]
toc_len = 24 * len(sections)
payload = bytearray(b"\0" * toc_len); toc = bytearray()
for tag, data in sections:
    payload += b"\0" * ((-len(payload)) % 8)
    toc += struct.pack("<4sIQQ", tag, 0, len(payload), len(data))
    payload += data
payload[:toc_len] = toc
# vectorised-enough FNV-1a 64 (pure python loop over bytes is too slow for MBs; use chunked int ops)
def fnv1a64_fast(b):
    h = 0xcbf29ce484222325; prime = 0x100000001b3; mask = 0xFFFFFFFFFFFFFFFF
    for byte in bytes(b):
        h = ((h ^ byte) * prime) & mask
    return h
csum = fnv1a64_fast(payload)
stored = zlib.compress(bytes(payload), 9)
header = struct.pack("<8sHHIIIQQQ16x", b"SUSHISN\0", 1, 0, 1, 64, len(sections), len(stored), len(payload), csum)
assert len(header) == 64
os.makedirs(os.path.dirname(os.path.abspath(out_path)), exist_ok=True)
with open(out_path, "wb") as f:
    f.write(header + stored)
print(f"wrote {out_path}: {64 + len(stored)} bytes (payload {len(payload)} bytes uncompressed); "
      f"sections: {[(t.decode(), len(d)) for t, d in sections]}")
print(f"export wall time {time.time() - t0:.0f}s")
