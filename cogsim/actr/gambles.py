"""Moved to :mod:`cogsim.actr.described`; this name stays an alias for one release."""

import sys

from cogsim.actr import described as _moved

sys.modules[__name__] = _moved
