"""Sources of corpus-scale counting: read a large corpus a chunk of documents at a time.

- a folder of ``*.txt`` files (id = file stem, title = first line, language
  given or detected with :func:`analysis.corpus.detect_language`), read with
  :func:`analysis.corpus.read_text` (strict encodings), in sorted file order;
- a JSON Lines file (``.jsonl``, ``.ndjson``, ``.jsonl.gz``): one object per
  line with ``id`` or ``doc_id``, ``text``, optional ``language``, ``title``,
  ``date`` and any other metadata. :func:`analysis.scale.engines.count_corpus`
  cuts an uncompressed one into slices of lines (:func:`iter_jsonl_slices`)
  that the workers read and parse themselves;
- a Parquet file with a ``text`` column, ``id`` or ``doc_id`` and metadata
  columns, read in record batches (never whole);
- an iterable of such dicts (tests, generators).

Examples
--------
>>> docs = [{"id": "a", "text": "La paix en Ukraine."}, {"id": "b", "text": "L'Arctique."}]
>>> [len(c) for c in iter_chunks(docs, chunk_docs=1)]
[1, 1]
"""

from __future__ import annotations

import gzip
import json
import logging
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config
from analysis.corpus import implausible_text, safe_path

if TYPE_CHECKING:  # pragma: no cover

    pass

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_DOCS = 512
"""Documents per chunk (one Parquet part per chunk). Per-chunk costs (tables, Parquet files)
made chunks of 256 statement-sized documents about 7 % slower than 512 in ``make bench``."""

DEFAULT_CHUNK_BYTES = 4_000_000
"""UTF-8 bytes of text per chunk (a chunk closes at whichever limit comes first)."""

_RESERVED = {"doc_id", "id", "text"}
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
    from analysis.encoding import title_line

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
        # the rule of analysis count FILE: a first line is the title only when it looks like one
        # (cleaning drops a first line equal to the title, so any line taken for one is lost)
        title = title_line(text) or ""
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
