"""CharLM: the week-3 character language model, Embedding -> LSTM or vanilla RNN -> Linear.

Legend: T time steps, B batch (lanes), E embedding size, H hidden size, V vocabulary (characters).
Trained by training/char_lm.py (`tglm train char-lstm|char-rnn`) with truncated BPTT; the hidden
state is returned so the caller can carry it from one window to the next.
Does not handle: batch_first input, bidirectional RNNs, weight tying.
"""
from .. import nn


class CharLM(nn.Module):
    """Embedding -> LSTM / RNN -> Linear. forward(ids (T, B), state) -> (logits (T, B, V), state)."""

    def __init__(self, vocab_size, emb=64, hidden=512, layers=1, cell="lstm", dropout=0.0):
        super().__init__()
        self.cell = cell
        self.emb = nn.Embedding(vocab_size, emb)
        if cell == "lstm":
            self.rnn = nn.LSTM(emb, hidden, num_layers=layers, dropout=dropout, forget_bias=1.0)
        elif cell == "rnn":
            self.rnn = nn.RNN(emb, hidden, num_layers=layers, dropout=dropout)
        else:
            raise ValueError(f"CharLM: cell must be 'lstm' or 'rnn', got {cell!r}")
        self.head = nn.Linear(hidden, vocab_size)

    def forward(self, ids, state=None):
        x = self.emb(ids)                                    # (T, B, E)
        y, state = self.rnn(x, state)                        # (T, B, H)
        return self.head(y), state                           # (T, B, V)


    @classmethod
    def from_config(cls, cfg: dict) -> "CharLM":
        """The model described by a training checkpoint's config (tglm train char-*)."""
        return cls(cfg["vocab_size"], cfg["emb"], cfg["hidden"], cfg["layers"], cfg["cell"], cfg["dropout"])
