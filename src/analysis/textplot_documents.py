"""Figures across documents: the theme heat map, the dispersion plot and the theme timeline.

The conventions of :mod:`analysis.textplot` apply (a returned
:class:`~matplotlib.figure.Figure`, ``ax=None`` for a new A4-wide figure,
``lang="fr"`` or ``"en"``); :mod:`analysis.textplot` re-exports the three
functions of this module.

Examples
--------
>>> import pandas as pd
>>> hits = pd.DataFrame({"doc_id": ["doc-01"], "theme": ["arctic"], "start_pos": [3]})
>>> textplot_dispersion(hits, {"doc-01": 10}, lang="en").axes[0].get_xlabel()
'Relative position in the text'
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import dates as mdates
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from analysis.plotting import (
    _CHAR_IN,
    _LINE_IN,
    _MONTHS,
    _as_lengths,
    _display,
    _figure_axes,
    _format_number,
    _legend,
    _new_figure,
    _no_data,
    _number_axis,
    _percent_formatter,
    _require,
    _ui,
)
from analysis.style import (
    CATEGORICAL_COLOURS,
    FOCUS_COLOUR,
    MUTED_COLOUR,
    REFERENCE_COLOUR,
    SEQUENTIAL_CMAP,
    figure_style,
    truncate_label,
    wrap_label,
)

logger = logging.getLogger(__name__)

__all__ = ["textplot_dispersion", "textplot_heatmap", "textplot_theme_timeline"]


# --------------------------------------------------------------------------- 2. heat map


def _doc_names(
    doc_ids: Sequence[str],
    titles: Mapping[str, str] | None,
    dates: Mapping[str, Any] | None,
    width: int,
) -> list[str]:
    names = []
    for doc_id in doc_ids:
        name = truncate_label(_display(doc_id, titles), width)
        date = None if dates is None else dates.get(doc_id)
        if date is not None and not pd.isna(date):
            name = f"{name} ({pd.Timestamp(date):%Y-%m-%d})"
        names.append(name)
    return names


def textplot_heatmap(
    doc_rates: pd.DataFrame,
    focus_id: str,
    order: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    lang: str = "fr",
    ax: Axes | None = None,
    *,
    docs: pd.DataFrame | None = None,
    titles: Mapping[str, str] | None = None,
    annotate: bool | None = None,
) -> Figure:
    """Heat map of theme rates, documents in rows and themes in columns.

    The focus row is highlighted (bold coloured label and frame). Rows follow
    ``order`` when given (e.g. the similarity ranking; the focus is put first if
    absent and unlisted documents follow in id order), else the date (from a
    ``date`` column of ``doc_rates`` or ``docs``), else the document id. Themes
    keep their order of first appearance in ``doc_rates``.

    Parameters
    ----------
    doc_rates : pandas.DataFrame
        Long per-document rates: ``doc_id, theme, per_1000`` (optionally ``date``).
    focus_id : str
        Id of the focus document.
    order : sequence of str, optional
        Document ids from top to bottom.
    labels : mapping of str to str, optional
        Theme id -> display label.
    lang : {"fr", "en"}, default "fr"
        Language of the colour bar title.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure sized from the table is created when omitted.
    docs : pandas.DataFrame, optional
        Documents table (``doc_id`` with optional ``date``, ``title``) used for
        row labels and date order.
    titles : mapping of str to str, optional
        Document id -> short row label (takes precedence over ``docs.title``).
    annotate : bool, optional
        Write the rate in each cell; by default only for small tables (at most
        15 documents and 10 themes).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> rates = pd.DataFrame({"doc_id": ["doc-01", "doc-01", "doc-02", "doc-02"],
    ...     "theme": ["arctic", "ukraine"] * 2, "per_1000": [1.0, 5.0, 0.0, 3.0]})
    >>> fig = textplot_heatmap(rates, focus_id="doc-01", lang="en")
    >>> fig.axes[1].get_ylabel()
    'Rate per 1,000 words'
    """
    ui = _ui(lang)
    _require(doc_rates, ["doc_id", "theme", "per_1000"], "doc_rates")
    themes = list(dict.fromkeys(doc_rates["theme"]))
    matrix = doc_rates.pivot(index="doc_id", columns="theme", values="per_1000")
    matrix = matrix.reindex(columns=themes)

    dates: dict[str, Any] | None = None
    doc_titles: dict[str, str] = {}
    if "date" in doc_rates.columns:
        dates = doc_rates.drop_duplicates("doc_id").set_index("doc_id")["date"].to_dict()
    if docs is not None:
        _require(docs, ["doc_id"], "docs")
        if "date" in docs.columns:
            dates = docs.set_index("doc_id")["date"].to_dict()
        if "title" in docs.columns:
            doc_titles = docs.dropna(subset=["title"]).set_index("doc_id")["title"].to_dict()
    doc_titles.update(titles or {})
    if dates is not None:
        dates = {k: pd.to_datetime(v, errors="coerce") for k, v in dates.items()}

    present = list(matrix.index)
    if order is not None:
        rows = [d for d in dict.fromkeys(order) if d in matrix.index]
        if focus_id in matrix.index and focus_id not in rows:
            rows.insert(0, focus_id)
        rest = sorted(d for d in present if d not in rows)
        if rest:
            logger.debug("heat map: %d documents not in `order` put last", len(rest))
        rows += rest
    elif dates is not None:
        far = pd.Timestamp.max
        rows = sorted(present, key=lambda d: (far if pd.isna(dates.get(d)) else dates[d], str(d)))
    else:
        rows = sorted(present)
    matrix = matrix.reindex(index=rows)
    if focus_id not in matrix.index:
        logger.warning("focus %r is not in doc_rates: no row highlighted", focus_id)

    col_names = [wrap_label(_display(t, labels), 30, max_lines=3) for t in themes]
    row_names = _doc_names(rows, doc_titles, dates, 34)
    longest = max((len(line) for n in col_names for line in n.split("\n")), default=1)
    rotation = 45 if longest <= 16 else 90
    header_in = _CHAR_IN * longest * (0.72 if rotation == 45 else 1.0) + 0.35
    height = 0.4 + header_in + 0.2 * max(len(rows), 1)

    with figure_style():
        fig, ax, own = _figure_axes(ax, max(height, 2.0))
        if matrix.empty:
            return _no_data(fig, ax, ui)
        values = np.ma.masked_invalid(matrix.to_numpy(float))
        cmap = _colormap()
        # colour scale capped at the 99th percentile of the cells: one outlying document
        # (e.g. a short statement on a single topic) must not wash out every other cell
        finite = values.compressed()
        vmax = max(float(np.percentile(finite, 99)), 1e-9) if finite.size else 1.0
        clipped = bool(finite.size and finite.max() > vmax)
        image = ax.imshow(values, aspect="auto", cmap=cmap, vmin=0.0, vmax=vmax, interpolation="nearest")
        ax.set_xticks(np.arange(len(themes)), col_names)
        if rotation == 45:
            ax.tick_params(axis="x", labelrotation=45)
            for text in ax.get_xticklabels():
                text.set_ha("right")
                text.set_rotation_mode("anchor")
        else:
            ax.tick_params(axis="x", labelrotation=90)
        ax.set_yticks(np.arange(len(rows)), row_names)
        ax.set_xticks(np.arange(-0.5, len(themes)), minor=True)
        ax.set_yticks(np.arange(-0.5, len(rows)), minor=True)
        ax.grid(which="minor", color="white", linewidth=0.6)
        ax.grid(which="major", visible=False)
        ax.tick_params(which="both", length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        if focus_id in rows:
            i = rows.index(focus_id)
            label = ax.get_yticklabels()[i]
            label.set_fontweight("bold")
            label.set_color(FOCUS_COLOUR)
            ax.add_patch(
                Rectangle(
                    (-0.5, i - 0.5),
                    len(themes),
                    1.0,
                    fill=False,
                    edgecolor=FOCUS_COLOUR,
                    linewidth=2.0,
                    clip_on=False,
                    zorder=5,
                )
            )
        bar_in = min(3.0, 0.2 * len(rows) + 0.4)
        shrink = min(1.0, bar_in / max(0.2 * len(rows), 0.2))
        if annotate is None:
            annotate = len(rows) <= 15 and len(themes) <= 10
        if annotate:
            norm = image.norm
            for (i, j), value in np.ndenumerate(matrix.to_numpy(float)):
                if np.isfinite(value):
                    dark = norm(value) > 0.55
                    ax.text(
                        j,
                        i,
                        _format_number(value, lang, 1),
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="white" if dark else "#222222",
                    )
        colourbar = fig.colorbar(
            image, ax=ax, shrink=shrink, aspect=25, pad=0.02, extend="max" if clipped else "neither"
        )
        colourbar.set_label(ui["rate"])
        _number_axis(colourbar.ax.yaxis, lang)
        colourbar.outline.set_visible(False)
        if rotation == 90:
            _fit_column_labels(fig, ax, themes, labels, width=30, lines=3)
    return fig


def _fit_column_labels(
    fig: Figure, ax: Axes, keys: Sequence[str], labels: Mapping[str, str] | None, width: int, lines: int
) -> None:
    """Re-wrap vertical column labels on fewer lines when the columns are too narrow."""
    fig.draw_without_rendering()  # runs the layout: the column width is now known
    col_in = ax.get_window_extent().width / fig.dpi / max(len(keys), 1)
    fit = int(max(1, min(lines, (col_in - 0.04) // _LINE_IN)))
    if fit < lines:
        names = [wrap_label(_display(t, labels), width, max_lines=fit) for t in keys]
        ax.set_xticks(np.arange(len(keys)), names)
        ax.tick_params(axis="x", labelrotation=90)


def _colormap() -> Any:
    import matplotlib as mpl

    return mpl.colormaps[SEQUENTIAL_CMAP].with_extremes(bad="#EEEEEE")


# --------------------------------------------------------------------------- 4. dispersion


def textplot_dispersion(
    hits: pd.DataFrame,
    doc_lengths: Mapping[str, int] | pd.Series | pd.DataFrame,
    themes: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    lang: str = "fr",
    ax: Axes | None = None,
    *,
    titles: Mapping[str, str] | None = None,
) -> Figure:
    """Lexical dispersion ("x-ray") plot of theme hits along each document.

    One row per (document, theme); each hit is a vertical tick at its relative
    position ``start_pos / length``. With several documents, each document's
    rows are grouped under a bold header row.

    Parameters
    ----------
    hits : pandas.DataFrame
        Lookup hits: ``doc_id, theme, start_pos`` (``end_pos`` is not needed).
    doc_lengths : mapping, pandas.Series or pandas.DataFrame
        Document id -> number of token positions (a DataFrame needs ``doc_id,
        n_positions``). Its order is the order of the documents; documents
        without hits keep empty rows.
    themes : sequence of str, optional
        Themes to show, in order; default: all themes in ``hits`` by first appearance.
    labels : mapping of str to str, optional
        Theme id -> display label.
    lang : {"fr", "en"}, default "fr"
        Language of axis titles.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is created when omitted.
    titles : mapping of str to str, optional
        Document id -> short label for the group headers.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> hits = pd.DataFrame({"doc_id": ["doc-01"] * 2, "theme": ["arctic", "ukraine"],
    ...     "start_pos": [10, 80], "end_pos": [11, 81]})
    >>> fig = textplot_dispersion(hits, {"doc-01": 100}, lang="en")
    >>> fig.axes[0].get_xlabel()
    'Relative position in the text'
    """
    ui = _ui(lang)
    _require(hits, ["doc_id", "theme", "start_pos"], "hits")
    lengths = _as_lengths(doc_lengths)
    unknown = set(hits["doc_id"]) - set(lengths.index)
    if unknown:
        logger.warning(
            "dispersion: %d document(s) without a length are left out: %s", len(unknown), sorted(unknown)[:5]
        )
    if themes is None:
        themes = list(dict.fromkeys(hits["theme"]))
    themes = list(themes)
    docs = list(lengths.index)
    several = len(docs) > 1
    colours = {t: CATEGORICAL_COLOURS[i % (len(CATEGORICAL_COLOURS) - 1)] for i, t in enumerate(themes)}

    rows: list[tuple[str | None, str | None]] = []  # (doc, theme); theme None = header
    for doc in docs:
        if several:
            rows.append((doc, None))
        rows.extend((doc, t) for t in themes)
    groups = {key: frame for key, frame in hits.groupby(["doc_id", "theme"], sort=False)}
    names = []
    for doc, theme in rows:
        if theme is None:
            names.append(truncate_label(_display(doc, titles), 40))
        else:
            n = len(groups.get((doc, theme), ()))
            names.append(f"{wrap_label(_display(theme, labels), 42, max_lines=1)} ({n})")
    height = 1.0 + 0.19 * max(len(rows), 1)

    with figure_style():
        fig, ax, own = _figure_axes(ax, height)
        if not rows or not themes:
            return _no_data(fig, ax, ui)
        for i, (doc, theme) in enumerate(rows):
            if theme is None:
                if i:
                    ax.axhline(i - 0.5, color=MUTED_COLOUR, linewidth=0.6)
                continue
            ax.hlines(i, 0.0, 1.0, color="#E4E4E4", linewidth=0.8, zorder=1)
            frame = groups.get((doc, theme))
            length = float(lengths.get(doc, np.nan))
            if frame is None or not length > 0:
                continue
            x = frame["start_pos"].to_numpy(float) / length
            ax.vlines(x, i - 0.36, i + 0.36, color=colours[theme], linewidth=1.0, zorder=2)
        ax.set_yticks(np.arange(len(rows)), names)
        for text, (_doc, theme) in zip(ax.get_yticklabels(), rows, strict=True):
            if theme is None:
                text.set_fontweight("bold")
        if not several and docs:
            ax.set_title(truncate_label(_display(docs[0], titles), 60))
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_xlim(0.0, 1.0)
        ax.xaxis.set_major_locator(ticker.FixedLocator([0, 0.25, 0.5, 0.75, 1.0]))
        ax.xaxis.set_major_formatter(_percent_formatter(lang))
        ax.set_xlabel(ui["position"])
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
    return fig


# --------------------------------------------------------------------------- 6. timeline


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

    With ``ax=None`` each theme gets its own panel (small multiples sharing the
    date axis): reference statements as a dotted series, the focus statement as
    a large diamond and a dotted vertical line at its date. When ``ax`` is
    given, all themes are drawn into it as coloured series, the focus of each
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
    >>> len(fig.axes)
    1
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
            target.plot(
                ref["date"],
                ref["per_1000"],
                marker="o",
                markersize=3.5,
                linewidth=0.9,
                color=colour,
                alpha=0.85,
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
                        color=colour,
                        marker="o",
                        markersize=3.5,
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
                    [], [], color=REFERENCE_COLOUR, marker="o", markersize=3.5, label=ui["reference_docs"]
                ),
                focus_handle,
            ]
            _legend(fig, axes[0], True, handles)
        else:
            axes[0].set_ylabel(ui["rate"])
            axes[0].set_xlabel(ui["date"])
            axes[0].legend(handles=[*handles, focus_handle], loc="best")
    return fig
