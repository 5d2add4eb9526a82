"""Parameter shapes implied by a model config, checked against a file's stored shapes BEFORE a model is built.

An untrusted checkpoint is a few bytes of JSON config plus tensors. Building the model from the
config first and comparing shapes afterwards lets a 1 KB file whose config says n_embd=32768,
n_layer=64 allocate gigabytes before any check runs. Here the shapes a config implies are computed
with Python ints (nothing is allocated) and compared with the tensor shapes in the file's header
(read without reading any tensor data), so a model is only built when its weights are in the file:
the memory a load allocates is bounded by the size of the file.

Config layouts known here (the ones our trainers write; tests/test_checkpoint_shapes.py checks each
against the real model's state_dict, so a change to the models shows up there):
    GPT / masked LM   config["model"] = GPTConfig.to_dict(): vocab_size V, block_size T, n_layer L,
                      n_embd C, bias (models/gpt.py; the HF layout in models/gpt2_hf.py uses the same)
    char LM           config["cell"] in {"lstm", "rnn"}, vocab_size V, emb E, hidden H, layers
                      (models/char_lm.py on nn/rnn.py; G = 4 gates for an LSTM, 1 for an RNN)
Rule: every implied tensor that the file has under the same name must have the implied shape, and
the implied number of values must be at most twice what the file stores (+ 65,536): a model built
by another implementation with other names (a learner's own LSTM) still loads, a config that
claims far more than the file holds does not.

Does not handle: other config layouts (check_config_shapes returns without checking; build such
models from trusted configs only), non-parameter buffers.
"""
from .safetensors import CheckpointError

_SLACK_FACTOR, _SLACK_VALUES = 2, 65_536


def _positive_int(cfg: dict, key: str, where: str, section: str) -> int:
    v = cfg.get(key)
    if type(v) is not int or v <= 0:
        raise CheckpointError(f"{where}: config {section}{key} must be a positive int, got {v!r}")
    return v


def gpt_shapes(vocab_size: int, block_size: int, n_layer: int, n_embd: int, bias: bool = True) -> dict:
    """{name: shape} of models/gpt.py's GPT (and MaskedLM): Linear weights (out, in), LM head tied to wte."""
    V, T, L, C = vocab_size, block_size, n_layer, n_embd
    shapes = {"transformer.wte.weight": (V, C), "transformer.wpe.weight": (T, C)}

    def add(prefix, weight, out):
        shapes[prefix + ".weight"] = weight
        if bias:
            shapes[prefix + ".bias"] = (out,)
    for i in range(L):
        h = f"transformer.h.{i}."
        add(h + "ln_1", (C,), C)
        add(h + "attn.c_attn", (3 * C, C), 3 * C)
        add(h + "attn.c_proj", (C, C), C)
        add(h + "ln_2", (C,), C)
        add(h + "mlp.c_fc", (4 * C, C), 4 * C)
        add(h + "mlp.c_proj", (C, 4 * C), C)
    add("transformer.ln_f", (C,), C)
    return shapes


def char_lm_shapes(vocab_size: int, emb: int, hidden: int, layers: int, cell: str) -> dict:
    """{name: shape} of models/char_lm.py's CharLM (Embedding -> nn.LSTM / nn.RNN -> Linear)."""
    V, E, H = vocab_size, emb, hidden
    G = {"lstm": 4, "rnn": 1}[cell] * H                       # gate rows
    shapes = {"emb.weight": (V, E)}
    for k in range(layers):
        shapes.update({f"rnn.weight_ih_l{k}": (G, E if k == 0 else H), f"rnn.weight_hh_l{k}": (G, H),
                       f"rnn.bias_ih_l{k}": (G,), f"rnn.bias_hh_l{k}": (G,)})
    shapes.update({"head.weight": (V, H), "head.bias": (V,)})
    return shapes


def expected_shapes(config, where: str = "checkpoint"):
    """The {parameter name: shape} a training checkpoint's config implies, or None for a layout
    this module does not know. Raises CheckpointError for a known layout with bad values."""
    if not isinstance(config, dict):
        return None
    if isinstance(config.get("model"), dict):
        m = config["model"]
        V, T, L, C = (_positive_int(m, k, where, "model.") for k in ("vocab_size", "block_size", "n_layer", "n_embd"))
        return gpt_shapes(V, T, L, C, bias=bool(m.get("bias", True)))
    if "cell" in config:
        if config["cell"] not in ("lstm", "rnn"):
            raise CheckpointError(f"{where}: config cell must be 'lstm' or 'rnn', got {config['cell']!r}")
        V, E, H, layers = (_positive_int(config, k, where, "") for k in ("vocab_size", "emb", "hidden", "layers"))
        return char_lm_shapes(V, E, H, layers, config["cell"])
    return None


def _numel(shape) -> int:
    n = 1
    for d in shape:
        n *= int(d)
    return n


def compare_shapes(implied: dict, stored: dict, where: str, what: str) -> None:
    """Raise CheckpointError if a stored tensor has another shape than implied, or if the implied
    model needs far more values than are stored (see the module docstring for the rule)."""
    wrong = [f"{k}: file {tuple(stored[k])} vs config {implied[k]}" for k in implied
             if k in stored and tuple(stored[k]) != tuple(implied[k])]
    if wrong:
        raise CheckpointError(f"{where}: {what} does not match the stored tensors: shape mismatch "
                              f"({len(wrong)}): " + "; ".join(wrong[:6]))
    need, have = sum(map(_numel, implied.values())), sum(map(_numel, stored.values()))
    if need > _SLACK_FACTOR * have + _SLACK_VALUES:
        missing = [k for k in implied if k not in stored]
        raise CheckpointError(
            f"{where}: {what} describes a model of {need:,} values ({4 * need / 2**30:.2f} GiB as float32), "
            f"but the file stores only {have:,} model values (missing e.g. {missing[:4]}); refusing to build "
            f"it (a corrupt or hostile config?)")


def check_config_shapes(config, header: dict, where: str = "checkpoint", aliases: dict = None) -> None:
    """Compare a training checkpoint's config with its stored model tensors, before building a model.

    header: {stored name: (dtype, shape)} or {stored name: shape}, e.g. safetensors.describe(path);
    model tensors are the names starting with "model." (as save_checkpoint writes them).
    aliases: {alias name: stored name} for tied weights stored once (metadata "aliases").
    Unknown config layouts are not checked. Raises CheckpointError naming `where` and the tensors.
    """
    implied = expected_shapes(config, where)
    if implied is None:
        return
    shapes = {k: (v[1] if isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) else v)
              for k, v in header.items()}
    for alias, target in (aliases or {}).items():
        if target in shapes:
            shapes[alias] = shapes[target]
    stored = {k[len("model."):]: tuple(s) for k, s in shapes.items() if k.startswith("model.")}
    compare_shapes(implied, stored, where, "the config")
