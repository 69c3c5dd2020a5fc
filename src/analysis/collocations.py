"""Collocations, n-gram frequencies and multi-word keyness, in quanteda's style.

**Candidates.** An n-gram is ``n`` consecutive word or number tokens of one
sentence: it never spans a sentence or paragraph boundary, a punctuation token (as
quanteda, which drops n-grams holding punctuation) or a gap in ``position`` (a token
removed by :func:`analysis.tokens.tokens_remove`, like quanteda's ``padding = TRUE``).
Tokens are matched on their ``key`` (lower case, accents folded: the project's rule)
unless told otherwise; an n-gram is *shown* in its most frequent real lower-cased
form (``intégrité territoriale``, not ``integrite territoriale``), an elided article
joined to the next word (``l'intégrité``).

**Collocations** (:func:`textstat_collocations`): quanteda's ``textstat_collocations``
(method ``"lambda"``, after Blaheta & Johnson 2001). For a candidate ``w1 .. wn``
each n-gram of the same length falls into one cell of a 2^n table according to the
positions ``i`` where its word is ``wi``. With ``n_c`` the count of cell ``c`` plus
``smoothing`` and ``b_c`` its number of matching positions,
``lambda = sum_c (-1) ** (n - b_c) * log(n_c)`` (the n-way interaction of the
saturated log-linear model), ``sigma = sqrt(sum_c 1 / n_c)`` and ``z = lambda / sigma``.
The cells come from marginal counts by inclusion-exclusion. ``count_nested`` differs
from quanteda's (an occurrence overlapping any longer n-gram): here, the occurrences
lying inside an occurrence of a longer *reported* collocation.

**Multi-word keyness** (:func:`textstat_ngram_keyness`): against full texts (the other
documents of ``toks``, or another :class:`~analysis.tokens.Tokens`), any n-gram length;
against the shipped reference set (:func:`analysis.reference.reference_set`), its
*content bigrams* (``bigram_counts.parquet``, :func:`ngram_counts`: two consecutive words
of a sentence, neither a function word), the only n-grams it ships. The statistics are
:func:`analysis.textstat.textstat_keyness`'s.

References
----------
Blaheta, D. & Johnson, M. (2001). Unsupervised learning of multi-word verbs.
*ACL/EACL Workshop on the Computational Extraction, Analysis and Exploitation of
Collocations*, 54-60.

Examples
--------
>>> from analysis.tokens import tokens
>>> toks = tokens("Alphaland et Syldavie. Alphaland et Syldavie signent.", language="fr")
>>> textstat_collocations(toks, size=2)["collocation"].tolist()
['alphaland et', 'et syldavie']
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis import config
from analysis.tokens import APOSTROPHES, Tokens

logger = logging.getLogger(__name__)

__all__ = [
    "COLLOCATION_COLUMNS", "MAX_SIZE", "add_collocations_parser", "cmd_collocations", "textstat_collocations",
    "textstat_frequency", "textstat_ngram_keyness",
]  # fmt: skip

#: Output columns of :func:`textstat_collocations`.
COLLOCATION_COLUMNS: tuple[str, ...] = ("collocation", "count", "count_nested", "length", "lambda", "z")
_FREQUENCY_COLUMNS = ["feature", "frequency", "rank", "docfreq"]
_BY = ("key", "lower", "surface")
_NT = ("n't", "n\u2019t")
MAX_SIZE = 5
"""Longest collocation scored (quanteda warns beyond 5)."""


# --------------------------------------------------------------------------- n-grams
def _words(toks: Tokens, by: str) -> pd.DataFrame:
    """Word and number tokens in reading order, with ``seg``: the run they belong to.

    A run ends at a document, paragraph or sentence boundary and at any gap in
    ``position`` (punctuation, or a removed token).
    """
    if by not in _BY:
        raise ValueError(f"by={by!r}: expected one of {_BY}")
    words = toks.data[toks.data["kind"] != "punct"]
    words = words.sort_values(["doc_id", "position"], kind="stable", ignore_index=True)
    new = np.arange(len(words)) == 0  # a run starts at the first word and after each boundary
    for col in ("doc_id", "paragraph", "sentence"):
        v = words[col].to_numpy()
        new[1:] |= v[1:] != v[:-1]
    pos = words["position"].to_numpy()
    new[1:] |= pos[1:] != pos[:-1] + 1
    return pd.DataFrame({
        "doc_id": words["doc_id"].to_numpy(), "seg": np.cumsum(new),
        "value": words[by].to_numpy(dtype=object), "is_stop": words["is_stop"].to_numpy(dtype=bool),
        "shown": words["lower" if by == "key" else by].to_numpy(dtype=object),
    })  # fmt: skip


def _starts(words: pd.DataFrame, n: int) -> np.ndarray:
    """Indexes of ``words`` where an n-gram of one run starts."""
    seg = words["seg"].to_numpy()
    if len(seg) < n:
        return np.zeros(0, dtype="int64")
    return np.nonzero(seg[: len(seg) - n + 1] == seg[n - 1 :])[0]


def _grams(column: np.ndarray, starts: np.ndarray, n: int) -> list[tuple]:
    return list(zip(*(column[starts + j] for j in range(n)), strict=True))


def _join(parts: Sequence[str]) -> str:
    """An n-gram as text: words separated by a space, but none after an elision or before a clitic.

    >>> _join(["l'", "intégrité", "territoriale"]), _join(["france", "'s", "allies"])
    ("l'intégrité territoriale", "france's allies")
    """
    out = ""
    for i, part in enumerate(parts):
        glue = i > 0 and not (out[-1] in APOSTROPHES or part[:1] in APOSTROPHES or part.lower() in _NT)
        out += (" " if glue else "") + part
    return out


def _display(pairs: Counter) -> dict[tuple, str]:
    """Most frequent shown form of each n-gram (ties: a form with accents, then alphabetical)."""
    best: dict[tuple, tuple] = {}
    for (gram, shown), count in pairs.items():
        rank = (-count, shown == gram, shown)
        if gram not in best or rank < best[gram][0]:
            best[gram] = (rank, shown)
    return {gram: _join(shown) for gram, (_rank, shown) in best.items()}


def _check_n(n: int, low: int, high: int, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not low <= n <= high:
        raise ValueError(f"{what}={n!r}: expected an integer from {low} to {high}")
    return int(n)


# --------------------------------------------------------------------------- collocations
def _margin(counts: Counter, mask: int) -> Counter:
    """Counts of n-grams by their words at the positions of ``mask`` only (bit i: position i)."""
    out: Counter = Counter()
    for gram, c in counts.items():
        out[_at(gram, mask)] += c
    return out


def _at(gram: tuple, mask: int) -> tuple:
    return tuple(w for i, w in enumerate(gram) if mask >> i & 1)


def _inside(starts: np.ndarray, n: int, longer: dict[int, np.ndarray]) -> np.ndarray:
    """Whether each n-gram occurrence lies inside one of the ``longer`` occurrences (starts by length)."""
    inside = np.zeros(len(starts), dtype=bool)
    for m, longer_starts in longer.items():
        at = set(longer_starts.tolist())
        for shift in range(m - n + 1):  # a longer occurrence starting ``shift`` words before
            inside |= np.fromiter((s - shift in at for s in starts.tolist()), dtype=bool, count=len(starts))
    return inside


def _lambda_sigma(gram: tuple, margins: dict[int, Counter], total: int, smooth: float) -> tuple[float, float]:
    """Blaheta-Johnson lambda and sigma of ``gram`` from its marginal counts.

    ``margins[mask]`` counts n-grams by their words at the positions of ``mask``;
    the cell of ``mask`` (exactly those positions match) is then, by
    inclusion-exclusion, ``sum over supersets T of (-1) ** |T - mask| * M(T)``.
    """
    n = len(gram)
    full = (1 << n) - 1
    # matching[m]: n-grams whose words at the positions of m are those of gram (m = 0: all of them)
    matching = [total] + [margins[m][_at(gram, m)] for m in range(1, full + 1)]
    lam = inv = 0.0
    for mask in range(full + 1):
        cell = 0
        free = full & ~mask
        sub = free
        while True:  # every superset mask | sub of mask
            cell += (-1) ** bin(sub).count("1") * matching[mask | sub]
            if sub == 0:
                break
            sub = (sub - 1) & free
        value = cell + smooth
        lam += (-1) ** (n - bin(mask).count("1")) * math.log(value)
        inv += 1.0 / value
    return lam, math.sqrt(inv)


def textstat_collocations(
    toks: Tokens,
    size: int | Sequence[int] = (2, 3),
    min_count: int = 2,
    *,
    smoothing: float = 0.5,
    tolower: bool = True,
    stopwords_edges: bool = False,
) -> pd.DataFrame:
    """Score multi-word expressions with quanteda's lambda and z (Blaheta & Johnson 2001).

    All documents are pooled. See the module docstring for the candidates and the
    2^n contingency table of each.

    Parameters
    ----------
    toks : Tokens
        Tokens (with punctuation: it marks boundaries).
    size : int or sequence of int, default (2, 3)
        Lengths of the collocations, from 2 to :data:`MAX_SIZE`.
    min_count : int, default 2
        Minimum number of occurrences of a reported collocation.
    smoothing : float, default 0.5
        Added to every cell of the contingency table (must be positive).
    tolower : bool, default True
        Match tokens on their ``key`` (lower case, accents folded) and show the most
        frequent lower-cased real form; False: match and show the ``surface`` forms.
    stopwords_edges : bool, default False
        Drop collocations that begin or end with a stopword (they still count in
        every contingency table).

    Returns
    -------
    pandas.DataFrame
        :data:`COLLOCATION_COLUMNS`, sorted by ``z`` descending then ``collocation``;
        ``attrs["method"]`` says how they were computed.

    Examples
    --------
    >>> from analysis.tokens import tokens
    >>> toks = tokens("Aussi longtemps que nécessaire. Aussi longtemps que possible.", language="fr")
    >>> t = textstat_collocations(toks, size=3)
    >>> t[["collocation", "count", "length"]].values.tolist()
    [['aussi longtemps que', 2, 3]]
    """
    sizes = [size] if isinstance(size, int | np.integer) else list(size)
    sizes = sorted({_check_n(s, 2, MAX_SIZE, "size") for s in sizes})
    if not sizes:
        raise ValueError("size: give at least one length")
    min_count = _check_n(min_count, 1, 2**62, "min_count")
    if not (isinstance(smoothing, int | float) and math.isfinite(smoothing) and smoothing > 0):
        raise ValueError(f"smoothing={smoothing!r}: expected a positive number")
    words = _words(toks, "key" if tolower else "surface")
    value = words["value"].to_numpy()
    shown = words["shown"].to_numpy()
    stop = dict(zip(value, words["is_stop"].to_numpy(), strict=True))
    rows: list[tuple] = []
    edged = stopwords_edges
    reported: dict[int, np.ndarray] = {}  # starts of the reported occurrences, by length
    for n in sorted(sizes, reverse=True):  # longest first: count_nested needs the longer ones
        starts = _starts(words, n)
        grams = _grams(value, starts, n)
        counts = Counter(grams)
        display = _display(Counter(zip(grams, _grams(shown, starts, n), strict=True)))
        margins = {m: _margin(counts, m) for m in range(1, 1 << n)}
        kept = {g for g, c in counts.items() if c >= min_count and not (edged and stop[g[0]] | stop[g[-1]])}
        nested = Counter(g for g, inside in zip(grams, _inside(starts, n, reported), strict=True) if inside)
        reported[n] = starts[np.fromiter((g in kept for g in grams), dtype=bool, count=len(grams))]
        for gram in kept:
            lam, sigma = _lambda_sigma(gram, margins, len(grams), smoothing)
            rows.append((display[gram], counts[gram], nested[gram], n, lam, lam / sigma))
    out = pd.DataFrame(rows, columns=list(COLLOCATION_COLUMNS))
    out = out.astype({"count": "int64", "count_nested": "int64", "length": "int64"})
    out = out.sort_values(["z", "collocation"], ascending=[False, True], kind="mergesort", ignore_index=True)
    out.attrs["method"] = {
        "statistic": "lambda (Blaheta & Johnson 2001), as quanteda textstat_collocations",
        "z": "lambda / sqrt(sum of 1 / (cell + smoothing))", "smoothing": smoothing, "size": sizes,
        "min_count": min_count, "matched_on": "key" if tolower else "surface", "stopwords_edges": edged,
    }  # fmt: skip
    logger.info("collocations: %d of sizes %s (min_count %d)", len(out), sizes, min_count)
    return out


# --------------------------------------------------------------------------- frequencies
def _ngram_occurrences(
    toks: Tokens, n: int, by: str, *, content: bool = False
) -> tuple[pd.DataFrame, dict[tuple, str]]:
    """One row per n-gram occurrence (``doc_id``, ``gram``) and the shown form of each n-gram.

    ``content``: only n-grams whose first and last words are not function words.
    """
    words = _words(toks, by)
    starts = _starts(words, n)
    if content:
        stop = words["is_stop"].to_numpy()
        starts = starts[~stop[starts] & ~stop[starts + n - 1]]
    grams = _grams(words["value"].to_numpy(), starts, n)
    display = _display(Counter(zip(grams, _grams(words["shown"].to_numpy(), starts, n), strict=True)))
    occ = pd.DataFrame({"doc_id": words["doc_id"].to_numpy()[starts], "gram": pd.Series(grams, dtype=object)})
    return occ, display


def textstat_frequency(
    toks: Tokens,
    n: int = 1,
    *,
    by: str = "key",
    min_count: int = 1,
    groups: str | Mapping[str, Any] | pd.Series | None = None,
) -> pd.DataFrame:
    """Frequency table of words or n-grams, as quanteda's ``textstat_frequency``.

    Parameters
    ----------
    toks : Tokens
        Tokens; n-grams follow the boundary rules of the module docstring.
    n : int, default 1
        Length of the features, 1 to 4.
    by : {"key", "lower", "surface"}, default "key"
        Token form the features are counted on. With ``key`` (accents folded), a
        feature is shown in its most frequent lower-cased real form.
    min_count : int, default 1
        Minimum frequency (within its group) of a reported feature.
    groups : str, mapping or Series, optional
        A column of ``toks.docs`` (``"language"``, ``"genre"``...) or a mapping from
        ``doc_id`` to a group: frequencies, ranks and document frequencies are then
        per group, in a ``group`` column.

    Returns
    -------
    pandas.DataFrame
        ``feature, frequency, rank, docfreq[, group]``: ``rank`` 1 is the most frequent
        (ties share the lowest rank), ``docfreq`` the number of documents holding the
        feature. Sorted by group, frequency descending, then feature.

    Examples
    --------
    >>> from analysis.tokens import tokens
    >>> toks = tokens("La Syldavie, la Syldavie et l'Alphaland.", language="fr")
    >>> textstat_frequency(toks, n=2).values.tolist()
    [['la syldavie', 2, 1, 1], ["et l'", 1, 2, 1], ["l'alphaland", 1, 2, 1], ['syldavie et', 1, 2, 1]]
    """
    n = _check_n(n, 1, 4, "n")
    min_count = _check_n(min_count, 1, 2**62, "min_count")
    occ, display = _ngram_occurrences(toks, n, by)
    keys = ["gram"]
    if groups is not None:
        if isinstance(groups, str):
            if groups not in toks.docs.columns:
                columns = list(toks.docs.columns)
                raise ValueError(f"groups={groups!r}: no such column in toks.docs ({columns})")
            mapping = toks.docs.set_index("doc_id")[groups]
        else:
            mapping = pd.Series(groups)
        missing = sorted(set(occ["doc_id"]) - set(mapping.index))
        if missing:
            raise ValueError(f"groups: no group for documents {missing[:5]}")
        occ["group"] = occ["doc_id"].map(mapping)
        keys = ["group", "gram"]
    table = occ.groupby(keys, sort=False).agg(frequency=("doc_id", "size"), docfreq=("doc_id", "nunique"))
    table = table.reset_index()
    table = table[table["frequency"] >= min_count]
    table.insert(0, "feature", table["gram"].map(display))
    by_group = table.groupby("group")["frequency"] if groups is not None else table["frequency"]
    table["rank"] = by_group.rank(method="min", ascending=False).astype("int64")
    order = ["group", "frequency", "feature"] if groups is not None else ["frequency", "feature"]
    table = table.sort_values(order, ascending=[True] * (len(order) - 2) + [False, True], kind="mergesort")
    columns = _FREQUENCY_COLUMNS + (["group"] if groups is not None else [])
    out = table[columns].astype({"frequency": "int64", "docfreq": "int64"}).reset_index(drop=True)
    logger.debug("frequency: %d features of length %d", len(out), n)
    return out


def ngram_counts(toks: Tokens, n: int = 2, *, content: bool = True) -> pd.DataFrame:
    """Each document's n-gram counts on match keys: the n-gram features the reference set ships.

    Only content n-grams by default: the first and the last word are not function words
    ("intégrité territoriale", "forces armées"). They carry the multi-word keyness and
    cannot be chained back into the sentences of the texts.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, ngram, count`` (``ngram``: the keys joined by a space), sorted.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.tokens import tokens
    >>> docs = pd.DataFrame({"doc_id": ["a"], "language": "fr",
    ...                      "text": ["Les forces armées syldaves et les forces armées."]})
    >>> ngram_counts(tokens(docs)).values.tolist()
    [['a', 'armees syldaves', 1], ['a', 'forces armees', 2]]
    """
    n = _check_n(n, 1, 4, "n")
    occ, _display = _ngram_occurrences(toks, n, "key", content=content)
    occ["ngram"] = [" ".join(g) for g in occ["gram"]]
    counts = occ.groupby(["doc_id", "ngram"], sort=True).size().rename("count").reset_index()
    return counts.astype({"count": "int64"})


# --------------------------------------------------------------------------- keyness
def textstat_ngram_keyness(
    toks: Tokens,
    focus_id: str,
    reference: Tokens | Sequence[str] | None = None,
    n: int = 2,
    *,
    by: str = "key",
    min_count: int = 3,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Keyness of a focus document's n-grams against reference texts or the shipped set's bigrams.

    The reference is full texts (by default the other documents of ``toks``) or the
    shipped reference set's content bigrams (see the module docstring).
    The statistics are those of :func:`analysis.textstat.textstat_keyness`, on the
    2 x 2 table of one n-gram against all other n-grams of the same length (the
    ``*_tokens`` columns are numbers of n-grams, ``*_per_1000`` per 1,000 n-grams).

    Parameters
    ----------
    toks : Tokens
        Tokens holding the focus document ``focus_id``.
    focus_id : str
    reference : Tokens, sequence of str or ReferenceSet, optional
        Reference documents: ids of ``toks``, or another ``Tokens`` (all its documents
        but ``focus_id``), or the shipped reference set (:func:`analysis.reference.reference_set`,
        possibly ``.subset(language="fr")``): its content bigrams (:func:`ngram_counts`), so
        ``n`` is 2 and the focus's bigrams are content bigrams too. Default: every document
        of ``toks`` but the focus.
    n : int, default 2
        Length of the n-grams, 1 to 4.
    by : {"key", "lower", "surface"}, default "key"
        Token form counted (see :func:`textstat_frequency`).
    min_count, conf_level
        Passed to :func:`~analysis.textstat.textstat_keyness`.

    Returns
    -------
    pandas.DataFrame
        The keyness table with an ``ngram`` column (shown forms), sorted by G2.

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.tokens import tokens
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "language": "fr", "text": [
    ...     "Aussi longtemps que nécessaire. " * 4, "La Syldavie et l'Alphaland. " * 4]})
    >>> t = textstat_ngram_keyness(tokens(docs), "a")
    >>> t.loc[0, "ngram"], int(t.loc[0, "focus_count"]), int(t.loc[0, "reference_count"])
    ('aussi longtemps', 4, 0)
    """
    from analysis.textstat import textstat_keyness

    n = _check_n(n, 1, 4, "n")
    ids = set(toks.docs["doc_id"])
    if focus_id not in ids:
        raise ValueError(f"focus_id {focus_id!r} not found (documents: {sorted(ids)[:10]})")
    if hasattr(reference, "bigram_counts"):  # the shipped reference set (features only)
        return _keyness_against_set(toks, focus_id, reference, n, min_count=min_count, conf_level=conf_level)
    if isinstance(reference, Tokens):
        ref_toks = reference
        ref_ids = [d for d in reference.docs["doc_id"] if d != focus_id]
    else:
        ref_toks = toks
        ref_ids = [d for d in toks.docs["doc_id"] if d != focus_id] if reference is None else list(reference)
        unknown = sorted(set(ref_ids) - ids)
        if unknown:
            raise ValueError(f"reference documents not found: {unknown[:10]}")
        if focus_id in ref_ids:
            raise ValueError(f"focus_id {focus_id!r} is also a reference document")
    if not ref_ids:
        raise ValueError(f"no reference document to compare {focus_id!r} with")
    focus_occ, focus_display = _ngram_occurrences(toks, n, by)
    focus_grams = focus_occ.loc[focus_occ["doc_id"] == focus_id, "gram"]
    if ref_toks is toks:
        ref_occ, ref_display = focus_occ, focus_display
    else:
        ref_occ, ref_display = _ngram_occurrences(ref_toks, n, by)
    ref_grams = ref_occ.loc[ref_occ["doc_id"].isin(ref_ids), "gram"]
    if focus_grams.empty or ref_grams.empty:
        raise ValueError(f"no {n}-gram in the {'focus' if focus_grams.empty else 'reference'} documents")
    display = {**ref_display, **focus_display}
    # shown forms as items; two n-grams of another Tokens may be shown alike: their counts are summed
    fc = focus_grams.map(display).value_counts()
    rc = ref_grams.map(display).value_counts()
    table = textstat_keyness(
        fc, len(focus_grams), rc, len(ref_grams), item="ngram", min_count=min_count, conf_level=conf_level
    )
    table.attrs["method"] = {
        **table.attrs.get("method", {}), "n": n, "by": by, "focus_id": focus_id, "reference_ids": ref_ids,
        "totals": "numbers of n-grams of the same length",
    }  # fmt: skip
    return table


def _keyness_against_set(
    toks: Tokens, focus_id: str, ref: Any, n: int, *, min_count: int, conf_level: float
) -> pd.DataFrame:
    """Content bigrams of the focus against those the reference set ships."""
    from analysis.textstat import textstat_keyness

    if n != 2:
        raise ValueError("the reference set ships bigrams only: give n=2 (or full reference texts)")
    counts = ref.bigram_counts[ref.bigram_counts["doc_id"] != focus_id]
    if counts.empty:
        raise ValueError("the reference set holds no bigram counts (rebuild it: make reference)")
    occ, display = _ngram_occurrences(toks, 2, "key", content=True)
    focus = occ.loc[occ["doc_id"] == focus_id, "gram"]
    if focus.empty:
        raise ValueError(f"no content bigram in {focus_id!r}")
    shown = {" ".join(g): display[g] for g in set(focus)}
    fc = focus.map(" ".join).value_counts()
    rc = counts.groupby("ngram")["count"].sum()
    table = textstat_keyness(fc, len(focus), rc, int(rc.sum()), item="ngram", min_count=min_count,
                             conf_level=conf_level)  # fmt: skip
    table["ngram"] = table["ngram"].map(lambda k: shown.get(k, k))
    table.attrs["method"] = {
        **table.attrs.get("method", {}), "n": 2, "focus_id": focus_id, "reference": "shipped set",
        "reference_documents": int(counts["doc_id"].nunique()), "totals": "numbers of content bigrams",
    }  # fmt: skip
    return table


# --------------------------------------------------------------------------- command line
def add_collocations_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``collocations`` subcommand to an argparse subparsers object.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> _ = add_collocations_parser(p.add_subparsers())
    >>> args = p.parse_args(["collocations", "--size", "2", "3", "--min-count", "3"])
    >>> args.size, args.min_count, args.format
    ([2, 3], 3, 'text')
    """
    p = sub.add_parser(
        "collocations",
        help="collocations (quanteda's lambda and z) of documents or text files",
        description="Score multi-word expressions of the documents given (pooled) with quanteda's lambda "
        "and z (Blaheta & Johnson 2001). Default: the seed article of data/raw, or every document of "
        "--corpus.",
    )
    p.add_argument("documents", nargs="*", metavar="DOC_ID_OR_FILE", help="document ids or plain text files")
    p.add_argument("--size", type=int, nargs="+", default=[2, 3], help=f"lengths, 2 to {MAX_SIZE}")
    p.add_argument("--min-count", type=int, default=2, help="minimum occurrences (default 2)")
    p.add_argument("--smoothing", type=float, default=0.5, help="added to each cell (default 0.5)")
    p.add_argument("--stopwords-edges", action="store_true", help="drop those at a stopword's edge")
    p.add_argument("--top", type=int, default=None, metavar="N", help="only the N first rows")
    p.add_argument("--corpus", help="manifest CSV (default: data/raw/manifest.csv)")
    p.add_argument("--language", choices=config.LANGUAGES, help="language of plain text files")
    from analysis.cli_text import csv_option, title_option

    title_option(p)
    p.add_argument("--format", choices=("text", "csv"), default="text")
    p.add_argument("--output", help="file (default: stdout)")
    csv_option(p)
    p.set_defaults(func=cmd_collocations)
    return p


def cmd_collocations(args: argparse.Namespace) -> int:
    """Run ``collocations``: print or write the table; return the exit code.

    Bad options raise :class:`analysis.cli.UsageError` (exit code 2 under ``main``).
    """
    from analysis.clean import corpus_clean
    from analysis.cli_text import UsageError, load_documents, write_table
    from analysis.tokens import tokens

    if args.top is not None and args.top < 1:
        raise UsageError(f"collocations: --top {args.top}: give 1 or more rows")
    items = list(args.documents) or ([] if args.corpus else [config.DEFAULT_FOCUS_ID])
    corp = corpus_clean(load_documents(items, args.corpus, args.language), title=args.title)
    toks = tokens(corp)
    try:
        table = textstat_collocations(
            toks, args.size, args.min_count, smoothing=args.smoothing, stopwords_edges=args.stopwords_edges
        )
    except ValueError as exc:  # --size, --min-count, --smoothing
        raise UsageError(f"collocations: {exc}") from exc
    if args.top is not None:
        table = table.head(args.top)
    if args.csv_dialect != "plain" and args.format != "csv":
        raise UsageError(f"collocations: --csv-dialect {args.csv_dialect} needs --format csv")
    if args.format == "csv":
        write_table(table, args.output, dialect=args.csv_dialect)
        return 0
    text = "(no collocation)"
    if len(table):
        text = table.to_string(index=False, float_format=lambda x: f"{x:.3f}")
    if args.output:
        from pathlib import Path

        Path(args.output).write_text(text + "\n", encoding="utf-8")
    else:
        sys.stdout.write(text + "\n")
    return 0
