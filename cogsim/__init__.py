"""cogsim: synthetic pairwise preferences from calibrated cognitive annotators."""

from cogsim.lazy import lazy_exports

__version__ = "0.1.0"

__getattr__, __dir__ = lazy_exports("cogsim", {"Oracle": "cogsim.oracle"})
