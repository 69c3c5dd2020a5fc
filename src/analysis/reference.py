"""The shipped reference set: derived, non-consumptive features of real statements.

The reference statements (``../shared/corpus`` and the statements that
:mod:`analysis.selection` picks out of ``../shared/bench``) are not ours: their sentences
never enter the repository. :func:`reference_build` derives from them, per
document, only:

- metadata (id, title, date, parties, language, genre, format, source URL,
  publisher, licence, completeness), the sha256 of the text file and the token count;
- the count of every token type (match keys, punctuation excluded);
- the raw count of every multi-word pattern of the dictionary used for the build;
- the theme counts of that dictionary (overlap rules applied, from the full text).

From these a comparison can answer, for a features-only document, exactly the
same theme counts as the full text with the build dictionary, and for any other
dictionary the count of every word and glob pattern (from token counts) and of
the multi-word patterns that were counted at build time. A multi-word pattern
that was not counted is reported by name and its theme marked unavailable: never
a silent zero.

The build is deterministic: same inputs, same bytes (sorted rows, no timestamps,
fixed Parquet settings). ``build.json`` records the versions of the dictionary,
tokeniser, cleaner, features and selection rules and the sha256 of every source, so
that :func:`reference_check` (``python -m analysis reference check``) can say whether
a folder is still current.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.dictionary import Dictionary
    from analysis.tokens import Tokens

logger = logging.getLogger(__name__)

FEATURES_VERSION = "2"
DOC_COLUMNS = [
    "doc_id", "title", "date", "parties", "n_parties", "format", "language", "genre", "complete",
    "source_url", "publisher", "license", "sha256", "n_tokens",
]  # fmt: skip


from analysis.reference_metadata import (  # noqa: E402  (re-exported: the shipped metadata's rules)
    MAX_SLUG_WORDS,
    MAX_TITLE_WORDS,
    condense_title,
    shipped_title,
    short_title,
    short_url,
)

__all__ = ["MAX_SLUG_WORDS", "MAX_TITLE_WORDS", "condense_title", "shipped_title", "short_title", "short_url"]


def phrase_counts(toks: Tokens, dictionary: Dictionary) -> pd.DataFrame:
    """Count every occurrence of each multi-word pattern, before any overlap rule.

    A phrase never spans a punctuation token. Counts are of the pattern in the
    documents of its own language.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, language, pattern, count`` (zero counts omitted), sorted.

    Examples
    --------
    >>> from analysis.dictionary import dictionary
    >>> from analysis.tokens import tokens
    >>> d = dictionary({"name": "t", "version": "1", "description": "synthetic",
    ...     "themes": {"un": {"label": {"fr": "ONU", "en": "UN"}, "description": "x",
    ...     "fr": ["Conseil de sécurité"], "en": ["Security Council"]}}})
    >>> toks = tokens("Le Conseil de securite, le conseil de sécurité.", language="fr")
    >>> phrase_counts(toks, d).values.tolist()
    [['text', 'fr', 'Conseil de sécurité', 2]]
    """
    import pandas as pd

    phrases = _phrases(dictionary)
    rows = []
    data = toks.data
    lang_of = toks.docs.set_index("doc_id")["language"].to_dict()
    field_name = "lower" if dictionary.accent_sensitive else "key"
    tested: dict[tuple[int, int, str], bool] = {}  # (pattern, part, key) -> match: each test once

    def matches(p: Any, j: int, key: str | None) -> bool:
        if key is None:
            return False
        hit = tested.get((id(p), j, key))
        if hit is None:
            hit = tested[id(p), j, key] = bool(p.matches_part(j, key))
        return hit

    for doc_id, group in data.groupby("doc_id", sort=False):
        lang = lang_of[doc_id]
        keys = [
            None if kind == "punct" else k for k, kind in zip(group[field_name], group["kind"], strict=True)
        ]
        for pattern in phrases.get(lang, ()):
            size = len(pattern.parts)
            n = 0
            for i in range(len(keys) - size + 1):
                if matches(pattern, 0, keys[i]) and all(
                    matches(pattern, j, keys[i + j]) for j in range(1, size)
                ):
                    n += 1
            if n:
                rows.append({"doc_id": doc_id, "language": lang, "pattern": pattern.text, "count": n})
    out = pd.DataFrame(rows, columns=["doc_id", "language", "pattern", "count"])
    return out.sort_values(["doc_id", "pattern"], kind="stable").reset_index(drop=True)


def _phrases(dictionary: Dictionary) -> dict[str, list]:
    seen: dict[str, dict[str, Any]] = {}
    for theme in dictionary.themes:
        for group in (theme.patterns, theme.exclude):
            for lang, patterns in group.items():
                for p in patterns:
                    if p.kind == "phrase":
                        seen.setdefault(lang, {})[p.text] = p
    return {lang: [v[k] for k in sorted(v)] for lang, v in seen.items()}


def reference_build(
    manifest: Path | str,
    output_dir: Path | str | None = None,
    *,
    dictionary_path: Path | str = config.DEFAULT_DICTIONARY,
    jsonl: list[Path | str] | tuple[Path | str, ...] = (),
) -> Path:
    """Build the derived reference features from a corpus manifest and JSON Lines sources.

    Parameters
    ----------
    manifest : path-like
        Manifest of the full texts (e.g. ``../shared/corpus/manifest.csv``).
    output_dir : path-like
        Where to write ``documents.csv``, ``token_counts.parquet``,
        ``phrase_counts.parquet``, ``theme_counts.parquet``, ``bigram_counts.parquet`` (content
        bigrams), ``build.json`` and ``README.md``.
    dictionary_path : path-like
        Dictionary whose phrases and theme counts are stored.
    jsonl : list of path-like
        JSON Lines sources (``../shared/bench/*.jsonl.gz``): their records selected by
        :mod:`analysis.selection` join the set (:func:`analysis.reference_sources.jsonl_reference_corpus`),
        cleaned, tokenised and counted exactly as the manifest's documents.

    Returns
    -------
    Path
        The output folder.

    Examples
    --------
    >>> from analysis import config
    >>> out = reference_build(config.RAW_MANIFEST, __import__("tempfile").mkdtemp())  # doctest: +SKIP
    """
    import pandas as pd

    from analysis.clean import CLEANER_VERSION, corpus_clean
    from analysis.corpus import Corpus, corpus, sha256_file
    from analysis.dictionary import dictionary
    from analysis.lookup import tokens_lookup
    from analysis.reference_sources import jsonl_reference_corpus, readme_text, sha256_text
    from analysis.selection import SELECTION_VERSION
    from analysis.store import write_csv, write_parquet, write_text
    from analysis.tokens import TOKENISER_VERSION, key_counts, tokens

    output_dir = Path(config.PROJECT_REFERENCE_DIR if output_dir is None else output_dir)
    corp = corpus_clean(corpus(manifest))
    n_manifest = len(corp.docs)
    known = {sha256_text(t) for t in corp.docs["text"]}
    extra, sources = jsonl_reference_corpus(list(jsonl), known_texts=known)
    if len(extra):
        corp = Corpus(docs=pd.concat([corp.docs, extra.docs], ignore_index=True), history=corp.history)
    toks = tokens(corp)
    dic = dictionary(dictionary_path, languages=tuple(sorted(set(corp.docs["language"]))))
    look = tokens_lookup(toks, dic)

    docs = toks.docs[DOC_COLUMNS].sort_values("doc_id").reset_index(drop=True)
    docs["title"] = docs["title"].map(shipped_title)
    docs["source_url"] = docs["source_url"].map(short_url)
    counts = key_counts(toks).sort_values(["doc_id", "key"]).reset_index(drop=True)
    phrases = phrase_counts(toks, dic)
    from analysis.collocations import ngram_counts

    bigrams = ngram_counts(toks, 2, content=True)
    doc_tokens = toks.docs[["doc_id", "n_tokens"]].rename(columns={"n_tokens": "tokens"})
    themes = (
        look.counts[["doc_id", "theme", "parent", "count"]]
        .merge(doc_tokens, on="doc_id")
        .assign(parent=lambda d: d["parent"].fillna("").astype(str))
        .sort_values(["doc_id", "theme"])
        .reset_index(drop=True)
    )
    command = "python -m analysis reference build --corpus ../shared/corpus/manifest.csv"
    build = {
        "features_version": FEATURES_VERSION,
        "dictionary": {"name": dic.name, "version": dic.version, "sha256": dic.hash},
        "tokeniser_version": TOKENISER_VERSION,
        "cleaner_version": CLEANER_VERSION,
        "selection_version": SELECTION_VERSION,
        "n_documents": len(docs),
        "languages": sorted(set(docs["language"])),
        "build_command": command + "".join(f" --jsonl ../shared/bench/{s['file']}" for s in sources),
        "corpus": {"file": Path(manifest).name, "sha256": sha256_file(manifest), "documents": n_manifest},
        "sources": sources,
        "phrases": [[lang, p.text] for lang, ps in sorted(_phrases(dic).items()) for p in ps],
    }
    write_csv(docs, output_dir / "documents.csv")
    write_parquet(counts, output_dir / "token_counts.parquet")
    write_parquet(phrases, output_dir / "phrase_counts.parquet")
    write_parquet(bigrams, output_dir / "bigram_counts.parquet")
    write_parquet(themes, output_dir / "theme_counts.parquet")
    write_text(json.dumps(build, indent=2, sort_keys=True) + "\n", output_dir / "build.json")
    write_text(readme_text(docs, build), output_dir / "README.md")
    logger.info("reference set: %d documents written to %s", len(docs), output_dir)
    return output_dir


def _no_bigrams() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame({"doc_id": pd.Series(dtype=str), "ngram": pd.Series(dtype=str),
                         "count": pd.Series(dtype="int64")})  # fmt: skip


@dataclass
class ReferenceSet:
    """Features-only reference documents loaded from ``data/reference``.

    Attributes
    ----------
    docs : pandas.DataFrame
        One row per document (see :data:`DOC_COLUMNS`).
    token_counts, phrase_counts, theme_counts, bigram_counts : pandas.DataFrame
    build : dict
        Versions and dictionary hash of the build.
    folder : Path
    """

    docs: pd.DataFrame
    token_counts: pd.DataFrame
    phrase_counts: pd.DataFrame
    theme_counts: pd.DataFrame
    build: dict[str, Any]
    folder: Path
    history: list[dict[str, Any]] = field(default_factory=list)
    bigram_counts: pd.DataFrame = field(default_factory=lambda: _no_bigrams())

    def __len__(self) -> int:
        return len(self.docs)

    def subset(self, **filters: Any) -> ReferenceSet:
        """Keep the documents matching metadata filters (see :func:`analysis.corpus.filter_documents`)."""
        from analysis.corpus import filter_documents

        docs = filter_documents(self.docs, **filters)
        keep = set(docs["doc_id"])
        return ReferenceSet(
            docs=docs,
            token_counts=self.token_counts[self.token_counts["doc_id"].isin(keep)].reset_index(drop=True),
            phrase_counts=self.phrase_counts[self.phrase_counts["doc_id"].isin(keep)].reset_index(drop=True),
            theme_counts=self.theme_counts[self.theme_counts["doc_id"].isin(keep)].reset_index(drop=True),
            bigram_counts=self.bigram_counts[self.bigram_counts["doc_id"].isin(keep)].reset_index(drop=True),
            build=self.build,
            folder=self.folder,
            history=[*self.history, {"op": "reference_subset", **filters}],
        )


def reference_set(folder: Path | str | None = None) -> ReferenceSet:
    """Load the shipped reference features.

    Examples
    --------
    >>> ref = reference_set()
    >>> len(ref) >= 30
    True
    """
    import pandas as pd

    folder = Path(config.REFERENCE_DIR if folder is None else folder)
    if not (folder / "build.json").exists():
        raise FileNotFoundError(
            f"{folder}: no reference set here; build it with "
            "`python -m analysis reference build --corpus ../shared/corpus/manifest.csv`"
        )
    docs = pd.read_csv(folder / "documents.csv", dtype={"date": str}, keep_default_na=False)
    return ReferenceSet(
        docs=docs,
        token_counts=pd.read_parquet(folder / "token_counts.parquet"),
        phrase_counts=pd.read_parquet(folder / "phrase_counts.parquet"),
        theme_counts=pd.read_parquet(folder / "theme_counts.parquet"),
        bigram_counts=pd.read_parquet(folder / "bigram_counts.parquet")
        if (folder / "bigram_counts.parquet").is_file() else _no_bigrams(),
        build=json.loads((folder / "build.json").read_text(encoding="utf-8")),
        folder=folder,
        history=[{"op": "reference_set", "folder": str(folder)}],
    )


def reference_theme_counts(
    ref: ReferenceSet, dictionary: Dictionary, overlap: str = "longest"
) -> pd.DataFrame:
    """Theme counts of features-only documents for a dictionary.

    With the dictionary the set was built with (same sha256), the stored counts
    are returned: they are exactly the full-text counts. With another dictionary,
    each theme is counted from the features: the tokens whose key matches any of
    the theme's word or glob patterns by the engine's rules (:class:`analysis.matcher.Matcher`:
    whole keys, and the parts of a hyphenated compound), each token once per theme, plus the
    stored counts of its multi-word patterns. Those counts are marked
    ``exact=False`` when the overlap or exclusion rules could have changed them
    (they need token positions, which the features do not keep). A theme with a
    multi-word pattern that was not counted at build time is ``available=False``,
    its count is NaN and the pattern is named in ``unavailable_patterns``. An
    accent-sensitive dictionary cannot be answered from the accent-folded features:
    all its themes are unavailable. The stored counts follow ``overlap="longest"``;
    with ``overlap="all"`` the counts are recomputed and marked not exact.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, theme, parent, count, tokens, exact, available, unavailable_patterns``.

    Examples
    --------
    >>> from analysis.dictionary import dictionary
    >>> ref = reference_set()
    >>> t = reference_theme_counts(ref, dictionary(config.DEFAULT_DICTIONARY))
    >>> bool(t["exact"].all())
    True
    """
    import numpy as np
    import pandas as pd

    columns = ["doc_id", "theme", "parent", "count", "tokens", "exact", "available", "unavailable_patterns"]
    if ref.docs.empty:
        return pd.DataFrame(columns=columns)
    tokens_of = ref.docs.set_index("doc_id")["n_tokens"]
    if dictionary.accent_sensitive:
        rows = [
            {"doc_id": d, "theme": t.id, "parent": t.parent or "", "count": np.nan,
             "tokens": int(tokens_of[d]), "exact": False, "available": False,
             "unavailable_patterns": "(accent-sensitive dictionary: the features are accent-folded)"}
            for d in ref.docs["doc_id"] for t in dictionary.themes
        ]  # fmt: skip
        return pd.DataFrame(rows, columns=columns)
    if dictionary.hash == ref.build["dictionary"]["sha256"] and overlap == "longest":
        out = ref.theme_counts.copy()
        out["exact"] = True
        out["available"] = True
        out["unavailable_patterns"] = ""
        return out

    lang_of = ref.docs.set_index("doc_id")["language"]
    # phrases counted at build time (a zero is then a real zero), whether or not they occurred
    built_phrases = {(r.language, r.pattern) for r in ref.phrase_counts.itertuples()}
    built_phrases |= {(lang, p) for lang, p in ref.build.get("phrases", [])}
    phrase_n = ref.phrase_counts.set_index(["doc_id", "pattern"])["count"].to_dict()
    from analysis.matcher import Matcher

    field_name = "key"
    keys_by_doc = {d: g for d, g in ref.token_counts.groupby("doc_id", sort=False)}
    rows = []
    themes = list(dictionary.themes)
    children = {t.id: _descendants(t.id, themes) for t in themes}
    matchers: dict[str, Matcher] = {}
    key_themes: dict[tuple[str, str], frozenset[str]] = {}

    def themes_of(key: str, lang: str) -> frozenset[str]:
        """Themes whose one-token patterns match a key (the engine's rules 1 and 7)."""
        found = key_themes.get((lang, key))
        if found is None:
            m = matchers.get(lang) or matchers.setdefault(lang, Matcher(dictionary, lang))
            found = frozenset(
                e.theme for idx in m.starts(key) if len(m.patterns[idx].parts) == 1
                for e in m.owners[idx] if e.include
            )  # fmt: skip
            key_themes[lang, key] = found
        return found

    for doc_id in ref.docs["doc_id"]:
        lang = lang_of[doc_id]
        counts = keys_by_doc.get(doc_id)
        vocab = counts[field_name].tolist() if counts is not None else []
        freq = counts["count"].tolist() if counts is not None else []
        any_phrase = any(p.kind == "phrase" for t in themes for p in t.patterns.get(lang, ()))
        hit = [themes_of(k, lang) for k in vocab]
        for theme in themes:
            members = [theme, *[t for t in themes if t.id in children[theme.id]]]
            member_ids = {t.id for t in members}
            patterns = [p for t in members for p in t.patterns.get(lang, ())]
            has_exclude = any(t.exclude.get(lang) for t in members)
            matched = [i for i, found in enumerate(hit) if found & member_ids]
            n = float(sum(freq[i] for i in matched))
            missing = []
            for p in patterns:
                if p.kind != "phrase":
                    continue
                if (lang, p.text) in built_phrases:
                    n += phrase_n.get((doc_id, p.text), 0)
                else:
                    missing.append(p.text)
            rows.append(
                {
                    "doc_id": doc_id,
                    "theme": theme.id,
                    "parent": theme.parent,
                    "count": np.nan if missing else n,
                    "tokens": int(tokens_of[doc_id]),
                    "exact": not (any_phrase or has_exclude) and overlap == "longest",
                    "available": not missing,
                    "unavailable_patterns": "; ".join(missing),
                }
            )
    return pd.DataFrame(rows, columns=columns)


def _descendants(theme_id: str, themes: list) -> set[str]:
    out: set[str] = set()
    frontier = [theme_id]
    while frontier:
        current = frontier.pop()
        for t in themes:
            if t.parent == current and t.id not in out:
                out.add(t.id)
                frontier.append(t.id)
    return out


# ---------------------------------------------------------------------------- staleness
def reference_check(
    folder: Path | str | None = None,
    *,
    manifest: Path | str | None = None,
    jsonl: list[Path | str] | tuple[Path | str, ...] = (),
    dictionary_path: Path | str = config.DEFAULT_DICTIONARY,
) -> tuple[list[str], list[str]]:
    """What changed since a reference folder was built: (changes, notes).

    Compared: the dictionary's sha256, the tokeniser, cleaner, features and
    selection versions, and, for each source file that is present (``manifest``
    and ``jsonl``, else ``../shared/corpus/manifest.csv`` and
    ``../shared/bench/<file>``), its sha256 (and the manifest's text files). A
    source given that the build did not read is a change; a recorded source that
    is absent is only a note.

    Parameters
    ----------
    folder : path-like
        A folder built by :func:`reference_build` (default: ``data/reference``).
    manifest : path-like, optional
        The manifest of the build (default: ``../shared/corpus/manifest.csv``, when present).
    jsonl : list of path-like
        JSON Lines sources (default: the recorded file names in ``../shared/bench``).
    dictionary_path : path-like
        The dictionary the folder should have been built with.

    Returns
    -------
    (list of str, list of str)
        Changes (none: the folder is current) and notes (what could not be checked).

    Examples
    --------
    >>> changes, notes = reference_check()
    >>> changes
    []
    """
    import json

    from analysis.clean import CLEANER_VERSION
    from analysis.corpus import sha256_file
    from analysis.dictionary import dictionary
    from analysis.reference_sources import BENCH_DIR
    from analysis.selection import SELECTION_VERSION
    from analysis.tokens import TOKENISER_VERSION

    folder = Path(config.REFERENCE_DIR if folder is None else folder)
    build_file = folder / "build.json"
    if not build_file.exists():
        return [f"{build_file}: no build here"], []
    build = json.loads(build_file.read_text(encoding="utf-8"))
    changes: list[str] = []
    notes: list[str] = []
    dic = dictionary(dictionary_path)
    if build.get("dictionary", {}).get("sha256") != dic.hash:
        changes.append(f"dictionary {Path(dictionary_path).name}: sha256 {dic.hash[:12]}… (built with "
                       f"{str(build.get('dictionary', {}).get('sha256'))[:12]}…)")  # fmt: skip
    for name, now in (
        ("tokeniser_version", TOKENISER_VERSION),
        ("cleaner_version", CLEANER_VERSION),
        ("features_version", FEATURES_VERSION),
        ("selection_version", SELECTION_VERSION),
    ):
        if str(build.get(name)) != str(now):
            changes.append(f"{name.replace('_', ' ')}: {now} (built with {build.get(name)})")
    changes += _check_manifest(build.get("corpus"), manifest, folder, sha256_file, notes)
    recorded = {s["file"]: s for s in build.get("sources", [])}
    given = {Path(p).name: Path(p) for p in jsonl}
    for name in sorted(set(given) - set(recorded)):
        changes.append(f"source {name}: not read by the build (rebuild with it)")
    for name, info in sorted(recorded.items()):
        path = given.get(name, BENCH_DIR / name)
        if not path.exists():
            notes.append(f"source {name}: absent ({path}), not checked")
        elif sha256_file(path) != info.get("sha256"):
            changes.append(f"source {name}: its sha256 changed since the build")
    return changes, notes


def _check_manifest(
    recorded: dict[str, Any] | None, manifest: Path | str | None, folder: Path, sha, notes: list[str]
) -> list[str]:
    """Changes of the manifest and of its text files (the ``sha256`` column of ``documents.csv``)."""
    import csv

    if not recorded:
        return []
    path = Path(manifest) if manifest else config.SHARED_CORPUS_MANIFEST
    if not path.exists():
        notes.append(f"corpus {recorded.get('file')}: absent ({path}), not checked")
        return []
    if sha(path) != recorded.get("sha256"):
        return [f"corpus {path.name}: its sha256 changed since the build"]
    from analysis.corpus import corpus

    shipped = {}
    with open(folder / "documents.csv", encoding="utf-8", newline="") as fh:
        shipped = {row["doc_id"]: row["sha256"] for row in csv.DictReader(fh)}
    docs = corpus(path).docs
    changed = [d for d, h in zip(docs["doc_id"], docs["sha256"], strict=True) if shipped.get(d) != h]
    return [f"corpus text {d}: its sha256 changed since the build" for d in changed]
