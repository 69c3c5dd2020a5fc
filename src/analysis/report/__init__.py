"""The report wing: display blocks for the report notebook, the brief, and notebook → HTML → PDF.

Modules:

* :mod:`analysis.report.blocks`: :class:`Block`, :func:`concat`, :func:`title_page`,
  :func:`section`, :func:`paragraphs`, :func:`bullet_list`, :func:`note`, :func:`figure`;
* :mod:`analysis.report.tables`: :func:`table`, :func:`kwic_block`;
* :mod:`analysis.report.render`: :func:`prepare_notebook`, :func:`notebook_to_html`,
  :func:`html_to_pdf`, :func:`notebook_to_pdf`, :func:`template_hash`;
* :mod:`analysis.report.fetch`: :class:`SafeURLFetcher`, :func:`safe_url_fetcher`;
* :mod:`analysis.report.brief` (the stakeholder brief, section by section),
  :mod:`analysis.report.findings` (its executive summary) and
  :mod:`analysis.report.methodology` (its method section), imported on their own
  (``from analysis.report import brief``).

Every French and English string and number style comes from :mod:`analysis.i18n`.
The names below are importable from here (``from analysis.report import table``).
Importing this package imports neither pandas, matplotlib, nbconvert nor weasyprint.

Examples
--------
>>> from analysis import report
>>> html = report.concat(report.section("Résumé"), report.paragraphs(["a < b"])).html
>>> "a &lt; b" in html
True
"""

from __future__ import annotations

from typing import Any

from analysis.report.blocks import (
    MAX_FIGURE_SVG_BYTES,
    MAX_OUTPUT_BYTES,
    Block,
    bullet_list,
    clean_text,
    concat,
    figure,
    note,
    paragraphs,
    section,
    title_page,
)
from analysis.report.fetch import MAX_FETCH_BYTES, URLRefusedError, safe_url_fetcher
from analysis.report.render import (
    DISPLAY_PRIORITY,
    MAX_NOTEBOOK_BYTES,
    MAX_NOTEBOOK_FILE_BYTES,
    REPORT_TEMPLATE_DIR,
    REPORT_TEMPLATE_NAME,
    SKIP_TAGS,
    STYLESHEET,
    ReportError,
    html_to_pdf,
    notebook_to_html,
    notebook_to_pdf,
    prepare_notebook,
    template_hash,
)
from analysis.report.tables import NumberFormat, kwic_block, table

__all__ = [
    "DISPLAY_PRIORITY",
    "MAX_FETCH_BYTES",
    "MAX_FIGURE_SVG_BYTES",
    "MAX_NOTEBOOK_BYTES",
    "MAX_NOTEBOOK_FILE_BYTES",
    "MAX_OUTPUT_BYTES",
    "REPORT_TEMPLATE_DIR",
    "REPORT_TEMPLATE_NAME",
    "SKIP_TAGS",
    "STYLESHEET",
    "Block",
    "NumberFormat",
    "ReportError",
    "SafeURLFetcher",  # noqa: F822 - built on first use by __getattr__
    "URLRefusedError",
    "bullet_list",
    "clean_text",
    "concat",
    "figure",
    "html_to_pdf",
    "kwic_block",
    "note",
    "notebook_to_html",
    "notebook_to_pdf",
    "paragraphs",
    "prepare_notebook",
    "safe_url_fetcher",
    "section",
    "table",
    "template_hash",
    "title_page",
]


def __getattr__(name: str) -> Any:
    """Return :class:`analysis.report.fetch.SafeURLFetcher`, built on first use (no weasyprint import)."""
    if name == "SafeURLFetcher":
        from analysis.report import fetch

        return fetch.SafeURLFetcher
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
