"""Display blocks of the report: headings, paragraphs, lists, notes, figures.

The report notebook calls these to show things: :func:`title_page`,
:func:`section`, :func:`paragraphs`, :func:`bullet_list`, :func:`note` and
:func:`figure` (tables are in :mod:`analysis.report.tables`). Each returns a
:class:`Block` (an object with ``_repr_html_``), so the same HTML shows in
JupyterLab and ends up in the PDF. All text is cleaned of XML-invalid control
characters and HTML-escaped: a statement quoting ``<script>`` prints as text.

Examples
--------
>>> from analysis.report.blocks import concat, paragraphs, section
>>> "a &lt; b" in concat(section("Résumé"), paragraphs(["a < b"])).html
True
"""

from __future__ import annotations

import base64
import html as html_lib
import io
import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis import i18n

logger = logging.getLogger(__name__)

MAX_OUTPUT_BYTES: int = 2 * 1024 * 1024
"""Largest single output (characters of HTML, SVG or base64) that is printed."""

MAX_FIGURE_SVG_BYTES: int = 1_500_000
"""Above this size :func:`figure` embeds a PNG instead of the SVG of a figure."""

_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$")
_ANCHOR_RE = re.compile(r"[^A-Za-z0-9_-]+")
_ANSI_RE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?")
_INVALID_XML_RE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)


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


def _check_lang(lang: str) -> str:
    """Return ``lang`` if it is a plausible BCP 47 tag, else raise ``ValueError``."""
    if not isinstance(lang, str) or not _LANG_RE.match(lang):
        raise ValueError(f"not a language tag: {lang!r}")
    return lang


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
    kicker_text = i18n.messages(i18n.REPORT, lang)["kicker"] if kicker is None else kicker
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
    # text kept as <text> (DejaVu Sans, installed with the system): searchable and selectable in the PDF
    with matplotlib.rc_context({"svg.hashsalt": "analysis-report", "svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    if len(svg) <= MAX_FIGURE_SVG_BYTES:
        encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f"data:image/svg+xml;base64,{encoded}"
    logger.info("figure SVG is %s: embedding a PNG instead", i18n.human_size(len(svg)))
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
        raise ValueError(f"figure file {path} is {i18n.human_size(size)}, over the output limit")
    return f"data:{mime};base64," + base64.b64encode(resolved.read_bytes()).decode("ascii")


def figure(
    fig_or_path: Any,
    caption: str | None = None,
    *,
    title: str | None = None,
    alt: str | None = None,
    base_dir: Path | None = None,
    close: bool = True,
    save: Path | str | None = None,
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
    title : str, optional
        A heading above the figure (``<h3>``, a PDF bookmark): what to conclude from it.
    alt : str, optional
        Alternative text.
    base_dir : path-like, optional
        If given, a file must lie under this folder.
    close : bool
        Close a matplotlib figure once embedded, so the inline backend does not
        display (and print) it a second time.
    save : path-like, optional
        Also write the figure as ``<save>.png``, ``.svg`` and ``.pdf``
        (:func:`analysis.style.save_figure`): an exploratory notebook keeps its figures
        in the run folder.

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
        if save is not None:
            from analysis.style import save_figure

            save_figure(fig_or_path, Path(save).parent, Path(save).name)
        uri = _figure_data_uri(fig_or_path)
        if close and "matplotlib.pyplot" in sys.modules:
            sys.modules["matplotlib.pyplot"].close(fig_or_path)
    elif isinstance(fig_or_path, str | os.PathLike):
        uri = _file_data_uri(Path(fig_or_path), None if base_dir is None else Path(base_dir))
    else:
        raise TypeError(f"figure() expects a matplotlib Figure or a path, got {type(fig_or_path)}")
    alt_text = alt if alt is not None else " ".join(x for x in (title, caption) if x)
    parts = ['<figure class="figure">']
    if title:
        parts.append(f'<h3 class="figure-title">{_esc(title)}</h3>')
    parts.append(f'<img src="{uri}" alt="{_esc(alt_text)}">')
    if caption:
        parts.append(f"<figcaption>{_esc(caption)}</figcaption>")
    parts.append("</figure>")
    return Block("".join(parts), "figure")
