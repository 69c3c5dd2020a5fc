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
