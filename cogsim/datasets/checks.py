"""Moved to :mod:`cogsim.validation` (a base module that models, tasks and I/O all use);
this re-export stays for one release."""

from cogsim.validation import Checker, blank, text_series

__all__ = ["Checker", "blank", "text_series"]
