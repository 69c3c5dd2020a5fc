"""The main job, ``python -m analysis run``: check, run the notebooks, render the PDF.

:func:`run_report` checks the parameters and the comparison's selection before any
kernel starts (bad input exits 2 and creates nothing), hashes the inputs, then calls
:func:`analysis.runs.runner.run` with :func:`finalize_report` as its ``finalize`` step:
it gathers the run's CSV tables into ``tables/tables.xlsx`` (:func:`write_tables_workbook`)
and renders the PDF (:func:`render_report`). The run only succeeds, and ``reports/latest``
only moves, once both are written.
"""

from __future__ import annotations

import csv
import functools
import json
import logging
import math
import re
import time
from pathlib import Path
from typing import Any

from analysis import config
from analysis.runs.errors import RunTimedOut, _BudgetExceeded
from analysis.runs.params import validate_parameters
from analysis.runs.runner import run
from analysis.runs.signals import time_budget

logger = logging.getLogger(__name__)

__all__ = ["TABLES_WORKBOOK", "finalize_report", "render_report", "run_report", "write_tables_dialect",
           "write_tables_workbook"]

#: The workbook a run writes in its ``tables/`` folder: one sheet per CSV table.
TABLES_WORKBOOK = "tables.xlsx"

_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")


def report_stem(focus_id: str, lang: str) -> str:
    """The brief's file name without extension: the focus and the brief's language.

    Examples
    --------
    >>> report_stem("fr-ca-2024-09-26-press-fr", "en")
    'report-fr-ca-2024-09-26-press-fr-en'
    """
    return f"report-{focus_id}-{lang}"


def render_report(run_dir: Path, manifest: dict[str, Any]) -> Path:
    """Render the executed report notebook of a run folder to ``report-<focus>-<lang>.pdf`` and ``.html``.

    The PDF's metadata (title, author, subject, keywords, creation date) are those
    the brief wrote to ``report.json`` (:func:`analysis.report.front.front_page`).

    Used as the ``finalize`` step of :func:`analysis.runs.run`: the run only
    succeeds (and ``reports/latest`` only moves) if the PDF was written.

    Parameters
    ----------
    run_dir : Path
        The run folder holding the executed ``*report*.ipynb``.
    manifest : dict
        The run's manifest (its ``parameters`` give the focus, the language and the title).

    Returns
    -------
    Path
        The PDF, ``run_dir / "report-<focus_id>-<lang>.pdf"`` (its HTML twin beside it).
    """
    from analysis.i18n import BRIEF as TEXT
    from analysis.report import notebook_to_pdf
    from analysis.report.front import METADATA_FILE

    params = manifest.get("parameters", {})
    lang = params.get("lang", "fr")
    focus = params.get("focus_id", config.DEFAULT_FOCUS_ID)
    notebooks = sorted(Path(run_dir).glob("*report*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"{run_dir}: no executed report notebook to render")
    stem = report_stem(focus, lang)
    pdf = Path(run_dir) / f"{stem}.pdf"
    meta_file = Path(run_dir) / METADATA_FILE
    meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
    notebook_to_pdf(
        notebooks[-1],
        pdf,
        lang=lang,
        title=meta.get("title") or params.get("report_title") or TEXT.get(lang, TEXT["fr"])["title"],
        base_dir=Path(run_dir),
        meta=meta,
        html_path=Path(run_dir) / f"{stem}.html",
    )
    logger.info("report written: %s", pdf)
    return pdf


def _cell(text: str) -> object:
    """A CSV field as the workbook holds it: a number or boolean only when its text is canonical.

    The text of the CSV is kept whenever a conversion would change it (``007``, ``1e3``,
    ``nan``, integers of 16 digits or more, which Excel would round).

    Examples
    --------
    >>> [_cell(t) for t in ["", "3", "-0", "007", "0.5", "1e-05", "1e3", "nan", "True", "Syldavie"]]
    [None, 3, '-0', '007', 0.5, 1e-05, '1e3', 'nan', True, 'Syldavie']
    """
    if text == "":
        return None
    if text in ("True", "False"):
        return text == "True"
    if _INTEGER.fullmatch(text):
        value = int(text)
        return value if str(value) == text and abs(value) < 10**15 else text
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) and repr(number) == text else text


def _read_table(path: Path) -> Any:
    """One CSV table (UTF-8, with or without BOM) as a DataFrame of cells (:func:`_cell`), or None.

    None for a file whose rows are not all as long as its header (the table is left out
    of the workbook; its CSV stays).
    """
    import pandas as pd

    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return pd.DataFrame()
    header, body = rows[0], rows[1:]
    if any(len(row) != len(header) for row in body):
        logger.warning("%s: rows of unequal length, left out of %s", path.name, TABLES_WORKBOOK)
        return None
    return pd.DataFrame([[_cell(v) for v in row] for row in body], columns=header, dtype=object)


def write_tables_workbook(run_dir: Path | str) -> Path | None:
    """Gather the CSV tables of a run folder into ``tables/tables.xlsx``, one sheet per CSV.

    Sheets follow the CSV file names in sorted order, each named after its file
    (:func:`analysis.store.excel_sheet_names` makes the names valid for Excel). A cell
    holds a number or a boolean when its CSV text is that value written canonically,
    otherwise the text itself; an empty field is an empty cell. A table over Excel's
    limits is left out (with a warning); the CSV files stay the reference copy.

    Parameters
    ----------
    run_dir : path-like
        The run folder (its ``tables/`` holds the CSV files the notebooks wrote).

    Returns
    -------
    Path or None
        The workbook, or None when ``tables/`` holds no CSV table (nothing is written).

    Examples
    --------
    >>> import tempfile, pathlib, openpyxl
    >>> run_dir = pathlib.Path(tempfile.mkdtemp())
    >>> (run_dir / "tables").mkdir()
    >>> _ = (run_dir / "tables" / "themes.csv").write_text("theme,n\\nénergie,3\\n", encoding="utf-8")
    >>> book = openpyxl.load_workbook(write_tables_workbook(run_dir))
    >>> book.sheetnames, list(book["themes"].values)
    (['themes'], [('theme', 'n'), ('énergie', 3)])
    """
    from analysis.store import EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, write_xlsx

    folder = Path(run_dir) / "tables"
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        df = _read_table(path)
        if df is None:
            continue
        if len(df) + 1 > EXCEL_MAX_ROWS or len(df.columns) > EXCEL_MAX_COLUMNS:
            logger.warning("%s: %d rows, %d columns: over Excel's limits, left out of %s",
                           path.name, len(df), len(df.columns), TABLES_WORKBOOK)  # fmt: skip
            continue
        tables[path.stem] = df
    if not tables:
        logger.info("%s: no CSV table, no %s", folder, TABLES_WORKBOOK)
        return None
    workbook = write_xlsx(tables, folder / TABLES_WORKBOOK)
    logger.info("tables written: %s (%d sheets)", workbook, len(tables))
    return workbook


def write_tables_dialect(run_dir: Path | str, dialect: str) -> Path:
    """Copies of the run's CSV tables in another CSV dialect, in ``tables/<dialect>/``.

    The tables of ``tables/`` stay as the notebooks wrote them (``plain``: the copy other
    tools read); ``excel-fr`` copies open by double-click in a French-locale spreadsheet.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> run_dir = pathlib.Path(tempfile.mkdtemp())
    >>> (run_dir / "tables").mkdir()
    >>> _ = (run_dir / "tables" / "t.csv").write_text("theme,rate\\nénergie,0.5\\n", encoding="utf-8")
    >>> (write_tables_dialect(run_dir, "excel-fr") / "t.csv").read_bytes().decode("utf-8-sig")
    'theme;rate\\nénergie;0,5\\n'
    """
    from analysis.store import CSV_DIALECTS, atomic_open

    flavour = CSV_DIALECTS[dialect]
    folder = Path(run_dir) / "tables"
    out = folder / dialect
    for path in sorted(folder.glob("*.csv")):
        with open(path, encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.reader(fh))
        # each field keeps its text; a number written as a float takes the dialect's decimal mark
        converted = [
            [v.replace(".", str(flavour["decimal"])) if isinstance(_cell(v), float) else v for v in row]
            for row in rows
        ]
        encoding = "utf-8-sig" if flavour["bom"] else "utf-8"
        with atomic_open(out / path.name, encoding=encoding) as fh:
            csv.writer(fh, delimiter=str(flavour["sep"]), lineterminator="\n").writerows(converted)
    logger.info("tables copied as %s CSV into %s", dialect, out)
    return out


def finalize_report(run_dir: Path, manifest: dict[str, Any], *, csv_dialect: str = "plain") -> Path:
    """The ``finalize`` step of the main job: ``tables/tables.xlsx``, then the PDF and its HTML twin.

    Parameters
    ----------
    run_dir : Path
        The run folder, all notebooks executed.
    manifest : dict
        The run's manifest (see :func:`render_report`).
    csv_dialect : str
        Also copy the tables in this CSV dialect (:func:`write_tables_dialect`) unless ``plain``.

    Returns
    -------
    Path
        The PDF (:func:`render_report`).
    """
    write_tables_workbook(run_dir)
    if csv_dialect != "plain":
        write_tables_dialect(run_dir, csv_dialect)
    return render_report(run_dir, manifest)


def run_report(params: dict[str, Any] | None = None, **options: Any) -> Path:
    """Run the notebooks into a new run folder and render the PDF; return the PDF path.

    Parameters
    ----------
    params : dict or None
        Notebook parameters (see :func:`analysis.runs.validate_parameters`).
    **options
        Passed to :func:`analysis.runs.run` (``keep``, ``cell_timeout``, ``total_timeout``,
        ``progress``, ``runs_dir``, ``latest``, ``lock_file``...).

    Returns
    -------
    Path
        The PDF of the new run, now under ``latest``.
    """
    from analysis.compare import check_selection
    from analysis.report.brief import compare_arguments

    # preflight, before any kernel starts: parameter names and types, then the selection itself
    # (unknown focus, no reference left, a bad manifest or dictionary are bad input, exit 2)
    t0 = time.monotonic()
    total = float(options.get("total_timeout", 1800))
    notebooks = options.get("notebooks") or config.report_notebooks()
    resolved, _per_notebook = validate_parameters(params or {}, notebooks)
    if {"focus_id", "reference_language", "since"} <= set(resolved):
        keys = ("focus_id", "corpus_manifest", "dictionary_path", "reference_language", "reference_parties",
                "since", "until", "window", "min_count")  # fmt: skip
        try:  # the pre-check (it reads the manifests and the dictionary) spends the run's budget too
            with time_budget(total):
                arguments = compare_arguments(**{k: resolved[k] for k in keys if k in resolved})
                check_selection(**{k: v for k, v in arguments.items() if k != "min_count"})
        except _BudgetExceeded:
            raise RunTimedOut(
                f"total run timeout of {total:g} s exceeded while checking the comparison's selection"
            ) from None
    options["budget_started"] = t0

    reference = sorted(p for p in config.REFERENCE_DIR.glob("*") if p.suffix in (".csv", ".parquet", ".json"))
    raw = [config.RAW_MANIFEST, *sorted(config.RAW_DIR.glob("*.txt"))]
    user = []
    if (params or {}).get("corpus_manifest"):  # a user corpus: hash its manifest's texts too
        from analysis.corpus import corpus

        user = [Path(p) for p in corpus(params["corpus_manifest"], on_error="skip").docs["path"]]
    options.setdefault("inputs", [*raw, *user, config.DEFAULT_DICTIONARY, *reference])
    dialect = options.pop("csv_dialect", "plain")
    finalize = functools.partial(finalize_report, csv_dialect=dialect)
    result = run(params or {}, finalize=finalize, **options)
    pdfs = sorted(result.run_dir.glob("report-*.pdf"))
    return pdfs[-1]
