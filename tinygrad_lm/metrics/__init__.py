"""Metrics, one file per family; the names a learner uses are re-exported here.

classification.py  accuracy, confusion matrix, precision / recall / F1, k-fold (week 1)
rouge.py           ROUGE-1/2/L/Lsum identical to Google's rouge-score (week 5)
squad.py           the official SQuAD v2.0 exact-match / F1 (week 5)
bleu.py, chrf.py   corpus / sentence BLEU and chrF(++) identical to sacreBLEU (week 6)
perplexity.py      sliding-window NLL (Hugging Face's method), perplexity, bits per byte / char (week 5)
"""
from .classification import (accuracy, as_class_ids, classification_report, confusion_matrix,  # noqa: F401
                             cross_validate, f1_score, format_confusion_matrix, kfold_indices,
                             precision_recall_f1)
from .perplexity import NLL, bits_per_byte, bits_per_char, perplexity, sliding_window_nll  # noqa: F401
