"""Tests of analysis.explore_stats and analysis.textplot_explore (synthetic data, and the seed).

Expected values come from computations written differently here:

* Lafon specificities: the hypergeometric tails summed by hand with ``math.comb`` on exact
  integers (not scipy);
* correspondence analysis: numpy SVD of the standardized residual matrix, and the total
  inertia as chi2 / n from ``scipy.stats.chi2_contingency``, against prince's output (up to
  the sign of each axis);
* clustering: scipy's ``linkage`` on a distance matrix built by hand with ``math.dist``, and the
  cophenetic correlation from cophenetic distances read off the tree by hand.
"""

from __future__ import annotations

import argparse
import io
import logging
import math
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis import explore_stats
from analysis.explore_cli import add_explore_stats_parsers
from analysis.explore_stats import (
    lookup_specificity_counts,
    textstat_ca,
    textstat_clusters,
    textstat_specificities,
    tokens_specificity_counts,
)
from analysis.style import FOCUS_COLOUR
from analysis.textplot_explore import textplot_ca, textplot_dendrogram

COUNTRIES = ["Alphaland", "Syldavie", "Bordurie", "Zembla", "Vulgarie"]


# --------------------------------------------------------------------------- helpers


def hand_log10_tail(f: int, F: int, t: int, T: int, upper: bool) -> float:
    """log10 P(X >= f) (upper) or P(X <= f), X hypergeometric, by summing C(F,k) C(T-F,t-k) exactly."""
    low, high = max(0, t - (T - F)), min(F, t)
    ks = range(f, high + 1) if upper else range(low, f + 1)
    num = sum(math.comb(F, k) * math.comb(T - F, t - k) for k in ks)
    return math.log10(num) - math.log10(math.comb(T, t))


def hand_specificity(f: int, F: int, t: int, T: int) -> float:
    expected = F * t / T
    if f > expected:
        return -hand_log10_tail(f, F, t, T, upper=True)
    if f < expected:
        return hand_log10_tail(f, F, t, T, upper=False)
    return 0.0


def long_counts(wide: dict[str, dict[str, int]]) -> pd.DataFrame:
    rows = [(p, k, c) for p, feats in wide.items() for k, c in feats.items()]
    return pd.DataFrame(rows, columns=["doc_id", "key", "count"])


def _theme(fr_label: str, en_label: str, fr: list[str], en: list[str]) -> dict:
    return {"label": {"fr": fr_label, "en": en_label}, "description": f"{en_label}.", "fr": fr, "en": en}


SYNTHETIC_DICTIONARY = {
    "name": "synthetic",
    "version": "1",
    "description": "Synthetic themes of the Alphaland tests.",
    "themes": {"sea": _theme("Mer", "Sea", ["mer", "port*"], ["sea"]),
               "peace": _theme("Paix", "Peace", ["paix"], ["peace"])},
}  # fmt: skip

TABLE = {
    "Alphaland": {"paix": 60, "mer": 5, "frontiere": 10, "traite": 25},
    "Syldavie": {"paix": 2, "mer": 40, "frontiere": 12, "traite": 30},
    "Bordurie": {"paix": 8, "mer": 8, "frontiere": 70, "traite": 14},
}


# --------------------------------------------------------------------------- specificities


def test_specificities_match_hand_hypergeometric_table_margins() -> None:
    out = textstat_specificities(long_counts(TABLE))
    assert list(out.columns) == list(explore_stats.SPECIFICITY_COLUMNS)
    T = sum(sum(v.values()) for v in TABLE.values())
    assert len(out) == 12 and (out["T"] == T).all()
    for row in out.itertuples():
        t = sum(TABLE[row.part].values())
        F = sum(TABLE[p][row.feature] for p in TABLE)
        assert (row.f, row.F, row.t) == (TABLE[row.part][row.feature], F, t)
        assert row.expected == pytest.approx(F * t / T)
        assert row.specificity == pytest.approx(hand_specificity(row.f, F, t, T), rel=1e-9, abs=1e-12)
        assert row.significant == (abs(row.specificity) >= 2)
    paix = out[(out["part"] == "Alphaland") & (out["feature"] == "paix")].iloc[0]
    assert paix["specificity"] > 10  # a tiny p (about 1e-20): scored from logsf, not from sf
    assert out[(out["part"] == "Syldavie") & (out["feature"] == "paix")]["specificity"].item() < -5


def test_specificities_below_float_range_use_log_tails() -> None:
    # P(X >= 1000) is about 1e-300 here: sf underflows, the score comes from logsf / logcdf
    out = textstat_specificities(long_counts({"Alphaland": {"paix": 1000, "mer": 1000},
                                              "Syldavie": {"paix": 0, "mer": 2000}}))  # fmt: skip
    for row in out.itertuples():
        assert row.specificity == pytest.approx(hand_specificity(row.f, row.F, row.t, row.T), rel=1e-9)
    top = out.set_index(["part", "feature"])["specificity"]
    assert top[("Alphaland", "paix")] > 250 and top[("Syldavie", "paix")] < -250


def test_specificities_with_document_sizes_and_partition() -> None:
    # parts group documents by genre; t is the sum of the documents' token sizes
    counts = pd.DataFrame(
        {
            "doc_id": ["d1", "d1", "d2", "d2", "d3", "d3"],
            "genre": ["speech", "speech", "speech", "speech", "communique", "communique"],
            "theme": ["mer", "air"] * 3,
            "count": [12, 1, 9, 0, 1, 7],
            "tokens": [400, 400, 350, 350, 500, 500],
        }
    )
    out = textstat_specificities(counts, by="genre")
    assert out.attrs["method"]["size"] == "tokens"
    speech = out[out["part"] == "speech"].set_index("feature")
    assert speech.loc["mer", "t"] == 750 and speech.loc["mer", "T"] == 1250
    assert speech.loc["mer", "f"] == 21 and speech.loc["mer", "F"] == 22
    for feat in ("mer", "air"):
        r = speech.loc[feat]
        assert r["specificity"] == pytest.approx(hand_specificity(r["f"], r["F"], 750, 1250), rel=1e-9)
    # the lexical table's margins instead of the token sizes: other t and T
    table = textstat_specificities(counts, by="genre", size="table")
    assert table.loc[table["part"] == "speech", "t"].iloc[0] == 22


def test_specificity_sign_follows_expected_value_and_threshold() -> None:
    counts = long_counts({"Alphaland": {"a": 5, "b": 5}, "Syldavie": {"a": 5, "b": 5}})
    out = textstat_specificities(counts)
    assert (out["specificity"] == 0).all() and (out["p_value"] == 1).all()  # f == expected: 0
    out = textstat_specificities(long_counts(TABLE), threshold=50)
    assert out["significant"].sum() == (out["specificity"].abs() >= 50).sum()
    assert out["significant"].sum() < textstat_specificities(long_counts(TABLE))["significant"].sum()


def test_specificities_refuse_bad_input() -> None:
    with pytest.raises(ValueError, match="at least 2 parts"):
        textstat_specificities(long_counts({"Alphaland": {"a": 3, "b": 1}}))
    with pytest.raises(ValueError, match="non-negative integers"):
        textstat_specificities(long_counts({"Alphaland": {"a": -1}, "Syldavie": {"a": 2}}))
    bad = long_counts(TABLE).assign(tokens=10)
    with pytest.raises(ValueError, match="exceeds"):
        textstat_specificities(bad)
    with pytest.raises(ValueError, match="lacks columns"):
        textstat_specificities(long_counts(TABLE), by="genre")


def test_count_helpers_from_tokens_and_lookup() -> None:
    from analysis.dictionary import dictionary
    from analysis.lookup import tokens_lookup
    from analysis.tokens import tokens

    docs = pd.DataFrame(
        {
            "doc_id": ["alpha", "syld"],
            "text": ["La paix de l'Alphaland et la paix.", "La mer de Syldavie, la mer et la paix."],
            "language": ["fr", "fr"],
            "genre": ["speech", "communique"],
        }
    )
    toks = tokens(docs)
    every = tokens_specificity_counts(toks)
    content = tokens_specificity_counts(toks, remove_stopwords=True)
    assert set(content["key"]) == {"paix", "alphaland", "mer", "syldavie"}
    sizes = dict(zip(every["doc_id"], every["tokens"], strict=False))
    assert sizes == {"alpha": 8, "syld": 9}  # l' is a token
    assert (content.groupby("doc_id")["tokens"].first() == every.groupby("doc_id")["tokens"].first()).all()
    assert "genre" in content.columns and "text" not in content.columns
    d = dictionary(SYNTHETIC_DICTIONARY)
    themes = lookup_specificity_counts(tokens_lookup(toks, d), docs=toks.docs)
    got = themes.set_index(["doc_id", "theme"])["count"].to_dict()
    assert got == {("alpha", "sea"): 0, ("alpha", "peace"): 2, ("syld", "sea"): 2, ("syld", "peace"): 1}
    assert set(themes["genre"]) == {"speech", "communique"}


# --------------------------------------------------------------------------- correspondence analysis

CA_TABLE = pd.DataFrame(
    [[30, 5, 2, 8], [4, 25, 6, 3], [3, 6, 28, 9], [10, 9, 8, 12], [15, 2, 12, 1]],
    index=COUNTRIES,
    columns=["paix", "mer", "frontiere", "traite"],
)


def numpy_ca(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Row and column principal coordinates, eigenvalues, total inertia, by numpy SVD."""
    n = table.to_numpy(float)
    p = n / n.sum()
    r, c = p.sum(axis=1), p.sum(axis=0)
    s = (p - np.outer(r, c)) / np.sqrt(np.outer(r, c))
    u, sigma, vt = np.linalg.svd(s, full_matrices=False)
    rows = (u * sigma) / np.sqrt(r)[:, None]
    cols = (vt.T * sigma) / np.sqrt(c)[:, None]
    return rows, cols, sigma**2, float((s**2).sum())


def test_ca_matches_numpy_svd_up_to_sign() -> None:
    from scipy.stats import chi2_contingency

    ca = textstat_ca(CA_TABLE, n_components=2)
    rows, cols, eig, inertia = numpy_ca(CA_TABLE)
    chi2 = chi2_contingency(CA_TABLE.to_numpy(), correction=False)[0]
    assert ca.total_inertia == pytest.approx(inertia) == pytest.approx(chi2 / CA_TABLE.to_numpy().sum())
    assert ca.eigenvalues["eigenvalue"].to_numpy() == pytest.approx(eig[:3])  # min(5, 4) - 1 axes
    assert ca.eigenvalues["share"].sum() == pytest.approx(1.0)
    assert list(ca.explained) == pytest.approx(list(eig[:2] / inertia))
    for k in (0, 1):
        sign = np.sign(rows[0, k] * ca.row_coordinates[k + 1].iloc[0])
        assert ca.row_coordinates[k + 1].to_numpy() == pytest.approx(sign * rows[:, k], abs=1e-10)
        assert ca.column_coordinates[k + 1].to_numpy() == pytest.approx(sign * cols[:, k], abs=1e-10)
    r = CA_TABLE.sum(axis=1).to_numpy() / CA_TABLE.to_numpy().sum()
    ctr = r[:, None] * rows[:, :2] ** 2 / eig[:2]
    assert ca.row_contributions.to_numpy() == pytest.approx(ctr)
    assert list(ca.row_coordinates.index) == COUNTRIES


def test_ca_signs_are_fixed_and_long_tables_pivot() -> None:
    ca = textstat_ca(CA_TABLE)
    for axis in ca.row_coordinates.columns:
        col = ca.row_coordinates[axis]
        assert col.iloc[int(np.argmax(col.abs().to_numpy()))] > 0
    long = CA_TABLE.rename_axis(index="doc_id", columns="theme").stack().rename("count").reset_index()
    again = textstat_ca(long)
    assert again.row_coordinates.loc[COUNTRIES].to_numpy() == pytest.approx(ca.row_coordinates.to_numpy())


def test_ca_drops_empty_rows_and_columns(caplog: pytest.LogCaptureFixture) -> None:
    table = CA_TABLE.copy()
    table["vide"] = 0
    table.loc["Syldavie-Nord"] = 0
    with caplog.at_level(logging.INFO, logger="analysis.explore_stats"):
        ca = textstat_ca(table, n_components=9)
    assert ca.dropped_rows == ["Syldavie-Nord"] and ca.dropped_columns == ["vide"]
    assert "empty rows" in caplog.text
    assert list(ca.row_coordinates.columns) == [1, 2, 3]  # capped at min(5, 4) - 1
    assert ca.table.shape == (5, 4)


@pytest.mark.parametrize(
    "table",
    [
        pd.DataFrame({"a": [3, 0], "b": [4, 0]}, index=["Alphaland", "Syldavie"]),  # one non-empty row
        pd.DataFrame({"a": [3, 2], "b": [0, 0]}, index=["Alphaland", "Syldavie"]),  # one non-empty column
    ],
)
def test_ca_refuses_degenerate_tables(table: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="at least 2 non-empty rows and 2 non-empty columns"):
        textstat_ca(table)


def test_ca_refuses_negative_counts() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        textstat_ca(CA_TABLE - 10)


# --------------------------------------------------------------------------- clustering

PROFILES = pd.DataFrame(
    [[9.0, 1.0, 0.5], [8.5, 1.5, 0.0], [1.0, 7.0, 2.0], [0.5, 8.0, 2.5], [4.0, 4.0, 9.0], [3.5, 4.5, 8.0]],
    index=["Alphaland", "Alphaland-Est", "Syldavie", "Syldavie-Sud", "Bordurie", "Bordurie-Ouest"],
    columns=["paix", "mer", "frontiere"],
)


def hand_cophenetic(z: np.ndarray, n: int) -> np.ndarray:
    """Cophenetic distances: the height at which each pair first shares a cluster."""
    members = {i: {i} for i in range(n)}
    coph = np.zeros((n, n))
    for k, (a, b, height, _) in enumerate(z):
        left, right = members.pop(int(a)), members.pop(int(b))
        for i in left:
            for j in right:
                coph[i, j] = coph[j, i] = height
        members[n + k] = left | right
    return coph


def test_clusters_match_scipy_on_hand_built_distances() -> None:
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import squareform

    res = textstat_clusters(PROFILES)
    x = PROFILES.to_numpy()
    n = len(x)
    dist = np.array([[math.dist(x[i], x[j]) for j in range(n)] for i in range(n)])
    expected = linkage(squareform(dist, checks=False), method="ward")
    assert res.linkage == pytest.approx(expected)
    assert res.labels == list(PROFILES.index)
    coph = hand_cophenetic(res.linkage, n)
    iu = np.triu_indices(n, 1)
    assert res.cophenetic == pytest.approx(np.corrcoef(coph[iu], dist[iu])[0, 1])
    groups = res.cut(3)
    assert groups["Alphaland"] == groups["Alphaland-Est"] != groups["Syldavie"] == groups["Syldavie-Sud"]
    assert groups.nunique() == 3
    heights = np.sort(res.linkage[:, 2])
    assert heights[-3] < res.cut_height(3) < heights[-2]


def test_clusters_other_methods_long_input_and_errors() -> None:
    long = PROFILES.rename_axis(index="doc_id", columns="theme").stack().rename("per_1000").reset_index()
    res = textstat_clusters(long, method="average", metric="cosine")
    assert res.method == "average" and sorted(res.labels) == sorted(PROFILES.index)
    with pytest.raises(ValueError, match="needs metric='euclidean'"):
        textstat_clusters(PROFILES, metric="cosine")
    with pytest.raises(ValueError, match="at least 2 documents"):
        textstat_clusters(PROFILES.iloc[:1])
    zero = PROFILES.copy()
    zero.loc["Zembla"] = 0.0
    with pytest.raises(ValueError, match="cannot be computed"):
        textstat_clusters(zero, method="average", metric="cosine")


# --------------------------------------------------------------------------- figures


def crowded_ca(n: int = 40) -> tuple[explore_stats.CAResult, dict[str, str]]:
    rng = np.random.default_rng(7)
    counts = rng.poisson(rng.dirichlet(np.ones(8) * 0.8, size=n) * 300)
    ids = [f"doc-{i:02d}" for i in range(n)]
    table = pd.DataFrame(counts, index=ids, columns=[f"theme_{j}" for j in range(8)])
    titles = {d: f"Déclaration synthétique sur la coopération entre l'Alphaland et la Syldavie, n° {i}"
              for i, d in enumerate(ids)}  # fmt: skip
    return textstat_ca(table), titles


def text_boxes(fig: Figure) -> list:
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    # the text's own box (an Annotation's extent would include its leader line)
    return [Text.get_window_extent(t, renderer) for t in fig.axes[0].texts if t.get_text()]


def test_ca_map_labels_readable_and_apart() -> None:
    ca, titles = crowded_ca()
    fig = textplot_ca(ca, labels=titles, highlight="doc-03", lang="fr")
    ax = fig.axes[0]
    texts = [t for t in ax.texts if t.get_text()]
    assert all(t.get_fontsize() >= 8 for t in texts)
    assert all(t.get_fontsize() >= 8 for t in [ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels()])
    boxes = text_boxes(fig)
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.shrunk(0.97, 0.97).overlaps(b.shrunk(0.97, 0.97))
    focus = [t for t in texts if t.get_color() == FOCUS_COLOUR]
    assert len(focus) == 1 and focus[0].get_text().endswith("n° 3")
    assert 1 + 8 <= len(texts) <= 1 + 8 + 10  # the focus, the themes when room, at most 10 others
    share = ca.eigenvalues["share"].iloc[0] * 100
    assert ax.get_xlabel() == f"Axe 1 ({share:.1f}\u202f% de l'inertie)".replace(".", ",")


def test_ca_map_draws_the_result_it_is_given() -> None:
    ca = textstat_ca(CA_TABLE)
    ca.row_coordinates = ca.row_coordinates * 0 + np.arange(len(COUNTRIES))[:, None]  # no statistic
    ca.column_coordinates = ca.column_coordinates * 0 - 1.0
    fig = textplot_ca(ca, lang="en")
    offsets = np.vstack([c.get_offsets() for c in fig.axes[0].collections])
    rows = {tuple(p) for p in offsets}
    assert {(float(i), float(i)) for i in range(len(COUNTRIES))} <= rows and (-1.0, -1.0) in rows
    assert fig.axes[0].get_ylabel().startswith("Axis 2 (")


def test_figures_draw_into_a_given_ax_and_check_lang() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    assert textplot_ca(textstat_ca(CA_TABLE), ax=ax) is fig
    fig2 = Figure()
    ax2 = fig2.add_subplot()
    assert textplot_dendrogram(textstat_clusters(PROFILES), ax=ax2) is fig2
    with pytest.raises(ValueError, match="lang"):
        textplot_ca(textstat_ca(CA_TABLE), lang="de")
    with pytest.raises(ValueError, match="axes"):
        textplot_ca(textstat_ca(CA_TABLE), axes=(1, 3))


def test_dendrogram_leaves_labels_and_highlight() -> None:
    from scipy.cluster.hierarchy import dendrogram

    res = textstat_clusters(PROFILES)
    order = dendrogram(res.linkage, no_plot=True, labels=res.labels)["ivl"]
    titles = {"Syldavie": "Déclaration conjointe de la Syldavie"}
    fig = textplot_dendrogram(res, labels=titles, highlight="Bordurie", lang="en", n_clusters=3)
    ax = fig.axes[0]
    ticks = ax.get_yticklabels()
    assert [t.get_text() for t in ticks] == [titles.get(d, d) for d in order]
    bold = [t.get_text() for t in ticks if t.get_color() == FOCUS_COLOUR]
    assert bold == ["Bordurie"]
    assert all(t.get_fontsize() >= 8 for t in ticks)
    colours = {line.get_color() for line in ax.get_lines()}
    assert len(colours) == 4  # three groups below the cut, grey above it
    assert "Ward" in ax.get_xlabel() and "cophenetic correlation: " in ax.get_xlabel()


def test_dendrogram_draws_the_linkage_it_is_given() -> None:
    res = textstat_clusters(PROFILES)
    res.linkage = res.linkage.copy()
    res.linkage[:, 2] = np.arange(1, len(res.linkage) + 1) * 10.0  # heights 10..50, not recomputed
    fig = textplot_dendrogram(res)
    heights = {x for line in fig.axes[0].get_lines() for x in line.get_xdata()}
    assert max(heights) == pytest.approx(50.0)
    xlabel = " ".join(fig.axes[0].get_xlabel().split("\n"))  # wrapped on narrow axes
    assert xlabel.startswith("Hauteur de fusion (Ward, distance euclidienne)")


# --------------------------------------------------------------------------- command line


@pytest.fixture()
def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    add_explore_stats_parsers(p.add_subparsers(dest="command"))
    return p


def write_texts(folder: Path) -> list[str]:
    texts = {
        "alphaland.txt": "La paix est notre but commun. La paix et la paix encore, dit l'Alphaland. "
        "Nous voulons la paix, la paix durable et la paix juste pour tous les peuples de la région. "
        "La paix, toujours la paix.\n",
        "syldavie.txt": "La mer est notre frontière naturelle. La mer, la mer et les ports de la Syldavie "
        "attendent les navires. Le commerce passe par la mer et par les ports de la mer du Nord. "
        "La mer, toujours la mer.\n",
    }
    paths = []
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
        paths.append(str(folder / name))
    return paths


def test_cli_words_by_document(parser: argparse.ArgumentParser, tmp_path: Path) -> None:
    files = write_texts(tmp_path)
    out = tmp_path / "spec.csv"
    args = parser.parse_args(["specificities", *files, "--language", "fr", "--output", str(out)])
    assert args.func(args) == 0
    table = pd.read_csv(out)
    expected = list(explore_stats.SPECIFICITY_COLUMNS)
    assert list(table.columns) == [*expected[:2], "form", *expected[2:]]  # the written form beside the key
    assert (table["specificity"].abs() >= 2).all() and not table.empty
    assert "la" not in set(table["feature"])  # stopwords left out by default
    row = table[table["feature"] == "paix"].sort_values("specificity").iloc[-1]
    assert row["specificity"] == pytest.approx(hand_specificity(row["f"], row["F"], row["t"], row["T"]))
    args = parser.parse_args(["specificities", *files, "--language", "fr", "--min-score", "0", "--part",
                              "alphaland"])  # fmt: skip
    buffer = io.StringIO()
    with redirect_stdout(buffer):
        args.func(args)
    every = pd.read_csv(io.StringIO(buffer.getvalue()))
    assert set(every["part"]) == {"alphaland"} and len(every) > len(table[table["part"] == "alphaland"])


def test_cli_themes_and_usage_errors(parser: argparse.ArgumentParser, tmp_path: Path) -> None:
    from analysis.cli_text import UsageError

    files = write_texts(tmp_path)
    dic = tmp_path / "themes.yaml"
    dic.write_text(yaml.safe_dump(SYNTHETIC_DICTIONARY), encoding="utf-8")
    out = tmp_path / "themes.csv"
    args = parser.parse_args(["specificities", *files, "--language", "fr", "--level", "theme", "--dictionary",
                              str(dic), "--output", str(out)])  # fmt: skip
    args.func(args)
    table = pd.read_csv(out).set_index(["part", "feature"])
    assert table.loc[("syldavie", "sea"), "specificity"] > 2
    assert table.loc[("syldavie", "sea"), "f"] == 9  # mer x7, ports x2
    bad = parser.parse_args(["specificities", files[0], "--language", "fr"])
    with pytest.raises(UsageError, match="at least 2 parts"):
        bad.func(bad)
    bad = parser.parse_args(["specificities", *files, "--language", "fr", "--by", "colour"])
    with pytest.raises(UsageError, match="--by colour"):
        bad.func(bad)


def test_cli_seed_against_shipped_references(parser: argparse.ArgumentParser, tmp_path: Path) -> None:
    from analysis import config
    from analysis.reference import reference_set

    out = tmp_path / "seed.csv"
    args = parser.parse_args(["specificities", config.DEFAULT_FOCUS_ID, "--level", "theme", "--reference",
                              "--part", config.DEFAULT_FOCUS_ID, "--output", str(out)])  # fmt: skip
    args.func(args)
    table = pd.read_csv(out)
    assert set(table["part"]) == {config.DEFAULT_FOCUS_ID} and not table.empty
    ref = reference_set()
    french = int(ref.docs.loc[ref.docs["language"] == "fr", "n_tokens"].sum())
    assert (table["T"] == french + table["t"]).all()  # the focus plus the French references
