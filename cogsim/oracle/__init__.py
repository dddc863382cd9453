"""The on-demand oracle: a living population that answers "A or B?" whenever asked.

:class:`Oracle` (:mod:`cogsim.oracle.core`) judges batches of pairs, learns from feedback, and
saves and loads its full state (:mod:`cogsim.oracle.state`); queries are read and checked by
:mod:`cogsim.oracle.queries`.
"""

from cogsim.oracle.core import ORACLE_MEMORY, Oracle, aggregate

__all__ = ["ORACLE_MEMORY", "Oracle", "aggregate"]
