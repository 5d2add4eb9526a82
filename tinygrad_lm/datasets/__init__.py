"""Data: loaders for the corpora shipped in `data/` and the batchers that cut them for training.

classification.py  labelled TSV corpora (rt_polarity, twitter_airline_sentiment), TextDataset
lm_batches.py      language-model batches from one token array (TBPTT lanes, random windows), splits
"""
from .classification import (TextDataset, load_rt_polarity, load_tsv,  # noqa: F401
                             load_twitter_airline_sentiment)
