"""Tables for spreadsheet users: BOM CSVs (:func:`analysis.store.write_csv`), Excel workbooks
(:func:`analysis.store.write_xlsx`) and the run's ``tables/tables.xlsx``
(:func:`analysis.runs.job.write_tables_workbook`, the ``finalize`` step of the main job).

Expected values never come from the code under test: a workbook is read back with openpyxl
and compared, cell by cell, with the CSV read by the standard ``csv`` module (or with the
Python values the synthetic frame was built from). The data are synthetic words ("alpha",
"Syldavie", "énergie"...), not real statements.
"""

from __future__ import annotations

import csv
import logging
import math
import zipfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analysis.runs import job
from analysis.store import EXCEL_MAX_ROWS, excel_sheet_names, write_csv, write_xlsx

FIXTURES = Path(__file__).parent / "fixtures" / "notebooks"
OK = FIXTURES / "ok.ipynb"
BOM = b"\xef\xbb\xbf"


def synthetic_frame() -> pd.DataFrame:
    """Words, counts, rates, flags and a gap: the kinds of column a run's tables hold."""
    return pd.DataFrame(
        {
            "word": ["alpha", "Syldavie", "énergie", "défense-sécurité", "Bordurie"],
            "n": [3, 0, 12, 7, 1],
            "per_1000": [0.1 + 0.2, 1.5, 1e-05, 21.428571428571427, 2.0],
            "testable": [True, False, True, True, False],
            "note": ["", "«guillemets»", None, "l’Ukraine", "a,b"],
        }
    )


def read_csv_rows(path: Path) -> list[list[str]]:
    """The CSV as text fields, read by the standard library (BOM or not)."""
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def read_sheet(book: openpyxl.Workbook, name: str) -> list[list[object]]:
    return [list(row) for row in book[name].iter_rows(values_only=True)]


def load(path: Path) -> openpyxl.Workbook:
    with open(path, "rb") as fh:
        return openpyxl.load_workbook(fh)


def assert_cell_matches(value: object, text: str, where: str) -> None:
    """An xlsx cell against its CSV text.

    Text must be identical; an empty cell is an empty field; a number equals the field's
    number to 15 significant digits (openpyxl writes numbers with ``%.16g``, and 1.0 comes
    back as the integer 1: the same value for a spreadsheet).
    """
    if value is None:
        assert text == "", where
    elif isinstance(value, bool):
        assert text == str(value), where
    elif isinstance(value, int | float):
        assert math.isclose(float(text), value, rel_tol=1e-15, abs_tol=0.0), (where, text, value)
    else:
        assert isinstance(value, str) and value == text, (where, text, value)


def assert_sheet_equals_csv(book: openpyxl.Workbook, sheet: str, csv_path: Path) -> None:
    rows = read_csv_rows(csv_path)
    cells = read_sheet(book, sheet)
    assert len(cells) == len(rows), sheet
    for i, (row, texts) in enumerate(zip(cells, rows, strict=True)):
        assert len(row) == len(texts), (sheet, i)
        for j, (value, text) in enumerate(zip(row, texts, strict=True)):
            assert_cell_matches(value, text, f"{sheet}!R{i + 1}C{j + 1}")


# --------------------------------------------------------------------------- BOM CSV


def test_bom_csv_starts_with_the_mark_and_reads_back_as_the_same_frame(tmp_path):
    df = synthetic_frame()
    plain = write_csv(df, tmp_path / "plain.csv")
    marked = write_csv(df, tmp_path / "marked.csv", bom=True)
    raw = marked.read_bytes()
    assert raw.startswith(BOM) and not raw[3:].startswith(BOM)  # one mark, not two
    assert not plain.read_bytes().startswith(BOM)  # the default stays plain UTF-8
    # the same bytes after the mark as the plain file: only the mark differs
    assert raw[len(BOM) :] == plain.read_bytes()
    # pandas reading the BOM file as utf-8-sig gives the frame read from the plain file
    back = pd.read_csv(marked, encoding="utf-8-sig")
    pd.testing.assert_frame_equal(back, pd.read_csv(plain, encoding="utf-8"))
    assert list(back.columns) == list(df.columns)  # no "\ufeffword" header
    assert back["word"].tolist() == df["word"].tolist()
    assert back["n"].tolist() == df["n"].tolist()
    # and the standard csv module, independently, reads the accented words intact
    rows = read_csv_rows(marked)
    assert rows[0] == list(df.columns)
    assert [r[0] for r in rows[1:]] == ["alpha", "Syldavie", "énergie", "défense-sécurité", "Bordurie"]


def test_bom_csv_is_written_atomically(tmp_path):
    path = write_csv(synthetic_frame(), tmp_path / "t.csv", bom=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]  # no temporary file left
    write_csv(synthetic_frame().head(1), path, bom=True)  # replaced, not appended to
    assert path.read_bytes().count(BOM) == 1
    assert len(read_csv_rows(path)) == 2


# --------------------------------------------------------------------------- write_xlsx


def test_workbook_sheets_equal_the_csvs_of_the_same_frames(tmp_path):
    frames = {"themes": synthetic_frame(), "counts": synthetic_frame()[["word", "n"]]}
    path = write_xlsx(frames, tmp_path / "tables.xlsx")
    book = load(path)
    assert book.sheetnames == ["themes", "counts"]  # one sheet per table, in order
    for name, df in frames.items():
        assert_sheet_equals_csv(book, name, write_csv(df, tmp_path / f"{name}.csv"))
    # and the types a spreadsheet user sorts and sums by, read back as such
    rows = read_sheet(book, "themes")
    assert rows[0] == ["word", "n", "per_1000", "testable", "note"]
    assert [r[1] for r in rows[1:]] == [3, 0, 12, 7, 1]
    assert [r[3] for r in rows[1:]] == [True, False, True, True, False]
    assert rows[3][0] == "énergie" and rows[3][4] is None


def test_sheet_names_are_made_valid_and_unique(tmp_path):
    keys = ["a/b:c", "x" * 40, "x" * 40 + "y", "Themes", "themes", "[kwic]*?", "'quoted'", "", "History"]
    path = write_xlsx({k: pd.DataFrame({"k": [k]}) for k in keys}, tmp_path / "t.xlsx")
    book = load(path)
    names = book.sheetnames
    assert len(names) == len(keys)
    assert len({n.lower() for n in names}) == len(names)  # Excel compares names ignoring case
    for name in names:
        assert 1 <= len(name) <= 31 and not set(name) & set("[]:*?/\\"), name
        assert not name.startswith("'") and not name.endswith("'") and name.lower() != "history"
    # each sheet still holds its own table, in the order of the keys
    assert [book[n]["A2"].value or "" for n in names] == keys  # (an empty text is an empty cell)
    assert names[:2] == ["a_b_c", "x" * 31]
    assert names[2] == "x" * 29 + "~2" and names[4] == "themes~2"


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), min_size=1, max_size=8))
def test_excel_sheet_names_are_accepted_by_openpyxl_unchanged(keys):
    names = excel_sheet_names(keys)
    book = openpyxl.Workbook()
    book.remove(book.active)  # its default "Sheet" would make openpyxl rename ours
    for name in names:
        # openpyxl refuses forbidden characters and renames a duplicate: neither may happen
        assert book.create_sheet(title=name).title == name
    assert all(len(n) <= 31 for n in names)
    assert len({n.lower() for n in names}) == len(names)


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    texts = ["=1+1", '=HYPERLINK("http://example.invalid")', "+33 1 23 45 67 89", "-alpha", "@Syldavie"]
    path = write_xlsx({"t": pd.DataFrame({"text": texts})}, tmp_path / "t.xlsx")
    cells = list(load(path)["t"]["A"])[1:]
    assert [c.value for c in cells] == texts
    assert {c.data_type for c in cells} == {"s"}
    with zipfile.ZipFile(path) as zf:  # the sheet's own XML: no formula element at all
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and all(b"<f>" not in zf.read(n) and b"<f " not in zf.read(n) for n in sheets)


def test_control_characters_are_removed_with_a_warning(tmp_path, caplog):
    df = pd.DataFrame({"text": ["alpha\x01beta", "énergie\x0b", "tab\tand\nnewline"]})
    with caplog.at_level(logging.WARNING, logger="analysis.store"):
        path = write_xlsx({"t": df}, tmp_path / "t.xlsx")
    assert [c.value for c in load(path)["t"]["A"]][1:] == ["alphabeta", "énergie", "tab\tand\nnewline"]
    assert "control characters removed from 2 cells" in caplog.text


def test_write_xlsx_refuses_no_table_and_too_many_rows(tmp_path):
    with pytest.raises(ValueError, match="at least one table"):
        write_xlsx({}, tmp_path / "empty.xlsx")
    big = pd.DataFrame({"n": np.zeros(EXCEL_MAX_ROWS, dtype=np.int8)})  # + the header: one row too many
    with pytest.raises(ValueError, match="'big'.*over Excel's limits"):
        write_xlsx({"ok": synthetic_frame(), "big": big}, tmp_path / "big.xlsx")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_write_keeps_the_previous_workbook(tmp_path):
    path = write_xlsx({"first": synthetic_frame()}, tmp_path / "t.xlsx")
    before = path.read_bytes()
    bad = pd.DataFrame({"x": [pd.Timestamp("2024-09-26 12:00", tz="America/Toronto")]})
    with pytest.raises(ValueError, match="timezone"):  # Excel has no time zones: pandas refuses
        write_xlsx({"second": bad}, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.xlsx"]  # no temporary file left


# --------------------------------------------------------------------------- a run's tables.xlsx

TRICKY = (
    "doc_id,value,text\n"
    "007,1e3,NA\n"  # leading zero, non-canonical number, a word pandas would read as missing
    "-0,nan,null\n"
    "1234567890123456789,0.30000000000000004,=1+1\n"  # 19 digits: Excel would round it
    ",,\n"
)


def make_run_tables(run_dir: Path) -> Path:
    """A run folder's tables: plain and BOM CSVs, a tricky one, a ragged one and a non-CSV file."""
    tables = run_dir / "tables"
    tables.mkdir(parents=True)
    write_csv(synthetic_frame(), tables / "themes.csv")
    write_csv(synthetic_frame()[["word", "n"]], tables / "counts.csv", bom=True)
    (tables / "tricky.csv").write_text(TRICKY, encoding="utf-8")
    (tables / "ragged.csv").write_text("a,b\n1,2,3\n", encoding="utf-8")
    (tables / "notes.txt").write_text("not a table\n", encoding="utf-8")
    return tables


def test_run_tables_workbook_has_one_sheet_per_csv_equal_to_it(tmp_path, caplog):
    tables = make_run_tables(tmp_path / "run")
    with caplog.at_level(logging.WARNING, logger="analysis.runs.job"):
        path = job.write_tables_workbook(tmp_path / "run")
    assert path == tables / "tables.xlsx"
    book = load(path)
    # every CSV but the malformed one, in file-name order; the .txt is no table
    assert book.sheetnames == ["counts", "themes", "tricky"]
    assert "ragged.csv: rows of unequal length" in caplog.text
    for name in book.sheetnames:
        assert_sheet_equals_csv(book, name, tables / f"{name}.csv")
    # the tricky fields keep their text exactly (assert_cell_matches only checks numbers to 15 digits)
    rows = read_sheet(book, "tricky")
    assert rows[1] == ["007", "1e3", "NA"]
    assert rows[2] == ["-0", "nan", "null"]
    assert rows[3][0] == "1234567890123456789" and rows[3][2] == "=1+1"
    assert rows[4] == [None, None, None]


def test_run_tables_workbook_without_csv_writes_nothing(tmp_path):
    (tmp_path / "tables").mkdir()
    assert job.write_tables_workbook(tmp_path) is None
    assert list((tmp_path / "tables").iterdir()) == []


def fake_render(written: list[Path]):
    def render(run_dir: Path, manifest: dict) -> Path:
        # the workbook is already there when the PDF step starts
        written.append(Path(run_dir) / "tables" / "tables.xlsx")
        assert written[-1].is_file()
        pdf = Path(run_dir) / "report-fixture-fr.pdf"
        pdf.write_bytes(b"%PDF-1.7 stand-in\n")
        return pdf

    return render


def test_run_report_finalize_writes_the_workbook_before_the_pdf(tmp_path, monkeypatch):
    """``run_report``'s finalize step (kernels and PDF stood in for): tables.xlsx, then the PDF."""
    run_dir = tmp_path / "runs" / "20250101T000000Z-fixture"
    calls: list[Path] = []

    def fake_run(params, *, finalize, **options):
        make_run_tables(run_dir)
        finalize(run_dir, {"parameters": {"focus_id": "fixture", "lang": "fr"}})
        return SimpleNamespace(run_dir=run_dir)

    monkeypatch.setattr(job, "run", fake_run)
    monkeypatch.setattr(job, "render_report", fake_render(calls))
    pdf = job.run_report({}, notebooks=[OK])
    assert pdf == run_dir / "report-fixture-fr.pdf"
    assert calls == [run_dir / "tables" / "tables.xlsx"]
    book = load(calls[0])
    for name in book.sheetnames:
        assert_sheet_equals_csv(book, name, run_dir / "tables" / f"{name}.csv")


@pytest.mark.slow
def test_a_real_run_writes_tables_xlsx_equal_to_its_csvs(tmp_path, monkeypatch):
    """The fixture notebook in a kernel, the real runner and finalize step; only the PDF stood in for."""
    assert "parameters" in nbformat.read(OK, as_version=4).cells[1].metadata.get("tags", [])
    calls: list[Path] = []
    monkeypatch.setattr(job, "render_report", fake_render(calls))
    area = {"runs_dir": tmp_path / "runs", "latest": tmp_path / "latest", "lock_file": tmp_path / ".lock"}
    pdf = job.run_report({"n": 5}, notebooks=[OK], progress=False, **area)
    tables = pdf.parent / "tables"
    assert calls == [tables / "tables.xlsx"]
    assert sorted(p.name for p in tables.iterdir()) == ["ok.csv", "tables.xlsx"]
    book = load(tables / "tables.xlsx")
    assert book.sheetnames == ["ok"]
    assert_sheet_equals_csv(book, "ok", tables / "ok.csv")
    assert read_sheet(book, "ok") == [["focus_id", "n"], ["fixture", 5]]  # the notebook wrote n=5
    assert (tmp_path / "latest").resolve() == pdf.parent.resolve()  # the run succeeded
