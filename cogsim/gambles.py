"""Moved to :mod:`cogsim.tasks.gambles`; this name stays an alias for one release."""

import sys

from cogsim.tasks import gambles as _gambles

sys.modules[__name__] = _gambles
