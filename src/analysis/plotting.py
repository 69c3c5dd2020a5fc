"""Shared drawing helpers of the ``textplot_*`` figures (internal).

Axis titles and captions in French and English (``_UI``, ``_MONTHS``), layout
constants in inches, the creation of an A4-wide Agg figure, theme and document
labels, the legend placement, French number formats and the "no data" panel.
The figures themselves are in :mod:`analysis.textplot`,
:mod:`analysis.textplot_documents` and :mod:`analysis.textplot_timeline`.

Examples
--------
>>> _format_number(-1.25, "fr")
'−1,25'
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis import i18n
from analysis.style import FIGURE_WIDTH_IN, MUTED_COLOUR, wrap_label

logger = logging.getLogger(__name__)

# Axis titles, legends and month names: one home for every French/English string, analysis.i18n
_UI: dict[str, dict[str, str]] = i18n.FIGURES
_MONTHS: dict[str, tuple[str, ...]] = i18n.MONTHS

# Layout constants (inches, at the 8 pt tick label size).
_CHAR_IN = 0.062  # average width of one character
_LINE_IN = 0.135  # height of one text line
_LABEL_WIDTH = 34  # characters per line of a wrapped theme label
_LABEL_LINES = 3  # lines kept of a wrapped theme label
_SIGNIFICANCE = 0.05


def _ui(lang: str) -> dict[str, str]:
    try:
        return _UI[lang]
    except KeyError:
        raise ValueError(f"lang must be one of {sorted(_UI)}, got {lang!r}") from None


def _require(table: pd.DataFrame, columns: Sequence[str], name: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{name} lacks column(s) {missing}; has {list(table.columns)}")


def _display(key: Any, labels: Mapping[str, str] | None) -> str:
    if labels is not None:
        value = labels.get(key)
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            return str(value)
    return str(key)


def _item_names(items: Any, labels: Mapping[str, str] | None) -> list[str]:
    return [wrap_label(_display(t, labels), _LABEL_WIDTH, max_lines=_LABEL_LINES) for t in items]


def _new_figure(height: float) -> Figure:
    fig = Figure(figsize=(FIGURE_WIDTH_IN, max(height, 1.5)), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _figure_axes(ax: Axes | None, height: float) -> tuple[Figure, Axes, bool]:
    if ax is not None:
        return ax.figure, ax, False
    fig = _new_figure(height)
    return fig, fig.add_subplot(), True


def _n_lines(texts: Sequence[str]) -> int:
    return max((t.count("\n") + 1 for t in texts), default=1)


def _legend(fig: Figure, ax: Axes, own: bool, handles: Sequence[Any], ncols: int | None = None) -> None:
    """Put the legend above the plot (own figure) or in the best place of ``ax``."""
    if not handles:
        return
    if own:
        if ncols is None:
            widths = [0.45 + _CHAR_IN * len(h.get_label()) for h in handles]
            ncols = len(handles)
            while ncols > 1 and sum(sorted(widths)[-ncols:]) > FIGURE_WIDTH_IN - 0.3:
                ncols -= 1
        fig.legend(handles=list(handles), loc="outside upper center", ncols=ncols)
    else:
        ax.legend(handles=list(handles), loc="best")


class _CommaFormatter(ticker.ScalarFormatter):
    """Scalar tick labels with a decimal comma (French)."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return super().__call__(x, pos).replace(".", ",")


def _number_axis(axis: Any, lang: str) -> None:
    if lang == "fr":
        axis.set_major_formatter(_CommaFormatter())


def ratio_tick(x: float, lang: str = "fr") -> str:
    """The label of a log2 axis tick as a ratio: 3 → "×8", -1 → "×1/2", 0 → "×1".

    Examples
    --------
    >>> [ratio_tick(x) for x in (-2, 0, 1, 3, 2.5)]
    ['×1/4', '×1', '×2', '×8', '×5,7']
    """
    value = 2.0 ** abs(float(x))
    digits = 0 if abs(value - round(value)) < 1e-9 else 1
    text = i18n.fmt_fixed(value, lang, digits)
    return f"×1/{text}" if x < 0 else f"×{text}"


def _ratio_axis(axis: Any, lang: str, span: float) -> None:
    """A log2 axis labelled as ratios (×1/2, ×1, ×2, ×4…), one tick per doubling (or about six)."""
    if span <= 10:
        axis.set_major_locator(ticker.MultipleLocator(1))
    else:  # a wide span (words the references never use): fewer, whole doublings, labels apart
        axis.set_major_locator(ticker.MaxNLocator(nbins=5, integer=True))
    axis.set_major_formatter(ticker.FuncFormatter(lambda x, _pos: ratio_tick(x, lang)))


def _format_number(value: float, lang: str, digits: int = 2) -> str:
    return i18n.fmt_fixed(value, lang, digits)


def _percent_formatter(lang: str) -> ticker.Formatter:
    return ticker.FuncFormatter(lambda x, _pos: i18n.fmt_percent_tick(x, lang))


def _no_data(fig: Figure, ax: Axes, ui: Mapping[str, str]) -> Figure:
    logger.warning("nothing to plot: the table is empty")
    ax.set_axis_off()
    ax.text(0.5, 0.5, ui["no_data"], ha="center", va="center", transform=ax.transAxes, color=MUTED_COLOUR)
    return fig


def _as_lengths(doc_lengths: Mapping[str, int] | pd.Series | pd.DataFrame) -> pd.Series:
    if isinstance(doc_lengths, pd.DataFrame):
        _require(doc_lengths, ["doc_id", "n_positions"], "doc_lengths")
        return doc_lengths.set_index("doc_id")["n_positions"]
    return pd.Series(doc_lengths, dtype="float64")
