"""Metrics, one file per family; the names a learner uses are re-exported here.

classification.py  accuracy, confusion matrix, precision / recall / F1, k-fold (week 1)
rouge.py           ROUGE-1/2/L/Lsum identical to Google's rouge-score (week 5)
bootstrap.py       bootstrap confidence intervals of mean scores, like rouge-score's BootstrapAggregator (week 5)
squad.py           the official SQuAD v2.0 exact-match / F1 (week 5)
bleu.py, chrf.py   corpus / sentence BLEU and chrF(++) identical to sacreBLEU (week 6)
agreement.py       Cohen's kappa (= scikit-learn), Fleiss' kappa and its count table (= statsmodels) (week 6)
preference.py      Wilson interval, sign test, judgements needed, normal quantile without SciPy (week 6)
ratings.py         Chatbot Arena's online Elo and Bradley-Terry (MLE, bootstrap intervals) (week 6)
bleu_tokenizers.py sacreBLEU's 13a / intl / char / none tokenizers (week 6)
significance.py    paired bootstrap resampling between two systems (week 6)
diversity.py       distinct-n and self-BLEU (week 6)
correlation.py     Kendall's tau-b with its p-value (= scipy.stats.kendalltau) (week 6)
human_eval.py      judgement files of `tglm human-eval` (items, atomic JSONL append); human_eval_stats.py its analysis (week 6)
perplexity.py      sliding-window NLL (Hugging Face's method), perplexity, bits per byte / char (week 5)
"""
from .classification import (accuracy, as_class_ids, classification_report, confusion_matrix,  # noqa: F401
                             cross_validate, f1_score, format_confusion_matrix, kfold_indices,
                             precision_recall_f1)
from .agreement import aggregate_raters, cohen_kappa, fleiss_kappa  # noqa: F401
from .preference import (judgements_needed, normal_cdf, normal_ppf, sign_test, sign_test_power,  # noqa: F401
                         wilson_interval)
from .ratings import (BootstrapRatings, bootstrap_bradley_terry, bradley_terry,  # noqa: F401
                      bradley_terry_gradient_ascent, online_elo)
from .bleu import BLEUScore, corpus_bleu, sentence_bleu  # noqa: F401
from .chrf import CHRFScore, corpus_chrf, sentence_chrf  # noqa: F401
from .significance import PairedBootstrapResult, paired_bootstrap  # noqa: F401
from .diversity import DistinctN, distinct_n, self_bleu  # noqa: F401
from .correlation import KendallTau, kendall_tau_b  # noqa: F401
from .perplexity import NLL, bits_per_byte, bits_per_char, perplexity, sliding_window_nll  # noqa: F401
from .rouge import RougeScorer, rouge_score  # noqa: F401
from .bootstrap import BootstrapAggregator  # noqa: F401
from .squad import squad_v2  # noqa: F401
from .human_eval import append_record, load_items, read_records  # noqa: F401
from .human_eval_stats import analyze as analyze_human_eval  # noqa: F401
