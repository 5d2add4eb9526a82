"""The Porter stemmer, exactly as published: M.F. Porter (1980), "An algorithm for suffix stripping",
Program 14(3), 130-137.

Handles: lower-case English words, steps 1a, 1b, 1c, 2, 3, 4, 5a, 5b with the paper's rules and
conditions (measure m, *v*, *d, *o, *S), the paper's rule "ABLI -> ABLE" in step 2.
`PorterStemmer().stem(word)` lower-cases its input first (like NLTK).

Agreement: identical to NLTK's PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM) on the 20k+ word
fixture tests/fixtures/text/porter_vocab.tsv (see tests/test_porter.py).

Deliberate differences from Martin Porter's later reference C/ANSI implementation (the one that
produced his voc.txt/output.txt files), where this module follows the 1980 paper instead:
  * step 2 uses "abli -> able" (paper) instead of "bli -> ble", and has no "logi -> log" rule;
  * words of one or two letters are stemmed too ("as" -> "a"), as the paper describes; the C code
    returns them unchanged (`if (k <= k0+1) return`).
Does not handle: NLTK's extra irregular forms ("dying" -> "die"), Porter2/Snowball English,
non-English words (any letter that is not a, e, i, o, u or a vowel-like y counts as a consonant).

Notation from the paper: a word is [C](VC)^m[V]; m is the "measure". *v* = the stem contains a
vowel; *d = ends with a double consonant; *o = ends consonant-vowel-consonant, last not w, x, y.
"""
from ._checks import require_str


def is_consonant(word: str, i: int) -> bool:
    """Letter i is a consonant: not a/e/i/o/u, and y only when it follows a vowel (or starts the word)."""
    ch = word[i]
    if ch in "aeiou":
        return False
    if ch == "y":
        return i == 0 or not is_consonant(word, i - 1)
    return True


def measure(stem: str) -> int:
    """m in [C](VC)^m[V]: the number of vowel->consonant transitions. measure("trouble") == 1."""
    m, prev_vowel = 0, False
    for i in range(len(stem)):
        cons = is_consonant(stem, i)
        if cons and prev_vowel:
            m += 1
        prev_vowel = not cons
    return m


def contains_vowel(stem: str) -> bool:
    """*v*"""
    return any(not is_consonant(stem, i) for i in range(len(stem)))


def ends_double_consonant(word: str) -> bool:
    """*d: "hopp", "fall" (but not "see")."""
    return len(word) >= 2 and word[-1] == word[-2] and is_consonant(word, len(word) - 1)


def ends_cvc(word: str) -> bool:
    """*o: ends consonant-vowel-consonant and the last consonant is not w, x or y ("hop", not "snow")."""
    return (len(word) >= 3 and is_consonant(word, len(word) - 3) and not is_consonant(word, len(word) - 2)
            and is_consonant(word, len(word) - 1) and word[-1] not in "wxy")


def _apply_rules(word: str, rules):
    """Find the FIRST rule whose suffix ends `word`; apply it if its condition holds on the stem.

    Whether or not the condition holds, no later rule is tried (the paper: "only one rule from a
    step is applied, the one with the longest matching suffix" -- rules are listed longest first
    wherever two suffixes overlap).
    """
    for suffix, replacement, condition in rules:
        if word.endswith(suffix):
            stem = word[: len(word) - len(suffix)]
            return stem + replacement if condition(stem) else word
    return word


def _m_gt0(stem):
    return measure(stem) > 0


def _m_gt1(stem):
    return measure(stem) > 1


def _always(stem):
    return True


def step1a(word: str) -> str:
    """SSES -> SS, IES -> I, SS -> SS, S -> ''  (caresses -> caress, ponies -> poni, cats -> cat)."""
    return _apply_rules(word, [("sses", "ss", _always), ("ies", "i", _always),
                               ("ss", "ss", _always), ("s", "", _always)])


def step1b(word: str) -> str:
    """(m>0) EED -> EE; (*v*) ED -> ''; (*v*) ING -> '', then tidy the stem (hopping -> hop, filing -> file)."""
    if word.endswith("eed"):
        stem = word[:-3]
        return stem + "ee" if measure(stem) > 0 else word
    for suffix in ("ed", "ing"):
        if word.endswith(suffix) and contains_vowel(word[: -len(suffix)]):
            stem = word[: -len(suffix)]
            break
    else:
        return word
    # The second part of step 1b runs only when ED or ING was removed.
    if stem.endswith(("at", "bl", "iz")):
        return stem + "e"                                   # conflat(ed) -> conflate
    if ends_double_consonant(stem):
        return stem if stem[-1] in "lsz" else stem[:-1]     # hopp(ing) -> hop, fall(ing) stays
    if measure(stem) == 1 and ends_cvc(stem):
        return stem + "e"                                   # fil(ing) -> file
    return stem


def step1c(word: str) -> str:
    """(*v*) Y -> I  (happy -> happi, sky -> sky)."""
    return _apply_rules(word, [("y", "i", contains_vowel)])


_STEP2 = [("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
          ("abli", "able"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
          ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
          ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble")]
_STEP3 = [("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"),
          ("ful", ""), ("ness", "")]
_STEP4 = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion",
          "ou", "ism", "ate", "iti", "ous", "ive", "ize"]


def step2(word: str) -> str:
    """(m>0) double suffixes to single ones: relational -> relate, hesitanci -> hesitance."""
    return _apply_rules(word, [(s, r, _m_gt0) for s, r in _STEP2])


def step3(word: str) -> str:
    """(m>0) -IC-, -FULL, -NESS etc.: triplicate -> triplic, hopeful -> hope, goodness -> good."""
    return _apply_rules(word, [(s, r, _m_gt0) for s, r in _STEP3])


def step4(word: str) -> str:
    """(m>1) remove a suffix: revival -> reviv, adjustment -> adjust; ION only after S or T."""
    rules = [(s, "", _m_gt1) for s in _STEP4]
    ion = _STEP4.index("ion")
    rules[ion] = ("ion", "", lambda stem: measure(stem) > 1 and stem[-1:] in ("s", "t"))
    return _apply_rules(word, rules)


def step5a(word: str) -> str:
    """(m>1) E -> ''; (m=1 and not *o) E -> ''  (probate -> probat, rate stays, cease -> ceas)."""
    if word.endswith("e"):
        stem = word[:-1]
        m = measure(stem)
        if m > 1 or (m == 1 and not ends_cvc(stem)):
            return stem
    return word


def step5b(word: str) -> str:
    """(m>1 and *d and *L) -> single letter  (controll -> control, roll stays)."""
    if word.endswith("ll") and measure(word[:-1]) > 1:
        return word[:-1]
    return word


class PorterStemmer:
    """`PorterStemmer().stem("generalizations") == "gener"`. Results are cached per word."""

    def __init__(self):
        self._cache = {}

    def stem(self, word: str) -> str:
        require_str(word, "PorterStemmer.stem")
        word = word.lower()
        out = self._cache.get(word)
        if out is None:
            out = word
            for step in (step1a, step1b, step1c, step2, step3, step4, step5a, step5b):
                out = step(out)
            self._cache[word] = out
        return out

    def __call__(self, word: str) -> str:
        return self.stem(word)


def stem(word: str) -> str:
    """Stem one word with a module-level PorterStemmer."""
    return _DEFAULT.stem(word)


_DEFAULT = PorterStemmer()
