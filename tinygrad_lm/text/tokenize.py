"""Rule-based tokenizers with NLTK-like names: words, tweets, sentences.

Handles:
  word_tokenize(text)      Penn-Treebank-style words: punctuation split off, contractions split the
                           way the Treebank does ("don't" -> "do" "n't", "can't" -> "ca" "n't",
                           "I'm" -> "I" "'m", "cannot" -> "can" "not"), while keeping together
                           abbreviations ("U.S.A."), hyphenated words ("e-mail"), numbers ("3.50",
                           "1,000"), URLs, e-mail addresses, "..." and emoji (ZWJ sequences too).
  TweetTokenizer / tweet_tokenize(text)
                           @mentions, #hashtags, URLs, emoticons (":-)", ":D", "<3"), emoji and
                           contractions stay single tokens; optional lower-casing (emoticons keep
                           their case), elongation reduction ("soooooo" -> "sooo"), handle stripping.
  sent_tokenize(text)      sentence splitting at . ! ? followed by space + capital/digit/quote,
                           except after common abbreviations ("Dr.", "e.g.") and initials ("J.").
  regex_tokenize(text, p)  every match of a regular expression (scikit-learn's token_pattern idea).

Does not handle: Treebank quote conversion ('"' -> `` ''), Treebank splitting of "U.S." at the
end of a sentence, languages without spaces, Punkt-style learned abbreviations, nested quotes in
sentence splitting.
"""
import regex as re   # the `regex` module knows \p{Extended_Pictographic} (emoji); `re` does not

from ._checks import require_str

# ---- word_tokenize ---------------------------------------------------------------------------
_URL = r"(?:https?://|www\.)[^\s<>\"]*[^\s<>\".,!?;:)\]'’]"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_ABBREV = r"(?:[^\W\d_]\.){2,}"                      # U.S.A.  e.g.  i.e.
_NUMBER = r"\d+(?:[.,:/]\d+)*"                       # 3.50  1,000  10:30  1/2
_WORD = r"\w+(?:[-'’]\w+)*"                          # e-mail  don't  rock'n'roll
_EMOJI = (r"\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]*"             # 👍🏽  ❤️
          r"(?:\u200D\p{Extended_Pictographic}[\uFE0F\p{Emoji_Modifier}]*)*"     # 👨‍👩‍👧 (ZWJ family)
          r"|[\U0001F1E6-\U0001F1FF]{2}")                                        # 🇺🇸 (flag pair)
_PUNCT = r"\.\.\.|--|\S"                             # "..." and "--" stay whole; anything else: 1 char

WORD_PATTERN = re.compile("|".join([_URL, _EMAIL, _ABBREV, _NUMBER, _WORD, _EMOJI, _PUNCT]))

# Treebank splits these whole words in two (from NLTK's TreebankWordTokenizer CONTRACTIONS2).
_SPLIT_WORDS = {"cannot": ("can", "not"), "gimme": ("gim", "me"), "gonna": ("gon", "na"),
                "gotta": ("got", "ta"), "lemme": ("lem", "me"), "wanna": ("wan", "na")}
_CLITICS = ("'s", "'m", "'d", "'ll", "'re", "'ve")


def split_contraction(word: str):
    """Split one word the Treebank way: "don't" -> ["do", "n't"], "she'll" -> ["she", "'ll"].

    Curly apostrophes are treated like straight ones. Words that are not contractions come back
    as a one-element list.
    """
    lower = word.lower().replace("’", "'")
    if lower in _SPLIT_WORDS:
        a, _ = _SPLIT_WORDS[lower]
        return [word[:len(a)], word[len(a):]]
    if lower.endswith("n't") and len(word) > 3:
        return [word[:-3], word[-3:]]
    for clitic in _CLITICS:
        if lower.endswith(clitic) and len(word) > len(clitic):
            k = len(clitic)
            return [word[:-k], word[-k:]]
    return [word]


def word_tokenize(text: str):
    """Split text into Penn-Treebank-like word tokens (case preserved).

    >>> word_tokenize("I can't pay $3.50 for e-mail in the U.S.A.!")
    ['I', 'ca', "n't", 'pay', '$', '3.50', 'for', 'e-mail', 'in', 'the', 'U.S.A.', '!']
    """
    require_str(text, "word_tokenize")
    out = []
    for tok in WORD_PATTERN.findall(text):
        if ("'" in tok or "’" in tok or tok.lower() in _SPLIT_WORDS) and tok[0].isalnum():
            out.extend(split_contraction(tok))
        else:
            out.append(tok)
    return out


def regex_tokenize(text: str, pattern: str = r"(?u)\b\w\w+\b"):
    """Every match of `pattern` (default: scikit-learn's token_pattern, words of 2+ characters)."""
    return re.findall(pattern, text)


# ---- tweets ----------------------------------------------------------------------------------
_EMOTICON = (r"(?:[<>]?[:;=8][\-o\*']?[\)\]\(\[dDpP/:\}\{@\|\\]"     # :-)  ;D  :/  =]
             r"|[\)\]\(\[dDpP/:\}\{@\|\\][\-o\*']?[:;=8][<>]?"       # (-:  reversed
             r"|<3|</3|\^_\^|o_O|O_o|-_-)")
_MENTION = r"@\w+"
_HASHTAG = r"\#\w+"
_MONEY = r"[$€£]\d+(?:[.,]\d+)*"
TWEET_PATTERN = re.compile("|".join([_URL, _EMAIL, _EMOTICON, _MENTION, _HASHTAG, _MONEY, _NUMBER,
                                     _WORD, _EMOJI, _PUNCT]))
_EMOTICON_RE = re.compile(rf"^(?:{_EMOTICON})$")
_ELONGATED = re.compile(r"(.)\1{3,}")                 # 4+ repeats of one character


class TweetTokenizer:
    """Tokenizer for social-media text (NLTK's TweetTokenizer behaviour, regex-first).

    preserve_case=False lower-cases every token except emoticons (":D" stays ":D").
    reduce_len=True shortens runs of 4+ equal characters to 3 ("wayyyyy" -> "wayyy").
    strip_handles=True drops @mentions.
    """

    def __init__(self, preserve_case: bool = True, reduce_len: bool = False, strip_handles: bool = False):
        self.preserve_case, self.reduce_len, self.strip_handles = preserve_case, reduce_len, strip_handles

    def tokenize(self, text: str):
        require_str(text, "TweetTokenizer.tokenize")
        if self.reduce_len:
            text = _ELONGATED.sub(r"\1\1\1", text)
        tokens = TWEET_PATTERN.findall(text)
        if self.strip_handles:
            tokens = [t for t in tokens if not t.startswith("@") or len(t) == 1]
        if not self.preserve_case:
            tokens = [t if _EMOTICON_RE.match(t) else t.lower() for t in tokens]
        return tokens


def tweet_tokenize(text: str, preserve_case: bool = False, reduce_len: bool = True, strip_handles: bool = False):
    """Function form of TweetTokenizer (defaults chosen for classification: lower-case, reduce_len)."""
    return TweetTokenizer(preserve_case, reduce_len, strip_handles).tokenize(text)


# ---- sentences -------------------------------------------------------------------------------
ABBREVIATIONS = frozenset("mr mrs ms dr prof sr jr st vs etc inc ltd co corp mt jan feb mar apr jun jul aug "
                          "sep sept oct nov dec no fig e.g i.e u.s u.k a.m p.m".split())
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[\p{Lu}\d])")


def sent_tokenize(text: str):
    """Split text into sentences (a rule-based splitter, not NLTK's trained Punkt model).

    >>> sent_tokenize("Dr. Smith arrived. He was late! Was he?")
    ['Dr. Smith arrived.', 'He was late!', 'Was he?']
    """
    require_str(text, "sent_tokenize")
    sentences, start = [], 0
    for m in _BOUNDARY.finditer(text):
        if m.group().startswith("."):                          # is the period part of an abbreviation?
            before = text[start:m.start()].split()
            last = before[-1].lower().rstrip(".") if before else ""
            if last in ABBREVIATIONS or (len(last) == 1 and last.isalpha()):
                continue
        sentences.append(text[start:m.end()].strip())
        start = m.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences
