"""Retrieval (week 8): ranking documents for a query before a language model reads them.

bm25.py       BM25Okapi, identical to rank_bm25's BM25Okapi (scores, batch scores, top-n)
chunker.py    the course documents as passages with stable ids (path#heading-slug-n)
course.py     CourseBM25: BM25 over those passages (course_terms: stop words, Porter stems, ...), recall_at_k
doc_questions.py  written questions indexed with each passage (doc2query), keyed by passage hash
gold.py       gold_ids: a Q/A pair's gold passage found again by its stored text (ids drift with edits)
grounding.py  grounded_system(_fit): retrieved passages into the chat's system prompt
dense.py      DenseIndex: cosine top-k over vectors (generation/embed.py makes them from a GPT)
"""
from .bm25 import BM25Okapi  # noqa: F401
