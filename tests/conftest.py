"""Shared pytest setup: make tests/ helper modules (corpus.py, ...) importable and quiet TensorFlow's logs."""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(__file__))
