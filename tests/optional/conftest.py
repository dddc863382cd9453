"""Tests that need the optional ``trl`` extra (TRL, which brings torch).  They are collected
only where TRL is installed (``pip install -e ".[dev,trl]"``); the default install, as in
CI, does not have it, and ``tests/test_trl.py`` covers the reward function without it."""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("trl") else ["test_grpo_training.py"]
