"""Your own statement: ``--text`` on run, compare, count and kwic; ``add``; ``init``; ``--project``.

The texts are synthetic (Alphaland, Syldavie). Expected counts are hand counts of those
texts; expected metadata are the values the tests give.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
from pathlib import Path

import pytest

from analysis import config
from analysis.cli import main
from analysis.corpus import CorpusError, corpus
from analysis.ingest import raw_add, statement_corpus, statement_documents, statement_metadata

TEXT = (
    "Déclaration commune de l'Alphaland et de la Syldavie\n\n"
    "L'Alphaland et la Syldavie soutiennent l'Ukraine. Ils parlent de l'Ukraine à Klow.\n\n"
    "La Syldavie et l'Alphaland renforcent leur coopération dans l'Arctique.\n"
)
# hand count of TEXT: "Ukraine" twice (theme ukraine), the title line is a statement's title (dropped)


@pytest.fixture
def statement(tmp_path) -> Path:
    path = tmp_path / "Alphaland Syldavie.txt"
    path.write_text(TEXT, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A fresh project folder made by ``init``, made current; the checkout's restored afterwards."""
    before = config.PROJECT_ROOT
    monkeypatch.setenv("ANALYSIS_HOME", str(before))
    folder = tmp_path / "study"
    assert main(["init", str(folder)]) == 0
    config.use_project(folder)
    yield folder
    config.use_project(before)


def _raw_state() -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(config.RAW_DIR.iterdir())}


# ------------------------------------------------------------------------------ metadata
def test_metadata_defaults_come_from_the_file(statement):
    row = statement_metadata(statement, date="2031-05-04")
    assert row["id"] == "alphaland-syldavie"  # from the file name "Alphaland Syldavie.txt"
    assert row["title"] == "Déclaration commune de l'Alphaland et de la Syldavie"  # its first line
    assert row["language"] == "fr"
    assert row["genre"] == "statement"
    assert row["date"] == "2031-05-04"


def test_options_override_the_yaml_beside_the_file(statement):
    statement.with_suffix(".yaml").write_text(
        "title: Titre du fichier YAML\ndate: 2031-01-02\nparties: [Alphaland, Syldavie]\ngenre: communique\n",
        encoding="utf-8",
    )
    row = statement_metadata(statement, genre="joint_statement")
    assert row["title"] == "Titre du fichier YAML"
    assert row["date"] == "2031-01-02"  # a YAML date becomes the ISO day
    assert row["parties"] == "Alphaland; Syldavie"
    assert row["genre"] == "joint_statement"  # the option wins


def test_a_title_given_beside_the_heading_still_drops_the_heading(statement, tmp_path):
    plain = statement_documents(statement).docs  # title = the heading line: dropped (statement)
    other = statement_documents(statement, title="Un autre titre").docs
    assert other["title"].iloc[0] == "Un autre titre"
    from analysis.clean import corpus_clean
    from analysis.corpus import Corpus

    texts = [corpus_clean(Corpus(docs=d)).docs["text"].iloc[0] for d in (plain, other)]
    assert texts[0] == texts[1]
    assert not texts[1].startswith("Déclaration commune")  # the heading line is gone in both


def test_a_csv_beside_the_file_gives_one_row(statement):
    with statement.with_suffix(".csv").open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["id", "date", "language"], ["sy-2031", "2031-03-04", "fr"]])
    row = statement_metadata(statement)
    assert (row["id"], row["date"]) == ("sy-2031", "2031-03-04")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({}, "no date: give --date"),
        ({"date": "04/05/2031"}, "not an ISO date"),
        ({"date": "2031-05-04", "genre": "tweet"}, "unknown genre"),
        ({"date": "2031-05-04", "language": "de"}, "unknown language"),
        ({"date": "2031-05-04", "id": "../escape"}, "an id is letters"),
        ({"date": "2031-05-04", "id": "a b"}, "an id is letters"),
    ],
)
def test_bad_metadata_is_refused_with_the_field(statement, given, message):
    with pytest.raises(CorpusError, match=message):
        statement_metadata(statement, **given)


def test_an_unknown_field_beside_the_file_is_refused(statement):
    statement.with_suffix(".yaml").write_text("date: 2031-01-02\nauthour: x\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="unknown field"):
        statement_metadata(statement)


def test_two_metadata_files_beside_the_text_are_refused(statement):
    statement.with_suffix(".yaml").write_text("date: 2031-01-02\n", encoding="utf-8")
    statement.with_suffix(".csv").write_text("date\n2031-09-09\n", encoding="utf-8")
    names = r"metadata in 2 files \(Alphaland Syldavie.yaml, Alphaland Syldavie.csv\)"
    with pytest.raises(CorpusError, match=names):
        statement_metadata(statement)


# --------------------------------------------------------------------- one-document corpus
def test_statement_corpus_is_written_outside_raw_and_reused(statement, tmp_path):
    raw_before = _raw_state()
    a = statement_corpus(statement, tmp_path / "texts", date="2031-05-04", parties="Alphaland; Syldavie")
    b = statement_corpus(statement, tmp_path / "texts", date="2031-05-04", parties="Alphaland; Syldavie")
    c = statement_corpus(statement, tmp_path / "texts", date="2031-05-05", parties="Alphaland; Syldavie")
    assert a.manifest == b.manifest != c.manifest  # same text and metadata: same folder
    doc = a.docs.iloc[0]
    assert doc["text"] == TEXT
    assert doc["sha256"] == hashlib.sha256(statement.read_bytes()).hexdigest()  # a copy, byte for byte
    assert doc["n_parties"] == 2 and doc["format"] == "bilateral"
    assert _raw_state() == raw_before


def test_count_text_counts_the_file_with_its_metadata(statement, tmp_path, capsys):
    out = tmp_path / "counts.csv"
    assert main(["-q", "count", "--text", str(statement), "--genre", "communique", "--output", str(out)]) == 0
    rows = {r["theme"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["ukraine"]["count"] == "2"  # hand count
    assert {r["doc_id"] for r in rows.values()} == {"alphaland-syldavie"}
    docs = statement_documents(statement, genre="communique").docs
    assert docs["genre"].iloc[0] == "communique" and docs["date"].iloc[0] == ""  # no date needed


def test_kwic_text_shows_both_ukraine_lines(statement, capsys):
    assert main(["-q", "kwic", "ukraine", "--text", str(statement), "--format", "csv"]) == 0
    lines = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert len(lines) == 2  # hand count


def test_metadata_options_without_text_are_refused(capsys):
    assert main(["count", "--date", "2031-05-04"]) == 2
    assert "--date" in capsys.readouterr().err


def test_compare_text_is_the_focus(statement, tmp_path, capsys):
    out = tmp_path / "themes.csv"
    code = main(["-q", "compare", "--text", str(statement), "--date", "2022-01-10", "--text-parties",
                 "Alphaland; Syldavie", "--output", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    rows = {r["theme"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["ukraine"]["focus_count"] == "2"  # hand count
    assert main(["compare", "--text", str(statement), "--focus", "x"]) == 2


# -------------------------------------------------------------------------- init and add
def test_init_makes_a_project_and_refuses_twice(tmp_path, capsys):
    folder = tmp_path / "study"
    assert main(["init", str(folder)]) == 0
    assert sorted(p.name for p in (folder / "notebooks").iterdir()) == sorted(
        p.name for p in config.NOTEBOOKS_DIR.glob("*.ipynb")
    )
    assert (folder / config.PROJECT_MARKER).is_file()
    assert corpus(folder / "data" / "raw" / "manifest.csv").docs.empty  # a valid, empty manifest
    assert main(["init", str(folder)]) == 2
    assert "already a project" in capsys.readouterr().err
    other = tmp_path / "busy"
    other.mkdir()
    (other / "notes.txt").write_text("x", encoding="utf-8")
    assert main(["init", str(other)]) == 2
    assert sorted(p.name for p in other.iterdir()) == ["notes.txt"]


def test_a_project_folder_is_found_from_inside_it(tmp_path, monkeypatch):
    folder = tmp_path / "study"
    assert main(["init", str(folder)]) == 0
    (folder / "reports" / "deep").mkdir()
    monkeypatch.delenv("ANALYSIS_HOME", raising=False)
    assert config.find_project(folder / "reports" / "deep") == folder.resolve()
    monkeypatch.setenv("ANALYSIS_HOME", str(tmp_path))
    assert config.find_project(folder) == tmp_path.resolve()  # the variable wins


def test_add_imports_once_and_never_overwrites(project, statement, capsys):
    args = ["add", "--text", str(statement), "--date", "2031-05-04", "--parties", "Alphaland; Syldavie",
            "--title", "Déclaration commune (synthétique)"]  # fmt: skip
    assert main(args) == 0
    stored = project / "data" / "raw" / "alphaland-syldavie.txt"
    assert stored.read_bytes() == statement.read_bytes()
    docs = corpus().docs  # the project's data/raw/manifest.csv, still valid
    assert docs["doc_id"].tolist() == ["alphaland-syldavie"]
    assert docs["title"].iloc[0] == "Déclaration commune (synthétique)"
    row = next(csv.DictReader((project / "data" / "raw" / "manifest.csv").open(encoding="utf-8")))
    assert row["sha256"] == hashlib.sha256(statement.read_bytes()).hexdigest()
    before = _raw_state()
    statement.write_text(TEXT + "Une phrase de plus.\n", encoding="utf-8")
    assert main(args) == 2
    assert "already imported" in capsys.readouterr().err
    assert _raw_state() == before  # nothing changed
    with pytest.raises(FileExistsError):
        raw_add(b"x", {"id": "other"}, extra={"alphaland-syldavie.txt": b"y"})
    assert _raw_state() == before


def test_project_option_sends_reads_and_writes_to_that_folder(tmp_path, statement, monkeypatch):
    before = config.PROJECT_ROOT
    monkeypatch.setenv("ANALYSIS_HOME", str(before))
    folder = tmp_path / "study"
    assert main(["init", str(folder)]) == 0
    try:
        assert main(["--project", str(folder), "add", "--text", str(statement), "--date", "2031-05-04"]) == 0
        assert folder.resolve() / "data" / "raw" == config.RAW_DIR
        assert os.environ["ANALYSIS_HOME"] == str(folder.resolve())  # kernels follow
    finally:
        config.use_project(before)
    assert (folder / "data" / "raw" / "alphaland-syldavie.txt").is_file()
    assert not (before / "data" / "raw" / "alphaland-syldavie.txt").exists()
    assert main(["--project", str(tmp_path / "nowhere"), "count"]) == 2


# ------------------------------------------------------------------------------ run --text
def test_run_help_lists_every_notebook_parameter(capsys):
    from analysis.runs.params import declared_parameters

    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = capsys.readouterr().out
    names = set()
    for nb in config.report_notebooks():
        names |= set(declared_parameters(nb)) - {"output_dir"}
    assert names and all(f"\n  {n} (" in out for n in names)
    assert "--text FILE" in out and "--date DATE" in out


@pytest.mark.slow
def test_run_text_writes_the_brief_of_ones_own_statement(project, statement):
    from pypdf import PdfReader

    raw_before = _raw_state()
    code = main(["-q", "run", "--text", str(statement), "--date", "2022-01-10", "--parties",
                 "Alphaland; Syldavie", "--genre", "joint_statement", "-p", "lang=en", "--csv-dialect",
                 "excel-fr"])  # fmt: skip
    assert code == 0
    run_dir = (project / "reports" / "latest").resolve()
    assert run_dir.parent == project.resolve() / "reports" / "runs"  # the project's folder, not the checkout
    pdf = run_dir / "report-alphaland-syldavie-en.pdf"
    text = " ".join((page.extract_text() or "") for page in PdfReader(pdf).pages[:2])
    assert "Déclaration commune de l'Alphaland et de la Syldavie" in " ".join(text.split())
    import json

    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["focus_id"] == "alphaland-syldavie"
    assert _raw_state() == raw_before  # data/raw of the project: still the empty manifest only
    tables = run_dir / "tables"
    plain = sorted(p.name for p in tables.glob("*.csv"))
    assert plain and sorted(p.name for p in (tables / "excel-fr").glob("*.csv")) == plain
    assert (tables / "tables.xlsx").is_file()
    counts = {r["theme"]: r for r in csv.DictReader((tables / "theme_counts.csv").open(encoding="utf-8"))}
    fr = {r["theme"]: r for r in csv.DictReader((tables / "excel-fr" / "theme_counts.csv").open(
        encoding="utf-8-sig"), delimiter=";")}  # fmt: skip
    assert counts["ukraine"]["count"] == fr["ukraine"]["count"] == "2"  # hand count
    assert fr["ukraine"]["per_1000"] == counts["ukraine"]["per_1000"].replace(".", ",")
    for name in plain:  # every float of every table, scientific notation too, has a decimal comma
        with (tables / "excel-fr" / name).open(encoding="utf-8-sig") as fh:
            cells = [v for row in csv.reader(fh, delimiter=";") for v in row]
        assert not [v for v in cells if re.fullmatch(r"-?\d+\.\d+(e-?\d+)?", v)], name


def test_count_csv_dialect_excel_fr_has_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "memo.txt"
    path.write_text("Note synthétique\n\nUkraine et Ukraine.\n", encoding="utf-8")
    out = tmp_path / "counts.csv"
    assert main(["-q", "count", "--text", str(path), "--csv-dialect", "excel-fr", "--output", str(out)]) == 0
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = {r["theme"]: r for r in csv.DictReader(data.decode("utf-8-sig").splitlines(), delimiter=";")}
    # hand count: the title line is dropped (genre statement); 3 tokens, "ukraine" twice
    assert rows["ukraine"]["count"] == "2" and rows["ukraine"]["tokens"] == "3"
    assert float(rows["ukraine"]["per_1000"].replace(",", ".")) == pytest.approx(2 / 3 * 1000)


def test_the_same_text_is_never_imported_twice(project, statement, tmp_path, capsys):
    assert main(["add", "--text", str(statement), "--date", "2031-05-04"]) == 0
    copy = tmp_path / "copie.txt"
    copy.write_bytes(statement.read_bytes())
    before = _raw_state()
    assert main(["add", "--text", str(copy), "--date", "2031-05-04"]) == 2
    assert "already imported as 'alphaland-syldavie'" in capsys.readouterr().err
    assert _raw_state() == before


def test_count_text_title_keeps_the_heading_rule(statement, capsys):
    tokens = []
    for extra in ([], ["--text-title", "Titre donné"]):
        assert main(["-q", "count", "--text", str(statement), *extra]) == 0
        tokens.append({r["tokens"] for r in csv.DictReader(capsys.readouterr().out.splitlines())})
    assert tokens[0] == tokens[1]  # the heading line is dropped whatever title is given


def test_a_refused_run_writes_nothing(statement, project, capsys):
    code = main(["run", "--text", str(statement), "--date", "2031-05-04", "-p", "lang=de"])
    assert code == 2
    assert not (project / "reports" / "texts").exists()


def test_an_empty_project_says_how_to_analyse_a_text(project, capsys):
    assert main(["compare"]) == 2
    assert "run --text FILE" in capsys.readouterr().err


def test_the_commands_of_the_project_readme_parse(project):
    import shlex

    from analysis.cli import build_parser

    lines = [line.strip(" `") for line in (project / "README.md").read_text(encoding="utf-8").splitlines()
             if line.strip(" `").startswith("analysis ")]  # fmt: skip
    assert len(lines) >= 2
    for line in lines:
        build_parser().parse_args(shlex.split(line)[1:])  # SystemExit (exit 2) if a command is wrong


# ------------------------------------------------------------ second review (exploration commands)
def test_a_text_file_and_a_manifest_id_together(statement, capsys):
    from analysis import config as cfg

    assert main(["-q", "count", str(statement), cfg.DEFAULT_FOCUS_ID]) == 0
    ids = {r["doc_id"] for r in csv.DictReader(capsys.readouterr().out.splitlines())}
    assert ids == {"Alphaland Syldavie", cfg.DEFAULT_FOCUS_ID}


def test_kwic_says_when_nothing_matches_and_writes_its_text_output(statement, tmp_path, caplog):
    out = tmp_path / "k.txt"
    assert main(["-q", "kwic", "ukraine", "--text", str(statement), "--output", str(out)]) == 0
    assert out.read_text(encoding="utf-8").count("[Ukraine]") == 2  # hand count
    assert main(["-q", "kwic", "zorglub", "--text", str(statement)]) == 0
    assert "no match for 'zorglub'" in caplog.text
    assert main(["-q", "kwic", "lemma:defence", "--text", str(statement), "--language", "en"]) == 0
    assert "write lemma:defense" in caplog.text


def test_collocations_refuse_a_csv_dialect_without_csv(statement, tmp_path):
    out = tmp_path / "c.csv"
    assert main(["collocations", str(statement), "--csv-dialect", "excel-fr", "--output", str(out)]) == 2
    assert not out.exists()


def test_specificities_flag_only_scores_of_two_or_more(statement, tmp_path, capsys):
    other = tmp_path / "other.txt"
    other.write_text("La Syldavie parle du Sahel et du Sahel encore.\n", encoding="utf-8")
    args = ["-q", "specificities", str(statement), str(other), "--level", "theme", "--min-score", "0"]
    assert main(args) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert rows and all((r["significant"] == "True") == (abs(float(r["specificity"])) >= 2) for r in rows)


def test_spreadsheet_dialects_never_write_a_formula(tmp_path):
    import pandas as pd

    from analysis.store import write_csv

    df = pd.DataFrame({"title": ['=HYPERLINK("http://x.invalid","clic")', "+1", "-", "@a", "Alphaland"],
                       "n": [1, -2, 3, 4, 5]})  # fmt: skip
    write_csv(df, tmp_path / "plain.csv")
    write_csv(df, tmp_path / "fr.csv", dialect="excel-fr")
    plain = list(csv.DictReader((tmp_path / "plain.csv").open(encoding="utf-8")))
    fr = list(csv.DictReader((tmp_path / "fr.csv").open(encoding="utf-8-sig"), delimiter=";"))
    assert [r["title"] for r in plain] == df["title"].tolist()  # the project's own copy: exact
    assert [r["title"] for r in fr] == ["'" + t for t in df["title"][:4]] + ["Alphaland"]
    assert [r["n"] for r in fr] == ["1", "-2", "3", "4", "5"]  # numbers stay numbers
