"""Where things live on disk: the repository root, the shipped data and models.

The package sits next to `data/` in the repository (`pip install -e .`); TGLM_DATA points the data
folder elsewhere. Every module that needs a path imports it from here (one place to change).
Does not handle: a wheel installed without the repository (the course always runs from a clone).
"""
import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("TGLM_DATA", REPO_ROOT / "data"))
PRETRAINED_DIR = DATA_DIR / "pretrained"


def repo_path(p) -> str:
    """A path from a config or the command line: as given if it exists (or is absolute), else relative to the repo."""
    p = os.fspath(p)
    return p if os.path.isabs(p) or os.path.exists(p) else str(REPO_ROOT / p)
