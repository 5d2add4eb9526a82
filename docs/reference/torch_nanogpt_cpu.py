"""nanoGPT's CPU shakespeare-char example re-implemented in PyTorch (reference only; not part of the library).

Needs torch (never a dependency of tinygrad_lm). Run from the repository root:
    python docs/reference/torch_nanogpt_cpu.py --seed 1337      # [--bias]
It prints the training loss every 500 steps, the loss on 100 fixed batches (drawn as tglm's
estimate_loss draws them) and on the whole validation split (as `tglm train gpt` ends).
Same as nanoGPT train.py + config/train_shakespeare_char.py with the README's CPU overrides:
n_layer 4, n_head 4, n_embd 128, block 64, batch 12, 2000 iters, lr 1e-3 -> 1e-4 (cosine, warmup 100),
beta2 0.99, weight decay 0.1 on 2-D params, clip 1.0, dropout 0, bias False (nanoGPT default), exact GELU.
Evaluation at the end: 100 fixed batches drawn as tglm's estimate_loss (numpy seed 1234)."""
import math, sys, time
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
bias = "--bias" in sys.argv
seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 1337
torch.manual_seed(seed); torch.set_num_threads(2)
text = open("data/tiny_shakespeare/input.txt", encoding="utf-8").read()
chars = sorted(set(text)); stoi = {c: i for i, c in enumerate(chars)}
ids = np.array([stoi[c] for c in text], dtype=np.int64)
n = int(len(ids) * 0.9); tr, va = torch.from_numpy(ids[:n]), torch.from_numpy(ids[n:])
V, T, C, H, L, B = len(chars), 64, 128, 4, 4, 12
class Block(nn.Module):
    def __init__(s):
        super().__init__(); s.ln_1 = nn.LayerNorm(C, bias=bias); s.ln_2 = nn.LayerNorm(C, bias=bias)
        s.c_attn = nn.Linear(C, 3 * C, bias=bias); s.c_proj = nn.Linear(C, C, bias=bias)
        s.fc = nn.Linear(C, 4 * C, bias=bias); s.proj = nn.Linear(4 * C, C, bias=bias)
    def forward(s, x):
        b, t, _ = x.shape
        q, k, v = s.c_attn(s.ln_1(x)).split(C, 2)
        q, k, v = (z.view(b, t, H, C // H).transpose(1, 2) for z in (q, k, v))
        x = x + s.c_proj(F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(b, t, C))
        return x + s.proj(F.gelu(s.fc(s.ln_2(x))))
class GPT(nn.Module):
    def __init__(s):
        super().__init__(); s.wte = nn.Embedding(V, C); s.wpe = nn.Embedding(T, C)
        s.h = nn.ModuleList([Block() for _ in range(L)]); s.ln_f = nn.LayerNorm(C, bias=bias)
        s.apply(s._init)
        for nme, p in s.named_parameters():
            if nme.endswith("c_proj.weight") or nme.endswith("proj.weight") and ".fc" not in nme:
                nn.init.normal_(p, 0, 0.02 / math.sqrt(2 * L))
    def _init(s, m):
        if isinstance(m, (nn.Linear, nn.Embedding)): nn.init.normal_(m.weight, 0, 0.02)
        if isinstance(m, nn.Linear) and m.bias is not None: nn.init.zeros_(m.bias)
    def forward(s, x, y):
        h = s.wte(x) + s.wpe(torch.arange(x.shape[1]))
        for blk in s.h: h = blk(h)
        return F.cross_entropy((s.ln_f(h) @ s.wte.weight.T).reshape(-1, V), y.reshape(-1))
m = GPT()
opt = torch.optim.AdamW([{"params": [p for p in m.parameters() if p.dim() >= 2], "weight_decay": 0.1},
                         {"params": [p for p in m.parameters() if p.dim() < 2], "weight_decay": 0.0}], lr=1e-3, betas=(0.9, 0.99))
def get_batch(d):
    ix = torch.randint(len(d) - T, (B,)); return torch.stack([d[i:i + T] for i in ix]), torch.stack([d[i + 1:i + 1 + T] for i in ix])
def lr_at(it):
    if it < 100: return 1e-3 * (it + 1) / 101
    r = (it - 100) / 1900; return 1e-4 + 0.5 * (1 + math.cos(math.pi * r)) * (1e-3 - 1e-4)
t0 = time.time()
for it in range(2000):
    for g in opt.param_groups: g["lr"] = lr_at(it)
    x, y = get_batch(tr); loss = m(x, y); opt.zero_grad(); loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0); opt.step()
    if (it + 1) % 500 == 0: print(f"step {it + 1} loss {loss.item():.4f} {time.time() - t0:.0f}s", flush=True)
m.eval()
with torch.no_grad():
    for name, d in (("train", ids[:n]), ("val", ids[n:])):
        rng = np.random.default_rng(1234); ls = []
        for _ in range(100):
            st = rng.integers(0, len(d) - T - 1, size=B); w = torch.from_numpy(d[st[:, None] + np.arange(T + 1)])
            ls.append(m(w[:, :-1], w[:, 1:]).item())
        print(f"{name} loss (100 fixed batches) {np.mean(ls):.4f}", flush=True)
    d = ids[n:]; nw = (len(d) - 1) // T
    xs, ys = torch.from_numpy(d[:nw * T].reshape(nw, T)), torch.from_numpy(d[1:nw * T + 1].reshape(nw, T))
    tot = sum(m(xs[i:i + 64], ys[i:i + 64]).item() * len(xs[i:i + 64]) for i in range(0, nw, 64))
    print(f"whole validation split ({len(d)} tokens, windows of {T}): val loss {tot / nw:.4f}", flush=True)
print(f"seed={seed} bias={bias} total {time.time() - t0:.0f}s")
