"""Week 4 project: train YOUR GPT (your embed and transformer_block) on tiny Shakespeare, sample from
it with your decoding, and look at what its attention heads attend to.

    python -m solutions.week4.project train --impl exercises                      # nanoGPT's CPU recipe
    python -m solutions.week4.project train --impl exercises --preset tiny        # seconds
    python -m solutions.week4.project sample --impl exercises --checkpoint runs/own-gpt/best.safetensors \\
        --prompt "ROMEO:" --top-k 40
    python -m solutions.week4.project attention --impl exercises --checkpoint runs/own-gpt/best.safetensors \\
        --text "ROMEO: But soft, what light through yonder window breaks?"

Without --impl the reference solutions run. `train` takes every option of `tglm train gpt` (--preset,
--n-layer, --max-iters, --lr, ..., see --help; default --preset nanogpt-cpu) and runs the same
code, `training.lm.fit_gpt` with OwnGPT in place of GPT: tokenizer, train/val split, GPT-2 init,
AdamW with weight-decay groups, the random-window loop `training.lm.fit_lm` (progress bar,
evaluations, best/last checkpoints, history.json, loss.svg), the whole-split score of the best checkpoint (result.json) and a sample at the end. The
checkpoints have the library's names, so `tglm generate --checkpoint ...` reads them too.

Which of your functions run (exercises/week4, or solutions/week4 with the default --impl):
  embed (4.10)                  token + position embeddings, every forward pass
  transformer_block (4.11)      every block, every forward pass; autograd differentiates YOUR block
  split_heads + attention (4.8, 4.7)   the attention maps: q, k of the last layer are split into
                                heads and your attention() is called with v = the identity matrix,
                                so weights @ v returns the attention weights themselves
  next_token_probs (4.14)       the samples (temperature, top-k, top-p)
Not used: attention_step (4.9) and the KV cache: your block recomputes the whole window for each new
token (a 300-character sample takes a few seconds); sinusoidal_positions (GPT-2 learns wpe).
The parameters live in the library's GPT modules (wte, wpe, Blocks, ln_f; their forward is never
called), so with the same seed and options `--impl solutions` gives the same losses as
`tglm train gpt` (tests/test_own_model.py: 1e-4; the fused attention kernel adds in another order).
Your block has no dropout, so --dropout must be 0 (the shakespeare-15min preset needs --dropout 0).

At the end of `train` (and with `attention`), <out>/attention.svg holds one heatmap per head of the
last layer: row i is query position i, column j key position j, the colour the weight (0 white,
1 dark blue; each row sums to 1, the upper triangle is 0 because of the causal mask).

Legend: B batch, T time (block size), C channels, H heads, D head size, V vocabulary.
Does not handle: your own BPE (4.1-4.6; --tokenizer bpe uses the library's), gpt_vs_lstm with your code.
"""
import argparse
import os
import sys

import numpy as np

import tinygrad_lm.functional as F
from tinygrad_lm import plot
from tinygrad_lm.checkpoints.checkpoint import load_checkpoint, read_checkpoint
from tinygrad_lm.cli.train import gpt_parser, parse_with_presets
from tinygrad_lm.models.config import GPTConfig
from tinygrad_lm.models.gpt import GPT
from tinygrad_lm.tensor import Tensor, no_grad
from tinygrad_lm.tokenizers import from_config as tokenizer_from_config
from tinygrad_lm.tokenizers.char import UnknownCharacterError
from tinygrad_lm.training.lm import GPT_PRESETS, fit_gpt

from tinygrad_lm.course import load, pop_impl

tf_mod = load("week4.transformer")      # the reference (solutions/) or yours (exercises/): --impl
att_mod = load("week4.attention")
dec_mod = load("week4.decoding")

PROG = "python -m solutions.week4.project"
SENTENCE = "ROMEO: But soft, what light through yonder window breaks?"
BLOCK_KEYS = ("ln_1.weight", "ln_1.bias", "attn.c_attn.weight", "attn.c_attn.bias", "attn.c_proj.weight",
              "attn.c_proj.bias", "ln_2.weight", "ln_2.bias", "mlp.c_fc.weight", "mlp.c_fc.bias",
              "mlp.c_proj.weight", "mlp.c_proj.bias")


# ---- the model ------------------------------------------------------------------------------------
def block_params(block) -> dict:
    """The dict your transformer_block reads: the Block's parameters by name; None for missing biases
    (--no-bias), which F.linear / F.layer_norm accept."""
    p = dict.fromkeys(BLOCK_KEYS)
    p.update(block.named_parameters())
    return p


class OwnGPT(GPT):
    """The library's GPT parameters (same init, same names), your embed and transformer_block.

    forward(idx (B, T) int, targets (B, T) or None) -> (logits (B, T, V), loss or None), as GPT.
    No KV cache (kv_cache must be None) and no dropout.
    """

    def __init__(self, config: GPTConfig, causal: bool = True):
        if config.dropout:
            raise ValueError(f"your transformer_block has no dropout: train with --dropout 0 (got {config.dropout})")
        super().__init__(config, causal)

    def hidden(self, idx, n_blocks=None):
        """x after the embeddings and the first n_blocks blocks (all by default): (B, T, C)."""
        tr = self.transformer
        x = tf_mod.embed(idx, tr.wte.weight, tr.wpe.weight)                       # (B, T, C), your 4.10
        for block in list(tr.h)[:n_blocks]:
            x = tf_mod.transformer_block(x, block_params(block), self.config.n_head, causal=self.causal)  # 4.11
        return x

    def forward(self, idx, targets=None, kv_cache=None):
        if kv_cache is not None:
            raise ValueError("OwnGPT has no KV cache (your transformer_block recomputes the window): sample with "
                             f"`{PROG} sample`, or load the checkpoint into the library's GPT (tglm generate)")
        idx = np.asarray(idx.data if isinstance(idx, Tensor) else idx)
        if idx.ndim != 2 or idx.dtype.kind not in "iu":
            raise ValueError(f"OwnGPT expects idx as an int array (B, T), got shape {idx.shape} dtype {idx.dtype}")
        B, T = idx.shape
        if T > self.config.block_size:
            raise ValueError(f"sequence of length {T} is longer than block_size {self.config.block_size}")
        tr = self.transformer
        x = tr.ln_f(self.hidden(idx))                                             # (B, T, C)
        logits = x @ tr.wte.weight.T                                              # (B, T, V), tied head
        if targets is None:
            return logits, None
        return logits, F.cross_entropy(logits.reshape(B * T, -1), np.asarray(targets).reshape(B * T))


def load_own(path):
    """(OwnGPT in eval mode, tokenizer, config) from a GPT checkpoint (this project's or `tglm train gpt`'s)."""
    cfg = read_checkpoint(path)["config"]
    if not cfg or "model" not in cfg or "tokenizer" not in cfg or cfg.get("kind", "gpt") != "gpt":
        raise ValueError(f"{path}: not a GPT checkpoint written by `{PROG} train` or `tglm train gpt`")
    model = OwnGPT(GPTConfig(**{**cfg["model"], "dropout": 0.0}))
    load_checkpoint(path, model, restore_rng=False)
    model.eval()
    return model, tokenizer_from_config(cfg["tokenizer"]), cfg


# ---- sampling and attention maps with your functions --------------------------------------------------
@no_grad()
def sample(model, prompt_ids, n, temperature=0.8, top_k=None, top_p=None, seed=0):
    """n new ids after prompt_ids; each step runs the last block_size ids and draws from your
    next_token_probs (4.14) of the last position."""
    rng = np.random.default_rng(seed)
    ids = [int(i) for i in prompt_ids] or [0]
    T = model.config.block_size
    for _ in range(n):
        logits, _ = model(np.array([ids[-T:]], dtype=np.int64))                  # (1, T, V)
        probs = dec_mod.next_token_probs(logits.data[0, -1], temperature, top_k, top_p)   # (V,)
        ids.append(int(rng.choice(len(probs), p=probs)))
    return ids[len(prompt_ids) or 1:]


@no_grad()
def attention_maps(model, ids):
    """The last layer's attention weights on ids (T,): (H, T, T), with your split_heads and attention."""
    idx = np.asarray(ids, dtype=np.int64)[None]                                   # (1, T)
    C, H = model.config.n_embd, model.config.n_head
    last = model.transformer.h[len(model.transformer.h) - 1]
    x = model.hidden(idx, n_blocks=len(model.transformer.h) - 1)                  # input of the last block
    p = block_params(last)
    h = F.layer_norm(x, None, p["ln_1.weight"], p["ln_1.bias"])
    qkv = F.linear(h, p["attn.c_attn.weight"], p["attn.c_attn.bias"]).data        # (1, T, 3C)
    q = att_mod.split_heads(np.ascontiguousarray(qkv[..., :C]), H)               # (1, H, T, D), your 4.8
    k = att_mod.split_heads(np.ascontiguousarray(qkv[..., C:2 * C]), H)
    T = idx.shape[1]
    eye = np.ascontiguousarray(np.broadcast_to(np.eye(T, dtype=np.float32), (1, H, T, T)))
    w = att_mod.attention(q, k, eye, causal=model.causal)                         # weights @ I = weights, 4.7
    return np.asarray(w, dtype=np.float64)[0]                                     # (H, T, T)


def _label(tok, i):
    """A token as a visible label: space -> ␣, newline -> ⏎."""
    return tok.decode([int(i)]).replace(" ", "␣").replace("\n", "⏎").replace("\t", "⇥") or "∅"


def write_attention_svg(model, tok, text, path) -> str:
    """Heatmaps of every head of the last layer on `text` (cut to the last block_size tokens) -> path."""
    ids = [int(i) for i in tok.encode(text)][-model.config.block_size:]
    if len(ids) < 2:
        raise ValueError(f"the attention sentence must have at least 2 tokens, got {len(ids)}")
    w = attention_maps(model, ids)                                                # (H, T, T)
    labels = [_label(tok, i) for i in ids]
    L = len(model.transformer.h)
    plot.heatmap({f"head {h + 1}": w[h] for h in range(w.shape[0])}, path, row_labels=labels, col_labels=labels,
                 vmin=0.0, vmax=1.0, columns=2, xlabel="key position (attended to)", ylabel="query position",
                 title=f"layer {L} attention (rows sum to 1)")
    return path


# ---- commands ---------------------------------------------------------------------------------------
def train(argv) -> int:
    p = gpt_parser()
    p.prog, p.description = f"{PROG} train", "train YOUR GPT (your embed + transformer_block), week 4 project"
    p.add_argument("--attention-text", default=SENTENCE, help="sentence of the attention maps at the end")
    p.set_defaults(out="runs/own-gpt", preset="nanogpt-cpu")
    args = parse_with_presets(p, GPT_PRESETS, argv)
    if not os.path.exists(args.data):
        print(f"{PROG} train: data file {args.data!r} not found (run from the repository root)", file=sys.stderr)
        return 2
    # the same run as `tglm train gpt` (training.lm.fit_gpt), with OwnGPT in place of GPT
    model, tok, run = fit_gpt(args, model_cls=OwnGPT, name="your GPT")
    load_checkpoint(run.best_checkpoint(), model, restore_rng=False)    # sample from the best, not the last step
    model.eval()
    if args.sample_tokens:
        prompt = [int(i) for i in tok.encode(args.sample_prompt)]
        out = sample(model, prompt, args.sample_tokens, temperature=0.8, top_k=40)
        print("---- sample ----\n" + args.sample_prompt + tok.decode(out) + "\n----------------")
    try:
        print(f"attention maps: {write_attention_svg(model, tok, args.attention_text, run.path('attention.svg'))}")
    except UnknownCharacterError as e:
        print(f"(no attention.svg: --attention-text has characters outside the vocabulary: {e})")
    return 0


def sample_cmd(argv) -> int:
    p = argparse.ArgumentParser(prog=f"{PROG} sample", description="sample from your GPT with YOUR next_token_probs",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--checkpoint", default="runs/own-gpt/best.safetensors")
    p.add_argument("--prompt", default="ROMEO:")
    p.add_argument("--max-new-tokens", type=int, default=300)
    p.add_argument("--temperature", type=float, default=0.8, help="0 = greedy")
    p.add_argument("--top-k", type=int, default=None)
    p.add_argument("--top-p", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    if not os.path.exists(args.checkpoint):
        print(f"{PROG} sample: {args.checkpoint!r} not found (train first: {PROG} train)", file=sys.stderr)
        return 2
    model, tok, _ = load_own(args.checkpoint)
    prompt = [int(i) for i in tok.encode(args.prompt)]
    out = sample(model, prompt, args.max_new_tokens, args.temperature, args.top_k, args.top_p, args.seed)
    print(args.prompt + tok.decode(out))
    return 0


def attention_cmd(argv) -> int:
    p = argparse.ArgumentParser(prog=f"{PROG} attention", description="attention maps of your GPT's last layer",
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--checkpoint", default="runs/own-gpt/best.safetensors")
    p.add_argument("--text", default=SENTENCE)
    p.add_argument("--out", default=None, help="default: attention.svg next to the checkpoint")
    args = p.parse_args(argv)
    if not os.path.exists(args.checkpoint):
        print(f"{PROG} attention: {args.checkpoint!r} not found (train first: {PROG} train)", file=sys.stderr)
        return 2
    model, tok, _ = load_own(args.checkpoint)
    out = args.out or os.path.join(os.path.dirname(args.checkpoint), "attention.svg")
    print(f"attention maps: {write_attention_svg(model, tok, args.text, out)}")
    return 0


COMMANDS = {"train": train, "sample": sample_cmd, "attention": attention_cmd}


def main(argv=None) -> int:
    argv = pop_impl(sys.argv[1:] if argv is None else argv)       # --impl exercises: your code
    if not argv or argv[0] not in COMMANDS:
        print(f"usage: {PROG} {{train,sample,attention}} [--impl exercises] [options]   (--help per command)",
              file=sys.stderr)
        return 2
    try:
        return COMMANDS[argv[0]](argv[1:])
    except NotImplementedError as e:
        print(f"{PROG} {argv[0]}: your code is not finished: {e}\n  run `pytest exercises/week4` and finish "
              f"the tasks it names first", file=sys.stderr)
        return 2
    except (ValueError, UnknownCharacterError) as e:
        print(f"{PROG} {argv[0]}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
