"""Retrieval (week 8): ranking documents for a query before a language model reads them.

bm25.py  BM25Okapi, identical to rank_bm25's BM25Okapi (scores, batch scores, top-n)
"""
from .bm25 import BM25Okapi  # noqa: F401
