"""Unattended report runs that never publish a broken report.

:func:`run` executes the analysis notebooks with papermill, in order and in one
process, into a fresh run folder ``reports/runs/<UTC timestamp>-<focus_id>/``,
checks every executed notebook cell by cell (:mod:`analysis.runs.audit`), records a
``manifest.json`` (status, parameters, timings, input hashes, package versions) and
only then switches the ``reports/latest`` symlink, atomically
(:mod:`analysis.runs.publish`). A failed run keeps its folder for inspection and
leaves ``latest`` on the previous good run.

One run at a time: an exclusive ``flock`` on ``config.LOCK_FILE``
(:mod:`analysis.runs.lock`); SIGTERM, SIGINT and the time budget are handled by
:mod:`analysis.runs.signals`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import logging
import math
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from analysis import config
from analysis.corpus import safe_path
from analysis.runs.audit import _audit, _failure_message, _read_executed
from analysis.runs.errors import ParameterError, RunFailed, RunTerminated, _BudgetExceeded, _Terminated
from analysis.runs.lock import _Lock, _mark_abandoned
from analysis.runs.params import _declared, validate_parameters
from analysis.runs.publish import (
    _apply_retention,
    _iso,
    _new_run_dir,
    _parameter_files,
    _sha256,
    _switch_latest,
    _utcnow,
    _versions,
    _write_json_atomic,
)
from analysis.runs.signals import (
    _BUDGET,
    _kernel_environment,
    _signals_deferred,
    _sigterm_raises,
    time_budget,
)

logger = logging.getLogger(__name__)

__all__ = ["RunResult", "run"]

KERNEL_NAME = "python3"
"""The ipykernel kernelspec; jupyter_client runs it with this interpreter (``sys.executable``)."""


@dataclasses.dataclass(frozen=True)
class RunResult:
    """What a successful :func:`run` produced.

    Attributes
    ----------
    run_dir : Path
        The run folder, now the target of ``latest``.
    manifest : dict
        The content of ``run_dir / "manifest.json"`` (status ``succeeded``).
    notebooks : list of Path
        The executed notebooks, in execution order.

    Examples
    --------
    >>> RunResult(Path("r"), {"status": "succeeded"}, []).manifest["status"]
    'succeeded'
    """

    run_dir: Path
    manifest: dict[str, Any]
    notebooks: list[Path]


@contextlib.contextmanager
def _run_log(path: Path) -> Iterator[None]:
    """Attach a FileHandler (UTC timestamps) to the ``analysis`` and ``papermill`` loggers."""
    handler = logging.FileHandler(path, encoding="utf-8")
    formatter = logging.Formatter(
        "%(asctime)s.%(msecs)03dZ %(levelname)s %(name)s: %(message)s", "%Y-%m-%dT%H:%M:%S"
    )
    formatter.converter = time.gmtime
    handler.setFormatter(formatter)
    handler.setLevel(logging.INFO)
    package = logging.getLogger("analysis")
    papermill_logger = logging.getLogger("papermill")
    old_level = package.level
    if package.getEffectiveLevel() > logging.INFO:
        package.setLevel(logging.INFO)
    package.addHandler(handler)
    papermill_logger.addHandler(handler)  # its warnings (kernel died, timeouts) at their level
    try:
        yield
    finally:
        package.removeHandler(handler)
        papermill_logger.removeHandler(handler)
        package.setLevel(old_level)
        handler.close()


def _kernel_manager_class(log_path: Path) -> type:
    """A kernel manager whose kernels write their stdout/stderr (fd level) to ``log_path``.

    Kernel-side messages (startup warnings, a crash's last words, C-level output) then
    land in ``run.log`` instead of the cron mail; ``stdout``/``stderr`` are the documented
    Popen keyword arguments of ``KernelManager.start_kernel``.
    """
    from jupyter_client.manager import AsyncKernelManager

    class _LoggingKernelManager(AsyncKernelManager):
        async def start_kernel(self, **kw: Any) -> None:
            with log_path.open("ab") as sink:  # the kernel keeps its own copy of the fd
                kw.setdefault("stdout", sink)
                kw.setdefault("stderr", sink)
                # the kernel reads and writes the same project folder as this process
                kw.setdefault("env", {**os.environ, "ANALYSIS_HOME": str(config.PROJECT_ROOT)})
                await super().start_kernel(**kw)
            pid = getattr(getattr(self, "provisioner", None), "pid", None)
            if pid:
                _BUDGET["kernels"].append(pid)

    return _LoggingKernelManager


def _default_notebooks() -> list[Path]:
    return config.report_notebooks()


def run(
    params: dict[str, Any] | None = None,
    *,
    notebooks: list[Path] | None = None,
    runs_dir: Path | None = None,
    latest: Path | None = None,
    lock_file: Path | None = None,
    cell_timeout: float = 600,
    total_timeout: float = 1800,
    keep: int | None = None,
    progress: bool | None = None,
    finalize: Callable[[Path, dict[str, Any]], None] | None = None,
    inputs: list[Path] | None = None,
    budget_started: float | None = None,
) -> RunResult:
    """Execute the notebooks into a new run folder and publish it as ``latest`` if all went well.

    Parameters
    ----------
    params : dict or None
        Notebook parameters; checked against each notebook's ``parameters`` cell before
        anything starts. Each notebook receives only the ones it declares, plus
        ``output_dir`` (the run folder) if it declares ``output_dir``.
    notebooks : list of Path or None
        Notebooks to run in order; default the report chain (``config.REPORT_NOTEBOOKS``).
    runs_dir, latest, lock_file : Path or None
        Where run folders go, the symlink switched on success, the lock file (default
        ``reports/runs``, ``reports/latest`` and ``reports/.run.lock`` of the project folder).
    cell_timeout : float
        Seconds one cell may run.
    total_timeout : float
        Seconds for all notebooks; checked between notebooks, and each notebook gets
        ``min(cell_timeout, remaining)`` per cell.
    keep : int or None
        After a successful run, keep only the ``keep`` newest run folders (never deleting
        the one ``latest`` points to). None keeps everything.
    progress : bool or None
        Show papermill's cell progress bar (tqdm on stderr); default: when stderr is a TTY.
        Per-notebook lines are always logged (``notebook 2/4 02_themes.ipynb started``).
    finalize : callable or None
        ``finalize(run_dir, manifest)`` after all notebooks succeeded and before the run is
        marked succeeded (e.g. render the PDF report); an exception fails the run.
    inputs : list of Path or None
        Further input files whose sha256 goes into ``manifest.json`` (the data and the
        dictionary the notebooks read by default).
    budget_started : float or None
        ``time.monotonic()`` when the caller's budget began (a pre-check already spent part
        of ``total_timeout``); default: now.

    Returns
    -------
    RunResult
        The run folder, its manifest and the executed notebooks.

    Raises
    ------
    ParameterError
        Bad parameters or arguments; nothing was created.
    RunLocked
        Another run holds the lock; nothing was created.
    RunFailed
        A notebook or ``finalize`` failed, a timeout expired (:class:`RunTerminated` for
        SIGTERM); the manifest says ``failed`` and ``latest`` is unchanged.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> nbs = [Path("tests/fixtures/notebooks/ok.ipynb")]
    >>> tmp = Path(tempfile.mkdtemp())
    >>> result = run({"n": 2}, notebooks=nbs, runs_dir=tmp / "runs",
    ...              latest=tmp / "latest", lock_file=tmp / ".lock")  # doctest: +SKIP
    >>> result.manifest["status"]  # doctest: +SKIP
    'succeeded'
    """
    # -- checks that create nothing --------------------------------------------------------
    nb_paths = [Path(p) for p in (notebooks if notebooks is not None else _default_notebooks())]
    if not nb_paths:
        raise ParameterError(f"no notebooks to run (looked in {config.NOTEBOOKS_DIR})")
    missing = [str(p) for p in nb_paths if not p.is_file()]
    if missing:
        raise ParameterError(f"notebook(s) not found: {', '.join(missing)}")
    names = [p.name for p in nb_paths]
    if len(set(names)) != len(names):
        raise ParameterError(f"notebook names must be distinct in a run folder: {names}")
    if keep is not None and keep < 1:
        raise ParameterError(f"keep must be at least 1, got {keep}")
    if cell_timeout <= 0 or total_timeout <= 0:
        raise ParameterError("cell_timeout and total_timeout must be positive")
    runs_dir = config.RUNS_DIR if runs_dir is None else runs_dir
    latest = config.LATEST_LINK if latest is None else latest
    lock_file = config.LOCK_FILE if lock_file is None else lock_file
    # absolute paths: kernels run with the run folder as working directory
    latest = Path(latest).parent.resolve() / Path(latest).name
    runs_dir = Path(runs_dir).resolve()
    if latest.exists() and not latest.is_symlink():
        raise ParameterError(f"{latest} exists and is not a symlink; refusing to replace it")
    nb_paths = [p.resolve() for p in nb_paths]
    resolved, per_notebook = validate_parameters(params, nb_paths)
    declares_output = {nb: "output_dir" in _declared(nb) for nb in nb_paths}
    show_bar = sys.stderr.isatty() if progress is None else progress

    # -- lock, then the run folder -----------------------------------------------------------
    lock = _Lock(Path(lock_file).parent.resolve() / Path(lock_file).name)
    lock.acquire()
    try:
        started = _utcnow()
        run_dir = _new_run_dir(runs_dir, resolved.get("focus_id"), started)
        run_id = run_dir.name
        lock.write_holder(
            {
                "pid": os.getpid(),
                "run_id": run_id,
                "started_at": _iso(started),
                "host": platform.node(),
            }
        )
        _mark_abandoned(runs_dir, run_dir)
        return _execute(
            run_dir=run_dir,
            started=started,
            nb_paths=nb_paths,
            resolved=resolved,
            per_notebook=per_notebook,
            declares_output=declares_output,
            latest=latest,
            cell_timeout=cell_timeout,
            total_timeout=total_timeout,
            budget_started=budget_started,
            keep=keep,
            show_bar=show_bar,
            finalize=finalize,
            runs_dir=runs_dir,
            inputs=inputs or [],
        )
    finally:
        lock.release()


def _execute(
    *,
    run_dir: Path,
    started: dt.datetime,
    nb_paths: list[Path],
    resolved: dict[str, Any],
    per_notebook: dict[Path, dict[str, Any]],
    declares_output: dict[Path, bool],
    latest: Path,
    cell_timeout: float,
    total_timeout: float,
    keep: int | None,
    show_bar: bool,
    finalize: Callable[[Path, dict[str, Any]], None] | None,
    runs_dir: Path,
    inputs: list[Path],
    budget_started: float | None = None,
) -> RunResult:
    t0 = time.monotonic()
    deadline = (budget_started if budget_started is not None else t0) + total_timeout
    (run_dir / "figures").mkdir()
    (run_dir / "tables").mkdir()
    manifest_path = run_dir / "manifest.json"
    all_params = {**resolved}
    if any(declares_output.values()):
        all_params["output_dir"] = str(run_dir)
    manifest: dict[str, Any] = {
        "run_id": run_dir.name,
        "status": "running",
        "message": None,
        "run_dir": str(run_dir),
        "started_at": _iso(started),
        "finished_at": None,
        "duration_s": None,
        "pid": os.getpid(),
        "host": platform.node(),
        "parameters": all_params,
        "settings": {
            "kernel_name": KERNEL_NAME,
            "cell_timeout_s": cell_timeout,
            "total_timeout_s": total_timeout,
            "keep": keep,
        },
        "notebooks": [
            {
                "name": nb.name,
                "input": str(nb),
                "sha256": _sha256(nb),
                "parameters": {
                    **per_notebook[nb],
                    **({"output_dir": str(run_dir)} if declares_output[nb] else {}),
                },
                "status": "pending",
                "started_at": None,
                "finished_at": None,
                "duration_s": None,
            }
            for nb in nb_paths
        ],
        "input_hashes": {},
        "versions": _versions(),
    }
    manifest["input_hashes"] = {e["input"]: e["sha256"] for e in manifest["notebooks"]}
    executed: list[Path] = []

    def save() -> None:
        _write_json_atomic(manifest_path, manifest)

    def fail(message: str, exc_type: type[RunFailed] = RunFailed) -> RunFailed:
        manifest["status"] = "failed"
        manifest["message"] = message
        manifest["finished_at"] = _iso(_utcnow())
        manifest["duration_s"] = round(time.monotonic() - t0, 3)
        for entry in manifest["notebooks"]:
            if entry["status"] == "running":
                entry["status"] = "failed"
            elif entry["status"] == "pending":
                entry["status"] = "skipped"
        save()
        logger.error("run %s failed: %s", run_dir.name, message)
        return exc_type(run_dir, message)

    with _run_log(run_dir / "run.log"):
        save()
        logger.info("run %s started in %s", run_dir.name, run_dir)
        try:
            manifest["input_hashes"].update(_parameter_files(resolved))
            for path in inputs:
                if Path(path).is_file():
                    manifest["input_hashes"][str(Path(path).resolve())] = _sha256(Path(path))
            save()
            with _sigterm_raises(), _kernel_environment(), time_budget(deadline - time.monotonic()):
                import papermill

                kernel_manager = _kernel_manager_class(run_dir / "run.log")
                for i, (nb, entry) in enumerate(zip(nb_paths, manifest["notebooks"], strict=True), start=1):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:  # reported below, once the alarm is off
                        raise _BudgetExceeded
                    timeout = min(cell_timeout, remaining)
                    out = run_dir / nb.name
                    entry.update(status="running", started_at=_iso(_utcnow()), output=str(out))
                    save()
                    logger.info("notebook %d/%d %s started", i, len(nb_paths), nb.name)
                    t_nb = time.monotonic()
                    try:
                        papermill.execute_notebook(
                            str(nb),
                            str(out),
                            parameters=entry["parameters"],
                            kernel_name=KERNEL_NAME,
                            execution_timeout=max(1, math.ceil(timeout)),  # nbclient wants an int
                            cwd=str(run_dir),
                            progress_bar=show_bar,
                            log_output=False,
                            kernel_manager_class=kernel_manager,
                        )
                    except Exception as exc:
                        entry["duration_s"] = round(time.monotonic() - t_nb, 3)
                        entry["finished_at"] = _iso(_utcnow())
                        if out.exists():
                            executed.append(out)
                        if _BUDGET["expired"]:
                            raise _BudgetExceeded from exc
                        raise fail(
                            _failure_message(nb.name, exc, out, timeout, timeout < cell_timeout)
                        ) from exc
                    seconds = time.monotonic() - t_nb
                    entry.update(duration_s=round(seconds, 3), finished_at=_iso(_utcnow()))
                    if _BUDGET["expired"]:
                        raise _BudgetExceeded
                    executed.append(out)
                    nb_node = _read_executed(out)
                    problem = "the executed notebook cannot be read" if nb_node is None else _audit(nb_node)
                    if problem:
                        raise fail(f"notebook {nb.name}: {problem}")
                    entry["status"] = "succeeded"
                    save()
                    logger.info("notebook %d/%d %s finished in %.1f s", i, len(nb_paths), nb.name, seconds)

                if finalize is not None:
                    logger.info("finalize started")
                    t_fin = time.monotonic()
                    try:
                        finalize(run_dir, json.loads(json.dumps(manifest, default=str)))
                    except Exception as exc:
                        raise fail(f"finalize failed: {type(exc).__name__}: {exc}") from exc
                    manifest["finalize_s"] = round(time.monotonic() - t_fin, 3)
                    logger.info("finalize finished in %.1f s", manifest["finalize_s"])
        except _Terminated:
            raise fail("terminated by SIGTERM", RunTerminated) from None
        except _BudgetExceeded:
            states = [e.get("status") for e in manifest["notebooks"]]
            if "running" in states:
                where = f" during {nb_paths[states.index('running')].name}"
            elif "pending" in states:
                i = states.index("pending")
                where = f" before notebook {i + 1}/{len(nb_paths)} {nb_paths[i].name}"
            else:
                where = " while rendering the report"
            raise fail(f"total run timeout of {total_timeout:g} s exceeded{where}") from None
        except KeyboardInterrupt:
            fail("interrupted (KeyboardInterrupt)")
            raise
        except RunFailed:
            raise
        except Exception as exc:
            raise fail(f"{type(exc).__name__}: {exc}") from exc

        try:
            with _signals_deferred():  # "succeeded" and latest change together, or not at all
                manifest["status"] = "succeeded"
                manifest["finished_at"] = _iso(_utcnow())
                manifest["duration_s"] = round(time.monotonic() - t0, 3)
                save()
                _switch_latest(latest, run_dir)
        except OSError as exc:  # disk full, read-only folder: not published, latest unchanged
            message = (
                f"publishing the run failed: {safe_path(exc.filename or run_dir)}: {exc.strerror or exc}"
            )
            try:
                raise fail(message) from exc
            except OSError:  # the manifest cannot even say "failed": remove the run folder
                shutil.rmtree(run_dir, ignore_errors=True)
                raise RunFailed(run_dir, message + " (run folder removed)") from exc
        logger.info(
            "run %s succeeded in %.1f s; %s -> %s",
            run_dir.name,
            manifest["duration_s"],
            latest,
            os.readlink(latest),
        )
        if keep is not None:
            _apply_retention(runs_dir, keep, latest, run_dir)
    return RunResult(run_dir=run_dir, manifest=manifest, notebooks=executed)
