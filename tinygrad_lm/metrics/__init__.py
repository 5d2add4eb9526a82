"""Metrics, one file per family; the names a learner uses are re-exported here.

classification.py  accuracy, confusion matrix, precision / recall / F1, k-fold (week 1)
rouge.py           ROUGE-1/2/L/Lsum identical to Google's rouge-score (week 5)
bootstrap.py       bootstrap confidence intervals of mean scores, like rouge-score's BootstrapAggregator (week 5)
squad.py           the official SQuAD v2.0 exact-match / F1 (week 5)
bleu.py, chrf.py   corpus / sentence BLEU and chrF(++) identical to sacreBLEU (week 6)
"""
from .classification import (accuracy, as_class_ids, classification_report, confusion_matrix,  # noqa: F401
                             cross_validate, f1_score, format_confusion_matrix, kfold_indices,
                             precision_recall_f1)
from .rouge import RougeScorer, rouge_score  # noqa: F401
from .bootstrap import BootstrapAggregator  # noqa: F401
from .squad import squad_v2  # noqa: F401
