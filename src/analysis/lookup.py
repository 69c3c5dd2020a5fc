"""Count dictionary themes in tokens (``tokens_lookup``).

Matching rules (quoted by the report's methodology; also in
``resources/dictionaries/README.md``):

1. **Tokens, never inside a token.** A pattern matches whole tokens: ``pacifique``
   does not match ``Indo-Pacifique`` (a hyphenated compound is one token). The
   comparison is case-insensitive, treats every apostrophe alike and, unless the
   dictionary is ``accent_sensitive``, ignores accents (it compares the folded
   match keys of :func:`analysis.dictionary.fold`). Elided forms are separate
   tokens, so ``ukraine`` matches ``l'Ukraine``. In a glob, ``*`` matches zero
   or more characters within one token.
2. **Phrases** match consecutive tokens of one paragraph, part by part.
   Punctuation tokens are never matched and a phrase never spans one, so a
   phrase cannot cross a sentence end or a comma. Tokens removed earlier (e.g.
   stopwords) leave a gap that a phrase does not cross either.
3. **Exclusions.** A match of a theme is vetoed when it overlaps a match of an
   ``exclude`` pattern of that theme (a subtheme also inherits its parent's
   exclusions).
4. **Once per theme.** Overlapping matches within a theme resolve to the longest
   match (in tokens), then the leftmost, then the pattern listed first; each
   token counts at most once per theme.
5. **Subthemes roll up.** A subtheme's matches are reported under the subtheme
   and also feed its parent, whose count applies rule 4 to the union of its own
   and its subthemes' matches (each token at most once across the family).
6. **Across themes** (``overlap="longest"``, the default): a match is dropped
   when it overlaps a strictly longer match of another theme (any theme other
   than itself, its parent or its subthemes); all matches are compared as found
   by rules 1-5, before any is dropped. So ``Conseil de sécurité`` (3 tokens) in a
   multilateralism theme removes the overlapping ``sécurité`` of a security
   theme. Matches of the same length are both kept. ``overlap="all"`` keeps every
   theme's matches (quanteda's ``nested_scope="key"``).

The rules are applied by :class:`analysis.matcher.Matcher`, the one engine of
the package (corpus-scale counting uses it too); ``tests/oracle.py`` is the
obviously-correct loop the tests compare it with. ``kwic`` is in
:mod:`analysis.kwic`.

Examples
--------
>>> from analysis.dictionary import dictionary
>>> from analysis.tokens import tokens
>>> d = dictionary({"name": "demo", "version": "1", "description": "Demo.",
...     "themes": {"un": {"label": {"fr": "ONU", "en": "UN"}, "description": "UN.",
...                       "fr": ["Conseil de sécurité"], "en": ["Security Council"]},
...                "sec": {"label": {"fr": "Sécurité", "en": "Security"}, "description": "S.",
...                        "fr": ["securite"], "en": ["security"]}}})
>>> toks = tokens("La sécurité et le Conseil de sécurité.", language="fr")
>>> tokens_lookup(toks, d).counts[["theme", "count"]].values.tolist()
[['un', 1], ['sec', 1]]
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analysis.dictionary import Dictionary, fold
from analysis.lemmas import dictionary_uses_lemmas
from analysis.matcher import OVERLAP_MODES

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.tokens import Tokens

logger = logging.getLogger(__name__)

__all__ = ["Lookup", "counts_table", "tokens_lookup"]

LEVELS = ("all", "root")

HIT_COLUMNS = [
    "doc_id", "theme", "parent", "is_root", "pattern", "pattern_theme", "language",
    "start_pos", "end_pos", "paragraph", "sentence", "char_start", "char_end", "surface",
]  # fmt: skip
COUNT_COLUMNS = [
    "doc_id", "theme", "parent", "is_root", "label_fr", "label_en",
    "count", "matched_tokens", "tokens", "per_1000", "share",
]  # fmt: skip


@dataclass
class Lookup:
    """Result of :func:`tokens_lookup`.

    Attributes
    ----------
    hits : pandas.DataFrame
        One row per counted match and theme: ``doc_id, theme, parent, is_root,
        pattern, pattern_theme, language, start_pos, end_pos`` (exclusive),
        ``paragraph, sentence, char_start, char_end, surface``. A subtheme's match
        appears under the subtheme and again under its parent; ``pattern_theme``
        is the theme whose list holds the pattern.
    counts : pandas.DataFrame
        One row per document x theme, zeros included: ``doc_id, theme, parent``
        (None for a root theme), ``is_root``, ``label_fr, label_en, count``
        (matches), ``matched_tokens`` (tokens covered), ``tokens``
        (tokens of the document, punctuation excluded), ``per_1000`` (count per 1,000
        non-punctuation tokens) and ``share`` (count / sum of the document's
        *root* theme counts; NaN when that sum is 0). Sum ``count`` over
        ``is_root`` rows only: subtheme rows are already inside their parent.
    pattern_counts : pandas.DataFrame
        ``doc_id, theme, language, pattern, count, surface_forms``
        (``"Ukraine×3; ukrainiens×1"``, by decreasing count).
    unmatched : pandas.DataFrame
        Patterns never counted in the corpus (languages present only):
        ``theme, language, pattern, raw_matches`` (``raw_matches`` > 0 means it
        matched but every match was excluded or outranked).
    dictionary : Dictionary
    history : list of dict
        The tokens' history plus this operation.
    """

    hits: pd.DataFrame
    counts: pd.DataFrame
    pattern_counts: pd.DataFrame
    unmatched: pd.DataFrame
    dictionary: Dictionary
    history: list[dict[str, Any]] = field(default_factory=list)

    def __repr__(self) -> str:
        return (
            f"Lookup({self.dictionary.name} {self.dictionary.version}: "
            f"{self.counts['doc_id'].nunique()} documents, {len(self.hits)} hits)"
        )

    def root_counts(self) -> pd.DataFrame:
        """Counts of the root themes only (the rows that add up per document)."""
        return self.counts[self.counts["is_root"]].reset_index(drop=True)

    def wide(self, value: str = "count") -> pd.DataFrame:
        """Document x theme table of ``value`` (count, tokens, per_1000 or share)."""
        order = list(dict.fromkeys(self.counts["theme"]))
        table = self.counts.pivot(index="doc_id", columns="theme", values=value)
        return table[order]


# --------------------------------------------------------------------------- lookup


def _document_keys(
    frame: pd.DataFrame, accent_sensitive: bool, cache: dict[str, str], lemmas: bool | None = None
) -> tuple[list, list]:
    """The keys :class:`analysis.matcher.Matcher` reads for one document's token rows.

    Returns ``(keys, rows)``: the folded key of every row (None for punctuation),
    with a None inserted at every break a phrase may not cross (a new paragraph,
    a gap left by removed tokens); ``rows[i]`` is the row of ``keys[i]`` (-1 for
    an inserted break). With ``lemmas`` (default: when the frame has a ``lemma``
    column, see :func:`analysis.lemmas.tokens_lemmatize`) each key carries the
    token's folded lemma (``key + LEMMA_SEP + lemma``), as ``lemma:`` patterns need.
    """
    values = frame["lower" if accent_sensitive else "key"]
    if lemmas or (lemmas is None and "lemma" in frame.columns):
        from analysis.patterns import LEMMA_SEP

        # fold() works character by character around LEMMA_SEP: the pair is folded at once
        values = values + LEMMA_SEP + frame["lemma"].fillna(values)
    keys: list[str | None] = []
    rows: list[int] = []
    previous = (None, None)
    columns = (values.tolist(), *(frame[c].tolist() for c in ("kind", "position", "paragraph")))
    for row, (value, kind, position, paragraph) in enumerate(zip(*columns, strict=True)):
        if row and (paragraph != previous[1] or position != previous[0] + 1):
            keys.append(None)
            rows.append(-1)
        previous = (position, paragraph)
        rows.append(row)
        if kind == "punct" or not isinstance(value, str):
            keys.append(None)
            continue
        folded = cache.get(value)
        if folded is None:
            folded = cache[value] = fold(value, accent_sensitive)
        keys.append(folded)
    return keys, rows


def tokens_lookup(
    toks: Tokens,
    dictionary: Dictionary,
    *,
    overlap: str = "longest",
    levels: str = "all",
) -> Lookup:
    """Count the themes of a dictionary in tokens.

    Parameters
    ----------
    toks : Tokens
        From :func:`analysis.tokens.tokens`; each document is matched with the
        patterns of its ``language``.
    dictionary : Dictionary
        From :func:`analysis.dictionary.dictionary`.
    overlap : {"longest", "all"}
        Across themes, drop a match overlapped by a strictly longer match of
        another theme (``"longest"``), or keep every theme's matches (``"all"``).
    levels : {"all", "root"}
        Report every theme (``"all"``) or root themes only (``"root"``) in
        ``hits``, ``counts`` and ``pattern_counts``. Counts are the same either way.

    Returns
    -------
    Lookup

    Notes
    -----
    The rules are those of :mod:`analysis.matcher` (the one engine; see the
    module docstring and the dictionaries' README): whole tokens only; case-,
    apostrophe- and (by default) accent-insensitive; ``*`` = zero or more
    characters within one token; phrases on consecutive tokens of a paragraph,
    never across punctuation; a theme's exclusions veto the matches they
    overlap; within a theme the longest (then leftmost) match wins and each
    token counts once; subthemes roll up into their parent; across themes the
    strictly longer match wins (``overlap="longest"``), ties keep both.

    Examples
    --------
    >>> from analysis.dictionary import dictionary
    >>> from analysis.tokens import tokens
    >>> d = dictionary({"name": "d", "version": "1", "description": "D.",
    ...     "themes": {"ua": {"label": {"fr": "Ukraine", "en": "Ukraine"},
    ...                       "description": "Ukraine.", "fr": ["ukrain*"], "en": ["ukrain*"]}}})
    >>> res = tokens_lookup(tokens("L’Ukraine et les Ukrainiens.", language="fr"), d)
    >>> res.counts[["theme", "count", "matched_tokens", "tokens"]].values.tolist()
    [['ua', 2, 2, 5]]
    >>> res.pattern_counts["surface_forms"].tolist()
    ['Ukraine×1; Ukrainiens×1']
    """
    import pandas as pd

    from analysis.matcher import Matcher

    if overlap not in OVERLAP_MODES:
        raise ValueError(f"overlap must be one of {OVERLAP_MODES}, got {overlap!r}")
    if levels not in LEVELS:
        raise ValueError(f"levels must be one of {LEVELS}, got {levels!r}")
    languages = list(dict.fromkeys(toks.docs["language"]))
    if "lemma" not in toks.data.columns and dictionary_uses_lemmas(dictionary, languages):
        from analysis.lemmas import tokens_lemmatize

        toks = tokens_lemmatize(toks)  # only for a dictionary with lemma: patterns (recorded in history)

    theme_order = {t.id: i for i, t in enumerate(dictionary.themes)}
    parent_of = {t.id: t.parent for t in dictionary.themes}
    docs = toks.docs
    data = toks.data
    groups = {doc_id: frame for doc_id, frame in data.groupby("doc_id", sort=False)}
    lang_of = dict(zip(docs["doc_id"], docs["language"], strict=True))
    text_of = dict(zip(docs["doc_id"], docs["text"], strict=True))
    n_tokens = dict(zip(docs["doc_id"], docs["n_tokens"], strict=True))

    hit_rows: list[tuple] = []
    raw_seen: Counter[tuple[str, str, str]] = Counter()
    fold_cache: dict[str, str] = {}
    for lang in languages:
        matcher = Matcher(dictionary, lang, overlap=overlap)
        if not any(e.include for e in matcher.entries):
            logger.warning("dictionary %s has no %s patterns", dictionary.name, lang)
        for doc_id in (d for d in docs["doc_id"] if lang_of[d] == lang and d in groups):
            frame = groups[doc_id]
            keys, rows = _document_keys(frame, dictionary.accent_sensitive, fold_cache, matcher.uses_lemmas)
            found = matcher.find(keys)
            for idx, _, _ in found:
                for e in matcher.owners[idx]:
                    if e.include:
                        raw_seen[(e.theme, lang, e.pattern.text)] += 1
            text = text_of[doc_id]
            positions, paragraphs, sentences, starts, ends = (
                frame[c].tolist() for c in ("position", "paragraph", "sentence", "start", "end")
            )
            for tid, ms in matcher.resolve(found).items():
                for start, end, e in ms:
                    first, last = rows[start], rows[end - 1]
                    c0, c1 = starts[first], ends[last]
                    hit_rows.append(
                        (
                            doc_id, tid, parent_of[tid], parent_of[tid] is None,
                            e.pattern.text, e.theme, lang,
                            positions[first], positions[last] + 1,
                            paragraphs[first], sentences[first], c0, c1,
                            " ".join(text[c0:c1].split()),
                        )
                    )  # fmt: skip

    hits = pd.DataFrame(hit_rows, columns=HIT_COLUMNS)
    doc_rank = {d: i for i, d in enumerate(docs["doc_id"])}
    if len(hits):
        hits = hits.sort_values(
            ["doc_id", "theme", "start_pos"],
            key=lambda s: (
                s.map(doc_rank) if s.name == "doc_id" else (s.map(theme_order) if s.name == "theme" else s)
            ),
        ).reset_index(drop=True)
    for col in ("start_pos", "end_pos", "paragraph", "sentence", "char_start", "char_end"):
        hits[col] = hits[col].astype("int64")
    hits["is_root"] = hits["is_root"].astype(bool)

    counts = _counts(hits, dictionary, list(docs["doc_id"]), n_tokens)
    pattern_counts = _pattern_counts(hits)
    unmatched = _unmatched(dictionary, languages, hits, raw_seen)

    if levels == "root":
        hits = hits[hits["is_root"]].reset_index(drop=True)
        counts = counts[counts["is_root"]].reset_index(drop=True)
        roots = {t.id for t in dictionary.root_themes()}
        pattern_counts = pattern_counts[pattern_counts["theme"].isin(roots)].reset_index(drop=True)

    history = [
        *getattr(toks, "history", []),
        {"op": "tokens_lookup", **dictionary.info(), "overlap": overlap, "levels": levels},
    ]
    logger.info(
        "tokens_lookup: %s %s on %d documents: %d hits",
        dictionary.name, dictionary.version, len(docs), len(hits),
    )  # fmt: skip
    return Lookup(hits, counts, pattern_counts, unmatched, dictionary, history)


def _counts(
    hits: pd.DataFrame, dictionary: Dictionary, doc_ids: list[str], n_tokens: dict[str, int]
) -> pd.DataFrame:
    agg: dict[tuple[str, str], tuple[int, int]] = {}
    columns_in = ["doc_id", "theme", "start_pos", "end_pos"]
    for doc_id, tid, start, end in zip(*(hits[c].tolist() for c in columns_in), strict=True):
        count, covered = agg.get((doc_id, tid), (0, 0))
        agg[(doc_id, tid)] = (count + 1, covered + end - start)
    return counts_table(agg, dictionary, doc_ids, n_tokens)


def counts_table(
    agg: Mapping[tuple[str, str], Sequence[int]],
    dictionary: Dictionary,
    doc_ids: list[str],
    n_tokens: dict[str, int],
) -> pd.DataFrame:
    """Build the ``Lookup.counts`` table from (doc_id, theme) -> (hits, tokens covered).

    :func:`tokens_lookup` calls it; its columns are computed by
    :func:`_count_columns`, which the corpus-scale counter of
    :mod:`analysis.scale` also calls on its own tallies, so they mean the same
    everywhere. Pairs absent from ``agg`` are zeros.

    Examples
    --------
    >>> from analysis.dictionary import dictionary
    >>> dic = dictionary({"name": "d", "version": "1", "description": "Synthetic.",
    ...     "themes": {"peace": {"label": {"fr": "Paix", "en": "Peace"},
    ...                          "description": "Peace.", "fr": ["paix"]}}})
    >>> row = counts_table({("doc", "peace"): (2, 2)}, dic, ["doc"], {"doc": 40}).iloc[0]
    >>> int(row["count"]), float(row["per_1000"])
    (2, 50.0)
    """
    import pandas as pd

    if not doc_ids:
        empty = pd.DataFrame([], columns=COUNT_COLUMNS)
        numeric = {"count": "int64", "matched_tokens": "int64", "tokens": "int64"}
        return empty.astype({**numeric, "per_1000": "float64", "share": "float64"})

    count, covered = _count_matrices(agg, dictionary, doc_ids)
    tokens = [int(n_tokens.get(doc_id, 0)) for doc_id in doc_ids]
    return _counts_frame(_count_columns(count, covered, dictionary, doc_ids, tokens))


def _count_matrices(
    agg: Mapping[tuple[str, str], Sequence[int]], dictionary: Dictionary, doc_ids: list[str]
) -> tuple[Any, Any]:
    """Hits and tokens covered as (document x theme) int64 arrays, themes in dictionary order."""
    import numpy as np

    themes = dictionary.themes
    theme_index = {t.id: j for j, t in enumerate(themes)}
    rows_of: dict[str, list[int]] = {}
    for i, doc_id in enumerate(doc_ids):
        rows_of.setdefault(doc_id, []).append(i)
    count = np.zeros((len(doc_ids), len(themes)), dtype="int64")
    covered = np.zeros((len(doc_ids), len(themes)), dtype="int64")
    for (doc_id, tid), (c, m) in agg.items():
        j = theme_index.get(tid)
        if j is not None:
            for i in rows_of.get(doc_id, ()):
                count[i, j] = c
                covered[i, j] = m
    return count, covered


def _count_columns(
    count: Any, covered: Any, dictionary: Dictionary, doc_ids: list[str], tokens: Sequence[int]
) -> dict[str, Any]:
    """The columns of :func:`counts_table`, before they become a table.

    ``count`` and ``covered`` are (document x theme) arrays (themes in
    dictionary order), ``tokens`` the documents' token totals. Numeric columns
    are numpy arrays of one value per row (document x theme, document by
    document); text columns are ``(distinct values, row positions)``: each
    distinct value is converted once by whoever builds the table (a pandas
    DataFrame here, an Arrow table for the Parquet parts of :mod:`analysis.scale`).

    Examples
    --------
    >>> import numpy as np
    >>> from analysis.dictionary import dictionary
    >>> dic = dictionary({"name": "d", "version": "1", "description": "Synthetic.",
    ...     "themes": {"peace": {"label": {"fr": "Paix", "en": "Peace"},
    ...                          "description": "Peace.", "fr": ["paix"]}}})
    >>> cols = _count_columns(np.array([[2]]), np.array([[2]]), dic, ["doc"], [40])
    >>> list(cols) == COUNT_COLUMNS, cols["theme"][0], cols["per_1000"].tolist()
    (True, ['peace'], [50.0])
    """
    import numpy as np

    themes = dictionary.themes
    n_themes, n_docs = len(themes), len(doc_ids)
    tokens = np.asarray(tokens, dtype="int64").reshape(n_docs)
    roots = [j for j, t in enumerate(themes) if t.parent is None]
    root_total = count[:, roots].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_1000 = np.where(tokens[:, None] > 0, 1000.0 * count / tokens[:, None], np.nan)
        share = np.where(root_total[:, None] > 0, count / root_total[:, None], np.nan)
    doc_rows = np.repeat(np.arange(n_docs), n_themes)
    theme_rows = np.tile(np.arange(n_themes), n_docs)
    return {
        "doc_id": (list(doc_ids), doc_rows),
        "theme": ([t.id for t in themes], theme_rows),
        "parent": ([t.parent for t in themes], theme_rows),
        "is_root": np.tile([t.parent is None for t in themes], n_docs),
        "label_fr": ([t.labels.get("fr", t.id) for t in themes], theme_rows),
        "label_en": ([t.labels.get("en", t.id) for t in themes], theme_rows),
        "count": count.ravel(),
        "matched_tokens": covered.ravel(),
        "tokens": np.repeat(tokens, n_themes),
        "per_1000": per_1000.ravel().astype("float64"),
        "share": share.ravel().astype("float64"),
    }


def _counts_frame(columns: dict[str, Any]) -> pd.DataFrame:
    """The pandas table of :func:`_count_columns` (at least one document)."""
    import pandas as pd

    def repeated(values: list, rows: Any) -> pd.Series:
        return pd.Series(values).take(rows).reset_index(drop=True)

    return pd.DataFrame(
        {name: repeated(*col) if isinstance(col, tuple) else col for name, col in columns.items()},
        columns=COUNT_COLUMNS,
    )


def _surface_forms(surfaces: Iterable[str]) -> str:
    counter = Counter(surfaces)
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return "; ".join(f"{s}×{n}" for s, n in ranked)


def _pattern_counts(hits: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    columns = ["doc_id", "theme", "language", "pattern", "count", "surface_forms"]
    if not len(hits):
        return pd.DataFrame(columns=columns)
    surfaces: dict[tuple[str, str, str, str], list[str]] = {}
    columns_in = ["doc_id", "theme", "language", "pattern", "surface"]
    for doc_id, tid, lang, pattern, surface in zip(*(hits[c].tolist() for c in columns_in), strict=True):
        surfaces.setdefault((doc_id, tid, lang, pattern), []).append(surface)
    rows = [(*k, len(v), _surface_forms(v)) for k, v in surfaces.items()]
    out = pd.DataFrame(rows, columns=columns)
    out["count"] = out["count"].astype("int64")
    return out


def _unmatched(
    dictionary: Dictionary,
    languages: list[str],
    hits: pd.DataFrame,
    raw_seen: Counter[tuple[str, str, str]],
) -> pd.DataFrame:
    import pandas as pd

    counted = set(zip(hits["pattern_theme"], hits["language"], hits["pattern"], strict=True))
    rows = []
    for t in dictionary.themes:
        for lang in languages:
            for p in t.patterns.get(lang, ()):
                if (t.id, lang, p.text) not in counted:
                    rows.append((t.id, lang, p.text, raw_seen[(t.id, lang, p.text)]))
    out = pd.DataFrame(rows, columns=["theme", "language", "pattern", "raw_matches"])
    out["raw_matches"] = out["raw_matches"].astype("int64")
    return out
