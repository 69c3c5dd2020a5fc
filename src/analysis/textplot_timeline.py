"""The theme timeline: each statement's theme rate at its date, the focus marked.

The conventions of :mod:`analysis.textplot` apply (a returned
:class:`~matplotlib.figure.Figure`, ``ax=None`` for a new A4-wide figure,
``lang="fr"`` or ``"en"``); :mod:`analysis.textplot` re-exports
:func:`textplot_theme_timeline`.

The statements are not a series (different parties, genres and occasions): each
is one point, and no line joins two statements.

Examples
--------
>>> import pandas as pd
>>> docs = pd.DataFrame({"doc_id": ["doc-01", "doc-02"], "date": ["2023-05-01", "2024-09-26"]})
>>> rates = pd.DataFrame({"doc_id": ["doc-01", "doc-02"], "theme": ["arctic"] * 2,
...     "per_1000": [1.0, 4.0]})
>>> textplot_theme_timeline(rates, docs, "doc-02", ["arctic"], lang="en").axes[0].get_xlabel()
'Statement date'
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis.plotting import (
    _MONTHS,
    _display,
    _figure_axes,
    _legend,
    _new_figure,
    _no_data,
    _number_axis,
    _require,
    _ui,
)
from analysis.style import CATEGORICAL_COLOURS, FOCUS_COLOUR, REFERENCE_COLOUR, figure_style, wrap_label

logger = logging.getLogger(__name__)

__all__ = ["textplot_theme_timeline"]


def _date_axis(ax: Axes, dates: pd.Series, lang: str) -> None:
    months = _MONTHS[lang]
    valid = dates.dropna()
    first, last = valid.min(), valid.max()
    span = (last - first).days
    if span == 0:
        ax.set_xlim(first - pd.Timedelta(days=45), last + pd.Timedelta(days=45))
        span = 90
    if span > 3 * 365:
        years = span / 365.25
        ax.xaxis.set_major_locator(mdates.YearLocator(base=max(1, math.ceil(years / 7))))

        def fmt(x: float, _pos: int | None = None) -> str:
            return f"{mdates.num2date(x).year}"
    else:
        ax.xaxis.set_major_locator(mdates.AutoDateLocator(minticks=3, maxticks=6))
        day = span < 75

        def fmt(x: float, _pos: int | None = None) -> str:
            d = mdates.num2date(x)
            text = f"{months[d.month - 1]} {d.year}"
            return f"{d.day} {text}" if day else text

    ax.xaxis.set_major_formatter(ticker.FuncFormatter(fmt))


def textplot_theme_timeline(
    doc_rates: pd.DataFrame,
    docs: pd.DataFrame,
    focus_id: str,
    themes: Sequence[str],
    labels: Mapping[str, str] | None = None,
    lang: str = "fr",
    ax: Axes | None = None,
) -> Figure:
    """Theme rates over time across the statements, focus marked.

    Each reference statement is one point per theme at its date (the rate per
    1,000 words); no line joins two statements, which are not a series. With
    ``ax=None`` each theme gets its own panel (small multiples sharing the date
    axis): reference statements as blue dots, the focus statement as a large
    diamond and a dotted vertical line at its date. When ``ax`` is given, all
    themes are drawn into it as dots of the theme's colour, the focus of each
    theme marked with a star.

    Parameters
    ----------
    doc_rates : pandas.DataFrame
        Long per-document rates: ``doc_id, theme, per_1000``.
    docs : pandas.DataFrame
        Documents table with ``doc_id, date``; documents without a valid date are
        left out.
    focus_id : str
        Id of the focus document.
    themes : sequence of str
        Themes to draw, in order.
    labels : mapping of str to str, optional
        Theme id -> display label.
    lang : {"fr", "en"}, default "fr"
        Language of axis titles, legend and month names.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into (single panel, coloured series).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"doc_id": ["doc-01", "doc-02"],
    ...     "date": ["2023-05-01", "2024-09-26"]})
    >>> rates = pd.DataFrame({"doc_id": ["doc-01", "doc-02"], "theme": ["arctic"] * 2,
    ...     "per_1000": [1.0, 4.0]})
    >>> fig = textplot_theme_timeline(rates, docs, "doc-02", ["arctic"], lang="en")
    >>> len(fig.axes), [len(c.get_offsets()) for c in fig.axes[0].collections]  # reference, focus
    (1, [1, 1])
    """
    ui = _ui(lang)
    _require(doc_rates, ["doc_id", "theme", "per_1000"], "doc_rates")
    _require(docs, ["doc_id", "date"], "docs")
    themes = list(themes)
    dated = docs[["doc_id", "date"]].assign(date=lambda d: pd.to_datetime(d["date"], errors="coerce"))
    if dated["date"].isna().any():
        logger.warning(
            "timeline: %d document(s) without a valid date left out", int(dated["date"].isna().sum())
        )
    data = (
        doc_rates[doc_rates["theme"].isin(themes)]
        .drop(columns=["date"], errors="ignore")
        .merge(dated.dropna(subset=["date"]), on="doc_id", how="inner")
        .sort_values(["date", "doc_id"], kind="mergesort")
    )
    panels = ax is None
    n_panels = len(themes) if panels else 1
    focus_handle = Line2D(
        [],
        [],
        linestyle="",
        marker="D" if panels else "*",
        markersize=7 if panels else 10,
        color=FOCUS_COLOUR if panels else "#333333",
        markeredgecolor="black",
        markeredgewidth=0.6,
        label=ui["focus"],
    )

    with figure_style():
        if panels:
            fig = _new_figure(0.9 + 1.35 * max(n_panels, 1))
            axes = list(fig.subplots(max(n_panels, 1), 1, sharex=True, squeeze=False)[:, 0])
            own = True
        else:
            fig, ax, own = _figure_axes(ax, 0)
            axes = [ax]
        if data.empty or not themes:
            for extra in axes[1:]:
                extra.set_axis_off()
            return _no_data(fig, axes[0], ui)
        handles: list[Any] = []
        for i, theme in enumerate(themes):
            target = axes[i] if panels else axes[0]
            series = data[data["theme"] == theme]
            ref = series[series["doc_id"] != focus_id]
            foc = series[series["doc_id"] == focus_id]
            colour = REFERENCE_COLOUR if panels else CATEGORICAL_COLOURS[i % (len(CATEGORICAL_COLOURS) - 1)]
            name = _display(theme, labels)
            # one dot per statement, no line: consecutive statements are not a series
            target.scatter(
                ref["date"],
                ref["per_1000"],
                marker="o",
                s=16,
                color=colour,
                alpha=0.8,
                linewidths=0,
                zorder=2,
                label=wrap_label(name, 40, max_lines=1),
            )
            # the focus statement: an orange diamond in its own panel, a star of the theme's colour
            # on a shared axes
            marker, size, focus_colour = ("D", 42, FOCUS_COLOUR) if panels else ("*", 110, colour)
            if panels:
                target.set_title(wrap_label(name, 70, max_lines=1), fontsize=9, fontweight="normal")
            target.scatter(
                foc["date"],
                foc["per_1000"],
                marker=marker,
                s=size,
                color=focus_colour,
                edgecolors="black",
                linewidths=0.6,
                zorder=4,
            )
            if panels:
                for date in foc["date"]:
                    target.axvline(date, color=FOCUS_COLOUR, linewidth=0.8, linestyle=":", zorder=1)
            else:
                handles.append(
                    Line2D(
                        [],
                        [],
                        linestyle="",
                        color=colour,
                        marker="o",
                        markersize=4,
                        label=wrap_label(name, 40, max_lines=1),
                    )
                )
            top = target.get_ylim()[1]
            target.set_ylim(-0.05 * top, top)  # points at 0 stay whole
            target.grid(axis="y")
            _number_axis(target.yaxis, lang)
        _date_axis(axes[-1], data["date"], lang)
        if panels:
            fig.supylabel(ui["rate"], fontsize=9)
            axes[-1].set_xlabel(ui["date"])
            handles = [
                Line2D(
                    [],
                    [],
                    linestyle="",
                    color=REFERENCE_COLOUR,
                    marker="o",
                    markersize=4,
                    label=ui["reference_docs"],
                ),
                focus_handle,
            ]
            _legend(fig, axes[0], True, handles)
        else:
            axes[0].set_ylabel(ui["rate"])
            axes[0].set_xlabel(ui["date"])
            axes[0].legend(handles=[*handles, focus_handle], loc="best")
    return fig
