"""The output folder of corpus-scale counting: Parquet parts, the manifest, progress, reading back.

.. code-block:: text

    output_dir/
      documents/part-00000.parquet   doc_id, metadata, n_chars, n_bytes, n_tokens, sha256
      counts/part-00000.parquet      the Lookup.counts table of the chunk's documents
      _manifest.json                 source, dictionary identity, parts, versions, statistics

Part ``k`` holds chunk ``k`` whatever the engine; a chunk left with no document
writes no part. Every file goes through the package's one atomic writer
(:mod:`analysis.store`).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.scale.count import COUNTS_TABLE, DOCUMENT_TABLE

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd


logger = logging.getLogger(__name__)

STREAM_VERSION = "1.0"
"""Layout version of the output folder (travels into ``_manifest.json``)."""

MANIFEST_NAME = "_manifest.json"
_PART = re.compile(r"^part-(\d{5,})\.parquet$")

# ---------------------------------------------------------------------- writing
def _part_name(index: int) -> str:
    return f"part-{index:05d}.parquet"


def _write_atomic_parquet(df: Any, path: Path) -> None:
    """Write a DataFrame or an Arrow table; the part appears whole or not at all."""
    from analysis.store import atomic_path

    with atomic_path(path) as tmp:
        if hasattr(df, "to_parquet"):
            df.to_parquet(tmp, index=False)
        else:
            import pyarrow.parquet as pq

            pq.write_table(df, tmp)


def _write_atomic_text(text: str, path: Path) -> None:
    from analysis.store import write_text

    write_text(text, path)


def _write_part(output_dir: Path, index: int, result: tuple[dict[str, Any], list[str]]) -> dict[str, Any]:
    """Write a task's tables as part ``index``; return what the reading process accounts for."""
    tables, problems = result
    documents = tables[DOCUMENT_TABLE]
    if len(documents):  # a slice whose every line was skipped writes no part
        for name in (DOCUMENT_TABLE, COUNTS_TABLE):
            _write_atomic_parquet(tables[name], output_dir / name / _part_name(index))
    return {
        "ids": documents["doc_id"].tolist(),
        "n_bytes": int(documents["n_bytes"].sum()),
        "n_count_rows": len(tables[COUNTS_TABLE]),
        "problems": problems,
    }


def _process_and_write(work: Callable, task: Any, output_dir: str, index: int) -> dict[str, Any]:
    """Worker side of ``--jobs N``: process a task and write its part (no tables sent back)."""
    return _write_part(Path(output_dir), index, work(task))


def _part_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if _PART.match(p.name))


# --------------------------------------------------------------------- progress
class Progress:
    """Progress of a run: documents and MB done, MB/s.

    On a TTY a single updating line (tqdm on standard error); otherwise an
    INFO log line every ``interval`` seconds and at the end; or a callable
    receiving :meth:`snapshot` after each chunk.

    Examples
    --------
    >>> seen = []
    >>> p = Progress(seen.append)
    >>> p.update(documents=3, n_bytes=2_000_000, in_flight_docs=0)
    >>> seen[-1]["documents"], seen[-1]["mb"]
    (3, 2.0)
    """

    def __init__(self, mode: bool | Callable[[dict], Any] | None = None, *, interval: float = 10.0):
        self.start = time.perf_counter()
        self.documents = 0
        self.chunks = 0
        self.bytes = 0
        self.interval = interval
        self._last_log = self.start
        self._callback = mode if callable(mode) else None
        self._bar = None
        self._log = False
        if self._callback is None and mode is not False:
            tty = mode is True or (mode is None and sys.stderr.isatty())
            if tty:
                from tqdm import tqdm

                self._bar = tqdm(
                    total=None, unit="B", unit_scale=True, unit_divisor=1000, file=sys.stderr, leave=True
                )
            else:
                self._log = True

    def snapshot(self, **extra: Any) -> dict[str, Any]:
        """Counters so far (documents, chunks, mb, seconds, mb_per_s, docs_per_s)."""
        seconds = time.perf_counter() - self.start
        mb = self.bytes / 1e6
        return {
            "documents": self.documents,
            "chunks": self.chunks,
            "mb": mb,
            "seconds": seconds,
            "mb_per_s": mb / seconds if seconds > 0 else 0.0,
            "docs_per_s": self.documents / seconds if seconds > 0 else 0.0,
            **extra,
        }

    def update(self, *, documents: int, n_bytes: int, **extra: Any) -> None:
        """Record one finished chunk."""
        self.documents += documents
        self.bytes += n_bytes
        self.chunks += 1
        if self._callback is not None:
            self._callback(self.snapshot(**extra))
        elif self._bar is not None:
            self._bar.update(n_bytes)
            self._bar.set_postfix_str(f"{self.documents:,} docs", refresh=False)
        elif self._log and time.perf_counter() - self._last_log >= self.interval:
            self._last_log = time.perf_counter()
            self._emit()

    def _emit(self) -> None:
        s = self.snapshot()
        logger.info(
            "%d documents, %.1f MB, %.2f MB/s, %.0f docs/s",
            s["documents"],
            s["mb"],
            s["mb_per_s"],
            s["docs_per_s"],
        )

    def close(self) -> None:
        """Close the bar or log the final line."""
        if self._bar is not None:
            self._bar.close()
        elif self._log:
            self._emit()




# ---------------------------------------------------------------------- reading back
def read_manifest(output_dir: str | Path) -> dict[str, Any]:
    """Return the ``_manifest.json`` of a finished :func:`count_corpus` run.

    Raises
    ------
    FileNotFoundError
        If the run did not finish (no manifest).
    """
    path = Path(output_dir) / MANIFEST_NAME
    if not path.exists():
        raise FileNotFoundError(f"{path}: no manifest (the run did not finish?)")
    return json.loads(path.read_text(encoding="utf-8"))


def read_counts(
    output_dir: str | Path, *, table: str = COUNTS_TABLE, columns: list[str] | None = None
) -> pd.DataFrame:
    """Read the parts of a :func:`count_corpus` run back into one table.

    Parameters
    ----------
    output_dir : str or pathlib.Path
        The run's folder.
    table : {"counts", "documents"}
        Which table.
    columns : list of str, optional
        Columns to read.

    Returns
    -------
    pandas.DataFrame
        Parts concatenated in part order.

    Raises
    ------
    FileNotFoundError
        If the run did not finish (no ``_manifest.json``) or a part is missing.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.scale.engines import count_corpus
    >>> out = count_corpus([{"id": "a", "text": "Paix.", "language": "fr"}], tempfile.mkdtemp(),
    ...                    jobs=1, progress=False)
    >>> read_counts(out, table="documents")["doc_id"].tolist()
    ['a']
    """
    import pandas as pd

    if table not in (COUNTS_TABLE, DOCUMENT_TABLE):
        raise ValueError(f"unknown table {table!r}; expected 'counts' or 'documents'")
    manifest = read_manifest(output_dir)
    folder = Path(output_dir) / table
    paths = [folder / name for name in manifest["parts"]]
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        raise FileNotFoundError(f"{folder}: missing parts {missing[:5]}")
    frames = [pd.read_parquet(p, columns=columns) for p in paths]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)
