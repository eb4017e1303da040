"""Train the elastic SuperNet with the sandwich rule + in-place distillation (CPU).

usage: python train.py [--config config.json] [--epochs N] [--out supernet.pt] [--bench STEPS]
Writes supernet.pt and train.log (progress + total wall time).
"""
import argparse, json, math, os, random, sys, time
import numpy as np
import torch
import torch.nn.functional as F
from supernet import SuperNet, load_config, load_idx, to_input, max_subnet, min_subnet, random_subnet

ap = argparse.ArgumentParser()
ap.add_argument("--config", default=None)
ap.add_argument("--epochs", type=float, default=None)
ap.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "supernet.pt"))
ap.add_argument("--log", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "train.log"))
ap.add_argument("--bench", type=int, default=0, help="only time this many steps")
args = ap.parse_args()

cfg = load_config(args.config)
tc = cfg["train"]
epochs = args.epochs if args.epochs is not None else tc["epochs"]
torch.manual_seed(tc["seed"]); random.seed(tc["seed"]); np.random.seed(tc["seed"])
torch.set_num_threads(os.cpu_count() or 1)
rng = random.Random(tc["seed"])

logf = open(args.log if not args.bench else os.devnull, "w")
def log(msg):
    print(msg, flush=True); logf.write(msg + "\n"); logf.flush()

t0 = time.time()
xtr, ytr = load_idx("train"); xte, yte = load_idx("t10k")
Xtr = to_input(xtr); Ytr = torch.as_tensor(ytr).long()
Xte = to_input(xte); Yte = torch.as_tensor(yte).long()
model = SuperNet(cfg)
nparams = sum(p.numel() for n, p in model.named_parameters() if "bn" not in n and n != "fc.bias")
log(f"config: {json.dumps(cfg)}")
log(f"SuperNet weight parameters (int8 bytes): {nparams}")

B = tc["batch"]
steps_per_epoch = len(Xtr) // B
total_steps = args.bench or int(round(epochs * steps_per_epoch))
decay, no_decay = [], []
for n, p in model.named_parameters():
    (no_decay if ("bn" in n or n.endswith("bias")) else decay).append(p)
opt = torch.optim.SGD([{"params": decay, "weight_decay": tc["weight_decay"]},
                       {"params": no_decay, "weight_decay": 0.0}], lr=tc["lr"], momentum=tc["momentum"], nesterov=True)
warm = min(100, total_steps // 10)
TB = tc.get("time_budget_s") or 1e18
def progress(s):
    # the schedule follows whichever runs out first: the step count or the wall-time budget
    return max(s / total_steps, (time.time() - tstart) / TB)
def lr_at(s):
    if s < warm:
        return tc["lr"] * (s + 1) / warm
    return 0.5 * tc["lr"] * (1 + math.cos(math.pi * min(1.0, progress(s))))

def augment(x):
    # random horizontal flip per sample + random shift (per batch) of up to 2 pixels, zero fill
    flip = torch.rand(x.shape[0]) < 0.5
    x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
    dy, dx = rng.randint(-2, 2), rng.randint(-2, 2)
    x = F.pad(x, (2, 2, 2, 2))[:, :, 2 + dy:30 + dy, 2 + dx:30 + dx]
    return x

@torch.no_grad()
def evaluate(sub, n=10000):
    model.eval()
    correct = 0
    for i in range(0, n, 1000):
        correct += (model(Xte[i:i + 1000], sub).argmax(1) == Yte[i:i + 1000]).sum().item()
    model.train()
    return 100.0 * correct / n

log(f"steps: {total_steps} ({epochs} epochs x {steps_per_epoch}), batch {B}, sandwich: max+min+{tc['sandwich_random']} random")
step = 0
tstart = time.time()
model.train()
done = False
while not done:
    perm = torch.randperm(len(Xtr))
    for bi in range(steps_per_epoch):
        if step >= total_steps:
            done = True; break
        idx = perm[bi * B:(bi + 1) * B]
        x = augment(Xtr[idx]); y = Ytr[idx]
        for g in opt.param_groups:
            g["lr"] = lr_at(step)
        opt.zero_grad(set_to_none=True)
        out = model(x, max_subnet(cfg))
        loss_max = F.cross_entropy(out, y, label_smoothing=tc["label_smoothing"])
        loss_max.backward()
        soft = F.softmax(out.detach(), 1)
        subs = [min_subnet(cfg)] + [random_subnet(cfg, rng) for _ in range(tc["sandwich_random"])]
        for sub in subs:
            o = model(x, sub)
            kw = tc["kd_weight"]
            l = (1 - kw) * F.cross_entropy(o, y) + kw * F.kl_div(F.log_softmax(o, 1), soft, reduction="batchmean")
            l.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
        opt.step()
        step += 1
        if step % 50 == 0 or step == total_steps:
            el = time.time() - tstart
            log(f"step {step}/{total_steps} loss_max {loss_max.item():.3f} lr {lr_at(step):.4f} "
                f"elapsed {el:.0f}s progress {min(1.0, progress(step)) * 100:.1f}%")
        if progress(step) >= 1.0 and step < total_steps:
            log(f"time budget {tc['time_budget_s']}s reached at step {step}; stopping early")
            done = True; break
    if not done and not args.bench:
        log(f"epoch done at step {step}: max-subnet test acc (batch-stat BN) {evaluate(max_subnet(cfg), 2000):.2f}% "
            f"min-subnet {evaluate(min_subnet(cfg), 2000):.2f}%")
train_time = time.time() - tstart
if args.bench:
    print(f"bench: {total_steps} steps in {train_time:.1f}s = {train_time / total_steps:.3f}s/step; "
          f"epoch ~{train_time / total_steps * steps_per_epoch / 60:.1f} min")
    sys.exit(0)
torch.save({"cfg": cfg, "state": model.state_dict(), "steps": step, "train_seconds": train_time}, args.out)
log(f"saved {args.out}")
log(f"TOTAL training wall time: {train_time:.1f} s ({train_time / 60:.1f} min); script wall time {time.time() - t0:.1f} s")
