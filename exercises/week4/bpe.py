# Generated from solutions/week4/bpe.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week4/bpe.py.
"""Week 4, part 1: byte-level BPE (byte pair encoding), the tokenizer of GPT-2, GPT-4 and Llama 3.

A tokenizer turns text into integer ids. Byte-level BPE starts from the 256 possible bytes (so any
text at all can be encoded, no "unknown" token) and LEARNS merges: the most frequent adjacent pair
of tokens becomes a new token, again and again, until the vocabulary has the size you asked for.

    text ──regex──> chunks ──UTF-8──> byte ids ──merges──> token ids      (encode)
    token ids ──vocab──> bytes ──UTF-8──> text                            (decode)

The regex (GPT-2's pattern, in tinygrad_lm/tokenizers/patterns.py) cuts text into chunks such as
"Hello", " world", "!" first, and merges never cross a chunk boundary: otherwise "dog." "dog!" and
"dog?" would each become a token.

Conventions used by every task (the library's ByteLevelBPE uses the same ones, and the tests
compare against it):
- a merge is a pair (a, b) of token ids; merge i creates token id 256 + i;
- merges are a list, in the order they were learned (= priority when encoding: earlier first);
- TIE-BREAKING: the pair with the highest count wins; among pairs with equal counts, the smallest
  pair (a, b) wins (compare a first, then b).

Scope: the textbook algorithm, slow on purpose (recounts everything after each merge).
Not here: the fast trainer (incremental counts + heap, tinygrad_lm/tokenizers/bpe_train.py),
the chunk cache, special tokens, save/load: see tinygrad_lm/tokenizers/bpe.py.
"""
from tinygrad_lm.tokenizers.patterns import GPT2_PATTERN, split_chunks


def get_pair_counts(ids, counts=None):
    """Task 4.1: count adjacent pairs of token ids.

    TODO: return a dict {(a, b): number of times b directly follows a in ids}. If `counts` is
    given, add to it (and return it) instead of starting from an empty dict: the training loop
    uses this to count pairs over many chunks.

    APPROACH: stuck? `tglm hint 4.1` shows the approach one step at a time.

    EXAMPLE: get_pair_counts([1, 2, 3, 1, 2]) == {(1, 2): 2, (2, 3): 1, (3, 1): 1}
             get_pair_counts([], None) == {};  get_pair_counts([7], None) == {}

    HINT: overlapping pairs count: [5, 5, 5] has the pair (5, 5) twice.
    """
    raise NotImplementedError("Week 4, task 4.1: count adjacent pairs of token ids.")


def merge_pair(ids, pair, new_id):
    """Task 4.2: replace every occurrence of `pair` in `ids` by `new_id`.

    TODO: return a NEW list; scan left to right; where ids[i], ids[i + 1] equals pair, emit
    new_id and skip both, otherwise emit ids[i] and move one step.

    APPROACH: stuck? `tglm hint 4.2` shows the approach one step at a time.

    EXAMPLE: merge_pair([1, 2, 3, 1, 2], (1, 2), 256) == [256, 3, 256]
             merge_pair([5, 5, 5], (5, 5), 256) == [256, 5]      (left to right, no overlap)

    HINT: check i + 1 < len(ids) before looking at ids[i + 1]; do not modify the input list.
    """
    raise NotImplementedError("Week 4, task 4.2: replace every occurrence of `pair` in `ids` by `new_id`.")


def train(text, vocab_size, pattern=GPT2_PATTERN):
    """Task 4.3: learn vocab_size - 256 merges from text; return them as a list of pairs.

    TODO:
      1. chunks = split_chunks(text, pattern) (given), and turn each chunk into a list of its
         UTF-8 byte values: list(chunk.encode("utf-8")).
      2. For merge i = 0, 1, ... while len(merges) < vocab_size - 256:
         count pairs over ALL chunks (get_pair_counts with the shared `counts` dict), pick the
         best pair by the tie-breaking rule, stop early if there is no pair or its count is < 2,
         append it to merges, and replace it by 256 + i in every chunk (merge_pair).

    APPROACH: stuck? `tglm hint 4.3` shows the approach one step at a time.

    EXAMPLE: train("abcdabcd", 300, pattern=None) == [(97, 98), (99, 100), (256, 257)]
      "ab", "bc", "cd" occur twice each: (97, 98) is the smallest; then "cd" (99, 100) beats
      (256, 99) = "ab"+"c" (both twice); then "ab"+"cd" -> 258. "dab" pairs occur once: stop.

    HINT: pairs never span two chunks: count and merge chunk by chunk. max() with a key keeps
    the FIRST maximum it sees, which depends on dict order: use the explicit key above.
    """
    raise NotImplementedError("Week 4, task 4.3: learn vocab_size - 256 merges from text; return them as a list of pairs.")


def build_vocab(merges):
    """Task 4.4: map every token id to the bytes it stands for.

    TODO: return {id: bytes}: ids 0..255 are the single bytes bytes([i]); merge i = (a, b)
    gives id 256 + i the bytes vocab[a] + vocab[b].

    EXAMPLE: build_vocab([(104, 105), (256, 33)])[257] == b"hi!"

    HINT: process merges in order: a merge can only use ids that already exist.
    """
    raise NotImplementedError("Week 4, task 4.4: map every token id to the bytes it stands for.")


def encode(text, merges, pattern=GPT2_PATTERN):
    """Task 4.5: encode text with learned merges; return a list of token ids.

    TODO: for each chunk of split_chunks(text, pattern): start from its UTF-8 bytes, then
    repeatedly find the adjacent pair with the LOWEST merge index (the earliest learned) and
    merge all its occurrences (merge_pair); stop when no adjacent pair is a merge. Concatenate
    the chunks' ids.

    APPROACH: stuck? `tglm hint 4.5` shows the approach one step at a time.

    EXAMPLE: with merges = train("abcdabcd", 300, pattern=None):
             encode("abcdab", merges, pattern=None) == [258, 256]

    HINT: do NOT apply merges in one pass over the merge list per chunk. It gives the same
    result but is O(vocab) per chunk. Also: encode("") == [].
    """
    raise NotImplementedError("Week 4, task 4.5: encode text with learned merges; return a list of token ids.")


def decode(ids, vocab):
    """Task 4.6: turn token ids back into a str.

    TODO: concatenate the tokens' bytes FIRST, then decode the whole byte string as UTF-8 with
    errors="replace".

    EXAMPLE: decode(encode("héllo 🤗", merges), vocab) == "héllo 🤗";
             decode([0xC3], vocab) == "\ufffd"   (half of "é" alone is not valid UTF-8)

    HINT: decoding each token separately breaks characters whose bytes are split over two tokens
    (emoji are 4 bytes!). errors="replace" turns an incomplete character into U+FFFD instead of
    raising, which matters when a model generates an invalid sequence of tokens.
    """
    raise NotImplementedError("Week 4, task 4.6: turn token ids back into a str.")
