"""What surrounds the kernels of a run: signal handlers, the time budget, their environment.

Three context managers install signal handlers for a few steps and restore the
previous ones after, in the main thread only (Python delivers signals there; elsewhere
they do nothing): :func:`time_budget` (SIGALRM ends the whole run), :func:`_sigterm_raises`
(SIGTERM fails the run cleanly) and :func:`_signals_deferred` (SIGTERM and SIGINT wait
until ``latest`` is switched). They share :func:`_signal_handlers`.
:func:`_kernel_environment` sets the environment the kernels inherit.

Examples
--------
>>> with time_budget(60):
...     pass
>>> _BUDGET["expired"]
False
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Callable, Iterator
from typing import Any

from analysis import config
from analysis.runs.errors import _BudgetExceeded, _Terminated

logger = logging.getLogger(__name__)

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
"""``MPLBACKEND`` for kernels: inline figures land in the executed notebooks (and the report)
even when the calling environment exports ``MPLBACKEND=Agg``."""

_BUDGET: dict[str, Any] = {"expired": False, "kernels": []}
"""State of the active :func:`time_budget`: whether it ran out, the pids of the run's kernels."""


@contextlib.contextmanager
def _signal_handlers(handlers: dict[int, Callable[[int, Any], None]]) -> Iterator[bool]:
    """Install ``handlers`` (signal number to handler) while active; restore the previous ones after.

    Only the main thread may set signal handlers: in any other thread nothing is installed
    and the context yields False (True when the handlers are in place).
    """
    if threading.current_thread() is not threading.main_thread():
        yield False
        return
    previous = {sig: signal.signal(sig, handler) for sig, handler in handlers.items()}
    try:
        yield True
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """While active (main thread only), raise :class:`_BudgetExceeded` once ``seconds`` have passed.

    The whole run (pre-check, every notebook, the PDF) shares one budget: a cell timeout
    alone lets a notebook of many slow cells overrun it.

    Parameters
    ----------
    seconds : float
        The budget; the SIGALRM timer is cancelled when the context ends.
    """

    def handler(signum: int, frame: object) -> None:
        # the event loop of nbclient may swallow the exception: remember it, and end the
        # kernels this run started so that papermill returns at once
        _BUDGET["expired"] = True
        for pid in _BUDGET["kernels"]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        raise _BudgetExceeded(f"time budget of {seconds:g} s exceeded")

    with _signal_handlers({signal.SIGALRM: handler}) as installed:
        if not installed:
            yield
            return
        _BUDGET.update(expired=False, kernels=[])
        if seconds <= 0:  # spent already: say so now, not from an alarm in whatever runs next
            _BUDGET["expired"] = True
            raise _BudgetExceeded(f"time budget of {seconds:g} s exceeded")
        signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))  # a smaller value may round to 0 (no alarm)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGTERM and SIGINT while a few steps run; they are raised again right after.

    A recording handler, not a signal mask: other threads (ZeroMQ's) do not block signals,
    so a mask in the main thread alone lets the default action kill the process midway.
    """
    received: list[int] = []

    def record(signum: int, frame: object) -> None:
        received.append(signum)

    try:
        with _signal_handlers({signal.SIGTERM: record, signal.SIGINT: record}):
            yield
    finally:  # the previous handlers are back: each held signal now does what it would have done
        for sig in dict.fromkeys(received):
            signal.raise_signal(sig)


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While active (main thread only), SIGTERM raises :class:`_Terminated`."""

    def handler(signum: int, frame: object) -> None:
        raise _Terminated("terminated by SIGTERM")

    with _signal_handlers({signal.SIGTERM: handler}):
        yield


@contextlib.contextmanager
def _kernel_environment() -> Iterator[None]:
    """Environment inherited by kernels: a stable matplotlib cache and the inline backend."""
    cache = config.matplotlib_cache_dir()
    cache.mkdir(parents=True, exist_ok=True)
    wanted = {"MPLCONFIGDIR": str(cache), "MPLBACKEND": INLINE_BACKEND}
    saved = {name: os.environ.get(name) for name in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
