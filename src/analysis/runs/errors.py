"""The errors of a run, and the two private markers that interrupt one.

Every public error is a :class:`RunError`; the CLI maps them to exit codes
(:class:`ParameterError` 2, :class:`RunLocked` 3, :class:`RunTerminated` 143,
:class:`RunFailed` 1). The markers :class:`_Terminated` and :class:`_BudgetExceeded`
are ``BaseException`` so that no ``except Exception`` in a notebook runner swallows them;
:func:`analysis.runs.runner.run` turns them into :class:`RunTerminated` and
:class:`RunFailed`.

Examples
--------
>>> issubclass(RunTimedOut, RunError), issubclass(_BudgetExceeded, Exception)
(True, False)
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = [
    "ParameterError",
    "RunError",
    "RunFailed",
    "RunLocked",
    "RunTerminated",
    "RunTimedOut",
]


class RunError(Exception):
    """Base class of the errors raised by :func:`analysis.runs.run`."""


class ParameterError(RunError, ValueError):
    """Bad invocation, detected before any kernel starts or any run folder is created.

    Examples
    --------
    >>> issubclass(ParameterError, ValueError)
    True
    """


class RunLocked(RunError):  # noqa: N818 (public name from the spec)
    """Another run holds the lock; nothing was started.

    Attributes
    ----------
    holder : dict
        What the lock file says about the holder (``pid``, ``run_id``, ``started_at``).

    Examples
    --------
    >>> RunLocked("locked", {"pid": 1}).holder
    {'pid': 1}
    """

    def __init__(self, message: str, holder: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.holder = holder or {}


class RunFailed(RunError):  # noqa: N818 (public name from the spec)
    """A run started and failed; its folder is kept and ``latest`` was not touched.

    Attributes
    ----------
    run_dir : Path
        The run folder (executed notebooks, ``run.log``, ``manifest.json`` with status failed).
    message : str
        What failed: notebook, cell index and first line of the cell.

    Examples
    --------
    >>> err = RunFailed(Path("runs/x"), "notebook a.ipynb: cell 2 failed")
    >>> str(err)
    'notebook a.ipynb: cell 2 failed (run folder: runs/x)'
    """

    def __init__(self, run_dir: Path, message: str) -> None:
        super().__init__(f"{message} (run folder: {run_dir})")
        self.run_dir = run_dir
        self.message = message


class RunTerminated(RunFailed):
    """The run was stopped by SIGTERM (a :class:`RunFailed`; a CLI exits 143 on it).

    Examples
    --------
    >>> issubclass(RunTerminated, RunFailed)
    True
    """


class RunTimedOut(RunError):  # noqa: N818 (public name, like RunLocked)
    """The whole run's time budget ran out before a run folder existed (the pre-check)."""


class _Terminated(BaseException):
    """Raised by the SIGTERM handler; BaseException so no ``except Exception`` swallows it."""


class _BudgetExceeded(BaseException):
    """Raised by the SIGALRM of :func:`analysis.runs.signals.time_budget`; BaseException as well."""
