"""The course documents cut into small passages with stable ids, for retrieval (week 8).

    chunks = course_chunks()                    # README.md, exercises/week*/README.md, docs/**/*.md, ...
    chunks[0].id, chunks[0].title, chunks[0].text
    # 'README.md#tinygrad_lm-1', 'README.md > tinygrad_lm', 'A from-scratch ...'

What is chunked (paths relative to the repository root, '/' separators on every OS):
  markdown    README.md, tinygrad_lm/course/README.md, exercises/week*/README.md, docs/**/*.md,
              data/*/SOURCE.md, data/pretrained/*/MODEL_CARD.md
  docstrings  the module docstring of every tinygrad_lm/**/*.py
Not chunked: solutions/ and ANSWERS.md (the assistant must not hand out the exercises' answers),
the code itself, JSON/SVG files, and fenced blocks opened with ```text: recorded output (chat transcripts, model
samples, test output). What a model wrote is not a fact about the course, and a transcript that quotes a user's
turns would be retrieved for those very turns (the week 8 transcript was, until session 9).

A markdown file is split at its headings (#, ##, ...); a section is then cut into pieces of at most
max_words words at blank lines (a fenced code block or a table is one block; a block longer than
max_words is cut at line ends, then at word boundaries). Chunk id:

    <path>#<slug>-<n>     slug = GitHub's anchor of the heading (lowercase, punctuation dropped,
                          spaces -> '-'; a repeated heading gets '-1', '-2', ...; 'intro' before the
                          first heading, 'docstring' for a module docstring), n = 1, 2, ... the piece

so an id changes only when its own section changes, not when another section is edited.
The title ('path > heading > subheading') is kept apart from the text; index title + text.
Small pieces because the course models read 256 tokens: a passage must fit beside the question.
Does not handle: setext headings (underlined with ===), HTML, reStructuredText, nested fences.
"""
import ast
import re
from dataclasses import dataclass
from pathlib import Path

from ..paths import REPO_ROOT

MARKDOWN_GLOBS = ("README.md", "tinygrad_lm/course/README.md", "exercises/week*/README.md", "docs/**/*.md",
                  "data/*/SOURCE.md", "data/pretrained/*/MODEL_CARD.md")
DOCSTRING_GLOBS = ("tinygrad_lm/**/*.py",)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_WORD = re.compile(r"[a-z0-9]+(?:[._'][a-z0-9]+)*")


@dataclass(frozen=True)
class Chunk:
    id: str        # "<path>#<slug>-<n>"
    path: str      # the source file, relative to the repository root
    title: str     # "path > heading > subheading"
    text: str      # the passage

    def index_text(self) -> str:
        """What a retriever reads: the heading trail and the passage."""
        return f"{self.title}\n{self.text}"


def slugify(heading: str) -> str:
    """GitHub's heading anchor: lowercase, drop punctuation except '-' and '_', spaces -> '-'."""
    s = re.sub(r"[`*]", "", heading.strip().lower())
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-") or "section"


def words(text: str) -> list:
    """Lowercase word tokens for BM25 ('tglm', 'bm25', 'k1', 'safetensors', 'week8' stay whole)."""
    if not isinstance(text, str):
        raise TypeError(f"words: expected a str, got {type(text).__name__}")
    return _WORD.findall(text.lower())


def _blocks(lines):
    """Paragraphs, fenced code blocks and tables as lists of lines (blank lines separate)."""
    out, cur, fence = [], [], False
    for line in lines:
        if line.lstrip().startswith("```"):
            if not fence and cur:
                out.append(cur)
                cur = []
            cur.append(line)
            fence = not fence
            if not fence:
                out.append(cur)
                cur = []
            continue
        if fence:
            cur.append(line)
        elif line.strip():
            cur.append(line)
        elif cur:
            out.append(cur)
            cur = []
    if cur:
        out.append(cur)
    return ["\n".join(b) for b in out]


def _split_long(block: str, max_words: int):
    """A block of more than max_words words: cut at line ends, and a single long line at words."""
    pieces, cur, n = [], [], 0
    for line in block.split("\n"):
        w = len(line.split())
        if w > max_words:                                    # one very long line (a long paragraph)
            if cur:
                pieces.append("\n".join(cur))
                cur, n = [], 0
            toks = line.split()
            pieces.extend(" ".join(toks[i:i + max_words]) for i in range(0, len(toks), max_words))
            continue
        if n + w > max_words and cur:
            pieces.append("\n".join(cur))
            cur, n = [], 0
        cur.append(line)
        n += w
    if cur:
        pieces.append("\n".join(cur))
    return pieces


def pack(text: str, max_words: int):
    """The section text as pieces of <= max_words words, cut at block boundaries where possible."""
    out, cur, n = [], [], 0
    for block in _blocks(text.split("\n")):
        if block.lstrip().startswith("```text"):            # recorded output (transcripts, samples): not indexed
            continue
        w = len(block.split())
        parts = _split_long(block, max_words) if w > max_words else [block]
        for p in parts:
            pw = len(p.split())
            if n + pw > max_words and cur:
                out.append("\n\n".join(cur))
                cur, n = [], 0
            cur.append(p)
            n += pw
    if cur:
        out.append("\n\n".join(cur))
    return out


def chunk_markdown(path: str, text: str, max_words: int = 80) -> list:
    """Chunks of one markdown file (path: its name relative to the repository, used in the ids)."""
    sections, trail, body, fence = [], [], [], False      # (slug, title, body lines)
    seen = {}

    def close():
        if any(line.strip() for line in body):
            sections.append((slug, " > ".join([path] + [h for _, h in trail]), "\n".join(body)))

    slug = "intro"
    for line in text.split("\n"):
        if line.lstrip().startswith("```"):
            fence = not fence
        m = None if fence else _HEADING.match(line)
        if m:
            close()
            body = []
            level, heading = len(m.group(1)), m.group(2).strip()
            trail = [(lv, h) for lv, h in trail if lv < level] + [(level, heading)]
            base = slugify(heading)
            k = seen.get(base, 0)
            seen[base] = k + 1
            slug = base if k == 0 else f"{base}-{k}"
        else:
            body.append(line)
    close()
    chunks = []
    for slug, title, body_text in sections:
        for n, piece in enumerate(pack(body_text, max_words), start=1):
            chunks.append(Chunk(f"{path}#{slug}-{n}", path, title, piece.strip()))
    return chunks


def chunk_docstring(path: str, source: str, max_words: int = 80) -> list:
    """Chunks of a Python module's docstring (none if it has no docstring or does not parse)."""
    try:
        doc = ast.get_docstring(ast.parse(source))
    except SyntaxError:
        return []
    if not doc:
        return []
    return [Chunk(f"{path}#docstring-{n}", path, f"{path} > module docstring", piece.strip())
            for n, piece in enumerate(pack(doc, max_words), start=1)]


def course_files(root=None) -> list:
    """The files course_chunks reads, relative to root, sorted (markdown first, then modules)."""
    root = Path(root or REPO_ROOT)
    md = sorted({p.relative_to(root).as_posix() for g in MARKDOWN_GLOBS for p in root.glob(g) if p.is_file()})
    py = sorted({p.relative_to(root).as_posix() for g in DOCSTRING_GLOBS for p in root.glob(g) if p.is_file()})
    return md + py


def course_chunks(root=None, max_words: int = 80) -> list:
    """Every chunk of the course documents under root (default: this repository), in file order."""
    if max_words < 10:
        raise ValueError(f"max_words must be >= 10, got {max_words}")
    root = Path(root or REPO_ROOT)
    chunks = []
    for rel in course_files(root):
        text = (root / rel).read_text(encoding="utf-8")
        chunks += chunk_markdown(rel, text, max_words) if rel.endswith(".md") else \
            chunk_docstring(rel, text, max_words)
    ids = [c.id for c in chunks]
    if len(set(ids)) != len(ids):                       # cannot happen with the slug rules; guard anyway
        dup = sorted({i for i in ids if ids.count(i) > 1})[:3]
        raise RuntimeError(f"duplicate chunk ids: {dup}")
    return chunks
