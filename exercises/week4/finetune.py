# Generated from solutions/week4/finetune.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week4/finetune.py.
"""Week 4, part 3: fine-tuning a pretrained GPT - load foreign weights, freeze, train gently, stop early.

A pretrained model is a starting point: the weights already know English, so a new task needs few
steps and a small learning rate. Four pieces:
    1. weights from elsewhere: Hugging Face GPT-2 files use other conventions than our GPT (a
       "transformer." prefix that may be missing, Conv1D weights stored (in, out) where our Linear
       stores (out, in), causal-mask buffers that are not parameters) -> map names and transpose;
    2. freezing: only some parameter groups train (requires_grad=False elsewhere), which is cheaper
       and forgets less;
    3. a fine-tuning loop: AdamW on the trainable parameters only, a learning rate ~10x below
       pretraining, a fixed validation set evaluated every few steps;
    4. early stopping: stop once validation loss has not improved for `patience` evaluations and
       hand back the best weights, not the last ones.
The library versions: tinygrad_lm/models/gpt2_hf.py (1), tinygrad_lm/training/lm.py (the loop).

Legend: B batch, T block size (context), C channels, V vocab.
Not here: LoRA / adapters, gradient accumulation, learning-rate schedules beyond a warmup.
"""
import numpy as np

from tinygrad_lm.tensor import no_grad

CONV1D = ("attn.c_attn.weight", "attn.c_proj.weight", "mlp.c_fc.weight", "mlp.c_proj.weight")


def hf_to_gpt_state(hf_tensors):
    """Task 4.20: Hugging Face GPT-2 tensors -> a state dict our GPT.load_state_dict accepts.

    TODO: hf_tensors maps names to float arrays, e.g. "transformer.h.0.attn.c_attn.weight" (C, 3C)
    or, in the original `gpt2` file, the same without the prefix: "h.0.attn.c_attn.weight".
    Return {our name: float32 array} where
      - every name starts with "transformer." (add it when missing);
      - the four Conv1D weights (names ending in attn.c_attn.weight, attn.c_proj.weight,
        mlp.c_fc.weight, mlp.c_proj.weight; see CONV1D) are transposed to (out, in), contiguous;
      - "lm_head.weight" (tied to wte) and the buffers ending in ".attn.bias" / ".attn.masked_bias"
        are left out (careful: "attn.c_attn.bias" is a real parameter!);
      - everything else (wte, wpe, LayerNorms, biases) is copied unchanged.

    APPROACH: stuck? `tglm hint 4.20` shows the approach one step at a time.

    EXAMPLE: {"h.0.mlp.c_fc.weight": (32, 128) array} -> {"transformer.h.0.mlp.c_fc.weight": (128, 32)}

    HINT: name.endswith(CONV1D) works with a tuple; np.ascontiguousarray(w.T, dtype=np.float32).
    """
    raise NotImplementedError("Week 4, task 4.20: Hugging Face GPT-2 tensors -> a state dict our GPT.load_state_dict accepts.")


def gpt_to_hf_state(state):
    """Task 4.21: the reverse: our GPT's state dict -> tensors in the layout transformers saves.

    TODO: keep the names (they already are "transformer.*"), transpose the four Conv1D weights back
    to (in, out), make every array contiguous float32. Write no lm_head (it is tied to wte).

    EXAMPLE: {"transformer.h.0.attn.c_attn.weight": (96, 32)} -> same name, shape (32, 96).

    HINT: gpt_to_hf_state(hf_to_gpt_state(t)) == t for a file saved by transformers.
    """
    raise NotImplementedError("Week 4, task 4.21: the reverse: our GPT's state dict -> tensors in the layout transformers saves.")


def freeze(model, trainable):
    """Task 4.22: train only the parameters whose name contains one of the strings in `trainable`.

    TODO: for every (name, p) in model.named_parameters(): p.requires_grad = True if any pattern of
    `trainable` is a substring of name, else False. Return the sorted list of trainable names.
    trainable=() freezes everything; trainable=("",) unfreezes everything.

    EXAMPLE: freeze(gpt, ["ln_f", "h.3."]) -> ["transformer.h.3.attn.c_attn.bias", ..., "transformer.ln_f.weight"]
             (the last block and the final LayerNorm train; the embeddings and blocks 0-2 are frozen).

    HINT: a frozen parameter gets no .grad in backward(); give the optimizer only trainable ones.
    """
    raise NotImplementedError("Week 4, task 4.22: train only the parameters whose name contains one of the strings in `trainable`.")


def should_stop(val_losses, patience):
    """Task 4.23: early stopping: True when the best validation loss is more than `patience` evaluations old.

    TODO: val_losses is the list of validation losses so far, one per evaluation. Return True when
    none of the last `patience` values is strictly below the best value before them (so the last
    improvement happened more than `patience` evaluations ago); False while there are not yet more
    than `patience` values.

    EXAMPLE: should_stop([3.0, 2.5, 2.6, 2.7], patience=2) -> True   (2.5 is 2 evaluations old)
             should_stop([3.0, 2.5, 2.6, 2.4], patience=2) -> False  (2.4 improved)
             should_stop([3.0, 2.5, 2.5], patience=1)      -> True   (equal is not an improvement)

    HINT: the index of the best value: int(np.argmin(val_losses)) gives the FIRST minimum.
    """
    raise NotImplementedError("Week 4, task 4.23: early stopping: True when the best validation loss is more than `patience` evaluations old.")


@no_grad()
def evaluate(model, ids, batch_size, block_size, max_batches=None):
    """Mean loss over consecutive non-overlapping windows of ids (deterministic, eval mode)."""
    was = model.training
    model.eval()
    n = (len(ids) - 1) // block_size
    starts = np.arange(n) * block_size
    if max_batches is not None:
        starts = starts[: max_batches * batch_size]
    offsets = np.arange(block_size + 1)
    losses, weights = [], []
    for i in range(0, len(starts), batch_size):
        win = ids[starts[i:i + batch_size, None] + offsets].astype(np.int64)     # (B, T + 1)
        losses.append(model(win[:, :-1], win[:, 1:])[1].item())
        weights.append(len(win))
    model.train(was)
    return float(np.average(losses, weights=weights))


def finetune(model, train_ids, val_ids, steps, lr=3e-4, batch_size=8, block_size=64, eval_every=20,
             patience=3, warmup=10, weight_decay=0.0, rng=None, on_eval=None):
    """Task 4.24: fine-tune `model` on train_ids with early stopping; return (history, best_step).

    TODO:
      - opt = AdamW over the parameters with requires_grad (frozen ones are left out), lr `lr`,
        weight_decay `weight_decay` (tinygrad_lm.optim.AdamW);
      - history = [{"step": 0, "val_loss": evaluate(...)}]; remember a copy of the weights as the best;
      - for step 1..steps: learning rate lr * min(1, step / warmup); a batch of random windows
        x, y (B, T) from train_ids (random_windows(train_ids, batch_size, block_size, rng));
        loss = model(x, y)[1]; zero_grad, backward, clip the gradient norm to 1.0, opt.step();
        every eval_every steps: evaluate on val_ids, append {"step", "val_loss"} to history, call
        on_eval(history[-1]) if given, keep a copy of the weights if it is the best so far, and break
        if should_stop([h["val_loss"] for h in history], patience);
      - finally load the best weights back into the model and return (history, best_step).

    APPROACH: stuck? `tglm hint 4.24` shows the approach one step at a time.

    HINT: evaluate(model, val_ids, batch_size, block_size) is given above (fixed windows, so two
    evaluations of the same weights give the same number). rng defaults to np.random.default_rng(0).
    """
    from tinygrad_lm.optim import AdamW, clip_grad_norm_
    from tinygrad_lm.datasets.lm_batches import random_windows as get_batch
    rng = np.random.default_rng(0) if rng is None else rng
    raise NotImplementedError("Week 4, task 4.24: fine-tune `model` on train_ids with early stopping; return (history, best_step).")
