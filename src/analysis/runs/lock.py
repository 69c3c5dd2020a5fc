"""One run at a time: an exclusive ``flock`` on ``config.LOCK_FILE``.

The kernel releases a ``flock`` when its process dies, so a killed run never leaves a
stale lock; the lock file holds the holder's pid and run id for the message of
:class:`analysis.runs.errors.RunLocked`. Runs whose folder still says ``running``
while we hold the lock were abandoned by a dead process: :func:`_mark_abandoned`
marks them failed.

Examples
--------
>>> import tempfile, pathlib
>>> lock = _Lock(pathlib.Path(tempfile.mkdtemp()) / ".run.lock")
>>> lock.acquire()
>>> lock.write_holder({"pid": 1, "run_id": "x"})
>>> lock.read_holder()
{'pid': 1, 'run_id': 'x'}
>>> lock.release()
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
from pathlib import Path
from typing import Any

from analysis.runs.errors import RunLocked
from analysis.runs.publish import _run_dirs, _write_json_atomic

logger = logging.getLogger(__name__)


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
