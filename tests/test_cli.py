"""Command line: subcommands, exit codes, one-line errors, count/kwic/tokens output.

Most tests call ``analysis.cli.main`` in-process (capsys); two run the real entry point
``python -m analysis`` in a subprocess. Synthetic texts (Alphaland, Betaland) are written
in tmp folders; gold numbers are hand counts (in comments) or independent computations.
"""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys

import pandas as pd
import pytest

from analysis import config
from analysis.cli import main
from analysis.corpus import TextError
from analysis.tokens import tokens

SUBCOMMANDS = ("clean", "tokens", "count", "kwic", "reference", "compare", "run", "bench", "init", "add",
               "fetch", "collocations", "lemmas", "specificities", "diff", "quotes")  # fmt: skip

DICT = """\
name: synthetic_cli
version: "0.1"
description: Synthetic instrument for the command-line tests.
themes:
  polar:
    label: {fr: Pôle, en: Polar}
    description: Synthetic polar vocabulary (French and English words differ on purpose).
    fr: [banquise, arctique*]
    en: [ice, arctic]
"""


def _python(*args, cwd=None):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "analysis", *args], capture_output=True, text=True, env=env, cwd=cwd,
        timeout=300,
    )  # fmt: skip


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), keep_default_na=False)


@pytest.fixture
def dict_path(tmp_path):
    p = tmp_path / "synthetic.yaml"
    p.write_text(DICT, encoding="utf-8")
    return p


# ------------------------------------------------------------------ real entry point
def test_help_lists_every_subcommand(tmp_path):
    proc = _python("--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    for name in SUBCOMMANDS:
        assert re.search(rf"^\s+{name}\s", proc.stdout, re.M), f"{name} missing from --help"


def test_missing_file_one_line_error_and_debug_traceback(tmp_path):
    missing = tmp_path / "nowhere.txt"
    proc = _python("tokens", str(missing), cwd=tmp_path)
    assert proc.returncode == 2
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("analysis: error:")
    assert str(missing) in lines[0] and "Traceback" not in proc.stderr
    debug = _python("--debug", "tokens", str(missing), cwd=tmp_path)
    assert debug.returncode != 0
    assert "Traceback" in debug.stderr and str(missing) in debug.stderr


# ------------------------------------------------------------------ errors, in-process
def test_missing_document_in_process(tmp_path, capsys):
    missing = tmp_path / "nowhere.txt"
    assert main(["tokens", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("analysis: error:")
    assert str(missing) in err and "Traceback" not in err
    # a name that is neither a file nor a document id of the manifest
    assert main(["count", "nowhere-doc"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("analysis: error:") and "nowhere-doc" in err
    assert str(config.RAW_MANIFEST) in err


def test_bad_date_in_manifest(tmp_path, capsys):
    (tmp_path / "a.txt").write_text("Alphaland et Betaland.", encoding="utf-8")
    manifest = tmp_path / "manifest.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "date", "language", "path"])
        w.writerow(["synth-a", "Synthetic A", "2024-02-30", "fr", "a.txt"])  # CSV line 2
    assert main(["count", "--corpus", str(manifest)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert all(line.startswith("analysis:") for line in err.splitlines())
    assert re.search(rf"{re.escape(str(manifest.resolve()))}, line 2, date: '2024-02-30'", err), err


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"text": "sans id"}', "c.jsonl, line 1: no 'id' or 'doc_id'"),
        ('{"id": "a", "text": "x \\ud800"}', "document 'a': lone surrogate U+D800"),
    ],
)
def test_bad_corpus_record_exits_2_naming_it(tmp_path, line, message, capsys):
    source = tmp_path / "c.jsonl"
    source.write_text(line + "\n", encoding="utf-8")
    assert main(["count", "--source", str(source), "--output", str(tmp_path / "out"), "--jobs", "1"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and message in err, err


def test_debug_reraises(tmp_path):
    with pytest.raises(TextError, match="file not found"):
        main(["--debug", "tokens", str(tmp_path / "nowhere.txt")])


@pytest.mark.parametrize("argv", [["count", "--bogus"], ["nosuchcommand"], [], ["count", "--by", "sentence"]])
def test_bad_usage_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_parquet_to_stdout_is_refused(capsys):
    assert main(["count", "--format", "parquet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("analysis: error:") and "--output" in err


# ---------------------------------------------------------------------------- count
def test_count_seed_csv(seed_clean, capsys):
    assert main(["-q", "count"]) == 0
    table = _csv(capsys.readouterr().out)
    assert {"doc_id", "theme", "count", "tokens", "per_1000"} <= set(table.columns)
    assert set(table["doc_id"]) == {config.DEFAULT_FOCUS_ID}
    # independent of the CLI path: the library's token table of the cleaned seed
    toks = tokens(seed_clean)
    n_tokens = int((toks.data["kind"] != "punct").sum())
    assert set(table["tokens"]) == {n_tokens}
    assert table["per_1000"].to_numpy() == pytest.approx(table["count"].to_numpy() * 1000 / n_tokens)


def test_count_by_pattern(seed_clean, capsys):
    assert main(["-q", "count", "--by", "pattern"]) == 0
    table = _csv(capsys.readouterr().out)
    assert {"doc_id", "theme", "pattern", "count", "surface_forms"} <= set(table.columns)
    assert (table["pattern"] != "").all() and (table["count"] > 0).all()
    # independent count: words starting with "ukrain" in the cleaned seed
    # (4 x Ukraine, 2 x ukrainiens)
    text = seed_clean.docs["text"].iloc[0]
    direct = len(re.findall(r"(?<![\w-])ukrain\w*(?![\w-])", text, re.I))
    ukr = table[table["pattern"] == "ukrain*"]
    assert ukr["count"].tolist() == [direct] == [6]


def test_count_plain_text_file_detected_language(tmp_path, dict_path, capsys):
    # a title line, a blank line, the body (the first line is the title: cleaning drops it).
    # French body, language detected: banquise x2, arctique x1 -> 3 (the English patterns
    # "ice", "arctic" would give 0); body tokens: 12 words (l' is a token), "." excluded
    note = tmp_path / "synthetic-note.txt"
    note.write_text(
        "Note synthétique\n\nLa banquise de Alphaland et la banquise de Betaland touchent l'Arctique.",
        encoding="utf-8",
    )
    assert main(["-q", "count", "--dictionary", str(dict_path), str(note)]) == 0
    table = _csv(capsys.readouterr().out)
    assert table[["doc_id", "theme", "count", "tokens"]].values.tolist() == [
        ["synthetic-note", "polar", 3, 12]
    ]


def test_count_plain_text_file_given_language(tmp_path, dict_path, capsys):
    # "--language en": ice x2, arctic x1 -> 3; 10 body tokens ("Alphaland's" -> Alphaland + 's)
    note = tmp_path / "synthetic-en.txt"
    note.write_text(
        "Synthetic note\n\nAlphaland's ice and Betaland ice meet the arctic sea.", encoding="utf-8"
    )
    assert main(["-q", "count", "--language", "en", "--dictionary", str(dict_path), str(note)]) == 0
    table = _csv(capsys.readouterr().out)
    assert table[["doc_id", "count", "tokens"]].values.tolist() == [["synthetic-en", 3, 10]]


def test_count_plain_text_file_without_title_line(tmp_path, dict_path, capsys):
    # hard-wrapped body, no title: banquise x2 -> 2; 9 tokens (hand count: La banquise de
    # Alphaland et la banquise de Betaland; "." excluded)
    note = tmp_path / "synthetic-wrapped.txt"
    note.write_text("La banquise de Alphaland\net la banquise de Betaland.\n", encoding="utf-8")
    assert main(["-q", "count", "--dictionary", str(dict_path), str(note)]) == 0
    table = _csv(capsys.readouterr().out)
    assert table[["count", "tokens"]].values.tolist() == [[2, 9]]


def test_count_parquet_output(tmp_path, capsys):
    out = tmp_path / "counts.parquet"
    assert main(["-q", "count", "--format", "parquet", "--output", str(out)]) == 0
    from_parquet = pd.read_parquet(out)
    assert main(["-q", "count"]) == 0
    from_csv = _csv(capsys.readouterr().out)
    assert from_parquet["doc_id"].tolist() == from_csv["doc_id"].tolist()
    assert from_parquet["theme"].tolist() == from_csv["theme"].tolist()
    assert from_parquet["count"].tolist() == from_csv["count"].tolist()
    assert from_parquet["per_1000"].to_numpy() == pytest.approx(from_csv["per_1000"].to_numpy())


# ----------------------------------------------------------------------- kwic, tokens
def test_kwic_seed(seed_clean, capsys):
    assert main(["-q", "kwic", "ukrain*", "--window", "3"]) == 0
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.strip()]
    # independent counts in the cleaned seed: 6 words starting with "ukrain", 4 of them "Ukraine"
    text = seed_clean.docs["text"].iloc[0]
    assert len(lines) == len(re.findall(r"(?<![\w-])ukrain\w*(?![\w-])", text, re.I)) == 6
    assert sum("[Ukraine]" in ln for ln in lines) == len(re.findall(r"\bUkraine\b", text)) == 4
    assert all(ln.startswith(config.DEFAULT_FOCUS_ID) for ln in lines)
    # window 3: at most 3 tokens (split on spaces) on the right of the hit
    for ln in lines:
        right = ln.split("]", 1)[1].split()
        assert 1 <= len(right) <= 3


def test_tokens_file(tmp_path, capsys):
    f = tmp_path / "synthetic.txt"
    f.write_text("L’Été à Alphaland.", encoding="utf-8")
    assert main(["tokens", "--language", "fr", str(f)]) == 0
    # by hand: elision split off, curly apostrophe normalised by cleaning, key folds accents
    assert capsys.readouterr().out.splitlines() == [
        "L'\tl'",
        "Été\tete",
        "à\ta",
        "Alphaland\talphaland",
        ".\t.",
    ]


def test_kwic_unknown_theme_id_is_bad_usage(capsys):
    code = main(["-q", "kwic", "no_such_theme", "--dictionary", str(config.DEFAULT_DICTIONARY)])
    assert code == 2
    assert "no theme 'no_such_theme'" in capsys.readouterr().err


def test_compare_with_no_reference_left_is_bad_input(capsys):
    assert main(["-q", "compare", "--since", "2030-01-01"]) == 2
    assert "no reference document left" in capsys.readouterr().err


def test_count_refuses_zero_jobs_as_bad_usage(tmp_path):
    import json as _json
    import subprocess
    import sys

    src = tmp_path / "c.jsonl"
    src.write_text(_json.dumps({"id": "a", "text": "Paix.", "language": "fr"}) + "\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "analysis", "-q", "count", "--source", str(src), "--jobs", "0",
         "--output", str(tmp_path / "out")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "--jobs 0" in done.stderr
