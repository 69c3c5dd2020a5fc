"""Corpus: a manifest of statements and their texts, read safely and validated.

A manifest is a CSV file with one row per document. Required columns: ``id``,
``title``, ``date`` (ISO ``YYYY-MM-DD``), ``language`` (``fr`` or ``en``).
Optional: ``parties`` (``;``-separated), ``genre``, ``source_url`` (or
``source``), ``publisher``, ``license`` (or ``licence``), ``path`` (relative to
the manifest; default ``texts/<id>.txt`` then ``<id>.txt``), ``complete``,
``notes``, ``heading`` (the text's own title line when ``title`` says something
else: the cleaning recognises that line as the title line). The shared reference
manifest (``../shared/corpus/manifest.csv``) is read as it is.

All problems of a manifest are collected and reported together, each with the
file, the CSV line and the field; one bad file never silently drops the others
(``on_error="skip"`` loads the good ones and keeps the problems in
``Corpus.problems``).

Reading one text file (encodings, mojibake, size) is :mod:`analysis.encoding`
and file names in messages are :func:`analysis.paths.safe_path`; their public
names are re-exported here (``from analysis.corpus import read_text`` works).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import logging
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config
from analysis.encoding import TextError as TextError
from analysis.encoding import decode_text as decode_text
from analysis.encoding import implausible_text as implausible_text
from analysis.encoding import read_text as read_text
from analysis.encoding import title_line
from analysis.paths import safe_path as safe_path

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = ("id", "title", "date", "language")
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,119}")
ALIASES = {"source": "source_url", "licence": "license", "doc_id": "id"}
GENRES = (
    "joint_statement",
    "communique",
    "declaration",
    "speech",
    "press_conference",
    "press_article",
    "statement",
)
"""Genres a document can have (``genre`` column or inferred, see :func:`infer_genre`)."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a corpus: where it is and what is wrong."""

    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = safe_path(self.file)
        if self.row is not None:
            where += f", line {self.row}"
        if self.field:
            where += f", {self.field}"
        return f"{where}: {self.message}"


class CorpusError(ValueError):
    """Raised with every problem of a corpus at once."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in corpus:\n{lines}")


def sha256_file(path: Path | str) -> str:
    """Return the hex sha256 of a file's bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "a"
    >>> _ = p.write_bytes(b"abc")
    >>> sha256_file(p)[:12]
    'ba7816bf8f01'
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def split_parties(value: str) -> list[str]:
    """Split a ``;``-separated parties field.

    Examples
    --------
    >>> split_parties("Canada; France ;")
    ['Canada', 'France']
    """
    return [p.strip() for p in str(value or "").split(";") if p.strip()]


_GENRE_RULES = [
    ("press_article", r"press article|article de presse|news article"),
    ("press_conference", r"press conference|conférence de presse|point de presse|q&a"),
    ("speech", r"\bspeech|discours|\bremarks\b|allocution"),
    ("communique", r"communiqu"),
    ("joint_statement", r"joint\b.*\bstatement|déclaration (?:commune|conjointe)|joint declaration"),
    ("declaration", r"^déclaration\b|^declaration\b"),
    ("statement", r"statement|roadmap|déclaration"),
]


def infer_genre(title: str, notes: str = "") -> str:
    """Classify a document's genre from the first sentence of its notes, then its title.

    The manifest's own ``genre`` column always wins; this is the fallback. The
    notes' first sentence is read first because it describes the document
    ("Speech during bilateral state visit"), the title second. Rules are tried
    in the order of ``_GENRE_RULES``; the default is ``statement``.

    Examples
    --------
    >>> infer_genre("Déclaration de M. X", "Speech during BILATERAL state visit (Riga).")
    'speech'
    >>> infer_genre("United States-France Joint Statement")
    'joint_statement'
    >>> infer_genre("Déclaration de Los Angeles sur les migrations")
    'declaration'
    """
    first = re.split(r"(?<=[.!?])\s", (notes or "").strip(), maxsplit=1)[0]
    for text in (first, title):
        low = (text or "").lower()
        for genre, rx in _GENRE_RULES:
            if low and re.search(rx, low):
                return genre
    return "statement"


def party_format(n_parties: int) -> str:
    """Name the format of a statement from its number of parties.

    Examples
    --------
    >>> [party_format(n) for n in (1, 2, 3, 20)]
    ['unilateral', 'bilateral', 'trilateral', 'multilateral']
    """
    return {0: "unknown", 1: "unilateral", 2: "bilateral", 3: "trilateral"}.get(n_parties, "multilateral")


def _manifest_rows(path: Path) -> tuple[list[dict[str, str]], list[Problem]]:
    problems: list[Problem] = []
    try:
        text, _enc = read_text(path)
    except TextError as exc:
        return [], [Problem(str(path), None, None, exc.message)]
    reader = csv.DictReader(text.splitlines())
    header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in reader.fieldnames or []]
    missing = [f for f in REQUIRED_FIELDS if f not in header]
    if missing:
        problems.append(Problem(str(path), 1, None, f"missing required column(s) {missing}"))
        return [], problems
    rows = []
    for line_no, row in enumerate(csv.reader(text.splitlines()[1:]), start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(Problem(str(path), line_no, None, f"{len(row)} fields, header has {len(header)}"))
            continue
        rec = {k: v.strip() for k, v in zip(header, row, strict=True)}
        rec["_line"] = str(line_no)
        rows.append(rec)
    return rows, problems


def _resolve_path(manifest: Path, rec: dict[str, str]) -> Path:
    if rec.get("path"):
        return (manifest.parent / rec["path"]).resolve()
    for candidate in (manifest.parent / "texts" / f"{rec['id']}.txt", manifest.parent / f"{rec['id']}.txt"):
        if candidate.exists():
            return candidate.resolve()
    return (manifest.parent / "texts" / f"{rec['id']}.txt").resolve()


ALLOWED_OUTSIDE: list[Path] = []
"""Folders outside a manifest's own that every :func:`corpus` call of this process may read
(the command line's ``--allow-outside PATH``)."""


def _outside_problem(
    manifest: Path, rec: dict[str, str], path: Path, allow: Path | str | list[Path | str] | None
) -> str | None:
    """Why a text's path may not be read: absolute, leaving the manifest's folder, or a symlink out.

    ``allow`` names folders the user explicitly allows (``--allow-outside``).
    """
    given = [] if allow is None else [allow] if isinstance(allow, str | Path) else list(allow)
    allowed = [Path(a).resolve() for a in given] + ALLOWED_OUTSIDE
    if any(path == a or path.is_relative_to(a) for a in allowed):
        return None
    raw = rec.get("path", "")
    where = manifest.parent
    if raw and Path(raw).is_absolute():
        return f"{raw!r} is an absolute path; texts must lie inside {where} (or pass --allow-outside)"
    if not path.is_relative_to(where):
        how = "leaves" if ".." in Path(raw).parts else "resolves (symlink) outside"
        return f"{raw or path.name!r} {how} the manifest's folder {where} (or pass --allow-outside)"
    return None


def _validate(manifest: Path, rows: list[dict[str, str]]) -> list[Problem]:
    problems = []
    seen: dict[str, str] = {}
    for rec in rows:
        line = int(rec["_line"])
        for f in REQUIRED_FIELDS:
            if not rec.get(f):
                problems.append(Problem(str(manifest), line, f, "required field is empty"))
        doc_id = rec.get("id", "")
        if doc_id and not _ID.fullmatch(doc_id):
            why = "an id is letters, digits, '-', '_' and '.', first a letter or digit (a file name)"
            problems.append(Problem(str(manifest), line, "id", f"{doc_id!r}: {why}"))
        if doc_id:
            if doc_id in seen:
                problems.append(
                    Problem(
                        str(manifest), line, "id", f"duplicate id {doc_id!r} (first on line {seen[doc_id]})"
                    )
                )
            else:
                seen[doc_id] = rec["_line"]
        date = rec.get("date", "")
        if date:
            try:
                if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
                    raise ValueError
                dt.date.fromisoformat(date)
            except ValueError:
                problems.append(
                    Problem(str(manifest), line, "date", f"{date!r} is not an ISO date YYYY-MM-DD")
                )
        lang = rec.get("language", "")
        if lang and lang not in config.LANGUAGES:
            problems.append(
                Problem(
                    str(manifest), line, "language", f"unknown language {lang!r}; expected {config.LANGUAGES}"
                )
            )
        genre = rec.get("genre", "")
        if genre and genre not in GENRES:
            problems.append(
                Problem(str(manifest), line, "genre", f"unknown genre {genre!r}; expected {GENRES}")
            )
    return problems


@dataclass
class Corpus:
    """Documents of a manifest with their texts, validated.

    Attributes
    ----------
    docs : pandas.DataFrame
        One row per document: ``doc_id, title, date, parties, n_parties,
        language, genre, source_url, publisher, license, complete, notes, path,
        encoding, sha256, n_bytes, text``.
    problems : list of Problem
        Problems of documents that were skipped (``on_error="skip"``).
    history : list of dict
        Operations applied (``corpus``, ``corpus_clean``, ``corpus_subset`` ...).
    manifest : Path or None
    """

    docs: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    history: list[dict[str, Any]] = field(default_factory=list)
    manifest: Path | None = None

    def __len__(self) -> int:
        return len(self.docs)

    def __repr__(self) -> str:
        ops = [h["op"] for h in self.history]
        return f"Corpus({len(self.docs)} documents, {len(self.problems)} problems, ops={ops})"

    def __getitem__(self, doc_id: str) -> dict[str, Any]:
        rows = self.docs[self.docs["doc_id"] == doc_id]
        if rows.empty:
            raise KeyError(doc_id)
        return rows.iloc[0].to_dict()


def corpus(
    manifest: Path | str | None = None,
    *,
    max_bytes: int = config.MAX_DOCUMENT_BYTES,
    on_error: str = "raise",
    allow_outside: Path | str | list[Path | str] | None = None,
) -> Corpus:
    """Load and validate a manifest and its texts.

    Parameters
    ----------
    manifest : path-like
        CSV manifest (default: ``data/raw/manifest.csv``).
    max_bytes : int
        Size limit for one text file.
    on_error : {"raise", "skip"}
        ``"raise"``: any problem raises :class:`CorpusError` listing all of them.
        ``"skip"``: load the valid documents; the problems stay in ``.problems``
        and are logged as warnings.
    allow_outside : path or list of paths, optional
        Folders outside the manifest's folder whose texts may be read. Without it a ``path``
        that is absolute, leaves the manifest's folder with ``..`` or resolves (symlinks
        followed) outside it is a problem of its row and ``path`` field.

    Examples
    --------
    >>> corp = corpus()
    >>> corp.docs.loc[0, "doc_id"]
    'fr-ca-2024-09-26-press-fr'
    >>> corp.docs.loc[0, "encoding"]
    'utf-8'
    """
    import pandas as pd

    if on_error not in ("raise", "skip"):
        raise ValueError("on_error must be 'raise' or 'skip'")
    manifest = Path(config.RAW_MANIFEST if manifest is None else manifest).resolve()
    rows, problems = _manifest_rows(manifest)
    problems += _validate(manifest, rows)
    bad_lines = {p.row for p in problems}
    records = []
    for rec in rows:
        line = int(rec["_line"])
        path = _resolve_path(manifest, rec)
        outside = _outside_problem(manifest, rec, path, allow_outside)
        if outside:
            problems.append(Problem(str(manifest), line, "path", outside))
            continue
        try:
            text, encoding = read_text(path, max_bytes=max_bytes)
        except TextError as exc:
            problems.append(Problem(str(path), line, "path", exc.message))
            continue
        if line in bad_lines:
            continue
        parties = split_parties(rec.get("parties", ""))
        records.append(
            {
                "doc_id": rec["id"],
                "title": unicodedata.normalize("NFC", rec["title"]),
                "date": rec["date"],
                "parties": "; ".join(parties),
                "n_parties": len(parties),
                "format": party_format(len(parties)),
                "language": rec["language"],
                "genre": rec.get("genre") or infer_genre(rec["title"], rec.get("notes", "")),
                "source_url": rec.get("source_url", ""),
                "publisher": rec.get("publisher", ""),
                "license": rec.get("license", ""),
                "complete": rec.get("complete", "") or "yes",
                "notes": rec.get("notes", ""),
                "heading": unicodedata.normalize("NFC", rec.get("heading", "")),
                "path": str(path),
                "encoding": encoding,
                "sha256": sha256_file(path),
                "n_bytes": path.stat().st_size,
                "text": text,
            }
        )
    if problems and on_error == "raise":
        raise CorpusError(problems)
    for p in problems:
        logger.warning("skipped: %s", p)
    docs = pd.DataFrame.from_records(
        records,
        columns=[
            "doc_id",
            "title",
            "date",
            "parties",
            "n_parties",
            "format",
            "language",
            "genre",
            "source_url",
            "publisher",
            "license",
            "complete",
            "notes",
            "heading",
            "path",
            "encoding",
            "sha256",
            "n_bytes",
            "text",
        ],
    )
    logger.info("loaded %d documents from %s (%d problems)", len(docs), manifest, len(problems))
    return Corpus(
        docs=docs,
        problems=problems,
        history=[{"op": "corpus", "manifest": str(manifest), "max_bytes": max_bytes}],
        manifest=manifest,
    )


_FR_HINTS = frozenset(
    ["le", "la", "les", "des", "et", "est", "une", "dans", "pour", "que", "qui", "sur", "avec", "du", "au"]
)
_EN_HINTS = frozenset(
    ["the", "and", "of", "to", "in", "is", "that", "for", "with", "on", "are", "be", "as", "by", "this"]
)


def detect_language(text: str) -> str:
    """Guess ``fr`` or ``en`` from function-word frequencies (ties go to ``fr``).

    Examples
    --------
    >>> detect_language("The Prime Minister and the President met in Ottawa.")
    'en'
    """
    words = re.findall(r"\w+", text.lower())
    fr = sum(w in _FR_HINTS for w in words)
    en = sum(w in _EN_HINTS for w in words)
    return "en" if en > fr else "fr"


def corpus_from_files(
    paths: list[Path | str], *, language: str | None = None, max_bytes: int = config.MAX_DOCUMENT_BYTES
) -> Corpus:
    """Build a corpus from plain text files (one document each; id = file stem).

    The language is given or detected per file; the title is the title line of the one
    title rule (:func:`analysis.encoding.title_line`), otherwise the file stem (and no line
    is a title line). The genre is ``statement``: the title line is dropped unless
    ``title="count"`` is given to :func:`analysis.clean.corpus_clean`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "note.txt"
    >>> _ = p.write_text("Titre\\n\\nLa France et le Canada.", encoding="utf-8")
    >>> corpus_from_files([p]).docs[["doc_id", "language"]].values.tolist()
    [['note', 'fr']]
    """
    import pandas as pd

    records, problems = [], []
    for p in map(Path, paths):
        try:
            text, encoding = read_text(p, max_bytes=max_bytes)
        except TextError as exc:
            problems.append(Problem(str(p), None, None, exc.message))
            continue
        first = title_line(text) or p.stem
        records.append(
            {
                "doc_id": p.stem,
                "title": first,  # the whole title line: the cleaning recognises it (one title rule)
                "date": "",
                "parties": "",
                "n_parties": 0,
                "format": "unknown",
                "language": language or detect_language(text),
                "genre": "statement",
                "source_url": "",
                "publisher": "",
                "license": "",
                "complete": "yes",
                "notes": "",
                "heading": "",
                "path": str(p.resolve()),
                "encoding": encoding,
                "sha256": sha256_file(p),
                "n_bytes": p.stat().st_size,
                "text": text,
            }
        )
    if problems:
        raise CorpusError(problems)
    docs = pd.DataFrame.from_records(records)
    return Corpus(docs=docs, history=[{"op": "corpus_from_files", "n": len(records)}])


def corpus_subset(corp: Corpus, **filters: Any) -> Corpus:
    """Return the documents that match every given filter.

    The filters are those of :func:`filter_documents` (``ids``, ``language``,
    ``parties``, ``since``, ``until``, ``genre``, ``format``); ``parties`` keeps
    documents whose parties include any of the names given.

    Examples
    --------
    >>> corpus_subset(corpus(), parties="Canada").docs["doc_id"].tolist()
    ['fr-ca-2024-09-26-press-fr']
    """
    docs = filter_documents(corp.docs, **filters)
    op = {"op": "corpus_subset", **filters}
    return Corpus(docs=docs, problems=corp.problems, history=[*corp.history, op], manifest=corp.manifest)


def _as_list(value: str | list[str] | None) -> list[str] | None:
    if value is None or value == "" or value == []:
        return None
    return [value] if isinstance(value, str) else list(value)


def check_dates(**dates: str | None) -> None:
    """Refuse a date filter that is not a date written ``YYYY-MM-DD``.

    Dates are compared as text (``docs["date"] >= since``), which is right only
    for that one spelling: ``2022-1-1`` would sort after ``2022-02-11``.

    Raises
    ------
    ValueError
        Naming the filter and its value.

    Examples
    --------
    >>> check_dates(since="2022-01-01", until=None)
    >>> check_dates(since="2022-1-1")
    Traceback (most recent call last):
    ...
    ValueError: since '2022-1-1': not a date written YYYY-MM-DD
    """
    import datetime as dt

    for name, value in dates.items():
        try:
            ok = not value or dt.date.fromisoformat(str(value)).isoformat() == str(value)
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{name} {value!r}: not a date written YYYY-MM-DD")


def filter_documents(
    docs: pd.DataFrame,
    *,
    ids: list[str] | None = None,
    language: str | list[str] | None = None,
    parties: str | list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    genre: str | list[str] | None = None,
    format: str | list[str] | None = None,
) -> pd.DataFrame:
    """Filter a documents table by metadata (shared by corpora and reference sets).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"doc_id": ["a", "b"], "language": ["fr", "en"], "parties": ["France", "Canada"],
    ...                   "date": ["2020-01-01", "2024-01-01"], "genre": ["speech", "communique"]})
    >>> filter_documents(d, since="2021-01-01")["doc_id"].tolist()
    ['b']
    """
    check_dates(since=since, until=until)
    mask = docs["doc_id"].notna()
    if (ids := _as_list(ids)) is not None:
        mask &= docs["doc_id"].isin(ids)
    if (langs := _as_list(language)) is not None:
        mask &= docs["language"].isin(langs)
    if (wanted := _as_list(parties)) is not None:
        wanted_low = {w.strip().lower() for w in wanted}
        mask &= docs["parties"].map(lambda s: bool(wanted_low & {p.lower() for p in split_parties(s)}))
    if since:
        mask &= docs["date"].astype(str) >= since
    if until:
        mask &= docs["date"].astype(str) <= until
    if (genres := _as_list(genre)) is not None:
        mask &= docs["genre"].isin(genres)
    if (formats := _as_list(format)) is not None:
        mask &= docs["format"].isin(formats)
    return docs[mask].reset_index(drop=True)
