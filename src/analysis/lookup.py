"""Count dictionary themes in tokens (``tokens_lookup``) and show them in context (``kwic``).

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

Counting is done at the vocabulary level: every distinct token key of the corpus
is tested once against the first part of every pattern (globs by a compiled
regular expression), phrases are then extended only at the candidate positions.
:func:`_naive_matches` is the obviously-correct loop kept as the test oracle.

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
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from analysis.dictionary import Dictionary, Glob, Pattern, compile_pattern, fold

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.tokens import Tokens

logger = logging.getLogger(__name__)

__all__ = ["Lookup", "kwic", "kwic_text", "tokens_lookup"]

OVERLAP_MODES = ("longest", "all")
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


# --------------------------------------------------------------------------- matching


def _wildcard(part: str, key: str) -> bool:
    """Match ``key`` against ``part`` where ``*`` stands for any run of characters.

    Written without regular expressions (dynamic programming) so that the oracle
    does not share code with the fast engine.
    """
    n, m = len(part), len(key)
    row = [False] * (m + 1)
    row[0] = True
    for i in range(1, n + 1):
        new = [False] * (m + 1)
        if part[i - 1] == "*":
            new[0] = row[0]
            for j in range(1, m + 1):
                new[j] = row[j] or new[j - 1]
        else:
            for j in range(1, m + 1):
                new[j] = row[j - 1] and part[i - 1] == key[j - 1]
        row = new
    return row[m]


def _naive_matches(
    keys: Sequence[str | None],
    patterns: Sequence[Pattern],
    positions: Sequence[int] | None = None,
    paragraphs: Sequence[int] | None = None,
) -> set[tuple[int, int, int]]:
    """Every match, by trying every pattern at every token (the test oracle).

    Parameters
    ----------
    keys : sequence of str or None
        Folded tokens of one document; None for a punctuation token.
    patterns : sequence of Pattern
    positions, paragraphs : sequence of int, optional
        Token positions and paragraph indices (default: consecutive, one paragraph).

    Returns
    -------
    set of (pattern index, start, end)
        ``start``/``end`` index ``keys`` (end exclusive).

    Examples
    --------
    >>> p = compile_pattern("mer de chine", "fr")
    >>> sorted(_naive_matches(["la", "mer", "de", "chine", None], [p]))
    [(0, 1, 4)]
    """
    n = len(keys)
    positions = list(range(n)) if positions is None else list(positions)
    paragraphs = [0] * n if paragraphs is None else list(paragraphs)
    found = set()
    for start in range(n):
        for index, pattern in enumerate(patterns):
            end = start + len(pattern.parts)
            if end > n:
                continue
            ok = True
            for offset, part in enumerate(pattern.parts):
                i = start + offset
                key = keys[i]
                if (
                    key is None
                    or positions[i] != positions[start] + offset
                    or paragraphs[i] != paragraphs[start]
                    or not _wildcard(part, key)
                ):
                    ok = False
                    break
            if ok:
                found.add((index, start, end))
    return found


class _Matcher:
    """Vocabulary-level matcher for a list of patterns of one language."""

    def __init__(self, patterns: Sequence[Pattern], vocabulary: Iterable[str]):
        self.patterns = list(patterns)
        vocab = set(vocabulary)
        literal: dict[str, list[int]] = defaultdict(list)
        globs: list[tuple[int, Glob]] = []
        for index, p in enumerate(self.patterns):
            if p.is_glob_part(0):
                globs.append((index, p.regexes[0]))
            else:
                literal[p.parts[0]].append(index)
        first: dict[str, list[int]] = {k: list(v) for k, v in literal.items() if k in vocab}
        for key in vocab:  # each distinct key tested once per glob
            for index, regex in globs:
                if regex.fullmatch(key):
                    first.setdefault(key, []).append(index)
        for key in first:
            first[key].sort()
        self.first = first
        self._part_cache: dict[tuple[int, int, str], bool] = {}

    def _part(self, index: int, i: int, key: str) -> bool:
        cache_key = (index, i, key)
        hit = self._part_cache.get(cache_key)
        if hit is None:
            hit = self.patterns[index].matches_part(i, key)
            self._part_cache[cache_key] = hit
        return hit

    def find(
        self,
        keys: Sequence[str | None],
        positions: Sequence[int] | None = None,
        paragraphs: Sequence[int] | None = None,
    ) -> list[tuple[int, int, int]]:
        """Return (pattern index, start, end) for every match in one document."""
        n = len(keys)
        positions = list(range(n)) if positions is None else positions
        paragraphs = [0] * n if paragraphs is None else paragraphs
        first = self.first
        found = []
        for start, key in enumerate(keys):
            if key is None:
                continue
            candidates = first.get(key)
            if not candidates:
                continue
            for index in candidates:
                parts = self.patterns[index].parts
                end = start + len(parts)
                if end > n:
                    continue
                ok = True
                for offset in range(1, len(parts)):
                    i = start + offset
                    k = keys[i]
                    if (
                        k is None
                        or positions[i] - positions[start] != offset
                        or paragraphs[i] != paragraphs[start]
                        or not self._part(index, offset, k)
                    ):
                        ok = False
                        break
                if ok:
                    found.append((index, start, end))
        return found


def _fast_matches(
    keys: Sequence[str | None],
    patterns: Sequence[Pattern],
    positions: Sequence[int] | None = None,
    paragraphs: Sequence[int] | None = None,
) -> set[tuple[int, int, int]]:
    """The engine of :func:`tokens_lookup` on one document (same output as the oracle)."""
    matcher = _Matcher(patterns, {k for k in keys if k is not None})
    return set(matcher.find(keys, positions, paragraphs))


def _resolve(matches: list[tuple[int, int, int, Any]]) -> list[tuple[int, int, int, Any]]:
    """Keep non-overlapping matches: longest first, then leftmost, then pattern order.

    ``matches`` are (start, end, order, payload); returns the kept ones by start.
    """
    taken: set[int] = set()
    kept = []
    for m in sorted(matches, key=lambda m: (m[0] - m[1], m[0], m[2])):
        span = range(m[0], m[1])
        if any(i in taken for i in span):
            continue
        taken.update(span)
        kept.append(m)
    kept.sort(key=lambda m: (m[0], m[1]))
    return kept


# --------------------------------------------------------------------------- lookup


@dataclass
class _Entry:
    theme: str  # theme whose list holds the pattern
    role: str  # include / exclude
    order: int  # rank of the pattern in the dictionary (for ties)
    pattern: Pattern


def _folded_keys(
    data: pd.DataFrame, accent_sensitive: bool, cache: dict[str, str] | None = None
) -> list[str | None]:
    """Folded match key of every token row; None for punctuation."""
    column = "lower" if accent_sensitive else "key"
    cache = {} if cache is None else cache
    out: list[str | None] = []
    for value, kind in zip(data[column].tolist(), data["kind"].tolist(), strict=True):
        if kind == "punct" or not isinstance(value, str):
            out.append(None)
            continue
        folded = cache.get(value)
        if folded is None:
            folded = cache[value] = fold(value, accent_sensitive)
        out.append(folded)
    return out


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
    Matching rules (see the module docstring and the dictionaries' README):
    whole tokens only; case-, apostrophe- and (by default) accent-insensitive;
    ``*`` = zero or more characters within one token; phrases on consecutive
    tokens of a paragraph, never across punctuation; a theme's exclusions veto
    the matches they overlap; within a theme the longest (then leftmost) match
    wins and each token counts once; subthemes roll up into their parent; across
    themes the strictly longer match wins (``overlap="longest"``), ties keep both.

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

    if overlap not in OVERLAP_MODES:
        raise ValueError(f"overlap must be one of {OVERLAP_MODES}, got {overlap!r}")
    if levels not in LEVELS:
        raise ValueError(f"levels must be one of {LEVELS}, got {levels!r}")

    themes = {t.id: t for t in dictionary.themes}
    theme_order = {t.id: i for i, t in enumerate(dictionary.themes)}
    parent_of = {t.id: t.parent for t in dictionary.themes}

    def related(a: str, b: str) -> bool:
        return a == b or parent_of[a] == b or parent_of[b] == a

    # every theme collects the matches of its own patterns and of its subthemes'
    members = {t.id: [t.id, *t.children] for t in dictionary.themes}

    docs = toks.docs
    data = toks.data
    groups = {doc_id: frame for doc_id, frame in data.groupby("doc_id", sort=False)}
    fold_cache: dict[str, str] = {}
    doc_keys = {
        doc_id: _folded_keys(frame, dictionary.accent_sensitive, fold_cache)
        for doc_id, frame in groups.items()
    }
    lang_of = dict(zip(docs["doc_id"], docs["language"], strict=True))
    text_of = dict(zip(docs["doc_id"], docs["text"], strict=True))
    n_tokens = dict(zip(docs["doc_id"], docs["n_tokens"], strict=True))

    hit_rows: list[tuple] = []
    raw_seen: Counter[tuple[str, str, str]] = Counter()
    languages = list(dict.fromkeys(docs["language"]))
    for lang in languages:
        entries: list[_Entry] = []
        order = 0
        for t in dictionary.themes:
            for role, table in (("include", t.patterns), ("exclude", t.exclude)):
                for p in table.get(lang, ()):
                    entries.append(_Entry(t.id, role, order, p))
                    order += 1
        if not any(e.role == "include" for e in entries):
            logger.warning("dictionary %s has no %s patterns", dictionary.name, lang)
        # one matcher per distinct pattern (same folded parts -> matched once)
        distinct: dict[tuple[str, ...], int] = {}
        patterns: list[Pattern] = []
        owners: list[list[_Entry]] = []
        for e in entries:
            idx = distinct.get(e.pattern.parts)
            if idx is None:
                idx = distinct[e.pattern.parts] = len(patterns)
                patterns.append(e.pattern)
                owners.append([])
            owners[idx].append(e)
        lang_docs = [d for d in docs["doc_id"] if lang_of[d] == lang and d in groups]
        vocabulary = {k for d in lang_docs for k in doc_keys[d] if k is not None}
        matcher = _Matcher(patterns, vocabulary)
        for doc_id in lang_docs:
            frame = groups[doc_id]
            keys = doc_keys[doc_id]
            positions = frame["position"].tolist()
            paragraphs = frame["paragraph"].tolist()
            found = matcher.find(keys, positions, paragraphs)
            include: dict[str, list[tuple[int, int, int, _Entry]]] = defaultdict(list)
            exclude: dict[str, list[tuple[int, int]]] = defaultdict(list)
            for index, start, end in found:
                for e in owners[index]:
                    if e.role == "include":
                        include[e.theme].append((start, end, e.order, e))
                        raw_seen[(e.theme, lang, e.pattern.text)] += 1
                    else:
                        exclude[e.theme].append((start, end))
            # rule 3: exclusions of the pattern's theme and of its parent
            for tid in list(include):
                vetoes = exclude.get(tid, []) + exclude.get(parent_of[tid] or "", [])
                if vetoes:
                    include[tid] = [
                        m for m in include[tid] if not any(m[0] < b and a < m[1] for a, b in vetoes)
                    ]
            # rules 4-5: per theme, over the family
            resolved: dict[str, list[tuple[int, int, int, _Entry]]] = {}
            for tid in themes:
                pool = [m for member in members[tid] for m in include.get(member, [])]
                if pool:
                    resolved[tid] = _resolve(pool)
            # rule 6: across themes
            if overlap == "longest" and len(resolved) > 1:
                cover: dict[int, list[tuple[int, str]]] = defaultdict(list)
                for tid, ms in resolved.items():
                    for m in ms:
                        for i in range(m[0], m[1]):
                            cover[i].append((m[1] - m[0], tid))
                for tid, ms in list(resolved.items()):
                    resolved[tid] = [
                        m
                        for m in ms
                        if not any(
                            length > m[1] - m[0] and not related(tid, other)
                            for i in range(m[0], m[1])
                            for length, other in cover[i]
                        )
                    ]
            text = text_of[doc_id]
            starts = frame["start"].tolist()
            ends = frame["end"].tolist()
            sentences = frame["sentence"].tolist()
            for tid, ms in resolved.items():
                for start, end, _order, e in ms:
                    c0, c1 = starts[start], ends[end - 1]
                    hit_rows.append(
                        (
                            doc_id, tid, parent_of[tid], parent_of[tid] is None,
                            e.pattern.text, e.theme, lang,
                            positions[start], positions[end - 1] + 1,
                            paragraphs[start], sentences[start], c0, c1,
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
    :mod:`analysis.stream` also calls on its own tallies, so they mean the same
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
    DataFrame here, an Arrow table for the Parquet parts of :mod:`analysis.stream`).

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


# --------------------------------------------------------------------------- kwic


def kwic(
    toks: Tokens,
    query: str,
    *,
    dictionary: Dictionary | None = None,
    window: int = 8,
    docs: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Keywords in context: every hit of a theme, or every match of a pattern.

    Parameters
    ----------
    toks : Tokens
    query : str
        A theme id of ``dictionary`` (its counted hits, as in
        :func:`tokens_lookup`), or a pattern string (word, glob or phrase, matched
        with the same rules, on its own).
    dictionary : Dictionary, optional
        Needed for a theme id; its ``accent_sensitive`` setting also applies to a
        pattern query.
    window : int
        Tokens (punctuation included) shown on each side.
    docs : iterable of str, optional
        Restrict to these document ids.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, theme, pattern, position, pre, keyword, post``; ``pre`` and
        ``post`` are the document text around the hit (whitespace collapsed);
        ``theme`` is None for a pattern query.

    Examples
    --------
    >>> from analysis.tokens import tokens
    >>> toks = tokens("Nous soutenons l'Ukraine. Les Ukrainiens résistent.", language="fr")
    >>> kwic(toks, "ukrain*", window=2)[["pre", "keyword", "post"]].values.tolist()
    [["soutenons l'", 'Ukraine', '. Les'], ['. Les', 'Ukrainiens', 'résistent.']]
    """
    import pandas as pd

    if window < 0:
        raise ValueError("window must be >= 0")
    columns = ["doc_id", "theme", "pattern", "position", "pre", "keyword", "post"]
    data = toks.data
    doc_table = toks.docs
    if docs is not None:
        wanted = set(docs)
        data = data[data["doc_id"].isin(wanted)]
        doc_table = doc_table[doc_table["doc_id"].isin(wanted)]
    groups = {doc_id: frame for doc_id, frame in data.groupby("doc_id", sort=False)}
    text_of = dict(zip(doc_table["doc_id"], doc_table["text"], strict=True))
    spans: list[tuple[str, str | None, str, int, int]] = []  # doc, theme, pattern, row0, row1

    if dictionary is not None and query in dictionary.theme_ids():
        from analysis.tokens import Tokens

        sub = Tokens(data=data, docs=doc_table.reset_index(drop=True), history=[])
        hits = tokens_lookup(sub, dictionary).hits
        hits = hits[hits["theme"] == query]
        for doc_id, g in hits.groupby("doc_id", sort=False):
            row_of = {p: i for i, p in enumerate(groups[doc_id]["position"])}
            for pattern, s, e in zip(g["pattern"], g["start_pos"], g["end_pos"], strict=True):
                spans.append((doc_id, query, pattern, row_of[s], row_of[e - 1] + 1))
    else:
        accent = dictionary.accent_sensitive if dictionary is not None else False
        compiled: dict[str, Pattern] = {}
        for doc_id, lang in zip(doc_table["doc_id"], doc_table["language"], strict=True):
            if doc_id not in groups:
                continue
            if lang not in compiled:
                compiled[lang] = compile_pattern(query, lang, accent)
            frame = groups[doc_id]
            keys = _folded_keys(frame, accent)
            found = _fast_matches(
                keys, [compiled[lang]], frame["position"].tolist(), frame["paragraph"].tolist()
            )
            for _index, s, e in sorted(found, key=lambda m: m[1]):
                spans.append((doc_id, None, query, s, e))

    rows = []
    columns_of: dict[str, tuple[list[int], list[int], list[int]]] = {}
    for doc_id, theme, pattern, r0, r1 in spans:
        if doc_id not in columns_of:  # one conversion per document, not per hit
            frame = groups[doc_id]
            columns_of[doc_id] = (frame["start"].tolist(), frame["end"].tolist(), frame["position"].tolist())
        starts, ends, positions = columns_of[doc_id]
        text = text_of[doc_id]
        lo = max(0, r0 - window)
        hi = min(len(starts), r1 + window)
        pre = text[starts[lo] : starts[r0]] if r0 > lo else ""
        post = text[ends[r1 - 1] : ends[hi - 1]] if hi > r1 else ""
        keyword = text[starts[r0] : ends[r1 - 1]]
        rows.append(
            (
                doc_id, theme, pattern, int(positions[r0]),
                " ".join(pre.split()), " ".join(keyword.split()), " ".join(post.split()),
            )
        )  # fmt: skip
    out = pd.DataFrame(rows, columns=columns)
    out["position"] = out["position"].astype("int64")
    return out


def kwic_text(df: pd.DataFrame, width: int = 40) -> str:
    """Format a :func:`kwic` table as aligned plain-text lines.

    Each line is ``doc_id:position``, the left context right-aligned and cut to
    ``width`` characters, the keyword between ``[ ]``, then the right context cut
    to ``width``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"doc_id": ["a"], "theme": [None], "pattern": ["x"],
    ...                    "position": [3], "pre": ["un deux"], "keyword": ["trois"],
    ...                    "post": ["quatre"]})
    >>> kwic_text(df, width=10)
    'a:3    un deux [trois] quatre'
    """
    if not len(df):
        return ""
    labels = [f"{d}:{p}" for d, p in zip(df["doc_id"], df["position"], strict=True)]
    lw = max(len(s) for s in labels)
    lines = []
    for label, pre, kw, post in zip(labels, df["pre"], df["keyword"], df["post"], strict=True):
        left = pre[-width:] if len(pre) > width else pre
        right = post[:width]
        lines.append(f"{label:<{lw}} {left:>{width}} [{kw}] {right}".rstrip())
    return "\n".join(lines)
