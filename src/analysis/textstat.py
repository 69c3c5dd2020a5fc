"""Keyness and similarity statistics for a focus document against reference documents.

A *focus* document (one diplomatic statement) is compared with a set of
*reference* documents, item by item (an item is a word or a theme). For each
item the 2 x 2 table is

::

                    focus        reference
    item            a            b
    other tokens    c = n1 - a   d = n2 - b

with ``n1`` / ``n2`` the focus / reference token totals.

Statistics
----------
* **G2** (Dunning 1993), the full 4-term log-likelihood ratio statistic
  ``G2 = 2 * sum(O * ln(O / E))`` over the four cells, ``0 * ln 0 = 0``. This is
  *not* the 2-term shortcut (cells ``a`` and ``b`` only) of the UCREL
  calculator (Rayson & Garside 2000); the two differ slightly.
* **p-value**: two-sided Fisher exact test on the same table
  (``scipy.stats.fisher_exact``), i.e. the sum of the hypergeometric
  probabilities of all tables with the same margins that are as probable as
  or less probable than the observed one.
* **Holm** step-down correction of the p-values across the testable items of
  one table.
* **Log Ratio** (Hardie 2014): ``log2((a / n1) / (b / n2))``, a zero count being
  replaced by 0.5.
* **Confidence interval of Log Ratio**: Wald (normal) approximation on the log
  of the rate ratio, ``se = sqrt(1/a + 1/b)`` (same zero replacement),
  ``LR +/- z * se / ln 2``.
* **LRC**, conservative Log Ratio (Evert 2022): the bound of the interval
  closest to zero, 0 when the interval contains 0. Evert derives the interval
  from an exact binomial test conditional on ``a + b`` (and by default adjusts
  the confidence level for multiple comparisons); this module uses the
  unadjusted normal approximation above, so values differ for small counts.
* Document-level position (Lijffijt et al. 2016: documents, not tokens, are
  the sampling units): mid-rank percentile of the focus rate among the
  reference documents' rates, their median and quartiles.

The primitives (:func:`g2`, :func:`fisher_p`, :func:`log_ratio`, :func:`lrc`...)
are defined in :mod:`analysis.keyness` and re-exported here; this module builds
the tables.

References
----------
Dunning, T. (1993). Accurate methods for the statistics of surprise and
coincidence. *Computational Linguistics* 19(1), 61-74.

Rayson, P. & Garside, R. (2000). Comparing corpora using frequency profiling.
*Workshop on Comparing Corpora, ACL 2000*, 1-6.

Hardie, A. (2014). Log Ratio: an informal introduction. ESRC Centre for
Corpus Approaches to Social Science (CASS), Lancaster University.

Evert, S. (2022). Measuring keyness. Digital Humanities 2022 / OSF preprint.

Lijffijt, J., Nevalainen, T., Saily, T., Papapetrou, P., Puolamaki, K. &
Mannila, H. (2016). Significance testing of word frequencies in corpora.
*Digital Scholarship in the Humanities* 31(2), 374-397.

Examples
--------
>>> import pandas as pd
>>> from analysis.textstat import textstat_keyness
>>> focus = pd.Series({"security": 12, "trade": 2})
>>> reference = pd.Series({"security": 11, "trade": 18})
>>> table = textstat_keyness(focus, 1000, reference, 4000)
>>> list(table["term"])
['security', 'trade']
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from analysis.keyness import (
    _closest_to_zero,
    _z,
    cosine_similarity,
    fisher_p,
    g2,
    log_ratio,
    log_ratio_ci,
    lrc,
    p_adjust_holm,
    percentile_of,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ALPHA",
    "KEYNESS_COLUMNS",
    "cosine_similarity",
    "fisher_p",
    "g2",
    "log_ratio",
    "log_ratio_ci",
    "lrc",
    "p_adjust_holm",
    "percentile_of",
    "textstat_keyness",
    "textstat_similarity",
    "textstat_theme_comparison",
]

#: Significance level used for the ``direction`` column (on Holm-adjusted p-values).
ALPHA: float = 0.05

#: Output columns of :func:`textstat_keyness`; ``"item"`` is replaced by the item name.
KEYNESS_COLUMNS: tuple[str, ...] = (
    "item",
    "focus_count",
    "focus_tokens",
    "focus_per_1000",
    "reference_count",
    "reference_tokens",
    "reference_per_1000",
    "g2",
    "p_value",
    "p_holm",
    "log_ratio",
    "log_ratio_ci_low",
    "log_ratio_ci_high",
    "lrc",
    "testable",
    "direction",
)

_DOC_COLUMNS = (
    "percentile",
    "reference_median",
    "reference_q1",
    "reference_q3",
    "n_reference_docs",
)


# --------------------------------------------------------------------------- tables


def _check_counts(counts: pd.Series, tokens: int, label: str) -> pd.Series:
    if not isinstance(counts, pd.Series):
        raise TypeError(f"{label}_counts must be a pandas Series indexed by item")
    if counts.index.has_duplicates:
        dups = sorted(map(str, counts.index[counts.index.duplicated()].unique()))
        raise ValueError(f"{label}_counts has duplicated items: {dups[:5]}")
    if not (isinstance(tokens, int | np.integer) and tokens > 0):
        raise ValueError(f"{label}_tokens must be a positive integer, got {tokens!r}")
    values = pd.to_numeric(counts, errors="raise").astype(float)
    if values.isna().any() or (values < 0).any() or (values != np.round(values)).any():
        raise ValueError(f"{label}_counts must be non-negative integers")
    if (values > tokens).any():
        raise ValueError(f"{label}_counts exceed {label}_tokens ({tokens})")
    return values.astype("int64")


def textstat_keyness(
    focus_counts: pd.Series,
    focus_tokens: int,
    reference_counts: pd.Series,
    reference_tokens: int,
    *,
    item: str = "term",
    min_count: int = 3,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Keyness of each item in a focus text against a reference.

    Items present in only one Series count 0 in the other. Items with
    ``focus_count < min_count`` are *too rare to test*: their ``g2``,
    ``p_value`` and ``p_holm`` are NaN and ``testable`` is False, but Log Ratio
    and its interval are still given. ``p_value`` is the two-sided Fisher exact
    p-value, ``p_holm`` its Holm correction across the testable items of this
    table. ``direction`` is ``"over"`` / ``"under"`` (sign of ``log_ratio``) when
    ``p_holm < ALPHA`` (0.05), otherwise ``"none"``.

    Parameters
    ----------
    focus_counts, reference_counts : pandas.Series
        Counts indexed by item.
    focus_tokens, reference_tokens : int
        Token totals (denominators) of the focus and the reference.
    item : str, default "term"
        Name of the item column in the output (e.g. ``"theme"``).
    min_count : int, default 3
        Minimum focus count for an item to be tested.
    conf_level : float, default 0.95
        Confidence level of the Log Ratio interval.

    Returns
    -------
    pandas.DataFrame
        Columns ``KEYNESS_COLUMNS`` (with ``item`` renamed), sorted by ``g2``
        descending, untestable items last. ``df.attrs["method"]`` describes the
        test.

    Examples
    --------
    >>> import pandas as pd
    >>> t = textstat_keyness(pd.Series({"war": 30, "peace": 2}), 1000,
    ...                      pd.Series({"war": 10, "peace": 20}), 5000)
    >>> t[["term", "testable", "direction"]].values.tolist()
    [['war', True, 'over'], ['peace', False, 'none']]
    """
    _z(conf_level)
    fc = _check_counts(focus_counts, focus_tokens, "focus")
    rc = _check_counts(reference_counts, reference_tokens, "reference")
    items = fc.index.union(rc.index, sort=False)
    a = fc.reindex(items, fill_value=0).to_numpy(dtype="int64")
    b = rc.reindex(items, fill_value=0).to_numpy(dtype="int64")
    n1, n2 = int(focus_tokens), int(reference_tokens)

    testable = a >= min_count
    g = np.full(a.shape, np.nan)
    p = np.full(a.shape, np.nan)
    if testable.any():
        at, bt = a[testable], b[testable]
        g[testable] = g2(at, bt, n1 - at, n2 - bt)
        p[testable] = fisher_p(at, bt, n1 - at, n2 - bt)
    p_holm = p_adjust_holm(p)
    lr = np.asarray(log_ratio(a, n1, b, n2), dtype=float)
    low, high = log_ratio_ci(a, n1, b, n2, conf_level=conf_level)
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    significant = np.nan_to_num(p_holm, nan=1.0) < ALPHA
    direction = np.where(significant & (lr > 0), "over", np.where(significant & (lr < 0), "under", "none"))

    df = pd.DataFrame(
        {
            item: list(items),
            "focus_count": a,
            "focus_tokens": np.full(a.shape, n1, dtype="int64"),
            "focus_per_1000": a / n1 * 1000.0,
            "reference_count": b,
            "reference_tokens": np.full(a.shape, n2, dtype="int64"),
            "reference_per_1000": b / n2 * 1000.0,
            "g2": g,
            "p_value": p,
            "p_holm": p_holm,
            "log_ratio": lr,
            "log_ratio_ci_low": low,
            "log_ratio_ci_high": high,
            "lrc": _closest_to_zero(low, high),
            "testable": testable,
            "direction": direction.astype(object),
        }
    )
    df = df.sort_values(
        ["testable", "g2", item],
        ascending=[False, False, True],
        na_position="last",
        kind="mergesort",
    ).reset_index(drop=True)
    df.attrs["method"] = {
        "statistic": "G2 log-likelihood ratio (Dunning 1993)",
        "g2_form": "4-term",
        "p_value": "Fisher exact, two-sided",
        "correction": "holm",
        "alpha": ALPHA,
        "min_count": min_count,
        "conf_level": conf_level,
        "effect_size": "Log Ratio (Hardie 2014), zero counts -> 0.5",
        "ci": "normal approximation, se = sqrt(1/a + 1/b) on ln rate ratio",
        "lrc": "CI bound closest to 0, 0 if CI contains 0 (after Evert 2022)",
    }
    logger.debug(
        "keyness: %d items (%d testable), focus %d tokens, reference %d tokens",
        len(df),
        int(testable.sum()),
        n1,
        n2,
    )
    return df


def _require_columns(df: pd.DataFrame, columns: Sequence[str], label: str) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(f"{label} is missing columns {missing}; has {list(df.columns)}")


def textstat_theme_comparison(
    counts: pd.DataFrame,
    focus_id: str,
    reference_ids: list[str] | None = None,
    *,
    min_count: int = 3,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Compare a focus document's theme counts with reference documents.

    Pools the reference documents for the keyness test
    (:func:`textstat_keyness` with ``item="theme"``) and adds document-level
    columns, documents being the units (Lijffijt et al. 2016): the mid-rank
    ``percentile`` (:func:`percentile_of`) of the focus rate per 1,000 tokens
    among the reference documents' rates, their ``reference_median``,
    ``reference_q1`` and ``reference_q3`` (``numpy.quantile``, default linear
    interpolation) and ``n_reference_docs``. A reference document with no row
    for a theme counts 0 for it.

    Parameters
    ----------
    counts : pandas.DataFrame
        Long table with columns ``doc_id, theme, count, tokens`` (``tokens`` =
        the document's token total, repeated on each row); other columns are
        ignored.
    focus_id : str
        Document id of the focus document.
    reference_ids : list of str, optional
        Reference documents; default all documents other than ``focus_id``.
    min_count : int, default 3
        See :func:`textstat_keyness`.
    conf_level : float, default 0.95
        See :func:`textstat_keyness`.

    Returns
    -------
    pandas.DataFrame
        Keyness columns (``theme`` first) followed by ``percentile``,
        ``reference_median``, ``reference_q1``, ``reference_q3``,
        ``n_reference_docs``.

    Raises
    ------
    ValueError
        If ``focus_id`` is absent, there is no reference document, a reference
        id is unknown, or a document has inconsistent token totals.

    Examples
    --------
    >>> import pandas as pd
    >>> counts = pd.DataFrame({
    ...     "doc_id": ["doc-a", "doc-b", "doc-c"],
    ...     "theme": ["security"] * 3,
    ...     "count": [12, 4, 1],
    ...     "tokens": [1000, 2000, 500]})
    >>> t = textstat_theme_comparison(counts, "doc-a")
    >>> t[["reference_count", "reference_tokens"]].iloc[0].tolist()
    [5, 2500]
    >>> float(t.loc[0, "percentile"])
    100.0
    """
    _require_columns(counts, ["doc_id", "theme", "count", "tokens"], "counts")
    data = counts[["doc_id", "theme", "count", "tokens"]].copy()
    doc_ids = pd.unique(data["doc_id"])
    if focus_id not in set(doc_ids):
        raise ValueError(f"focus_id {focus_id!r} not found in counts (documents: {list(doc_ids)})")
    if reference_ids is None:
        refs = [d for d in doc_ids if d != focus_id]
    else:
        refs = list(dict.fromkeys(reference_ids))
        if focus_id in refs:
            raise ValueError(f"focus_id {focus_id!r} is also listed in reference_ids")
        unknown = [d for d in refs if d not in set(doc_ids)]
        if unknown:
            raise ValueError(f"reference_ids not found in counts: {unknown}")
    if not refs:
        raise ValueError(f"no reference documents to compare {focus_id!r} with")

    data = data[data["doc_id"].isin([focus_id, *refs])]
    n_tok = data.groupby("doc_id", sort=False)["tokens"].nunique()
    if (n_tok > 1).any():
        bad = list(n_tok.index[n_tok > 1])
        raise ValueError(f"documents with more than one 'tokens' value: {bad}")
    doc_tokens = data.groupby("doc_id", sort=False)["tokens"].first().astype("int64")
    if (doc_tokens <= 0).any():
        bad = list(doc_tokens.index[doc_tokens <= 0])
        raise ValueError(f"documents with non-positive token totals: {bad}")

    wide = data.pivot_table(
        index="doc_id", columns="theme", values="count", aggfunc="sum", fill_value=0, sort=False
    )
    themes = list(pd.unique(data["theme"]))
    wide = wide.reindex(index=[focus_id, *refs], columns=themes, fill_value=0)
    focus_counts = wide.loc[focus_id]
    reference_counts = wide.loc[refs].sum(axis=0)
    reference_tokens = int(doc_tokens.loc[refs].sum())

    table = textstat_keyness(
        focus_counts,
        int(doc_tokens.loc[focus_id]),
        reference_counts,
        reference_tokens,
        item="theme",
        min_count=min_count,
        conf_level=conf_level,
    )
    method = dict(table.attrs.get("method", {}))

    ref_tokens = doc_tokens.loc[refs].astype(float)
    ref_rates = wide.loc[refs].astype(float).div(ref_tokens, axis=0) * 1000.0
    focus_rate = wide.loc[focus_id].astype(float) / float(doc_tokens.loc[focus_id]) * 1000.0
    rows = []
    for theme in table["theme"]:
        r = ref_rates[theme].to_numpy()
        q1, med, q3 = np.quantile(r, [0.25, 0.5, 0.75])
        rows.append(
            {
                "percentile": percentile_of(float(focus_rate[theme]), r),
                "reference_median": float(med),
                "reference_q1": float(q1),
                "reference_q3": float(q3),
                "n_reference_docs": len(refs),
            }
        )
    doc_level = pd.DataFrame(rows, columns=list(_DOC_COLUMNS), index=table.index)
    out = pd.concat([table, doc_level], axis=1)
    method.update(
        {
            "focus_id": focus_id,
            "reference_ids": list(refs),
            "percentile": "mid-rank: % of reference docs below + half of ties",
            "quantiles": "numpy.quantile, linear interpolation (default)",
        }
    )
    out.attrs["method"] = method
    logger.info(
        "theme comparison: focus %s vs %d reference docs, %d themes",
        focus_id,
        len(refs),
        len(out),
    )
    return out


def textstat_similarity(rates: pd.DataFrame, focus_id: str) -> pd.DataFrame:
    """Cosine similarity of the focus document's theme profile with every other document.

    ``rates`` is pivoted to a document x theme matrix of rates per 1,000
    tokens (a missing document/theme pair is 0). Documents with an all-zero
    profile get cosine 0. ``rank`` 1 is the most similar; ties (cosines equal
    after rounding to 12 decimals) share the lowest rank.

    Parameters
    ----------
    rates : pandas.DataFrame
        Long table with columns ``doc_id, theme, per_1000``.
    focus_id : str
        Document id of the focus document.

    Returns
    -------
    pandas.DataFrame
        Columns ``doc_id, cosine, rank``, sorted by rank then ``doc_id``.

    Raises
    ------
    ValueError
        If ``focus_id`` is absent or there is no other document.

    Examples
    --------
    >>> import pandas as pd
    >>> rates = pd.DataFrame({"doc_id": ["a", "a", "b", "c"],
    ...                       "theme": ["x", "y", "x", "y"],
    ...                       "per_1000": [1.0, 1.0, 2.0, 3.0]})
    >>> textstat_similarity(rates, "a")["rank"].tolist()
    [1, 1]
    """
    _require_columns(rates, ["doc_id", "theme", "per_1000"], "rates")
    if rates.duplicated(["doc_id", "theme"]).any():
        raise ValueError("rates has more than one row for some (doc_id, theme) pairs")
    profiles = rates.pivot(index="doc_id", columns="theme", values="per_1000")
    profiles = profiles.astype(float).fillna(0.0)
    if focus_id not in profiles.index:
        raise ValueError(f"focus_id {focus_id!r} not found in rates")
    others = [d for d in profiles.index if d != focus_id]
    if not others:
        raise ValueError(f"no other documents to compare {focus_id!r} with")
    focus = profiles.loc[focus_id].to_numpy()
    cos = [cosine_similarity(focus, profiles.loc[d].to_numpy()) for d in others]
    out = pd.DataFrame({"doc_id": others, "cosine": cos})
    out["rank"] = out["cosine"].round(12).rank(method="min", ascending=False).astype("int64")
    out = out.sort_values(["rank", "doc_id"], kind="mergesort").reset_index(drop=True)
    logger.debug("similarity: %s vs %d documents", focus_id, len(others))
    return out
