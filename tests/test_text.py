"""tinygrad_lm.text: normalization, tokenizers, stop words, n-grams."""
import pytest

from tinygrad_lm.text.ngrams import everygrams, join_ngrams, ngrams
from tinygrad_lm.text.normalize import collapse_whitespace, normalize, strip_accents
from tinygrad_lm.text.stopwords import ENGLISH_STOP_WORDS, remove_stopwords
from tinygrad_lm.text.tokenize import (TweetTokenizer, regex_tokenize, sent_tokenize, split_contraction,
                                       tweet_tokenize, word_tokenize)


def test_normalize_steps():
    assert normalize("  Caf\u00e9 &amp; ＢＡＲ\n\tok ") == "caf\u00e9 & bar ok"
    assert normalize("Caf\u00e9", accents=True) == "cafe"
    assert normalize("\ufb01ne x\u00b2", lowercase=False) == "fine x2"          # NFKC: ligature, superscript
    assert normalize("A\u00a0\u2003B", lowercase=False) == "A B"               # unicode spaces collapse
    assert normalize("Straße") == "straße"                                     # lower(), not casefold()
    assert strip_accents("naïve résumé") == "naive resume"
    assert collapse_whitespace(" a \n\n b ") == "a b"
    with pytest.raises(TypeError):
        normalize(None)


@pytest.mark.parametrize("text,tokens", [
    ("don't", ["do", "n't"]), ("can't", ["ca", "n't"]), ("I'm here.", ["I", "'m", "here", "."]),
    ("She'll go", ["She", "'ll", "go"]), ("cannot", ["can", "not"]),
    ("the U.S.A. is big", ["the", "U.S.A.", "is", "big"]), ("e-mail me", ["e-mail", "me"]),
    ("it costs $3.50, ok?", ["it", "costs", "$", "3.50", ",", "ok", "?"]), ("1,000 people", ["1,000", "people"]),
    ("see https://example.com/a?b=1.", ["see", "https://example.com/a?b=1", "."]),
    ("mail a.b@c.org now", ["mail", "a.b@c.org", "now"]), ("wait...", ["wait", "..."]),
    ("great 😀👍🏽!", ["great", "😀", "👍🏽", "!"]), ("rock'n'roll", ["rock'n'roll"]),
    ('"Hi," he said (quietly).', ['"', "Hi", ",", '"', "he", "said", "(", "quietly", ")", "."]),
])
def test_word_tokenize(text, tokens):
    assert word_tokenize(text) == tokens


def test_split_contraction_and_regex():
    assert split_contraction("won't") == ["wo", "n't"] and split_contraction("cat") == ["cat"]
    assert regex_tokenize("a bb ccc, dd!") == ["bb", "ccc", "dd"]


def test_tweet_tokenizer():
    t = "@united Sooooo HAPPY :D #blessed http://t.co/xyz can't wait 👨‍👩‍👧 <3"
    assert tweet_tokenize(t) == ["@united", "sooo", "happy", ":D", "#blessed", "http://t.co/xyz", "can't",
                                 "wait", "👨\u200d👩\u200d👧", "<3"]
    assert TweetTokenizer(strip_handles=True).tokenize("@a hi :-)") == ["hi", ":-)"]
    assert TweetTokenizer().tokenize("$5 off") == ["$5", "off"]


def test_sent_tokenize():
    assert sent_tokenize("Dr. Smith arrived. He was late! Was he? J. R. Tolkien wrote it. \"Yes.\" The end") == \
        ["Dr. Smith arrived.", "He was late!", "Was he?", "J. R. Tolkien wrote it.", '"Yes."', "The end"]
    assert sent_tokenize("") == []
    assert sent_tokenize("pi is 3.14 today. ok") == ["pi is 3.14 today. ok"]   # lower-case next word: no split


def test_stopwords_and_ngrams():
    assert len(ENGLISH_STOP_WORDS) == 179 and "not" in ENGLISH_STOP_WORDS and "movie" not in ENGLISH_STOP_WORDS
    assert remove_stopwords(["The", "movie", "is", "not", "good"]) == ["movie", "good"]
    assert ngrams("abc", 2) == [("a", "b"), ("b", "c")]
    assert ngrams(["a"], 2, pad_left=True, pad_right=True) == [("<s>", "a"), ("a", "</s>")]
    assert join_ngrams(everygrams(["a", "b", "c"], 1, 2)) == ["a", "b", "c", "a b", "b c"]
    with pytest.raises(ValueError):
        ngrams(["a"], 0)


def test_wrong_argument_types_name_the_problem():
    from tinygrad_lm.text import PorterStemmer, sent_tokenize, tweet_tokenize
    with pytest.raises(TypeError, match="remove_stopwords expects a list of tokens, got a str"):
        remove_stopwords("the movie")                       # would silently filter single characters
    with pytest.raises(TypeError, match=r"decode bytes first"):
        tweet_tokenize(b"@united thanks")
    with pytest.raises(TypeError, match="PorterStemmer.stem expects a str, got NoneType"):
        PorterStemmer().stem(None)
    with pytest.raises(TypeError, match="sent_tokenize expects a str"):
        sent_tokenize(None)
