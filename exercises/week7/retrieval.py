# Generated from solutions/week7/retrieval.py by `tglm course build`: fill in the parts that raise NotImplementedError.
# Your edits are safe: the build refuses to overwrite this file unless --force; the reference is solutions/week7/retrieval.py.
"""Week 7: scoring a CLIP model: recall@k for image <-> text retrieval, zero-shot classification.

Retrieval: each query (an image) ranks the gallery (captions) by cosine similarity; recall@k is the
share of queries with a right item among their k best. Several gallery items may be right (two
images with the same caption), so `relevant` is a boolean matrix, not one index per query:
    R@k = (1/Q) #{q : relevant[q, top_k(sim[q])] has a True}
Zero-shot classification: write each class as text prompts ("a small red circle", "a large red
circle"), embed them, average each class's prompt embeddings and renormalise (prompt ensembling, CLIP
section 3.1.4); an image gets the class whose embedding is most similar.
Legend: Q queries, G gallery items, K classes, P prompts per class, E embedding size.
Library version: tinygrad_lm/models/clip.py (recall_at_k, zero_shot_classify).
"""
import numpy as np


def recall_at_k(sim, relevant, k=1):
    """Task 7.13: recall@k of a retrieval.

    TODO: sim (Q, G) similarities, relevant (Q, G) bool. Return the share (float) of queries that have
    at least one relevant item among their k most similar items; ties are broken by the lower index
    (a stable sort of -sim). ValueError if the shapes differ.

    APPROACH: stuck? `tglm hint 7.13` shows the approach one step at a time.

    EXAMPLE: sim = [[0.9, 0.1], [0.8, 0.7]], relevant = identity: query 0's best is item 0 (hit),
             query 1's best is item 0 (miss): R@1 = 0.5, R@2 = 1.0.

    HINT: np.argsort(sim) sorts ascending: the first k are the WORST items.
    """
    raise NotImplementedError("Week 7, task 7.13: recall@k of a retrieval.")


def zero_shot_classify(image_emb, prompt_emb):
    """Task 7.14: zero-shot classes from text prompts (prompt ensembling).

    TODO: image_emb (N, E) unit rows; prompt_emb (K, P, E): P prompt embeddings (unit rows) for each
    of K classes. Return the predicted class of each image, (N,) int.

    APPROACH: stuck? `tglm hint 7.14` shows the approach one step at a time.

    EXAMPLE: with P = 1 this is the nearest prompt by cosine similarity.

    HINT: without renormalising, a class whose prompts disagree (their mean is short) loses to classes
    with consistent prompts, whatever the image.
    """
    raise NotImplementedError("Week 7, task 7.14: zero-shot classes from text prompts (prompt ensembling).")
