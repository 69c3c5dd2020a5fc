"""The shipped reference set: derived, non-consumptive features of real statements.

The reference statements (``../shared/corpus``) are not ours: their sentences
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
fixed Parquet settings).
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.dictionary import Dictionary
    from analysis.tokens import Tokens

logger = logging.getLogger(__name__)

FEATURES_VERSION = "1"
DOC_COLUMNS = [
    "doc_id", "title", "date", "parties", "n_parties", "format", "language", "genre", "complete",
    "source_url", "publisher", "license", "sha256", "n_tokens",
]  # fmt: skip


MAX_TITLE_WORDS = 8


def short_title(title: str, max_words: int = MAX_TITLE_WORDS) -> str:
    """Cut a title to its first words (shipped titles never carry a sentence of the text).

    Several source titles open the text itself; the reference set keeps enough
    words to recognise the document (at most ``max_words`` runs of word
    characters, so ``M. Jean-Yves`` counts three), and its source URL to find it.

    Examples
    --------
    >>> short_title("Déclaration conjointe des ministres des affaires étrangères de la France")
    'Déclaration conjointe des ministres des affaires étrangères de…'
    >>> short_title("United States-France Joint Statement")
    'United States-France Joint Statement'
    """
    kept: list[str] = []
    count = 0
    for word in str(title).split():
        n = len(re.findall(r"\w+", word))
        if count + n > max_words:
            return " ".join(kept).rstrip(",;:") + "…"
        kept.append(word)
        count += n
    return " ".join(kept)


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
    for doc_id, group in data.groupby("doc_id", sort=False):
        lang = lang_of[doc_id]
        keys = [
            None if kind == "punct" else k for k, kind in zip(group[field_name], group["kind"], strict=True)
        ]
        for pattern in phrases.get(lang, ()):
            n = 0
            size = len(pattern.parts)
            for i in range(len(keys) - size + 1):
                if all(keys[i + j] is not None and pattern.matches_part(j, keys[i + j]) for j in range(size)):
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
    output_dir: Path | str = config.REFERENCE_DIR,
    *,
    dictionary_path: Path | str = config.DEFAULT_DICTIONARY,
) -> Path:
    """Build the derived reference features from a corpus manifest.

    Parameters
    ----------
    manifest : path-like
        Manifest of the full texts (e.g. ``../shared/corpus/manifest.csv``).
    output_dir : path-like
        Where to write ``documents.csv``, ``token_counts.parquet``,
        ``phrase_counts.parquet``, ``theme_counts.parquet``, ``build.json`` and ``README.md``.
    dictionary_path : path-like
        Dictionary whose phrases and theme counts are stored.

    Returns
    -------
    Path
        The output folder.

    Examples
    --------
    >>> from analysis import config
    >>> out = reference_build(config.RAW_MANIFEST, __import__("tempfile").mkdtemp())  # doctest: +SKIP
    """
    from analysis.clean import CLEANER_VERSION, corpus_clean
    from analysis.corpus import corpus
    from analysis.dictionary import dictionary
    from analysis.lookup import tokens_lookup
    from analysis.store import write_csv, write_parquet, write_text
    from analysis.tokens import TOKENISER_VERSION, key_counts, tokens

    output_dir = Path(output_dir)
    corp = corpus_clean(corpus(manifest))
    toks = tokens(corp)
    dic = dictionary(dictionary_path, languages=tuple(sorted(set(corp.docs["language"]))))
    look = tokens_lookup(toks, dic)

    docs = toks.docs[DOC_COLUMNS].sort_values("doc_id").reset_index(drop=True)
    docs["title"] = docs["title"].map(short_title)
    counts = key_counts(toks).sort_values(["doc_id", "key"]).reset_index(drop=True)
    phrases = phrase_counts(toks, dic)
    doc_tokens = toks.docs[["doc_id", "n_tokens"]].rename(columns={"n_tokens": "tokens"})
    themes = (
        look.counts[["doc_id", "theme", "parent", "count"]]
        .merge(doc_tokens, on="doc_id")
        .assign(parent=lambda d: d["parent"].fillna("").astype(str))
        .sort_values(["doc_id", "theme"])
        .reset_index(drop=True)
    )
    build = {
        "features_version": FEATURES_VERSION,
        "dictionary": {"name": dic.name, "version": dic.version, "sha256": dic.hash},
        "tokeniser_version": TOKENISER_VERSION,
        "cleaner_version": CLEANER_VERSION,
        "n_documents": len(docs),
        "languages": sorted(set(docs["language"])),
        "build_command": "python -m analysis reference build --corpus ../shared/corpus/manifest.csv",
        "phrases": [[lang, p.text] for lang, ps in sorted(_phrases(dic).items()) for p in ps],
    }
    write_csv(docs, output_dir / "documents.csv")
    write_parquet(counts, output_dir / "token_counts.parquet")
    write_parquet(phrases, output_dir / "phrase_counts.parquet")
    write_parquet(themes, output_dir / "theme_counts.parquet")
    write_text(json.dumps(build, indent=2, sort_keys=True) + "\n", output_dir / "build.json")
    write_text(_readme(docs, build), output_dir / "README.md")
    logger.info("reference set: %d documents written to %s", len(docs), output_dir)
    return output_dir


def _readme(docs: pd.DataFrame, build: dict[str, Any]) -> str:
    by_lang = docs.groupby("language").size().to_dict()
    licences = sorted({re.split(r"[.;:(]", lic)[0].strip() for lic in docs["license"] if lic})
    lines = [
        "# Reference set: derived features of real bilateral statements",
        "",
        "Generated by the project; do not edit by hand. Rebuild with:",
        "",
        f"    {build['build_command']}",
        "",
        "(or `make reference`) from a folder holding the texts (`../shared/corpus`: README and",
        "`manifest.csv` there give the provenance of every text).",
        "",
        "## What is here (derived, non-consumptive data; no sentence of any statement)",
        "- `documents.csv`: metadata per document (id, title cut to its first eight words, date,",
        "  parties, format, language, genre, completeness, source URL, publisher, licence), the",
        "  sha256 of the text file",
        "  and the token count (punctuation excluded).",
        "- `token_counts.parquet`: count of every token type (match key) per document.",
        "- `phrase_counts.parquet`: raw count of every multi-word pattern of the build dictionary.",
        "- `theme_counts.parquet`: theme counts of the build dictionary (overlap rules applied).",
        "- `build.json`: versions of the dictionary, tokeniser and cleaner used.",
        "",
        "## Build",
        f"- documents: {build['n_documents']} ({', '.join(f'{k}: {v}' for k, v in sorted(by_lang.items()))})",
        f"- dictionary: {build['dictionary']['name']} {build['dictionary']['version']}"
        f" (sha256 {build['dictionary']['sha256'][:16]}…)",
        f"- tokeniser version {build['tokeniser_version']}, cleaner version {build['cleaner_version']}",
        "",
        "## Sources and licences",
        "- English texts: U.S. federal government works (public domain), as stored by the",
        "  public scraper repository brian14708/wh-briefings (CC0-1.0).",
        '- French texts: vie-publique.fr "discours publics" (French government texts published',
        "  as open data), as stored by gyab/french-political-speeches-to-JSON (MIT); the Los",
        "  Angeles declaration from brian14708/wh-briefings.",
        "- Licence statements of the manifest, first clause of each:",
        *[f"  - {lic}" for lic in licences],
        "",
    ]
    return "\n".join(lines)


@dataclass
class ReferenceSet:
    """Features-only reference documents loaded from ``data/reference``.

    Attributes
    ----------
    docs : pandas.DataFrame
        One row per document (see :data:`DOC_COLUMNS`).
    token_counts, phrase_counts, theme_counts : pandas.DataFrame
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
            build=self.build,
            folder=self.folder,
            history=[*self.history, {"op": "reference_subset", **filters}],
        )


def reference_set(folder: Path | str = config.REFERENCE_DIR) -> ReferenceSet:
    """Load the shipped reference features.

    Examples
    --------
    >>> ref = reference_set()
    >>> len(ref) >= 30
    True
    """
    import pandas as pd

    folder = Path(folder)
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
    the theme's word or glob patterns (each token once per theme), plus the
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
    field_name = "key"
    keys_by_doc = {d: g for d, g in ref.token_counts.groupby("doc_id", sort=False)}
    rows = []
    themes = list(dictionary.themes)
    children = {t.id: _descendants(t.id, themes) for t in themes}
    for doc_id in ref.docs["doc_id"]:
        lang = lang_of[doc_id]
        counts = keys_by_doc.get(doc_id)
        vocab = counts[field_name].tolist() if counts is not None else []
        freq = counts["count"].tolist() if counts is not None else []
        any_phrase = any(p.kind == "phrase" for t in themes for p in t.patterns.get(lang, ()))
        for theme in themes:
            members = [theme, *[t for t in themes if t.id in children[theme.id]]]
            patterns = [p for t in members for p in t.patterns.get(lang, ())]
            has_exclude = any(t.exclude.get(lang) for t in members)
            singles = [p for p in patterns if p.kind != "phrase"]
            matched = [i for i, k in enumerate(vocab) if any(p.matches_part(0, k) for p in singles)]
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
