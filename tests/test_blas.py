"""Small fits run on one BLAS thread, and so do local worker processes (cogsim.blas)."""

from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

from cogsim.blas import one_blas_thread
from cogsim.executor import ProcessExecutor


def blas_threads(_=None) -> list[int]:
    return sorted(i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas")


def test_a_decorated_function_runs_on_one_thread_and_the_caller_keeps_its_own() -> None:
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas_threads()
        assert before and max(before) == 2
        assert one_blas_thread(blas_threads)() == [1] * len(before)
        assert blas_threads() == before


def test_local_workers_run_blas_on_one_thread() -> None:
    with threadpool_limits(limits=2, user_api="blas"), ProcessExecutor(2) as pool:
        per_task = pool.map(blas_threads, range(4))
    assert all(t and set(t) == {1} for t in per_task)
