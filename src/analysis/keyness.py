"""Statistics of one item in a focus text against a reference: the primitives of keyness.

Vectorised over numpy arrays (a 0-d input gives a Python float): Dunning's G2
(4-term form), the two-sided Fisher exact p-value, the Holm correction, Hardie's
Log Ratio with its normal-approximation interval and the conservative Log Ratio
(LRC), the mid-rank percentile of a document among reference documents and the
cosine similarity of two profiles. :mod:`analysis.textstat` builds its tables
from them, re-exports every public name of this module and documents the
statistics with their references.

Examples
--------
>>> log_ratio(10, 1000, 20, 4000)
1.0
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence

import numpy as np
from scipy import stats

logger = logging.getLogger(__name__)

__all__ = [
    "cosine_similarity",
    "fisher_p",
    "g2",
    "log_ratio",
    "log_ratio_ci",
    "lrc",
    "p_adjust_holm",
    "percentile_of",
]


def _out(x: np.ndarray):
    """Return a Python float for 0-d results, the array otherwise."""
    return float(x) if np.ndim(x) == 0 else x


def _z(conf_level: float) -> float:
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must be strictly between 0 and 1, got {conf_level!r}")
    return float(stats.norm.ppf(0.5 + conf_level / 2))


# --------------------------------------------------------------------------- primitives


def g2(a, b, c, d):
    """Dunning's log-likelihood statistic G2 for 2 x 2 tables (4-term form).

    ``G2 = 2 * sum(O_ij * ln(O_ij / E_ij))`` over the four cells
    ``[[a, b], [c, d]]``, with ``E_ij = row_i * col_j / N`` and ``0 * ln 0 = 0``.
    This is the full likelihood-ratio statistic (equal to
    ``scipy.stats.chi2_contingency(..., correction=False,
    lambda_="log-likelihood")``), not the 2-term form of Rayson & Garside
    (2000) that sums over ``a`` and ``b`` only.

    Parameters
    ----------
    a, b : array_like
        Item counts in the focus and reference texts.
    c, d : array_like
        Remaining tokens: ``focus_tokens - a`` and ``reference_tokens - b``.

    Returns
    -------
    float or numpy.ndarray
        G2 (>= 0); NaN where the table is empty (``N = 0``).

    Examples
    --------
    >>> round(g2(10, 10, 90, 90), 6)
    0.0
    >>> round(g2(52, 57, 49948, 74943), 2)
    2.65
    """
    a, b, c, d = (np.asarray(x, dtype=float) for x in (a, b, c, d))
    if np.any((a < 0) | (b < 0) | (c < 0) | (d < 0)):
        raise ValueError("g2: cell counts must be non-negative")
    n = a + b + c + d
    row1, row2 = a + b, c + d
    col1, col2 = a + c, b + d
    total = np.zeros(np.broadcast(a, b, c, d).shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        for obs, row, col in ((a, row1, col1), (b, row1, col2), (c, row2, col1), (d, row2, col2)):
            expected = row * col / n
            total = total + np.where(obs > 0, obs * np.log(obs / expected), 0.0)
    result = np.where(n > 0, np.maximum(2.0 * total, 0.0), np.nan)
    return _out(result)


def fisher_p(a, b, c, d):
    """Two-sided Fisher exact p-value for 2 x 2 tables ``[[a, b], [c, d]]``.

    Wraps ``scipy.stats.fisher_exact(..., alternative="two-sided")``: the sum
    of the hypergeometric probabilities (fixed margins) of all tables as
    probable as or less probable than the observed one (scipy uses a relative
    tolerance of 1e-7 for "as probable").

    Parameters
    ----------
    a, b, c, d : array_like of int
        Cell counts (broadcast together).

    Returns
    -------
    float or numpy.ndarray
        p-values in [0, 1].

    Examples
    --------
    >>> round(fisher_p(3, 1, 1, 3), 6)
    0.485714
    """
    arrays = np.broadcast_arrays(*(np.asarray(x) for x in (a, b, c, d)))
    flat = [np.ravel(x) for x in arrays]
    out = np.empty(flat[0].shape, dtype=float)
    for i, cells in enumerate(zip(*flat, strict=True)):
        ints = [int(v) for v in cells]
        if any(v < 0 for v in ints) or any(v != x for v, x in zip(ints, cells, strict=True)):
            raise ValueError(f"fisher_p: cells must be non-negative integers, got {cells}")
        table = [[ints[0], ints[1]], [ints[2], ints[3]]]
        out[i] = stats.fisher_exact(table, alternative="two-sided").pvalue
    return _out(out.reshape(arrays[0].shape))


def log_ratio(a, n1, b, n2, zero: float = 0.5):
    """Hardie's (2014) Log Ratio: ``log2((a / n1) / (b / n2))``.

    A zero count (``a`` or ``b``) is replaced by ``zero`` (0.5) so that the
    value stays finite. Positive = relatively more frequent in the focus text.
    An item absent from the focus text (``a == 0``) gets at most 0, and one absent
    from the reference (``b == 0``) at least 0: with a short focus text 0.5/n1 can
    exceed a small reference rate, which must not read as over-representation.

    Parameters
    ----------
    a, b : array_like
        Item counts in the focus and the reference texts.
    n1, n2 : array_like
        Token totals of the focus and the reference texts.
    zero : float, default 0.5
        Replacement for a zero count.

    Returns
    -------
    float or numpy.ndarray
        Binary log of the ratio of relative frequencies.

    Examples
    --------
    >>> log_ratio(10, 1000, 20, 4000)
    1.0
    >>> log_ratio(0, 1000, 8, 1000)
    -4.0
    >>> log_ratio(0, 500, 1, 40000)  # absent from a short text: never "over-represented"
    0.0
    """
    a, n1, b, n2 = (np.asarray(x, dtype=float) for x in (a, n1, b, n2))
    a0, b0 = a == 0, b == 0
    a = np.where(a0, zero, a)
    b = np.where(b0, zero, b)
    lr = np.log2((a / n1) / (b / n2))
    # a zero count is no evidence of over-use: with a short focus text, 0.5 / n1 can exceed a
    # small reference rate, which would make an absent item look over-represented
    lr = np.where(a0, np.minimum(lr, 0.0), lr)
    lr = np.where(b0 & ~a0, np.maximum(lr, 0.0), lr)
    return _out(lr)


def log_ratio_ci(a, n1, b, n2, *, conf_level: float = 0.95, zero: float = 0.5):
    """Normal-approximation confidence interval of Log Ratio.

    ``se = sqrt(1/a + 1/b)`` is the standard error of the natural log of the
    rate ratio (zero counts replaced by ``zero``); the interval is
    ``LR +/- z * se / ln 2`` with ``z`` the ``(1 + conf_level) / 2`` normal
    quantile (1.959964 for 95%).

    Parameters
    ----------
    a, n1, b, n2 : array_like
        As in :func:`log_ratio`.
    conf_level : float, default 0.95
        Confidence level, strictly between 0 and 1.
    zero : float, default 0.5
        Replacement for a zero count.

    Returns
    -------
    tuple
        ``(low, high)``, floats or arrays.

    Examples
    --------
    >>> low, high = log_ratio_ci(40, 1000, 20, 4000)
    >>> round(low, 4), round(high, 4)
    (2.2256, 3.7744)
    """
    z = _z(conf_level)
    a_, n1_, b_, n2_ = (np.asarray(x, dtype=float) for x in (a, n1, b, n2))
    a0, b0 = a_ == 0, b_ == 0
    a_ = np.where(a0, zero, a_)
    b_ = np.where(b0, zero, b_)
    lr = np.log2((a_ / n1_) / (b_ / n2_))
    half = z * np.sqrt(1.0 / a_ + 1.0 / b_) / math.log(2)
    low, high = lr - half, lr + half
    # as in log_ratio: a zero focus count never supports over-use (the interval keeps 0 or
    # lies below it), a zero reference count never supports under-use
    low = np.where(a0, np.minimum(low, 0.0), low)
    high = np.where(b0 & ~a0, np.maximum(high, 0.0), high)
    return _out(low), _out(high)


def _closest_to_zero(low, high):
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    return np.where(low > 0, low, np.where(high < 0, high, 0.0))


def lrc(a, n1, b, n2, *, conf_level: float = 0.95, zero: float = 0.5):
    """Conservative Log Ratio (after Evert 2022): the CI bound closest to zero.

    Uses the interval of :func:`log_ratio_ci` (normal approximation, not
    Evert's exact binomial interval); 0 when the interval contains 0.

    Parameters
    ----------
    a, n1, b, n2 : array_like
        As in :func:`log_ratio`.
    conf_level : float, default 0.95
        Confidence level of the interval.
    zero : float, default 0.5
        Replacement for a zero count.

    Returns
    -------
    float or numpy.ndarray
        LRC.

    Examples
    --------
    >>> round(lrc(40, 1000, 20, 4000), 4)
    2.2256
    >>> lrc(10, 1000, 20, 4000)
    0.0
    """
    low, high = log_ratio_ci(a, n1, b, n2, conf_level=conf_level, zero=zero)
    return _out(_closest_to_zero(low, high))


def p_adjust_holm(p) -> np.ndarray:
    """Holm (1979) step-down adjusted p-values, ignoring NaN.

    With the ``m`` non-NaN p-values sorted ascending ``p_(1) <= ... <= p_(m)``,
    ``p_adj_(i) = min(1, max_{j <= i} (m - j + 1) * p_(j))``. NaN entries are
    not counted in ``m`` and stay NaN; the output keeps the input order.

    Parameters
    ----------
    p : array_like
        p-values (NaN allowed).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, same shape as ``p``.

    Examples
    --------
    >>> p_adjust_holm([0.01, float("nan"), 0.04, 0.03]).round(2).tolist()
    [0.03, nan, 0.06, 0.06]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(p.shape, np.nan)
    flat = p.ravel()
    ok = np.flatnonzero(~np.isnan(flat))
    m = ok.size
    if m:
        order = ok[np.argsort(flat[ok], kind="mergesort")]
        scaled = (m - np.arange(m)) * flat[order]
        adjusted = np.minimum(np.maximum.accumulate(scaled), 1.0)
        out_flat = out.ravel()
        out_flat[order] = adjusted
        out = out_flat.reshape(p.shape)
    return out


def percentile_of(value: float, values: Sequence[float] | np.ndarray) -> float:
    """Mid-rank percentile of ``value`` among ``values``.

    ``100 * (#(values < value) + 0.5 * #(values == value)) / len(values)``.
    NaN entries of ``values`` are dropped; NaN if nothing is left or ``value``
    is NaN.

    Parameters
    ----------
    value : float
        The value to place.
    values : array_like
        Reference values.

    Returns
    -------
    float
        Percentage in [0, 100].

    Examples
    --------
    >>> percentile_of(3, [1, 2, 3, 4])
    62.5
    """
    arr = np.asarray(values, dtype=float).ravel()
    arr = arr[~np.isnan(arr)]
    if arr.size == 0 or np.isnan(value):
        return float("nan")
    below = np.count_nonzero(arr < value)
    equal = np.count_nonzero(arr == value)
    return float(100.0 * (below + 0.5 * equal) / arr.size)


def cosine_similarity(u, v) -> float:
    """Cosine of the angle between two vectors; 0 when either is all zeros.

    Parameters
    ----------
    u, v : array_like
        Vectors of the same length.

    Returns
    -------
    float
        ``u . v / (|u| |v|)``, or 0.0 if ``|u| = 0`` or ``|v| = 0``.

    Examples
    --------
    >>> cosine_similarity([1, 2, 3], [2, 4, 6])
    1.0
    >>> cosine_similarity([0, 0], [1, 1])
    0.0
    """
    u = np.asarray(u, dtype=float).ravel()
    v = np.asarray(v, dtype=float).ravel()
    if u.shape != v.shape:
        raise ValueError(f"cosine_similarity: shapes differ {u.shape} vs {v.shape}")
    nu, nv = np.linalg.norm(u), np.linalg.norm(v)
    if nu == 0 or nv == 0:
        return 0.0
    return float(np.clip(np.dot(u, v) / (nu * nv), -1.0, 1.0))
