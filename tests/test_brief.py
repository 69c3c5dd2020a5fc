"""The brief's sections on the real seed and shipped reference set: figures, tables, findings."""

from __future__ import annotations

import csv

import pandas as pd
import pytest

from analysis import config
from analysis.i18n import fmt_number
from analysis.report.annex import short_licence
from analysis.report.brief import Brief, comparison_from_parameters
from analysis.report.findings import findings

FIGURE_SECTIONS = {
    "theme_profile": ["theme_profile"],
    "keyness_themes": ["keyness_themes"],
    "heatmap": ["heatmap"],
    "dispersion": ["dispersion"],
    "similarity": ["similarity"],
    "keyness_words": ["keyness_words"],
    "timeline": ["timeline"],
}


@pytest.fixture(scope="module")
def comparison():
    return comparison_from_parameters(focus_id=config.DEFAULT_FOCUS_ID)


@pytest.fixture(scope="module")
def two_builds(comparison, tmp_path_factory):
    root = tmp_path_factory.mktemp("briefs")
    return _build(comparison, root / "a"), _build(comparison, root / "b"), root


def _build(comp, folder):
    brief = Brief(comp=comp, lang="fr", folder=folder, run_id="test")
    (folder / "figures").mkdir(parents=True)
    (folder / "tables").mkdir()
    for section in FIGURE_SECTIONS:
        getattr(brief, section)()
    return brief


def test_figures_from_the_real_pipeline_are_byte_identical_across_runs(two_builds):
    _a, _b, tmp_path = two_builds
    for names in FIGURE_SECTIONS.values():
        for name in names:
            for ext in ("png", "svg", "pdf"):
                a = (tmp_path / "a" / "figures" / f"{name}.{ext}").read_bytes()
                b = (tmp_path / "b" / "figures" / f"{name}.{ext}").read_bytes()
                assert len(a) > 1000 and a == b, f"{name}.{ext}"


def test_every_section_renders_in_both_languages(comparison, tmp_path):
    for lang in ("fr", "en"):
        folder = tmp_path / lang
        (folder / "figures").mkdir(parents=True)
        (folder / "tables").mkdir()
        brief = Brief(comp=comparison, lang=lang, folder=folder, run_id="test")
        brief.save_tables()
        # the figure sections are built by the two_builds fixture; here the text sections
        html = "".join(
            getattr(brief, name)().html
            for name in (
                "front", "key_figures", "annex_contents", "executive_summary", "keyness_themes",
                "kwic_excerpts", "methodology",
                "reference_table", "dictionary_appendix", "reproducibility",
            )
        )  # fmt: skip
        assert comparison.dictionary.hash[:16] in html
        assert "<script" not in html


def test_theme_table_csv_is_what_the_report_prints(two_builds):
    brief, _b, root = two_builds
    brief.save_tables()
    themes = pd.read_csv(root / "a" / "tables" / "themes.csv")
    html = brief.keyness_themes().html
    top = themes[themes["parent"].isna()].sort_values("g2", ascending=False).iloc[0]
    assert fmt_number(top["g2"], "fr", 2) in html
    with open(root / "a" / "tables" / "themes.csv", encoding="utf-8") as fh:
        assert next(csv.reader(fh))[:4] == ["theme", "label_fr", "label_en", "parent"]


def test_findings_are_computed_not_written(comparison):
    fr = findings(comparison, "fr")
    assert fr[0].startswith("Cadre de comparaison")  # the frame comes first
    # the dominant theme named first is the one with the largest focus count in the results
    roots = comparison.themes[comparison.themes["is_root"]]
    top = roots.sort_values("focus_count", ascending=False).iloc[0]
    assert top["label_fr"] in fr[1]
    assert str(int(roots["focus_count"].sum())) in fr[1]
    # the closest statement named is the top of the similarity ranking
    best = comparison.similarity.iloc[0]
    assert any(fmt_number(best["cosine"], "fr", 2) in f for f in fr)


def _one_document(folder, doc_id, body):
    """Write a synthetic one-document manifest (title line, blank line, body); return its path."""
    (folder / "synthetic.txt").write_text("Titre\n\n" + body, encoding="utf-8")
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "date", "parties", "language", "path"])
        w.writerow([doc_id, "Titre", "2024-01-01", "Alphaland", "fr", "synthetic.txt"])
    return str(folder / "manifest.csv")


def test_findings_follow_a_different_focus(tmp_path):
    body = " ".join(["Le climat et l'énergie renouvelable de Alphaland."] * 30)
    manifest = _one_document(tmp_path, "synthetic-climate", body)
    comp = comparison_from_parameters(focus_id="synthetic-climate", corpus_manifest=manifest)
    en = findings(comp, "en")
    assert "Climate, energy and environment" in en[1]


def test_short_licence():
    assert short_licence("Public domain: U.S. federal government work (17 U.S.C. 105).") == (
        "Public domain (U.S. gov.)"
    )


def test_findings_do_not_overclaim_on_a_text_without_hits(tmp_path):
    body = " ".join(["Les pommes et les poires de Alphaland mûrissent au verger."] * 3)
    manifest = _one_document(tmp_path, "synthetic-orchard", body)
    comp = comparison_from_parameters(focus_id="synthetic-orchard", corpus_manifest=manifest)
    assert int(comp.themes["focus_count"].sum()) == 0  # fruit only: no dictionary term (hand check)
    en = findings(comp, "en")
    assert en[1] == "The text has no dictionary match: no dominant theme."  # not "only 0 match(es)"
    assert not any("closest to" in f for f in en)
    assert any("short (30 words)" in f for f in en)  # 3 x 10 words, hand count
    from analysis.report.front import key_messages

    few = next(m for m in key_messages(comp, "fr") if m.kind == "few")
    assert few.body == "Aucune mention des thèmes du dictionnaire en 30 mots."  # not "Seulement 0 mention(s)"


def test_dispersion_counts_each_hit_once(comparison, tmp_path, monkeypatch):
    """Found by a second reader: the figure mapped the subtheme hits onto their parent, which
    already lists them, so Indo-Pacifique showed 8 ticks for a count of 6. Each theme's label
    now carries the count of the theme table."""
    import re

    import analysis.textplot as textplot

    figures = []
    real = textplot.textplot_dispersion

    def spy(*args, **kwargs):
        figures.append(real(*args, **kwargs))
        return figures[-1]

    monkeypatch.setattr(textplot, "textplot_dispersion", spy)
    comp = comparison
    (tmp_path / "figures").mkdir()
    Brief(comp=comp, lang="fr", folder=tmp_path, run_id="test").dispersion()
    shown = [re.search(r"\((\d+)\)$", t.get_text()) for ax in figures[0].axes for t in ax.get_yticklabels()]
    themes = comp.themes[comp.themes["is_root"] & (comp.themes["focus_count"] > 0)]
    assert sorted(int(m.group(1)) for m in shown) == sorted(themes["focus_count"].astype(int))
