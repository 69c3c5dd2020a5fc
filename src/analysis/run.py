"""Unattended report runs that never publish a broken report.

:func:`run` executes the analysis notebooks with papermill, in order and in one
process, into a fresh run folder ``reports/runs/<UTC timestamp>-<focus_id>/``,
checks every executed notebook cell by cell, records a ``manifest.json`` (status,
parameters, timings, input hashes, package versions) and only then switches the
``reports/latest`` symlink, atomically. A failed run keeps its folder for
inspection and leaves ``latest`` on the previous good run.

Why the extra checks: papermill marks cells "completed" after a kernel death or a
cell timeout and returns normally after ``sys.exit(0)`` with later cells never
executed, so a run is only called good when every code cell of every notebook has
an execution count, a reply and no error output.

One run at a time: an exclusive ``flock`` on ``config.LOCK_FILE`` (released by the
kernel if the process dies, so a killed run never leaves a stale lock).

Examples
--------
>>> from analysis.run import parse_cli_params
>>> parse_cli_params(["n=3", "lang=fr", "ids=[a, b]"], None)
{'n': 3, 'lang': 'fr', 'ids': ['a', 'b']}
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import datetime as dt
import errno
import fcntl
import hashlib
import importlib.metadata
import json
import logging
import math
import os
import platform
import re
import shutil
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from analysis import config
from analysis.corpus import safe_path

logger = logging.getLogger(__name__)

__all__ = [
    "ParameterError",
    "RunError",
    "RunFailed",
    "RunLocked",
    "RunResult",
    "RunTerminated",
    "declared_parameters",
    "parse_cli_params",
    "run",
    "validate_parameters",
]

KERNEL_NAME = "python3"
"""The ipykernel kernelspec; jupyter_client runs it with this interpreter (``sys.executable``)."""

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
"""``MPLBACKEND`` for kernels: inline figures land in the executed notebooks (and the report)
even when the calling environment exports ``MPLBACKEND=Agg``."""

RESERVED_PARAMETERS = frozenset({"output_dir"})
_CHOICES: dict[str, tuple[Any, ...]] = {
    "lang": config.LANGUAGES,
    "reference_language": ("", *config.LANGUAGES),
}
"""Parameters with a closed set of values (checked before any kernel starts)."""
_NON_NEGATIVE = frozenset({"kwic_window", "min_count"})
_DATES = frozenset({"since", "until"})
"""Set by :func:`run` itself (the run folder), never by the caller."""

VERSIONED_PACKAGES = (
    "analysis",
    "pandas",
    "numpy",
    "papermill",
    "nbclient",
    "nbformat",
    "ipykernel",
    "jupyter_client",
    "matplotlib",
    "nltk",
    "pyyaml",
    "weasyprint",
)

_RUN_ID_RE = re.compile(r"^\d{8}T\d{6}Z-")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")
_NO_DEFAULT = object()
"""Default of a parameter whose value is not a Python literal: any value is accepted."""


# --------------------------------------------------------------------------- errors


class RunError(Exception):
    """Base class of the errors raised by :func:`run`."""


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


class _Terminated(BaseException):
    """Raised by the SIGTERM handler; BaseException so no ``except Exception`` swallows it."""


class _BudgetExceeded(BaseException):
    """Raised by the SIGALRM of :func:`time_budget`; BaseException for the same reason."""


class RunTimedOut(RunError):  # noqa: N818 (public name, like RunLocked)
    """The whole run's time budget ran out before a run folder existed (the pre-check)."""


# --------------------------------------------------------------------------- result


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


# --------------------------------------------------------------------------- parameters


def parse_cli_params(pairs: list[str] | None, yaml_file: Path | None = None) -> dict[str, Any]:
    """Turn ``-p NAME=VALUE`` pairs and a ``-f params.yaml`` file into a parameter dict.

    Values are parsed with ``yaml.safe_load`` (``3`` is an int, ``fr`` a str, ``[a, b]``
    a list, ``'3'`` a str); an empty value is the empty string; YAML dates become ISO
    strings. Pairs override the file.

    Parameters
    ----------
    pairs : list of str or None
        ``NAME=VALUE`` strings, as given after ``-p``.
    yaml_file : Path or None
        A YAML file holding a mapping of parameter names to values.

    Returns
    -------
    dict
        The parameters (not yet checked against the notebooks: see :func:`validate_parameters`).

    Raises
    ------
    ParameterError
        A pair without ``=``, a name that is not an identifier, unparsable YAML, or a file
        that is not a mapping.

    Examples
    --------
    >>> parse_cli_params(["focus_id=fr-ca", "top=10", "ratio=0.5", "flag=true"], None)
    {'focus_id': 'fr-ca', 'top': 10, 'ratio': 0.5, 'flag': True}
    >>> parse_cli_params(["year='2024'"], None)
    {'year': '2024'}
    """
    import yaml

    from analysis.dictionary import yaml_anchor

    params: dict[str, Any] = {}
    if yaml_file is not None:
        yaml_file = Path(yaml_file)
        try:
            text = yaml_file.read_text(encoding="utf-8")
            refused = yaml_anchor(text)  # before loading: an alias bomb would never finish
            if refused:
                raise ParameterError(f"parameter file {yaml_file}: {refused}")
            duplicate = _duplicate_key(yaml.compose(text))
            if duplicate:
                raise ParameterError(f"parameter file {yaml_file}: {duplicate}")
            loaded = yaml.safe_load(text)
        except UnicodeDecodeError as exc:
            raise ParameterError(
                f"parameter file {safe_path(yaml_file)} is not UTF-8 (byte {exc.start}: {exc.reason})"
            ) from exc
        except OSError as exc:
            raise ParameterError(f"cannot read parameter file {yaml_file}: {exc}") from exc
        except yaml.YAMLError as exc:
            raise ParameterError(f"parameter file {yaml_file} is not valid YAML: {exc}") from exc
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            raise ParameterError(
                f"parameter file {yaml_file} must hold a mapping of NAME: VALUE, "
                f"not a {type(loaded).__name__}"
            )
        for name, value in loaded.items():
            _check_name(name, f"in {yaml_file}")
            params[name] = _plain(value)
    for pair in pairs or []:
        name, sep, text = pair.partition("=")
        name = name.strip()
        if not sep:
            raise ParameterError(f"parameter {pair!r} must look like NAME=VALUE")
        _check_name(name, f"in -p {pair!r}")
        if text.strip() == "":
            params[name] = ""
            continue
        params[name] = _typed_value(name, text)
    return params


def _duplicate_key(node: Any) -> str | None:
    """The first key given twice in a YAML mapping (``yaml.safe_load`` keeps the last silently)."""
    import yaml

    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key, value in node.value:
            if key.value in seen:
                return (
                    f"duplicate key {key.value!r} on line {key.start_mark.line + 1} "
                    f"(first on line {seen[key.value]})"
                )
            seen[key.value] = key.start_mark.line + 1
            found = _duplicate_key(value)
            if found:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _duplicate_key(item)
            if found:
                return found
    return None


def _typed_value(name: str, text: str) -> Any:
    """A ``-p`` value: YAML numbers, booleans and lists; any other text exactly as typed.

    YAML would drop ``# comments`` and read ``a: b`` as a mapping or ``2024-02-30`` as an error:
    whatever YAML does not read as a plain scalar or list stays the string the user typed
    (quotes, ``'3'``, still make a string of a number).
    """
    import yaml

    if "#" in text:
        return text
    from analysis.dictionary import yaml_anchor

    try:
        refused = yaml_anchor(text)  # an alias bomb is never expanded: the text stays a string
        value = yaml.safe_load(text) if refused is None else text
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a timestamp that is no date (2024-02-30)
        if text.lstrip()[:1] in ("[", "{"):  # meant as a list: say so rather than pass a string
            raise ParameterError(f"value of parameter {name!r} is not valid YAML: {exc}") from exc
        return text
    if refused is not None and text.lstrip()[:1] in ("[", "{"):
        raise ParameterError(f"value of parameter {name!r}: {refused}")
    if isinstance(value, dict):
        return text
    if isinstance(value, str) and text.strip()[:1] not in ("'", '"'):
        return text
    return _plain(value)


def _check_name(name: object, where: str) -> None:
    if not isinstance(name, str) or not name.isidentifier():
        raise ParameterError(f"parameter name {name!r} {where} is not a Python identifier")


def _plain(value: Any) -> Any:
    """Dates (YAML timestamps) become ISO strings, recursively."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def declared_parameters(notebook: Path) -> dict[str, Any]:
    """Return the parameters a notebook declares in its cell tagged ``parameters``.

    Top-level assignments ``name = literal`` (also annotated ones) are read with
    :mod:`ast`, without running anything; a default that is not a Python literal is
    reported as ``...`` (Ellipsis) and accepts any value.

    Parameters
    ----------
    notebook : Path
        An ``.ipynb`` file.

    Returns
    -------
    dict
        Parameter name to default value, in declaration order (empty without a
        ``parameters`` cell).

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell('focus_id = "x"\\nn: int = 2')
    >>> cell.metadata["tags"] = ["parameters"]
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "nb.ipynb"
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    >>> declared_parameters(path)
    {'focus_id': 'x', 'n': 2}
    """
    raw = _declared(Path(notebook))
    return {name: (... if value is _NO_DEFAULT else value) for name, value in raw.items()}


def _declared(notebook: Path) -> dict[str, Any]:
    try:
        nb = json.loads(notebook.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ParameterError(f"cannot read notebook {notebook}: {exc}") from exc
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            break
    else:
        return {}
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ParameterError(f"the parameters cell of {notebook.name} is not valid Python: {exc}") from exc
    found: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
            value_node: ast.expr | None = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            targets = [node.target.id]
            value_node = node.value
        else:
            continue
        try:
            value = ast.literal_eval(value_node) if value_node is not None else None
        except ValueError:
            value = _NO_DEFAULT
        for name in targets:
            found[name] = value
    return found


def _type_name(value: Any) -> str:
    return type(value).__name__


def _accepts(default: Any, value: Any) -> bool:
    """Whether ``value`` may replace ``default`` (int is accepted where the default is float)."""
    if default is None or default is _NO_DEFAULT:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(default, bool) and isinstance(value, bool)
    if isinstance(default, float):
        return isinstance(value, int | float)
    if isinstance(default, int):
        return isinstance(value, int)
    if isinstance(default, list | tuple):
        return isinstance(value, list | tuple)
    return isinstance(value, type(default))


def validate_parameters(
    params: dict[str, Any] | None, notebooks: list[Path]
) -> tuple[dict[str, Any], dict[Path, dict[str, Any]]]:
    """Check parameters against what the notebooks declare, without starting a kernel.

    Parameters
    ----------
    params : dict or None
        Caller parameters.
    notebooks : list of Path
        The notebooks that will run.

    Returns
    -------
    resolved : dict
        Every declared parameter with its value (the caller's, else the default of the
        first notebook declaring it), ``output_dir`` excluded.
    per_notebook : dict
        For each notebook, the parameters it will receive (``output_dir`` excluded).

    Raises
    ------
    ParameterError
        An unknown name, ``output_dir`` (set by the run), or a value whose type does not
        match the default's; the message names the parameter and its notebooks.

    Examples
    --------
    >>> import nbformat
    >>> cell = nbformat.v4.new_code_cell("n = 1\\nratio = 0.5")
    >>> cell.metadata["tags"] = ["parameters"]
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "a.ipynb"
    >>> nbformat.write(nbformat.v4.new_notebook(cells=[cell]), path)
    >>> validate_parameters({"ratio": 1}, [path])[0]
    {'n': 1, 'ratio': 1}
    >>> validate_parameters({"n": "3"}, [path])
    Traceback (most recent call last):
    ...
    analysis.run.ParameterError: parameter 'n' expects int (default 1 in a.ipynb), got str '3'...
    """
    params = dict(params or {})
    declared = {nb: _declared(nb) for nb in notebooks}
    owners: dict[str, list[Path]] = {}
    for nb, names in declared.items():
        for name in names:
            owners.setdefault(name, []).append(nb)

    for name in params:
        if name in RESERVED_PARAMETERS:
            raise ParameterError(
                f"parameter {name!r} is set by the run itself (the run folder); do not pass it"
            )
        if name not in owners:
            known = ", ".join(sorted(n for n in owners if n not in RESERVED_PARAMETERS))
            checked = ", ".join(nb.name for nb in notebooks)
            raise ParameterError(
                f"unknown parameter {name!r}: no notebook declares it "
                f"(checked {checked}; known parameters: {known or 'none'})"
            )
    for name, value in params.items():
        for nb in owners[name]:
            default = declared[nb][name]
            if not _accepts(default, value):
                hint = ""
                if isinstance(default, str) and not isinstance(value, str):
                    hint = f" (quote it to pass a string: -p {name}='{value}')"
                declaring = ", ".join(n.name for n in owners[name])
                raise ParameterError(
                    f"parameter {name!r} expects {_type_name(default)} "
                    f"(default {default!r} in {nb.name}), got {_type_name(value)} {value!r}"
                    f"{hint}; declared in {declaring}"
                )

    resolved: dict[str, Any] = {}
    for name, nbs in owners.items():
        if name in RESERVED_PARAMETERS:
            continue
        if name in params:
            resolved[name] = params[name]
        else:
            default = declared[nbs[0]][name]
            resolved[name] = None if default is _NO_DEFAULT else default
    _check_values(params)
    per_notebook = {
        nb: {name: params[name] for name in names if name in params} for nb, names in declared.items()
    }
    return resolved, per_notebook


def _check_values(params: dict[str, Any]) -> None:
    """Refuse values the notebooks would only fail on later: raw-data outputs, bad choices, dates."""
    from analysis.store import OutputRefused, check_output

    for name, value in params.items():
        if name.endswith("_dir") and isinstance(value, str) and value:
            try:
                check_output(value)
                check_output(config.PROJECT_ROOT / value)
            except OutputRefused as exc:
                raise ParameterError(f"parameter {name!r}: {exc}") from exc
        if name in _CHOICES and value not in _CHOICES[name]:
            raise ParameterError(
                f"parameter {name!r}: {value!r} is not one of {', '.join(map(str, _CHOICES[name]))}"
            )
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if (name in _NON_NEGATIVE or name.endswith(("_window", "_count"))) and numeric and value < 0:
            raise ParameterError(f"parameter {name!r}: {value!r} must be zero or more")
        if name in _DATES and value not in ("", None):
            try:
                if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
                    raise ValueError
                dt.date.fromisoformat(value)
            except ValueError:
                raise ParameterError(f"parameter {name!r}: {value!r} is not a date YYYY-MM-DD") from None


# --------------------------------------------------------------------------- helpers


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _iso(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return versions


def _path_values(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _path_values(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _path_values(item)


def _parameter_files(params: dict[str, Any]) -> dict[str, str]:
    """sha256 of every existing file named by a parameter value (relative to the cwd)."""
    hashes: dict[str, str] = {}
    for name, value in params.items():
        for text in _path_values(value):
            if not text or len(text) > 4096 or "\n" in text:
                continue
            path = Path(text).expanduser()
            try:
                if not path.is_file():
                    continue
            except OSError:
                continue
            if not path.is_absolute():
                logger.warning(
                    "parameter %r is a relative path (%s): notebooks run inside the run folder, "
                    "pass an absolute path",
                    name,
                    text,
                )
            hashes[str(path.resolve())] = _sha256(path)
    return hashes


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    from analysis.store import atomic_open

    with atomic_open(path) as fh:
        json.dump(data, fh, indent=2, ensure_ascii=False, default=str)
        fh.write("\n")


def _new_run_dir(runs_dir: Path, focus_id: Any, started: dt.datetime) -> Path:
    label = _UNSAFE_CHARS.sub("_", str(focus_id or "run")).strip("._-")[:80] or "run"
    stem = f"{started.strftime('%Y%m%dT%H%M%SZ')}-{label}"
    runs_dir.mkdir(parents=True, exist_ok=True)
    for n in range(1, 1000):
        candidate = runs_dir / (stem if n == 1 else f"{stem}-{n}")
        try:
            candidate.mkdir()
        except FileExistsError:
            continue
        return candidate
    raise RunError(f"cannot create a run folder for {stem} in {runs_dir}")


def _switch_latest(latest: Path, run_dir: Path) -> None:
    """Point ``latest`` at ``run_dir`` atomically (symlink at a temp name, then ``os.replace``)."""
    latest.parent.mkdir(parents=True, exist_ok=True)
    target = os.path.relpath(run_dir.resolve(), latest.parent.resolve())
    tmp = latest.with_name(f".{latest.name}.tmp-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    try:
        os.symlink(target, tmp)
        os.replace(tmp, latest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _latest_target(latest: Path) -> Path | None:
    if not latest.is_symlink():
        return None
    try:
        return latest.resolve(strict=True)
    except OSError:
        return None


def _run_dirs(runs_dir: Path) -> list[Path]:
    if not runs_dir.is_dir():
        return []
    return sorted(
        p for p in runs_dir.iterdir() if p.is_dir() and not p.is_symlink() and _RUN_ID_RE.match(p.name)
    )


def _apply_retention(runs_dir: Path, keep: int, latest: Path, current: Path) -> list[Path]:
    """Delete the oldest run folders beyond ``keep`` (never ``latest``'s target or ``current``)."""
    protected = {current.resolve()}
    target = _latest_target(latest)
    if target is not None:
        protected.add(target)
    runs = _run_dirs(runs_dir)
    removed = []
    for old in runs[: max(len(runs) - keep, 0)]:
        if old.resolve() in protected:
            continue
        try:
            shutil.rmtree(old)
        except OSError as exc:
            logger.warning("retention: could not delete %s: %s", old, exc)
        else:
            removed.append(old)
            logger.info("retention: deleted old run %s", old.name)
    return removed


def _mark_abandoned(runs_dir: Path, current: Path) -> None:
    """Mark runs still saying ``running`` as failed: we hold the lock, so their process died."""
    for folder in _run_dirs(runs_dir):
        if folder == current:
            continue
        path = folder / "manifest.json"
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if data.get("status") == "running":
            data["status"] = "failed"
            data["message"] = "abandoned: the run's process died (lock released while running)"
            _write_json_atomic(path, data)
            logger.warning("run %s was abandoned by a dead process: marked failed", folder.name)


# --------------------------------------------------------------------------- lock


class _Lock:
    """An exclusive, non-blocking ``flock`` on a file holding the holder's pid and run id."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            holder = self.read_holder()
            who = (
                f"run {holder.get('run_id', '?')} (pid {holder.get('pid', '?')}, "
                f"started {holder.get('started_at', '?')})"
                if holder
                else "an unknown process"
            )
            raise RunLocked(f"another run is in progress: {who} holds {self.path}", holder) from None
        self.fd = fd

    def read_holder(self) -> dict[str, Any]:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            return {}
        if not text:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            return {"raw": text}
        return data if isinstance(data, dict) else {"raw": text}

    def write_holder(self, info: dict[str, Any]) -> None:
        assert self.fd is not None
        payload = (json.dumps(info) + "\n").encode("utf-8")
        os.ftruncate(self.fd, 0)
        os.pwrite(self.fd, payload, 0)
        os.fsync(self.fd)

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        os.close(self.fd)
        self.fd = None


# --------------------------------------------------------------------------- run-time context


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


_BUDGET: dict[str, Any] = {"expired": False, "kernels": []}


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """While active (main thread only), raise :class:`_BudgetExceeded` once ``seconds`` have passed.

    The whole run (pre-check, every notebook, the PDF) shares one budget: a cell timeout
    alone lets a notebook of many slow cells overrun it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        # the event loop of nbclient may swallow the exception: remember it, and end the
        # kernels this run started so that papermill returns at once
        _BUDGET["expired"] = True
        for pid in _BUDGET["kernels"]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        raise _BudgetExceeded(f"time budget of {seconds:g} s exceeded")

    _BUDGET.update(expired=False, kernels=[])
    previous = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """Hold SIGTERM and SIGINT while a few steps run; they are raised again right after.

    A recording handler, not a signal mask: other threads (ZeroMQ's) do not block signals,
    so a mask in the main thread alone lets the default action kill the process midway.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    held = (signal.SIGTERM, signal.SIGINT)
    previous = {sig: signal.signal(sig, lambda signum, frame: received.append(signum)) for sig in held}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(received):
            signal.raise_signal(sig)


@contextlib.contextmanager
def _sigterm_raises() -> Iterator[None]:
    """While active (main thread only), SIGTERM raises :class:`_Terminated`."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: object) -> None:
        raise _Terminated("terminated by SIGTERM")

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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
                await super().start_kernel(**kw)
            pid = getattr(getattr(self, "provisioner", None), "pid", None)
            if pid:
                _BUDGET["kernels"].append(pid)

    return _LoggingKernelManager


# --------------------------------------------------------------------------- notebook checks


def _first_line(source: Any) -> str:
    text = "".join(source) if isinstance(source, list) else str(source or "")
    for line in text.splitlines():
        if line.strip():
            line = line.strip()
            return line if len(line) <= 80 else line[:77] + "..."
    return ""


def _numbered_cells(nb: Any) -> Iterator[tuple[str, Any]]:
    """Cells of an executed notebook with their label in the *source* notebook.

    papermill inserts an ``injected-parameters`` cell and, on error, markdown marker
    cells; they are skipped in the numbering so ``cell 2`` means cell 2 of the file
    the author edits.
    """
    index = 0
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "papermill-error-cell-tag" in tags:
            continue
        if "injected-parameters" in tags:
            yield "the injected-parameters cell", cell
            continue
        yield f"cell {index} (`{_first_line(cell.get('source'))}`)", cell
        index += 1


def _must_run(cell: Any) -> bool:
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else source
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.get("cell_type") == "code" and bool(source.strip()) and "skip-execution" not in tags


def _audit(nb: Any) -> str | None:
    """Why an executed notebook is not complete and clean, or None."""
    problems: list[str] = []
    unexecuted: list[str] = []
    for label, cell in _numbered_cells(nb):
        if not _must_run(cell):
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        if errors and not problems:
            err = errors[0]
            problems.append(f"{label} raised {err.get('ename')}: {err.get('evalue')}")
        elif cell.get("execution_count") is None:
            unexecuted.append(label)
        elif "shell.execute_reply" not in cell.get("metadata", {}).get(
            "execution", {"shell.execute_reply": True}
        ):
            unexecuted.append(f"{label} (started, never finished)")
    if unexecuted:
        more = f" and {len(unexecuted) - 1} later cell(s)" if len(unexecuted) > 1 else ""
        problems.append(f"{unexecuted[0]}{more} never executed")
    return "; ".join(problems) or None


def _current_cell(nb: Any) -> str | None:
    """Label of the last cell papermill started (the one running when execution stopped)."""
    current = None
    for label, cell in _numbered_cells(nb):
        if cell.get("metadata", {}).get("papermill", {}).get("start_time"):
            current = label
    return current


def _read_executed(path: Path) -> Any | None:
    import nbformat

    try:
        return nbformat.read(path, as_version=4)
    except Exception:  # half-written by papermill when stopped mid-write
        return None


def _failure_message(
    name: str, exc: BaseException, executed: Path, timeout: float, total_limited: bool
) -> str:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError
    from papermill.exceptions import PapermillExecutionError

    nb = _read_executed(executed)
    where = _current_cell(nb) if nb is not None else None
    at = f" during {where}" if where else ""
    if isinstance(exc, PapermillExecutionError):
        detail = _audit(nb) if nb is not None else None
        return f"notebook {name}: " + (detail or f"{exc.ename}: {exc.evalue}")
    if isinstance(exc, CellTimeoutError):
        kind = "total run timeout" if total_limited else "cell timeout"
        return f"notebook {name}: {where or 'a cell'} timed out after {timeout:g} s ({kind})"
    if isinstance(exc, DeadKernelError):
        return f"notebook {name}: the kernel died{at}"
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"notebook {name}: {type(exc).__name__}{at}: {first}".rstrip(": ")


# --------------------------------------------------------------------------- run


def _default_notebooks() -> list[Path]:
    folder = config.NOTEBOOKS_DIR
    return sorted(folder.glob("*.ipynb")) if folder.is_dir() else []


def run(
    params: dict[str, Any] | None = None,
    *,
    notebooks: list[Path] | None = None,
    runs_dir: Path = config.RUNS_DIR,
    latest: Path = config.LATEST_LINK,
    lock_file: Path = config.LOCK_FILE,
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
        Notebooks to run in order; default the sorted ``*.ipynb`` of ``config.NOTEBOOKS_DIR``.
    runs_dir, latest, lock_file : Path
        Where run folders go, the symlink switched on success, the lock file.
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
                    if remaining <= 0:
                        raise fail(
                            f"total run timeout of {total_timeout:g} s exceeded before notebook "
                            f"{i}/{len(nb_paths)} {nb.name}"
                        )
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
