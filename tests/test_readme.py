"""The README's tutorial code runs and reaches what the README says it prints."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_readme_mlp_tutorial_runs(capsys):
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    tutorial = next(b for b in blocks if "nn.Sequential" in b)
    assert len(tutorial.strip().splitlines()) <= 16, "the README promises an MLP in about 15 lines"
    exec(compile(tutorial, "README.md", "exec"), {})
    out = capsys.readouterr().out
    claimed = re.search(r"It prints `(.*?)`", text).group(1)
    assert out.strip() == claimed, f"README says the tutorial prints {claimed!r}, it printed {out.strip()!r}"


def test_readme_lists_every_cli_command():
    from tinygrad_lm.cli import COMMANDS
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [c for c in COMMANDS if f"tglm {c}" not in text]
    assert not missing, f"README.md does not show these tglm commands: {missing}"
