"""Figures drawn from the tidy tables of the analysis (``textplot_*``).

Statistics are computed once, by :mod:`analysis.textstat` and
:mod:`analysis.lookup`; the functions here only draw the tables they are given
and never recompute a statistic. Every function follows the scikit-learn
plotting convention: it returns a :class:`matplotlib.figure.Figure`; with
``ax=None`` it builds a new figure sized for an A4 page (see
:mod:`analysis.style`), otherwise it draws into ``ax`` and returns
``ax.figure``. Figures are plain :class:`~matplotlib.figure.Figure` objects
(nothing is registered with pyplot) rendered with the Agg canvas; save them with
:func:`analysis.style.save_figure`.

Axis titles and captions are written in French (``lang="fr"``, with French
typography: decimal comma, ``1 000``, ``25 %``) or English (``lang="en"``).
Theme ids are shown through ``labels`` (theme id -> display label, e.g. the
dictionary's ``label_fr``); an id without a label is shown as is.

Examples
--------
>>> import pandas as pd
>>> from analysis.textplot import textplot_similarity
>>> sim = pd.DataFrame({"doc_id": ["doc-02", "doc-03"], "cosine": [0.8, 0.5], "rank": [1, 2]})
>>> fig = textplot_similarity(sim, lang="en")
>>> fig.axes[0].get_xlabel()
'Cosine similarity to the focus statement'
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
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from analysis.style import (
    CATEGORICAL_COLOURS,
    FIGURE_WIDTH_IN,
    FOCUS_COLOUR,
    MUTED_COLOUR,
    REFERENCE_COLOUR,
    SEQUENTIAL_CMAP,
    figure_style,
    truncate_label,
    wrap_label,
)

logger = logging.getLogger(__name__)

__all__ = [
    "textplot_dispersion",
    "textplot_heatmap",
    "textplot_keyness",
    "textplot_similarity",
    "textplot_theme_profile",
    "textplot_theme_timeline",
]

_NNBSP = "\u202f"  # narrow no-break space (French thousands, before % ; : ? !)
_NBSP = "\u00a0"

_UI: dict[str, dict[str, str]] = {
    "fr": {
        "rate": f"Taux pour 1{_NNBSP}000{_NBSP}mots",
        "focus": "Déclaration étudiée",
        "reference_median": "Médiane de référence",
        "iqr": "Écart interquartile de référence",
        "reference_docs": "Déclarations de référence",
        "log_ratio": f"Log Ratio (log₂ du rapport des taux), IC à 95{_NNBSP}%",
        "significant": f"Significatif (p de Holm{_NBSP}<{_NBSP}0,05)",
        "not_significant": "Non significatif",
        "too_rare": "trop rare pour tester",
        "more": "(+{n} autres)",
        "over": "plus fréquent dans la déclaration étudiée →",
        "under": "← plus fréquent dans la référence",
        "position": "Position relative dans le texte",
        "cosine": "Similarité cosinus avec la déclaration étudiée",
        "date": "Date de la déclaration",
        "document": "Document",
        "theme": "Thème",
        "term": "Terme",
        "no_data": "Aucune donnée à représenter",
    },
    "en": {
        "rate": "Rate per 1,000 words",
        "focus": "Focus statement",
        "reference_median": "Reference median",
        "iqr": "Reference interquartile range",
        "reference_docs": "Reference statements",
        "log_ratio": "Log Ratio (log₂ of the rate ratio), 95% CI",
        "significant": "Significant (Holm p < 0.05)",
        "not_significant": "Not significant",
        "too_rare": "too rare to test",
        "more": "(+{n} more)",
        "over": "more frequent in the focus statement →",
        "under": "← more frequent in the reference",
        "position": "Relative position in the text",
        "cosine": "Cosine similarity to the focus statement",
        "date": "Statement date",
        "document": "Document",
        "theme": "Theme",
        "term": "Term",
        "no_data": "No data to plot",
    },
}

_MONTHS: dict[str, tuple[str, ...]] = {
    "fr": (
        "janv.",
        "févr.",
        "mars",
        "avr.",
        "mai",
        "juin",
        "juil.",
        "août",
        "sept.",
        "oct.",
        "nov.",
        "déc.",
    ),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

# Layout constants (inches, at the 8 pt tick label size).
_CHAR_IN = 0.062  # average width of one character
_LINE_IN = 0.135  # height of one text line
_LABEL_WIDTH = 34  # characters per line of a wrapped theme label
_LABEL_LINES = 3  # lines kept of a wrapped theme label
_SIGNIFICANCE = 0.05


# --------------------------------------------------------------------------- helpers


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


def _format_number(value: float, lang: str, digits: int = 2) -> str:
    text = f"{value:.{digits}f}"
    if lang == "fr":
        text = text.replace(".", ",")
    return text.replace("-", "\u2212")


def _percent_formatter(lang: str) -> ticker.Formatter:
    sep = _NNBSP if lang == "fr" else ""
    return ticker.FuncFormatter(lambda x, _pos: f"{x * 100:.0f}{sep}%")


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


# --------------------------------------------------------------------------- 1. profile


def textplot_theme_profile(
    comparison: pd.DataFrame,
    labels: Mapping[str, str] | None = None,
    lang: str = "fr",
    doc_rates: pd.DataFrame | None = None,
    ax: Axes | None = None,
    *,
    focus_id: str | None = None,
) -> Figure:
    """Dot plot of the focus rate of each theme beside the reference distribution.

    One row per theme: the focus statement's rate per 1,000 tokens (filled
    dot) next to the reference median (vertical tick) and interquartile range
    (bar), or, when ``doc_rates`` is given, the individual reference rates (a
    strip of small dots). Themes are ordered by focus rate minus reference
    median, the most over-represented at the top.

    Parameters
    ----------
    comparison : pandas.DataFrame
        Theme comparison table with at least ``theme, focus_per_1000,
        reference_median, reference_q1, reference_q3``.
    labels : mapping of str to str, optional
        Theme id -> display label.
    lang : {"fr", "en"}, default "fr"
        Language of axis titles and legend.
    doc_rates : pandas.DataFrame, optional
        Per-document theme rates (``doc_id, theme, per_1000``) of the reference
        statements, drawn as a strip instead of the interquartile bar.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is created when omitted.
    focus_id : str, optional
        Focus document id, left out of ``doc_rates`` when present there.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> comp = pd.DataFrame({"theme": ["arctic", "ukraine"], "focus_per_1000": [4.0, 9.0],
    ...     "reference_median": [1.0, 6.0], "reference_q1": [0.5, 4.0],
    ...     "reference_q3": [2.0, 8.0]})
    >>> fig = textplot_theme_profile(comp, labels={"arctic": "Arctique"})
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['ukraine', 'Arctique']
    """
    ui = _ui(lang)
    _require(
        comparison,
        ["theme", "focus_per_1000", "reference_median", "reference_q1", "reference_q3"],
        "comparison",
    )
    table = comparison.assign(_gap=comparison["focus_per_1000"] - comparison["reference_median"]).sort_values(
        ["_gap", "theme"], ascending=[True, False], kind="mergesort"
    )
    names = _item_names(table["theme"], labels)
    row_in = 0.12 + _LINE_IN * _n_lines(names)
    with figure_style():
        fig, ax, own = _figure_axes(ax, 1.1 + row_in * max(len(table), 1))
        if table.empty:
            return _no_data(fig, ax, ui)
        y = np.arange(len(table), dtype=float)
        focus = table["focus_per_1000"].to_numpy(float)
        median = table["reference_median"].to_numpy(float)
        handles: list[Any] = []

        ax.hlines(
            y, np.fmin(focus, median), np.fmax(focus, median), color=MUTED_COLOUR, linewidth=0.8, zorder=1
        )
        if doc_rates is not None:
            _require(doc_rates, ["doc_id", "theme", "per_1000"], "doc_rates")
            rates = doc_rates
            if focus_id is not None:
                rates = rates[rates["doc_id"] != focus_id]
            rng = np.random.default_rng(0)  # fixed jitter: identical figures run to run
            for row, theme in zip(y, table["theme"], strict=True):
                values = rates.loc[rates["theme"] == theme, "per_1000"].to_numpy(float)
                jitter = rng.uniform(-0.22, 0.22, size=len(values))
                ax.scatter(
                    values, row + jitter, s=9, color=REFERENCE_COLOUR, alpha=0.45, linewidths=0, zorder=2
                )
            handles.append(
                Line2D(
                    [],
                    [],
                    linestyle="",
                    marker="o",
                    markersize=3.5,
                    alpha=0.6,
                    color=REFERENCE_COLOUR,
                    label=ui["reference_docs"],
                )
            )
        else:
            ax.hlines(
                y,
                table["reference_q1"],
                table["reference_q3"],
                color=REFERENCE_COLOUR,
                alpha=0.3,
                linewidth=6,
                zorder=2,
            )
            handles.append(Line2D([], [], color=REFERENCE_COLOUR, alpha=0.3, linewidth=6, label=ui["iqr"]))
        ax.scatter(median, y, marker="|", s=140, linewidths=2, color=REFERENCE_COLOUR, zorder=3)
        handles.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker="|",
                markersize=10,
                markeredgewidth=2,
                color=REFERENCE_COLOUR,
                label=ui["reference_median"],
            )
        )
        ax.scatter(
            focus, y, marker="o", s=38, color=FOCUS_COLOUR, edgecolors="white", linewidths=0.6, zorder=4
        )
        handles.insert(
            0, Line2D([], [], linestyle="", marker="o", markersize=6, color=FOCUS_COLOUR, label=ui["focus"])
        )

        ax.set_yticks(y, names)
        ax.set_ylim(-0.6, len(table) - 0.4)
        right = ax.get_xlim()[1]
        ax.set_xlim(-0.015 * right, right)  # dots at 0 stay whole
        ax.set_xlabel(ui["rate"])
        _number_axis(ax.xaxis, lang)
        ax.grid(axis="x")
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        _legend(fig, ax, own, handles)
    return fig


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


# --------------------------------------------------------------------------- 3. keyness


def _finite(values: pd.Series, fallback: pd.Series) -> np.ndarray:
    out = np.array(pd.to_numeric(values, errors="coerce"), dtype=float)
    base = np.array(pd.to_numeric(fallback, errors="coerce"), dtype=float)
    bad = ~np.isfinite(out)
    out[bad] = base[bad]
    return out


def textplot_keyness(
    table: pd.DataFrame,
    item: str = "theme",
    labels: Mapping[str, str] | None = None,
    lang: str = "fr",
    top: int = 20,
    ax: Axes | None = None,
    *,
    max_untestable: int = 8,
) -> Figure:
    """Log Ratio of each item with its confidence interval.

    The ``top`` testable items with the largest absolute conservative Log Ratio
    (``lrc``; ``log_ratio`` when ``lrc`` is missing) are drawn from most
    over-represented (top) to most under-represented, with the confidence
    interval as error bars. Items significant after Holm correction
    (``p_holm < 0.05``) have filled markers, the others hollow ones; colour gives
    the direction (focus colour: more frequent in the focus statement). Items
    that are not testable are listed apart in a grey block at the bottom
    (at most ``max_untestable``, most frequent in the focus first).

    Parameters
    ----------
    table : pandas.DataFrame
        Theme comparison or word keyness table: ``<item>, log_ratio,
        log_ratio_ci_low, log_ratio_ci_high, p_holm, testable`` (optionally
        ``lrc``, ``focus_count``).
    item : {"theme", "term"}, default "theme"
        Column naming the items.
    labels : mapping of str to str, optional
        Item -> display label.
    lang : {"fr", "en"}, default "fr"
        Language of axis titles and legend.
    top : int, default 20
        Number of testable items drawn.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is created when omitted.
    max_untestable : int, default 8
        Number of untestable items listed; the rest are counted in the block title.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> kt = pd.DataFrame({"theme": ["ukraine", "arctic"], "log_ratio": [1.5, 0.0],
    ...     "log_ratio_ci_low": [0.5, float("nan")], "log_ratio_ci_high": [2.5, float("nan")],
    ...     "p_holm": [0.01, float("nan")], "testable": [True, False]})
    >>> fig = textplot_keyness(kt, lang="en")
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['ukraine', 'too rare to test', 'arctic']
    """
    ui = _ui(lang)
    _require(
        table, [item, "log_ratio", "log_ratio_ci_low", "log_ratio_ci_high", "p_holm", "testable"], "table"
    )
    testable = table["testable"].fillna(False).astype(bool)
    tested = table[testable]
    size = pd.to_numeric(tested["log_ratio"], errors="coerce").abs()
    rank = tested["lrc"] if "lrc" in tested.columns else tested["log_ratio"]
    rank = pd.to_numeric(rank, errors="coerce").abs()
    tested = (
        tested.assign(_rank=rank, _size=size)
        .sort_values(
            ["_rank", "_size", item], ascending=[False, False, True], na_position="last", kind="mergesort"
        )
        .head(max(int(top), 0))
        .sort_values(["log_ratio", item], ascending=[False, True], kind="mergesort")
    )
    rare = table[~testable]
    if "focus_count" in rare.columns:
        rare = rare.sort_values(["focus_count", item], ascending=[False, True], kind="mergesort")
    else:
        rare = rare.sort_values(item, kind="mergesort")
    hidden = max(len(rare) - max_untestable, 0)
    rare = rare.head(max_untestable)

    names = _item_names(tested[item], labels)
    rare_names = _item_names(rare[item], labels)
    n_rows = len(tested) + (len(rare) + 1 if len(rare) else 0)
    row_in = 0.1 + _LINE_IN * _n_lines(names + rare_names)

    with figure_style():
        fig, ax, own = _figure_axes(ax, 1.5 + row_in * max(n_rows, 1))
        if n_rows == 0:
            return _no_data(fig, ax, ui)
        y = np.arange(len(tested), dtype=float)
        lr = pd.to_numeric(tested["log_ratio"], errors="coerce").to_numpy(float)
        low = _finite(tested["log_ratio_ci_low"], tested["log_ratio"])
        high = _finite(tested["log_ratio_ci_high"], tested["log_ratio"])
        significant = (pd.to_numeric(tested["p_holm"], errors="coerce") < _SIGNIFICANCE).to_numpy()
        colour = np.where(lr > 0, FOCUS_COLOUR, REFERENCE_COLOUR)
        for i in range(len(tested)):
            ax.errorbar(
                lr[i],
                y[i],
                xerr=[[max(lr[i] - low[i], 0)], [max(high[i] - lr[i], 0)]],
                fmt="o",
                markersize=6,
                color=colour[i],
                ecolor=colour[i],
                elinewidth=1.3,
                capsize=2.5,
                markeredgewidth=1.3,
                markerfacecolor=colour[i] if significant[i] else "white",
                zorder=3,
            )
        ticks = list(y)
        tick_names = list(names)
        xs = [lr, low, high]
        if len(rare):
            header = len(tested)
            ry = np.arange(len(rare), dtype=float) + header + 1
            rlr = pd.to_numeric(rare["log_ratio"], errors="coerce").to_numpy(float)
            ok = np.isfinite(rlr)
            ax.scatter(
                rlr[ok],
                ry[ok],
                s=30,
                marker="o",
                facecolors="white",
                edgecolors=MUTED_COLOUR,
                linewidths=1.1,
                zorder=3,
            )
            xs.append(rlr)
            ax.axhline(header - 0.5, color=MUTED_COLOUR, linewidth=0.8, linestyle="--")
            title = ui["too_rare"] + (" " + ui["more"].format(n=hidden) if hidden else "")
            ticks += [float(header), *ry]
            tick_names += [title, *rare_names]
        ax.axvline(0.0, color="#333333", linewidth=0.8, zorder=1)
        ax.set_yticks(ticks, tick_names)
        if len(rare):
            labels_y = ax.get_yticklabels()
            for text in labels_y[len(tested) :]:
                text.set_color(MUTED_COLOUR)
            labels_y[len(tested)].set_fontstyle("italic")
        ax.set_ylim(n_rows - 0.4, -0.6)
        finite = np.concatenate([v[np.isfinite(v)] for v in xs] + [np.zeros(1)])
        span = max(float(finite.max() - finite.min()), 1.0)
        ax.set_xlim(float(finite.min()) - 0.08 * span, float(finite.max()) + 0.08 * span)
        ax.set_xlabel(ui["log_ratio"])
        _number_axis(ax.xaxis, lang)
        ax.grid(axis="x")
        ax.tick_params(axis="y", length=0)
        ax.spines["left"].set_visible(False)
        # direction hints above the plot; stacked when the axes may be too narrow for both
        longest = max((len(line) for n in tick_names for line in n.split("\n")), default=0)
        if own:
            axes_in = FIGURE_WIDTH_IN - _CHAR_IN * longest - 0.6
        else:
            axes_in = ax.get_position().width * fig.get_figwidth()
        stacked = _CHAR_IN * (len(ui["under"]) + len(ui["over"])) + 0.3 > axes_in
        for text, x, ha, colour, rise in (
            (ui["under"], 0.0, "left", REFERENCE_COLOUR, 2),
            (ui["over"], 1.0, "right", FOCUS_COLOUR, 13 if stacked else 2),
        ):
            ax.annotate(
                text,
                xy=(x, 1.0),
                xycoords="axes fraction",
                xytext=(0, rise),
                textcoords="offset points",
                ha=ha,
                va="bottom",
                color=colour,
                fontsize=8,
            )
        handles = [
            Line2D([], [], linestyle="", marker="o", markersize=6, color="#333333", label=ui["significant"]),
            Line2D(
                [],
                [],
                linestyle="",
                marker="o",
                markersize=6,
                color="#333333",
                markerfacecolor="white",
                label=ui["not_significant"],
            ),
        ]
        _legend(fig, ax, own, handles)
    return fig


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


# --------------------------------------------------------------------------- 5. similarity


def textplot_similarity(
    similarity: pd.DataFrame,
    titles: Mapping[str, str] | None = None,
    lang: str = "fr",
    top: int = 15,
    ax: Axes | None = None,
) -> Figure:
    """Bar ranking of the reference documents most similar to the focus.

    Parameters
    ----------
    similarity : pandas.DataFrame
        ``doc_id, cosine, rank`` (rank 1 = most similar; without ``rank`` the
        cosine order is used).
    titles : mapping of str to str, optional
        Document id -> short label, cut to 45 characters with an ellipsis.
    lang : {"fr", "en"}, default "fr"
        Language of the axis title and of the value labels (decimal comma in French).
    top : int, default 15
        Number of documents shown.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is created when omitted.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> sim = pd.DataFrame({"doc_id": ["doc-02", "doc-03"], "cosine": [0.8, 0.5],
    ...     "rank": [1, 2]})
    >>> fig = textplot_similarity(sim, titles={"doc-02": "Déclaration de Paris"})
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['Déclaration de Paris', 'doc-03']
    """
    ui = _ui(lang)
    _require(similarity, ["doc_id", "cosine"], "similarity")
    if "rank" in similarity.columns:
        table = similarity.sort_values(["rank", "doc_id"], kind="mergesort")
    else:
        table = similarity.sort_values(["cosine", "doc_id"], ascending=[False, True], kind="mergesort")
    table = table.head(max(int(top), 0))
    names = [truncate_label(_display(d, titles), 45) for d in table["doc_id"]]
    with figure_style():
        fig, ax, own = _figure_axes(ax, 0.9 + 0.24 * max(len(table), 1))
        if table.empty:
            return _no_data(fig, ax, ui)
        y = np.arange(len(table), dtype=float)
        cosine = pd.to_numeric(table["cosine"], errors="coerce").to_numpy(float)
        ax.barh(y, np.nan_to_num(cosine), height=0.65, color=REFERENCE_COLOUR)
        lo = min(0.0, float(np.nanmin(cosine)) if np.isfinite(cosine).any() else 0.0)
        hi = max(float(np.nanmax(cosine)) if np.isfinite(cosine).any() else 1.0, 1e-9)
        pad = 0.02 * (hi - lo)
        for yi, value in zip(y, cosine, strict=True):
            if np.isfinite(value):
                ax.text(
                    max(value, 0.0) + pad, yi, _format_number(value, lang), va="center", ha="left", fontsize=8
                )
        ax.set_xlim(lo, hi + 0.14 * (hi - lo))
        ax.set_yticks(y, names)
        ax.set_ylim(len(table) - 0.5, -0.5)
        ax.set_xlabel(ui["cosine"])
        _number_axis(ax.xaxis, lang)
        ax.grid(axis="x")
        ax.tick_params(axis="y", length=0)
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
