"""The one executor of parallel work: this process, local worker processes, or a Dask cluster.

Sweeps, sharded ``generate`` and calibration's resampling hand their independent tasks to an
:class:`Executor` made by :func:`get_executor`:

* ``workers=1`` (no scheduler): :class:`SerialExecutor`, the tasks run one after the other
  in this process;
* ``workers=N > 1``: :class:`ProcessExecutor`, a pool of N local worker processes (forked
  from the caller on Linux, so they start with its imports at no cost; started fresh with
  ``spawn`` elsewhere, one BLAS/OpenMP thread each);
* ``scheduler="tcp://host:8786"``: :class:`DaskExecutor`, the workers of an existing Dask
  distributed cluster (a ``LocalCluster``, dask-jobqueue, Kubernetes, ...).

A task is ``fn(task)`` with ``fn`` a module-level function (it is pickled by reference) and
``task`` picklable. Where workers start with ``spawn`` (not Linux), a script that makes a
:class:`ProcessExecutor` must guard its entry point with ``if __name__ == "__main__":``.
Tasks must be pure: the result of task i depends on task i alone, never on which worker ran
it or what ran before. :meth:`Executor.map` then returns the results in submission order, so
the output of a computation is identical on every executor and any number of workers.
:meth:`Executor.imap` yields ``(index, result)`` as tasks complete, for
progress bars and for writing each result as soon as it exists.

A task that raises stops the computation: the remaining tasks are cancelled (worker
processes terminated) and the exception is raised in the caller.  Callers that want to go
on past a failing task catch inside the task.  SIGINT/SIGTERM in the caller likewise
terminate the local workers before the caller's clean-up runs; workers themselves die on
SIGTERM at once (their outputs must be atomic, as the sweep's are).
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

from cogsim.errors import InputError

__all__ = ["DaskExecutor", "Executor", "ProcessExecutor", "SerialExecutor", "get_executor"]

#: Environment of the local workers: one thread per math library, so N workers use N cores.
_ONE_THREAD = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                      "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")}


class Executor(ABC):
    """Runs ``fn(task)`` for many tasks; see the module docstring.  A context manager.
    Subclasses give :meth:`imap`; ``map`` and the context manager follow from it."""

    #: Number of tasks that may run at once.
    workers: int = 1
    #: Short description for messages, e.g. ``"2 local processes"``.
    description: str = "this process"

    @abstractmethod
    def imap(self, fn: Callable[[Any], Any], tasks: Sequence[Any]) -> Iterator[tuple[int, Any]]:
        """Yield ``(index, fn(tasks[index]))`` as the tasks complete (in any order)."""

    def map(self, fn: Callable[[Any], Any], tasks: Iterable[Any],
            progress: Callable[[int, int], None] | None = None) -> list[Any]:
        """``[fn(t) for t in tasks]``, computed on the workers, in submission order.

        ``progress(done, total)`` is called after each completed task.
        """
        tasks = list(tasks)
        results: list[Any] = [None] * len(tasks)
        for done, (i, result) in enumerate(self.imap(fn, tasks), start=1):
            results[i] = result
            if progress is not None:
                progress(done, len(tasks))
        return results

    def close(self) -> None:  # noqa: B027 - an executor without workers has none to release
        """Release the workers once their tasks are done (idempotent)."""

    def terminate(self) -> None:
        """Stop the workers now, abandoning running tasks (idempotent)."""
        self.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.close()
        else:               # an error or an interrupt: do not wait for running tasks
            self.terminate()


class SerialExecutor(Executor):
    """The tasks one after the other in this process."""

    workers = 1
    description = "this process"

    def imap(self, fn, tasks):
        for i, task in enumerate(tasks):
            yield i, fn(task)


def _init_worker() -> None:
    """In a local worker: die at once on SIGTERM; leave SIGINT (Ctrl-C) to the parent; fresh
    stdout/stderr objects (a forked copy of the caller's could hold a lock taken by one of
    its threads, e.g. a progress bar's, at the moment of the fork); BLAS on one thread (a
    forked worker inherits its parent's BLAS threads, and the workers share the cores)."""
    from cogsim.blas import limit_process

    limit_process()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.stdout = open(1, "w", closefd=False)        # noqa: SIM115 - the worker's whole life
    sys.stderr = open(2, "w", closefd=False)        # noqa: SIM115


def _indexed(job: tuple[Callable[[Any], Any], int, Any]) -> tuple[int, Any]:
    fn, i, task = job
    return i, fn(task)


def _default_method() -> str:
    return "fork" if sys.platform == "linux" else "spawn"


class ProcessExecutor(Executor):
    """A pool of ``workers`` local processes, started at the first task: ``method`` "fork"
    (the default on Linux: a copy of the caller, with the modules it has imported) or
    "spawn" (a fresh interpreter).  Tasks get their inputs by pickling either way, and a
    worker keeps no state between tasks that a task may rely on."""

    def __init__(self, workers: int, method: str | None = None):
        if workers < 1:
            raise InputError(f"workers: expected a whole number >= 1, got {workers}")
        self.workers = int(workers)
        self.method = method or _default_method()
        self.description = f"{self.workers} local processes"
        self._pool = None

    def _start(self):
        if self._pool is None:
            saved = {k: os.environ.get(k) for k in _ONE_THREAD}
            os.environ.update({k: v for k, v in _ONE_THREAD.items() if saved[k] is None})
            try:
                context = multiprocessing.get_context(self.method)
                self._pool = context.Pool(self.workers, initializer=_init_worker)
            finally:
                for k, v in saved.items():
                    if v is None:
                        os.environ.pop(k, None)
        return self._pool

    def imap(self, fn, tasks):
        pool = self._start()
        try:
            yield from pool.imap_unordered(_indexed, [(fn, i, t) for i, t in enumerate(tasks)])
        except BaseException:
            self.terminate()
            raise

    def terminate(self) -> None:
        """Stop the workers now (running tasks are killed)."""
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool.join()
            self._pool = None


class DaskExecutor(Executor):
    """The workers of an existing Dask distributed cluster, reached at ``address``."""

    def __init__(self, address: str, *, timeout: float = 10.0):
        try:
            from dask.distributed import Client
        except ImportError:                                # pragma: no cover - a dependency
            raise InputError("option --scheduler: needs dask[distributed]; "
                             "pip install 'dask[distributed]'") from None
        try:
            self._client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as e:
            raise InputError(f"option --scheduler: cannot reach a Dask scheduler at "
                             f"{address!r} ({e}); expected the address of a running "
                             f"scheduler, e.g. tcp://127.0.0.1:8786") from None
        self.address = address
        self._futures: list = []
        self.workers = max(1, sum(self._client.nthreads().values()))
        self.description = f"Dask cluster at {address} ({self.workers} worker threads)"

    def imap(self, fn, tasks):
        from dask.distributed import as_completed

        batch = uuid.uuid4().hex[:12]
        keys = {f"cogsim-{batch}-{i}": i for i in range(len(tasks))}
        futures = [self._client.submit(fn, task, key=key, pure=False)
                   for key, task in zip(keys, tasks)]
        self._futures = futures
        try:
            for future in as_completed(futures, loop=self._client.loop):
                yield keys[future.key], future.result()
        except BaseException:
            self.terminate()
            raise
        finally:
            self._futures = []

    def terminate(self) -> None:
        if self._client is not None and self._futures:
            self._client.cancel(self._futures, force=True)
            self._futures = []
        self.close()

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def get_executor(workers: int | None = None, scheduler: str | None = None) -> Executor:
    """The executor for ``--workers`` / ``--scheduler``.

    Parameters
    ----------
    workers : int, optional
        Local worker processes; default: the number of CPU cores.  1 runs in this process.
    scheduler : str, optional
        Address of a Dask distributed scheduler; then ``workers`` is ignored (the
        cluster's workers run the tasks).

    Raises
    ------
    InputError
        ``workers < 1``, or no scheduler answers at ``scheduler``.
    """
    if scheduler:
        return DaskExecutor(scheduler)
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise InputError(f"option --workers: expected a whole number >= 1, got {workers}")
    return SerialExecutor() if workers == 1 else ProcessExecutor(workers)
