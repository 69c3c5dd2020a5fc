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
Axis titles and legends come from :data:`analysis.i18n.FIGURES`; ``texts`` (a
mapping of the same keys) replaces some of them, e.g. plainer words for a
stakeholder's page.

Theme ids are shown through ``labels`` (theme id -> display label, e.g. the
dictionary's ``label_fr``); an id without a label is shown as is.

The figures across documents are defined in :mod:`analysis.textplot_documents`
(:func:`textplot_heatmap`, :func:`textplot_dispersion`) and
:mod:`analysis.textplot_timeline` (:func:`textplot_theme_timeline`), the shared
drawing helpers in :mod:`analysis.plotting`; every ``textplot_*`` function is
importable from here.

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
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analysis.plotting import (
    _CHAR_IN,
    _LINE_IN,
    _SIGNIFICANCE,
    _display,
    _figure_axes,
    _format_number,
    _item_names,
    _legend,
    _n_lines,
    _no_data,
    _number_axis,
    _ratio_axis,
    _require,
    _ui,
)
from analysis.style import (
    FIGURE_WIDTH_IN,
    FOCUS_COLOUR,
    MUTED_COLOUR,
    REFERENCE_COLOUR,
    figure_style,
    wrap_label,
)
from analysis.textplot_documents import textplot_dispersion, textplot_heatmap
from analysis.textplot_timeline import textplot_theme_timeline

logger = logging.getLogger(__name__)

__all__ = [
    "textplot_dispersion",
    "textplot_heatmap",
    "textplot_keyness",
    "textplot_similarity",
    "textplot_theme_profile",
    "textplot_theme_timeline",
]


# --------------------------------------------------------------------------- 1. profile


def textplot_theme_profile(
    comparison: pd.DataFrame,
    labels: Mapping[str, str] | None = None,
    lang: str = "fr",
    doc_rates: pd.DataFrame | None = None,
    ax: Axes | None = None,
    *,
    focus_id: str | None = None,
    texts: Mapping[str, str] | None = None,
    order: str = "gap",
) -> Figure:
    """Dot plot of the focus rate of each theme beside the reference distribution.

    One row per theme: the focus statement's rate per 1,000 tokens (filled
    dot) next to the reference median (vertical tick) and interquartile range
    (bar), or, when ``doc_rates`` is given, the individual reference rates (a
    strip of small dots). Themes are ordered by focus rate minus reference
    median, the most over-represented at the top (``order="focus"``: by focus rate).

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
    texts : mapping of str to str, optional
        Replacements for axis titles and legends (keys of :data:`analysis.i18n.FIGURES`).
    order : {"gap", "focus"}, default "gap"
        Rows by focus rate minus reference median, or by focus rate alone (the most present on top).

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
    ui = {**_ui(lang), **(texts or {})}
    _require(
        comparison,
        ["theme", "focus_per_1000", "reference_median", "reference_q1", "reference_q3"],
        "comparison",
    )
    if order not in ("gap", "focus"):
        raise ValueError(f"order must be 'gap' or 'focus', got {order!r}")
    key = comparison["focus_per_1000"] - (comparison["reference_median"] if order == "gap" else 0)
    table = comparison.assign(_gap=key)
    table = table.sort_values(["_gap", "theme"], ascending=[True, False], kind="mergesort")
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
    max_untestable: int | None = None,
    texts: Mapping[str, str] | None = None,
) -> Figure:
    """Log Ratio of each item with its confidence interval, on an axis of ratios (×1/2, ×1, ×2…).

    The ``top`` testable items with the largest absolute conservative Log Ratio
    (``lrc``; ``log_ratio`` when ``lrc`` is missing) are drawn from most
    over-represented (top) to most under-represented, with the confidence
    interval as error bars. Items significant after Holm correction
    (``p_holm < 0.05``) have filled markers, the others hollow ones; colour gives
    the direction (focus colour: more frequent in the focus statement). Items
    that are not testable are listed apart in a grey block at the bottom, most
    frequent in the focus first (all of them, or at most ``max_untestable``: the
    block's title then counts the others). The axis is in log2 units, labelled
    as the ratios they stand for.

    Parameters
    ----------
    table : pandas.DataFrame
        Theme comparison or word keyness table: ``<item>, log_ratio,
        log_ratio_ci_low, log_ratio_ci_high, p_holm, testable`` (optionally
        ``lrc``, ``focus_count``, and ``form``: the word as the text writes it,
        which then names the item, see :func:`analysis.kwic.key_forms`).
    item : {"theme", "term"}, default "theme"
        Column naming the items.
    labels : mapping of str to str, optional
        Item -> display label (before ``form``).
    lang : {"fr", "en"}, default "fr"
        Language of axis titles and legend.
    top : int, default 20
        Number of testable items drawn.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is created when omitted.
    max_untestable : int, optional
        Number of untestable items listed (default: all themes, or 8 words); the rest are
        counted in the block title.
    texts : mapping of str to str, optional
        Replacements for axis titles and legends (keys of :data:`analysis.i18n.FIGURES`).

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
    ui = {**_ui(lang), **(texts or {})}
    _require(
        table, [item, "log_ratio", "log_ratio_ci_low", "log_ratio_ci_high", "p_holm", "testable"], "table"
    )
    if "form" in table.columns:  # match keys are folded (securite): show the word as written
        forms = {k: v for k, v in zip(table[item], table["form"], strict=True) if isinstance(v, str) and v}
        labels = {**forms, **(labels or {})}
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
    if max_untestable is None:  # every theme (a dictionary has few); the commonest words
        max_untestable = len(rare) if item == "theme" else 8
    limit = max(int(max_untestable), 0)
    hidden = max(len(rare) - limit, 0)
    rare = rare.head(limit)

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
        ax.set_xlabel(ui["ratio"])
        _ratio_axis(ax.xaxis, lang, span)
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


# --------------------------------------------------------------------------- 5. similarity


def textplot_similarity(
    similarity: pd.DataFrame,
    titles: Mapping[str, str] | None = None,
    lang: str = "fr",
    top: int = 15,
    ax: Axes | None = None,
    *,
    label_chars: int = 44,
    texts: Mapping[str, str] | None = None,
) -> Figure:
    """Bar ranking of the reference documents most similar to the focus.

    Parameters
    ----------
    similarity : pandas.DataFrame
        ``doc_id, cosine, rank`` (rank 1 = most similar; without ``rank`` the
        cosine order is used).
    titles : mapping of str to str, optional
        Document id -> label (e.g. :func:`analysis.style.document_labels`), on at most
        three lines of ``label_chars`` characters.
    lang : {"fr", "en"}, default "fr"
        Language of the axis title and of the value labels (decimal comma in French).
    top : int, default 15
        Number of documents shown.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is created when omitted.
    label_chars : int, default 44
        Characters per line of a label (three lines at most, the last ended by ``…`` when cut).
    texts : mapping of str to str, optional
        Replacements for axis titles and legends (keys of :data:`analysis.i18n.FIGURES`).

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
    ui = {**_ui(lang), **(texts or {})}
    _require(similarity, ["doc_id", "cosine"], "similarity")
    if "rank" in similarity.columns:
        table = similarity.sort_values(["rank", "doc_id"], kind="mergesort")
    else:
        table = similarity.sort_values(["cosine", "doc_id"], ascending=[False, True], kind="mergesort")
    table = table.head(max(int(top), 0))
    names = [wrap_label(_display(d, titles), label_chars, max_lines=3) for d in table["doc_id"]]
    row_in = max(0.24, 0.1 + _LINE_IN * _n_lines(names))
    with figure_style():
        fig, ax, own = _figure_axes(ax, 0.9 + row_in * max(len(table), 1))
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
