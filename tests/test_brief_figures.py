"""Issue 16 (items 3 and 5): the brief's figures and excerpts agree with the tables.

- dispersion: each root theme's ticks and the "(n)" of its label equal ``focus_count`` of the
  theme table (the subtheme hits are not counted twice);
- excerpts: a ``theme`` column (id and label) headed Thème/Theme, ``doc_id`` the real document id;
- timeline: one point per statement, no line joining two statements;
- word keyness: a ``form`` column (the word as the text writes it) names the words of the figure.

Synthetic setup: a French focus text and one French full-text reference, counted with a small
dictionary whose root theme ``sea`` has a subtheme ``china_sea`` overlapping it; hand counts
are written beside the texts.
"""

from __future__ import annotations

import csv
import re
from collections import Counter

import numpy as np
import pandas as pd
import pytest

from analysis import config
from analysis.compare import compare
from analysis.kwic import key_forms
from analysis.report.brief import Brief, comparison_from_parameters
from analysis.textplot import textplot_theme_timeline
from analysis.tokens import match_key, tokens

DICT = """\
name: synthetic_figures
version: "0.1"
description: Synthetic instrument with a root theme and an overlapping subtheme.
themes:
  sea:
    label: {fr: Mer, en: Sea}
    description: Synthetic sea vocabulary.
    fr: [mer, océan*]
    en: [sea, ocean*]
    subthemes:
      china_sea:
        label: {fr: Mer de Chine, en: China Sea}
        description: Synthetic China Sea vocabulary.
        fr: [mer de Chine]
        en: [China Sea]
"""
FOCUS = "synth-sea-fr"
# sea (root): "mer de Chine", "mer" (Rouge), "océan", "mer de Chine" = 4 by hand (within the
# family the longest match wins: "mer de Chine" is one hit of the root, not "mer" + "mer de Chine");
# china_sea: "mer de Chine" x 2. The hits list the two China Sea matches under both themes.
# "sécurité" x 2 and "Sécurité" x 1.
FOCUS_TEXT = (
    "La mer de Chine est calme. La mer Rouge aussi. L'océan Indien est vaste. "
    "Sécurité en mer de Chine : la sécurité d'abord, la sécurité toujours."
)
HAND_SEA, HAND_CHINA = 4, 2
REFERENCE = ("synth-ref-fr", "La sécurité du commerce reste une priorité. Le port est ouvert.")


def _manifest(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "date", "parties", "language", "genre", "path"])
        for doc_id, date, text in rows:
            (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
            w.writerow([doc_id, f"Synthetic {doc_id}", date, "Alphaland; Betaland", "fr", "joint_statement",
                        f"{doc_id}.txt"])  # fmt: skip
    return folder / "manifest.csv"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    root = tmp_path_factory.mktemp("figures")
    (root / "synthetic.yaml").write_text(DICT, encoding="utf-8")
    focus = _manifest(root / "focus", [(FOCUS, "2024-01-15", FOCUS_TEXT)])
    refs = _manifest(root / "refs", [(REFERENCE[0], "2023-01-01", REFERENCE[1])])
    return compare(FOCUS, corpus_manifest=focus, dictionary_path=root / "synthetic.yaml", reference=None,
                   reference_manifest=refs, sensitivity=False)  # fmt: skip


@pytest.fixture(scope="module")
def seed():
    return comparison_from_parameters(focus_id=config.DEFAULT_FOCUS_ID)


def _brief(comp, folder, lang="fr"):
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    (folder / "tables").mkdir(exist_ok=True)
    return Brief(comp=comp, lang=lang, folder=folder, run_id="test")


def _spy(monkeypatch, name):
    """Keep the figures the brief draws with ``analysis.textplot.<name>``."""
    import analysis.textplot as textplot

    figures = []
    real = getattr(textplot, name)

    def spy(*args, **kwargs):
        figures.append(real(*args, **kwargs))
        return figures[-1]

    monkeypatch.setattr(textplot, name, spy)
    return figures


def _dispersion_rows(fig):
    """(label text, number in its "(n)", vertical ticks drawn in the row), read off the artists."""
    ax = fig.axes[0]
    ticks = Counter()
    for coll in ax.collections:
        for seg in coll.get_segments():
            if len(seg) == 2 and seg[0][0] == seg[1][0]:  # a vertical tick (the row lines are horizontal)
                ticks[round(float(np.mean(seg[:, 1])))] += 1
    rows = []
    for i, text in enumerate(ax.get_yticklabels()):
        m = re.search(r"\((\d+)\)$", text.get_text())
        rows.append((text.get_text(), int(m.group(1)) if m else None, ticks[i]))
    return rows


# ------------------------------------------------------------------------------- dispersion
def test_synthetic_dispersion_counts_a_subtheme_hit_once(synthetic, tmp_path, monkeypatch):
    """Root and subtheme overlap: the root's ticks and label are its count (4 by hand), not its
    hits plus the subtheme's (6), and only the focus's rows are drawn."""
    look = synthetic.lookup.hits
    focus_hits = look[look["doc_id"] == FOCUS]
    assert (focus_hits["theme"] == "china_sea").sum() == HAND_CHINA  # listed under the subtheme too
    themes = synthetic.themes.set_index("theme")
    assert themes.loc[["sea", "china_sea"], "focus_count"].tolist() == [HAND_SEA, HAND_CHINA]

    figures = _spy(monkeypatch, "textplot_dispersion")
    _brief(synthetic, tmp_path).dispersion()
    assert _dispersion_rows(figures[0]) == [(f"Mer ({HAND_SEA})", HAND_SEA, HAND_SEA)]


def test_seed_dispersion_marks_and_labels_are_the_theme_counts(seed, tmp_path, monkeypatch):
    figures = _spy(monkeypatch, "textplot_dispersion")
    _brief(seed, tmp_path).dispersion()
    rows = _dispersion_rows(figures[0])
    roots = seed.themes[seed.themes["is_root"] & (seed.themes["focus_count"] > 0)]
    expected = roots["focus_count"].astype(int).tolist()
    assert [n for _label, n, _ticks in rows] == expected
    assert [ticks for _label, _n, ticks in rows] == expected
    indo = [n for label, n, _ in rows if label.startswith("Indo-Pacifique")]
    assert indo == [6]  # the seed's count (the figure once showed 8: 6 + the 2 subtheme hits again)


# ---------------------------------------------------------------------------------- excerpts
@pytest.mark.parametrize(("lang", "header"), [("fr", "Thème"), ("en", "Theme")])
def test_kwic_excerpts_have_a_theme_column_and_the_real_document(seed, tmp_path, lang, header):
    brief = _brief(seed, tmp_path, lang)
    html = brief.kwic_excerpts().html
    table = pd.read_csv(tmp_path / "tables" / "kwic.csv")
    assert len(table) > 0
    assert set(table["doc_id"]) == {config.DEFAULT_FOCUS_ID}
    labels = seed.dictionary.labels(lang)
    assert set(table["theme"]) <= set(labels)
    assert (table["theme_label"] == table["theme"].map(labels)).all()
    assert f'<th scope="col">{header}</th>' in html
    first_cells = re.findall(r'<td class="doc">(.*?)</td>', html)
    assert first_cells == table["theme_label"].tolist()  # no label has characters HTML escapes


# ---------------------------------------------------------------------------------- timeline
def _lines_joining_documents(fig):
    """Line2D artists whose points lie at more than one date (a vertical marker line has one)."""
    lines = [line for ax in fig.axes for line in ax.get_lines()]
    return [line for line in lines if len(set(np.asarray(line.get_xdata()).tolist())) > 1]


@pytest.mark.parametrize("shared_axes", [False, True])
def test_timeline_draws_points_not_series(shared_axes):
    from matplotlib.figure import Figure

    docs = pd.DataFrame({"doc_id": ["r1", "r2", "r3", "f"],
                         "date": ["2020-01-01", "2021-06-01", "2023-03-01", "2024-09-26"]})  # fmt: skip
    rates = pd.DataFrame({"doc_id": ["r1", "r2", "r3", "f"] * 2, "theme": ["a"] * 4 + ["b"] * 4,
                          "per_1000": [1.0, 2.0, 0.5, 4.0, 0.0, 3.0, 1.0, 2.0]})  # fmt: skip
    ax = Figure().add_subplot() if shared_axes else None
    fig = textplot_theme_timeline(rates, docs, "f", ["a", "b"], lang="en", ax=ax)
    assert _lines_joining_documents(fig) == []
    # one marker per reference document per theme (3 x 2) and one focus marker per theme (2)
    sizes = sorted(len(c.get_offsets()) for a in fig.axes for c in a.collections)
    assert sizes == [1, 1, 3, 3]


def test_seed_timeline_joins_no_statements(seed, tmp_path, monkeypatch):
    figures = _spy(monkeypatch, "textplot_theme_timeline")
    brief = _brief(seed, tmp_path)
    brief.timeline()
    assert _lines_joining_documents(figures[0]) == []
    rates = seed.doc_rates()
    dated = seed.documents.dropna(subset=["date"])
    refs = rates[rates["doc_id"].isin(dated["doc_id"]) & (rates["doc_id"] != seed.focus_id)]
    for ax, theme in zip(figures[0].axes, brief._top(), strict=True):
        drawn = sorted(len(c.get_offsets()) for c in ax.collections)
        assert drawn == sorted([1, int((refs["theme"] == theme).sum())])


# ------------------------------------------------------------------------------ word forms
def test_key_forms_rule():
    # "sécurité" x 2 and "Sécurité" x 1 (sentence start): the lower-case form, 3 times
    toks = tokens("Sécurité d'abord. La sécurité et la sécurité. Le Canada et le Canada.", language="fr")
    forms = key_forms(toks)
    assert forms["securite"] == "sécurité"
    assert forms["canada"] == "Canada"  # always capitalised: kept
    # a tie (1 "securite", 1 "sécurité") goes to the form met first
    assert key_forms(tokens("La securite puis la sécurité.", language="fr"))["securite"] == "securite"
    assert key_forms(tokens("La sécurité puis la securite.", language="fr"))["securite"] == "sécurité"


def test_words_table_has_the_form_of_the_synthetic_text(synthetic):
    words = synthetic.words.set_index("term")
    assert words.loc["securite", "form"] == "sécurité"
    assert words.loc["securite", "focus_count"] == 3  # hand count: 2 "sécurité" + 1 "Sécurité"
    assert words.loc["ocean", "form"] == "océan"


def test_seed_words_show_the_accents_of_the_text(seed, tmp_path, monkeypatch):
    words = seed.words[seed.words["focus_count"] > 0]
    text = seed.tokens.docs.set_index("doc_id").loc[seed.focus_id, "text"]
    # independent reading of the text: runs of word characters (hyphens inside), folded
    written: dict[str, Counter] = {}
    for w in re.findall(r"\w+(?:-\w+)*", text):
        written.setdefault(match_key(w), Counter())[w.lower()] += 1
    assert (words["form"].map(match_key) == words["term"]).all()  # each form folds to its key
    for term, form in zip(words["term"], words["form"], strict=True):
        if term in written and all(w != term for w in written[term]):  # the text writes it with accents
            assert form.lower() != term, (term, form)
    forms = dict(zip(words["term"], words["form"], strict=True))
    assert (forms["securite"], forms["matiere"], forms["canada"]) == ("sécurité", "matière", "Canada")

    figures = _spy(monkeypatch, "textplot_keyness")
    _brief(seed, tmp_path).keyness_words()
    shown = [t.get_text() for t in figures[0].axes[0].get_yticklabels()]
    assert "sécurité" in shown and "securite" not in shown
    # every row is a word of the text (named by its form), apart from the "too rare" header
    assert all(s in set(forms.values()) for s in shown if not s.startswith("trop rare pour tester"))


# ------------------------------------------------------------------------- large frames
@pytest.fixture(scope="module")
def seed_all():
    """The seed against every shipped reference (both languages: 899 statements)."""
    return comparison_from_parameters(focus_id=config.DEFAULT_FOCUS_ID, reference_language="all")


def test_heat_map_shows_the_closest_references_of_a_large_frame(seed_all, tmp_path, monkeypatch):
    from analysis.report.brief import HEATMAP_ROWS

    figures = _spy(monkeypatch, "textplot_heatmap")
    block = _brief(seed_all, tmp_path, "en").heatmap()
    n_refs = int((seed_all.documents["role"] == "reference").sum())
    assert n_refs > HEATMAP_ROWS
    rows = figures[0].axes[0].get_yticklabels()
    assert len(rows) == HEATMAP_ROWS + 1  # the focus and its 30 closest references
    assert f"The text and the {HEATMAP_ROWS} closest references, of {n_refs:,}." in block.html


def test_large_frame_lists_its_references_by_genre_and_year(seed_all, tmp_path):
    refs = seed_all.documents[seed_all.documents["role"] == "reference"]
    html = _brief(seed_all, tmp_path, "en").reference_table().html
    assert "tables/documents.csv" in html
    # one row per genre; the Total column sums to the frame (independent count from documents)
    totals = [int(m.replace(",", "")) for m in re.findall(r"<td[^>]*>([\d,]+)</td>\s*</tr>", html)]
    assert sum(totals) == len(refs)
    assert len(totals) == refs["genre"].nunique()
    assert refs["doc_id"].iloc[0] not in html  # no list of 899 rows
