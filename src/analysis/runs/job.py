"""The main job, ``python -m analysis run``: check, run the notebooks, render the PDF.

:func:`run_report` checks the parameters and the comparison's selection before any
kernel starts (bad input exits 2 and creates nothing), hashes the inputs, then calls
:func:`analysis.runs.runner.run` with :func:`render_report` as its ``finalize`` step:
the run only succeeds, and ``reports/latest`` only moves, once the PDF is written.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

from analysis import config
from analysis.runs.errors import RunTimedOut, _BudgetExceeded
from analysis.runs.params import validate_parameters
from analysis.runs.runner import run
from analysis.runs.signals import time_budget

logger = logging.getLogger(__name__)

__all__ = ["render_report", "run_report"]


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
    notebooks = options.get("notebooks") or sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
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
    result = run(params or {}, finalize=render_report, **options)
    pdfs = sorted(result.run_dir.glob("report-*.pdf"))
    return pdfs[-1]
