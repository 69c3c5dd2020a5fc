"""Exploratory statistics across documents: Lafon specificities, correspondence analysis, clustering.

* :func:`textstat_specificities`: the *spécificités* of TXM (Lafon 1980). For a part
  (a document or a group of documents) of size ``t`` in a corpus of size ``T``, a
  feature (a word or a theme) of corpus frequency ``F`` is drawn ``X`` times, ``X``
  hypergeometric; seen ``f`` times, its specificity is ``-log10 P(X >= f)`` when ``f`` is
  above its expected value ``F * t / T`` (over-use, positive), ``log10 P(X <= f)`` when below
  (under-use, negative), 0 when equal. ``|specificity| >= 2`` (one-sided ``p < 0.01``,
  TXM's default threshold) is flagged.
* :func:`textstat_ca`: correspondence analysis of a documents x features count table with
  :class:`prince.CA` (exact SVD), in a :class:`CAResult`.
* :func:`textstat_clusters`: hierarchical clustering of documents on their theme profiles
  with :mod:`scipy.cluster.hierarchy`, in a :class:`ClusterResult`.

The figures are drawn by :mod:`analysis.textplot_explore`, from these results only.
:func:`add_explore_stats_parsers` adds the ``specificities`` subcommand.

References
----------
Lafon, P. (1980). Sur la variabilité de la fréquence des formes dans un corpus.
*Mots* 1, 127-165.

Examples
--------
>>> import pandas as pd
>>> counts = pd.DataFrame({"doc_id": ["a", "a", "b", "b"], "key": ["paix", "mer", "paix", "mer"],
...                        "count": [30, 10, 5, 35]})
>>> s = textstat_specificities(counts)
>>> s.loc[(s["part"] == "a") & (s["feature"] == "paix"), "significant"].item()
True
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:  # pragma: no cover
    from analysis.lookup import Lookup
    from analysis.tokens import Tokens

logger = logging.getLogger(__name__)

__all__ = [
    "SPECIFICITY_COLUMNS",
    "SPECIFICITY_THRESHOLD",
    "CAResult",
    "ClusterResult",
    "lookup_specificity_counts",
    "textstat_ca",
    "textstat_clusters",
    "textstat_specificities",
    "tokens_specificity_counts",
]

#: TXM's default threshold on ``|specificity|`` (one-sided p < 0.01).
SPECIFICITY_THRESHOLD: float = 2.0

#: Output columns of :func:`textstat_specificities`.
SPECIFICITY_COLUMNS: tuple[str, ...] = (
    "part", "feature", "f", "F", "t", "T", "expected", "specificity", "p_value", "significant",
)  # fmt: skip

_LN10 = math.log(10.0)


# --------------------------------------------------------------------------- specificities


def _metadata(docs: pd.DataFrame | None) -> pd.DataFrame | None:
    if docs is None:
        return None
    keep = [c for c in docs.columns if c not in ("text", "raw_text")]
    return docs[keep].drop_duplicates("doc_id")


def tokens_specificity_counts(toks: Tokens, *, remove_stopwords: bool = False) -> pd.DataFrame:
    """Word counts per document for :func:`textstat_specificities`.

    ``tokens`` is the document's size (non-punctuation tokens): left-out stopwords still
    count in it, so removing them changes which words are listed, not their scores.

    Parameters
    ----------
    toks : Tokens
        From :func:`analysis.tokens.tokens`.
    remove_stopwords : bool, default False
        Leave out stopwords, elided forms and keys without a letter (as the word keyness does).

    Returns
    -------
    pandas.DataFrame
        ``doc_id, key, count, tokens`` and the documents' metadata (``language``, ``genre``...).

    Examples
    --------
    >>> from analysis.tokens import tokens
    >>> t = tokens_specificity_counts(tokens("La paix et la paix.", language="fr"), remove_stopwords=True)
    >>> t[["key", "count", "tokens"]].values.tolist()
    [['paix', 2, 5]]
    """
    from analysis.tokens import key_counts

    counts = key_counts(toks).merge(toks.docs[["doc_id", "n_tokens", "language"]], on="doc_id")
    counts = counts.rename(columns={"n_tokens": "tokens"})
    if remove_stopwords:
        counts = counts[_content_words(counts["key"], counts["language"])]
    meta = _metadata(toks.docs.drop(columns=["n_tokens", "language"]))
    return counts.merge(meta, on="doc_id", how="left").reset_index(drop=True)


def _content_words(keys: pd.Series, languages: pd.Series) -> list[bool]:
    """Not a stopword of its document's language, not elided, with a letter (as the word keyness)."""
    from analysis.tokens import stopwords

    stops = {lg: stopwords(lg) for lg in set(languages)}
    return [
        k not in stops[lg] and not k.endswith("'") and any(c.isalpha() for c in k)
        for k, lg in zip(keys, languages, strict=True)
    ]


def lookup_specificity_counts(
    counts: Lookup | pd.DataFrame, *, roots_only: bool = True, docs: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Theme counts per document for :func:`textstat_specificities`.

    Parameters
    ----------
    counts : Lookup or pandas.DataFrame
        A :func:`analysis.lookup.tokens_lookup` result, or a table ``doc_id, theme, count,
        tokens`` (and ``parent`` or ``is_root``), e.g. ``Comparison.counts``.
    roots_only : bool, default True
        Keep root themes only (a subtheme's matches are already inside its parent).
    docs : pandas.DataFrame, optional
        Document metadata (``doc_id`` and e.g. ``genre``) to group documents into parts.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, theme, count, tokens`` (plus the metadata of ``docs``); rows whose count is
        missing (themes a features-only document cannot answer) are dropped, with a warning.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"doc_id": ["a", "a"], "theme": ["mer", "mer.nord"], "parent": ["", "mer"],
    ...                   "count": [3, 1], "tokens": [100, 100]})
    >>> lookup_specificity_counts(c).values.tolist()
    [['a', 'mer', 3, 100]]
    """
    table = counts.counts if hasattr(counts, "counts") else counts
    missing = {"doc_id", "theme", "count", "tokens"} - set(table.columns)
    if missing:
        raise ValueError(f"counts lacks columns {sorted(missing)}")
    if roots_only:
        if "is_root" in table.columns:
            table = table[table["is_root"].astype(bool)]
        elif "parent" in table.columns:
            table = table[table["parent"].fillna("").astype(str) == ""]
    out = table[["doc_id", "theme", "count", "tokens"]]
    if out["count"].isna().any():
        dropped = sorted(set(out.loc[out["count"].isna(), "theme"]))
        logger.warning("specificities: themes left out where they cannot be counted: %s", dropped)
        out = out[out["count"].notna()]
    out = out.astype({"count": "int64", "tokens": "int64"})
    if docs is not None:
        out = out.merge(_metadata(docs), on="doc_id", how="left")
    return out.reset_index(drop=True)


def _part_sizes(data: pd.DataFrame, by: str, count: str, size: str) -> pd.Series:
    if size == "table":
        return data.groupby(by, sort=True)[count].sum()
    if "tokens" not in data.columns:
        raise ValueError("size='tokens' needs a 'tokens' column (each document's size)")
    unit = "doc_id" if "doc_id" in data.columns else by
    per_doc = data.groupby([by, unit], sort=True)["tokens"].agg(["min", "max"])
    if (per_doc["min"] != per_doc["max"]).any():
        raise ValueError("a document has more than one 'tokens' value")
    return per_doc["max"].groupby(level=0).sum()


def _log_tail(dist: Any, k: np.ndarray, T: int, F: np.ndarray, t: np.ndarray, *, upper: bool) -> np.ndarray:
    """ln P(X > k) (upper) or ln P(X <= k), vectorised.

    ``P(X <= 0)`` is the mass at 0 (``logpmf``, a closed form: most cells of a word table are
    zeros, and Boost's ``cdf`` is slow for a large ``T``); scipy's ``logsf`` / ``logcdf`` (a
    Python loop) only where ``sf`` / ``cdf`` underflow.
    """
    out = np.empty(k.shape)
    zero = np.zeros(k.shape, dtype=bool) if upper else k == 0
    out[zero] = dist.logpmf(0, T, F[zero], t[zero])
    rest = ~zero
    p = dist.sf(k[rest], T, F[rest], t[rest]) if upper else dist.cdf(k[rest], T, F[rest], t[rest])
    logs = np.log(np.clip(p, 1e-300, None))
    tiny = p < 1e-250
    if tiny.any():
        log = dist.logsf if upper else dist.logcdf
        logs[tiny] = log(k[rest][tiny], T, F[rest][tiny], t[rest][tiny])
    out[rest] = logs
    return out


def textstat_specificities(
    counts: pd.DataFrame,
    *,
    by: str = "doc_id",
    feature: str | None = None,
    count: str = "count",
    size: str = "auto",
    threshold: float = SPECIFICITY_THRESHOLD,
) -> pd.DataFrame:
    """Lafon specificities of each feature in each part (TXM's *spécificités*).

    ``X ~ Hypergeometric(T, F, t)`` (``scipy.stats.hypergeom(M=T, n=F, N=t)``); the tails
    are ``sf`` / ``cdf`` (``logpmf`` at 0), and ``logsf`` / ``logcdf`` where they underflow
    (below 1e-250), so that tiny probabilities keep their score. The sign follows the expected
    value ``F * t / T`` (TXM compares with the mode of the distribution; the two differ only for
    a count between them, scored near 0 either way).
    Every part x feature pair is scored, zeros included (an absent feature can be under-used).

    Parameters
    ----------
    counts : pandas.DataFrame
        Long table: ``by``, ``feature``, ``count`` and, optionally, ``tokens`` (each
        document's size; with ``doc_id`` when parts group documents).
    by : str, default "doc_id"
        Column naming the parts (a document id, or metadata such as ``genre``).
    feature : str, optional
        Column naming the features; default ``key`` (words) or else ``theme``.
    count : str, default "count"
        Column of the counts.
    size : {"auto", "tokens", "table"}, default "auto"
        Part size ``t``: its tokens (the ``tokens`` column), or the sum of its counts in the
        table (TXM's lexical table); ``"auto"``: tokens when the column is there. ``T`` is
        the sum of the part sizes.
    threshold : float, default 2
        ``significant`` is ``|specificity| >= threshold``.

    Returns
    -------
    pandas.DataFrame
        :data:`SPECIFICITY_COLUMNS`: ``p_value`` is the one-sided tail probability in the
        direction of the score (1 when ``f`` equals its expectation). Sorted by part, then
        specificity descending; ``attrs["method"]`` describes the computation.

    Raises
    ------
    ValueError
        Missing columns, negative or non-integer counts, a count above its part's size,
        or fewer than 2 parts.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"genre": ["speech", "speech", "communique"], "theme": ["mer"] * 3,
    ...                   "doc_id": ["a", "b", "c"], "count": [9, 1, 0], "tokens": [100, 100, 200]})
    >>> s = textstat_specificities(c, by="genre")
    >>> s[["part", "f", "t", "T", "expected"]].values.tolist()
    [['communique', 0, 200, 400, 5.0], ['speech', 10, 200, 400, 5.0]]
    >>> round(float(s["specificity"].iloc[1]), 2)
    3.06
    """
    from scipy.stats import hypergeom

    if feature is None:
        feature = "key" if "key" in counts.columns else "theme"
    missing = [c for c in (by, feature, count) if c not in counts.columns]
    if missing:
        raise ValueError(f"counts lacks columns {missing}; has {list(counts.columns)}")
    if size not in ("auto", "tokens", "table"):
        raise ValueError(f"size must be 'auto', 'tokens' or 'table', got {size!r}")
    if size == "auto":
        size = "tokens" if "tokens" in counts.columns else "table"
    values = pd.to_numeric(counts[count], errors="raise").astype(float)
    if values.isna().any() or (values < 0).any() or (values != np.round(values)).any():
        raise ValueError("counts must be non-negative integers")
    data = counts.assign(**{count: values.astype("int64")})
    t = _part_sizes(data, by, count, size)
    if len(t) < 2:
        raise ValueError(f"specificities need at least 2 parts; {by!r} has {len(t)}")
    wide = data.pivot_table(index=by, columns=feature, values=count, aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=t.index, fill_value=0)
    f = wide.to_numpy(dtype="int64")
    tt = t.to_numpy(dtype="int64")[:, None]
    if (f > tt).any():
        raise ValueError(f"a count exceeds its part's size ({size})")
    T = int(t.sum())
    F = f.sum(axis=0)[None, :]
    expected = F * tt / T
    Fb, tb = np.broadcast_to(F, f.shape), np.broadcast_to(tt, f.shape)
    score = np.zeros(f.shape)
    p = np.ones(f.shape)
    over, under = f > expected, f < expected
    log_over = _log_tail(hypergeom, f[over] - 1, T, Fb[over], tb[over], upper=True)  # log P(X >= f)
    log_under = _log_tail(hypergeom, f[under], T, Fb[under], tb[under], upper=False)  # log P(X <= f)
    score[over], p[over] = -log_over / _LN10, np.exp(log_over)
    score[under], p[under] = log_under / _LN10, np.exp(log_under)
    n_p, n_f = f.shape
    out = pd.DataFrame(
        {
            "part": np.repeat(wide.index.to_numpy(dtype=object), n_f),
            "feature": np.tile(wide.columns.to_numpy(dtype=object), n_p),
            "f": f.ravel(),
            "F": Fb.ravel(),
            "t": tb.ravel(),
            "T": np.full(f.size, T, dtype="int64"),
            "expected": expected.ravel(),
            "specificity": score.ravel(),
            "p_value": p.ravel(),
        }
    )
    out["significant"] = out["specificity"].abs() >= threshold
    out = out.sort_values(["part", "specificity", "feature"], ascending=[True, False, True], kind="mergesort")
    out = out.reset_index(drop=True)
    out.attrs["method"] = {
        "statistic": "Lafon specificity (hypergeometric), as TXM",
        "by": by, "feature": feature, "size": size, "threshold": threshold,
        "score": "-log10 P(X>=f) if f > F*t/T, log10 P(X<=f) if f < F*t/T, else 0",
    }  # fmt: skip
    logger.info("specificities: %d parts x %d features, T = %d (%s)", n_p, n_f, T, size)
    return out


# --------------------------------------------------------------------------- correspondence analysis


@dataclass
class CAResult:
    """A correspondence analysis (:func:`textstat_ca`); axes are named ``1, 2, ...``.

    Attributes
    ----------
    table : pandas.DataFrame
        The count table analysed (empty rows and columns dropped).
    row_coordinates, column_coordinates : pandas.DataFrame
        Principal coordinates (symmetric map), one column per kept axis.
    row_contributions, column_contributions : pandas.DataFrame
        Share of each axis's inertia due to each row / column (each column sums to 1).
    row_cos2, column_cos2 : pandas.DataFrame
        Quality of representation of each row / column on each axis.
    eigenvalues : pandas.DataFrame
        Every axis: ``axis, eigenvalue, share, cumulative`` (share of the total inertia).
    total_inertia : float
    dropped_rows, dropped_columns : list of str
        Empty rows / columns left out.
    """

    table: pd.DataFrame
    row_coordinates: pd.DataFrame
    column_coordinates: pd.DataFrame
    row_contributions: pd.DataFrame
    column_contributions: pd.DataFrame
    row_cos2: pd.DataFrame
    column_cos2: pd.DataFrame
    eigenvalues: pd.DataFrame
    total_inertia: float
    dropped_rows: list[str] = field(default_factory=list)
    dropped_columns: list[str] = field(default_factory=list)

    @property
    def explained(self) -> pd.Series:
        """Share of the total inertia of each kept axis."""
        return self.eigenvalues.set_index("axis")["share"].loc[list(self.row_coordinates.columns)]


def _wide_counts(table: pd.DataFrame) -> pd.DataFrame:
    cols = set(table.columns)
    if {"doc_id", "count"} <= cols and ({"theme", "key"} & cols):
        item = "theme" if "theme" in cols else "key"
        return table.pivot_table(index="doc_id", columns=item, values="count", aggfunc="sum", fill_value=0)
    return table


def _drop_empty(table: pd.DataFrame, what: str) -> tuple[pd.DataFrame, list[str], list[str]]:
    values = table.apply(pd.to_numeric, errors="raise").astype(float)
    if values.isna().any().any() or (values < 0).any().any():
        raise ValueError(f"{what}: counts must be non-negative numbers without gaps")
    empty_rows = [str(i) for i in values.index[values.sum(axis=1) == 0]]
    empty_cols = [str(c) for c in values.columns[values.sum(axis=0) == 0]]
    values = values.loc[values.sum(axis=1) > 0, values.sum(axis=0) > 0]
    if empty_rows or empty_cols:
        logger.info("%s: left out empty rows %s and empty columns %s", what, empty_rows, empty_cols)
    return values, empty_rows, empty_cols


def textstat_ca(table: pd.DataFrame, *, n_components: int = 2) -> CAResult:
    """Correspondence analysis of a documents x themes (or x words) count table, with prince.

    :class:`prince.CA` is fitted with the exact SVD (``engine="scipy"``) on every axis, so
    the eigenvalue table is complete; the coordinates of the first ``n_components`` axes
    are kept, each axis's sign set so that its largest row coordinate (in absolute value)
    is positive (the same figure from run to run).

    Parameters
    ----------
    table : pandas.DataFrame
        Wide counts (rows: documents, columns: features), or a long table
        ``doc_id, theme|key, count`` (e.g. ``Comparison.doc_rates()``), pivoted here.
    n_components : int, default 2
        Axes kept (at most the number of non-trivial axes, ``min(rows, columns) - 1``).

    Returns
    -------
    CAResult

    Raises
    ------
    ValueError
        Negative or missing counts, or fewer than 2 non-empty rows or columns.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"mer": [10, 2, 1], "terre": [1, 8, 2], "air": [1, 2, 9]},
    ...                  index=["Alphaland", "Syldavie", "Bordurie"])
    >>> ca = textstat_ca(t)
    >>> round(float(ca.eigenvalues["share"].sum()), 6), list(ca.row_coordinates.columns)
    (1.0, [1, 2])
    """
    import prince

    values, empty_rows, empty_cols = _drop_empty(_wide_counts(table), "correspondence analysis")
    if values.shape[0] < 2 or values.shape[1] < 2:
        raise ValueError(
            f"correspondence analysis needs at least 2 non-empty rows and 2 non-empty columns; "
            f"the table has {values.shape[0]} and {values.shape[1]}"
        )
    values.index = values.index.map(str)
    values.columns = values.columns.map(str)
    k_max = min(values.shape) - 1
    if n_components > k_max:
        logger.info("correspondence analysis: %d axes asked, %d exist", n_components, k_max)
    keep = max(1, min(int(n_components), k_max))
    ca = prince.CA(n_components=k_max, engine="scipy", random_state=0).fit(values)
    axes = list(range(1, keep + 1))
    rows = ca.row_coordinates(values).iloc[:, :keep].set_axis(axes, axis=1)
    cols = ca.column_coordinates(values).iloc[:, :keep].set_axis(axes, axis=1)
    signs = np.sign([rows[a].iloc[int(np.argmax(np.abs(rows[a].to_numpy())))] for a in axes])
    signs[signs == 0] = 1.0
    rows, cols = rows * signs, cols * signs
    eig = np.asarray(ca.eigenvalues_, dtype=float)
    total = float(ca.total_inertia_)
    eigenvalues = pd.DataFrame({"axis": range(1, len(eig) + 1), "eigenvalue": eig, "share": eig / total})
    eigenvalues["cumulative"] = eigenvalues["share"].cumsum()
    result = CAResult(
        table=values,
        row_coordinates=rows,
        column_coordinates=cols,
        row_contributions=ca.row_contributions_.iloc[:, :keep].set_axis(axes, axis=1),
        column_contributions=ca.column_contributions_.iloc[:, :keep].set_axis(axes, axis=1),
        row_cos2=ca.row_cosine_similarities(values).iloc[:, :keep].set_axis(axes, axis=1),
        column_cos2=ca.column_cosine_similarities(values).iloc[:, :keep].set_axis(axes, axis=1),
        eigenvalues=eigenvalues,
        total_inertia=total,
        dropped_rows=empty_rows,
        dropped_columns=empty_cols,
    )
    logger.info(
        "correspondence analysis: %d x %d, inertia %.4f, axes 1-%d explain %.1f%%",
        *values.shape, total, keep, 100 * float(result.explained.sum()),
    )  # fmt: skip
    return result


# --------------------------------------------------------------------------- clustering


@dataclass
class ClusterResult:
    """A hierarchical clustering of documents (:func:`textstat_clusters`).

    Attributes
    ----------
    linkage : numpy.ndarray
        The scipy linkage matrix (``n - 1`` rows: the two merged clusters, height, size).
    labels : list of str
        The documents, in the order of the profiles' rows (leaf ``i`` is ``labels[i]``).
    cophenetic : float
        Cophenetic correlation: how well the tree's heights keep the distances.
    distances : numpy.ndarray
        The condensed distance matrix clustered.
    method, metric : str
    profiles : pandas.DataFrame
        The documents x themes profiles clustered.
    """

    linkage: np.ndarray
    labels: list[str]
    cophenetic: float
    distances: np.ndarray
    method: str
    metric: str
    profiles: pd.DataFrame

    def cut_height(self, n_clusters: int) -> float:
        """A height that cuts the tree into ``n_clusters`` groups (halfway between two merges)."""
        heights = np.sort(self.linkage[:, 2])
        n = len(self.labels)
        if not 1 <= n_clusters <= n:
            raise ValueError(f"n_clusters must be between 1 and {n}, got {n_clusters}")
        low = heights[n - n_clusters - 1] if n_clusters < n else 0.0
        high = heights[n - n_clusters] if n_clusters > 1 else heights[-1] * 1.05
        return float((low + high) / 2)

    def cut(self, n_clusters: int) -> pd.Series:
        """Cluster number (1, 2...) of each document for ``n_clusters`` groups."""
        from scipy.cluster.hierarchy import fcluster

        groups = fcluster(self.linkage, t=n_clusters, criterion="maxclust")
        return pd.Series(groups, index=self.labels, name="cluster")


_EUCLIDEAN_ONLY = ("ward", "centroid", "median")


def textstat_clusters(
    profiles: pd.DataFrame, *, method: str = "ward", metric: str = "euclidean"
) -> ClusterResult:
    """Hierarchical clustering of documents on their theme profiles (rates).

    Parameters
    ----------
    profiles : pandas.DataFrame
        Documents x themes (rates per 1,000 words, or shares), or a long table
        ``doc_id, theme, per_1000`` (e.g. ``Comparison.doc_rates()``), pivoted here (a
        missing pair is 0).
    method : str, default "ward"
        :func:`scipy.cluster.hierarchy.linkage` method.
    metric : str, default "euclidean"
        :func:`scipy.spatial.distance.pdist` metric (``ward``, ``centroid`` and ``median``
        need ``euclidean``).

    Returns
    -------
    ClusterResult

    Raises
    ------
    ValueError
        Fewer than 2 documents, missing or infinite values, a metric the method cannot
        take, or distances that cannot be computed (an all-zero profile with ``cosine``).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"mer": [5.0, 4.0, 0.0], "air": [0.0, 1.0, 6.0]},
    ...                  index=["Alphaland", "Syldavie", "Bordurie"])
    >>> c = textstat_clusters(p)
    >>> c.cut(2).to_dict()
    {'Alphaland': 1, 'Syldavie': 1, 'Bordurie': 2}
    """
    from scipy.cluster.hierarchy import cophenet, linkage
    from scipy.spatial.distance import pdist

    if {"doc_id", "theme", "per_1000"} <= set(profiles.columns):
        profiles = profiles.pivot_table(
            index="doc_id", columns="theme", values="per_1000", aggfunc="sum", fill_value=0.0
        )
    values = profiles.apply(pd.to_numeric, errors="raise").astype(float)
    if len(values) < 2:
        raise ValueError(f"clustering needs at least 2 documents, got {len(values)}")
    if not np.isfinite(values.to_numpy()).all():
        raise ValueError("profiles have missing or infinite values")
    if method in _EUCLIDEAN_ONLY and metric != "euclidean":
        raise ValueError(f"method {method!r} needs metric='euclidean', got {metric!r}")
    distances = pdist(values.to_numpy(), metric=metric)
    if not np.isfinite(distances).all():
        raise ValueError(f"{metric} distances cannot be computed (an all-zero profile?)")
    z = linkage(distances, method=method)
    coph = float(cophenet(z, distances)[0]) if len(values) > 2 else float("nan")
    logger.info("clustering: %d documents, %s / %s, cophenetic %.3f", len(values), method, metric, coph)
    return ClusterResult(
        linkage=z,
        labels=[str(i) for i in values.index],
        cophenetic=coph,
        distances=distances,
        method=method,
        metric=metric,
        profiles=values,
    )
