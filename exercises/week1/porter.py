# Generated from solutions/week1/porter.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week1/porter.py.
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

    APPROACH: stuck? `tglm hint 1.4` shows the approach one step at a time.

    EXAMPLE: m=0: "tr", "ee", "tree", "y", "by"; m=1: "trouble", "oats", "trees", "ivy";
             m=2: "troubles", "private", "oaten", "orrery".

    HINT: y is a vowel after a consonant: in "ivy" the letters are V C V, so m = 1, not 0.
    """
    raise NotImplementedError("Week 1, task 1.4: the measure m of a stem: the number of VC sequences in its [C](VC)^m[V] form.")


def step1a(word: str) -> str:
    """Task 1.5: step 1a, plurals.

    TODO: apply the FIRST matching rule (the longest suffix wins):
        SSES -> SS    caresses -> caress
        IES  -> I     ponies -> poni,  ties -> ti
        SS   -> SS    caress -> caress
        S    ->       cats -> cat
    """
    raise NotImplementedError("Week 1, task 1.5: step 1a, plurals.")


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

    APPROACH: stuck? `tglm hint 1.5` shows the approach one step at a time.

    HINT: the conditions are tested on the STEM (word without the suffix): "sing" has no vowel in
    "s", so it stays; "bled" has none in "bl".
    """
    raise NotImplementedError("Week 1, task 1.5: step 1b, past tenses and gerunds.")


def step1c(word: str) -> str:
    """Task 1.5: step 1c.

    TODO: (*v*) Y -> I: a final y becomes i if the rest of the word contains a vowel.
    EXAMPLE: happy -> happi, sky -> sky.
    """
    raise NotImplementedError("Week 1, task 1.5: step 1c.")


def stem(word: str) -> str:
    """The full stemmer: your step 1, then the library's steps 2 to 5 (given)."""
    word = word.lower()
    for step in (step1a, step1b, step1c, step2, step3, step4, step5a, step5b):
        word = step(word)
    return word
