"""One figure style for every chart of the package, and deterministic saving.

The style targets an A4 page: figures are :data:`FIGURE_WIDTH_IN` inches wide
(the text width of an A4 page with 2.5 cm margins), set in DejaVu Sans (shipped
with matplotlib) at sizes that stay readable once printed (8 pt and above).
Colours come from the Okabe–Ito palette, which stays distinguishable for the
common forms of colour blindness.

Nothing here changes matplotlib's global state at import: :func:`figure_style`
applies :func:`rc_params` inside a :func:`matplotlib.rc_context` only.

:func:`save_figure` writes PNG, SVG and PDF files whose bytes depend only on the
figure (no dates, no random ids), each written atomically.

Examples
--------
>>> from analysis.style import FOCUS_COLOUR, figure_style, wrap_label
>>> with figure_style():
...     pass
>>> wrap_label("Droit international et multilatéralisme", 20)
'Droit international\\net multilatéralisme'
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import textwrap
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = [
    "BASE_FONT_SIZE",
    "FIGURE_WIDTH_IN",
    "FOCUS_COLOUR",
    "FONT_FAMILY",
    "MUTED_COLOUR",
    "OKABE_ITO",
    "REFERENCE_COLOUR",
    "SEQUENTIAL_CMAP",
    "SMALL_FONT_SIZE",
    "document_labels",
    "figure_style",
    "middle_label",
    "rc_params",
    "save_figure",
    "truncate_label",
    "wrap_label",
]

#: Width of a figure in inches: A4 text width (21 cm minus two 2.5 cm margins).
FIGURE_WIDTH_IN: float = 6.3

#: Font family used everywhere (ships with matplotlib, covers French typography).
FONT_FAMILY: str = "DejaVu Sans"

#: Body font size in points (axis labels, titles are one point larger).
BASE_FONT_SIZE: float = 9.0

#: Smallest font size in points (tick labels, legends, annotations).
SMALL_FONT_SIZE: float = 8.0

#: Okabe–Ito colour-blind-safe palette (black first, as published).
OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}

#: Colour of the focus statement in every figure.
FOCUS_COLOUR: str = OKABE_ITO["vermillion"]

#: Colour of the reference statements in every figure.
REFERENCE_COLOUR: str = OKABE_ITO["blue"]

#: Colour of de-emphasised elements (untestable items, grid, separators).
MUTED_COLOUR: str = "#8C8C8C"

#: Sequential colour map for heat maps (ColorBrewer, colour-blind safe, 0 = light).
SEQUENTIAL_CMAP: str = "YlGnBu"

#: Order in which categorical series take their colours (yellow last: low contrast).
CATEGORICAL_COLOURS: tuple[str, ...] = (
    OKABE_ITO["blue"],
    OKABE_ITO["vermillion"],
    OKABE_ITO["bluish_green"],
    OKABE_ITO["reddish_purple"],
    OKABE_ITO["orange"],
    OKABE_ITO["sky_blue"],
    OKABE_ITO["black"],
    OKABE_ITO["yellow"],
)

#: Fixed salt so SVG element ids are the same from one save to the next.
SVG_HASHSALT: str = "analysis"

#: Fixed producer written into PDF files instead of the matplotlib version.
PDF_PRODUCER: str = "analysis, matplotlib"


def rc_params() -> dict[str, Any]:
    """Return the matplotlib rc parameters of the package style.

    Returns
    -------
    dict of str to object
        Parameters suitable for :func:`matplotlib.rc_context`.

    Examples
    --------
    >>> rc_params()["font.family"]
    ['DejaVu Sans']
    """
    from cycler import cycler

    return {
        "font.family": [FONT_FAMILY],
        "font.sans-serif": [FONT_FAMILY],
        "font.size": BASE_FONT_SIZE,
        "axes.titlesize": BASE_FONT_SIZE + 1,
        "axes.titleweight": "bold",
        "axes.titlelocation": "left",
        "axes.labelsize": BASE_FONT_SIZE,
        "axes.prop_cycle": cycler(color=list(CATEGORICAL_COLOURS)),
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.edgecolor": "#333333",
        "axes.linewidth": 0.8,
        "axes.axisbelow": True,
        "axes.unicode_minus": True,
        "grid.color": "#DDDDDD",
        "grid.linewidth": 0.6,
        "xtick.labelsize": SMALL_FONT_SIZE,
        "ytick.labelsize": SMALL_FONT_SIZE,
        "legend.fontsize": SMALL_FONT_SIZE,
        "legend.title_fontsize": SMALL_FONT_SIZE,
        "legend.frameon": False,
        "figure.titlesize": BASE_FONT_SIZE + 2,
        "figure.dpi": 100,
        "figure.facecolor": "white",
        "savefig.dpi": 200,
        "savefig.facecolor": "white",
        "image.cmap": SEQUENTIAL_CMAP,
        "svg.hashsalt": SVG_HASHSALT,
        "svg.fonttype": "path",
        "pdf.fonttype": 42,
    }


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """Apply the package style for the duration of a ``with`` block.

    Yields
    ------
    None

    Examples
    --------
    >>> import matplotlib as mpl
    >>> with figure_style():
    ...     mpl.rcParams["svg.hashsalt"]
    'analysis'
    """
    import matplotlib as mpl

    with mpl.rc_context(rc_params()):
        yield


def wrap_label(text: str, width: int = 30, max_lines: int | None = None) -> str:
    """Wrap a long label on several lines, without breaking words.

    Parameters
    ----------
    text : str
        Label to wrap.
    width : int, default 30
        Maximum number of characters per line (a longer single word stays whole).
    max_lines : int, optional
        Keep at most this many lines; the last kept line then ends with ``…``.

    Returns
    -------
    str
        The label with ``\\n`` between lines.

    Examples
    --------
    >>> wrap_label("Droit international, souveraineté et multilatéralisme", 25)
    'Droit international,\\nsouveraineté et\\nmultilatéralisme'
    >>> wrap_label("Droit international, souveraineté et multilatéralisme", 25, max_lines=2)
    'Droit international,\\nsouveraineté et…'
    >>> wrap_label("Arctique : souveraineté", 10)  # no break before the colon
    'Arctique\\xa0:\\nsouveraineté'
    """
    text = re.sub(r"[ \t\r\n]+", " ", str(text)).strip()
    # French typography: never break before : ; ! ? » nor after «
    text = re.sub(r" ([:;!?»])", "\u00a0\\1", text).replace("« ", "«\u00a0")
    lines = textwrap.wrap(text, width=width, break_long_words=False, break_on_hyphens=False)
    if not lines:
        return ""
    if max_lines is not None and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        if len(last) >= width:
            last = truncate_label(last, width)
        lines[-1] = last if last.endswith("…") else last.rstrip(" ,;:.–-") + "…"
    return "\n".join(lines)


def truncate_label(text: str, width: int = 45) -> str:
    """Shorten a label to at most ``width`` characters, ending with an ellipsis.

    Parameters
    ----------
    text : str
        Label to shorten.
    width : int, default 45
        Maximum length of the result, ellipsis included.

    Returns
    -------
    str
        ``text`` unchanged when short enough, else cut at a word boundary when
        possible and ended with ``…``.

    Examples
    --------
    >>> truncate_label("Déclaration conjointe France–Canada sur la défense", 30)
    'Déclaration conjointe…'
    """
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    cut = text[: max(width - 1, 1)]
    space = cut.rfind(" ")
    if space >= width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.–-") + "…"


def middle_label(text: str, width: int = 56) -> str:
    """Shorten a label by cutting its middle: the start and the end both stay.

    Titles of one series share their start ("Joint Statement from President …
    and Prime Minister…") and differ at the end: a cut at the end would make them
    the same. Words are kept whole; about a third of the room goes to the start.

    Examples
    --------
    >>> middle_label("Joint Statement from President Alpha and Prime Minister Betamann of Betaland", 50)
    'Joint Statement … Minister Betamann of Betaland'
    >>> middle_label("Short title", 50)
    'Short title'
    """
    text = " ".join(str(text).split())
    if len(text) <= width:
        return text
    words = text.split(" ")
    head: list[str] = []
    while words and len(" ".join([*head, words[0]])) <= width // 3:
        head.append(words.pop(0))
    tail: list[str] = []
    room = width - len(" ".join(head)) - 3
    while words and len(" ".join([words[-1], *tail])) <= room:
        tail.insert(0, words.pop())
    if not tail:  # one very long word: cut it at the end
        return truncate_label(text, width)
    return (" ".join(head) + " … " if head else "… ") + " ".join(tail)


def document_labels(
    doc_ids: Iterable[str],
    titles: Iterable[Any],
    dates: Iterable[Any] | None = None,
    *,
    width: int = 56,
    lang: str = "fr",
) -> dict[str, str]:
    """One distinct label per document for the figures: its title cut in the middle, and its date.

    A document without a title is named by its id. Two labels that would still
    be the same get their id appended.

    Examples
    --------
    >>> document_labels(["a", "b"], ["Statement on Italy", "Statement on Italy"], ["2023-07-27", ""])
    {'a': 'Statement on Italy (27 juil. 2023)', 'b': 'Statement on Italy'}
    """
    from analysis.i18n import fmt_short_date

    ids = [str(x) for x in doc_ids]
    names = [str(t) if isinstance(t, str) and t.strip() else i for t, i in zip(titles, ids, strict=True)]
    dates = list(dates) if dates is not None else [""] * len(ids)
    out: dict[str, str] = {}
    for doc_id, name, date in zip(ids, names, dates, strict=True):
        when = fmt_short_date(str(date), lang) if isinstance(date, str) and date else ""
        suffix = f" ({when})" if when else ""
        out[doc_id] = middle_label(name, max(width - len(suffix), 12)) + suffix
    seen: dict[str, int] = {}
    for label in out.values():
        seen[label] = seen.get(label, 0) + 1
    return {k: (f"{v} [{k}]" if seen[v] > 1 else v) for k, v in out.items()}


_PDF_METADATA: dict[str, Any] = {
    "Creator": "analysis",
    "Producer": PDF_PRODUCER,
    "CreationDate": None,
    "ModDate": None,
}
_SVG_METADATA: dict[str, Any] = {"Date": None, "Creator": "analysis"}
_PNG_METADATA: dict[str, Any] = {"Software": None}


def _metadata(fmt: str) -> dict[str, Any] | None:
    return {
        "pdf": dict(_PDF_METADATA),
        "svg": dict(_SVG_METADATA),
        "png": dict(_PNG_METADATA),
    }.get(fmt)


def save_figure(
    fig: Any,
    folder: str | os.PathLike[str],
    name: str,
    formats: Iterable[str] = ("png", "svg", "pdf"),
    dpi: int = 200,
) -> dict[str, Path]:
    """Save a figure under stable names with reproducible bytes.

    Each file ``<folder>/<name>.<ext>`` is first written to a temporary file in
    the same folder and then moved into place with :func:`os.replace`, so a
    reader never sees a half-written file. Dates, software versions and random
    ids are left out of the files: saving the same figure twice gives the same
    bytes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        Figure to save.
    folder : str or path-like
        Destination folder (created when missing).
    name : str
        File name without extension.
    formats : iterable of str, default ("png", "svg", "pdf")
        Formats to write, as matplotlib format names.
    dpi : int, default 200
        Resolution of raster output.

    Returns
    -------
    dict of str to pathlib.Path
        The path written for each format.

    Examples
    --------
    >>> import tempfile
    >>> from matplotlib.figure import Figure
    >>> fig = Figure(figsize=(2, 1))
    >>> _ = fig.add_subplot().plot([0, 1])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = save_figure(fig, tmp, "demo", formats=("png",))
    ...     paths["png"].name
    'demo.png'
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if not name or "/" in name or os.sep in name:
        raise ValueError(f"invalid figure name: {name!r}")
    written: dict[str, Path] = {}
    for fmt in formats:
        fmt = fmt.lower().lstrip(".")
        target = folder / f"{name}.{fmt}"
        from analysis.store import atomic_open

        with atomic_open(target, "wb") as handle, figure_style():
            fig.savefig(handle, format=fmt, dpi=dpi, metadata=_metadata(fmt))
        logger.debug("saved figure %s", target)
        written[fmt] = target
    return written
