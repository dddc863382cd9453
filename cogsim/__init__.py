"""cogsim: synthetic pairwise preferences from calibrated cognitive annotators."""

__version__ = "0.1.0"
