"""Every sentence of the summary is true under the frame it names: the seed and three shared statements.

For each focus the summary is read back against the comparison's own tables (an independent
reading of the sentences, not a copy of the code's output): the frame sentence names the frame's
documents, every theme stated as a finding is a stable finding of the sensitivity panel with the
counts of the theme table, every frame-dependent difference is named as such, no ratio is given
for a theme the references never mention, and no "×" ratio appears. The shared statements are
real texts, read from ``../shared/corpus`` (skipped when absent).
"""

from __future__ import annotations

import pandas as pd
import pytest

from analysis import config
from analysis.compare import compare
from analysis.i18n import FINDINGS, fmt_number
from analysis.report.findings import finding_table, findings, frame_sentence

SHARED = ["au-us-2023-05-20-en", "us-fr-2024-06-08-en", "fr-de-2020-11-13-ukraine-fr"]


def _check(comp, lang: str) -> None:
    out = findings(comp, lang)
    f = FINDINGS[lang]
    assert out[0] == frame_sentence(comp.frame, lang)
    refs = comp.documents[comp.documents["role"] == "reference"]
    assert comp.frame["n_documents"] == len(refs)
    assert set(refs["language"]) == {comp.focus["language"]}  # the default frame: the focus's language
    table = finding_table(comp).set_index("theme")
    label = f"label_{lang}"
    over_start, under_start = f["over"].split("{")[0], f["under"].split("{")[0]
    dep_start = f["dependent"].split("{")[0]
    stated = {s[: len(over_start)]: s for s in out}
    for start, direction in ((over_start, "over"), (under_start, "under")):
        sentence = stated.get(start, "")
        for theme, row in table.iterrows():
            named = f"{row[label]} (" in sentence
            is_finding = row["finding"] == direction and row["status"] == "stable"
            assert named == is_finding, (theme, lang, sentence)
            if named:
                start_at = sentence.index(f"{row[label]} (") + len(row[label]) + 2
                part = sentence[start_at:].split(")")[0]  # the item's own parenthesis
                assert part.startswith(fmt_number(int(row["focus_count"]), lang, 0) + " ")
                assert fmt_number(int(row["reference_count"]), lang, 0) in part
                ratio = fmt_number(2 ** abs(row["lrc"]), lang, 1)
                assert (ratio in part) == (row["reference_count"] > 0), part
    dependent = next((s for s in out if s.startswith(dep_start)), "")
    for theme, row in table.iterrows():
        assert (f"{row[label]} (" in dependent) == (row["status"] == "frame-dependent"), (theme, dependent)
    assert "×" not in " ".join(out)


def test_seed_summary_is_true_under_its_frame():
    comp = compare()
    for lang in ("fr", "en"):
        _check(comp, lang)


@pytest.mark.slow
@pytest.mark.parametrize("focus_id", SHARED)
def test_shared_statement_summary_is_true_under_its_frame(shared_manifest, focus_id):
    comp = compare(focus_id, corpus_manifest=shared_manifest)
    assert comp.focus_id not in set(comp.documents.loc[comp.documents["role"] == "reference", "doc_id"])
    # one Holm family: the panel's selected frame is the theme table (us-fr-2024-06-08 once had
    # americas_haiti at p_Holm 0.053 in the table and 0.049 in the panel: subthemes left out)
    selected = comp.sensitivity.results.query("frame == 'selected'").set_index("theme")["p_holm"]
    table = comp.themes.set_index("theme")["p_holm"]
    pd.testing.assert_series_equal(selected.sort_index(), table.sort_index(), check_names=False)
    for lang in ("fr", "en"):
        _check(comp, lang)


def test_focus_language_default_can_be_widened():
    both = compare(reference_language="all")
    assert len(set(both.frame["languages"])) >= 1
    assert both.frame["n_documents"] >= compare().frame["n_documents"]
    assert both.focus_id == config.DEFAULT_FOCUS_ID
