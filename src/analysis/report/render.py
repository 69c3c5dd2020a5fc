"""Rendering of the report: executed notebook → HTML → PDF, offline and safe.

:func:`notebook_to_html` turns an executed notebook into one HTML page with
nbconvert's ``HTMLExporter`` and this package's own template
(``resources/templates/report``): no code, no prompts, no streams, no errors, no
papermill banners, no ``<Figure size …>`` reprs, and one output per display,
chosen in the order of :data:`DISPLAY_PRIORITY`. :func:`html_to_pdf` prints it
with weasyprint through :class:`SafeURLFetcher`, which serves only ``data:``
URIs and files under the run folder. :func:`notebook_to_pdf` does both.

Rendering stays bounded: an output larger than ``max_output_bytes`` (2 MB) is
replaced by a short notice, and so is every output once ``max_total_bytes``
(20 MB) have been printed; a notebook file over ``max_file_bytes`` (100 MB) is
refused rather than read.
No LaTeX, no browser, nothing fetched from the network.

Examples
--------
>>> from analysis.report.render import DISPLAY_PRIORITY
>>> DISPLAY_PRIORITY[0]
'image/svg+xml'
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from pathlib import Path
from typing import Any

from analysis import __version__, config, i18n
from analysis.report.blocks import MAX_OUTPUT_BYTES, _check_lang, _esc, clean_text
from analysis.report.fetch import safe_url_fetcher

logger = logging.getLogger(__name__)

REPORT_TEMPLATE_NAME: str = "report"
REPORT_TEMPLATE_DIR: Path = config.TEMPLATES_DIR / REPORT_TEMPLATE_NAME
"""Folder of the nbconvert template (``index.html.j2``, ``conf.json``) and ``report.css``."""

STYLESHEET: Path = REPORT_TEMPLATE_DIR / "report.css"

DISPLAY_PRIORITY: tuple[str, ...] = (
    "image/svg+xml",
    "text/html",
    "text/markdown",
    "image/png",
    "image/jpeg",
    "text/plain",
)
"""Mimetypes printed, best first: each output keeps only the first one it has."""

MAX_NOTEBOOK_BYTES: int = 20 * 1024 * 1024
"""Total output budget of one report; later outputs are replaced by a notice."""

MAX_NOTEBOOK_FILE_BYTES: int = 100 * 1024 * 1024
"""Largest notebook file read at all (larger files are refused, not rendered)."""

SKIP_TAGS: frozenset[str] = frozenset(
    {
        "remove_cell",
        "remove-cell",
        "remove_output",
        "remove-output",
        "hide-output",
        "report-skip",
        "papermill-error-cell-tag",
    }
)
"""Cell tags whose cells never reach the report."""

# One object repr per line: <Figure size 640x480 with 1 Axes>, [<matplotlib.lines.Line2D
# at 0x7f…>], <Axes: xlabel='x'>, Text(0.5, 1.0, 'title').
_REPR_LINE_RE = re.compile(r"^\s*\[?\s*(?:<[^<>]*>|Text\(.*\))\s*(?:,|\])?\s*$")


class ReportError(RuntimeError):
    """The report cannot be rendered (missing notebook, notebook too large…)."""


# --------------------------------------------------------------------------- notebook → HTML


def _omitted(message: str) -> dict[str, Any]:
    """Return a display_data output holding a notice instead of an output."""
    return {
        "output_type": "display_data",
        "data": {"text/html": f'<p class="omitted">{_esc(message)}</p>'},
        "metadata": {},
    }


def _is_repr_only(text: str) -> bool:
    """Return True for text/plain made only of object reprs (``<Figure size …>``)."""
    lines = [line for line in text.splitlines() if line.strip()]
    return bool(lines) and all(_REPR_LINE_RE.match(line) for line in lines)


def _output_size(value: Any) -> int:
    """Return the size (characters) of one output's chosen data."""
    return len(value) if isinstance(value, str) else len(str(value))


def prepare_notebook(
    nb: Any,
    *,
    lang: str = "fr",
    max_output_bytes: int = MAX_OUTPUT_BYTES,
    max_total_bytes: int = MAX_NOTEBOOK_BYTES,
) -> tuple[Any, dict[str, int]]:
    """Keep only what the brief prints: markdown cells and one rich output per display.

    Removes code, streams, errors, papermill banners, cells tagged with one of
    :data:`SKIP_TAGS`, and text/plain object reprs; keeps in each display the
    first mimetype of :data:`DISPLAY_PRIORITY`; replaces outputs over the size
    limits with a notice; cleans XML-invalid characters. The notebook is
    modified in place.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A version 4 notebook.
    lang : str
        Language of the notices.
    max_output_bytes : int
        Largest single output printed.
    max_total_bytes : int
        Output budget of the whole report.

    Returns
    -------
    tuple of (NotebookNode, dict of str to int)
        The notebook, and counts of what was left out (``stream``, ``error``,
        ``repr``, ``unprintable``, ``too_large``, ``over_budget``, ``skipped_cells``).

    Examples
    --------
    >>> import nbformat
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)", outputs=[
    ...     nbformat.v4.new_output("stream", name="stdout", text="1\\n")])])
    >>> prepare_notebook(nb)[1]["stream"]
    1
    """
    import nbformat

    messages = i18n.messages(i18n.REPORT, lang)
    counts = dict.fromkeys(
        ("stream", "error", "repr", "unprintable", "too_large", "over_budget", "skipped_cells"), 0
    )
    used = 0
    kept_cells = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        if tags & SKIP_TAGS:
            counts["skipped_cells"] += 1
            continue
        if cell.cell_type == "markdown":
            source = clean_text(cell.source)
            if "papermill-error-cell" in source:
                counts["skipped_cells"] += 1
                continue
            if len(source) > max_output_bytes or used + len(source) > max_total_bytes:
                counts["too_large"] += 1
                source = ""
            used += len(source)
            cell.source = source
            kept_cells.append(cell)
            continue
        if cell.cell_type != "code":
            counts["skipped_cells"] += 1
            continue
        cell.source = ""
        outputs = []
        for output in cell.get("outputs", []):
            kind = output.get("output_type")
            if kind == "stream":
                counts["stream"] += 1
                continue
            if kind == "error":
                counts["error"] += 1
                continue
            if kind not in ("display_data", "execute_result"):
                counts["unprintable"] += 1
                continue
            data = output.get("data", {})
            mime = next((m for m in DISPLAY_PRIORITY if m in data), None)
            if mime is None:
                counts["unprintable"] += 1
                continue
            value = data[mime]
            if isinstance(value, list):  # pragma: no cover - nbformat.read joins lines
                value = "".join(value)
            if not isinstance(value, str):
                counts["unprintable"] += 1
                continue
            is_base64 = mime in ("image/png", "image/jpeg")
            value = re.sub(r"\s+", "", value) if is_base64 else clean_text(value)
            if mime == "text/plain" and (_is_repr_only(value) or not value.strip()):
                counts["repr"] += 1
                continue
            size = _output_size(value)
            if size > max_output_bytes:
                counts["too_large"] += 1
                outputs.append(
                    nbformat.from_dict(
                        _omitted(
                            messages["omitted_output"].format(
                                size=i18n.human_size(size), limit=i18n.human_size(max_output_bytes)
                            )
                        )
                    )
                )
                continue
            if used + size > max_total_bytes:
                counts["over_budget"] += 1
                outputs.append(
                    nbformat.from_dict(
                        _omitted(messages["omitted_budget"].format(limit=i18n.human_size(max_total_bytes)))
                    )
                )
                continue
            used += size
            metadata = output.get("metadata", {}).get(mime, {})
            alt = metadata.get("alt", "") if isinstance(metadata, dict) else ""
            outputs.append(
                nbformat.from_dict(
                    {
                        "output_type": "display_data",
                        "data": {mime: value},
                        "metadata": {"alt": clean_text(alt)},
                    }
                )
            )
        cell.outputs = outputs
        if outputs:
            kept_cells.append(cell)
    nb.cells = kept_cells
    if counts["error"]:
        logger.warning("report: %d error output(s) left out of the brief", counts["error"])
    dropped = {key: value for key, value in counts.items() if value}
    if dropped:
        logger.info("report: left out %s", dropped)
    return nb, counts


def template_hash() -> str:
    """Return the SHA-256 of the report template and stylesheet files.

    Returns
    -------
    str
        Hex digest over the files of :data:`REPORT_TEMPLATE_DIR` (names and bytes).

    Examples
    --------
    >>> len(template_hash())
    64
    """
    digest = hashlib.sha256()
    for path in sorted(REPORT_TEMPLATE_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(REPORT_TEMPLATE_DIR).as_posix().encode("utf-8"))
            digest.update(b"\0")
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def _svg_data_uri(svg: str) -> str:
    """Jinja filter: SVG text → base64 ``data:`` URI."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _read_notebook(notebook_path: Path, max_file_bytes: int) -> Any:
    """Read a notebook, refusing files larger than ``max_file_bytes``."""
    import nbformat

    path = Path(notebook_path)
    if not path.is_file():
        raise ReportError(f"no notebook at {path}")
    size = path.stat().st_size
    if size > max_file_bytes:
        raise ReportError(
            f"notebook {path} is {i18n.human_size(size)}: refused (limit {i18n.human_size(max_file_bytes)})"
        )
    return nbformat.read(path, as_version=4)


def notebook_to_html(
    notebook_path: Path | str,
    *,
    lang: str = "fr",
    title: str | None = None,
    meta: dict[str, Any] | None = None,
    max_output_bytes: int = MAX_OUTPUT_BYTES,
    max_total_bytes: int = MAX_NOTEBOOK_BYTES,
    max_file_bytes: int = MAX_NOTEBOOK_FILE_BYTES,
) -> str:
    """Render an executed report notebook as one print-ready HTML page, without code.

    Parameters
    ----------
    notebook_path : path-like
        The executed ``.ipynb``.
    lang : str
        Language of the brief (``lang`` of ``<html>``: hyphenation, notices).
    title : str, optional
        Title in the running header and the PDF metadata; defaults to the
        notebook's ``metadata.title``, else the file name.
    meta : dict, optional
        The document's ``author``, ``subject``, ``keywords`` (list) and ``created``
        (ISO time), written as ``<meta>`` elements: weasyprint makes them the PDF's
        Author, Subject, Keywords and CreationDate (see
        :func:`analysis.report.front.document_metadata`).
    max_output_bytes, max_total_bytes : int
        Size limits of outputs (see :func:`prepare_notebook`).
    max_file_bytes : int
        Larger notebook files raise :class:`ReportError` without being read.

    Returns
    -------
    str
        The HTML document, stylesheet inlined.

    Examples
    --------
    >>> import nbformat, tempfile, pathlib
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Bonjour")])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "r.ipynb"
    >>> nbformat.write(nb, path)
    >>> "Bonjour</h1>" in notebook_to_html(path, title="Essai")
    True
    """
    from nbconvert import HTMLExporter

    lang = _check_lang(lang)
    path = Path(notebook_path)
    nb = _read_notebook(path, max_file_bytes)
    if title is None:
        title = str(nb.metadata.get("title") or path.stem)
    nb, _ = prepare_notebook(
        nb, lang=lang, max_output_bytes=max_output_bytes, max_total_bytes=max_total_bytes
    )
    exporter = HTMLExporter(
        template_name=REPORT_TEMPLATE_NAME,
        extra_template_basedirs=[str(config.TEMPLATES_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=False,
    )
    exporter.display_data_priority = list(DISPLAY_PRIORITY)
    exporter.register_filter("svg_data_uri", _svg_data_uri)
    resources = {
        "report": {
            "lang": lang,
            "title": clean_text(title),
            "css": STYLESHEET.read_text(encoding="utf-8"),
            "generator": f"analysis {__version__}; report template sha256:{template_hash()[:16]}",
            "meta": {k: (clean_text(v) if isinstance(v, str) else [clean_text(x) for x in v])
                     for k, v in (meta or {}).items() if k in ("author", "subject", "keywords", "created")},
        },
        "metadata": {"path": str(path.parent)},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return clean_text(body)


# --------------------------------------------------------------------------- HTML → PDF


#: weasyprint's PDF variant: PDF/UA-1, a tagged PDF (structure, reading order, alternative
#: texts) with its metadata stream and the document's language, fonts embedded.
PDF_VARIANT: str = "pdf/ua-1"


def html_to_pdf(html: str, pdf_path: Path | str, *, base_dir: Path | str) -> Path:
    """Print HTML to a tagged PDF (:data:`PDF_VARIANT`), fetching only ``data:`` and files under base_dir.

    The PDF is written to a temporary file next to ``pdf_path`` and moved into
    place, so a reader never sees half a PDF; its mode is 0644.

    Parameters
    ----------
    html : str
        The document (from :func:`notebook_to_html`).
    pdf_path : path-like
        Where to write the PDF (parent folders are created).
    base_dir : path-like
        Folder relative URLs resolve against, and the only folder files are read from.

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> html_to_pdf("<p>ok</p>", folder / "a.pdf", base_dir=folder).name
    'a.pdf'
    """
    from weasyprint import HTML

    base = Path(base_dir).resolve(strict=True)
    if not base.is_dir():
        raise ReportError(f"base_dir is not a folder: {base}")
    from analysis.store import atomic_path

    target = Path(pdf_path)
    document = HTML(
        string=clean_text(html),
        base_url=base.as_uri() + "/",
        url_fetcher=safe_url_fetcher(base),
    )
    with atomic_path(target) as tmp:  # the one atomic writer: 0644, raw data refused
        document.write_pdf(tmp, pdf_variant=PDF_VARIANT)
    logger.info("wrote %s (%s)", target, i18n.human_size(target.stat().st_size))
    return target


def notebook_to_pdf(
    notebook_path: Path | str,
    pdf_path: Path | str,
    *,
    lang: str = "fr",
    title: str | None = None,
    base_dir: Path | str | None = None,
    meta: dict[str, Any] | None = None,
    html_path: Path | str | None = None,
    max_output_bytes: int = MAX_OUTPUT_BYTES,
    max_total_bytes: int = MAX_NOTEBOOK_BYTES,
    max_file_bytes: int = MAX_NOTEBOOK_FILE_BYTES,
) -> Path:
    """Render an executed report notebook to a PDF brief (no code, no LaTeX, no browser).

    Parameters
    ----------
    notebook_path : path-like
        The executed ``.ipynb``.
    pdf_path : path-like
        Where to write the PDF (atomically).
    lang : str
        Language of the brief.
    title : str, optional
        Running-header title (see :func:`notebook_to_html`).
    base_dir : path-like, optional
        Folder resources may be read from; defaults to the notebook's folder.
    meta : dict, optional
        Document metadata (see :func:`notebook_to_html`).
    html_path : path-like, optional
        Also write the HTML the PDF is printed from there: the brief's twin for
        reading on screen (self-contained: stylesheet and figures inlined).
    max_output_bytes, max_total_bytes : int
        Size limits of outputs (see :func:`prepare_notebook`).
    max_file_bytes : int
        Larger notebook files raise :class:`ReportError` without being read.

    Returns
    -------
    pathlib.Path
        ``pdf_path``.

    Examples
    --------
    >>> import nbformat, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> nbformat.write(nbformat.v4.new_notebook(), folder / "r.ipynb")
    >>> notebook_to_pdf(folder / "r.ipynb", folder / "r.pdf").exists()
    True
    """
    path = Path(notebook_path)
    html = notebook_to_html(
        path,
        lang=lang,
        title=title,
        meta=meta,
        max_output_bytes=max_output_bytes,
        max_total_bytes=max_total_bytes,
        max_file_bytes=max_file_bytes,
    )
    if html_path is not None:
        from analysis.store import write_text

        write_text(html, html_path)
    return html_to_pdf(html, pdf_path, base_dir=path.parent if base_dir is None else base_dir)
