"""Moved to :mod:`cogsim.ibl.described`; this name stays an alias for one release."""

import sys

from cogsim.ibl import described as _moved

sys.modules[__name__] = _moved
