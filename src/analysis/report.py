"""The research brief: display blocks for the report notebook, and notebook → HTML → PDF.

Two halves:

* **Building blocks** the report notebook calls to show things: :func:`title_page`,
  :func:`section`, :func:`paragraphs`, :func:`bullet_list`, :func:`table`,
  :func:`figure`, :func:`kwic_block`, :func:`note`. Each returns a :class:`Block`
  (an object with ``_repr_html_``), so the same HTML shows in JupyterLab and ends
  up in the PDF. All text is cleaned of XML-invalid control characters and
  HTML-escaped: a statement quoting ``<script>`` prints as text.
* **Rendering**: :func:`notebook_to_html` turns an executed notebook into one HTML
  page with nbconvert's ``HTMLExporter`` and this package's own template
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
>>> from analysis import report
>>> html = report.concat(report.section("Résumé"), report.paragraphs(["a < b"])).html
>>> "a &lt; b" in html
True
"""

from __future__ import annotations

import base64
import hashlib
import html as html_lib
import io
import logging
import math
import mimetypes
import numbers
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from analysis import __version__, config

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from weasyprint.urls import URLFetcher

logger = logging.getLogger(__name__)

__all__ = [
    "DISPLAY_PRIORITY",
    "MAX_NOTEBOOK_BYTES",
    "MAX_NOTEBOOK_FILE_BYTES",
    "MAX_OUTPUT_BYTES",
    "REPORT_TEMPLATE_DIR",
    "Block",
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

MAX_OUTPUT_BYTES: int = 2 * 1024 * 1024
"""Largest single output (characters of HTML, SVG or base64) that is printed."""

MAX_NOTEBOOK_BYTES: int = 20 * 1024 * 1024
"""Total output budget of one report; later outputs are replaced by a notice."""

MAX_NOTEBOOK_FILE_BYTES: int = 100 * 1024 * 1024
"""Largest notebook file read at all (larger files are refused, not rendered)."""

MAX_FETCH_BYTES: int = 50 * 1024 * 1024
"""Largest local file :class:`SafeURLFetcher` serves."""

MAX_FIGURE_SVG_BYTES: int = 1_500_000
"""Above this size :func:`figure` embeds a PNG instead of the SVG of a figure."""

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

_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_ANCHOR_RE = re.compile(r"[^A-Za-z0-9_-]+")
_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")
_INVALID_XML_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
# One object repr per line: <Figure size 640x480 with 1 Axes>, [<matplotlib.lines.Line2D
# at 0x7f…>], <Axes: xlabel='x'>, Text(0.5, 1.0, 'title').
_REPR_LINE_RE = re.compile(r"^\s*\[?\s*(?:<[^<>]*>|Text\(.*\))\s*(?:,|\])?\s*$")

_MESSAGES: dict[str, dict[str, str]] = {
    "fr": {
        "kicker": "Note de recherche",
        "rows_not_shown": "{hidden} ligne(s) non affichée(s) sur {total}.",
        "no_rows": "Aucune ligne.",
        "excerpts_not_shown": "{hidden} extrait(s) non affiché(s) sur {total}.",
        "no_excerpts": "Aucun extrait.",
        "omitted_output": "Sortie non imprimée : {size} dépasse la limite de {limit} par sortie.",
        "omitted_budget": "Sortie non imprimée : le rapport dépasse la limite de {limit}.",
        "cell_truncated": " […{hidden} caractères omis]",
        "document": "Document",
        "left": "Contexte gauche",
        "keyword": "Mot-clé",
        "right": "Contexte droit",
    },
    "en": {
        "kicker": "Research brief",
        "rows_not_shown": "{hidden} row(s) not shown, of {total}.",
        "no_rows": "No rows.",
        "excerpts_not_shown": "{hidden} excerpt(s) not shown, of {total}.",
        "no_excerpts": "No excerpts.",
        "omitted_output": "Output not printed: {size} exceeds the limit of {limit} per output.",
        "omitted_budget": "Output not printed: the report exceeds its limit of {limit}.",
        "cell_truncated": " […{hidden} characters omitted]",
        "document": "Document",
        "left": "Left context",
        "keyword": "Keyword",
        "right": "Right context",
    },
}


class ReportError(RuntimeError):
    """The report cannot be rendered (missing notebook, notebook too large…)."""


class URLRefusedError(ValueError):
    """:class:`SafeURLFetcher` refuses to serve this URL (weasyprint skips the resource)."""


# --------------------------------------------------------------------------- text helpers


def clean_text(text: object) -> str:
    """Return ``text`` as a string without ANSI escapes or XML-invalid characters.

    Control characters (``\\x07``, ``\\x1b``…), lone surrogates and non-characters
    cannot appear in an XML/HTML document; they are removed rather than allowed to
    crash the renderer. Tabs and newlines are kept.

    Parameters
    ----------
    text : object
        Any value; ``str(text)`` is cleaned.

    Returns
    -------
    str
        The cleaned text.

    Examples
    --------
    >>> clean_text("bell\\x07 and \\x1b[31mred\\x1b[0m")
    'bell and red'
    """
    value = text if isinstance(text, str) else str(text)
    value = _ANSI_RE.sub("", value)
    return _INVALID_XML_RE.sub("", value)


def _esc(text: object) -> str:
    """Clean then HTML-escape ``text`` (quotes included)."""
    return html_lib.escape(clean_text(text), quote=True)


def _messages(lang: str) -> dict[str, str]:
    """Return the message catalogue of ``lang`` (English for unknown languages)."""
    return _MESSAGES.get(lang.split("-")[0].lower(), _MESSAGES["en"])


def _check_lang(lang: str) -> str:
    """Return ``lang`` if it is a plausible BCP 47 tag, else raise ``ValueError``."""
    if not isinstance(lang, str) or not _LANG_RE.match(lang):
        raise ValueError(f"not a language tag: {lang!r}")
    return lang


def _human_size(n: int) -> str:
    """Return ``n`` bytes as a short human-readable size."""
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} kB"
    return f"{n} B"


# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Block:
    """A piece of the report: HTML that displays in JupyterLab and prints in the PDF.

    Parameters
    ----------
    html : str
        Trusted HTML, built by the functions of this module from escaped text.
    kind : str
        What the block is (``"section"``, ``"table"``…), for ``repr`` only.

    Examples
    --------
    >>> block = note("Source : ministère.")
    >>> block._repr_html_()
    '<p class="note">Source : ministère.</p>'
    """

    html: str
    kind: str = "block"

    def _repr_html_(self) -> str:
        """Return the HTML shown by Jupyter (and printed by the report template)."""
        return self.html

    def __html__(self) -> str:
        """Return the HTML (the ``markupsafe`` protocol, for Jinja templates)."""
        return self.html

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"<report {self.kind}, {len(self.html)} characters of HTML>"

    def __add__(self, other: Block) -> Block:
        if not isinstance(other, Block):
            return NotImplemented
        return Block(self.html + "\n" + other.html, "group")


def concat(*blocks: Block) -> Block:
    """Join blocks into one, to show several in a single output.

    Parameters
    ----------
    *blocks : Block
        Blocks, in order.

    Returns
    -------
    Block
        One block holding all of them.

    Examples
    --------
    >>> concat(section("A"), note("b")).kind
    'group'
    """
    return Block("\n".join(block.html for block in blocks), "group")


def title_page(
    title: str,
    subtitle: str | None = None,
    facts: Mapping[str, object] | None = None,
    lang: str = "fr",
    *,
    kicker: str | None = None,
) -> Block:
    """Build the title page: kicker, title, subtitle and a table of facts.

    The page has no running header or footer (named page ``cover``) and is
    followed by a page break.

    Parameters
    ----------
    title : str
        Title of the brief (the first PDF bookmark).
    subtitle : str, optional
        One line under the title.
    facts : mapping of str to object, optional
        Label → value rows (date, corpus, run id, dictionary version…), in order.
    lang : str
        Language of the page (``"fr"`` or ``"en"``): sets ``lang`` and the kicker.
    kicker : str, optional
        Small line above the title; defaults to "Note de recherche" / "Research brief".

    Returns
    -------
    Block
        The title page.

    Examples
    --------
    >>> page = title_page("Défense", "Déclarations 2024", {"Corpus": "12 textes"}, lang="fr")
    >>> "Note de recherche" in page.html and 'class="title-page"' in page.html
    True
    """
    lang = _check_lang(lang)
    kicker_text = _messages(lang)["kicker"] if kicker is None else kicker
    parts = [
        f'<section class="title-page" lang="{_esc(lang)}">',
        f'<p class="kicker">{_esc(kicker_text)}</p>',
        f'<h1 class="title">{_esc(title)}</h1>',
    ]
    if subtitle:
        parts.append(f'<p class="subtitle">{_esc(subtitle)}</p>')
    if facts:
        rows = "".join(
            f'<tr><th scope="row">{_esc(label)}</th><td>{_esc(value)}</td></tr>'
            for label, value in facts.items()
        )
        parts.append(f'<table class="facts"><tbody>{rows}</tbody></table>')
    parts.append("</section>")
    return Block("\n".join(parts), "title page")


def section(title: str, level: int = 2, anchor: str | None = None) -> Block:
    """Build a heading (``<h1>``–``<h4>``): a PDF bookmark that never ends a page.

    Parameters
    ----------
    title : str
        Heading text.
    level : int
        1 to 4; level 2 headings also feed the running header.
    anchor : str, optional
        ``id`` of the heading, for links; reduced to letters, digits, ``-`` and ``_``.

    Returns
    -------
    Block
        The heading.

    Examples
    --------
    >>> section("Méthode & sources", anchor="methode").html
    '<h2 id="methode">Méthode &amp; sources</h2>'
    """
    if not isinstance(level, int) or not 1 <= level <= 4:
        raise ValueError(f"heading level must be 1 to 4, got {level!r}")
    attrs = ""
    if anchor is not None:
        slug = _ANCHOR_RE.sub("-", clean_text(anchor)).strip("-")
        if slug:
            attrs = f' id="{slug}"'
    return Block(f"<h{level}{attrs}>{_esc(title)}</h{level}>", "section")


def paragraphs(texts: str | Iterable[str]) -> Block:
    """Build paragraphs of escaped text.

    Parameters
    ----------
    texts : str or iterable of str
        One string per paragraph (a single string is one paragraph).

    Returns
    -------
    Block
        The paragraphs.

    Examples
    --------
    >>> paragraphs(["<b>pas gras</b>"]).html
    '<p>&lt;b&gt;pas gras&lt;/b&gt;</p>'
    """
    items = [texts] if isinstance(texts, str) else list(texts)
    return Block("\n".join(f"<p>{_esc(text)}</p>" for text in items), "paragraphs")


def bullet_list(items: Iterable[str]) -> Block:
    """Build a bulleted list of escaped text.

    Parameters
    ----------
    items : iterable of str
        One string per bullet.

    Returns
    -------
    Block
        The list.

    Examples
    --------
    >>> bullet_list(["un", "deux"]).html
    '<ul class="bullets"><li>un</li><li>deux</li></ul>'
    """
    body = "".join(f"<li>{_esc(item)}</li>" for item in items)
    return Block(f'<ul class="bullets">{body}</ul>', "bullet list")


def note(text: str) -> Block:
    """Build small print (sources, method notes, caveats).

    Parameters
    ----------
    text : str
        The note.

    Returns
    -------
    Block
        The note.

    Examples
    --------
    >>> note("n = 12").html
    '<p class="note">n = 12</p>'
    """
    return Block(f'<p class="note">{_esc(text)}</p>', "note")


NumberFormat = str | Callable[[Any], str]


def _localize_number(text: str, lang: str) -> str:
    """Write a formatted number in the style of ``lang`` (French: 1 234,5) with a true minus."""
    if lang.split("-")[0].lower() == "fr":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text.replace("-", "−")


def _apply_format(value: Any, spec: NumberFormat, lang: str) -> str:
    """Format ``value`` with a callable, or a format spec (``".2f"``, ``"{:.1%}"``) localized."""
    if callable(spec):
        return str(spec(value))
    text = spec.format(value) if "{" in spec else format(value, spec)
    return _localize_number(text, lang)


def _default_number(value: Any, lang: str) -> str:
    """Format a number for print: thousands separated, two decimals, French commas."""
    if isinstance(value, numbers.Integral):
        text = f"{int(value):,}"
    else:
        number = float(value)
        if math.isinf(number):
            return "∞" if number > 0 else "−∞"
        small = number != 0 and abs(number) < 0.01
        text = f"{number:.2g}" if small else f"{number:,.2f}"
    return _localize_number(text, lang)


def _is_missing(value: Any) -> bool:
    """Return True for None, NaN, NaT and pandas' NA (False for anything non-scalar)."""
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _cell_text(value: Any, max_chars: int, lang: str) -> str:
    """Return escaped cell text, visibly shortened beyond ``max_chars`` characters."""
    text = clean_text(value)
    if len(text) > max_chars:
        hidden = len(text) - max_chars
        text = text[:max_chars] + _messages(lang)["cell_truncated"].format(hidden=f"{hidden:,}")
    return html_lib.escape(text, quote=True)


def _truncation_note(total: int, shown: int, empty: str, not_shown: str, lang: str) -> list[str]:
    """The visible note under a table or excerpt list: nothing to show, or rows left out."""
    if total == 0:
        return [f'<p class="note table-note">{_esc(empty)}</p>']
    if total > shown:
        text = not_shown.format(
            hidden=_default_number(total - shown, lang), total=_default_number(total, lang)
        )
        return [f'<p class="note table-note">{_esc(text)}</p>']
    return []


def table(
    df: pd.DataFrame,
    caption: str | None = None,
    number_format: NumberFormat | Mapping[str, NumberFormat] | None = None,
    max_rows: int = 60,
    *,
    index: bool = False,
    lang: str = "fr",
    max_cell_chars: int = 1000,
) -> Block:
    """Build a print table from a DataFrame.

    Cells are escaped; numeric columns are right-aligned (class ``num``); the
    header is a ``<thead>``, which weasyprint repeats on every page the table
    spans; rows beyond ``max_rows`` are left out with a visible note, never
    silently.

    Parameters
    ----------
    df : pandas.DataFrame
        The table.
    caption : str, optional
        Caption printed above the table.
    number_format : str, callable or mapping, optional
        Format of numeric cells: a format spec (``".1f"``, ``"{:.1%}"``; its
        output is written in the number style of ``lang``), a callable (used as
        is), or a mapping column → spec/callable (other columns keep the default:
        thousands separators and two decimals, in the style of ``lang``).
    max_rows : int
        Largest number of rows printed.
    index : bool
        Print the index as the first column(s).
    lang : str
        Language of the number style and of the notes.
    max_cell_chars : int
        Longer cell texts are cut, with a visible "[…n characters omitted]".

    Returns
    -------
    Block
        The table.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"theme": ["défense"], "n": [1234]})
    >>> html = table(df, caption="Thèmes").html
    >>> '<td class="num">1\u202f234</td>' in html and "<thead>" in html
    True
    """
    import pandas as pd
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"table() expects a pandas DataFrame, got {type(df).__name__}")
    lang = _check_lang(lang)
    if max_rows < 0:
        raise ValueError("max_rows must be >= 0")
    messages = _messages(lang)
    frame = df.reset_index() if index else df
    total = len(frame)
    shown = frame.iloc[:max_rows]

    columns = list(frame.columns)
    numeric = []
    for position in range(len(columns)):
        dtype = frame.dtypes.iloc[position]
        numeric.append(is_numeric_dtype(dtype) and not is_bool_dtype(dtype))

    def header_text(column: Any) -> str:
        if isinstance(column, tuple):
            return " / ".join(clean_text(part) for part in column if str(part))
        return clean_text(column)

    def formatter(column: Any) -> Callable[[Any], str]:
        spec: NumberFormat | None = (
            number_format.get(column) if isinstance(number_format, Mapping) else number_format
        )
        if spec is None:
            return lambda value: _default_number(value, lang)
        return lambda value: _apply_format(value, spec, lang)

    formatters = [
        formatter(column) if is_num else None for column, is_num in zip(columns, numeric, strict=True)
    ]

    head = "".join(
        f'<th scope="col" class="num">{_esc(header_text(column))}</th>'
        if is_num
        else f'<th scope="col">{_esc(header_text(column))}</th>'
        for column, is_num in zip(columns, numeric, strict=True)
    )
    body_rows = []
    for row in shown.itertuples(index=False, name=None):
        cells = []
        for value, fmt in zip(row, formatters, strict=True):
            if _is_missing(value):
                cls = "num na" if fmt is not None else "na"
                cells.append(f'<td class="{cls}">–</td>')
            elif fmt is not None:
                cells.append(f'<td class="num">{_esc(fmt(value))}</td>')
            else:
                cells.append(f"<td>{_cell_text(value, max_cell_chars, lang)}</td>")
        body_rows.append("<tr>" + "".join(cells) + "</tr>")

    parts = ['<div class="table-block">', '<table class="data">']
    if caption:
        parts.append(f"<caption>{_esc(caption)}</caption>")
    parts.append(f"<thead><tr>{head}</tr></thead>")
    parts.append("<tbody>" + "\n".join(body_rows) + "</tbody>")
    parts.append("</table>")
    parts.extend(_truncation_note(total, len(shown), messages["no_rows"], messages["rows_not_shown"], lang))
    parts.append("</div>")
    return Block("\n".join(parts), "table")


def kwic_block(
    rows: pd.DataFrame,
    *,
    caption: str | None = None,
    max_rows: int = 40,
    lang: str = "fr",
    max_context_chars: int = 300,
) -> Block:
    """Build a keyword-in-context table: left context, **keyword**, right context.

    Parameters
    ----------
    rows : pandas.DataFrame
        Columns ``doc_id``, ``pre``, ``keyword`` and ``post`` (one row per excerpt).
    caption : str, optional
        Caption printed above the excerpts.
    max_rows : int
        Largest number of excerpts printed; a note counts the others.
    lang : str
        Language of the column headers and notes.
    max_context_chars : int
        Contexts longer than this are cut at the side away from the keyword.

    Returns
    -------
    Block
        The excerpts.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"doc_id": ["d1"], "pre": ["la"], "keyword": ["défense"],
    ...                      "post": ["<européenne>"]})
    >>> html = kwic_block(rows).html
    >>> "<strong>défense</strong>" in html and "&lt;européenne&gt;" in html
    True
    """
    lang = _check_lang(lang)
    missing = {"doc_id", "pre", "keyword", "post"} - set(rows.columns)
    if missing:
        raise ValueError(f"kwic_block needs columns {sorted(missing)}")
    messages = _messages(lang)
    total = len(rows)
    shown = rows.iloc[:max_rows]

    def side(value: Any, keep_end: bool) -> str:
        text = "" if _is_missing(value) else " ".join(clean_text(value).split())
        if len(text) > max_context_chars:
            text = "…" + text[-max_context_chars:] if keep_end else text[:max_context_chars] + "…"
        return html_lib.escape(text, quote=True)

    body = []
    for doc_id, pre, keyword, post in shown[["doc_id", "pre", "keyword", "post"]].itertuples(
        index=False, name=None
    ):
        body.append(
            f'<tr><td class="doc">{_esc(doc_id)}</td><td class="pre">{side(pre, True)}</td>'
            f'<td class="kw"><strong>{side(keyword, False)}</strong></td>'
            f'<td class="post">{side(post, False)}</td></tr>'
        )
    parts = [
        '<div class="table-block kwic-block">',
        '<table class="data kwic">',
    ]
    if caption:
        parts.append(f"<caption>{_esc(caption)}</caption>")
    parts.append('<colgroup><col class="doc"><col class="pre"><col class="kw"><col class="post"></colgroup>')
    parts.append(
        f'<thead><tr><th scope="col">{_esc(messages["document"])}</th>'
        f'<th scope="col" class="num">{_esc(messages["left"])}</th>'
        f'<th scope="col" style="text-align:center">{_esc(messages["keyword"])}</th>'
        f'<th scope="col">{_esc(messages["right"])}</th></tr></thead>'
    )
    parts.append("<tbody>" + "\n".join(body) + "</tbody></table>")
    parts.extend(
        _truncation_note(total, len(shown), messages["no_excerpts"], messages["excerpts_not_shown"], lang)
    )
    parts.append("</div>")
    return Block("\n".join(parts), "kwic")


_IMAGE_TYPES: dict[str, str] = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
}


def _figure_data_uri(fig: Any) -> str:
    """Return a matplotlib figure as a ``data:`` URI: SVG, or PNG if the SVG is huge."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "analysis-report", "svg.fonttype": "path"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    if len(svg) <= MAX_FIGURE_SVG_BYTES:
        encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"
    logger.info("figure SVG is %s: embedding a PNG instead", _human_size(len(svg)))
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=200, bbox_inches="tight", metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(png.getvalue()).decode("ascii")


def _file_data_uri(path: Path, base_dir: Path | None) -> str:
    """Return an image file (SVG, PNG, JPEG) as a ``data:`` URI, checked against base_dir."""
    resolved = Path(path).resolve()
    if base_dir is not None and not resolved.is_relative_to(Path(base_dir).resolve()):
        raise ValueError(f"figure file {path} is outside {base_dir}")
    mime = _IMAGE_TYPES.get(resolved.suffix.lower())
    if mime is None:
        raise ValueError(f"figure file must be SVG, PNG or JPEG: {path}")
    size = resolved.stat().st_size
    if size > MAX_OUTPUT_BYTES:
        raise ValueError(f"figure file {path} is {_human_size(size)}, over the output limit")
    return f"data:{mime};base64," + base64.b64encode(resolved.read_bytes()).decode("ascii")


def figure(
    fig_or_path: Any,
    caption: str | None = None,
    *,
    alt: str | None = None,
    base_dir: Path | None = None,
    close: bool = True,
) -> Block:
    """Build a figure at full text width, with an optional caption.

    A matplotlib Figure is embedded as SVG (vector; PNG only if the SVG would be
    over 1.5 MB); a file (``.svg``, ``.png``, ``.jpg``) is embedded as it is. Both
    become ``data:`` URIs, so the block shows in JupyterLab and prints without
    fetching anything.

    Parameters
    ----------
    fig_or_path : matplotlib.figure.Figure or path-like
        The figure, or an image file of the run folder.
    caption : str, optional
        Caption printed under the figure (also the default alternative text).
    alt : str, optional
        Alternative text.
    base_dir : path-like, optional
        If given, a file must lie under this folder.
    close : bool
        Close a matplotlib figure once embedded, so the inline backend does not
        display (and print) it a second time.

    Returns
    -------
    Block
        The figure.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [1, 0])
    >>> figure(fig, "Tendance").html.startswith('<figure class="figure"><img src="data:image/svg')
    True
    """
    if hasattr(fig_or_path, "savefig"):
        uri = _figure_data_uri(fig_or_path)
        if close and "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close(fig_or_path)
    elif isinstance(fig_or_path, str | os.PathLike):
        uri = _file_data_uri(Path(fig_or_path), None if base_dir is None else Path(base_dir))
    else:
        raise TypeError(f"figure() expects a matplotlib Figure or a path, got {type(fig_or_path)}")
    alt_text = alt if alt is not None else (caption or "")
    parts = [f'<figure class="figure"><img src="{uri}" alt="{_esc(alt_text)}">']
    if caption:
        parts.append(f"<figcaption>{_esc(caption)}</figcaption>")
    parts.append("</figure>")
    return Block("".join(parts), "figure")


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

    messages = _messages(lang)
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
                                size=_human_size(size), limit=_human_size(max_output_bytes)
                            )
                        )
                    )
                )
                continue
            if used + size > max_total_bytes:
                counts["over_budget"] += 1
                outputs.append(
                    nbformat.from_dict(
                        _omitted(messages["omitted_budget"].format(limit=_human_size(max_total_bytes)))
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
            f"notebook {path} is {_human_size(size)}: refused (limit {_human_size(max_file_bytes)})"
        )
    return nbformat.read(path, as_version=4)


def notebook_to_html(
    notebook_path: Path | str,
    *,
    lang: str = "fr",
    title: str | None = None,
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
        },
        "metadata": {"path": str(path.parent)},
    }
    body, _ = exporter.from_notebook_node(nb, resources=resources)
    return clean_text(body)


# --------------------------------------------------------------------------- HTML → PDF


def _make_safe_fetcher_class() -> type[URLFetcher]:
    """Build :class:`SafeURLFetcher` on top of weasyprint's ``URLFetcher``.

    Built on first use, so that importing this module (as the report notebook
    does, for the building blocks) does not import weasyprint (about 0.5 s).
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeURLFetcher(URLFetcher):
        """weasyprint URL fetcher serving only ``data:`` URIs and files under ``base_dir``.

        weasyprint 70 expects a ``URLFetcher`` instance (it reads its attributes);
        this subclass overrides ``fetch``. Refused URLs raise
        :class:`URLRefusedError`; weasyprint logs the error and skips the resource.
        Pass it to ``weasyprint.HTML(..., url_fetcher=...)``: a fetcher given to
        ``write_pdf`` is ignored.

        Parameters
        ----------
        base_dir : path-like
            The only folder files are served from (symlinks and ``..`` resolved).
        max_bytes : int
            Largest file served.

        Examples
        --------
        >>> import tempfile
        >>> fetcher = safe_url_fetcher(tempfile.mkdtemp())
        >>> fetcher("data:text/plain,ok").read()
        b'ok'
        """

        def __init__(self, base_dir: Path | str, *, max_bytes: int = MAX_FETCH_BYTES) -> None:
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.base_dir = Path(base_dir).resolve(strict=True)
            self.max_bytes = max_bytes

        def resolve(self, url: str) -> Path:
            """Return the local file a ``file:`` URL names, if it is served.

            Raises
            ------
            URLRefusedError
                For any other scheme, a remote host, or a path outside ``base_dir``.
            """
            try:
                parts = urlsplit(url)
            except ValueError as error:
                raise URLRefusedError(f"malformed URL: {url[:200]!r}") from error
            if parts.scheme.lower() != "file":
                raise URLRefusedError(f"scheme not served: {url[:200]!r}")
            if parts.netloc not in ("", "localhost"):
                raise URLRefusedError(f"remote file URL not served: {url[:200]!r}")
            try:
                path = Path(url2pathname(parts.path)).resolve()
            except (OSError, ValueError) as error:
                raise URLRefusedError(f"unreadable file URL: {url[:200]!r}") from error
            if not path.is_relative_to(self.base_dir):
                raise URLRefusedError(f"file outside {self.base_dir}: {url[:200]!r}")
            if not path.is_file():
                raise URLRefusedError(f"no such file under {self.base_dir}: {url[:200]!r}")
            return path

        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
            """Serve ``url`` if it is a ``data:`` URI or a file under ``base_dir``.

            Returns
            -------
            weasyprint.urls.URLFetcherResponse
                The resource.

            Raises
            ------
            URLRefusedError
                For everything else.
            """
            if not isinstance(url, str):
                raise URLRefusedError(f"not a URL: {url!r}")
            scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
            if scheme == "data":
                return super().fetch(url, headers)
            path = self.resolve(url)
            size = path.stat().st_size
            if size > self.max_bytes:
                raise URLRefusedError(f"file too large ({_human_size(size)}): {path}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            logger.debug("serving %s (%s)", path, mime)
            return URLFetcherResponse(
                url=path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime}
            )

    SafeURLFetcher.__module__ = __name__
    SafeURLFetcher.__qualname__ = "SafeURLFetcher"
    return SafeURLFetcher


def __getattr__(name: str) -> Any:
    """Build :class:`SafeURLFetcher` on first use (keeps weasyprint out of imports)."""
    if name == "SafeURLFetcher":
        cls = _make_safe_fetcher_class()
        globals()["SafeURLFetcher"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def safe_url_fetcher(base_dir: Path | str, *, max_bytes: int = MAX_FETCH_BYTES) -> Any:
    """Return a weasyprint URL fetcher that serves only ``data:`` and files under ``base_dir``.

    Parameters
    ----------
    base_dir : path-like
        The run folder; must exist.
    max_bytes : int
        Largest file served.

    Returns
    -------
    SafeURLFetcher
        A ``weasyprint.urls.URLFetcher`` subclass instance; calling it with a URL
        returns a response or raises :class:`URLRefusedError`.

    Examples
    --------
    >>> import tempfile
    >>> fetcher = safe_url_fetcher(tempfile.mkdtemp())
    >>> try:
    ...     fetcher("http://example.com/a.png")
    ... except URLRefusedError:
    ...     print("refused")
    refused
    """
    return __getattr__("SafeURLFetcher")(base_dir, max_bytes=max_bytes)


def html_to_pdf(html: str, pdf_path: Path | str, *, base_dir: Path | str) -> Path:
    """Print HTML to PDF with weasyprint, fetching only ``data:`` and files under base_dir.

    The PDF is written to a temporary file next to ``pdf_path`` and moved into
    place, so a reader never sees half a PDF.

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
        document.write_pdf(tmp)
    logger.info("wrote %s (%s)", target, _human_size(target.stat().st_size))
    return target


def notebook_to_pdf(
    notebook_path: Path | str,
    pdf_path: Path | str,
    *,
    lang: str = "fr",
    title: str | None = None,
    base_dir: Path | str | None = None,
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
        max_output_bytes=max_output_bytes,
        max_total_bytes=max_total_bytes,
        max_file_bytes=max_file_bytes,
    )
    return html_to_pdf(html, pdf_path, base_dir=path.parent if base_dir is None else base_dir)
