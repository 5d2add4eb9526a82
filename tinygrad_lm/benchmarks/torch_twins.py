"""The PyTorch twins of the benchmark workloads, and the worker loop that times them in their own process.

STANDALONE on purpose: imports only torch (and the standard library), never tinygrad_lm, so it runs
under any Python that has torch (`--torch-python PATH`), in its default state: no environment
variable and no thread count set here (torch picks its own, as a learner's script would).
benchmarks/versus.py starts it as `PYTHON torch_twins.py WORKLOAD_JSON` and then, per line "step"
on stdin, runs one training step and answers with its wall seconds on stdout.

Workloads (the same models as benchmarks/gpt.py and benchmarks/lstm.py, float32, fixed random batch):
  kind "gpt":  nanoGPT's layout (token + position embedding, pre-LN blocks with causal
               F.scaled_dot_product_attention and a tanh-GELU MLP, final LayerNorm, tied head),
               cross-entropy, AdamW (weight decay 0.1 on matrices, 0 on vectors), lr 1e-3.
  kind "lstm": Embedding(V, E) -> LSTM(E, H), 1 layer -> Linear(H, V), input (T, B), AdamW.
Does not: dropout, gradient clipping, data loading, torch.compile.
"""
import json
import sys
import time


def gpt_step(cfg, seed=0):
    import torch
    import torch.nn as tnn
    import torch.nn.functional as TF
    torch.manual_seed(seed)
    C, H, V, T = cfg["n_embd"], cfg["n_head"], cfg["vocab_size"], cfg["block_size"]

    class Block(tnn.Module):
        def __init__(self):
            super().__init__()
            self.ln_1, self.ln_2 = tnn.LayerNorm(C), tnn.LayerNorm(C)
            self.c_attn, self.c_proj = tnn.Linear(C, 3 * C), tnn.Linear(C, C)
            self.fc, self.proj = tnn.Linear(C, 4 * C), tnn.Linear(4 * C, C)

        def forward(self, x):                                   # x (B, T, C)
            B, T_, _ = x.shape
            q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
            q, k, v = (t.view(B, T_, H, C // H).transpose(1, 2) for t in (q, k, v))   # (B, H, T, D)
            y = TF.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T_, C)
            x = x + self.c_proj(y)
            return x + self.proj(TF.gelu(self.fc(self.ln_2(x)), approximate="tanh"))

    class TorchGPT(tnn.Module):
        def __init__(self):
            super().__init__()
            self.wte, self.wpe = tnn.Embedding(V, C), tnn.Embedding(T, C)
            self.h = tnn.ModuleList([Block() for _ in range(cfg["n_layer"])])
            self.ln_f = tnn.LayerNorm(C)

        def forward(self, idx, targets):
            x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
            for b in self.h:
                x = b(x)
            logits = self.ln_f(x) @ self.wte.weight.T               # (B, T, V)
            return TF.cross_entropy(logits.view(-1, V), targets.view(-1))

    model = TorchGPT()
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.99))
    g = torch.Generator().manual_seed(seed)
    x = torch.randint(0, V, (cfg["batch"], T), generator=g)
    y = torch.randint(0, V, (cfg["batch"], T), generator=g)

    def step():
        loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        return loss
    return step


def lstm_step(cfg, seed=0):
    import torch
    torch.manual_seed(seed)
    V, E, H, B, T = cfg["vocab_size"], cfg["embed"], cfg["hidden"], cfg["batch"], cfg["seq"]
    emb, lstm, head = torch.nn.Embedding(V, E), torch.nn.LSTM(E, H), torch.nn.Linear(H, V)
    params = list(emb.parameters()) + list(lstm.parameters()) + list(head.parameters())
    opt = torch.optim.AdamW(params, lr=1e-3)
    g = torch.Generator().manual_seed(seed)
    x, y = torch.randint(0, V, (T, B), generator=g), torch.randint(0, V, (T, B), generator=g)

    def step():
        out, _ = lstm(emb(x))                                   # (T, B, H)
        loss = torch.nn.functional.cross_entropy(head(out).reshape(-1, V), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return step


STEPS = {"gpt": gpt_step, "lstm": lstm_step}


def serve(step, stdin=sys.stdin, stdout=sys.stdout):
    """Worker loop shared by both sides: "step" -> one timed call, answer "<wall s> <cpu s>"; "quit" ends."""
    stdout.write("ready\n")
    stdout.flush()
    for line in stdin:
        cmd = line.strip()
        if cmd == "quit":
            break
        t0, c0 = time.perf_counter(), time.process_time()
        step()
        stdout.write(f"{time.perf_counter() - t0!r} {time.process_time() - c0!r}\n")
        stdout.flush()


def main():
    cfg = json.loads(sys.argv[1])
    import torch
    sys.stderr.write(f"torch {torch.__version__}, {torch.get_num_threads()} threads\n")
    serve(STEPS[cfg["kind"]](cfg))


if __name__ == "__main__":
    main()
