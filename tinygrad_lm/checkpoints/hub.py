"""Finding a pretrained model by name: the models shipped in data/pretrained/ and local Hugging Face downloads.

    from tinygrad_lm.checkpoints.hub import resolve
    resolve("tinystories-3m")      # -> .../data/pretrained/tinystories-3m
    resolve("gpt2")                # -> ~/.cache/huggingface/hub/models--openai-community--gpt2/snapshots/<rev>

Where a name is looked up, in order (nothing is ever downloaded):
1. a directory (or a model.safetensors file inside one) at that path;
2. data/pretrained/<name>/ in this repository (the registry below describes what ships);
3. the Hugging Face hub cache: $HF_HUB_CACHE, $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub,
   ~/.cache/huggingface/hub, as models--<org>--<name>/snapshots/<revision>/ (revision from refs/main
   when present). "gpt2" also matches "openai-community/gpt2", "distilgpt2" "distilbert/distilgpt2".
If nothing matches, the error lists every place that was checked and how to get GPT-2 locally.
Only paths: building the model from the directory is models/gpt.py's GPT.from_pretrained.
Does not handle: downloading, sharded checkpoints.
"""
import os

from ..paths import PRETRAINED_DIR

SHIPPED_DIR = str(PRETRAINED_DIR)

# What ships with the repository (data/pretrained/<name>/MODEL_CARD.md has the details).
REGISTRY = {
    "tinystories-3m": "2.6M-parameter GPT (4 layers, 192 channels, BPE 4096) pretrained on TinyStories + "
                      "Gutenberg children's books, lowercase; tells short simple stories",
    "course-base-8m": "6.9M-parameter cased GPT (6 layers, 256 channels, BPE 8192) pretrained on every offline "
                      "course text that is not an evaluation set (DialogSum, DailyDialog, SQuAD, Dolly, "
                      "instructions, TinyStories, Gutenberg); the base model of weeks 5-8",
    "shapes-clip": "190K-parameter CLIP (small CNN + 2-block text transformer) for week 7's generated Shapes "
                   "images; `models.captioner.load_model(name, 'clip')`",
    "shapes-captioner": "prefix captioner (ClipCap-style, 2-block GPT) on shapes-clip's frozen image encoder; "
                        "`tglm caption IMAGE.png`",
}

# Hugging Face renamed the original GPT-2 repositories; a short name matches either spelling.
HF_ALIASES = {"gpt2": "openai-community/gpt2", "gpt2-medium": "openai-community/gpt2-medium",
              "gpt2-large": "openai-community/gpt2-large", "gpt2-xl": "openai-community/gpt2-xl",
              "distilgpt2": "distilbert/distilgpt2"}
NEEDED = ("config.json", "model.safetensors")


def hf_cache_dirs() -> list:
    """The Hugging Face hub cache directories to search, most specific first, without duplicates."""
    env = os.environ
    cands = [env.get("HF_HUB_CACHE"), env.get("HUGGINGFACE_HUB_CACHE"),
             os.path.join(env["HF_HOME"], "hub") if env.get("HF_HOME") else None,
             os.path.join(env["XDG_CACHE_HOME"], "huggingface", "hub") if env.get("XDG_CACHE_HOME") else None,
             os.path.join(os.path.expanduser("~"), ".cache", "huggingface", "hub")]
    out = []
    for c in cands:
        if c and c not in out:
            out.append(c)
    return out


def _repo_ids(name: str) -> list:
    ids = [name]
    if name in HF_ALIASES:
        ids.append(HF_ALIASES[name])
    for short, full in HF_ALIASES.items():
        if name == full:
            ids.append(short)
    return ids


def _snapshot(repo_dir: str, looked: list):
    """The snapshot directory of a cached repo: refs/main's revision, else any complete snapshot."""
    snaps = os.path.join(repo_dir, "snapshots")
    ref = os.path.join(repo_dir, "refs", "main")
    revs = []
    if os.path.isfile(ref):
        revs.append(open(ref, encoding="utf-8").read().strip())
    if os.path.isdir(snaps):
        revs += sorted(r for r in os.listdir(snaps) if r not in revs)
    for rev in revs:
        d = os.path.join(snaps, rev)
        looked.append(d)
        if all(os.path.isfile(os.path.join(d, f)) for f in NEEDED):
            return d
    if not revs:
        looked.append(snaps + "/<revision>")
    return None


def resolve(name_or_path: str) -> str:
    """A model name or path -> the directory holding config.json + model.safetensors."""
    looked = []
    p = os.path.expanduser(str(name_or_path))
    if os.path.isfile(p) and p.endswith(".safetensors"):
        p = os.path.dirname(os.path.abspath(p))
    if os.path.isdir(p):
        return p
    looked.append(f"{p} (as a path)")
    shipped = os.path.join(SHIPPED_DIR, p)
    looked.append(shipped)
    if os.path.isdir(shipped):
        return shipped
    for cache in hf_cache_dirs():
        for repo in _repo_ids(p):
            d = _snapshot(os.path.join(cache, "models--" + repo.replace("/", "--")), looked)
            if d:
                return d
    shipped_names = ", ".join(sorted(list_models())) or "(none found)"
    raise FileNotFoundError(
        f"no model {name_or_path!r}: looked for a directory with {' + '.join(NEEDED)} at\n  "
        + "\n  ".join(looked)
        + f"\nshipped models: {shipped_names}.\nNothing is downloaded here. With internet access, get GPT-2 once "
          f"with `pip install huggingface_hub && python -c \"from huggingface_hub import snapshot_download; "
          f"snapshot_download('openai-community/gpt2', allow_patterns=['*.json', '*.safetensors', '*.txt'])\"` "
          f"(into the cache above), or pass the path of a directory holding {' + '.join(NEEDED)}.")


def list_models() -> list:
    """Names of the models shipped in data/pretrained/."""
    if not os.path.isdir(SHIPPED_DIR):
        return []
    return sorted(n for n in os.listdir(SHIPPED_DIR) if os.path.isfile(os.path.join(SHIPPED_DIR, n, "config.json")))
