"""Bit-exact reference of host/docs/int8-semantics.md, driven only by the artifact file.

usage: python int8_eval.py ARTIFACT [--subnets 0,17,1023 | --sample] [--n 10000] [--exact-int64]
       [--json OUT.eval.json]

Loads and validates the SUSHI SuperNet artifact (host/docs/supernet-format.md), then runs listed SubNets on the
Fashion-MNIST test split in integer arithmetic. Accumulations are exact: int8 x int8 dot products are computed
either with int64 numpy (--exact-int64, slow) or with float64 BLAS on integer-valued arrays, which is exact
because every partial sum is an integer of magnitude < 2^31 < 2^53 (checked). Everything after the
accumulator (bias, requantisation, clamps, residual add, GAP) is int64 numpy.
"""
import argparse, gzip, json, os, struct, sys, time, zlib
import numpy as np

KINDS = {0: "conv", 1: "dwconv", 2: "pwconv", 3: "fc", 4: "gap", 5: "add"}
ROLES = {0: "stem", 1: "expand", 2: "dw", 3: "project", 4: "add", 5: "head", 6: "gap", 7: "fc"}
DATA = "/usr/share/datasets/fashion-mnist"


def fnv1a64(b):
    h = 0xcbf29ce484222325
    for byte in b:
        h = ((h ^ byte) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


class Artifact:
    def __init__(self, path):
        raw = open(path, "rb").read()
        if len(raw) < 64:
            raise ValueError("file shorter than header")
        magic, vmaj, vmin, flags, hsize, nsec, stored_len, plen, csum = struct.unpack("<8sHHIIIQQQ16x", raw[:64])
        if magic != b"SUSHISN\0": raise ValueError("bad magic")
        if vmaj != 1: raise ValueError(f"unsupported major version {vmaj}")
        if hsize != 64 or flags & ~1: raise ValueError("bad header size / flags")
        if len(raw) != 64 + stored_len: raise ValueError("file length != header + stored payload length")
        payload = zlib.decompress(raw[64:]) if flags & 1 else raw[64:]
        if len(payload) != plen: raise ValueError("payload length mismatch")
        if fnv1a64(payload) != csum: raise ValueError("payload checksum mismatch")
        self.version = (vmaj, vmin)
        sec = {}
        for i in range(nsec):
            tag, res, off, ln = struct.unpack_from("<4sIQQ", payload, 24 * i)
            if off % 8 or off + ln > plen or off < 24 * nsec: raise ValueError(f"bad section {tag}")
            sec[tag.decode()] = payload[off:off + ln]
        for t in ("META", "LAYR", "WGHT", "WSCL", "NODE", "PARM", "SUBN"):
            if t not in sec: raise ValueError(f"missing section {t}")
        self.meta = json.loads(sec["META"])
        (nl,) = struct.unpack_from("<I", sec["LAYR"])
        if len(sec["LAYR"]) != 4 + 48 * nl: raise ValueError("LAYR length")
        wbytes = np.frombuffer(sec["WGHT"], np.int8)
        wscl = np.frombuffer(sec["WSCL"], "<f4")
        self.layers = []
        for i in range(nl):
            (kind, role, stage, block, kmax, stride, cin, cout, ih, iw, oh, ow, woff, wlen, soff, scnt, gm, gs
             ) = struct.unpack_from("<BBBBBBxxHHHHHHIIIIiB7x", sec["LAYR"], 4 + 48 * i)
            L = dict(kind=KINDS[kind], role=ROLES[role], stage=stage, block=block, kmax=kmax, stride=stride, cin=cin,
                     cout=cout, ih=ih, iw=iw, oh=oh, ow=ow, gap_m=gm, gap_s=gs)
            if wlen:
                if woff + wlen > len(wbytes) or soff + scnt > len(wscl): raise ValueError("weight range")
                w = wbytes[woff:woff + wlen]
                shape = {"conv": (cout, kmax, kmax, cin), "dwconv": (cout, kmax, kmax), "pwconv": (cout, cin),
                         "fc": (cout, cin)}[L["kind"]]
                if int(np.prod(shape)) != wlen or scnt != cout: raise ValueError("weight shape")
                if (w == -128).any(): raise ValueError("weight -128")
                L["w"] = w.reshape(shape).astype(np.int64)
            self.layers.append(L)
        (nn_,) = struct.unpack_from("<I", sec["NODE"])
        if len(sec["NODE"]) != 4 + 32 * nn_: raise ValueError("NODE length")
        parm = sec["PARM"]
        self.nodes = []
        for i in range(nn_):
            li, _, c, off, s_in, s_out, lo, hi = struct.unpack_from("<HHIIffbb10x", sec["NODE"], 4 + 32 * i)
            L = self.layers[li]
            n = {"li": li, "c": c, "lo": lo, "hi": hi, "S_in": s_in, "S_out": s_out}
            if L["kind"] == "add":
                if off + 12 > len(parm): raise ValueError("PARM range")
                n["ma"], n["mb"], n["s"] = struct.unpack_from("<iiB3x", parm, off)
            else:
                if c > L["cout"] or off + 9 * c > len(parm): raise ValueError("node width / PARM range")
                n["bias"] = np.frombuffer(parm, "<i4", c, off).astype(np.int64)
                n["m"] = np.frombuffer(parm, "<i4", c, off + 4 * c).astype(np.int64)
                n["s"] = np.frombuffer(parm, np.uint8, c, off + 8 * c).astype(np.int64)
                if (n["s"] < 1).any() or (n["s"] > 62).any(): raise ValueError("shift range")
            self.nodes.append(n)
        N, vlen, nl2 = struct.unpack_from("<III", sec["SUBN"])
        if nl2 != nl or len(sec["SUBN"]) != 12 + N * (2 * vlen + 4 * nl): raise ValueError("SUBN length")
        self.subnets = []
        rec = 2 * vlen + 4 * nl
        for j in range(N):
            v = np.frombuffer(sec["SUBN"], "<u2", vlen, 12 + j * rec).astype(int).tolist()
            nodes = np.frombuffer(sec["SUBN"], "<u4", nl, 12 + j * rec + 2 * vlen).astype(np.int64).tolist()
            self.subnets.append((v, nodes))
        self.sections = {k: len(v) for k, v in sec.items()}

    def decode_vec(self, v):
        cfg = self.meta["config"]; ns = len(cfg["stages"])
        d = v[:ns]; rest = v[ns:-1]
        return dict(d=d, e=rest[0::2], k=rest[1::2], w=v[-1])


def requant(acc, m, s, lo, hi):
    """clamp((acc*m + 2^(s-1)) >> s, lo, hi), int64, per-channel m/s broadcast over the last axis."""
    return np.clip((acc * m + (np.int64(1) << (s - 1))) >> s, lo, hi)


def exact_float(bound):
    """Float type in which every integer partial sum of magnitude <= bound is exact (None: use int64)."""
    if bound < 2 ** 24:
        return np.float32
    if bound < 2 ** 53:
        return np.float64
    return None


def dot(a, b, exact_int64):
    """a [..., K] int, b [K, C] int (|values| <= 128, 127) -> exact integer product as int64.
    BLAS in float32 (or float64) is exact here because every partial sum is an integer bounded by
    K * 128 * 127 < 2^24 (resp. 2^53); int64 matmul otherwise or with --exact-int64."""
    ft = None if exact_int64 else exact_float(a.shape[-1] * 128 * 127)
    if ft is None:
        return a.astype(np.int64) @ b.astype(np.int64)
    return (a.astype(ft) @ b.astype(ft)).astype(np.int64)


def check_acc(acc):
    if np.abs(acc).max(initial=0) >= 2 ** 31:
        raise OverflowError("int32 accumulator overflow")


def run_subnet(art, j, x, exact_int64=False):
    """x: uint8 [B, 28, 28] -> predicted classes [B]. Follows int8-semantics.md bit for bit."""
    v, nodes = art.subnets[j]
    B = x.shape[0]
    a = (x.astype(np.int64) >> 1)[..., None]           # [B, H, W, 1], HWC per image
    block_in = None
    c_cur = 1
    for li, L in enumerate(art.layers):
        ni = nodes[li]
        kind = L["kind"]
        if kind != "gap" and ni == 0xFFFFFFFF:
            continue
        if kind == "gap":
            if ni != 0xFFFFFFFF: raise ValueError("gap has no node")
            acc = a.sum(axis=(1, 2))
            a = np.clip((acc * L["gap_m"] + (np.int64(1) << (L["gap_s"] - 1))) >> L["gap_s"], -128, 127)
            continue
        n = art.nodes[ni]
        if n["li"] != li: raise ValueError("node/layer mismatch")
        if kind == "add":
            s = n["s"]
            a = np.clip((block_in * n["ma"] + a * n["mb"] + (np.int64(1) << (s - 1))) >> s, n["lo"], n["hi"])
            continue
        if L["role"] == "expand":
            block_in = a
        # widths of this layer in this SubNet (from the config vector and the layer table)
        cin = a.shape[-1]
        if kind == "dwconv":
            cout = cin
        elif L["role"] == "expand":
            bi = L["_bi"]
            cout = cin * art.sub_e[j][bi]
        elif L["role"] == "head":
            cout = v[-1]
        else:
            cout = L["cout"]
        if cout > n["c"]: raise ValueError("node narrower than layer width")
        bias, m, s = n["bias"][:cout], n["m"][:cout], n["s"][:cout]
        if kind in ("conv", "dwconv"):
            k = L["kmax"] if kind == "conv" else art.sub_k[j][L["_bi"]]
            off = (L["kmax"] - k) // 2
            pad = k // 2; st = L["stride"]
            H, W = a.shape[1], a.shape[2]
            oh, ow = (H + 2 * pad - k) // st + 1, (W + 2 * pad - k) // st + 1
            ap_ = np.zeros((B, H + 2 * pad, W + 2 * pad, cin), np.int64)
            ap_[:, pad:pad + H, pad:pad + W] = a
            if kind == "conv":
                w = L["w"][:cout, off:off + k, off:off + k, :cin]          # [o][ky][kx][i]
                cols = np.stack([ap_[:, ky:ky + st * (oh - 1) + 1:st, kx:kx + st * (ow - 1) + 1:st, :]
                                 for ky in range(k) for kx in range(k)], axis=3)   # [B,oh,ow,k*k,cin]
                acc = dot(cols.reshape(B, oh, ow, k * k * cin), w.reshape(cout, -1).T, exact_int64)
            else:
                w = L["w"][:cout, off:off + k, off:off + k]                   # [ch][ky][kx]
                ft = None if exact_int64 else exact_float(k * k * 128 * 127)
                ft = ft or np.int64
                apf = ap_.astype(ft); wf = w.astype(ft)
                accf = np.zeros((B, oh, ow, cout), ft); tmp = np.empty_like(accf)
                for ky in range(k):
                    for kx in range(k):
                        np.multiply(apf[:, ky:ky + st * (oh - 1) + 1:st, kx:kx + st * (ow - 1) + 1:st, :], wf[:, ky, kx], out=tmp)
                        accf += tmp
                acc = accf.astype(np.int64)
        else:   # pwconv / fc
            w = L["w"][:cout, :cin]
            acc = dot(a, w.T, exact_int64)
        acc = acc + bias
        check_acc(acc)
        a = requant(acc, m, s, n["lo"], n["hi"])
    return a.argmax(axis=-1)   # first index on ties


def prepare(art):
    """Per SubNet: expand ratio and kernel per block slot (from the config vector)."""
    bi = -1
    for L in art.layers:
        if L["role"] == "expand":
            bi += 1
        L["_bi"] = bi
    art.sub_e, art.sub_k = [], []
    for v, _ in art.subnets:
        dv = art.decode_vec(v)
        art.sub_e.append(dv["e"]); art.sub_k.append(dv["k"])


def load_test():
    with gzip.open(f"{DATA}/t10k-images-idx3-ubyte.gz") as f:
        f.read(16); x = np.frombuffer(f.read(), np.uint8).reshape(-1, 28, 28)
    with gzip.open(f"{DATA}/t10k-labels-idx1-ubyte.gz") as f:
        f.read(8); y = np.frombuffer(f.read(), np.uint8)
    return x, y


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("artifact")
    ap.add_argument("--subnets", default=None, help="comma-separated indices")
    ap.add_argument("--sample", action="store_true", help="the SubNets whose float accuracy is in META")
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--batch", type=int, default=500)
    ap.add_argument("--exact-int64", action="store_true")
    ap.add_argument("--json", default=None)
    a = ap.parse_args()
    t0 = time.time()
    art = Artifact(a.artifact); prepare(art)
    print(f"loaded {a.artifact}: v{art.version[0]}.{art.version[1]}, {len(art.subnets)} SubNets, {len(art.layers)} layers, "
          f"{len(art.nodes)} nodes, sections {art.sections}")
    fl = art.meta.get("float_acc_sample", {})
    idxs = sorted(int(k) for k in fl) if a.sample else [int(s) for s in a.subnets.split(",")] if a.subnets else [0, len(art.subnets) - 1]
    x, y = load_test(); x, y = x[:a.n], y[:a.n]
    results = []
    for j in idxs:
        t1 = time.time()
        pred = np.concatenate([run_subnet(art, j, x[i:i + a.batch], a.exact_int64) for i in range(0, len(x), a.batch)])
        acc = 100.0 * (pred == y).sum() / len(y)
        v = art.subnets[j][0]
        r = dict(index=j, config_vector=v, config=art.decode_vec(v), int8_top1=round(acc, 2),
                 correct=int((pred == y).sum()), n=len(y))
        if str(j) in fl:
            r["float_top1"] = fl[str(j)]
        results.append(r)
        print(f"SubNet {j}: int8 top-1 {acc:.2f}%  float {fl.get(str(j), 'n/a')}  ({time.time() - t1:.1f}s)", flush=True)
    if a.json:
        out = dict(artifact=os.path.basename(a.artifact), format_version=f"{art.version[0]}.{art.version[1]}",
                   n_subnets=len(art.subnets), test_images=len(y), config_vector_layout=
                   "d[stage] for each stage, then (e, k) per block slot in order (0,0 when the slot is beyond the depth), then head width",
                   evaluated_with="scripts/supernet/int8_eval.py" + (" --exact-int64" if a.exact_int64 else ""),
                   results=results)
        json.dump(out, open(a.json, "w"), indent=1)
        print(f"wrote {a.json}")
    print(f"total {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
