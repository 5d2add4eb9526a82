"""Text normalization: make equal-looking strings equal before tokenizing.

Handles: HTML-entity unescaping ("&amp;" -> "&"), Unicode NFKC (full-width letters, ligatures like
"ﬁ", superscripts become their plain forms), lower-casing (str.casefold is NOT used: it turns "ß" into
"ss", which is more than a lower-caser should do), optional accent stripping ("café" -> "cafe", by
decomposing to NFD and dropping combining marks), and whitespace collapsing (runs of spaces, tabs,
newlines and Unicode spaces become one space; ends are stripped).

Does not handle: spelling correction, number normalization, emoji names, language detection,
transliteration of non-Latin scripts (accent stripping keeps every base character).
"""
import html
import re
import unicodedata

from ._checks import require_str

_WHITESPACE = re.compile(r"\s+")   # Python's \s matches Unicode spaces (NBSP, U+2003, ...) too


def strip_accents(text: str) -> str:
    """Remove diacritics: NFD splits "é" into "e" + U+0301 COMBINING ACUTE; drop the combining marks."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def collapse_whitespace(text: str) -> str:
    """Replace every run of whitespace by a single space and strip both ends."""
    return _WHITESPACE.sub(" ", text).strip()


def normalize(text: str, lowercase: bool = True, unescape_html: bool = True, nfkc: bool = True,
              accents: bool = False, whitespace: bool = True) -> str:
    """Normalize one string. Steps run in this order: unescape HTML, NFKC, lower-case, strip accents
    (only when accents=True), collapse whitespace.

    >>> normalize("  Caf\\u00e9 &amp; ＢＡＲ\\n\\tok ", accents=True)
    'cafe & bar ok'
    """
    require_str(text, "normalize")
    if unescape_html:
        text = html.unescape(text)          # "&amp;lt;" needs two passes; one is what browsers do
    if nfkc:
        text = unicodedata.normalize("NFKC", text)
    if lowercase:
        text = text.lower()
    if accents:
        text = strip_accents(text)
    if whitespace:
        text = collapse_whitespace(text)
    return text
