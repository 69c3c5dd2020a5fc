"""Tests for analysis.textstat.

Every expected number is either computed by hand (arithmetic in the comments)
or by an independent route (scipy.stats functions other than the one the
library wraps); each test says which.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from analysis.textstat import (
    cosine_similarity,
    fisher_p,
    g2,
    log_ratio,
    log_ratio_ci,
    lrc,
    p_adjust_holm,
    percentile_of,
    textstat_keyness,
    textstat_similarity,
    textstat_theme_comparison,
)

Z95 = 1.959963984540054  # standard normal 0.975 quantile (tables: 1.95996)


def scipy_g2(a, b, c, d):
    """Independent G2: scipy's likelihood-ratio (G) test of independence."""
    return stats.chi2_contingency([[a, b], [c, d]], correction=False, lambda_="log-likelihood")[0]


def hypergeom_two_sided(a, b, c, d):
    """Independent Fisher p: sum of hypergeometric pmf over tables as or less probable.

    X = top-left cell ~ Hypergeom(M = N, K = a + c, n = a + b). The relative
    tolerance 1e-7 for "as probable" is the one scipy and R use.
    """
    M, K, n = a + b + c + d, a + c, a + b
    dist = stats.hypergeom(M, K, n)
    support = np.arange(max(0, n - (M - K)), min(K, n) + 1)
    pmf = dist.pmf(support)
    return float(min(1.0, pmf[pmf <= dist.pmf(a) * (1 + 1e-7)].sum()))


# --------------------------------------------------------------------------- g2


@pytest.mark.parametrize(
    "table",
    [
        (10, 20, 990, 3980),
        (52, 57, 49948, 74943),
        (1, 0, 99, 100),  # a zero cell
        (0, 7, 500, 493),  # a zero cell in the focus column
        (300, 2, 700, 998),
        (5, 5, 5, 5),  # independence: G2 = 0
    ],
)
def test_g2_matches_scipy_log_likelihood(table):
    # expected: independent computation, scipy.stats.chi2_contingency(lambda_="log-likelihood")
    assert g2(*table) == pytest.approx(scipy_g2(*table), abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 2000),
    st.integers(0, 2000),
    st.integers(0, 2000),
    st.integers(0, 2000),
)
def test_g2_matches_scipy_hypothesis(a, b, c, d):
    # scipy refuses tables with a zero margin (expected frequency 0): skip those here,
    # they are covered by test_g2_zero_margin_is_zero.
    if min(a + b, c + d, a + c, b + d) == 0:
        return
    # expected: independent computation, scipy.stats.chi2_contingency
    assert g2(a, b, c, d) == pytest.approx(scipy_g2(a, b, c, d), abs=1e-9, rel=1e-12)


def test_g2_vectorised_matches_scipy():
    a = np.array([10, 0, 52])
    b = np.array([20, 7, 57])
    c = np.array([990, 500, 49948])
    d = np.array([3980, 493, 74943])
    got = g2(a, b, c, d)
    assert isinstance(got, np.ndarray) and got.shape == (3,)
    # expected: independent computation, scipy, one table at a time
    expected = [scipy_g2(*t) for t in zip(a, b, c, d, strict=True)]
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_g2_zero_margin_is_zero():
    # Hand: item row is [0, 0]; with 0*ln0 = 0 only c and d contribute, and
    # E_c = (c+d)*(a+c)/N = 30*10/30 = 10 = c, E_d = 30*20/30 = 20 = d, so every
    # term is O*ln(1) = 0 and G2 = 0.
    assert g2(0, 0, 10, 20) == 0.0
    # Hand: empty table -> undefined -> NaN
    assert math.isnan(g2(0, 0, 0, 0))


def test_g2_negative_cell_raises():
    with pytest.raises(ValueError):
        g2(-1, 2, 3, 4)


def test_g2_published_ucrel_example():
    # Source: the UCREL log-likelihood wizard (https://ucrel.lancs.ac.uk/llwizard.html,
    # Rayson; as reproduced in course slides): a word occurring 52 times in Corpus 1
    # (50,000 tokens) and 57 times in Corpus 2 (75,000 tokens) gives "LL = + 2.65".
    # That calculator uses the 2-term form (cells a and b only). Step by step, by hand:
    #   N = 125,000; item total = 109; other = 124,891
    #   E1 = 50,000 * 109 / 125,000 = 43.6       E2 = 75,000 * 109 / 125,000 = 65.4
    #   E3 = 50,000 * 124,891 / 125,000 = 49,956.4
    #   E4 = 75,000 * 124,891 / 125,000 = 74,934.6
    #   52 * ln(52 / 43.6)          =  52 * 0.1761866   =  9.161702
    #   57 * ln(57 / 65.4)          =  57 * -0.1374710  = -7.835846
    #   49,948 * ln(49,948/49,956.4) = 49,948 * -1.681608e-4 = -8.399294
    #   74,943 * ln(74,943/74,934.6) = 74,943 * 1.120915e-4  =  8.400471
    #   2-term LL = 2 * (9.161702 - 7.835846) = 2.651710  -> published 2.65
    #   4-term G2 = 2 * (9.161702 - 7.835846 - 8.399294 + 8.400471) = 2.654064
    a, b, n1, n2 = 52, 57, 50_000, 75_000
    got = g2(a, b, n1 - a, n2 - b)
    assert got == pytest.approx(2.654064, abs=1e-6)  # hand, 4-term
    assert round(got, 2) == 2.65  # published (2-term) value agrees to 2 decimals
    # both forms differ only by the (c, d) terms: 2 * (8.400471 - 8.399294) = 0.002354
    two_term = 2 * (a * math.log(a / 43.6) + b * math.log(b / 65.4))
    assert round(two_term, 2) == 2.65
    assert got - two_term == pytest.approx(0.002354, abs=2e-6)


# --------------------------------------------------------------------------- fisher


def test_fisher_hand_tiny_table():
    # Hand: [[3, 1], [1, 3]], all margins 4, N = 8. P(a = k) = C(4,k) C(4,4-k) / C(8,4)
    # = C(4,k)^2 / 70 -> k=0..4: 1, 16, 36, 16, 1 (/70). Observed k=3 (16/70); as or less
    # probable: k = 0, 1, 3, 4 -> (1 + 16 + 16 + 1) / 70 = 34/70 = 0.485714285714...
    assert fisher_p(3, 1, 1, 3) == pytest.approx(34 / 70, abs=1e-12)
    # Hand: [[2, 0], [0, 2]]: P(k) = C(2,k)^2/6 -> 1/6, 4/6, 1/6; observed k=2 (1/6);
    # as or less probable k = 0, 2 -> 2/6
    assert fisher_p(2, 0, 0, 2) == pytest.approx(1 / 3, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 40),
    st.integers(0, 40),
    st.integers(0, 60),
    st.integers(0, 60),
)
def test_fisher_matches_hypergeom_sum(a, b, c, d):
    if a + b + c + d == 0:
        return
    # expected: independent computation, scipy.stats.hypergeom pmf summed by hand
    assert fisher_p(a, b, c, d) == pytest.approx(hypergeom_two_sided(a, b, c, d), abs=1e-9)


def test_fisher_vectorised_and_keyness_sized_tables():
    a = np.array([12, 5, 30])
    b = np.array([11, 9, 10])
    c = 1000 - a
    d = np.array([4000, 4000, 5000]) - b
    got = fisher_p(a, b, c, d)
    # expected: independent computation, hypergeom sum
    expected = [hypergeom_two_sided(*t) for t in zip(a, b, c, d, strict=True)]
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_fisher_rejects_non_integers():
    with pytest.raises(ValueError):
        fisher_p(1.5, 2, 3, 4)


# --------------------------------------------------------------------------- holm


def test_holm_hand_with_nan():
    # Hand: non-NaN p = 0.01, 0.04, 0.03, 0.005 -> m = 4.
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04
    # running max: 0.02, 0.03, 0.06, 0.06 -> back to input order
    p = [0.01, np.nan, 0.04, 0.03, 0.005]
    np.testing.assert_allclose(p_adjust_holm(p), [0.03, np.nan, 0.06, 0.06, 0.02], rtol=1e-12, equal_nan=True)


def test_holm_hand_cap_and_monotone():
    # Hand: [0.5, 0.3], m = 2: 0.3*2 = 0.6, 0.5*1 = 0.5 -> max(0.6, 0.5) = 0.6 for both
    np.testing.assert_allclose(p_adjust_holm([0.5, 0.3]), [0.6, 0.6])
    # Hand: [0.6, 0.7]: 0.6*2 = 1.2 -> capped 1; 0.7 -> max(1, 0.7) = 1
    np.testing.assert_allclose(p_adjust_holm([0.6, 0.7]), [1.0, 1.0])
    # Hand: single value unchanged; all-NaN stays NaN; empty stays empty
    np.testing.assert_allclose(p_adjust_holm([0.2]), [0.2])
    assert np.isnan(p_adjust_holm([np.nan, np.nan])).all()
    assert p_adjust_holm([]).shape == (0,)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.floats(0, 1), st.just(float("nan"))), max_size=30))
def test_holm_properties(p):
    p = np.asarray(p, dtype=float)
    adj = p_adjust_holm(p)
    ok = ~np.isnan(p)
    assert np.array_equal(np.isnan(adj), ~ok)
    assert np.all(adj[ok] >= p[ok] - 1e-15) and np.all(adj[ok] <= 1.0)
    # monotone: a smaller raw p never gets a larger adjusted p
    order = np.argsort(p[ok], kind="mergesort")
    assert np.all(np.diff(adj[ok][order]) >= -1e-15)


# --------------------------------------------------------------------------- log ratio


def test_log_ratio_and_ci_hand_spanning_zero():
    # Hand: a=10 of 1000, b=20 of 4000: rates 0.01 / 0.005 = 2 -> LR = log2(2) = 1
    # se = sqrt(1/10 + 1/20) = sqrt(0.15) = 0.3872983
    # half width = 1.959964 * 0.3872983 / ln 2 = 0.7590908 / 0.6931472 = 1.0951365
    # CI = (1 - 1.0951365, 1 + 1.0951365) = (-0.0951365, 2.0951365) -> contains 0 -> LRC 0
    assert log_ratio(10, 1000, 20, 4000) == pytest.approx(1.0, abs=1e-12)
    low, high = log_ratio_ci(10, 1000, 20, 4000)
    assert low == pytest.approx(-0.0951365, abs=2e-7)
    assert high == pytest.approx(2.0951365, abs=2e-7)
    assert lrc(10, 1000, 20, 4000) == 0.0


def test_log_ratio_ci_hand_not_spanning_zero():
    # Hand: a=40 of 1000, b=20 of 4000: 0.04 / 0.005 = 8 -> LR = 3
    # se = sqrt(1/40 + 1/20) = sqrt(0.075) = 0.2738613
    # half = 1.959964 * 0.2738613 / 0.6931472 = 0.5367582 / 0.6931472 = 0.7743785
    # CI = (2.2256215, 3.7743785); LRC = bound closest to 0 = 2.2256215
    low, high = log_ratio_ci(40, 1000, 20, 4000)
    assert log_ratio(40, 1000, 20, 4000) == pytest.approx(3.0, abs=1e-12)
    assert (low, high) == pytest.approx((2.2256215, 3.7743785), abs=2e-7)
    assert lrc(40, 1000, 20, 4000) == pytest.approx(2.2256215, abs=2e-7)
    # Hand: mirrored table -> LR = -3, LRC = upper bound = -2.2256215
    assert log_ratio(20, 4000, 40, 1000) == pytest.approx(-3.0, abs=1e-12)
    assert lrc(20, 4000, 40, 1000) == pytest.approx(-2.2256215, abs=2e-7)


def test_log_ratio_zero_correction_hand():
    # Hand: a = 0 -> 0.5: log2((0.5/1000) / (8/1000)) = log2(1/16) = -4
    # se = sqrt(1/0.5 + 1/8) = sqrt(2.125) = 1.4577380; half = 1.959964*1.4577380/0.6931472
    # = 2.8571139 / 0.6931472 = 4.1219441 -> CI (-8.1219441, 0.1219441) -> LRC 0
    assert log_ratio(0, 1000, 8, 1000) == pytest.approx(-4.0, abs=1e-12)
    low, high = log_ratio_ci(0, 1000, 8, 1000)
    assert (low, high) == pytest.approx((-8.1219441, 0.1219441), abs=2e-7)
    assert lrc(0, 1000, 8, 1000) == 0.0
    # Hand: both zero -> 0.5 / 0.5 with equal n -> LR = 0
    assert log_ratio(0, 100, 0, 100) == 0.0


def test_log_ratio_ci_conf_level():
    # Hand: 90% -> z = 1.6448536; a=40,n1=1000,b=20,n2=4000: half = 1.6448536 * 0.2738613
    # / 0.6931472 = 0.4504617 / 0.6931472 = 0.6498789 -> (2.3501211, 3.6498789)
    low, high = log_ratio_ci(40, 1000, 20, 4000, conf_level=0.90)
    assert (low, high) == pytest.approx((2.3501211, 3.6498789), abs=2e-7)
    with pytest.raises(ValueError):
        log_ratio_ci(1, 10, 1, 10, conf_level=1.5)


# --------------------------------------------------------------------------- percentile, cosine


def test_percentile_of_hand():
    # Hand: 3 in [1,2,3,4]: 2 below + 0.5*1 tie = 2.5 of 4 -> 62.5
    assert percentile_of(3, [1, 2, 3, 4]) == 62.5
    # Hand: below all -> 0; above all -> 100; all ties -> 0.5*3/3 -> 50
    assert percentile_of(0, [1, 2]) == 0.0
    assert percentile_of(5, [1, 2]) == 100.0
    assert percentile_of(2, [2, 2, 2]) == 50.0
    # Hand: NaN dropped: 2 in [1, 3] -> 1 below of 2 -> 50
    assert percentile_of(2, [1, np.nan, 3]) == 50.0
    assert math.isnan(percentile_of(1, []))


def test_cosine_hand():
    # Hand: orthogonal -> 0; parallel -> 1; (1,1).(1,0) = 1 / (sqrt2 * 1) = 0.7071068
    assert cosine_similarity([1, 0], [0, 1]) == 0.0
    assert cosine_similarity([1, 2, 3], [2, 4, 6]) == pytest.approx(1.0, abs=1e-12)
    assert cosine_similarity([1, 1], [1, 0]) == pytest.approx(0.7071068, abs=1e-7)
    # Hand: opposite directions -> -1; zero vector -> documented 0
    assert cosine_similarity([1, 2], [-1, -2]) == pytest.approx(-1.0, abs=1e-12)
    assert cosine_similarity([0, 0, 0], [1, 2, 3]) == 0.0
    with pytest.raises(ValueError):
        cosine_similarity([1, 2], [1, 2, 3])


# --------------------------------------------------------------------------- keyness

KEYNESS_COLUMNS = [
    "term",
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
]


def test_keyness_table():
    focus = pd.Series({"war": 30, "peace": 2, "treaty": 6, "alliance": 5})
    reference = pd.Series({"war": 10, "peace": 20, "treaty": 30, "summit": 4})
    n1, n2 = 1000, 5000
    t = textstat_keyness(focus, n1, reference, n2)
    assert list(t.columns) == KEYNESS_COLUMNS
    # union of items; missing counts are 0 ("alliance" not in reference, "summit" not in focus)
    assert set(t["term"]) == {"war", "peace", "treaty", "alliance", "summit"}
    row = t.set_index("term")
    assert row.loc["alliance", "reference_count"] == 0
    assert row.loc["summit", "focus_count"] == 0
    # hand: per 1,000: war 30/1000*1000 = 30.0; 10/5000*1000 = 2.0
    assert row.loc["war", "focus_per_1000"] == pytest.approx(30.0)
    assert row.loc["war", "reference_per_1000"] == pytest.approx(2.0)
    assert (t["focus_tokens"] == n1).all() and (t["reference_tokens"] == n2).all()

    testable = ["war", "treaty", "alliance"]  # focus count >= 3
    assert row.loc[testable, "testable"].all()
    assert not row.loc[["peace", "summit"], "testable"].any()
    assert row.loc[["peace", "summit"], ["g2", "p_value", "p_holm"]].isna().all().all()
    # log ratio still given for untestable items (hand: log2((2/1000)/(20/5000)) = log2(0.5) = -1)
    assert row.loc["peace", "log_ratio"] == pytest.approx(-1.0)
    assert np.isfinite(row.loc["peace", ["log_ratio_ci_low", "log_ratio_ci_high"]]).all()

    # expected: independent computations (scipy G test, hypergeom sum)
    p = {}
    for term in testable:
        a, b = int(focus[term]), int(reference.get(term, 0))
        assert row.loc[term, "g2"] == pytest.approx(scipy_g2(a, b, n1 - a, n2 - b), abs=1e-9)
        p[term] = hypergeom_two_sided(a, b, n1 - a, n2 - b)
        assert row.loc[term, "p_value"] == pytest.approx(p[term], abs=1e-9)
    # Holm over the 3 testable items only (m = 3), written out by hand:
    ps = sorted(p.items(), key=lambda kv: kv[1])
    running = 0.0
    for rank, (term, pv) in enumerate(ps):
        running = min(1.0, max(running, (3 - rank) * pv))
        assert row.loc[term, "p_holm"] == pytest.approx(running, rel=1e-12)

    # direction: "over" iff p_holm < 0.05 and LR > 0; "under" if LR < 0; else "none"
    for term in t["term"]:
        ph, lr = row.loc[term, "p_holm"], row.loc[term, "log_ratio"]
        want = "none" if not (ph < 0.05) else ("over" if lr > 0 else "under")
        assert row.loc[term, "direction"] == want
    assert row.loc["war", "direction"] == "over"  # 30/1000 vs 2/1000: p is tiny

    # sort: g2 descending among testable, untestable last
    g = t.loc[t["testable"], "g2"].to_numpy()
    assert np.all(np.diff(g) <= 0)
    assert t["testable"].tolist() == [True, True, True, False, False]

    method = t.attrs["method"]
    assert method["min_count"] == 3 and method["conf_level"] == 0.95
    assert method["correction"] == "holm" and method["g2_form"] == "4-term"


def test_keyness_under_direction_and_item_name():
    # "the" is 10x rarer in focus: 20/10000 vs 200/10000
    t = textstat_keyness(
        pd.Series({"the": 20, "a": 100}),
        10_000,
        pd.Series({"the": 200, "a": 100}),
        10_000,
        item="theme",
    )
    assert t.columns[0] == "theme"
    row = t.set_index("theme")
    # hand: log2((20/10000)/(200/10000)) = log2(0.1) = -3.3219281
    assert row.loc["the", "log_ratio"] == pytest.approx(-3.3219281, abs=1e-7)
    assert row.loc["the", "direction"] == "under"
    # hand: equal counts and equal sizes -> G2 = 0, LR = 0, p = 1 -> "none"
    assert row.loc["a", "g2"] == pytest.approx(0.0, abs=1e-9)
    assert row.loc["a", "direction"] == "none"
    assert t["theme"].tolist() == ["the", "a"]


def test_keyness_direction_uses_holm_threshold():
    # Two testable items, each with a raw Fisher p below 0.05 but above 0.025:
    # expected p from the independent hypergeom sum; Holm (m = 2, by hand) doubles the
    # smaller one to > 0.05, and the larger one keeps max(that, itself) -> both "none".
    focus = pd.Series({"x": 5, "y": 6})
    reference = pd.Series({"x": 7, "y": 10})
    t = textstat_keyness(focus, 1000, reference, 5000).set_index("term")
    px = hypergeom_two_sided(5, 7, 995, 4993)
    py = hypergeom_two_sided(6, 10, 994, 4990)
    assert 0.025 < px < 0.05 and 0.025 < py < 0.05
    lo, hi = sorted([px, py])
    assert t.loc["x", "p_value"] == pytest.approx(px, abs=1e-9)
    assert sorted(t["p_holm"]) == pytest.approx([2 * lo, max(2 * lo, hi)], rel=1e-12)
    assert (t["direction"] == "none").all()
    # alone, "x" stays at its raw p < 0.05 and LR > 0 -> "over"
    # (hand: log2((5/1000)/(7/5000)) = log2(3.5714286) = 1.8365013)
    alone = textstat_keyness(focus[["x"]], 1000, reference[["x"]], 5000)
    assert alone.loc[0, "log_ratio"] == pytest.approx(1.8365013, abs=1e-7)
    assert alone.loc[0, "direction"] == "over"
    # Hand-checked: a = 6 of 1000 vs b = 15 of 5000 -> LR = log2(0.006/0.003) = 1, but the
    # independent hypergeom p = 0.1446 > 0.05 -> "none"
    weak = textstat_keyness(pd.Series({"z": 6}), 1000, pd.Series({"z": 15}), 5000)
    assert 0.05 < hypergeom_two_sided(6, 15, 994, 4985) < 0.5
    assert weak.loc[0, "log_ratio"] == pytest.approx(1.0, abs=1e-12)
    assert weak.loc[0, "direction"] == "none"


def test_keyness_min_count_floor():
    t = textstat_keyness(pd.Series({"rare": 2, "common": 3}), 100, pd.Series({"rare": 0}), 100)
    row = t.set_index("term")
    assert not row.loc["rare", "testable"]
    assert row.loc["rare", ["g2", "p_value", "p_holm"]].isna().all()
    assert row.loc["rare", "direction"] == "none"
    # focus_count 3 is at the floor -> testable
    assert row.loc["common", "testable"]
    # hand: Holm with a single testable item leaves p unchanged
    assert row.loc["common", "p_holm"] == row.loc["common", "p_value"]
    # with min_count=2, "rare" becomes testable
    t2 = textstat_keyness(pd.Series({"rare": 2}), 100, pd.Series({"rare": 0}), 100, min_count=2)
    assert bool(t2.loc[0, "testable"]) and np.isfinite(t2.loc[0, "p_value"])


def test_keyness_rejects_bad_input():
    with pytest.raises(ValueError):
        textstat_keyness(pd.Series({"x": 5}), 4, pd.Series({"x": 1}), 10)  # count > tokens
    with pytest.raises(ValueError):
        textstat_keyness(pd.Series({"x": -1}), 10, pd.Series({"x": 1}), 10)
    with pytest.raises(ValueError):
        textstat_keyness(pd.Series([1, 2], index=["x", "x"]), 10, pd.Series({"x": 1}), 10)


# --------------------------------------------------------------------------- theme comparison


def _theme_counts() -> pd.DataFrame:
    rows = [
        # doc_id, theme, count, tokens
        ("doc-a", "security", 12, 1000),
        ("doc-a", "trade", 2, 1000),
        ("doc-a", "climate", 5, 1000),
        ("doc-b", "security", 4, 2000),
        ("doc-b", "trade", 10, 2000),
        ("doc-b", "climate", 6, 2000),
        ("doc-c", "security", 1, 500),
        ("doc-c", "trade", 5, 500),  # no climate row: counts 0
        ("doc-d", "security", 6, 1500),
        ("doc-d", "trade", 3, 1500),
        ("doc-d", "climate", 3, 1500),
    ]
    return pd.DataFrame(rows, columns=["doc_id", "theme", "count", "tokens"])


def test_theme_comparison_hand():
    t = textstat_theme_comparison(_theme_counts(), "doc-a")
    assert list(t.columns) == ["theme", *KEYNESS_COLUMNS[1:]] + [
        "percentile",
        "reference_median",
        "reference_q1",
        "reference_q3",
        "n_reference_docs",
    ]
    row = t.set_index("theme")
    # Hand, pooled reference (doc-b + doc-c + doc-d):
    #   security 4+1+6 = 11, trade 10+5+3 = 18, climate 6+0+3 = 9
    #   reference_tokens = 2000 + 500 + 1500 = 4000 (each doc once, not per row)
    assert row["reference_count"].to_dict() == {"security": 11, "climate": 9, "trade": 18}
    assert (t["reference_tokens"] == 4000).all() and (t["focus_tokens"] == 1000).all()
    # hand: reference_per_1000 security 11/4000*1000 = 2.75
    assert row.loc["security", "reference_per_1000"] == pytest.approx(2.75)

    # Hand, per-document rates per 1,000 and numpy's default (linear) quantiles:
    #   security: b 4/2000 = 2.0, c 1/500 = 2.0, d 6/1500 = 4.0 -> sorted [2, 2, 4]
    #     q1 at position 0.5 -> 2.0; median 2.0; q3 at position 1.5 -> 2 + 0.5*(4-2) = 3.0
    #     focus 12.0 above all -> percentile 100
    #   trade: b 5.0, c 10.0, d 2.0 -> sorted [2, 5, 10]
    #     q1 = 2 + 0.5*3 = 3.5; median 5; q3 = 5 + 0.5*5 = 7.5
    #     focus 2.0: 0 below, 1 tie -> 0.5/3 -> 16.666...
    #   climate: b 3.0, c 0.0, d 2.0 -> sorted [0, 2, 3]
    #     q1 = 0 + 0.5*2 = 1.0; median 2.0; q3 = 2 + 0.5*1 = 2.5; focus 5.0 -> 100
    expected = {
        "security": (100.0, 2.0, 2.0, 3.0),
        "trade": (100 * 0.5 / 3, 5.0, 3.5, 7.5),
        "climate": (100.0, 2.0, 1.0, 2.5),
    }
    for theme, (pct, med, q1, q3) in expected.items():
        got = row.loc[theme, ["percentile", "reference_median", "reference_q1", "reference_q3"]]
        assert got.tolist() == pytest.approx([pct, med, q1, q3], abs=1e-12)
    assert (t["n_reference_docs"] == 3).all()

    # trade: focus count 2 < 3 -> untestable, last
    assert t["theme"].iloc[-1] == "trade" and not row.loc["trade", "testable"]
    assert np.isnan(row.loc["trade", "p_value"])
    # expected: independent computation (scipy G test) on the pooled tables
    g_sec = scipy_g2(12, 11, 1000 - 12, 4000 - 11)
    g_cli = scipy_g2(5, 9, 1000 - 5, 4000 - 9)
    assert row.loc["security", "g2"] == pytest.approx(g_sec, abs=1e-9)
    assert row.loc["climate", "g2"] == pytest.approx(g_cli, abs=1e-9)
    assert t["theme"].tolist() == (
        ["security", "climate", "trade"] if g_sec > g_cli else ["climate", "security", "trade"]
    )
    assert t.attrs["method"]["reference_ids"] == ["doc-b", "doc-c", "doc-d"]


def test_theme_comparison_reference_ids_subset():
    counts = _theme_counts()
    extra = pd.DataFrame(
        [("doc-e", "security", 900, 1000), ("doc-e", "trade", 0, 1000)],
        columns=counts.columns,
    )
    both = pd.concat([counts, extra], ignore_index=True)
    t = textstat_theme_comparison(both, "doc-a", ["doc-b", "doc-c", "doc-d"])
    base = textstat_theme_comparison(counts, "doc-a")
    # doc-e excluded -> same as without it
    pd.testing.assert_frame_equal(t, base)
    # Hand: only doc-b and doc-c: security 4 + 1 = 5 of 2500 tokens; rates [2.0, 2.0]
    t2 = textstat_theme_comparison(both, "doc-a", ["doc-b", "doc-c"]).set_index("theme")
    assert t2.loc["security", "reference_count"] == 5
    assert t2.loc["security", "reference_tokens"] == 2500
    assert t2.loc["security", "n_reference_docs"] == 2
    assert t2.loc["security", "reference_median"] == pytest.approx(2.0)


def test_theme_comparison_errors():
    counts = _theme_counts()
    with pytest.raises(ValueError, match="doc-z"):
        textstat_theme_comparison(counts, "doc-z")
    with pytest.raises(ValueError, match="no reference"):
        textstat_theme_comparison(counts[counts["doc_id"] == "doc-a"], "doc-a")
    with pytest.raises(ValueError, match="no reference"):
        textstat_theme_comparison(counts, "doc-a", [])
    with pytest.raises(ValueError):
        textstat_theme_comparison(counts, "doc-a", ["doc-a", "doc-b"])
    with pytest.raises(ValueError):
        textstat_theme_comparison(counts, "doc-a", ["doc-q"])
    bad = counts.copy()
    bad.loc[bad.index[3], "tokens"] = 1999  # doc-b with two different token totals
    with pytest.raises(ValueError, match="doc-b"):
        textstat_theme_comparison(bad, "doc-a")
    with pytest.raises(ValueError, match="tokens"):
        textstat_theme_comparison(counts.drop(columns="tokens"), "doc-a")


# --------------------------------------------------------------------------- similarity


def test_similarity_hand():
    rates = pd.DataFrame(
        [
            ("doc-a", "x", 1.0),
            ("doc-a", "y", 1.0),
            ("doc-b", "x", 2.0),
            ("doc-b", "y", 2.0),
            ("doc-c", "x", 1.0),
            ("doc-d", "x", 0.0),
            ("doc-e", "y", 3.0),
            ("doc-f", "x", 1.0),
            ("doc-f", "z", 1.0),
        ],
        columns=["doc_id", "theme", "per_1000"],
    )
    s = textstat_similarity(rates, "doc-a")
    assert list(s.columns) == ["doc_id", "cosine", "rank"]
    # Hand, focus (x, y, z) = (1, 1, 0), |focus| = sqrt2:
    #   doc-b (2, 2, 0): 4 / (sqrt2 * sqrt8) = 4/4 = 1
    #   doc-c (1, 0, 0): 1 / sqrt2 = 0.7071068 ; doc-e (0, 3, 0): 3 / (3 sqrt2) = 0.7071068 (tie)
    #   doc-f (1, 0, 1): 1 / (sqrt2 * sqrt2) = 0.5 ; doc-d all zeros -> 0
    assert s["doc_id"].tolist() == ["doc-b", "doc-c", "doc-e", "doc-f", "doc-d"]
    np.testing.assert_allclose(s["cosine"], [1.0, 0.7071068, 0.7071068, 0.5, 0.0], atol=1e-7)
    assert s["rank"].tolist() == [1, 2, 2, 4, 5]
    with pytest.raises(ValueError):
        textstat_similarity(rates, "doc-z")
    with pytest.raises(ValueError):
        textstat_similarity(rates[rates["doc_id"] == "doc-a"], "doc-a")


def test_absent_item_is_never_over_represented():
    # hand computation: a = 0 -> 0.5 / 500 = 1.0e-3 per token, b = 1 / 40,000 = 2.5e-5:
    # the raw 0.5 rule would give log2(40) = +5.32; the stated cap gives 0
    assert log_ratio(0, 500, 1, 40_000) == 0.0
    low, high = log_ratio_ci(0, 500, 1, 40_000)
    assert low <= 0.0 < high
    assert lrc(0, 500, 1, 40_000) == 0.0
    # and symmetrically an item absent from the reference is never under-represented
    assert log_ratio(1, 40_000, 0, 500) == 0.0
    assert lrc(1, 40_000, 0, 500) == 0.0
    # an absent item that is common in the reference stays negative (not capped)
    assert log_ratio(0, 1000, 8, 1000) == -4.0
