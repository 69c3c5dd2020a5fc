"""Scheduled report runs: the house, with one wing per concern.

``python -m analysis run`` calls :func:`run_report`, which checks the parameters and
the comparison's selection, then :func:`run` executes the notebooks with papermill into
``reports/runs/<UTC timestamp>-<focus_id>/`` and publishes the folder as
``reports/latest`` only if every cell of every notebook ran and the PDF was written.

=================================  ==========================================================
module                             what it holds
=================================  ==========================================================
:mod:`analysis.runs.errors`        :class:`RunError` and its subclasses (exit codes 1, 2, 3, 143)
:mod:`analysis.runs.params`        ``-p``/``-f`` parsing, declared parameters, validation
:mod:`analysis.runs.lock`          one run at a time (``flock``), abandoned runs
:mod:`analysis.runs.signals`       SIGTERM, SIGINT, the time budget, the kernels' environment
:mod:`analysis.runs.publish`       run folders, manifest writing, input hashes, ``latest``,
                                   retention
:mod:`analysis.runs.audit`         cell-by-cell checks of an executed notebook
:mod:`analysis.runs.runner`        :func:`run`: the notebooks, one after the other
:mod:`analysis.runs.job`           :func:`run_report` and :func:`render_report` (the PDF)
:mod:`analysis.runs.handoff`       the comparison handed from ``03_comparison`` to ``04_report``
=================================  ==========================================================

Examples
--------
>>> from analysis.runs import parse_cli_params
>>> parse_cli_params(["n=3", "lang=fr", "ids=[a, b]"], None)
{'n': 3, 'lang': 'fr', 'ids': ['a', 'b']}
"""

from __future__ import annotations

from analysis.runs.errors import (
    ParameterError,
    RunError,
    RunFailed,
    RunLocked,
    RunTerminated,
    RunTimedOut,
)
from analysis.runs.handoff import load_comparison, save_comparison
from analysis.runs.job import render_report, run_report
from analysis.runs.params import declared_parameters, parse_cli_params, validate_parameters
from analysis.runs.runner import RunResult, run
from analysis.runs.signals import time_budget

__all__ = [
    "ParameterError",
    "RunError",
    "RunFailed",
    "RunLocked",
    "RunResult",
    "RunTerminated",
    "RunTimedOut",
    "declared_parameters",
    "load_comparison",
    "parse_cli_params",
    "render_report",
    "run",
    "run_report",
    "save_comparison",
    "time_budget",
    "validate_parameters",
]
