"""The one sweep runner: tasks through a ``concurrent.futures.Executor`` into a resumable :class:`ResultStore`.

A task is any picklable object that can name the rows it will produce (:class:`Task`);
``work(task)`` computes them. Tasks whose rows are all stored already are skipped, so
an interrupted sweep resumes where it stopped; every other task's rows are appended to
the store the moment its future completes, so a crash loses at most the tasks in flight.

The executor decides where tasks run: in this process (``executor=None``), in local
processes (:func:`local_executor`), or on a cluster through any object implementing
the ``concurrent.futures.Executor`` interface, e.g. a Dask ``Client(...).get_executor()``.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from typing import Callable, Iterator, Mapping, Protocol, Sequence, TypeVar

from icl_sym.core.validation import ParameterError, check_int

from .store import ResultStore

__all__ = ["Task", "pending", "run_sweep", "local_executor", "default_workers", "open_executor"]


class Task(Protocol):
    """A unit of work that knows the keys of the rows it produces (one per draw, say)."""

    def keys(self) -> list[dict]:
        """The key fields of every row ``work(task)`` returns."""
        ...


T = TypeVar("T", bound=Task)


def pending(tasks: Sequence[T], store: ResultStore) -> list[T]:
    """The tasks with at least one row missing from ``store`` (in their original order)."""
    return [t for t in tasks if not all(key in store for key in t.keys())]


def run_sweep(
    tasks: Sequence[T],
    work: Callable[[T], list[Mapping]],
    store: ResultStore,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Run every task not already complete in ``store`` and append its rows as it finishes.

    ``work`` must be a module-level function (it is pickled for process and cluster
    executors). With ``executor=None`` tasks run one after another in this process.
    ``progress(done, total)`` is called after each task. If a task raises, the tasks
    not yet started are cancelled and the error propagates; rows of finished tasks stay stored.
    Returns the number of tasks run.
    """
    todo = pending(tasks, store)
    report = progress or (lambda done, total: None)
    report(0, len(todo))
    if executor is None:
        for done, task in enumerate(todo, 1):
            _store_rows(store, work(task))
            report(done, len(todo))
        return len(todo)
    futures = [executor.submit(work, task) for task in todo]
    try:
        for done, future in enumerate(as_completed(futures), 1):
            _store_rows(store, future.result())
            report(done, len(todo))
    except BaseException:
        for future in futures:
            future.cancel()
        raise
    return len(todo)


def _store_rows(store: ResultStore, rows: list[Mapping]) -> None:
    for row in rows:
        store.append(row)


def _limit_threads(threads: int) -> None:
    """Worker initialiser: ``threads`` torch threads, so W workers do not oversubscribe the cores."""
    import torch

    torch.set_num_threads(threads)


def local_executor(workers: int) -> Executor | None:
    """A pool of ``workers`` local processes (``None`` for 1: run in this process).

    Workers are spawned (not forked), which is safe with CUDA and with threads in
    the parent, and share the cores: each gets ``cpu_count // workers`` torch threads.
    """
    workers = check_int("workers", workers, 1)
    if workers == 1:
        return None
    threads = max(1, (os.cpu_count() or 1) // workers)
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_limit_threads, initargs=(threads,))


def default_workers(device: str) -> int:
    """A process per core on a CPU; one on a GPU, where more processes would share the one device."""
    return (os.cpu_count() or 1) if device == "cpu" else 1


@contextlib.contextmanager
def open_executor(workers: int | None = None, scheduler: str | None = None, device: str = "cpu"
                  ) -> Iterator[Executor | None]:
    """The executor of a sweep, closed on exit: a Dask cluster's at ``scheduler`` (needs the dask extra),
    else :func:`local_executor` with ``workers`` (default :func:`default_workers`); ``None`` runs in-process."""
    if scheduler is not None and workers is not None:
        raise ParameterError("workers", "omitted when a scheduler is given (one of them, not both)", workers)
    with contextlib.ExitStack() as stack:
        if scheduler is not None:
            try:
                from dask.distributed import Client
            except ImportError:
                raise ParameterError("scheduler", "usable with Dask installed: pip install 'icl-sym[dask]'",
                                     scheduler) from None
            yield stack.enter_context(stack.enter_context(Client(scheduler)).get_executor())
            return
        executor = local_executor(default_workers(device) if workers is None else workers)
        if executor is not None:
            stack.enter_context(executor)
        yield executor
