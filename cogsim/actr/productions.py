"""Moved to :mod:`cogsim.actr.batched`; this name stays an alias for one release."""

import sys

from cogsim.actr import batched as _moved

sys.modules[__name__] = _moved
