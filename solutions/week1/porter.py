"""Week 1, part 2: the Porter stemmer (M.F. Porter 1980, "An algorithm for suffix stripping").

Tasks: 1.4 the measure m, 1.5 step 1 (1a, 1b, 1c). Steps 2-5 are given: they reuse the library's
implementation (tinygrad_lm/text/porter.py), so once your step 1 works, `stem` is the full algorithm
and is graded on a 24,757-word vocabulary against the reference stems.

The paper's notation: C = a run of consonants, V = a run of vowels; every word is [C](VC)^m[V].
A letter is a vowel if it is a, e, i, o, u, or a y that follows a consonant ("toy": y is a consonant,
"syzygy": the 2nd and 4th letters are vowels). Conditions used by the rules:
    (m>0)  the stem's measure;  *v*  the stem contains a vowel;  *d  it ends with a double consonant;
    *o     it ends consonant-vowel-consonant, the last one not w, x or y ("hop", but not "snow").
"""
from tinygrad_lm.text.porter import (contains_vowel, ends_cvc, ends_double_consonant, is_consonant, step2,
                                     step3, step4, step5a, step5b)

__all__ = ["is_consonant", "measure", "step1a", "step1b", "step1c", "stem"]


def measure(stem: str) -> int:
    """Task 1.4: the measure m of a stem: the number of VC sequences in its [C](VC)^m[V] form.

    TODO: return m. Use is_consonant(stem, i) (given) to classify each letter.

    APPROACH: walk left to right remembering whether the previous letter was a vowel; count every
    position where a consonant follows a vowel (each such place closes one VC pair).

    EXAMPLE: m=0: "tr", "ee", "tree", "y", "by"; m=1: "trouble", "oats", "trees", "ivy";
             m=2: "troubles", "private", "oaten", "orrery".

    HINT: y is a vowel after a consonant: in "ivy" the letters are V C V, so m = 1, not 0.
    """
    ### BEGIN SOLUTION
    # teaching twin of tinygrad_lm/text/porter.py's measure (the tests compare the two)
    m, prev_vowel = 0, False
    for i in range(len(stem)):
        cons = is_consonant(stem, i)
        if cons and prev_vowel:
            m += 1
        prev_vowel = not cons
    return m
    ### END SOLUTION


def step1a(word: str) -> str:
    """Task 1.5: step 1a, plurals.

    TODO: apply the FIRST matching rule (the longest suffix wins):
        SSES -> SS    caresses -> caress
        IES  -> I     ponies -> poni,  ties -> ti
        SS   -> SS    caress -> caress
        S    ->       cats -> cat
    """
    ### BEGIN SOLUTION
    for suffix, repl in (("sses", "ss"), ("ies", "i"), ("ss", "ss"), ("s", "")):
        if word.endswith(suffix):
            return word[: len(word) - len(suffix)] + repl
    return word
    ### END SOLUTION


def step1b(word: str) -> str:
    """Task 1.5: step 1b, past tenses and gerunds.

    TODO:
        (m>0) EED ->     EE   feed -> feed, agreed -> agree
        (*v*) ED  ->          plastered -> plaster, bled -> bled
        (*v*) ING ->          motoring -> motor, sing -> sing
    If the 2nd or 3rd rule removed a suffix, tidy the stem (first matching line only):
        AT -> ATE     conflat(ed) -> conflate
        BL -> BLE     troubl(ed) -> trouble
        IZ -> IZE     siz(ed) -> size
        (*d and not (*L or *S or *Z)) -> single letter:  hopp(ing) -> hop, but fall(ing) -> fall
        (m=1 and *o) -> E                                 fil(ing) -> file, fail(ing) -> fail

    APPROACH: if the word ends in "eed", the first rule decides everything (apply it or return the
    word unchanged: "feed" does NOT go on to the "ed" rule). Otherwise try "ed", then "ing".
    Given helpers: measure (yours), contains_vowel, ends_double_consonant, ends_cvc.

    HINT: the conditions are tested on the STEM (word without the suffix): "sing" has no vowel in
    "s", so it stays; "bled" has none in "bl".
    """
    ### BEGIN SOLUTION
    if word.endswith("eed"):                                   # (m>0) EED -> EE
        return word[:-1] if measure(word[:-3]) > 0 else word
    stem = None
    for suffix in ("ed", "ing"):                               # (*v*) ED -> , (*v*) ING ->
        if word.endswith(suffix) and contains_vowel(word[: -len(suffix)]):
            stem = word[: -len(suffix)]
            break
    if stem is None:                                           # nothing removed: nothing to tidy
        return word
    if stem.endswith(("at", "bl", "iz")):                      # AT -> ATE, BL -> BLE, IZ -> IZE
        return stem + "e"
    if ends_double_consonant(stem):                            # *d and not (*L or *S or *Z)
        return stem if stem[-1] in "lsz" else stem[:-1]
    if measure(stem) == 1 and ends_cvc(stem):                  # (m=1 and *o) -> E
        return stem + "e"
    return stem
    ### END SOLUTION


def step1c(word: str) -> str:
    """Task 1.5: step 1c.

    TODO: (*v*) Y -> I: a final y becomes i if the rest of the word contains a vowel.
    EXAMPLE: happy -> happi, sky -> sky.
    """
    ### BEGIN SOLUTION
    if word.endswith("y") and contains_vowel(word[:-1]):
        return word[:-1] + "i"
    return word
    ### END SOLUTION


def stem(word: str) -> str:
    """The full stemmer: your step 1, then the library's steps 2 to 5 (given)."""
    word = word.lower()
    for step in (step1a, step1b, step1c, step2, step3, step4, step5a, step5b):
        word = step(word)
    return word
