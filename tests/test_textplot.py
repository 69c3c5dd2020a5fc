"""Tests of analysis.textplot and analysis.style (synthetic tables only)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text

from analysis import style
from analysis.textplot import (
    textplot_dispersion,
    textplot_heatmap,
    textplot_keyness,
    textplot_similarity,
    textplot_theme_profile,
    textplot_theme_timeline,
)

FOCUS = "doc-01"
THEMES = [
    "ukraine",
    "indo_pacific",
    "arctic",
    "nato",
    "defence_industry",
    "intl_law",
    "climate_security",
    "cyber",
]
LONG_LABELS = {
    "ukraine": "Soutien à l'Ukraine face à l'agression russe (aide militaire, sanctions)",
    "indo_pacific": "Indo-Pacifique, liberté de navigation et sécurité maritime régionale",
    "arctic": "Arctique et Grand Nord : souveraineté, surveillance et présence militaire",
    "nato": "OTAN, dissuasion et défense collective (article 5, flanc est)",
    "defence_industry": "Coopération industrielle de défense, achats conjoints et interopérabilité",
    "intl_law": "Droit international, souveraineté et multilatéralisme (ONU, Conseil de sécurité)",
    "climate_security": "Changement climatique et sécurité : catastrophes, ressources, migrations",
    "cyber": "Cybersécurité, menaces hybrides, désinformation et ingérences étrangères",
}
SHORT_LABELS = {"ukraine": "Ukraine", "arctic": "Arctique"}  # others fall back to ids


# --------------------------------------------------------------------------- synthetic data


def make_docs(n: int) -> pd.DataFrame:
    dates = pd.date_range("2015-01-15", "2024-09-26", periods=n).normalize()
    topics = ["l'Ukraine", "l'Arctique", "l'Indo-Pacifique", "l'industrie de défense"]
    titles = [
        f"Déclaration n° {i} des ministres de la Défense sur {topics[i % 4]} et l'OTAN"
        for i in range(1, n + 1)
    ]
    docs = pd.DataFrame(
        {
            "doc_id": [f"doc-{i:02d}" for i in range(1, n + 1)],
            "date": dates[::-1],  # the focus doc-01 is the latest statement
            "title": titles,
            "language": ["fr"] * n,
        }
    )
    return docs


def make_doc_rates(n: int, themes: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(42)
    docs = make_docs(n)
    rows = []
    for doc_id, date in zip(docs["doc_id"], docs["date"], strict=True):
        tokens = int(rng.integers(400, 3000))
        for k, theme in enumerate(themes):
            count = int(rng.poisson(2 + k))
            rows.append((doc_id, theme, count, tokens, count / tokens * 1000, date))
    return pd.DataFrame(rows, columns=["doc_id", "theme", "count", "tokens", "per_1000", "date"])


def make_comparison(doc_rates: pd.DataFrame) -> pd.DataFrame:
    ref = doc_rates[doc_rates["doc_id"] != FOCUS]
    foc = doc_rates[doc_rates["doc_id"] == FOCUS].set_index("theme")
    rows = []
    rng = np.random.default_rng(1)
    for theme, group in ref.groupby("theme", sort=False):
        lr = float(rng.normal(0, 1.5))
        half = float(rng.uniform(0.3, 1.2))
        testable = bool(foc.loc[theme, "count"] >= 3)
        rows.append(
            {
                "theme": theme,
                "focus_count": int(foc.loc[theme, "count"]),
                "focus_tokens": int(foc.loc[theme, "tokens"]),
                "focus_per_1000": float(foc.loc[theme, "per_1000"]),
                "reference_count": int(group["count"].sum()),
                "reference_tokens": int(group["tokens"].sum()),
                "reference_per_1000": float(group["count"].sum() / group["tokens"].sum() * 1000),
                "g2": abs(lr) * 5 if testable else np.nan,
                "p_value": 0.01 if testable else np.nan,
                "p_holm": (0.01 if abs(lr) > 1 else 0.4) if testable else np.nan,
                "log_ratio": lr,
                "log_ratio_ci_low": lr - half,
                "log_ratio_ci_high": lr + half,
                "lrc": 0.0 if abs(lr) < half else lr - np.sign(lr) * half,
                "testable": testable,
                "direction": "over" if lr > 0 else "under",
                "percentile": 50.0,
                "reference_median": float(group["per_1000"].median()),
                "reference_q1": float(group["per_1000"].quantile(0.25)),
                "reference_q3": float(group["per_1000"].quantile(0.75)),
                "n_reference_docs": int(group["doc_id"].nunique()),
            }
        )
    table = pd.DataFrame(rows)
    table.loc[0, "testable"] = False  # at least one untestable item
    table.loc[0, ["g2", "p_value", "p_holm"]] = np.nan
    return table


def make_word_keyness(n_terms: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    terms = [f"terme{i:03d}" for i in range(n_terms)]
    terms[0] = "interopérabilité-opérationnelle-transatlantique-renforcée"
    lr = rng.normal(0, 2, n_terms)
    half = rng.uniform(0.3, 1.5, n_terms)
    testable = rng.uniform(size=n_terms) > 0.3
    p_holm = np.where(testable, rng.uniform(0, 0.1, n_terms), np.nan)
    table = pd.DataFrame(
        {
            "term": terms,
            "focus_count": rng.integers(0, 20, n_terms),
            "log_ratio": lr,
            "log_ratio_ci_low": lr - half,
            "log_ratio_ci_high": lr + half,
            "lrc": np.where(np.abs(lr) < half, 0.0, lr - np.sign(lr) * half),
            "p_holm": p_holm,
            "testable": testable,
        }
    )
    table.loc[1, "log_ratio_ci_high"] = np.inf  # robustness: unbounded interval
    return table


def make_hits(doc_lengths: dict[str, int], themes: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for doc_id, length in doc_lengths.items():
        for k, theme in enumerate(themes):
            for pos in np.sort(rng.integers(0, length, size=int(rng.poisson(3 + k)))):
                rows.append((doc_id, theme, int(pos), int(pos) + 1))
    return pd.DataFrame(rows, columns=["doc_id", "theme", "start_pos", "end_pos"])


def make_similarity(docs: pd.DataFrame) -> pd.DataFrame:
    ref = docs[docs["doc_id"] != FOCUS]
    cosine = np.linspace(0.93, 0.21, len(ref))
    return pd.DataFrame(
        {"doc_id": ref["doc_id"].to_numpy(), "cosine": cosine, "rank": np.arange(1, len(ref) + 1)}
    )


# --------------------------------------------------------------------------- builders

SIZES = {"small": (4, THEMES[:3], SHORT_LABELS), "large": (40, THEMES, LONG_LABELS)}


def build(kind: str, size: str, lang: str = "fr", ax=None) -> Figure:
    n, themes, labels = SIZES[size]
    docs = make_docs(n)
    rates = make_doc_rates(n, themes)
    if kind == "profile":
        return textplot_theme_profile(make_comparison(rates), labels=labels, lang=lang, ax=ax)
    if kind == "profile_strip":
        return textplot_theme_profile(
            make_comparison(rates), labels=labels, lang=lang, doc_rates=rates, focus_id=FOCUS, ax=ax
        )
    if kind == "heatmap":
        return textplot_heatmap(rates, FOCUS, labels=labels, lang=lang, ax=ax, docs=docs)
    if kind == "heatmap_order":
        order = make_similarity(docs)["doc_id"].tolist()
        return textplot_heatmap(
            rates.drop(columns="date"), FOCUS, order=order, labels=labels, lang=lang, ax=ax
        )
    if kind == "keyness":
        return textplot_keyness(make_comparison(rates), labels=labels, lang=lang, ax=ax)
    if kind == "keyness_terms":
        n_terms = 12 if size == "small" else 300
        return textplot_keyness(make_word_keyness(n_terms), item="term", lang=lang, ax=ax)
    if kind == "dispersion":
        lengths = {d: 800 + 50 * i for i, d in enumerate(docs["doc_id"][: 1 if size == "small" else 4])}
        return textplot_dispersion(
            make_hits(lengths, themes),
            pd.Series(lengths),
            labels=labels,
            lang=lang,
            ax=ax,
            titles=dict(zip(docs["doc_id"], docs["title"], strict=True)),
        )
    if kind == "similarity":
        titles = dict(zip(docs["doc_id"], docs["title"], strict=True))
        return textplot_similarity(make_similarity(docs), titles=titles, lang=lang, ax=ax)
    if kind == "timeline":
        return textplot_theme_timeline(rates, docs, FOCUS, themes[:4], labels=labels, lang=lang, ax=ax)
    raise AssertionError(kind)


KINDS = [
    "profile",
    "profile_strip",
    "heatmap",
    "heatmap_order",
    "keyness",
    "keyness_terms",
    "dispersion",
    "similarity",
    "timeline",
]


def _outside(bbox, fig: Figure, tol: float = 1.0) -> bool:
    box = fig.bbox
    return (
        bbox.x0 < box.x0 - tol or bbox.y0 < box.y0 - tol or bbox.x1 > box.x1 + tol or bbox.y1 > box.y1 + tol
    )


def overflowing_texts(fig: Figure) -> list[str]:
    """Texts (drawn tick labels included) whose extent leaves the figure."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    bad: list[str] = []
    tick_labels: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            eps = 1e-9 * max(abs(high - low), 1.0)
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                labels = (tick.label1, tick.label2)
                tick_labels.update(id(t) for t in labels)
                if not low - eps <= tick.get_loc() <= high + eps:
                    continue  # not drawn
                for text in labels:
                    drawn = text.get_visible() and text.get_text()
                    if drawn and _outside(text.get_window_extent(renderer), fig):
                        bad.append(text.get_text())
    for text in fig.findobj(Text):
        if id(text) in tick_labels or not text.get_visible() or not text.get_text():
            continue
        if _outside(text.get_window_extent(renderer), fig):
            bad.append(text.get_text())
    return bad


def overlapping_tick_labels(fig: Figure) -> list[tuple[str, str]]:
    """Pairs of neighbouring drawn tick labels whose boxes intersect (0/90 degree labels)."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    pairs: list[tuple[str, str]] = []
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            drawn = [
                tick.label1
                for tick in axis.get_major_ticks()
                if low <= tick.get_loc() <= high
                and tick.label1.get_visible()
                and tick.label1.get_text()
                and tick.label1.get_rotation() % 90 == 0
            ]
            boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in drawn]
            for (name_a, box_a), (name_b, box_b) in zip(boxes, boxes[1:], strict=False):
                if box_a.shrunk(0.98, 0.98).overlaps(box_b.shrunk(0.98, 0.98)):
                    pairs.append((name_a, name_b))
    return pairs


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("size", ["small", "large"])
@pytest.mark.parametrize("kind", KINDS)
def test_figures_build_and_fit(kind: str, size: str) -> None:
    fig = build(kind, size)
    assert isinstance(fig, Figure)
    assert fig.get_figwidth() == pytest.approx(style.FIGURE_WIDTH_IN)
    assert overflowing_texts(fig) == []


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_tick_labels_do_not_overlap(kind: str, lang: str) -> None:
    assert overlapping_tick_labels(build(kind, "large", lang=lang)) == []


def test_keyness_direction_hints_do_not_collide() -> None:
    table = make_word_keyness(30)
    table["term"] = [f"{t}-désinformation-ingérences-étrangères-x" for t in table["term"]]
    for lang in ("fr", "en"):
        fig = textplot_keyness(table, item="term", lang=lang)
        fig.canvas.draw()
        under, over = (t.get_window_extent() for t in fig.axes[0].texts)
        assert not under.overlaps(over)
        assert overflowing_texts(fig) == []


@pytest.mark.parametrize("kind", KINDS)
def test_english_figures_fit(kind: str) -> None:
    assert overflowing_texts(build(kind, "large", lang="en")) == []


@pytest.mark.parametrize("kind", KINDS)
def test_ax_returns_its_figure(kind: str) -> None:
    fig = Figure(figsize=(8, 6), layout="constrained")
    ax = fig.add_subplot()
    out = build(kind, "small", ax=ax)
    assert out is ax.figure
    assert ax.has_data() or ax.images or ax.patches


def test_nothing_leaks_into_pyplot() -> None:
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    for kind in KINDS:
        build(kind, "small")
    assert plt.get_fignums() == before


@pytest.mark.parametrize("kind", ["profile", "heatmap", "keyness", "dispersion", "similarity", "timeline"])
def test_save_is_byte_identical(kind: str, tmp_path: Path) -> None:
    first = style.save_figure(build(kind, "large"), tmp_path / "a", kind)
    second = style.save_figure(build(kind, "large"), tmp_path / "b", kind)
    assert sorted(first) == ["pdf", "png", "svg"]
    for fmt, path in first.items():
        assert path == tmp_path / "a" / f"{kind}.{fmt}"
        assert path.stat().st_size > 0
        assert path.read_bytes() == second[fmt].read_bytes(), fmt
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == [
        f"{kind}.pdf",
        f"{kind}.png",
        f"{kind}.svg",
    ]  # no temporary file left behind


def test_save_content(tmp_path: Path) -> None:
    paths = style.save_figure(build("similarity", "small"), tmp_path, "sim")
    assert paths["png"].read_bytes().startswith(b"\x89PNG")
    assert paths["pdf"].read_bytes().startswith(b"%PDF")
    pdf = paths["pdf"].read_bytes()
    assert b"CreationDate" not in pdf and style.PDF_PRODUCER.encode() in pdf
    svg = paths["svg"].read_text(encoding="utf-8")
    assert "<svg" in svg and "<dc:date>" not in svg
    assert b"Software" not in paths["png"].read_bytes()
    again = style.save_figure(build("similarity", "small"), tmp_path, "sim", formats=("png",))
    assert again == {"png": tmp_path / "sim.png"}


def test_save_rejects_bad_name(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        style.save_figure(build("similarity", "small"), tmp_path, "a/b")


def test_french_and_english_strings() -> None:
    fr = build("profile", "small", lang="fr").axes[0].get_xlabel()
    en = build("profile", "small", lang="en").axes[0].get_xlabel()
    assert fr == "Taux pour 1\u202f000\u00a0mots"
    assert en == "Rate per 1,000 words"
    sim = build("similarity", "small", lang="fr").axes[0]
    values = [t.get_text() for t in sim.texts]
    assert values and all("," in v and "." not in v for v in values)
    with pytest.raises(ValueError, match="lang"):
        build("profile", "small", lang="de")


def test_labels_fall_back_to_ids() -> None:
    fig = build("profile", "small")
    names = {t.get_text() for t in fig.axes[0].get_yticklabels()}
    assert names == {"Ukraine", "Arctique", "indo_pacific"}


def test_profile_order_follows_gap() -> None:
    comp = pd.DataFrame(
        {
            "theme": ["a", "b", "c"],
            "focus_per_1000": [1.0, 9.0, 5.0],
            "reference_median": [2.0, 1.0, 5.0],
            "reference_q1": [1.0, 0.5, 4.0],
            "reference_q3": [3.0, 2.0, 6.0],
        }
    )
    ax = textplot_theme_profile(comp).axes[0]
    bottom_to_top = [t.get_text() for t in ax.get_yticklabels()]
    assert bottom_to_top == ["a", "c", "b"]  # largest focus - median on top


def test_heatmap_order_and_focus_highlight() -> None:
    rates = make_doc_rates(5, THEMES[:3]).drop(columns="date")
    fig = textplot_heatmap(rates, FOCUS, order=["doc-04", "doc-02"])
    ax = fig.axes[0]
    labels = ax.get_yticklabels()
    assert [t.get_text() for t in labels] == ["doc-01", "doc-04", "doc-02", "doc-03", "doc-05"]
    assert labels[0].get_fontweight() == "bold"
    assert any(p.get_edgecolor()[:3] != (0, 0, 0) for p in ax.patches)  # the focus frame
    assert fig.axes[1].get_ylabel() == "Taux pour 1\u202f000\u00a0mots"  # colour bar


def test_heatmap_date_order() -> None:
    docs = make_docs(6)
    rates = make_doc_rates(6, THEMES[:2])
    ax = textplot_heatmap(rates, FOCUS, docs=docs).axes[0]
    first = ax.get_yticklabels()[0].get_text()
    assert first.startswith("Déclaration n° 6") and first.endswith("(2015-01-15)")


def test_keyness_untestable_block() -> None:
    table = make_word_keyness(60)
    ax = textplot_keyness(table, item="term", lang="fr", top=10, max_untestable=5).axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    n_rare = int((~table["testable"]).sum())
    assert len(names) == 10 + 1 + 5
    assert names[10] == f"trop rare pour tester (+{n_rare - 5} autres, tables/words.csv)"
    assert ax.get_yticklabels()[10].get_fontstyle() == "italic"
    en = textplot_keyness(table, item="term", lang="en", top=10).axes[0]
    assert "too rare to test" in [t.get_text().split(" (")[0] for t in en.get_yticklabels()]


def test_keyness_markers_filled_when_significant() -> None:
    table = pd.DataFrame(
        {
            "theme": ["a", "b"],
            "log_ratio": [1.0, -1.0],
            "log_ratio_ci_low": [0.5, -1.5],
            "log_ratio_ci_high": [1.5, -0.5],
            "p_holm": [0.01, 0.2],
            "testable": [True, True],
        }
    )
    ax = textplot_keyness(table).axes[0]
    faces = [line.get_markerfacecolor() for line in ax.lines if line.get_marker() == "o"]
    assert "white" in faces and len(set(faces)) == 2


def test_dispersion_positions() -> None:
    hits = pd.DataFrame(
        {
            "doc_id": ["d1", "d1", "d2"],
            "theme": ["x", "x", "y"],
            "start_pos": [0, 50, 25],
            "end_pos": [1, 51, 26],
        }
    )
    fig = textplot_dispersion(hits, pd.DataFrame({"doc_id": ["d1", "d2"], "n_positions": [100, 50]}))
    ax = fig.axes[0]
    xs = sorted(
        float(x)
        for coll in ax.collections
        for seg in coll.get_segments()
        for x in {seg[0][0]}
        if seg[0][0] == seg[1][0]
    )
    assert xs == [0.0, 0.5, 0.5]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["d1", "x (2)", "y (0)", "d2", "x (0)", "y (1)"]


def test_similarity_truncates_and_ranks() -> None:
    sim = pd.DataFrame({"doc_id": ["b", "a", "c"], "cosine": [0.5, 0.9, 0.1], "rank": [2, 1, 3]})
    long = " ".join(["Joint Statement on the", *(f"w{i:02d}" for i in range(40))])
    ax = textplot_similarity(sim, titles={"a": long}, top=2).axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert names[1] == "b"
    # three lines of at most 44 characters (label_chars), the last ended by an ellipsis
    lines = names[0].split("\n")
    assert len(lines) == 3 and all(len(x) <= 44 for x in lines)
    assert lines[0].startswith("Joint Statement on the w00") and lines[-1].endswith("…")


def test_timeline_panels_and_overlay() -> None:
    docs = make_docs(10)
    rates = make_doc_rates(10, THEMES[:3])
    fig = textplot_theme_timeline(rates, docs, FOCUS, THEMES[:3], lang="en")
    assert len(fig.axes) == 3
    ticks = [t.get_text() for t in fig.axes[-1].get_xticklabels()]
    assert any(t.isdigit() for t in ticks)  # years across 2015-2024
    overlay = Figure()
    ax = overlay.add_subplot()
    assert textplot_theme_timeline(rates, docs, FOCUS, THEMES[:3], ax=ax) is overlay
    assert len(ax.get_legend().get_texts()) == 4  # three themes + focus


def test_empty_tables_give_a_figure() -> None:
    empty = pd.DataFrame(columns=["doc_id", "cosine", "rank"])
    fig = textplot_similarity(empty)
    assert any("Aucune donnée" in t.get_text() for t in fig.axes[0].texts)


def test_missing_columns_raise() -> None:
    with pytest.raises(ValueError, match="per_1000"):
        textplot_heatmap(pd.DataFrame({"doc_id": ["a"], "theme": ["x"]}), "a")


# --------------------------------------------------------------------------- style


def test_style_constants_and_rc() -> None:
    rc = style.rc_params()
    assert rc["font.family"] == ["DejaVu Sans"]
    assert min(rc["xtick.labelsize"], rc["ytick.labelsize"], rc["legend.fontsize"]) >= 8
    assert 6.0 <= style.FIGURE_WIDTH_IN <= 6.5
    assert set(style.OKABE_ITO.values()) >= {style.FOCUS_COLOUR, style.REFERENCE_COLOUR}
    import matplotlib as mpl

    salt = mpl.rcParams["svg.hashsalt"]
    with style.figure_style():
        assert mpl.rcParams["svg.hashsalt"] == style.SVG_HASHSALT
    assert mpl.rcParams["svg.hashsalt"] == salt


@pytest.mark.parametrize(
    ("text", "width", "max_lines", "expected"),
    [
        ("court", 30, None, "court"),
        ("un deux trois quatre", 9, None, "un deux\ntrois\nquatre"),
        ("un deux trois quatre", 9, 2, "un deux\ntrois…"),
        ("anticonstitutionnellement", 5, None, "anticonstitutionnellement"),
        ("  espaces   multiples ", 30, None, "espaces multiples"),
    ],
)
def test_wrap_label(text: str, width: int, max_lines: int | None, expected: str) -> None:
    assert style.wrap_label(text, width, max_lines=max_lines) == expected


def test_truncate_label() -> None:
    assert style.truncate_label("court") == "court"
    long = "Déclaration conjointe " * 5
    out = style.truncate_label(long, 45)
    assert len(out) <= 45 and out.endswith("…")


# --------------------------------------------------------------------------- viewing aid


def render_previews(folder: Path) -> None:
    """Write preview PNGs of every figure (not a test; used for visual checks)."""
    for kind in KINDS:
        for size in SIZES:
            style.save_figure(build(kind, size), folder, f"{kind}_{size}", formats=("png",), dpi=110)
