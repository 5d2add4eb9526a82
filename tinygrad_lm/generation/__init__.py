"""Text generation from a trained model. beam.py: beam search identical to Hugging Face generate()."""
from .beam import beam_search  # noqa: F401

__all__ = ["beam_search"]
