"""Week 1 autograder: normalization (1.1), tokenizer (1.2), stop words and n-grams (1.3)."""
import pytest

from tinygrad_lm.course import assert_equal, load

mod = load("week1.preprocess")


# ---- 1.1 -------------------------------------------------------------------------------------
@pytest.mark.task("1.1", points=2, title="normalize")
@pytest.mark.parametrize("text,kw,expected,hint", [
    ("Hello World", {}, "hello world", "lower-case the text"),
    ("fish &amp; chips &lt;3 &#39;yes&#39;", {}, "fish & chips <3 'yes'", "html.unescape"),
    ("ＦＵＬＬ ｗｉｄｔｈ \ufb01ne", {}, "full width fine", "unicodedata.normalize('NFKC', ...)"),
    ("  a \t\n b\u00a0\u2003c  ", {}, "a b c", "collapse every whitespace run (incl. U+00A0) and strip"),
    ("Café naïve", {"strip_accents": True}, "cafe naive", "NFD, then drop unicodedata.combining chars"),
    ("Café", {}, "café", "accents are kept unless strip_accents=True"),
    ("a&nbsp;&nbsp;b", {}, "a b", "unescape BEFORE collapsing whitespace"),
])
def test_normalize(text, kw, expected, hint):
    assert_equal(mod.normalize(text, **kw), expected, name=f"normalize({text!r}, {kw})", hint=hint)


# ---- 1.2 -------------------------------------------------------------------------------------
CASES = [
    ("don't stop", ["do", "n't", "stop"], "split n't off: 'do' + \"n't\""),
    ("I can't", ["I", "ca", "n't"], "Treebank: can't -> ca + n't"),
    ("I'm sure she'll", ["I", "'m", "sure", "she", "'ll"], "split the clitics 'm 'll 's 'd 're 've"),
    ("the U.S.A. won", ["the", "U.S.A.", "won"], "ABBREVIATION must come before WORD in the pattern"),
    ("send an e-mail", ["send", "an", "e-mail"], "hyphenated words stay whole"),
    ("only $3.50!", ["only", "$", "3.50", "!"], "numbers with decimals stay whole; '$' is its own token"),
    ("1,000 fans", ["1,000", "fans"], "numbers with thousands separators stay whole"),
    ("visit https://example.com/a?b=1.", ["visit", "https://example.com/a?b=1", "."],
     "URLs stay whole but do not swallow the final '.'"),
    ("wait... what?!", ["wait", "...", "what", "?", "!"], "'...' is one token, other punctuation one char each"),
    ("so good 😀!", ["so", "good", "😀", "!"], "an emoji is a symbol token of its own"),
    ('"Hi," he said (quietly).', ['"', "Hi", ",", '"', "he", "said", "(", "quietly", ")", "."],
     "quotes, commas and parentheses are separate tokens"),
    ("DON'T", ["DO", "N'T"], "compare case-insensitively, but keep the original case"),
]


@pytest.mark.task("1.2", points=3, title="regex word tokenizer")
@pytest.mark.parametrize("text,expected,hint", CASES, ids=[c[0] for c in CASES])
def test_tokenize(text, expected, hint):
    assert_equal(mod.tokenize(text), expected, name=f"tokenize({text!r})", hint=hint)


# ---- 1.3 -------------------------------------------------------------------------------------
@pytest.mark.task("1.3", points=1, title="stop words and n-grams")
def test_remove_stopwords():
    assert_equal(mod.remove_stopwords(["The", "movie", "is", "not", "good", "."]), ["movie", "good", "."],
                 name="remove_stopwords(['The', 'movie', 'is', 'not', 'good', '.'])",
                 hint="compare the LOWER-CASED token with the stop list; keep the order")


@pytest.mark.task("1.3", points=1, title="stop words and n-grams")
def test_ngrams():
    toks = ["not", "very", "good"]
    assert_equal(mod.ngrams(toks, 2), ["not very", "very good"], name="ngrams(['not','very','good'], 2)",
                 hint="L tokens have L - n + 1 n-grams (i in range(len(tokens) - n + 1)), joined by one space")
    assert_equal(mod.ngrams(toks, 3), ["not very good"], name="ngrams(..., 3)")
    assert_equal(mod.ngrams(toks, 1), toks, name="ngrams(..., 1)")
    assert_equal(mod.ngrams(toks, 4), [], name="ngrams(..., 4)", hint="fewer than n tokens -> []")
    with pytest.raises(ValueError):
        mod.ngrams(toks, 0)
