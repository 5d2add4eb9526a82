"""Dense retrieval: the documents nearest to a query by cosine similarity of their vectors (week 8).

    index = DenseIndex(doc_vectors)            # (N, C) one vector per document, any float dtype
    ids, sims = index.top_k(query_vector, k=5) # best first; equal similarities keep corpus order

cos(q, d) = q . d / (|q| |d|): both sides are L2-normalised once (rows of zero norm stay zero and
score 0), so a query costs one (N, C) @ (C,) product. Where the vectors come from is the caller's
business: generation/embed.py mean-pools a GPT's hidden states (week 4's sentence vectors).
Legend: N documents, C vector size.
Does not handle: approximate search (HNSW, IVF), updates after construction, batched queries.
"""
import numpy as np


def l2_normalize(x: np.ndarray) -> np.ndarray:
    """Rows divided by their L2 norm (zero rows stay zero). (N, C) or (C,) float32."""
    x = np.asarray(x, dtype=np.float32)
    norm = np.linalg.norm(x, axis=-1, keepdims=True)
    return np.divide(x, norm, out=np.zeros_like(x), where=norm > 0)


class DenseIndex:
    def __init__(self, vectors):
        v = np.asarray(vectors)
        if v.ndim != 2 or v.shape[0] == 0:
            raise ValueError(f"DenseIndex: vectors must be (N, C) with N >= 1, got shape {v.shape}")
        if not np.isfinite(v).all():
            raise ValueError("DenseIndex: vectors contain NaN or inf")
        self.vectors = l2_normalize(v)                                         # (N, C)

    def scores(self, query) -> np.ndarray:
        """Cosine similarity of the query with every document: (N,)."""
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        if q.shape[0] != self.vectors.shape[1]:
            raise ValueError(f"query has {q.shape[0]} dimensions, the index {self.vectors.shape[1]}")
        return self.vectors @ l2_normalize(q)                                  # (N,)

    def top_k(self, query, k: int = 5):
        """(ids (k,), similarities (k,)), best first, ties in corpus order."""
        if k < 0:
            raise ValueError(f"k must be >= 0, got {k}")
        s = self.scores(query)
        ids = np.argsort(-s, kind="stable")[:k]
        return ids, s[ids]
