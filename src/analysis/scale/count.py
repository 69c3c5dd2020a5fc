"""Count one chunk of documents: clean, read the keys, match (a pure, picklable function).

:func:`process_chunk` is what every engine runs (:mod:`analysis.scale.engines`):
the cleaner of :mod:`analysis.clean`, the keys of :mod:`analysis.scale.keys`
and the one matching engine :class:`analysis.matcher.Matcher`, the same rules
as :func:`analysis.lookup.tokens_lookup` (``method="library"`` calls that
chain itself; the tests compare both).

Examples
--------
>>> from analysis import config
>>> out = process_chunk([{"doc_id": "a", "text": "La paix en Ukraine.", "language": "fr"}],
...                     config.DEFAULT_DICTIONARY)
>>> out["counts"].set_index("theme").loc["ukraine", "count"].item()
1
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import clean
from analysis.scale.sources import JsonlSlice, SourceError, read_jsonl_slice

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.dictionary import Dictionary

logger = logging.getLogger(__name__)

DOCUMENT_TABLE = "documents"
COUNTS_TABLE = "counts"
_STAT_COLUMNS = ("n_chars", "n_bytes", "n_tokens", "sha256")

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
    >>> from analysis import config
    >>> load_dictionary(config.DEFAULT_DICTIONARY) is load_dictionary(config.DEFAULT_DICTIONARY)
    True
    """
    st = os.stat(path)
    return _load_dictionary(str(Path(path).resolve()), st.st_mtime_ns, st.st_size)


def _clean(doc: dict[str, Any], text: str | None = None) -> str:
    """Clean a document's text (or ``text``: the same text already in NFC)."""
    from analysis.clean import _clean_nfc, clean_text, title_mode

    mode = title_mode(doc.get("genre"))  # the one title rule: by genre
    if text is None:
        return clean_text(doc["text"], language=doc["language"], title=doc.get("title"), audit=False,
                          title_mode=mode).text  # fmt: skip
    return _clean_nfc(text, doc["language"], doc.get("title"), title_mode=mode).text


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


_ENGINES: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def _engine(dic: Dictionary, language: str) -> tuple[Any, Any]:
    """This thread's (:class:`analysis.scale.keys.KeyReader`, :class:`analysis.matcher.Matcher`).

    One pair per thread: a Dask worker may run chunks in several threads, and
    both keep tables of the types they have seen.
    """
    from analysis.matcher import Matcher
    from analysis.scale.keys import KeyReader

    key = (dic.hash, language, threading.get_ident())
    engine = _ENGINES.get(key)
    if engine is None:
        if len(_ENGINES) > 16:
            _ENGINES.clear()
        engine = _ENGINES[key] = (KeyReader(language, dic.accent_sensitive), Matcher(dic, language))
    return engine


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
    engines: dict[str, tuple[Any, Any]] = {}  # this thread's, by language
    for i, (doc, text) in enumerate(zip(docs, cleaned, strict=True)):
        language = doc["language"]
        reader, matcher = engines.get(language) or engines.setdefault(language, _engine(dic, language))
        keys = reader.keys(text)
        n_tokens.append(reader.n_tokens(keys))
        row = i * n_themes
        for tid, (c, m) in matcher.count(keys).items():
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
        ``fast`` gives the same tables without per-token DataFrames: the keys of
        :mod:`analysis.scale.keys` and :meth:`analysis.matcher.Matcher.count`
        (proven identical by ``tests/test_stream.py``).
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
