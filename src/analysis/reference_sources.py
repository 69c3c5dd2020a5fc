"""JSON Lines sources of the reference set, and the check that the shipped set is current.

:func:`reference_build <analysis.reference.reference_build>` takes, beside the
manifest of hand-described statements, JSON Lines files of real statements
(``../shared/bench``). :func:`jsonl_reference_corpus` reads them with
:func:`analysis.scale.sources.iter_documents`, keeps the records the rules of
:mod:`analysis.selection` select, and makes of them a cleaned corpus with the
manifest's columns:

- ``doc_id``: ``<source prefix>-<date>-<first six content words of the title>-<language>``
  (``wh-2023-05-20-quad-leaders-joint-statement-en``), ``-2``, ``-3``… when two
  records would share one (in the order of the source ids);
- ``title``: the source title, escapes decoded (cut by :func:`analysis.reference.short_title`
  when shipped); ``genre``, ``parties``, ``format`` from the rules;
- ``source_url``: the archived White House page for a ``statements-releases/`` record,
  otherwise the collection page of the publisher (:data:`COLLECTION_PAGES`);
- ``publisher``; ``license``: first clause (up to ``;``) of the record's; ``complete`` = yes;
  ``sha256``: of the record's text (UTF-8, as stored).

A record is left out when the language of its text (:func:`analysis.corpus.detect_language`)
is not the record's (the White House file holds Spanish, Portuguese and French texts marked
``en``), or when its cleaned text is the cleaned text of a manifest document (the manifest's
document keeps its hand-made metadata) or of an earlier record (same sha256).

:func:`readme_text` writes the folder's README (sources, rules, counts);
:func:`analysis.reference.reference_check` compares a built folder with the code and sources.

Examples
--------
>>> doc_id_for({"id": "wh-2023-05-20-x", "date": "2023-05-20", "language": "en"},
...            "Quad Leaders’ Joint Statement")
'wh-2023-05-20-quad-leaders-joint-statement-en'
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.corpus import Corpus

logger = logging.getLogger(__name__)

ARCHIVE_URL = "https://bidenwhitehouse.archives.gov/briefing-room/"
"""Root of the archived White House pages (``repo_path`` ``statements-releases/…`` below it)."""

COLLECTION_PAGES = {"vie-publique": "https://www.vie-publique.fr/discours"}
"""Publisher (lower-case part) -> the page of its collection, for records without their own URL."""

BENCH_DIR: Path = config.SHARED_DIR / "bench"
"""Where ``analysis reference check`` looks for the JSON Lines sources by default."""

_STOP = frozenset(
    ("a", "an", "the", "of", "and", "by", "from", "on", "to", "for", "in", "with", "at", "de", "du", "des",
     "la", "le", "les", "l", "d", "et", "sur", "en", "au", "aux", "un", "une", "m", "mme", "mmes", "mm",
     "s", "jr", "r", "joe", "joseph", "kamala", "biden", "harris", "president", "vice")
)  # fmt: skip
"""Words left out of an id (articles, honorifics, and the White House principals, in most titles)."""


def sha256_text(text: str) -> str:
    """The hex sha256 of a text's UTF-8 bytes.

    Examples
    --------
    >>> sha256_text("abc")[:12]
    'ba7816bf8f01'
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def doc_id_for(record: dict[str, Any], title: str, n_words: int = 6) -> str:
    """A stable id: source prefix, date, first content words of the title, language.

    Examples
    --------
    >>> doc_id_for({"id": "vp-2020-0014", "date": "2020-09-18", "language": "fr"},
    ...            "Déclaration de M. Jean Dupont, ministre, sur la paix")
    'vp-2020-09-18-declaration-jean-dupont-ministre-paix-fr'
    >>> doc_id_for({"id": "wh-1", "date": "2023-09-28", "language": "en"}, "Round of U.S.-Germany Dialogue")
    'wh-2023-09-28-round-us-germany-dialogue-en'
    >>> doc_id_for({"id": "wh-1", "date": "2021-10-29", "language": "en"},
    ...            "Readout of President Biden’s Meeting with Prime Minister Mario Draghi of Italy")
    'wh-2021-10-29-readout-meeting-prime-minister-mario-draghi-en'
    """
    from analysis.selection import fold

    prefix = re.sub(
        r"[^a-z0-9]", "", str(record.get("doc_id", record.get("id", "doc"))).split("-")[0].lower()
    )
    folded = re.sub(r"\bu\.\s?s\b\.?", "us", fold(title)).replace("'", " ")
    words = [w for w in re.split(r"[^a-z0-9]+", folded) if w not in _STOP]
    words = [w for w in words if w]
    slug = "-".join(words[:n_words]) or "untitled"
    return f"{prefix or 'doc'}-{record.get('date')}-{slug}-{record.get('language')}"


def source_url(record: dict[str, Any]) -> str:
    """The page of a record: the archived White House page, else its publisher's collection.

    Examples
    --------
    >>> source_url({"repo_path": "statements-releases/2021-10/2021-10-29-us-france.md"})
    'https://bidenwhitehouse.archives.gov/briefing-room/statements-releases/2021/10/29/us-france/'
    >>> source_url({"repo_path": "statements.csv", "publisher": "vie-publique.fr (DILA)"})
    'https://www.vie-publique.fr/discours'
    """
    path = str(record.get("repo_path") or "")
    m = re.fullmatch(r"statements-releases/\d{4}-\d{2}/(\d{4})-(\d{2})-(\d{2})-(.+)\.md", path)
    if m:
        year, month, day, slug = m.groups()
        return f"{ARCHIVE_URL}statements-releases/{year}/{month}/{day}/{slug}/"
    publisher = str(record.get("publisher") or "").lower()
    return next((url for key, url in COLLECTION_PAGES.items() if key in publisher), "")


_COLUMNS = [
    "doc_id", "title", "date", "parties", "n_parties", "format", "language", "genre", "source_url",
    "publisher", "license", "complete", "notes", "path", "encoding", "sha256", "n_bytes", "text",
]  # fmt: skip


def jsonl_reference_corpus(
    paths: list[Path | str] | tuple[Path | str, ...], *, known_texts: set[str] | None = None
) -> tuple[Corpus, list[dict[str, Any]]]:
    """The selected records of JSON Lines files, as one cleaned corpus, and what each file gave.

    Parameters
    ----------
    paths : list of path-like
        JSON Lines files (``.jsonl`` or ``.jsonl.gz``).
    known_texts : set of str, optional
        sha256 of the cleaned texts already in the reference set (the manifest's):
        a record with one of them is not added.

    Returns
    -------
    (Corpus, list of dict)
        The cleaned corpus (rows sorted by ``doc_id``) and, per file, ``file``,
        ``sha256``, ``records_read``, ``records_selected`` (by the title rules),
        ``no_date``, ``language_mismatch``, ``duplicates`` (a manifest document's
        cleaned text), ``repeated`` (the cleaned text of an earlier record),
        ``unreadable``, ``documents_added`` and ``selection_version``.

    Examples
    --------
    >>> corp, info = jsonl_reference_corpus([])
    >>> len(corp), info
    (0, [])
    """
    import pandas as pd

    from analysis.clean import corpus_clean
    from analysis.corpus import Corpus, detect_language, sha256_file
    from analysis.scale.sources import iter_documents
    from analysis.selection import SELECTION_VERSION, clean_title, select_record

    known = set(known_texts or ())
    rows: list[dict[str, Any]] = []
    sources: list[dict[str, Any]] = []
    for path in map(Path, paths):
        problems: list[str] = []
        stats: Counter[str] = Counter()
        picked = []
        for record in iter_documents(path, on_error="skip", problems=problems):
            stats["records_read"] += 1
            decision = select_record(record)
            if not decision.selected:
                continue
            stats["records_selected"] += 1
            text = record["text"]
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(record.get("date") or "")):
                stats["no_date"] += 1
                continue
            if detect_language(text) != record["language"]:
                stats["language_mismatch"] += 1
                continue
            picked.append((str(record["doc_id"]), record, decision, text))
        for _source_id, record, decision, text in sorted(picked, key=lambda p: p[0]):
            title = clean_title(record.get("title") or "")
            rows.append(
                {
                    "doc_id": doc_id_for(record, title),
                    "title": title,
                    "date": record["date"],
                    "parties": "; ".join(decision.parties),
                    "n_parties": len(decision.parties),
                    "format": _format(len(decision.parties)),
                    "language": record["language"],
                    "genre": decision.genre,
                    "source_url": source_url(record),
                    "publisher": str(record.get("publisher") or ""),
                    "license": str(record.get("license") or "").split(";")[0].strip(),
                    "complete": "yes",
                    "notes": "",
                    "path": f"{path.name}#{record['doc_id']}",
                    "encoding": "utf-8",
                    "sha256": sha256_text(text),
                    "n_bytes": len(text.encode("utf-8", "surrogatepass")),
                    "text": unicodedata.normalize("NFC", text),
                    "_source": path.name,
                }
            )
        stats["unreadable"] = len(problems)
        sources.append({"file": path.name, "sha256": sha256_file(path), **stats})
    _unique_ids(rows)
    raw = pd.DataFrame.from_records(rows, columns=[*_COLUMNS, "_source"])
    cleaned = corpus_clean(Corpus(docs=raw.drop(columns="_source"), history=[{"op": "jsonl_reference"}]))
    keep, added = [], Counter()
    repeated: set[str] = set()
    for i, text in enumerate(cleaned.docs["text"]):
        key = sha256_text(text)
        source = raw["_source"].iloc[i]
        if key in known or key in repeated:
            added[source, "duplicates" if key in known else "repeated"] += 1
            keep.append(False)
            continue
        repeated.add(key)
        added[source, "documents_added"] += 1
        keep.append(True)
    docs = (
        cleaned.docs[pd.Series(keep, index=cleaned.docs.index, dtype=bool)]
        .sort_values("doc_id", kind="stable")
        .reset_index(drop=True)
    )
    for info in sources:
        for name in ("records_read", "records_selected", "no_date", "language_mismatch"):
            info[name] = int(info.get(name, 0))
        for name in ("duplicates", "repeated", "documents_added"):
            info[name] = added[info["file"], name]
        info["selection_version"] = SELECTION_VERSION
    logger.info("JSON Lines sources: %d documents selected", len(docs))
    return Corpus(docs=docs, history=cleaned.history), [dict(sorted(s.items())) for s in sources]


def _format(n: int) -> str:
    from analysis.corpus import party_format

    return party_format(n)


def _unique_ids(rows: list[dict[str, Any]]) -> None:
    """Number the ids two records would share (``-2``, ``-3``… before the language), in row order."""
    seen: Counter[str] = Counter()
    for row in rows:
        base = row["doc_id"]
        seen[base] += 1
        if seen[base] > 1:
            stem, lang = base.rsplit("-", 1)
            row["doc_id"] = f"{stem}-{seen[base]}-{lang}"


def readme_text(docs: pd.DataFrame, build: dict[str, Any]) -> str:
    """The README of a reference folder: how to rebuild it, what it holds, sources, rules, counts.

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"language": ["en"], "genre": ["readout"], "license": ["Public domain"]})
    >>> build = {"build_command": "python -m analysis reference build --corpus m.csv", "n_documents": 1,
    ...          "dictionary": {"name": "d", "version": "1", "sha256": "0" * 64},
    ...          "tokeniser_version": "1", "cleaner_version": "1", "selection_version": "1"}
    >>> "| readout | 1 |" in readme_text(docs, build)
    True
    """
    by_lang = docs.groupby("language").size().to_dict()
    licences = sorted({re.split(r"[;:(]|\.(?!\d)", lic)[0].strip() for lic in docs["license"] if lic})
    genres = docs.groupby(["genre", "language"]).size().unstack(fill_value=0)
    langs = sorted(by_lang)
    table = [
        "| genre | " + " | ".join(langs) + " |",
        "|---|" + "---:|" * len(langs),
        *(f"| {g} | " + " | ".join(str(int(genres.loc[g].get(lang, 0))) for lang in langs) + " |"
          for g in genres.index),
        "| **all** | " + " | ".join(str(by_lang[lang]) for lang in langs) + " |",
    ]  # fmt: skip
    corpus_info = build.get("corpus") or {}
    sources = [
        f"- `{s['file']}` (sha256 {s['sha256'][:16]}…): {s['records_read']} records read, "
        f"{s['records_selected']} selected by the rules, of which {s['duplicates']} already in the "
        f"manifest and {s['repeated']} repeated (same cleaned text), {s['language_mismatch']} in "
        f"another language than the record's; {s['documents_added']} added."
        for s in build.get("sources", [])
    ]
    lines = [
        "# Reference set: derived features of real statements",
        "",
        "Generated by the project; do not edit by hand. Rebuild with:",
        "",
        f"    {build['build_command']}",
        "",
        "(or `make reference`) from a folder holding the texts (`../shared/corpus`, `../shared/bench`:",
        "their READMEs give the provenance of every text); `python -m analysis reference check` says",
        "whether this folder is still current (dictionary, tokeniser, cleaner, selection, sources).",
        "",
        "## What is here (derived, non-consumptive data; no sentence of any statement)",
        "- `documents.csv`: metadata per document (id, title without the speaker's office, the place",
        "  and the day (French official titles) and cut to eleven words, or eight for a title left",
        "  verbatim, date, parties, format, language, genre, completeness, source URL, publisher,",
        "  licence), the",
        "  sha256 of the text",
        "  and the token count (punctuation excluded).",
        "- `token_counts.parquet`: count of every token type (match key) per document.",
        "- `phrase_counts.parquet`: raw count of every multi-word pattern of the build dictionary.",
        "- `bigram_counts.parquet`: count of every content bigram (two consecutive words, neither a",
        "  function word, within a sentence) per document, on match keys.",
        "- `theme_counts.parquet`: theme counts of the build dictionary (overlap rules applied).",
        "- `build.json`: versions of the dictionary, tokeniser, cleaner and selection rules, and the",
        "  sha256 and record counts of every source.",
        "",
        "## Build",
        f"- documents: {build['n_documents']} ({', '.join(f'{k}: {v}' for k, v in sorted(by_lang.items()))})",
        f"- dictionary: {build['dictionary']['name']} {build['dictionary']['version']}"
        f" (sha256 {build['dictionary']['sha256'][:16]}…)",
        f"- tokeniser version {build['tokeniser_version']}, cleaner version {build['cleaner_version']},"
        f" selection version {build.get('selection_version')}",
        "",
        "Documents by genre and language:",
        "",
        *table,
        "",
        "## Sources",
        f"- `{corpus_info.get('file', 'manifest.csv')}` of `../shared/corpus`: "
        f"{corpus_info.get('documents', '')} statements described by hand (metadata: the manifest's).",
        *sources,
        "",
        "## Selection rules of the JSON Lines sources (`analysis.selection`)",
        "- genre from the title: joint statement (and joint declaration), communiqué, declaration,",
        "  statement, readout, speech (remarks; vie-publique's « Déclaration de M. … »), press",
        "  conference; not kept: disaster and emergency declarations, proclamations, nominations,",
        "  fact sheets, letters, messages, memoranda, interviews, the Conseil des ministres, tributes;",
        "- parties from the title (Babel's territory names, aliases, adjectives, groups such as the",
        "  Quad or the G7 as their members, leaders' names, host cities); a country after the topic",
        "  word (on, sur) is a topic, not a party, unless with/between/avec/entre introduces it;",
        "  the publisher is always a party (the White House: United States; vie-publique: France),",
        "  listed first, the others in alphabetical order;",
        "- format from the number of parties (unilateral, bilateral, trilateral, multilateral);",
        "- vie-publique: only items tagged International; White House: a foreign party in the title,",
        "  and one-sided items (readouts, statements, remarks) only when they name the President or",
        "  the Vice President;",
        "- a source URL whose last segment (a title slug) is longer than eight words stops at its",
        "  parent path (the day's page); the statement's own URL is in the source's metadata;",
        "- a record whose text is not in the record's language, or whose cleaned text is a manifest",
        "  document's, is left out; ids: `<source>-<date>-<first words of the title>-<language>`.",
        "",
        "## Licences",
        "- English texts: U.S. federal government works (public domain), as stored by the",
        "  public scraper repository brian14708/wh-briefings (CC0-1.0).",
        '- French texts: vie-publique.fr "discours publics" (French government texts published',
        "  as open data, Licence Ouverte / Etalab 2.0), as stored by",
        "  gyab/french-political-speeches-to-JSON (MIT); the Los Angeles declaration from",
        "  brian14708/wh-briefings.",
        "- Licence statements of the documents, first clause of each:",
        *[f"  - {lic}" for lic in licences],
        "",
    ]
    return "\n".join(lines)
