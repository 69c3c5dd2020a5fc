"""Corpus-scale theme counting: stream documents in chunks, count them in parallel.

A large corpus never sits in memory: :func:`iter_chunks` reads it a chunk of
documents at a time, :func:`process_chunk` (a pure, picklable function) cleans,
tokenises and counts one chunk with the same library functions as the
small-corpus path, and :func:`count_corpus` runs the chunks in this process,
in a pool of processes (``jobs``) or on a Dask cluster (``engine="dask"``)
with a bounded number of chunks in flight, and writes each chunk's tables as
one Parquet part, atomically:

.. code-block:: text

    output_dir/
      documents/part-00000.parquet   doc_id, metadata, n_chars, n_bytes, n_tokens, sha256
      counts/part-00000.parquet      the Lookup.counts table of the chunk's documents
      _manifest.json                 source, dictionary identity, parts, versions, statistics

Sources
-------
- a folder of ``*.txt`` files (id = file stem, title = first line, language
  given or detected with :func:`analysis.corpus.detect_language`), read with
  :func:`analysis.corpus.read_text` (strict encodings), in sorted file order;
- a JSON Lines file (``.jsonl``, ``.ndjson``, ``.jsonl.gz``): one object per
  line with ``id`` or ``doc_id``, ``text``, optional ``language``, ``title``,
  ``date`` and any other metadata. :func:`count_corpus` cuts an uncompressed
  one into slices of lines (:func:`iter_jsonl_slices`) that the workers read
  and parse themselves, so that the reading process is no bottleneck;
- a Parquet file with a ``text`` column, ``id`` or ``doc_id`` and metadata
  columns, read in record batches (never whole);
- an iterable of such dicts (tests, generators).

Engines only change *where* a chunk is processed (:func:`process_chunk`'s work;
the workers build the counts part as an Arrow table with the same columns and
schema, without a pandas table in between): the part files have the same content
whatever ``jobs`` or ``engine`` (part ``k`` holds chunk ``k``; a chunk left with
no document writes no part).

Examples
--------
>>> docs = [{"id": "a", "text": "La paix en Ukraine."}, {"id": "b", "text": "L'Arctique."}]
>>> [len(c) for c in iter_chunks(docs, chunk_docs=1)]
[1, 1]
"""

from __future__ import annotations

import concurrent.futures as cf
import functools
import gzip
import hashlib
import itertools
import json
import logging
import os
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from analysis import __version__, clean, config, native
from analysis.corpus import implausible_text, safe_path

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.dictionary import Dictionary

logger = logging.getLogger(__name__)

_fastkeys = native.fastkeys()  # the C extension, or None (tests set it to None)


@functools.cache
def _native_rules_agree() -> bool:
    """The C extension is there and its copy of the French apostrophe rules is the tokeniser's."""
    from analysis.tokens import french_elision_rules

    agree = _fastkeys is not None and french_elision_rules() == (_fastkeys.WHOLE, _fastkeys.ELIDED)
    if _fastkeys is not None and not agree:
        logger.warning("analysis._fastkeys is out of date with the tokeniser: rebuild it (make setup)")
    return agree


def tokeniser_engine() -> str:
    """Which code tokenises on the fast path: ``"C extension"`` or ``"regex"``.

    Both give the same tokens (``tests/test_stream.py``); the C extension
    ``analysis._fastkeys`` decides the plain cases itself and hands every other
    position to the tokeniser's regex.

    Examples
    --------
    >>> tokeniser_engine() in ("C extension", "regex")
    True
    """
    return "C extension" if _native_rules_agree() else "regex"


STREAM_VERSION = "1.0"
"""Layout version of the output folder (travels into ``_manifest.json``)."""

DEFAULT_CHUNK_DOCS = 512
"""Documents per chunk (one Parquet part per chunk). Per-chunk costs (tables, Parquet files)
made chunks of 256 statement-sized documents about 7 % slower than 512 in ``make bench``."""

DEFAULT_CHUNK_BYTES = 4_000_000
"""UTF-8 bytes of text per chunk (a chunk closes at whichever limit comes first)."""

DOCUMENT_TABLE = "documents"
COUNTS_TABLE = "counts"
MANIFEST_NAME = "_manifest.json"
_PART = re.compile(r"^part-(\d{5,})\.parquet$")
_RESERVED = {"doc_id", "id", "text"}
_STAT_COLUMNS = ("n_chars", "n_bytes", "n_tokens", "sha256")
_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")


# ---------------------------------------------------------------------- reading
class SourceError(ValueError):
    """A corpus source or one of its records that cannot be read as documents (bad input).

    The message names the place: file and line or row, or the document id.
    """


def source_format(source: Any) -> str:
    """Name the kind of a corpus source: ``txt``, ``jsonl``, ``parquet`` or ``records``.

    Parameters
    ----------
    source : str, pathlib.Path or iterable of dict
        A folder of ``*.txt`` files, a JSON Lines file, a Parquet file, or documents.

    Examples
    --------
    >>> source_format("corpus.jsonl"), source_format("corpus.parquet")
    ('jsonl', 'parquet')
    >>> source_format([{"id": "a", "text": "Paix."}])
    'records'
    """
    if not isinstance(source, str | os.PathLike):
        return "records"
    path = Path(source)
    name = path.name.lower()
    if path.is_dir():
        return "txt"
    if name.endswith(_JSONL_SUFFIXES):
        return "jsonl"
    if name.endswith((".parquet", ".pq")):
        return "parquet"
    raise SourceError(
        f"{safe_path(path)}: unknown corpus source "
        "(expected a folder of .txt files, a .jsonl or a .parquet file)"
    )


def _scalar(value: Any) -> Any:
    """Keep JSON scalars; store lists and mappings as JSON text (stable Parquet types)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _document(record: dict[str, Any], where: str, language: str | None) -> dict[str, Any]:
    """Normalise one record: doc_id, text, language, title first, metadata after."""
    doc_id = record.get("doc_id", record.get("id"))
    if doc_id is None or (isinstance(doc_id, str) and not doc_id.strip()):
        raise SourceError(f"{where}: no 'id' or 'doc_id'")
    text = record.get("text")
    if not isinstance(text, str):
        raise SourceError(f"{where}: 'text' must be a string, got {type(text).__name__}")
    if not text or text.isspace():  # as an empty .txt file (analysis.corpus.read_text)
        raise SourceError(f"{where}: no text (empty or only white space)")
    problem = implausible_text(text)  # the rule of text files (analysis.corpus.read_text)
    if problem:
        raise SourceError(f"{where}: {problem}")
    lang = record.get("language") or language
    if not lang:
        from analysis.corpus import detect_language

        lang = detect_language(text)
    if lang not in config.LANGUAGES:
        raise SourceError(f"{where}: unknown language {lang!r}; expected one of {config.LANGUAGES}")
    doc: dict[str, Any] = {"doc_id": str(doc_id), "text": text, "language": lang}
    title = record.get("title")
    doc["title"] = None if title is None else str(title)
    for key, value in record.items():
        if key not in _RESERVED and key not in doc:
            try:
                doc[str(key)] = _scalar(value)
            except RecursionError:
                raise SourceError(f"{where}: metadata {str(key)[:100]!r} is nested too deeply") from None
    return doc


_Raw = tuple[str, "dict[str, Any] | Exception"]


def _iter_txt(folder: Path) -> Iterator[_Raw]:
    from analysis.corpus import TextError, read_text

    root = folder.resolve()
    for path in sorted(folder.glob("*.txt")):
        where = safe_path(path)
        if not path.resolve().is_relative_to(root):  # a symlink out of the folder is not followed
            yield (
                where,
                SourceError(f"{where}: a symlink to {safe_path(path.resolve())}, outside {safe_path(root)}"),
            )
            continue
        try:
            text, encoding = read_text(path, max_bytes=config.MAX_DOCUMENT_BYTES)
        except TextError as exc:
            yield where, exc
            continue
        lines = text.strip().splitlines()
        title = lines[0].strip()[:200] if lines else ""
        yield where, {"doc_id": path.stem, "text": text, "title": title, "encoding": encoding}


def _too_large(where: str, n_bytes: int, what: str = "record") -> SourceError:
    """The problem of a document above :data:`analysis.config.MAX_DOCUMENT_BYTES`."""
    return SourceError(
        f"{where}: {what} is {n_bytes} bytes, above the limit of {config.MAX_DOCUMENT_BYTES} bytes "
        "per document"
    )


def _bounded_lines(fh: Any, limit: int) -> Iterator[tuple[int, bytes | None]]:
    """``(n_bytes, line)`` of each line of a binary file; ``line`` is None when it is above ``limit``.

    A line longer than ``limit`` bytes (its ``\\n`` left out) is never held whole: it
    is skipped in 1 MB reads and only its size is given.
    """
    cap = limit + 1
    readline = fh.readline
    while True:
        line = readline(cap)
        if not line:
            return
        if len(line) < cap or line.endswith(b"\n"):
            yield len(line), line
            continue
        n = len(line)
        while not line.endswith(b"\n"):
            line = readline(1 << 20)
            if not line:
                break
            n += len(line)
        yield n, None


def _jsonl_record(line: bytes, where: str) -> dict[str, Any] | SourceError:
    """One JSON Lines record, or the problem with it."""
    try:
        record = json.loads(line.decode("utf-8-sig"))  # -sig: a file may start with a BOM
    except UnicodeDecodeError as exc:
        return SourceError(f"{where}: not UTF-8 ({exc.reason} at byte {exc.start})")
    except json.JSONDecodeError as exc:
        return SourceError(f"{where}: invalid JSON ({exc.msg})")
    except RecursionError:
        return SourceError(f"{where}: JSON nested too deeply")
    if not isinstance(record, dict):
        return SourceError(f"{where}: expected a JSON object")
    return record


def _iter_jsonl(path: Path) -> Iterator[_Raw]:
    import zlib

    gz = path.name.lower().endswith(".gz")
    opener = gzip.open if gz else open
    name = safe_path(path.name)
    limit = config.MAX_DOCUMENT_BYTES
    lineno = 0
    try:
        with opener(path, "rb") as fh:  # bytes: json decodes each line itself (faster than text mode)
            for lineno, (n_bytes, line) in enumerate(_bounded_lines(fh, limit), start=1):
                where = f"{name}, line {lineno}"
                if line is None:
                    yield where, _too_large(where, n_bytes)
                elif not line.isspace():
                    yield where, _jsonl_record(line, where)
    except (EOFError, OSError, zlib.error) as exc:
        if not gz or isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
            raise
        raise SourceError(f"{name}: truncated or corrupt gzip file after line {lineno} ({exc})") from None


def _iter_parquet(path: Path, batch_size: int) -> Iterator[_Raw]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    name = safe_path(path.name)
    limit = config.MAX_DOCUMENT_BYTES
    row = 0
    try:
        pf = pq.ParquetFile(path)
        names = pf.schema_arrow.names
        if "text" not in names or not ({"id", "doc_id"} & set(names)):
            raise SourceError(f"{name}: a Parquet corpus needs 'text' and 'id' or 'doc_id' columns")
        for batch in pf.iter_batches(batch_size=batch_size):
            texts = batch.column("text")
            sizes = None
            if pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type):
                sizes = pc.binary_length(texts).to_pylist()  # before any text becomes a Python str
            if sizes is None or max((n or 0 for n in sizes), default=0) <= limit:
                records: Iterable[Any] = batch.to_pylist()
            else:  # convert row by row: an oversized text is never copied out of Arrow
                records = [
                    _too_large(f"{name}, row {row + i + 1}", n, "text")
                    if n is not None and n > limit
                    else batch.slice(i, 1).to_pylist()[0]
                    for i, n in enumerate(sizes)
                ]
            for record in records:
                row += 1
                yield f"{name}, row {row}", record
    except (pa.ArrowException, OSError) as exc:
        if isinstance(exc, FileNotFoundError | PermissionError | IsADirectoryError):
            raise
        raise SourceError(f"{name}: not a readable Parquet file after row {row} ({exc})") from None


def _raw_records(source: Any, batch_size: int) -> Iterator[_Raw]:
    kind = source_format(source)
    if kind == "txt":
        return _iter_txt(Path(source))
    if kind == "jsonl":
        return _iter_jsonl(Path(source))
    if kind == "parquet":
        return _iter_parquet(Path(source), batch_size)
    return ((f"record {i}", dict(record)) for i, record in enumerate(source))


def iter_documents(
    source: Any,
    *,
    language: str | None = None,
    batch_size: int = 64,
    on_error: str = "raise",
    problems: list[str] | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield the documents of a source one at a time, as dicts.

    Each dict has ``doc_id``, ``text`` (as stored; NFC for text files, see
    :func:`analysis.corpus.read_text`), ``language``, ``title`` (None when
    absent) and the source's other metadata (lists and mappings as JSON text).
    Unicode normalisation (NFC) of other sources is left to the workers
    (:func:`process_chunk`), to keep the reading process light.

    Parameters
    ----------
    source : str, pathlib.Path or iterable of dict
        See :func:`source_format`.
    language : {"fr", "en"}, optional
        Language of documents that do not give one; detected when None.
    batch_size : int
        Rows per Parquet record batch.
    on_error : {"raise", "skip"}
        A document that cannot be read (encoding, invalid JSON, no id or text,
        unknown language) raises ``ValueError`` naming it, or is skipped with a
        warning (and its problem appended to ``problems``).
    problems : list of str, optional
        Receives the problems of skipped documents.

    Examples
    --------
    >>> next(iter_documents([{"id": 1, "text": "The peace."}]))["language"]
    'en'
    >>> found = []
    >>> [d["doc_id"] for d in iter_documents([{"text": "x"}, {"id": "b", "text": "Paix."}],
    ...                                      on_error="skip", problems=found)]
    ['b']
    >>> found
    ["record 0: no 'id' or 'doc_id'"]
    """
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    raw = _raw_records(source, batch_size)
    for doc, _size in _accepted(raw, language, on_error, problems):
        yield doc


def _first_surrogate(text: str) -> int:
    """Index of the first surrogate code point of ``text`` (UTF-8 cannot encode it), or -1."""
    if _fastkeys is not None:
        return _fastkeys.first_surrogate(text)  # the same index, without encoding (tests/test_stream.py)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return -1


def _accepted(
    raw: Iterable[_Raw], language: str | None, on_error: str, problems: list[str] | None, sized: bool = True
) -> Iterator[tuple[dict[str, Any], int]]:
    """Documents of raw records with their UTF-8 size (0 unless ``sized``); the others raise or are listed."""
    for where, record in raw:
        try:
            if isinstance(record, Exception):
                raise record
            doc = _document(record, where, language)
            text = doc["text"]
            size, at = 0, -1
            if sized:
                try:
                    size = len(text.encode("utf-8"))
                except UnicodeEncodeError as exc:
                    at = exc.start
                if size > config.MAX_DOCUMENT_BYTES:  # records; lines and Parquet texts are checked earlier
                    raise _too_large(where, size, "text")
            else:
                at = _first_surrogate(text)
            if at >= 0:  # a lone surrogate, from a JSON "\ud800" escape
                char = ord(text[at])
                raise SourceError(
                    f"document {doc['doc_id']!r}: lone surrogate U+{char:04X} at character {at} (not text)"
                )
        except ValueError as exc:
            if on_error == "raise":
                raise
            logger.warning("skipped %s", exc)
            if problems is not None:
                problems.append(str(exc))
            continue
        yield doc, size


def iter_chunks(
    source: Any,
    *,
    chunk_docs: int = DEFAULT_CHUNK_DOCS,
    chunk_bytes: int = DEFAULT_CHUNK_BYTES,
    language: str | None = None,
    on_error: str = "raise",
    problems: list[str] | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Stream a corpus in chunks of documents.

    A chunk closes when it holds ``chunk_docs`` documents or ``chunk_bytes``
    bytes of UTF-8 text, whichever comes first (a single larger document is a
    chunk of its own). Only the chunk being filled is held: the corpus is never
    read whole.

    Parameters
    ----------
    source : str, pathlib.Path or iterable of dict
        See :func:`source_format`.
    chunk_docs : int
        Maximum documents per chunk.
    chunk_bytes : int
        Maximum UTF-8 bytes of text per chunk.
    language : {"fr", "en"}, optional
        See :func:`iter_documents`.
    on_error, problems
        See :func:`iter_documents`.

    Yields
    ------
    list of dict
        Documents as returned by :func:`iter_documents`.

    Examples
    --------
    >>> docs = ({"id": f"d{i}", "text": "Paix. " * 10} for i in range(5))
    >>> [len(c) for c in iter_chunks(docs, chunk_docs=2)]
    [2, 2, 1]
    >>> docs = ({"id": f"d{i}", "text": "Paix. " * 10} for i in range(5))
    >>> [len(c) for c in iter_chunks(docs, chunk_bytes=100)]
    [1, 1, 1, 1, 1]
    """
    if chunk_docs < 1 or chunk_bytes < 1:
        raise ValueError("chunk_docs and chunk_bytes must be positive")
    chunk: list[dict[str, Any]] = []
    size = 0
    if on_error not in ("raise", "skip"):
        raise ValueError(f"on_error must be 'raise' or 'skip', got {on_error!r}")
    raw = _raw_records(source, min(chunk_docs, 64))
    for doc, n in _accepted(raw, language, on_error, problems):
        if chunk and size + n > chunk_bytes:
            yield chunk
            chunk, size = [], 0
        chunk.append(doc)
        size += n
        if len(chunk) >= chunk_docs:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


@dataclass(frozen=True)
class JsonlSlice:
    """Consecutive lines of an uncompressed JSON Lines file, read by the worker that counts them.

    ``start`` and ``end`` are byte offsets (``end`` excluded), ``first_line`` the
    line number of the first line, ``n_lines`` its non-blank lines (at most that
    many documents).
    """

    path: str
    start: int
    end: int
    first_line: int
    n_lines: int


def iter_jsonl_slices(
    path: str | Path, *, chunk_docs: int = DEFAULT_CHUNK_DOCS, chunk_bytes: int = DEFAULT_CHUNK_BYTES
) -> Iterator[JsonlSlice]:
    """Cut an uncompressed JSON Lines file into slices of lines, without parsing them.

    The chunks of :func:`count_corpus` for such a file: a slice closes at
    ``chunk_docs`` non-blank lines, or before the line that would take it past
    ``chunk_bytes`` bytes of lines (a longer line is a slice of its own). The
    reading process only finds line ends; the workers read and parse their
    slices (:func:`read_jsonl_slice`), so parsing runs on every core.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "c.jsonl"
    >>> _ = path.write_text("".join(f'{{"id": {i}, "text": "Paix."}}\\n' for i in range(5)))
    >>> [(s.first_line, s.n_lines) for s in iter_jsonl_slices(path, chunk_docs=2)]
    [(1, 2), (3, 2), (5, 1)]
    """
    if chunk_docs < 1 or chunk_bytes < 1:
        raise ValueError("chunk_docs and chunk_bytes must be positive")
    name = str(path)
    start = offset = size = n = 0
    first = 1
    with open(path, "rb", buffering=1 << 20) as fh:
        # a line above the document size limit is never held: its slice's reader refuses it
        for lineno, (n_bytes, line) in enumerate(_bounded_lines(fh, config.MAX_DOCUMENT_BYTES), start=1):
            if line is None or not line.isspace():
                if n and size + n_bytes > chunk_bytes:
                    yield JsonlSlice(name, start, offset, first, n)
                    start, first, size, n = offset, lineno, 0, 0
                size += n_bytes
                n += 1
            offset += n_bytes
            if n >= chunk_docs:
                yield JsonlSlice(name, start, offset, first, n)
                start, first, size, n = offset, lineno + 1, 0, 0
    if n:
        yield JsonlSlice(name, start, offset, first, n)


def read_jsonl_slice(
    piece: JsonlSlice,
    *,
    language: str | None = None,
    on_error: str = "raise",
    problems: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The documents of a slice, as :func:`iter_documents` gives them (same checks and messages).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "c.jsonl"
    >>> _ = path.write_text('{"id": "a", "text": "Paix."}\\n\\n{"id": "b", "text": "Fin."}\\n')
    >>> [d["doc_id"] for d in read_jsonl_slice(next(iter_jsonl_slices(path)))]
    ['a', 'b']
    """
    name = safe_path(Path(piece.path).name)
    limit = config.MAX_DOCUMENT_BYTES

    def raw() -> Iterator[_Raw]:
        with open(piece.path, "rb") as fh:
            fh.seek(piece.start)
            if piece.end - piece.start <= limit + 1:  # every line is within the limit: one read
                lines: Iterable[tuple[int, bytes | None]] = (
                    (len(line), line) for line in fh.read(piece.end - piece.start).split(b"\n")
                )
            else:  # line by line: a line above the limit is skipped, never held

                def bounded() -> Iterator[tuple[int, bytes | None]]:
                    left = piece.end - piece.start
                    for n_bytes, line in _bounded_lines(fh, limit):
                        yield n_bytes, line
                        left -= n_bytes
                        if left <= 0:
                            return

                lines = bounded()
            for lineno, (n_bytes, line) in enumerate(lines, start=piece.first_line):
                where = f"{name}, line {lineno}"
                if line is None:
                    yield where, _too_large(where, n_bytes)
                elif line and not line.isspace():
                    yield where, _jsonl_record(line, where)

    return [doc for doc, _size in _accepted(raw(), language, on_error, problems, sized=False)]


def process_slice(
    piece: JsonlSlice,
    dictionary_path: str | Path,
    *,
    language: str | None = None,
    on_error: str = "raise",
    **options: Any,
) -> tuple[dict[str, Any], list[str]]:
    """Read, clean, tokenise and count a slice: :func:`process_chunk`'s tables, and the problems."""
    problems: list[str] = []
    docs = read_jsonl_slice(piece, language=language, on_error=on_error, problems=problems)
    return process_chunk(docs, dictionary_path, **options), problems


# ------------------------------------------------------------------- processing
@functools.lru_cache(maxsize=8)
def _load_dictionary(path: str, mtime_ns: int, size: int) -> Dictionary:
    from analysis.dictionary import dictionary

    del mtime_ns, size  # cache keys: a changed file is read again
    return dictionary(path)


def load_dictionary(path: str | Path) -> Dictionary:
    """Load a dictionary file once per process (reloaded when the file changes).

    Examples
    --------
    >>> load_dictionary(config.DEFAULT_DICTIONARY) is load_dictionary(config.DEFAULT_DICTIONARY)
    True
    """
    st = os.stat(path)
    return _load_dictionary(str(Path(path).resolve()), st.st_mtime_ns, st.st_size)


def _clean(doc: dict[str, Any], text: str | None = None) -> str:
    """Clean a document's text (or ``text``: the same text already in NFC)."""
    from analysis.clean import _clean_nfc, clean_text

    if text is None:
        return clean_text(doc["text"], language=doc["language"], title=doc.get("title"), audit=False).text
    return _clean_nfc(text, doc["language"], doc.get("title")).text


def _documents_table(
    docs: list[dict[str, Any]], n_tokens: list[int], cleaned: list[str] | None, nfc: list[str]
) -> pd.DataFrame:
    import pandas as pd

    meta: dict[str, None] = {"doc_id": None, "language": None}  # also when no document is left
    for doc in docs:
        for key in doc:
            if key != "text":
                meta.setdefault(key, None)
    raw = [text.encode("utf-8") for text in nfc]
    columns: dict[str, Any] = {key: [doc.get(key) for doc in docs] for key in meta}
    columns.update(
        n_chars=pd.array([len(text) for text in nfc], dtype="int64"),
        n_bytes=pd.array([len(b) for b in raw], dtype="int64"),
        n_tokens=pd.array([int(n) for n in n_tokens], dtype="int64"),
        sha256=[hashlib.sha256(b).hexdigest() for b in raw],
    )
    table = pd.DataFrame(columns, columns=[*meta, *_STAT_COLUMNS])
    if cleaned is not None:
        table["text"] = cleaned
    return table


def _count_library(
    docs: list[dict[str, Any]], cleaned: list[str], dictionary: Dictionary
) -> tuple[pd.DataFrame, list[int]]:
    """Count with the small-corpus functions: ``tokens`` then ``tokens_lookup``."""
    import pandas as pd

    from analysis.lookup import tokens_lookup
    from analysis.tokens import tokens

    frame = pd.DataFrame(
        {
            "doc_id": [d["doc_id"] for d in docs],
            "text": cleaned,
            "language": [d["language"] for d in docs],
        }
    )
    toks = tokens(frame)
    counts = tokens_lookup(toks, dictionary).counts
    n_tokens = toks.n_tokens()
    return counts, [int(n_tokens[d["doc_id"]]) for d in docs]


class _KeyCache(dict):
    """surface -> folded match key (None for punctuation), computed once per distinct surface."""

    def __init__(self, accent_sensitive: bool):
        super().__init__()
        self.accent_sensitive = accent_sensitive

    def __missing__(self, surface: str) -> str | None:
        from analysis.dictionary import fold
        from analysis.tokens import match_key

        # The tokeniser's only one-character alternative for a non-word character
        # is ``punct`` ([^\\w\\s]); \\w is str.isalnum() or "_" in Python's re.
        if len(surface) == 1 and not (surface.isalnum() or surface == "_"):
            key = None
        else:
            # tokens_lookup folds the ``key`` column (``lower`` when accent-sensitive)
            acc = self.accent_sensitive
            key = fold(match_key(surface, accents=acc), acc)
        if len(self) < 1_000_000:
            self[surface] = key
        return key


class _FastCounter:
    """Theme counts of one language, without per-token DataFrames.

    Applies the matching rules of :mod:`analysis.lookup` (``overlap="longest"``)
    to a flat list of folded keys where None marks punctuation and paragraph
    ends. Distinct surfaces, first-token candidates and phrase-part tests are
    cached for the life of the process. Proven identical to
    :func:`analysis.lookup.tokens_lookup` by ``tests/test_stream.py``.
    """

    def __init__(self, dic: Dictionary, language: str):
        import re

        from analysis.tokens import _token_regex, abbreviations

        # the tokeniser's pattern without named groups: findall returns surfaces
        self.regex = re.compile(re.sub(r"\(\?P<\w+>", "(?:", _token_regex(language).pattern))
        self.surface_keys = _KeyCache(dic.accent_sensitive)
        self.native = _native_rules_agree()  # tests switch it off to compare both engines
        self.french = language == "fr"
        self.abbreviations = frozenset(abbreviations(language))
        self.scanner = (
            _fastkeys.Scanner(self.regex.match, self._surface, self.french, self.abbreviations)
            if self.native
            else None
        )
        self.patterns: list[Any] = []
        self.owners: list[list[tuple[str, bool]]] = []
        distinct: dict[tuple[str, ...], int] = {}
        for t in dic.themes:
            for include, table in ((True, t.patterns), (False, t.exclude)):
                for p in table.get(language, ()):
                    idx = distinct.get(p.parts)
                    if idx is None:
                        idx = distinct[p.parts] = len(self.patterns)
                        self.patterns.append(p)
                        self.owners.append([])
                    self.owners[idx].append((t.id, include))
        self.literal: dict[str, list[int]] = {}
        self.globs: list[tuple[int, Any]] = []
        for idx, p in enumerate(self.patterns):
            if p.is_glob_part(0):
                self.globs.append((idx, p.regexes[0]))
            else:
                self.literal.setdefault(p.parts[0], []).append(idx)
        # parts after the first: (folded part, contains '*')
        self.rest = [tuple((part, "*" in part) for part in p.parts[1:]) for p in self.patterns]
        # "simple": one-token patterns that only include (no theme excludes them)
        self.simple = [
            not rest and all(include for _, include in owners)
            for rest, owners in zip(self.rest, self.owners, strict=True)
        ]
        self.first: dict[str, tuple[int, ...]] = {}
        self.trigger: set[str] = set()  # keys that start at least one pattern
        self.simple_of: dict[str, tuple[int, ...]] = {}  # key -> its simple patterns
        self.families_of: dict[str, tuple[str, ...]] = {}  # key -> themes whose family has one
        # the other patterns
        self.complex_of: dict[str, tuple[tuple[int, str | None, int, tuple[str | dict, ...]], ...]] = {}
        self.groups: dict[tuple, tuple] = {}  # resolved groups of overlapping matches
        self.c_groups: dict[tuple, tuple] = {}  # the same for the C tally (flat tuples as keys)
        # (pattern, part) -> {key: whether the glob part matches it}, shared with the C tally
        self.part_cache: dict[tuple[int, int], dict[str, bool]] = {}
        self.themes = [t.id for t in dic.themes]
        self.parent_of = {t.id: t.parent for t in dic.themes}
        self.members = {t.id: [t.id, *t.children] for t in dic.themes}

    def keys(self, text: str) -> list[str | None]:
        """Folded keys of a cleaned text; None for punctuation and after each paragraph."""
        return self.scan(text)[0]

    def scan(self, text: str) -> tuple[list[str | None], int, dict[str, int], list[int]]:
        """Keys of a text and where patterns may match: ``(keys, n_tokens, singles, starts)``.

        ``keys`` as :meth:`keys` gives them; ``n_tokens`` counts the keys that are
        not None; ``singles`` maps each key that starts a simple pattern (see
        :meth:`tally`) to its occurrences; ``starts`` lists the positions of the
        keys that start another pattern, when the next key can continue it (its
        plain second word, or any key when its second part is a glob or it has
        one part). The C extension's ``Scanner`` gives the same four values in one
        pass over the text (``tests/test_stream.py`` compares both).
        """
        if self.native:
            scanned = self.scanner.scan(text, True)  # strict: None when not in the clean form below
            if scanned is None:
                from analysis.tokens import paragraph_spans

                # the same paragraphs, joined so that every line break is half of a blank line
                # (paragraph_spans strips them and never keeps a blank line inside one)
                text = "\n\n".join(text[start:end] for start, end in paragraph_spans(text))
                scanned = self.scanner.scan(text)
            return scanned
        from analysis.tokens import paragraph_spans

        if text.count("\n") == 2 * text.count("\n\n"):
            # every line break is half of a blank line (a cleaned text): paragraph_spans
            # cuts at each "\n\n" and strips
            paragraphs = [p for p in (p.strip() for p in text.split("\n\n")) if p]
        else:
            paragraphs = [text[start:end] for start, end in paragraph_spans(text)]
        # the tokeniser's lookarounds see no difference between a paragraph alone and the
        # same span inside the text: the character before it is a space or none
        cache = self.surface_keys
        findall = self.regex.findall
        keys: list[str | None] = []
        for paragraph in paragraphs:
            keys.extend(map(cache.__getitem__, findall(paragraph)))
            keys.append(None)
        self._learn(keys)
        singles = Counter(itertools.compress(keys, map(self.simple_of.__contains__, keys)))
        complex_of = self.complex_of
        starts = [
            start
            for start in itertools.compress(itertools.count(), map(complex_of.__contains__, keys))
            if any(second is None or second == keys[start + 1] for _, second, _, _ in complex_of[keys[start]])
        ]  # a key is never last: each paragraph ends with None
        return keys, len(keys) - keys.count(None), dict(singles), starts

    def _surface(self, surface: str) -> tuple[str | None, bool, bool, frozenset[str] | None]:
        """``(key, simple, complex, seconds)`` of a surface: the C scanner's ``lookup``."""
        key = self.surface_keys[surface]
        if key is None:
            return None, False, False, None
        if key not in self.first:
            self._candidates(key)
        complex_ = self.complex_of.get(key)
        if complex_ is None:
            return key, key in self.simple_of, False, None
        seconds = [second for _, second, _, _ in complex_]
        return key, key in self.simple_of, True, None if None in seconds else frozenset(seconds)

    def _candidates(self, key: str) -> tuple[int, ...]:
        found = list(self.literal.get(key, ()))
        found += [idx for idx, regex in self.globs if regex.fullmatch(key)]
        out = tuple(sorted(found))
        if out and key not in self.trigger:
            self.trigger.add(key)
            simple = tuple(idx for idx in out if self.simple[idx])
            complex_ = tuple(idx for idx in out if not self.simple[idx])
            if simple:
                self.simple_of[key] = simple
                owners = {theme for idx in simple for theme, _ in self.owners[idx]}
                self.families_of[key] = tuple(
                    tid for tid in self.themes if not owners.isdisjoint(self.members[tid])
                )
            if complex_:
                # (pattern, its second word when plain, its length, its parts after the first:
                # a word, or for a glob the cache of _glob_part): most candidates fail on the
                # second word, and a two-word phrase needs no other test
                self.complex_of[key] = tuple(
                    (
                        idx,
                        rest[0][0] if rest and not rest[0][1] else None,
                        1 + len(rest),
                        tuple(
                            self.part_cache.setdefault((idx, i), {}) if is_glob else part
                            for i, (part, is_glob) in enumerate(rest, start=1)
                        ),
                    )
                    for idx in complex_
                    for rest in (self.rest[idx],)
                )
        if len(self.first) < 1_000_000:
            self.first[key] = out
        return out

    def _glob_part(self, idx: int, i: int, key: str) -> bool:
        cache = self.part_cache.setdefault((idx, i), {})
        hit = cache.get(key)
        if hit is None:
            hit = self.patterns[idx].matches_part(i, key)
            if len(cache) < 100_000:
                cache[key] = hit
        return hit

    def _end(self, idx: int, start: int, keys: list[str | None]) -> int | None:
        """End of pattern ``idx``'s match at ``start`` (its first token matches), or None."""
        rest = self.rest[idx]
        end = start + 1 + len(rest)
        if end > len(keys):
            return None
        i = start
        for part, is_glob in rest:
            i += 1
            k = keys[i]
            if k is None or (not self._glob_part(idx, i - start, k) if is_glob else k != part):
                return None
        return end

    def _learn(self, keys: list[str | None]) -> None:
        for key in set(keys).difference(self.first):
            if key is not None:
                self._candidates(key)

    def tally(self, scanned: tuple[list[str | None], int, dict[str, int], list[int]]) -> dict[str, list[int]]:
        """Theme -> [counted matches, tokens they cover], themes with matches only.

        The C extension's ``tally`` when it is used, else :meth:`_tally` (the
        definition; ``tests/test_stream.py`` compares both).
        """
        if self.native:
            return _fastkeys.tally(
                scanned, self.complex_of, self.simple_of, self.families_of, self._end, self._group_result,
                self.c_groups,
            )  # fmt: skip
        return self._tally(scanned)

    def _tally(
        self, scanned: tuple[list[str | None], int, dict[str, int], list[int]]
    ) -> dict[str, list[int]]:
        """Theme -> [counted matches, tokens they cover], themes with matches only.

        The counts of :func:`analysis.lookup.tokens_lookup` (``overlap="longest"``)
        for the result of :meth:`scan`, without spans for most matches. A
        one-token match of a pattern that no theme excludes, at a position that no
        longer match and no exclusion touches, is subject to one rule only: each
        token once per theme family. Those are counted per distinct key (the
        ``singles`` of :meth:`scan`); the other matches go through the rules of
        :meth:`_resolve`. The two parts cover disjoint positions.
        """
        keys, _, singles, starts = scanned
        simple_of, families_of, complex_of = self.simple_of, self.families_of, self.complex_of
        found = []
        for start in starts:
            following = keys[start + 1]  # a key is never last: each paragraph ends with None
            for idx, second, width, _ in complex_of[keys[start]]:  # type: ignore[index]
                if second is not None:
                    if second != following:
                        continue
                    if width == 2:  # a two-word phrase whose second word is there
                        found.append((idx, start, start + 2))
                        continue
                end = self._end(idx, start, keys)
                if end is not None:
                    found.append((idx, start, end))
        out: dict[str, list[int]] = {}
        if found:
            covered = {i for _, start, end in found for i in range(start, end)}
            singles = dict(singles)
            for i in covered:
                key = keys[i]
                if key in simple_of:
                    singles[key] -= 1
                    found.extend((idx, i, i + 1) for idx in simple_of[key])  # type: ignore[index]
            for tid, tally in self._resolve_groups(found):
                counted = out.setdefault(tid, [0, 0])
                counted[0] += tally[0]
                counted[1] += tally[1]
        for key, n in singles.items():
            if n:
                for tid in families_of[key]:
                    tally = out.setdefault(tid, [0, 0])
                    tally[0] += n
                    tally[1] += n
        return out

    def _resolve_groups(self, found: list[tuple[int, int, int]]) -> Iterator[tuple[str, tuple[int, int]]]:
        """(theme, (count, tokens covered)) of :meth:`_resolve`, one group of overlapping matches at a time.

        Every rule of :meth:`_resolve` compares matches that overlap, so groups of
        overlapping matches (any theme, exclusions included) resolve apart, and a
        group's result depends only on its matches' patterns and relative
        positions: it is computed once per distinct group and cached.
        """
        found.sort(key=lambda m: (m[1], m[2], m[0]))
        cache = self.groups
        group: list[tuple[int, int, int]] = []
        group_end = -1
        for match in [*found, (-1, 1 << 62, 1 << 62)]:  # a sentinel closes the last group
            if match[1] >= group_end and group:
                origin = group[0][1]
                key = tuple((idx, a - origin, b - origin) for idx, a, b in group)
                result = cache.get(key)
                if result is None:
                    result = self._group_result(group)
                    if len(cache) < 100_000:
                        cache[key] = result
                yield from result
                group = []
            group.append(match)
            group_end = max(group_end, match[2]) if len(group) > 1 else match[2]

    def _group_result(self, group: list[tuple[int, int, int]]) -> tuple[tuple[str, tuple[int, int]], ...]:
        """((theme, (count, tokens covered)), ...) of one group of overlapping matches."""
        return tuple(
            (tid, (len(spans), sum(b - a for a, b in spans))) for tid, spans in self._resolve(group).items()
        )

    def _resolve(self, found: list[tuple[int, int, int]]) -> dict[str, list[tuple[int, int]]]:
        """Theme -> counted (start, end) spans of raw matches after rules 3-6 (themes with matches only)."""
        include: dict[str, set[tuple[int, int]]] = {}
        exclude: dict[str, list[tuple[int, int]]] = {}
        for idx, start, end in found:
            for theme, is_include in self.owners[idx]:
                if is_include:
                    include.setdefault(theme, set()).add((start, end))
                else:
                    exclude.setdefault(theme, []).append((start, end))
        if not include:
            return {}
        parent_of = self.parent_of
        # rule 3: a theme's exclusions, and its parent's, veto the matches they overlap
        for tid in list(include):
            vetoes = exclude.get(tid, []) + exclude.get(parent_of[tid] or "", [])
            if vetoes:
                include[tid] = {m for m in include[tid] if not any(m[0] < b and a < m[1] for a, b in vetoes)}
        # rules 4-5: per theme over its family, longest then leftmost, each token once
        resolved: dict[str, list[tuple[int, int]]] = {}
        present = set(include).union([parent_of[t] for t in include if parent_of[t]])
        for tid in self.themes:
            if tid not in present:
                continue
            sets = [include[m] for m in self.members[tid] if m in include]
            pool = sets[0] if len(sets) == 1 else set().union(*sets)
            if not pool:
                continue
            if all(b - a == 1 for a, b in pool):  # distinct one-token spans never overlap
                resolved[tid] = list(pool)
                continue
            taken: set[int] = set()
            kept = []
            for a, b in sorted(pool, key=lambda m: (m[0] - m[1], m[0])):
                span = range(a, b)
                if taken.isdisjoint(span):
                    taken.update(span)
                    kept.append((a, b))
            resolved[tid] = kept
        # rule 6: a match overlapped by a strictly longer match of an unrelated theme is dropped
        # (only a match of 2 tokens or more can be strictly longer than another)
        cover: dict[int, list[tuple[int, str]]] = {}
        if len(resolved) > 1:
            for tid, ms in resolved.items():
                for a, b in ms:
                    if b - a > 1:
                        for i in range(a, b):
                            cover.setdefault(i, []).append((b - a, tid))
        if cover:
            for tid, ms in list(resolved.items()):
                parent = parent_of[tid]
                kept = []
                for a, b in ms:
                    width = b - a
                    if (width == 1 and a not in cover) or not any(
                        length > width and other != tid and other != parent and parent_of[other] != tid
                        for i in range(a, b)
                        for length, other in cover.get(i, ())
                    ):
                        kept.append((a, b))
                resolved[tid] = kept
        return resolved


_COUNTERS: dict[tuple[str, bool, str, int], _FastCounter] = {}


def _fast_counter(dic: Dictionary, language: str) -> _FastCounter:
    # one per thread: a Dask worker may run chunks in several threads, and a counter's
    # C scanner serves one call at a time
    key = (dic.hash, dic.accent_sensitive, language, threading.get_ident())
    counter = _COUNTERS.get(key)
    if counter is None:
        if len(_COUNTERS) > 16:
            _COUNTERS.clear()
        counter = _COUNTERS[key] = _FastCounter(dic, language)
    return counter


def _count_fast(
    docs: list[dict[str, Any]], cleaned: list[str], dic: Dictionary
) -> tuple[pd.DataFrame, list[int]]:
    """Same ``counts`` table and token totals as :func:`_count_library`, faster.

    The tallies become the table through :mod:`analysis.lookup`'s own columns
    (:func:`analysis.lookup._count_columns`, as ``counts_table`` builds them), so
    the columns and their meaning stay those of ``Lookup.counts``. ``doc_id``
    values are unique (:func:`process_chunk` checks it).
    """
    from analysis.lookup import _count_columns, _counts_frame, counts_table

    if not docs:
        return counts_table({}, dic, [], {}), []
    count, covered, n_tokens = _tally_fast(docs, cleaned, dic)
    doc_ids = [d["doc_id"] for d in docs]
    return _counts_frame(_count_columns(count, covered, dic, doc_ids, n_tokens)), n_tokens


def _tally_fast(
    docs: list[dict[str, Any]], cleaned: list[str], dic: Dictionary
) -> tuple[Any, Any, list[int]]:
    """Hits and tokens covered (document x theme arrays, themes in dictionary order) and token totals."""
    import numpy as np

    n_themes = len(dic.themes)
    theme_index = {t.id: j for j, t in enumerate(dic.themes)}
    cells: list[int] = []  # flat positions (document x theme) of the themes with matches
    hits: list[int] = []
    covered: list[int] = []
    n_tokens: list[int] = []
    counters: dict[str, _FastCounter] = {}  # this thread's, by language
    for i, (doc, text) in enumerate(zip(docs, cleaned, strict=True)):
        language = doc["language"]
        counter = counters.get(language) or counters.setdefault(language, _fast_counter(dic, language))
        scanned = counter.scan(text)
        n_tokens.append(scanned[1])
        row = i * n_themes
        for tid, (c, m) in counter.tally(scanned).items():
            cells.append(row + theme_index[tid])
            hits.append(c)
            covered.append(m)
    count = np.zeros(len(docs) * n_themes, dtype="int64")
    tokens_covered = np.zeros(len(docs) * n_themes, dtype="int64")
    count[cells] = hits
    tokens_covered[cells] = covered
    shape = (len(docs), n_themes)
    return count.reshape(shape), tokens_covered.reshape(shape), n_tokens


_COUNT_SCHEMAS: dict[str, Any] = {}


def _counts_arrow(count: Any, covered: Any, dic: Dictionary, doc_ids: list[str], n_tokens: list[int]):
    """:func:`analysis.lookup.counts_table` as the Arrow table its Parquet part holds.

    The same columns (:func:`analysis.lookup._count_columns`) and the schema that
    ``pyarrow.Table.from_pandas`` gives the pandas table, pandas metadata
    included, so that reading a part back gives the same DataFrame
    (``tests/test_stream.py`` compares both); without the pandas table.
    """
    import pyarrow as pa

    from analysis.lookup import _count_columns, counts_table

    if not doc_ids:  # (a chunk left with no document writes no part)
        return pa.Table.from_pandas(counts_table({}, dic, [], {}), preserve_index=False)
    schema = _COUNT_SCHEMAS.get(dic.hash)
    if schema is None:  # the types pandas gives these columns for this dictionary (one row)
        template = counts_table({}, dic, ["x"], {"x": 1})
        schema = _COUNT_SCHEMAS[dic.hash] = pa.Schema.from_pandas(template, preserve_index=False)
    arrays = []
    columns = _count_columns(count, covered, dic, doc_ids, n_tokens)
    for field, column in zip(schema, columns.values(), strict=True):
        if isinstance(column, tuple):  # text: each distinct value converted once
            values, rows = column
            arrays.append(pa.array(values, type=field.type).take(pa.array(rows)))
        else:  # from_pandas: NaN is null, as pandas writes it
            arrays.append(pa.array(column, type=field.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema)


def process_chunk(
    docs: list[dict[str, Any]],
    dictionary_path: str | Path,
    *,
    method: str = "fast",
    keep_text: bool = False,
    dictionary_sha256: str | None = None,
    arrow: bool = False,
) -> dict[str, Any]:
    """Clean, tokenise and count the themes of one chunk of documents (a pure function).

    Parameters
    ----------
    docs : list of dict
        Documents as yielded by :func:`iter_chunks` (``doc_id``, ``text``,
        ``language``, optional ``title``, metadata).
    dictionary_path : str or pathlib.Path
        Theme dictionary file (loaded once per process).
    method : {"library", "fast"}
        ``library`` calls :func:`analysis.clean.clean_text`,
        :func:`analysis.tokens.tokens` and :func:`analysis.lookup.tokens_lookup`;
        ``fast`` (when available) gives the same tables without per-token
        DataFrames (proven identical by ``tests/test_stream.py``).
    keep_text : bool
        Add the cleaned text to the documents table.
    dictionary_sha256 : str, optional
        Refuse to count with a dictionary file whose sha256 differs (a worker
        on another machine reading another version of the file).
    arrow : bool
        Give ``counts`` as the ``pyarrow.Table`` that :func:`count_corpus`
        writes as its Parquet part (the same columns and schema, pandas
        metadata included; built without a pandas table).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``documents`` (one row per document: metadata, ``n_chars``, ``n_bytes``,
        ``n_tokens``, ``sha256`` of the NFC text, UTF-8) and ``counts`` (the
        ``Lookup.counts`` table: one row per document x theme, zeros included;
        an Arrow table with ``arrow``), both sorted by ``doc_id`` (themes in
        dictionary order).

    Examples
    --------
    >>> from analysis import config
    >>> out = process_chunk([{"doc_id": "a", "text": "La paix en Ukraine.", "language": "fr"}],
    ...                     config.DEFAULT_DICTIONARY)
    >>> out["documents"][["doc_id", "n_tokens"]].values.tolist()
    [['a', 4]]
    >>> int(out["counts"].set_index("theme").loc["ukraine", "count"])
    1
    """
    if method not in ("library", "fast"):
        raise ValueError(f"unknown method {method!r}; expected 'library' or 'fast'")
    seen: set[str] = set()
    for doc in docs:
        if doc["doc_id"] in seen:
            raise SourceError(f"duplicate doc_id {doc['doc_id']!r} in chunk")
        seen.add(doc["doc_id"])
    dic = load_dictionary(dictionary_path)
    if dictionary_sha256 is not None and dic.hash != dictionary_sha256:
        raise ValueError(
            f"dictionary {dictionary_path} has sha256 {dic.hash[:12]}…, expected {dictionary_sha256[:12]}…"
        )
    # deterministic order within a part: by doc_id (unique here), themes in dictionary order;
    # sorting the documents first gives the tables in that order
    if any(a["doc_id"] > b["doc_id"] for a, b in itertools.pairwise(docs)):
        docs = sorted(docs, key=lambda doc: doc["doc_id"])
    nfc = [clean.nfc(doc["text"]) for doc in docs]  # once: cleaning sees NFC text
    cleaned = [_clean(doc, text) for doc, text in zip(docs, nfc, strict=True)]
    counts: Any
    if method == "fast" and arrow:
        count, covered, n_tokens = _tally_fast(docs, cleaned, dic)
        counts = _counts_arrow(count, covered, dic, [d["doc_id"] for d in docs], n_tokens)
    elif method == "fast":
        counts, n_tokens = _count_fast(docs, cleaned, dic)
    else:
        counts, n_tokens = _count_library(docs, cleaned, dic)
        if arrow:
            import pyarrow as pa

            counts = pa.Table.from_pandas(counts, preserve_index=False)
    documents = _documents_table(docs, n_tokens, cleaned if keep_text else None, nfc)
    return {DOCUMENT_TABLE: documents, COUNTS_TABLE: counts}


def _chunk_task(chunk: list[dict[str, Any]], **options: Any) -> tuple[dict[str, Any], list[str]]:
    """A chunk read by this process: the tables of its part (its problems were listed here)."""
    return process_chunk(chunk, **options), []


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

    from analysis import clean, lookup, tokens  # noqa: F401

    # with the fork start method (Linux before Python 3.14) workers also inherit the loaded
    # dictionary and its counters; with another method each worker loads them (same result)
    work_args = getattr(work, "keywords", {})
    if "dictionary_path" in work_args:
        dic = load_dictionary(work_args["dictionary_path"])
        for language in config.LANGUAGES:
            _fast_counter(dic, language)

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
