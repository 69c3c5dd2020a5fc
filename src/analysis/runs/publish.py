"""Run folders and what a run publishes: manifest, input hashes, ``latest``, retention.

A run folder is ``reports/runs/<UTC timestamp>-<focus_id>/``; its ``manifest.json`` is
rewritten atomically at every step; ``latest`` is a relative symlink switched with
``os.replace`` (never half a link); retention deletes the oldest run folders but never
the one ``latest`` points to.

Examples
--------
>>> import datetime as dt, tempfile, pathlib
>>> root = pathlib.Path(tempfile.mkdtemp())
>>> folder = _new_run_dir(root / "runs", "fr/ca", dt.datetime(2024, 9, 26, 12, tzinfo=dt.UTC))
>>> folder.name
'20240926T120000Z-fr_ca'
>>> _switch_latest(root / "latest", folder)
>>> os.readlink(root / "latest")
'runs/20240926T120000Z-fr_ca'
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import importlib.metadata
import json
import logging
import os
import platform
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from analysis.runs.errors import RunError

logger = logging.getLogger(__name__)

VERSIONED_PACKAGES = (
    "diplotext",
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
    "trafilatura",
    "simplemma",
)
"""Packages whose version goes into ``manifest.json`` (and ``analysis``, the import package's own)."""

_RUN_ID_RE = re.compile(r"^\d{8}T\d{6}Z-")
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


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
    from analysis import __version__

    versions = {"python": platform.python_version(), "analysis": __version__}
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
