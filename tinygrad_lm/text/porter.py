"""The Porter stemmer, exactly as published: M.F. Porter (1980), "An algorithm for suffix stripping",
Program 14(3), 130-137.

Handles: lower-case English words, steps 1a, 1b, 1c, 2, 3, 4, 5a, 5b with the paper's rules and
conditions (measure m, *v*, *d, *o, *S), the paper's rule "ABLI -> ABLE" in step 2.
`PorterStemmer().stem(word)` lower-cases its input first (like NLTK).

Three modes, named like NLTK's (`PorterStemmer(mode=...)`; the default is the paper):
  ORIGINAL_ALGORITHM  the 1980 paper, as below.
  MARTIN_EXTENSIONS   Martin Porter's own later implementations: words of <= 2 letters are returned
                      unchanged; step 2 has "bli -> ble" instead of "abli -> able" and an extra
                      (m>0) "logi -> log".
  NLTK_EXTENSIONS     NLTK's default mode, the one Google's rouge-score uses for use_stemmer=True:
                      MARTIN's changes (but "logi -> log" when m(stem + "l") > 0) plus
                        * a pool of irregular forms looked up first: sky/skies -> sky, dying -> die,
                          lying -> lie, tying -> tie, news, inning(s), outing(s), canning(s), howe,
                          proceed, exceed, succeed (the last eight map to themselves / singular);
                        * step 1a: a 4-letter word in -IES -> -IE ("ties" -> "tie");
                        * step 1b: -IED -> -IE in a 4-letter word, else -IED -> -I ("cried" -> "cri");
                        * step 1c: Y -> I only after a consonant that is not the word's first letter
                          ("happy" -> "happi", "enjoy" stays, "cry" -> "cri", "by" stays);
                        * step 2: (m>0) ALLI -> AL and then step 2 again; (m>0) FULLI -> FUL;
                        * *o also holds for a 2-letter stem vowel-consonant ("ow", "ag"), which
                          changes steps 1b and 5a.

Agreement: identical to NLTK's PorterStemmer(mode=PorterStemmer.ORIGINAL_ALGORITHM) on the 20k+ word
fixture tests/fixtures/text/porter_vocab.tsv (see tests/test_porter.py), and to NLTK's
NLTK_EXTENSIONS and MARTIN_EXTENSIONS modes on tests/fixtures/text/porter_modes_vocab.tsv
(tests/test_porter_modes.py).

Deliberate differences from Martin Porter's later reference C/ANSI implementation (the one that
produced his voc.txt/output.txt files), where this module follows the 1980 paper instead:
  * step 2 uses "abli -> able" (paper) instead of "bli -> ble", and has no "logi -> log" rule;
  * words of one or two letters are stemmed too ("as" -> "a"), as the paper describes; the C code
    returns them unchanged (`if (k <= k0+1) return`).
Does not handle: Porter2/Snowball English,
non-English words (any letter that is not a, e, i, o, u or a vowel-like y counts as a consonant).

Notation from the paper: a word is [C](VC)^m[V]; m is the "measure". *v* = the stem contains a
vowel; *d = ends with a double consonant; *o = ends consonant-vowel-consonant, last not w, x, y.
"""
from ._checks import require_str

ORIGINAL_ALGORITHM = "ORIGINAL_ALGORITHM"
MARTIN_EXTENSIONS = "MARTIN_EXTENSIONS"
NLTK_EXTENSIONS = "NLTK_EXTENSIONS"
MODES = (ORIGINAL_ALGORITHM, MARTIN_EXTENSIONS, NLTK_EXTENSIONS)

# NLTK_EXTENSIONS only: looked up (after lower-casing) before any step.
_IRREGULAR = {"sky": ["sky", "skies"], "die": ["dying"], "lie": ["lying"], "tie": ["tying"],
              "news": ["news"], "inning": ["innings", "inning"], "outing": ["outings", "outing"],
              "canning": ["cannings", "canning"], "howe": ["howe"], "proceed": ["proceed"],
              "exceed": ["exceed"], "succeed": ["succeed"]}
NLTK_POOL = {form: base for base, forms in _IRREGULAR.items() for form in forms}


def is_consonant(word: str, i: int) -> bool:
    """Letter i is a consonant: not a/e/i/o/u, and y only when it follows a vowel (or starts the word).

    The definition is recursive (y after a consonant-y is a vowel); we walk back over the run of y's
    instead of recursing, so "yyyy...y" of any length works.
    """
    ch = word[i]
    if ch in "aeiou":
        return False
    if ch != "y":
        return True
    flips = 0                                   # y's before i in the same run
    while i > 0 and word[i - 1] == "y":
        i, flips = i - 1, flips + 1
    first_is_consonant = i == 0 or word[i - 1] in "aeiou"   # the run's first y
    return first_is_consonant != (flips % 2 == 1)


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


def ends_cvc(word: str, mode: str = ORIGINAL_ALGORITHM) -> bool:
    """*o: ends consonant-vowel-consonant and the last consonant is not w, x or y ("hop", not "snow").

    NLTK_EXTENSIONS: a 2-letter word vowel-consonant counts too (any consonant, w/x/y included).
    """
    if (len(word) >= 3 and is_consonant(word, len(word) - 3) and not is_consonant(word, len(word) - 2)
            and is_consonant(word, len(word) - 1) and word[-1] not in "wxy"):
        return True
    return mode == NLTK_EXTENSIONS and len(word) == 2 and not is_consonant(word, 0) and is_consonant(word, 1)


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


def step1a(word: str, mode: str = ORIGINAL_ALGORITHM) -> str:
    """SSES -> SS, IES -> I, SS -> SS, S -> ''  (caresses -> caress, ponies -> poni, cats -> cat).

    NLTK_EXTENSIONS: a 4-letter word ending IES -> IE (ties -> tie, pies -> pie).
    """
    if mode == NLTK_EXTENSIONS and len(word) == 4 and word.endswith("ies"):
        return word[:-1]
    return _apply_rules(word, [("sses", "ss", _always), ("ies", "i", _always),
                               ("ss", "ss", _always), ("s", "", _always)])


def step1b(word: str, mode: str = ORIGINAL_ALGORITHM) -> str:
    """(m>0) EED -> EE; (*v*) ED -> ''; (*v*) ING -> '', then tidy the stem (hopping -> hop, filing -> file).

    NLTK_EXTENSIONS: first, IED -> IE in a 4-letter word (tied -> tie), else IED -> I (cried -> cri),
    with no condition and nothing else done in this step.
    """
    if mode == NLTK_EXTENSIONS and word.endswith("ied"):
        return word[:-1] if len(word) == 4 else word[:-2]
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
    if measure(stem) == 1 and ends_cvc(stem, mode):
        return stem + "e"                                   # fil(ing) -> file
    return stem


def step1c(word: str, mode: str = ORIGINAL_ALGORITHM) -> str:
    """(*v*) Y -> I  (happy -> happi, sky -> sky).

    NLTK_EXTENSIONS: the condition is instead "the stem has >= 2 letters and ends with a consonant"
    (happy -> happi, cry -> cri, enjoy stays, by stays).
    """
    if mode == NLTK_EXTENSIONS:
        return _apply_rules(word, [("y", "i", lambda st: len(st) > 1 and is_consonant(st, len(st) - 1))])
    return _apply_rules(word, [("y", "i", contains_vowel)])


_STEP2 = [("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
          ("abli", "able"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
          ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
          ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble")]
_STEP3 = [("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"),
          ("ful", ""), ("ness", "")]
_STEP4 = ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion",
          "ou", "ism", "ate", "iti", "ous", "ive", "ize"]


def step2(word: str, mode: str = ORIGINAL_ALGORITHM) -> str:
    """(m>0) double suffixes to single ones: relational -> relate, hesitanci -> hesitance.

    MARTIN/NLTK: "bli -> ble" replaces "abli -> able" (same place in the list); a last rule
    "logi -> log" is added, with condition m(stem) > 0 (MARTIN) or m(stem + "l") > 0 (NLTK).
    NLTK only: (m>0) ALLI -> AL is applied first and step 2 runs again on the result
    (radicalli -> radical -> radical); "fulli -> ful" is added before "logi".
    """
    if mode == ORIGINAL_ALGORITHM:
        return _apply_rules(word, [(s, r, _m_gt0) for s, r in _STEP2])
    if mode == NLTK_EXTENSIONS and word.endswith("alli") and measure(word[:-4]) > 0:
        return step2(word[:-4] + "al", mode)
    rules = [("bli", "ble") if s == "abli" else (s, r) for s, r in _STEP2]
    rules = [(s, r, _m_gt0) for s, r in rules]
    if mode == NLTK_EXTENSIONS:
        rules += [("fulli", "ful", _m_gt0), ("logi", "log", lambda stem: measure(stem + "l") > 0)]
    else:
        rules += [("logi", "log", _m_gt0)]
    return _apply_rules(word, rules)


def step3(word: str) -> str:
    """(m>0) -IC-, -FULL, -NESS etc.: triplicate -> triplic, hopeful -> hope, goodness -> good."""
    return _apply_rules(word, [(s, r, _m_gt0) for s, r in _STEP3])


def step4(word: str) -> str:
    """(m>1) remove a suffix: revival -> reviv, adjustment -> adjust; ION only after S or T."""
    rules = [(s, "", _m_gt1) for s in _STEP4]
    ion = _STEP4.index("ion")
    rules[ion] = ("ion", "", lambda stem: measure(stem) > 1 and stem[-1:] in ("s", "t"))
    return _apply_rules(word, rules)


def step5a(word: str, mode: str = ORIGINAL_ALGORITHM) -> str:
    """(m>1) E -> ''; (m=1 and not *o) E -> ''  (probate -> probat, rate stays, cease -> ceas)."""
    if word.endswith("e"):
        stem = word[:-1]
        m = measure(stem)
        if m > 1 or (m == 1 and not ends_cvc(stem, mode)):
            return stem
    return word


def step5b(word: str) -> str:
    """(m>1 and *d and *L) -> single letter  (controll -> control, roll stays)."""
    if word.endswith("ll") and measure(word[:-1]) > 1:
        return word[:-1]
    return word


class PorterStemmer:
    """`PorterStemmer().stem("generalizations") == "gener"`. Results are cached per word.

    `PorterStemmer(mode=PorterStemmer.NLTK_EXTENSIONS)` stems like NLTK's default PorterStemmer().
    """
    ORIGINAL_ALGORITHM, MARTIN_EXTENSIONS, NLTK_EXTENSIONS = ORIGINAL_ALGORITHM, MARTIN_EXTENSIONS, NLTK_EXTENSIONS

    def __init__(self, mode: str = ORIGINAL_ALGORITHM):
        if mode not in MODES:
            raise ValueError(f"PorterStemmer: unknown mode {mode!r}; use one of {', '.join(MODES)} "
                             f"(e.g. PorterStemmer.NLTK_EXTENSIONS)")
        self.mode = mode
        self._cache = {}

    def stem(self, word: str) -> str:
        require_str(word, "PorterStemmer.stem")
        out = self._cache.get(word)
        if out is None:
            out = self._stem(word)
            self._cache[word] = out
        return out

    def _stem(self, word: str) -> str:
        lower, mode = word.lower(), self.mode
        if mode == NLTK_EXTENSIONS and lower in NLTK_POOL:
            return NLTK_POOL[lower]
        if mode != ORIGINAL_ALGORITHM and len(word) <= 2:   # NLTK measures the word before lower()
            return lower
        out = lower
        for step in (step1a, step1b, step1c, step2):
            out = step(out, mode)
        out = step5a(step4(step3(out)), mode)
        return step5b(out)

    def __call__(self, word: str) -> str:
        return self.stem(word)


def stem(word: str) -> str:
    """Stem one word with a module-level PorterStemmer."""
    return _DEFAULT.stem(word)


_DEFAULT = PorterStemmer()
