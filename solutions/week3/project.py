"""Week 3 project: train YOUR character-level LSTM (or RNN) on tiny Shakespeare, sample from it, and
watch its gradients vanish (or not) across the BPTT window.

    python -m solutions.week3.project train --impl exercises                 # your LSTM, 10-minute budget
    python -m solutions.week3.project train --impl exercises --cell rnn      # your vanilla RNN (your BPTT)
    python -m solutions.week3.project train --impl exercises --steps 300     # a step budget instead
    python -m solutions.week3.project sample --impl exercises --checkpoint runs/own-char-lstm/best.safetensors \\
        --prime "ROMEO:" --temperature 0.8
    python -m solutions.week3.project gradients --impl exercises \\
        --checkpoint runs/own-char-lstm/best.safetensors --checkpoint runs/own-char-rnn/best.safetensors

Without --impl the reference solutions run (the numbers in the week README). `train` takes every
option of `tglm train char-lstm` (--hidden, --layers, --time, --steps, --lr, ..., see --help) and
gives the same progress bar, evaluations, samples and checkpoints (best.safetensors, last.safetensors
for --resume, history.json, loss.svg) in runs/own-char-<cell>/. The checkpoints have the library's
parameter names, so `tglm sample --checkpoint ...` also reads them (running the library's fused LSTM
on your weights).

Which of your functions run (exercises/week3, or solutions/week3 with the default --impl):
  lstm_sequence + lstm_cell (3.6, 3.7)   the recurrence of every LSTM layer, forward; autograd does BPTT
  rnn_forward + rnn_backward (3.3, 3.4)  with --cell rnn: one graph node per layer, YOUR BPTT as its backward
  rnn_step_forward/backward (3.1, 3.2)   the RNN curve of the gradient plot (one node per step)
  tbptt_batches (3.8)                    the training windows (B lanes, window k+1 continues window k)
  temperature_top_k_probs + generate (3.10, 3.11)   the `sample` command
Not your tbptt_step (3.9): the library loop (training/loop.py `fit`) owns the optimiser step, so that
every trainer gets the same LR schedule, clipping, progress bar, evaluation and checkpoints; your
tbptt_step does zero_grad/backward/clip/step itself and returns a float, so it cannot be handed to
`fit` without stepping twice. The loop does exactly what 3.9 does (carry the state, detach it, clip,
step; training/char_lm.py `next_loss`), with a learning-rate schedule on top.
The parameters live in CharLM's modules (nn.Embedding, nn.LSTM / nn.RNN used only as weight holders,
nn.Linear), so the initialisation and the names are the library's: with the same seed and --steps,
`--impl solutions` gives the same losses as `tglm train char-lstm` (tests/test_own_model.py checks
1e-4; the tiny differences come from the order of float32 additions, fused kernel vs Tensor ops).

At the end of `train`, <out>/gradients.svg shows ||dL/dh_t|| against t: L is the loss at the LAST
position of a window of the validation text, h_t the hidden state t steps earlier, each curve divided
by its value at the last step. A zero "probe" tensor is added to every h_t (h_t + z_t), so dL/dz_t =
dL/dh_t can be read after one backward(). Curves: your trained model, and an LSTM and an RNN of the
same size at initialisation (the RNN's gradient shrinks by a constant factor per step: vanishing
gradients; the LSTM's cell state c carries it further).

Legend: T time steps (window), B batch (lanes), E embedding size, H hidden size, L layers, V vocabulary.
Does not handle: your own tokenizer (the library's CharTokenizer), cells other than LSTM and tanh RNN.
"""
import argparse
import math
import os
import sys

import numpy as np

from tinygrad_lm import Tensor, plot, stack
import tinygrad_lm.functional as F
from tinygrad_lm.checkpoints.checkpoint import read_checkpoint
from tinygrad_lm.cli.train import char_parser
from tinygrad_lm.datasets.lm_batches import TBPTTBatches, train_val_split
from tinygrad_lm.models.char_lm import CharLM
from tinygrad_lm.random import manual_seed
from tinygrad_lm.tensor import no_grad
from tinygrad_lm.tokenizers.char import CharTokenizer, UnknownCharacterError
from tinygrad_lm.training.char_lm import train_char_lm

from tinygrad_lm.course import load, pop_impl

lstm_mod = load("week3.lstm_cell")      # the reference (solutions/) or yours (exercises/): --impl
rnn_mod = load("week3.rnn_numpy")
tbptt_mod = load("week3.tbptt")
sampling_mod = load("week3.sampling")

PROG = "python -m solutions.week3.project"


# ---- the RNN of part 1 as graph nodes: your NumPy forward, your NumPy backward ---------------------
def _f32(a):
    return np.ascontiguousarray(np.asarray(a, dtype=np.float32))


def _numpy_weights(w_ih, w_hh, b_ih, b_hh):
    """Library layout (out, in) with two biases -> part 1's layout: Wx = w_ih.T (I, H), Wh = w_hh.T, b = b_ih + b_hh."""
    return w_ih.data.T, w_hh.data.T, b_ih.data + b_hh.data


def rnn_sequence(x, w_ih, w_hh, b_ih, b_hh, h0):
    """One RNN layer over T steps as ONE autograd node: forward = your rnn_forward (3.3), backward =
    your rnn_backward (3.4). x (T, B, I) time-major, h0 (B, H) -> outputs (T, B, H).
    rnn_numpy is batch-first, so x and the gradients are transposed on the way in and out."""
    h, cache = rnn_mod.rnn_forward(x.data.transpose(1, 0, 2), h0.data, *_numpy_weights(w_ih, w_hh, b_ih, b_hh))

    def backward(g):                                           # g = dL/d outputs (T, B, H)
        dx, dh0, dWx, dWh, db = rnn_mod.rnn_backward(_f32(g.transpose(1, 0, 2)), cache)
        db = _f32(db)
        return _f32(np.swapaxes(dx, 0, 1)), _f32(dWx.T), _f32(dWh.T), db, db.copy(), _f32(dh0)

    out = _f32(np.swapaxes(h, 0, 1))                           # (B, T, H) -> (T, B, H)
    return Tensor._make(out, (x, w_ih, w_hh, b_ih, b_hh, h0), backward, "rnn_forward (week 3)")


def rnn_step(x, h, w_ih, w_hh, b_ih, b_hh):
    """One RNN step as an autograd node: your rnn_step_forward (3.1) / rnn_step_backward (3.2).
    x (B, I), h (B, H) -> h' (B, H)."""
    next_h, cache = rnn_mod.rnn_step_forward(x.data, h.data, *_numpy_weights(w_ih, w_hh, b_ih, b_hh))

    def backward(g):                                           # g = dL/dh' (B, H)
        dx, dprev, dWx, dWh, db = rnn_mod.rnn_step_backward(_f32(g), cache)
        db = _f32(db)
        return _f32(dx), _f32(dprev), _f32(dWx.T), _f32(dWh.T), db, db.copy()

    return Tensor._make(_f32(next_h), (x, h, w_ih, w_hh, b_ih, b_hh), backward, "rnn_step_forward (week 3)")


# ---- the model ------------------------------------------------------------------------------------
class OwnCharLM(CharLM):
    """CharLM (Embedding -> LSTM / RNN -> Linear) whose recurrence is your code.

    Same constructor, parameters and forward contract as the library's CharLM:
    forward(ids (T, B), state) -> (logits (T, B, V), state), state (h, c) each (L, B, H) for the LSTM,
    h (L, B, H) for the RNN, None for zeros. self.rnn only holds the weights (its forward is never
    called). probes: optional [L][T] list of (B, H) tensors added to every h_t (gradient_norms).
    """

    def _layer(self, l):
        r = self.rnn
        return [getattr(r, f"{n}_l{l}") for n in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]

    def forward(self, ids, state=None, probes=None):
        x = self.emb(ids)                                      # (T, B, E)
        T, B = x.shape[0], x.shape[1]
        L, H, is_lstm = self.rnn.num_layers, self.rnn.hidden_size, self.cell == "lstm"
        if state is None:
            zero = Tensor(np.zeros((B, H), dtype=np.float32))
            h0, c0 = [zero] * L, [zero] * L
        elif is_lstm:
            h0, c0 = [state[0][l] for l in range(L)], [state[1][l] for l in range(L)]
        else:
            h0, c0 = [state[l] for l in range(L)], [None] * L
        h_n, c_n = [], []
        for l in range(L):
            w = self._layer(l)
            if probes is not None:                             # step by step, h_t + z_t
                x, h, c = self._probed(x, h0[l], c0[l], w, probes[l])
            elif is_lstm:
                x, h, c = lstm_mod.lstm_sequence(x, h0[l], c0[l], *w)   # your 3.7 (calls your 3.6)
            else:
                x, c = rnn_sequence(x, *w, h0[l]), None                 # your 3.3 / 3.4
                h = x[T - 1]
            h_n.append(h)
            c_n.append(c)
            if self.rnn.dropout and self.training and l < L - 1:
                x = F.dropout(x, self.rnn.dropout, True)       # between layers, as nn.LSTM / nn.RNN
        state = (stack(h_n, 0), stack(c_n, 0)) if is_lstm else stack(h_n, 0)
        return self.head(x), state                             # (T, B, V)

    def _probed(self, x, h, c, w, probes):
        outs = []
        for t in range(x.shape[0]):
            if self.cell == "lstm":
                h, c = lstm_mod.lstm_cell(x[t], h, c, *w)      # (B, H) each
            else:
                h = rnn_step(x[t], h, *w)
            h = h + probes[t]                                  # dL/d probe = dL/dh_t
            outs.append(h)
        return stack(outs, 0), h, c


def load_own(path):
    """(OwnCharLM in eval mode, tokenizer, checkpoint dict) from a char-lstm / char-rnn checkpoint."""
    ckpt = read_checkpoint(path)
    cfg = ckpt["config"]
    if not cfg or "tokenizer" not in cfg or "cell" not in cfg:
        raise ValueError(f"{path} is not a char-lstm / char-rnn checkpoint (written by `{PROG} train` or "
                         f"`tglm train char-lstm`)")
    model = OwnCharLM.from_config(cfg)
    model.load_state_dict(ckpt["model"])
    model.eval()
    return model, CharTokenizer.from_config(cfg["tokenizer"]), ckpt


# ---- vanishing gradients made visible --------------------------------------------------------------
def gradient_norms(model, x, y):
    """||dL/dh_t|| (Frobenius over B, H) for every layer and step: (L, T) array.

    x, y (B, T) int windows; L = mean cross-entropy of the predictions at the LAST position only,
    from a zero initial state, dropout off."""
    was = model.training
    model.eval()
    B, T = x.shape
    probes = [[Tensor(np.zeros((B, model.rnn.hidden_size), dtype=np.float32), requires_grad=True)
               for _ in range(T)] for _ in range(model.rnn.num_layers)]
    logits, _ = model(x.T, None, probes=probes)                # (T, B, V)
    F.cross_entropy(logits[T - 1], y[:, T - 1]).backward()     # (B, V) vs (B,)
    norms = np.array([[float(np.linalg.norm(p.grad)) for p in layer] for layer in probes])   # (L, T)
    model.zero_grad()
    model.train(was)
    return norms


def gradient_chart(curves: dict, path, window: int) -> dict:
    """curves {name: (L, T) norms} -> SVG of norm / norm at the last step vs steps back; returns a
    summary {name: {steps_back: relative norm}} (layer 1 of each model)."""
    series, summary = {}, {}
    for name, norms in curves.items():
        for l, row in enumerate(norms):
            rel = row[::-1] / row[-1]                          # index k = k steps before the loss
            series[name + (f" (layer {l + 1})" if len(norms) > 1 else "")] = (np.arange(len(rel)), rel)
            if l == 0:
                summary[name] = {k: float(rel[k]) for k in (1, 10, 25, 50, len(rel) - 1) if k < len(rel)}
    plot.line_chart(series, path, logy=True, xlabel="steps back from the loss (k = T-1-t)",
                    ylabel="||dL/dh_t|| / ||dL/dh_T-1||",
                    title=f"How far back does the gradient reach? (window of {window} characters)")
    return summary


def _print_summary(summary, path):
    ks = sorted({k for s in summary.values() for k in s})
    print(f"gradient reach ||dL/dh_(T-1-k)|| / ||dL/dh_(T-1)||, written to {path}:")
    print(f"  {'model':<36}" + "".join(f"{'k=' + str(k):>10}" for k in ks))
    for name, s in summary.items():
        print(f"  {name:<36}" + "".join(f"{s[k]:>10.2e}" if k in s else f"{'':>10}" for k in ks))


def _window(text_ids, batch, window):
    """The first (B, T) window of the validation split (B lanes of the same text for every model)."""
    return TBPTTBatches(text_ids, batch, window)[0]


# ---- commands ---------------------------------------------------------------------------------------
def train(argv) -> int:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--cell", choices=["lstm", "rnn"], default="lstm")
    cell = pre.parse_known_args(argv)[0].cell
    p = char_parser(cell)
    p.prog, p.description = f"{PROG} train", f"train YOUR character-level {cell.upper()} (week 3 project)"
    p.add_argument("--cell", choices=["lstm", "rnn"], default="lstm", help="your lstm_cell or your RNN")
    p.add_argument("--grad-window", type=int, default=100, help="characters in the gradient plot's window")
    p.set_defaults(out=f"runs/own-char-{cell}")
    args = p.parse_args(argv)
    if not args.time and not args.steps:
        print(f"{PROG} train: give --time or --steps", file=sys.stderr)
        return 2
    if not os.path.exists(args.data):
        print(f"{PROG} train: data file {args.data!r} not found (run from the repository root)", file=sys.stderr)
        return 2
    code = train_char_lm(args, model_cls=OwnCharLM, batches_fn=tbptt_mod.tbptt_batches)
    if code:
        return code
    ckpt = os.path.join(args.out, "best.safetensors")
    curves = {}
    model, tok, info = load_own(ckpt)
    _, val_ids = train_val_split(tok.encode(open(args.data, encoding="utf-8").read()), args.val_fraction)
    window = min(args.grad_window, len(val_ids) // 8 - 1)
    x, y = _window(val_ids, 8, window)
    curves[f"{cell.upper()} trained"] = gradient_norms(model, x, y)
    for other in ("lstm", "rnn"):                                  # both cells at init, same size and seed
        manual_seed(args.seed)
        fresh = OwnCharLM(model.emb.weight.shape[0], args.emb, args.hidden, args.layers, other, 0.0)
        try:
            curves[f"{other.upper()} at init"] = gradient_norms(fresh, x, y)
        except NotImplementedError as e:
            print(f"(no '{other} at init' curve: {e})")
    path = os.path.join(args.out, "gradients.svg")
    _print_summary(gradient_chart(curves, path, window), path)
    return 0


def sample(argv) -> int:
    p = argparse.ArgumentParser(prog=f"{PROG} sample", description="sample from your model with YOUR generate (3.11)",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--checkpoint", default="runs/own-char-lstm/best.safetensors")
    p.add_argument("--prime", default="ROMEO:", help="text fed first (characters of the training text)")
    p.add_argument("--length", type=int, default=500, help="characters to generate")
    p.add_argument("--temperature", type=float, default=0.8, help="0 = greedy")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if not os.path.exists(args.checkpoint):
        print(f"{PROG} sample: {args.checkpoint!r} not found (train first: {PROG} train)", file=sys.stderr)
        return 2
    model, tok, _ = load_own(args.checkpoint)
    try:
        prime = tok.encode(args.prime)
    except UnknownCharacterError as e:
        print(f"{PROG} sample: the prime has characters the model never saw: {e}", file=sys.stderr)
        return 2
    if len(prime) == 0:
        print(f"{PROG} sample: --prime must not be empty", file=sys.stderr)
        return 2

    @no_grad()
    def step(ids, state):                                      # ids (T,) -> logits of the last position (V,)
        logits, state = model(np.asarray(ids, dtype=np.int64)[:, None], state)    # (T, 1, V)
        return logits.data[-1, 0], state

    out = sampling_mod.generate(step, prime, args.length, args.temperature, args.top_k,
                                np.random.default_rng(args.seed))
    print(args.prime + tok.decode(out))
    return 0


def gradients(argv) -> int:
    p = argparse.ArgumentParser(prog=f"{PROG} gradients", description="overlay the gradient reach of checkpoints",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--checkpoint", action="append", required=True, help="repeat to overlay several models")
    p.add_argument("--data", default="data/tiny_shakespeare/input.txt")
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--window", type=int, default=100, help="characters T")
    p.add_argument("--out", default=None, help="default: gradients_compared.svg next to the first checkpoint")
    args = p.parse_args(argv)
    curves = {}
    for path in args.checkpoint:
        if not os.path.exists(path):
            print(f"{PROG} gradients: {path!r} not found", file=sys.stderr)
            return 2
        model, tok, info = load_own(path)
        _, val_ids = train_val_split(tok.encode(open(args.data, encoding="utf-8").read()), args.val_fraction)
        window = min(args.window, len(val_ids) // 8 - 1)
        x, y = _window(val_ids, 8, window)
        curves[f"{info['config']['cell'].upper()} {os.path.basename(os.path.dirname(os.path.abspath(path)))}"] = \
            gradient_norms(model, x, y)
    out = args.out or os.path.join(os.path.dirname(args.checkpoint[0]), "gradients_compared.svg")
    _print_summary(gradient_chart(curves, out, window), out)
    return 0


COMMANDS = {"train": train, "sample": sample, "gradients": gradients}


def main(argv=None) -> int:
    argv = pop_impl(sys.argv[1:] if argv is None else argv)       # --impl exercises: your code
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: {PROG} {{train,sample,gradients}} [--impl exercises] [options]   (--help per command)",
              file=sys.stderr)
        return 2
    try:
        return COMMANDS[argv[0]](argv[1:])
    except NotImplementedError as e:
        print(f"{PROG} {argv[0]}: your code is not finished: {e}\n  run `pytest exercises/week3` and finish "
              f"the tasks it names first", file=sys.stderr)
        return 2
    except (ValueError, UnknownCharacterError) as e:
        print(f"{PROG} {argv[0]}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
