"""`cogsim report`'s writer, kept under its old name for one release.

Deprecated: import from :mod:`cogsim.fidelity.report` (or ``cogsim.fidelity``) instead.
"""

from cogsim.fidelity.report import (
    SYNTHETIC_COLUMNS,
    load_synthetic,
    write_fidelity_report,
)

__all__ = ["SYNTHETIC_COLUMNS", "load_synthetic", "write_fidelity_report"]
