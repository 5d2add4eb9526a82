"""Training: one loop (loop.py) and the trainers that feed it.

loop.py      optimizer_step, train_step, Run (checkpoints, history, resume), fit (the loop), prepare_out_dir
resume.py    --resume: which run a checkpoint belongs to; the run's recorded settings come back
lm.py        GPT and masked-LM training on a text file (`tglm train gpt|mlm`), load_gpt / load_mlm
char_lm.py   character RNN / LSTM with truncated BPTT (`tglm train char-lstm|char-rnn`)
pretrain.py  a corpus of documents -> BPE -> GPT -> Hugging Face export (`tglm pretrain`)
"""
