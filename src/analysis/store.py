"""Writers at the edges of the pipeline: every file is written atomically.

A file is written to a temporary name in its destination folder, flushed, then
moved over the destination with ``os.replace``: a reader (or a scheduler
watching the folder) never sees half a file.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)


class OutputRefused(ValueError):  # noqa: N818 (reads as the event, like RunLocked)
    """An output path that would overwrite raw data (``data/raw`` or a corpus's own files)."""


_PROTECTED: list[Path] = []


def protect(path: Path | str | None) -> None:
    """Refuse, for the rest of the process, any output at or inside ``path``.

    ``data/raw`` is always protected; commands add the manifests, sources and text files
    they read. ``None`` forgets what was added before (``data/raw`` stays protected).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> protect(folder)
    >>> check_output(folder / "x.csv")
    Traceback (most recent call last):
    ...
    analysis.store.OutputRefused: ...
    """
    if path is None:
        _PROTECTED.clear()
        return
    resolved = Path(path).resolve()
    if resolved not in _PROTECTED:
        _PROTECTED.append(resolved)


def check_output(path: Path | str) -> Path:
    """Return ``path`` if a command may write there; refuse raw data (symlinks followed).

    Raises
    ------
    OutputRefused
        ``path`` is, or lies inside, ``data/raw`` or a protected corpus folder.

    Examples
    --------
    >>> from analysis import config
    >>> check_output(config.RAW_DIR / "manifest.csv")
    Traceback (most recent call last):
    ...
    analysis.store.OutputRefused: ...
    """
    from analysis import config
    from analysis.corpus import safe_path

    target = Path(path)
    resolved = target.resolve()
    for root in (config.RAW_DIR.resolve(), *_PROTECTED):
        if resolved == root or resolved.is_relative_to(root):
            raise OutputRefused(
                f"{safe_path(target)}: refused to write inside {safe_path(root)} "
                "(raw data is never overwritten; choose another output)"
            )
    return target


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; move it onto ``path`` on success.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    path = check_output(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600 files; give the usual permissions
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


@contextlib.contextmanager
def atomic_open(path: Path | str, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a file for writing atomically (see :func:`atomic_path`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> with atomic_open(target) as fh:
    ...     _ = fh.write("ok")
    >>> target.read_text()
    'ok'
    """
    with atomic_path(path) as tmp:
        kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
        with open(tmp, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def write_parquet(df: pd.DataFrame, path: Path | str) -> Path:
    """Write a table as compressed Parquet, atomically, with deterministic bytes.

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = write_parquet(pd.DataFrame({"a": [1]}), pathlib.Path(tempfile.mkdtemp()) / "t.parquet")
    >>> pd.read_parquet(p)["a"].tolist()
    [1]
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    table = table.replace_schema_metadata(None)
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd", write_statistics=False)
    logger.debug("wrote %s (%d rows)", path, len(df))
    return Path(path)


def write_csv(df: pd.DataFrame, path: Path | str) -> Path:
    """Write a table as UTF-8 CSV, atomically (floats with full precision).

    Examples
    --------
    >>> import tempfile, pathlib, pandas as pd
    >>> p = write_csv(pd.DataFrame({"a": [0.5]}), pathlib.Path(tempfile.mkdtemp()) / "t.csv")
    >>> p.read_text()
    'a\\n0.5\\n'
    """
    with atomic_open(path) as fh:
        df.to_csv(fh, index=False, lineterminator="\n")
    return Path(path)


def write_text(text: str, path: Path | str) -> Path:
    """Write a text file atomically.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> write_text("x", pathlib.Path(tempfile.mkdtemp()) / "a.txt").read_text()
    'x'
    """
    with atomic_open(path) as fh:
        fh.write(text)
    return Path(path)
