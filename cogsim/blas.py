"""Small linear algebra on one BLAS thread.

NumPy and SciPy each ship an OpenBLAS that starts one thread per core.  On the small
problems cogsim solves (L-BFGS-B over a few dozen to a few thousand parameters), a second
thread buys nothing, and when the cores are busy -- worker processes, a sweep, another
program -- every BLAS call waits for its helper thread to be scheduled: an L-BFGS-B fit then
runs 20-70x slower.  :func:`one_blas_thread` runs a function with both libraries limited to
one thread and restores them after; :func:`limit_process` limits a worker process for good.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import numpy as np  # noqa: F401 - load both BLAS libraries before the controller looks
import scipy.linalg  # noqa: F401
from threadpoolctl import ThreadpoolController

__all__ = ["limit_process", "one_blas_thread"]

F = TypeVar("F", bound=Callable)
_controller: ThreadpoolController | None = None


def _blas() -> ThreadpoolController:
    """The BLAS libraries loaded in this process (looked up once: about 1 ms)."""
    global _controller
    if _controller is None:
        _controller = ThreadpoolController().select(user_api="blas")
    return _controller


def one_blas_thread(fn: F) -> F:
    """Decorator: run ``fn`` with BLAS limited to one thread (about 20 us per call)."""
    @functools.wraps(fn)
    def limited(*args, **kwargs):
        with _blas().limit(limits=1):
            return fn(*args, **kwargs)
    return limited  # type: ignore[return-value]


def limit_process() -> None:
    """Limit this process's BLAS to one thread from now on (for worker processes, which
    run beside each other on the machine's cores)."""
    _blas().limit(limits=1)
