"""Statement versus statement end to end: ``quotes`` on the command line, ``06_diff`` with plain papermill.

The pair is synthetic: B (a press text) keeps one sentence of A, rewords one, drops one,
adds one, and quotes A once. Expected values are hand counts.
"""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from analysis import config
from analysis.cli import main

A = (
    "Communiqué de l'Alphaland et de la Syldavie\n\n"
    "Les deux pays soutiennent l'Ukraine aussi longtemps que nécessaire.\n\n"
    "Ils renforceront leur coopération dans l'Arctique et dans le domaine cyber.\n\n"
    "Une commission mixte se réunira chaque printemps à Klow.\n"
)
B = (
    "Article sur la visite syldave\n\n"
    "Les deux pays soutiennent l'Ukraine aussi longtemps que nécessaire.\n\n"
    "Ils vont renforcer leur coopération dans l'Arctique, selon le ministre.\n\n"
    "Le ministre a déclaré : « nous soutenons l'Ukraine aussi longtemps que nécessaire ».\n"
)


@pytest.fixture
def pair(tmp_path):
    a, b = tmp_path / "source.txt", tmp_path / "article.txt"
    a.write_text(A, encoding="utf-8")
    b.write_text(B, encoding="utf-8")
    return a, b


def test_quotes_traces_the_quotation_and_counts_its_theme_hits(pair, tmp_path, capsys):
    a, b = pair
    assert main(["-q", "quotes", str(b), str(a), "--language", "fr"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert len(rows) == 1 and rows[0]["match"] == "near"  # "nous soutenons" vs "les deux pays soutiennent"
    assert main(["-q", "quotes", str(b), "--level", "themes", "--language", "fr"]) == 0
    themes = {r["theme"]: r for r in csv.DictReader(capsys.readouterr().out.splitlines())}
    # hand count: Ukraine twice in B, once inside the quotation
    assert (themes["ukraine"]["in_quotes"], themes["ukraine"]["outside"]) == ("1", "1")
    # the theme split counts B alone: a SOURCE with it would be silently ignored, so it is refused
    assert main(["-q", "quotes", str(b), str(a), "--level", "themes", "--language", "fr"]) == 2


@pytest.mark.slow
def test_diff_notebook_runs_with_plain_papermill(pair, tmp_path):
    a, b = pair
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "papermill", "--no-progress-bar", str(config.NOTEBOOKS_DIR / "06_diff.ipynb"),
         str(tmp_path / "06.ipynb"), "-p", "a", str(a), "-p", "b", str(b), "-p", "output_dir", str(out)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    rows = list(csv.DictReader((out / "tables" / "diff_alignment.csv").open(encoding="utf-8")))
    statuses = sorted(r["status"] for r in rows)
    # hand: kept (the Ukraine sentence), reworded (Arctic), dropped (the commission), added (the quotation)
    assert statuses == ["added", "dropped", "kept", "reworded"]
    assert (out / "figures" / "diff_alignment.png").stat().st_size > 1000


FR = ("L'Alphaland soutient l'Ukraine face à la guerre.\n\n"
      "Les deux pays mèneront des exercices communs dans l'Arctique chaque hiver.\n\n"
      "Ils renforceront leur cybersécurité en 2031.\n")
EN = ("Alphaland supports Ukraine in the face of the war.\n\n"
      "The two countries will hold joint exercises in the Arctic every winter.\n\n"
      "They will strengthen their networks in 2031.\n")


def test_two_language_versions_align_one_to_one_and_give_kappa(tmp_path):
    import pandas as pd

    from analysis.clean import corpus_clean
    from analysis.corpus import corpus_from_files
    from analysis.dictionary import dictionary
    from analysis.diff import compare_statements
    from analysis.quotes import parallel_agreement, sentence_theme_hits
    from analysis.tokens import tokens

    (tmp_path / "fr.txt").write_text(FR, encoding="utf-8")
    (tmp_path / "en.txt").write_text(EN, encoding="utf-8")
    a = corpus_clean(corpus_from_files([tmp_path / "fr.txt"], language="fr"), title="count")
    b = corpus_clean(corpus_from_files([tmp_path / "en.txt"], language="en"), title="count")
    result = compare_statements(a, b, clean=False)
    # by length and shared anchors (Alphaland/Ukraine, Arctic, 2031), one to one
    assert result.alignment["status"].tolist() == ["translated"] * 3
    dic = dictionary(config.DEFAULT_DICTIONARY)
    table = parallel_agreement(result.alignment, sentence_theme_hits(tokens(a), dic),
                               sentence_theme_hits(tokens(b), dic)).table.set_index("theme")  # fmt: skip
    # hand: Ukraine in both first sentences, never elsewhere: both 1, neither 2 -> po 1, pe 5/9, kappa 1
    assert table.loc["ukraine", ["both", "a_only", "b_only", "neither"]].tolist() == [1, 0, 0, 2]
    assert table.loc["ukraine", "kappa"] == pytest.approx(1.0)
    # cybersécurité has no English counterpart in the third pair: a_only 1, neither 2 -> kappa 0
    assert table.loc["cyber_tech", ["both", "a_only", "b_only", "neither"]].tolist() == [0, 1, 0, 2]
    assert table.loc["cyber_tech", "kappa"] == 0.0  # exactly: po == pe
    assert isinstance(result.alignment, pd.DataFrame)


def test_a_merged_row_counts_both_sentences_in_the_agreement():
    import pandas as pd

    from analysis.quotes import parallel_agreement

    al = pd.DataFrame({"a_index": [0], "b_index": [0], "a_count": [1], "b_count": [2],
                       "status": ["reworded"]})  # fmt: skip
    table = parallel_agreement(al, {0: {"armed_forces"}}, {0: set(), 1: {"armed_forces"}}).table
    assert table.set_index("theme").loc["armed_forces", "both"] == 1  # B's second sentence holds it


def test_theme_diff_finds_what_b_dropped_and_gives_no_ratio_for_absent_themes(tmp_path):
    from analysis.corpus import corpus_from_files
    from analysis.diff import compare_statements

    (tmp_path / "a.txt").write_text("Les forces armées syldaves. " * 8 + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("La Syldavie parle de culture. " * 8 + "\n", encoding="utf-8")
    a = corpus_from_files([tmp_path / "a.txt"], language="fr")
    b = corpus_from_files([tmp_path / "b.txt"], language="fr")
    themes = compare_statements(a, b).themes.set_index("theme")
    row = themes.loc["armed_forces"]
    assert (row["a_count"], row["b_count"]) == (8, 0)  # hand count
    assert bool(row["testable"]) and row["direction"] == "under"  # B dropped it: found
    absent = themes.loc["ukraine"]
    assert (absent["a_count"], absent["b_count"]) == (0, 0) and absent["log_ratio"] != absent["log_ratio"]
