"""Saving and loading weights.

safetensors.py  the safetensors file format, read and written by our own code (no pickle, mmap)
checkpoint.py   training checkpoints: model + optimizer + step + config + RNG state in one file
shapes.py       the parameter shapes a config implies, checked against a file before building a model
average.py      the weight average of checkpoints of one model (for evaluation, not --resume)
(Loading a pretrained model by name lives with the models: models/pretrained.py.)
"""
from .safetensors import CheckpointError, load_file, load_metadata, save_file  # noqa: F401
from .checkpoint import load_checkpoint, read_checkpoint, save_checkpoint  # noqa: F401
from .shapes import check_config_shapes  # noqa: F401
