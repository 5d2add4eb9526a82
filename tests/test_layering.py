"""The layout stays true: imports inside tinygrad_lm/ only point down the layers, and never in a circle.

Every import counts, including those inside functions (ast finds them all). The layers, lowest
first (docs/architecture.md explains them); a module may import its own layer or lower ones:
"""
import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[1] / "tinygrad_lm"

LAYERS = [
    ("base", {"_threads", "paths", "random", "kernels"}),                     # no autograd yet
    ("autograd", {"", "tensor", "ops", "functional", "gradcheck"}),           # "" = tinygrad_lm/__init__.py
    ("text", {"text", "tokenizers", "plot"}),
    ("library", {"nn", "optim", "checkpoints", "datasets", "metrics", "classify", "retrieval"}),
    ("models", {"models"}),
    ("generation", {"generation"}),
    ("training", {"training"}),
    ("applications", {"cli", "course", "benchmarks", "__main__"}),
]
RANK = {top: i for i, (_, tops) in enumerate(LAYERS) for top in tops}


def _module_name(path: Path) -> str:
    rel = path.relative_to(PKG.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict:
    return {_module_name(p): p for p in PKG.rglob("*.py") if "__pycache__" not in p.parts}


def _imports(name: str, path: Path, known: set) -> set:
    """Modules of tinygrad_lm that `name` imports (absolute names), anywhere in the file."""
    is_pkg = path.name == "__init__.py"
    package = name if is_pkg else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                mod = ".".join(base + ([node.module] if node.module else []))
            else:
                mod = node.module or ""
            # `from pkg import sub` imports the submodule when there is one
            targets = [f"{mod}.{a.name}" if f"{mod}.{a.name}" in known else mod for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in known:              # `import tinygrad_lm.x.y` -> the deepest known module
                t = t.rpartition(".")[0]
            if t and t != name and t.startswith("tinygrad_lm"):
                out.add(t)
    return out


def _graph():
    mods = _modules()
    return {m: _imports(m, p, set(mods)) for m, p in mods.items()}


def _top(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def test_every_top_level_name_has_a_layer():
    tops = {_top(m) for m in _modules()}
    assert not tops - set(RANK), f"put these in a layer of tests/test_layering.py: {sorted(tops - set(RANK))}"


def test_imports_point_down_the_layers():
    bad = []
    for mod, deps in _graph().items():
        for dep in deps:
            a, b = RANK[_top(mod)], RANK[_top(dep)]
            if b > a:
                bad.append(f"{mod} ({LAYERS[a][0]}) imports {dep} ({LAYERS[b][0]})")
    assert not bad, "imports that point UP the layers:\n  " + "\n  ".join(sorted(bad))


def test_no_import_cycles():
    graph = _graph()
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def strongconnect(v):                           # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in graph:
        if v not in index:
            strongconnect(v)
    assert not cycles, "import cycles (every module in each group can reach the others):\n  " + \
        "\n  ".join(" <-> ".join(c) for c in cycles)


def test_at_most_twelve_top_level_modules():
    files = sorted(p.name for p in PKG.glob("*.py"))
    assert len(files) <= 12, f"{len(files)} top-level modules: {files}; give new code a home in a package"
