"""Your own statement: a text file and its metadata as a manifest row, a one-document corpus or a raw import.

A text file becomes a document with the metadata given as options, else those of a
small file beside it (``my_statement.yaml``, or ``my_statement.csv`` with a header and
one row), else defaults: the id from the file name, the title from the title line, the
language detected, the genre ``statement``. The date is required (the comparison frames
use it). The row is validated by the manifest's own rules (:func:`analysis.corpus.corpus`).

- :func:`statement_metadata` gives the row;
- :func:`statement_corpus` writes a one-document corpus (a manifest and a copy of the
  text) under ``reports/texts`` for ``run --text`` and ``compare --text``, never in
  ``data/raw``;
- :func:`raw_add` is the explicit import into ``data/raw`` (``analysis add``,
  ``analysis fetch``): it appends a row to ``data/raw/manifest.csv`` and refuses to
  overwrite a file or an id.

Examples
--------
>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> text = folder / "alphaland_note.txt"
>>> _ = text.write_text("Alphaland et Syldavie\\n\\nLa Syldavie et l'Alphaland coopèrent.", encoding="utf-8")
>>> row = statement_metadata(text, date="2031-05-04", parties="Alphaland; Syldavie")
>>> row["id"], row["title"], row["language"], row["genre"]
('alphaland-note', 'Alphaland et Syldavie', 'fr', 'statement')
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
import unicodedata
from pathlib import Path
from typing import Any

from analysis import config
from analysis.corpus import Corpus, CorpusError, Problem, corpus, detect_language, read_text
from analysis.encoding import title_line
from analysis.paths import safe_path

logger = logging.getLogger(__name__)

__all__ = ["MANIFEST_COLUMNS", "raw_add", "statement_corpus", "statement_documents", "statement_metadata"]

MANIFEST_COLUMNS: tuple[str, ...] = (
    "id", "title", "date", "parties", "language", "genre", "source_url", "publisher", "license", "path",
    "complete", "notes", "heading",
)  # fmt: skip
"""The columns of a manifest the project writes (those of ``data/raw/manifest.csv``)."""
METADATA_FIELDS: tuple[str, ...] = tuple(c for c in MANIFEST_COLUMNS if c not in ("path", "heading"))
"""What a user may give for a statement (options or the file beside it)."""
PROVENANCE_COLUMNS: tuple[str, ...] = ("retrieved_at", "sha256", "extractor")
"""Columns an import adds: when and how the text was obtained, and its sha256."""


def _slug(stem: str) -> str:
    """An id from a file name: ASCII letters, digits and hyphens.

    Examples
    --------
    >>> _slug("Déclaration_commune 2031 (v2)")
    'declaration-commune-2031-v2'
    """
    ascii_name = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "statement"


def _sidecar(path: Path) -> tuple[dict[str, str], Path | None]:
    """The metadata of the file beside ``path`` (``<stem>.yaml``, ``.yml`` or ``.csv``), if any.

    Two of them beside one text are refused: which one holds the metadata would be a guess.
    """
    sides = [path.with_suffix(x) for x in (".yaml", ".yml", ".csv")]
    found = [x for x in sides if x != path and x.is_file()]
    if len(found) > 1:
        names = ", ".join(x.name for x in found)
        message = f"metadata in {len(found)} files ({names}); keep one"
        raise CorpusError([Problem(str(path), None, None, message)])
    for suffix in (".yaml", ".yml", ".csv"):
        side = path.with_suffix(suffix)
        if side == path or not side.is_file():
            continue
        text = side.read_text(encoding="utf-8-sig")
        if suffix == ".csv":
            rows = list(csv.DictReader(io.StringIO(text)))
            if len(rows) != 1:
                raise CorpusError([Problem(str(side), None, None, f"{len(rows)} rows; give one row")])
            loaded: Any = rows[0]
        else:
            import yaml

            from analysis.dictionary import yaml_anchor

            refused = yaml_anchor(text)
            if refused:
                raise CorpusError([Problem(str(side), None, None, refused)])
            try:
                loaded = yaml.safe_load(text) or {}
            except yaml.YAMLError as exc:
                raise CorpusError([Problem(str(side), None, None, f"not valid YAML: {exc}")]) from exc
            if not isinstance(loaded, dict):
                raise CorpusError([Problem(str(side), None, None, "must hold a mapping of field: value")])
        meta = {str(k).strip().lower(): v for k, v in loaded.items()}
        unknown = sorted(set(meta) - set(METADATA_FIELDS))
        if unknown:
            raise CorpusError(
                [Problem(str(side), None, None,
                         f"unknown field(s) {unknown}; known: {', '.join(METADATA_FIELDS)}")]  # fmt: skip
            )
        return {k: _plain(v) for k, v in meta.items()}, side
    return {}, None


def _plain(value: Any) -> str:
    """A metadata value on one line: lists joined with "; ", control and bidi characters removed.

    Examples
    --------
    >>> _plain(["Alphaland", "Syldavie"]), _plain("Ligne un\\nligne\\u202edeux")
    ('Alphaland; Syldavie', 'Ligne un lignedeux')
    """
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return "; ".join(_plain(v) for v in value)
    text = "".join(c for c in str(value) if unicodedata.category(c) not in ("Cc", "Cf") or c in "\t\n\r")
    return " ".join(text.split())  # YAML dates become YYYY-MM-DD


def statement_metadata(path: Path | str, *, require_date: bool = True, **given: Any) -> dict[str, str]:
    """The manifest row of one text file: options, else the file beside it, else defaults.

    Parameters
    ----------
    path : path-like
        The plain text file (UTF-8 or another encoding :func:`analysis.corpus.read_text` reads).
    require_date : bool
        Refuse a statement without a date (a comparison needs it; counting does not).
    **given
        Metadata fields (``id``, ``title``, ``date``, ``parties``, ``language``, ``genre``,
        ``source_url``, ``publisher``, ``license``, ``notes``); None or absent: the value of
        the file beside the text (``<stem>.yaml`` or ``<stem>.csv``), else the default.

    Returns
    -------
    dict of str
        The row, with every column of :data:`MANIFEST_COLUMNS` (``path`` is the file name).

    Raises
    ------
    CorpusError
        No date, or a field the manifest rules refuse (date, language, genre), or an
        unreadable text; every problem at once.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = pathlib.Path(tempfile.mkdtemp()) / "syldavie.txt"
    >>> _ = text.write_text("The Syldavian minister met her Alphaland counterpart.", encoding="utf-8")
    >>> statement_metadata(text)
    Traceback (most recent call last):
    ...
    analysis.corpus.CorpusError: ...date: no date: give --date YYYY-MM-DD ...
    """
    from analysis.corpus import _validate

    path = Path(path)
    unknown = sorted(set(given) - set(METADATA_FIELDS))
    if unknown:
        raise TypeError(f"unknown metadata field(s) {unknown}")
    text, _encoding = read_text(path)
    side, side_path = _sidecar(path)
    meta = {k: _plain(v) for k, v in side.items()}
    meta.update({k: _plain(v) for k, v in given.items() if v not in (None, "", [])})
    where = safe_path(side_path or path)
    heading = title_line(text) or ""
    row = {
        "id": meta.get("id") or _slug(path.stem),
        "title": meta.get("title") or title_line(text) or path.stem,
        "date": meta.get("date", ""),
        "parties": meta.get("parties", ""),
        "language": meta.get("language") or detect_language(text),
        "genre": meta.get("genre") or "statement",
        "source_url": meta.get("source_url", ""),
        "publisher": meta.get("publisher", ""),
        "license": meta.get("license", ""),
        "path": path.name,
        "complete": meta.get("complete") or "yes",
        "notes": meta.get("notes", ""),
        # a title given beside the text's own title line: the cleaning still knows that line
        "heading": heading if meta.get("title") and heading and heading != meta.get("title") else "",
    }
    if "language" not in meta:
        logger.info("%s: language detected as %s (give --language to set it)", where, row["language"])
    problems = [] if row["date"] or not require_date else [
        Problem(str(path), None, "date", f"no date: give --date YYYY-MM-DD (or date: in {path.stem}.yaml)")
    ]  # fmt: skip
    problems += [p for p in _validate(path, [{**row, "_line": "0"}]) if row["date"] or p.field != "date"]
    if problems:
        # the row is not a CSV line: name the field only
        raise CorpusError([Problem(p.file, None, p.field, p.message) for p in problems])
    if not row["parties"] and require_date:  # a comparison: its "same parties" frame needs them
        logger.warning("%s: no parties given: the 'same parties' comparison frame cannot be formed", where)
    return row


def statement_documents(path: Path | str, **given: Any) -> Corpus:
    """A text file as an in-memory corpus with its metadata (options, the file beside it), date optional.

    For counting and concordances, which need no date: nothing is written.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> text = pathlib.Path(tempfile.mkdtemp()) / "memo.txt"
    >>> _ = text.write_text("Syldavia and Alphaland agree.", encoding="utf-8")
    >>> statement_documents(text, genre="communique").docs[["doc_id", "genre", "date"]].values.tolist()
    [['memo', 'communique', '']]
    """
    from analysis.corpus import corpus_from_files, party_format, split_parties

    row = statement_metadata(path, require_date=False, **given)
    corp = corpus_from_files([path], language=row["language"])
    docs = corp.docs.copy()
    for col in (*METADATA_FIELDS, "heading"):
        if col != "id" and col != "language":
            docs[col] = row[col]
    docs["doc_id"] = row["id"]
    docs["n_parties"] = len(split_parties(row["parties"]))
    docs["format"] = party_format(int(docs["n_parties"].iloc[0]))
    corp.docs = docs
    corp.history.append({"op": "statement_documents", "path": str(path)})
    return corp


def _manifest_text(rows: list[dict[str, str]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue()


def statement_corpus(path: Path | str, folder: Path | str | None = None, **given: Any) -> Corpus:
    """A one-document corpus of a text file, written beside a copy of the text (never in ``data/raw``).

    The folder ``<folder>/<id>-<hash>`` holds ``manifest.csv`` and the text; the hash
    covers the text and its row, so the same statement with the same metadata reuses its
    folder and a changed one gets a new folder (a run's inputs never change under it).

    Parameters
    ----------
    path : path-like
        The text file.
    folder : path-like or None
        Where the corpus folders go (default ``reports/texts`` of the project folder).
    **given
        Metadata, as for :func:`statement_metadata`.

    Returns
    -------
    Corpus
        The loaded one-document corpus; ``Corpus.manifest`` is its manifest.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (tmp / "note.txt").write_text("Syldavia and Alphaland agree.", encoding="utf-8")
    >>> corp = statement_corpus(tmp / "note.txt", tmp / "texts", date="2031-01-02", language="en")
    >>> corp.docs[["doc_id", "date", "language"]].values.tolist()
    [['note', '2031-01-02', 'en']]
    """
    from analysis.store import atomic_path

    path = Path(path)
    row = statement_metadata(path, **given)
    data = path.read_bytes()
    row["path"] = f"{row['id']}.txt"
    manifest = _manifest_text([row], list(MANIFEST_COLUMNS))
    digest = hashlib.sha256(data + b"\0" + manifest.encode()).hexdigest()[:12]
    target = Path(config.REPORTS_DIR / "texts" if folder is None else folder) / f"{row['id']}-{digest}"
    if not (target / "manifest.csv").is_file():
        with atomic_path(target / row["path"]) as tmp:
            tmp.write_bytes(data)
        with atomic_path(target / "manifest.csv") as tmp:
            tmp.write_text(manifest, encoding="utf-8")
        logger.info("wrote the one-document corpus %s", safe_path(target))
    return corpus(target / "manifest.csv")


def raw_add(
    data: bytes,
    row: dict[str, str],
    *,
    extra: dict[str, bytes] | None = None,
    provenance: dict[str, str] | None = None,
    raw_dir: Path | str | None = None,
) -> dict[str, str]:
    """Import one text into ``data/raw``: its file, any extra files, and a new manifest row.

    Nothing is ever overwritten: an id already in the manifest or a file that exists is
    refused before anything is written. The manifest gains the row (and the provenance
    columns, empty for the rows before); the other rows are kept as they were.

    Parameters
    ----------
    data : bytes
        The text, as stored (``<id>.txt``).
    row : dict
        The manifest row (:func:`statement_metadata`); ``path`` is set to ``<id>.txt``.
    extra : dict of str to bytes, optional
        Further files to store beside it (e.g. ``{"<id>.html": page}``), by file name.
    provenance : dict, optional
        Values of :data:`PROVENANCE_COLUMNS` (``sha256`` of ``data`` is filled in).
    raw_dir : path-like or None
        Default ``data/raw`` of the project folder.

    Returns
    -------
    dict
        The row as written.

    Raises
    ------
    FileExistsError
        The id is in the manifest or one of the files exists.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from analysis import config
    >>> raw = config.RAW_DIR  # the guard lets an import write only there
    >>> raw_add(b"x", {"id": "a"}, raw_dir=raw)  # doctest: +SKIP
    """
    from analysis.store import atomic_path

    raw = Path(config.RAW_DIR if raw_dir is None else raw_dir)
    manifest = raw / "manifest.csv"
    doc_id = row["id"]
    rows: list[dict[str, str]] = []
    columns = list(MANIFEST_COLUMNS)
    if manifest.is_file():
        reader = csv.DictReader(io.StringIO(manifest.read_text(encoding="utf-8-sig")))
        columns = list(reader.fieldnames or columns)
        rows = list(reader)
        if any(r.get("id") == doc_id for r in rows):
            raise FileExistsError(
                f"{safe_path(manifest)}: id {doc_id!r} is already imported; give another --id"
            )
    digest = hashlib.sha256(data).hexdigest()
    for r in rows:  # the same text under another id would be counted twice
        stored = raw / r["path"] if r.get("path") else None
        known = r.get("sha256") or (
            hashlib.sha256(stored.read_bytes()).hexdigest() if stored is not None and stored.is_file() else ""
        )
        if known == digest:
            raise FileExistsError(
                f"{safe_path(manifest)}: the same text is already imported as {r.get('id')!r} "
                f"(sha256 {digest[:12]}); an import never counts a text twice"
            )
    files = {f"{doc_id}.txt": data, **(extra or {})}
    existing = [name for name in files if (raw / name).exists()]
    if existing:
        raise FileExistsError(f"{safe_path(raw)}: {', '.join(existing)} exist(s); an import never overwrites")
    new = {**row, "path": f"{doc_id}.txt", **(provenance or {})}
    if provenance is not None:
        new["sha256"] = hashlib.sha256(data).hexdigest()
    for col in [*MANIFEST_COLUMNS, *(PROVENANCE_COLUMNS if provenance is not None else ())]:
        if col not in columns:
            columns.append(col)
    for name, content in files.items():
        with atomic_path(raw / name, raw_import=True, exclusive=True) as tmp:
            tmp.write_bytes(content)
    with atomic_path(manifest, raw_import=True) as tmp:
        tmp.write_text(_manifest_text([*rows, new], columns), encoding="utf-8")
    logger.info("imported %s into %s", doc_id, safe_path(raw))
    return {c: new.get(c, "") for c in columns}
