"""Where chunks are counted: in this process, in a pool of processes, or on a Dask cluster.

Engines only change *where* :func:`analysis.scale.count.process_chunk` runs,
never what it computes: :func:`count_corpus` gives byte-identical parts
whatever ``jobs`` or ``engine`` (the tests compare them), with a bounded number
of chunks in flight, so memory does not grow with the corpus.
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import hashlib
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from analysis import __version__, config
from analysis.corpus import safe_path
from analysis.scale.count import (
    COUNTS_TABLE,
    DOCUMENT_TABLE,
    _chunk_task,
    _engine,
    load_dictionary,
    process_slice,
)
from analysis.scale.parts import (
    _PART,
    MANIFEST_NAME,
    STREAM_VERSION,
    Progress,
    _part_files,
    _part_name,
    _process_and_write,
    _write_atomic_text,
    _write_part,
)
from analysis.scale.sources import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_CHUNK_DOCS,
    JsonlSlice,
    SourceError,
    iter_chunks,
    iter_jsonl_slices,
    source_format,
)

if TYPE_CHECKING:  # pragma: no cover

    from analysis.dictionary import Dictionary

logger = logging.getLogger(__name__)

# ------------------------------------------------------------------------ engines
class _Tracker:
    """Bookkeeping shared by the engines: parts written, ids seen, memory bound."""

    def __init__(self, output_dir: Path, progress: Progress):
        self.output_dir = output_dir
        self.progress = progress
        self.ids: set[str] = set()
        self.problems: dict[int, list[str]] = {}  # problems found by the workers, by part
        self.in_flight_docs = 0
        self.in_flight_chunks = 0
        self.max_in_flight_docs = 0
        self.max_in_flight_chunks = 0
        self.parts: list[int] = []  # indices of the parts written (none for an empty task)
        self.n_docs = 0
        self.n_bytes = 0
        self.n_count_rows = 0

    def submitted(self, task: Any) -> int:
        """Account for a task sent out; return its documents (at most, for a slice)."""
        n_docs = task.n_lines if isinstance(task, JsonlSlice) else len(task)
        self.in_flight_docs += n_docs
        self.in_flight_chunks += 1
        self.max_in_flight_docs = max(self.max_in_flight_docs, self.in_flight_docs)
        self.max_in_flight_chunks = max(self.max_in_flight_chunks, self.in_flight_chunks)
        return n_docs

    def done(self, index: int, n_submitted: int, result: tuple[dict[str, Any], list[str]]) -> None:
        """Write the part of a task whose tables came back to this process."""
        self.written(index, n_submitted, _write_part(self.output_dir, index, result))

    def written(self, index: int, n_submitted: int, summary: dict[str, Any]) -> None:
        """Account for part ``index`` on disk (``summary`` from :func:`_write_part`)."""
        for doc_id in summary["ids"]:
            if doc_id in self.ids:
                raise SourceError(f"duplicate doc_id {doc_id!r} in the corpus")
            self.ids.add(doc_id)
        if summary["problems"]:
            self.problems[index] = summary["problems"]
        n_docs, n_bytes = len(summary["ids"]), summary["n_bytes"]
        self.in_flight_docs -= n_submitted
        self.in_flight_chunks -= 1
        if n_docs:
            self.parts.append(index)
        self.n_docs += n_docs
        self.n_bytes += n_bytes
        self.n_count_rows += summary["n_count_rows"]
        self.progress.update(
            documents=n_docs,
            n_bytes=n_bytes,
            in_flight_docs=self.in_flight_docs,
            in_flight_chunks=self.in_flight_chunks,
        )


def _run_inline(tasks: Iterator[Any], work: Callable, tracker: _Tracker) -> None:
    for index, task in enumerate(tasks):
        tracker.done(index, tracker.submitted(task), work(task))


def _run_processes(
    tasks: Iterator[Any], work: Callable, tracker: _Tracker, jobs: int, max_in_flight: int
) -> None:
    import pandas  # noqa: F401  (forked workers inherit what is already imported)
    import pyarrow.parquet  # noqa: F401  (workers write their parts)

    from analysis import lookup, tokens  # noqa: F401

    # with the fork start method (Linux before Python 3.14) workers also inherit the loaded
    # dictionary and its engines; with another method each worker loads them (same result)
    work_args = getattr(work, "keywords", {})
    if "dictionary_path" in work_args:
        dic = load_dictionary(work_args["dictionary_path"])
        for language in config.LANGUAGES:
            _engine(dic, language)

    pending: dict[cf.Future, tuple[int, int]] = {}
    with cf.ProcessPoolExecutor(max_workers=jobs) as pool:
        try:
            for index, task in enumerate(tasks):
                while len(pending) >= max_in_flight:
                    _collect(pending, tracker, cf.FIRST_COMPLETED)
                n_docs = tracker.submitted(task)
                future = pool.submit(_process_and_write, work, task, str(tracker.output_dir), index)
                pending[future] = (index, n_docs)
                del task
            while pending:
                _collect(pending, tracker, cf.FIRST_COMPLETED)
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _collect(pending: dict[cf.Future, tuple[int, int]], tracker: _Tracker, when: str) -> None:
    done, _ = cf.wait(pending, return_when=when)
    for future in sorted(done, key=lambda f: pending[f][0]):
        index, n_docs = pending.pop(future)
        try:
            summary = future.result()
        except SourceError as exc:  # bad input found by a worker: the message names it
            _raise_first(exc, sorted((i, f.result) for f, (i, _) in pending.items() if i < index))
        except Exception as exc:
            raise RuntimeError(f"chunk {index} failed: {exc}") from exc
        tracker.written(index, n_docs, summary)


def _raise_first(exc: SourceError, earlier: list[tuple[int, Callable[[], Any]]]) -> NoReturn:
    """Raise the bad input of the earliest chunk: ``exc``, unless a chunk before it has one too.

    Workers finish in any order; waiting for the chunks before the failed one
    makes the error of a run the first in the source, as in one process.
    """
    for _index, result in earlier:
        try:
            result()
        except SourceError as first:
            raise first from None
        except Exception:  # another failure: the bad input is still the news
            continue
    raise exc


_SCHEDULER_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
_HOST = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]")


def check_scheduler_address(address: str) -> str:
    """Check a Dask scheduler address before any connection is tried.

    Accepted: ``[SCHEME://]HOST:PORT`` with a scheme among ``tcp`` (the
    default), ``tls``, ``ws``, ``wss``, ``ucx``, a host name, IPv4 or
    ``[IPv6]`` address, and a port from 1 to 65535; or ``inproc://...``.

    Parameters
    ----------
    address : str

    Returns
    -------
    str
        The address, unchanged.

    Raises
    ------
    ValueError
        The address and what is wrong with it.

    Examples
    --------
    >>> check_scheduler_address("tcp://10.0.0.5:8786")
    'tcp://10.0.0.5:8786'
    >>> check_scheduler_address("tcp://host:notaport")
    Traceback (most recent call last):
    ...
    ValueError: --scheduler 'tcp://host:notaport': port 'notaport' is not a number from 1 to 65535
    """
    text = str(address)
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    where = f"--scheduler {text!r}"
    if scheme == "inproc":
        return text
    if scheme not in _SCHEDULER_SCHEMES:
        raise ValueError(f"{where}: unknown scheme {scheme!r}; expected one of {_SCHEDULER_SCHEMES}")
    host, colon, port = rest.rpartition(":")
    if not colon:
        raise ValueError(f"{where}: expected HOST:PORT, e.g. tcp://10.0.0.5:8786")
    if not _HOST.fullmatch(host):
        raise ValueError(f"{where}: {'no host' if not host else f'invalid host {host!r}'}")
    if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
        raise ValueError(f"{where}: port {port!r} is not a number from 1 to 65535")
    return text


DASK_WORKER_TIMEOUT = 60.0
"""Seconds a Dask run waits for a worker (at the start, or after the cluster lost all of them)."""


def _while_workers(queue: Any, live: dict[int, Any], client: Any, timeout: float) -> Iterator[Any]:
    """The futures of a ``dask.distributed.as_completed`` queue as they finish, with a bound on waiting.

    Chunks may take as long as they need while the cluster has workers; when it
    has had none for ``timeout`` seconds (every worker lost, none restarted), the
    run fails instead of waiting forever.

    Raises
    ------
    RuntimeError
        No worker for ``timeout`` seconds.
    """
    from dask.distributed import wait

    lost_at: float | None = None
    while not queue.is_empty():
        batch = queue.next_batch(block=False)
        if batch:
            lost_at = None
            yield from batch
            continue
        try:
            wait(list(live.values()), timeout=1.0, return_when="FIRST_COMPLETED")
            time.sleep(0.002)  # the queue learns of a finished future a moment after wait
            continue
        except TimeoutError:
            pass
        if client.nthreads():
            lost_at = None
            continue
        now = time.monotonic()
        lost_at = now if lost_at is None else lost_at
        if now - lost_at >= timeout:
            raise RuntimeError(
                f"dask scheduler {safe_path(client.scheduler.address)}: no worker left for "
                f"{timeout:g} s, {len(live)} chunk(s) unfinished"
            )


def _run_dask(
    tasks: Iterator[Any],
    work: Callable,
    tracker: _Tracker,
    jobs: int | None,
    max_in_flight: int,
    scheduler: Any,
) -> None:
    from dask.distributed import Client, LocalCluster, as_completed

    cluster = None
    if isinstance(scheduler, Client):
        client, own_client = scheduler, False
    else:
        if scheduler is None:
            cluster = LocalCluster(
                n_workers=jobs or 2,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            )
            logger.info("started a Dask LocalCluster with %d workers", jobs or 2)
        client, own_client = Client(scheduler or cluster), True
    run = hashlib.sha256(f"{os.getpid()}-{time.time_ns()}".encode()).hexdigest()[:12]
    try:
        timeout = DASK_WORKER_TIMEOUT
        try:
            client.wait_for_workers(1, timeout=timeout)
        except TimeoutError:
            raise RuntimeError(
                f"dask scheduler {safe_path(client.scheduler.address)}: no worker after {timeout:g} s"
            ) from None
        index_of: dict[Any, tuple[int, int]] = {}

        def submit(index: int, task: Any) -> Any:
            n_docs = tracker.submitted(task)
            future = client.submit(work, task, key=f"process_chunk-{run}-{index:05d}", pure=False)
            index_of[future.key] = (index, n_docs)
            return future

        numbered = enumerate(tasks)
        first = [submit(i, c) for i, c in _take(numbered, max_in_flight)]
        live = {index_of[f.key][0]: f for f in first}
        queue = as_completed(first)
        for future in _while_workers(queue, live, client, timeout):
            index, n_docs = index_of.pop(future.key)
            live.pop(index, None)
            try:
                result = future.result()
            except SourceError as exc:  # bad input found by a worker: the message names it
                _raise_first(exc, sorted((i, f.result) for i, f in live.items() if i < index))
            except Exception as exc:
                raise RuntimeError(f"chunk {index} failed: {exc}") from exc
            future.release()
            tracker.done(index, n_docs, result)
            for i, c in _take(numbered, 1):
                live[i] = submit(i, c)
                queue.add(live[i])
    finally:
        if own_client:
            client.close()
        if cluster is not None:
            cluster.close()


def _take(iterator: Iterator, n: int) -> list:
    out = []
    for item in iterator:
        out.append(item)
        if len(out) >= n:
            break
    return out


def default_jobs() -> int:
    """Cores this process may use.

    Examples
    --------
    >>> default_jobs() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def count_corpus(
    source: Any,
    output_dir: str | Path,
    *,
    dictionary: str | Path | Dictionary = config.DEFAULT_DICTIONARY,
    jobs: int | None = None,
    engine: str = "local",
    scheduler: Any = None,
    chunk_docs: int = DEFAULT_CHUNK_DOCS,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    max_in_flight: int | None = None,
    language: str | None = None,
    on_error: str = "raise",
    method: str = "fast",
    keep_text: bool = False,
    progress: bool | Callable[[dict], Any] | None = None,
) -> Path:
    """Count the themes of a large corpus, chunk by chunk, into partitioned Parquet.

    Parameters
    ----------
    source : str, pathlib.Path or iterable of dict
        A folder of ``*.txt``, a JSON Lines file, a Parquet file or documents
        (see :func:`source_format`).
    output_dir : str or pathlib.Path
        Receives ``documents/part-NNNNN.parquet``, ``counts/part-NNNNN.parquet``
        (part ``k`` = chunk ``k``, each written to a temporary file then renamed;
        none for a chunk left with no document) and ``_manifest.json`` (written
        last: a folder without it is incomplete; it lists the parts). Parts
        left by an earlier run are removed at the end.
    dictionary : str, pathlib.Path or Dictionary
        Theme dictionary file (workers read it by path).
    jobs : int, optional
        Processes on this machine (``local``) or workers of the LocalCluster
        (``dask``); default all cores. ``jobs=1`` runs in this process.
    engine : {"local", "dask"}
        ``local``: :class:`concurrent.futures.ProcessPoolExecutor`; ``dask``: a
        ``dask.distributed`` client on ``scheduler``, or on a
        ``LocalCluster(n_workers=jobs or 2, threads_per_worker=1, processes=True)``.
    scheduler : str or dask.distributed.Client, optional
        Address of a Dask scheduler. Its workers must see ``dictionary`` at the
        same path, and an uncompressed JSON Lines ``source`` too (they read
        their slices of it).
    chunk_docs, chunk_bytes : int
        Chunk limits (see :func:`iter_chunks`; for an uncompressed JSON Lines
        file, lines and bytes of lines, see :func:`iter_jsonl_slices`).
    max_in_flight : int, optional
        Chunks submitted and not yet written (default ``2 * jobs``): with the
        chunk limits, this bounds memory whatever the corpus size.
    language : {"fr", "en"}, optional
        Language of documents that do not give one (detected when None).
    on_error : {"raise", "skip"}
        An unreadable document stops the run, or is skipped with a warning and
        listed in the manifest (``skipped``).
    method : {"library", "fast"}
        See :func:`process_chunk`.
    keep_text : bool
        Keep the cleaned text in the documents table.
    progress : bool or callable, optional
        None: a progress line on a TTY, periodic log lines otherwise; False:
        nothing; a callable: called with :meth:`Progress.snapshot` after each chunk.

    Returns
    -------
    pathlib.Path
        ``output_dir``.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.scale.parts import read_counts
    >>> docs = [{"id": f"d{i}", "text": "La paix en Ukraine.", "language": "fr"} for i in range(3)]
    >>> out = count_corpus(docs, tempfile.mkdtemp(), jobs=1, chunk_docs=2, progress=False)
    >>> sorted(p.name for p in (out / "counts").iterdir())
    ['part-00000.parquet', 'part-00001.parquet']
    >>> int(read_counts(out).query("theme == 'ukraine'")["count"].sum())
    3
    """
    from analysis.dictionary import Dictionary

    if engine not in ("local", "dask"):
        raise ValueError(f"unknown engine {engine!r}; expected 'local' or 'dask'")
    if engine == "dask" and isinstance(scheduler, str):
        check_scheduler_address(scheduler)
    if isinstance(dictionary, Dictionary):
        if dictionary.path is None:
            raise ValueError("count_corpus needs a dictionary file (workers load it by path)")
        dictionary = dictionary.path
    dict_path = str(Path(dictionary).resolve())
    dic = load_dictionary(dict_path)
    n_jobs = default_jobs() if jobs is None else int(jobs)
    if n_jobs < 1:
        raise ValueError("jobs must be at least 1")
    bound = max_in_flight or 2 * n_jobs
    out = Path(output_dir)
    for name in (DOCUMENT_TABLE, COUNTS_TABLE):
        (out / name).mkdir(parents=True, exist_ok=True)
    manifest_path = out / MANIFEST_NAME
    if manifest_path.exists():
        manifest_path.unlink()

    # arrow: the workers build the counts part without a pandas table (same part)
    options = {"method": method, "keep_text": keep_text, "dictionary_sha256": dic.hash, "arrow": True}
    skipped: list[str] = []
    kind = source_format(source)
    tasks: Iterator[Any]
    if kind == "jsonl" and not str(source).lower().endswith(".gz"):
        # the workers read and parse their own slices of the file
        if on_error not in ("raise", "skip"):
            raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
        # an absolute path: workers, possibly on other machines, open the file themselves
        tasks = iter_jsonl_slices(Path(source).resolve(), chunk_docs=chunk_docs, chunk_bytes=chunk_bytes)
        work = functools.partial(
            process_slice, dictionary_path=dict_path, language=language, on_error=on_error, **options
        )
    else:
        tasks = iter_chunks(
            source,
            chunk_docs=chunk_docs,
            chunk_bytes=chunk_bytes,
            language=language,
            on_error=on_error,
            problems=skipped,
        )
        work = functools.partial(_chunk_task, dictionary_path=dict_path, **options)
    bar = Progress(progress)
    tracker = _Tracker(out, bar)
    started = time.perf_counter()
    logger.info(
        "counting %s with %s (engine=%s, jobs=%d, chunks of %d docs / %d bytes, %d in flight)",
        source if source_format(source) != "records" else "records",
        dic.name,
        engine,
        n_jobs,
        chunk_docs,
        chunk_bytes,
        bound,
    )
    try:
        if engine == "dask":
            _run_dask(tasks, work, tracker, jobs, bound, scheduler)
        elif n_jobs == 1:
            _run_inline(tasks, work, tracker)
        else:
            _run_processes(tasks, work, tracker, n_jobs, bound)
    finally:
        bar.close()
    seconds = time.perf_counter() - started
    for index in sorted(tracker.problems):
        skipped.extend(tracker.problems[index])

    written = set(tracker.parts)
    for name in (DOCUMENT_TABLE, COUNTS_TABLE):
        for stale in _part_files(out / name):
            if int(_PART.match(stale.name).group(1)) not in written:  # type: ignore[union-attr]
                stale.unlink()
        for debris in (out / name).glob(".part-*.tmp"):  # a worker killed while writing
            debris.unlink(missing_ok=True)
    from analysis.clean import CLEANER_VERSION
    from analysis.tokens import TOKENISER_VERSION

    manifest = {
        "layout": STREAM_VERSION,
        "analysis_version": __version__,
        "cleaner_version": CLEANER_VERSION,
        "tokeniser_version": TOKENISER_VERSION,
        "source": str(source) if source_format(source) != "records" else "<records>",
        "source_format": source_format(source),
        **dic.info(),
        "dictionary_path": dict_path,
        "method": method,
        "keep_text": keep_text,
        "engine": engine,
        "jobs": n_jobs,
        "chunk_docs": chunk_docs,
        "chunk_bytes": chunk_bytes,
        "max_in_flight": bound,
        "n_parts": len(tracker.parts),
        "n_documents": tracker.n_docs,
        "n_bytes": tracker.n_bytes,
        "n_count_rows": tracker.n_count_rows,
        "n_skipped": len(skipped),
        "skipped": skipped[:1000],
        "max_in_flight_chunks": tracker.max_in_flight_chunks,
        "max_in_flight_docs": tracker.max_in_flight_docs,
        "seconds": round(seconds, 3),
        "parts": [_part_name(i) for i in sorted(tracker.parts)],
    }
    _write_atomic_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", manifest_path)
    logger.info(
        "counted %d documents (%.1f MB) into %d parts in %.1f s (%.2f MB/s)",
        tracker.n_docs,
        tracker.n_bytes / 1e6,
        len(tracker.parts),
        seconds,
        tracker.n_bytes / 1e6 / seconds if seconds > 0 else 0.0,
    )
    return out
