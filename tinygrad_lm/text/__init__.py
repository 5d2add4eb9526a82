"""Classical text processing for week 1: normalization, tokenizers, stop words, n-grams, the Porter
stemmer and bag-of-words / TF-IDF vectorizers (sparse CSR output, see tinygrad_lm/ops/sparse.py).

Sub-word tokenizers (BPE, GPT-2) live in tinygrad_lm/tokenizers/, not here.
"""
from .normalize import normalize, strip_accents, collapse_whitespace
from .tokenize import word_tokenize, tweet_tokenize, TweetTokenizer, sent_tokenize, regex_tokenize
from .stopwords import ENGLISH_STOP_WORDS, remove_stopwords
from .ngrams import ngrams, everygrams
from .porter import PorterStemmer

__all__ = ["normalize", "strip_accents", "collapse_whitespace", "word_tokenize", "tweet_tokenize",
           "TweetTokenizer", "sent_tokenize", "regex_tokenize", "ENGLISH_STOP_WORDS", "remove_stopwords",
           "ngrams", "everygrams", "PorterStemmer"]
from .vectorize import CountVectorizer, TfidfTransformer, TfidfVectorizer

__all__ += ["CountVectorizer", "TfidfTransformer", "TfidfVectorizer"]
