"""Figures across documents: the theme heat map and the dispersion plot.

The conventions of :mod:`analysis.textplot` apply (a returned
:class:`~matplotlib.figure.Figure`, ``ax=None`` for a new A4-wide figure,
``lang="fr"`` or ``"en"``); :mod:`analysis.textplot` re-exports the two
functions of this module (and the timeline of :mod:`analysis.textplot_timeline`).

Examples
--------
>>> import pandas as pd
>>> hits = pd.DataFrame({"doc_id": ["doc-01"], "theme": ["arctic"], "start_pos": [3]})
>>> textplot_dispersion(hits, {"doc-01": 10}, lang="en").axes[0].get_xlabel()
'Relative position in the text'
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib import ticker
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from analysis.plotting import (
    _CHAR_IN,
    _LINE_IN,
    _as_lengths,
    _display,
    _figure_axes,
    _format_number,
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
    SEQUENTIAL_CMAP,
    figure_style,
    truncate_label,
    wrap_label,
)

logger = logging.getLogger(__name__)

__all__ = ["textplot_dispersion", "textplot_heatmap"]


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
    max_rows: int | None = None,
    label_chars: int = 34,
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
    max_rows : int, optional
        Draw only the first ``max_rows`` documents of the row order (the focus
        always among them): e.g. the focus and its closest references of a large frame.
    label_chars : int, default 34
        Longest row label before its date, in characters (cut at the end with ``…``).

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
    if max_rows is not None and len(rows) > max_rows:
        rows = rows[:max_rows] if focus_id in rows[:max_rows] else [focus_id, *rows[: max_rows - 1]]
        logger.debug("heat map: first %d documents of %d drawn", max_rows, len(present))
    matrix = matrix.reindex(index=rows)
    if focus_id not in matrix.index:
        logger.warning("focus %r is not in doc_rates: no row highlighted", focus_id)

    col_names = [wrap_label(_display(t, labels), 30, max_lines=3) for t in themes]
    row_names = _doc_names(rows, doc_titles, dates, label_chars)
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
    counts: Mapping[str, int] | pd.DataFrame | None = None,
) -> Figure:
    """Lexical dispersion ("x-ray") plot of theme hits along each document.

    One row per (document, theme); each hit is a vertical tick at its relative
    position ``start_pos / length``, and the row's label ends with the theme's
    count in parentheses. With several documents, each document's rows are
    grouped under a bold header row.

    The ticks are the rows of ``hits`` as given: pass each theme's counted hits
    once. :attr:`analysis.lookup.Lookup.hits` lists a subtheme's match under the
    subtheme *and* under its parent, so a root theme's own rows already hold its
    subthemes' matches (mapping subtheme rows onto the parent counts them twice).

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
        Document id -> short label for the group headers (and the title of a
        single document's figure).
    counts : mapping of str to int or pandas.DataFrame, optional
        The counts printed in the labels, as computed elsewhere (the figure never
        counts): theme id -> count for every document, or a table ``doc_id,
        theme, count`` such as :attr:`analysis.lookup.Lookup.counts`. A row
        whose number of ticks differs from its count is logged as a warning.
        Default: the number of ticks drawn in the row.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> hits = pd.DataFrame({"doc_id": ["doc-01"] * 2, "theme": ["arctic", "ukraine"],
    ...     "start_pos": [10, 80], "end_pos": [11, 81]})
    >>> fig = textplot_dispersion(hits, {"doc-01": 100}, lang="en", counts={"arctic": 1, "ukraine": 1})
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['arctic (1)', 'ukraine (1)']
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
    given = _given_counts(counts, docs, themes)
    names = []
    for doc, theme in rows:
        if theme is None:
            names.append(truncate_label(_display(doc, titles), 40))
            continue
        ticks = len(groups.get((doc, theme), ()))
        n = given.get((doc, theme), ticks)
        if n != ticks:
            logger.warning("dispersion: %s in %s has %d hit(s) for a count of %d", theme, doc, ticks, n)
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


def _given_counts(
    counts: Mapping[str, int] | pd.DataFrame | None, docs: Sequence[str], themes: Sequence[str]
) -> dict[tuple[str, str], int]:
    """(document, theme) -> count from :func:`textplot_dispersion`'s ``counts``."""
    if counts is None:
        return {}
    if isinstance(counts, pd.DataFrame):
        _require(counts, ["doc_id", "theme", "count"], "counts")
        table = zip(counts["doc_id"], counts["theme"], counts["count"], strict=True)
        return {(d, t): int(n) for d, t, n in table if pd.notna(n)}
    return {(d, t): int(counts[t]) for d in docs for t in themes if t in counts}
