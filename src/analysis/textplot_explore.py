"""Figures of the exploratory statistics: correspondence analysis map and dendrogram.

Both draw a result of :mod:`analysis.explore_stats` and never recompute a statistic
(the scikit-learn Display convention of :mod:`analysis.textplot`): with ``ax=None`` a new
A4-wide figure is built, otherwise the drawing goes into ``ax``; the Figure is returned.
Labels are 8 pt. Documents are named by ``labels`` (id -> title, e.g.
:func:`analysis.style.document_labels`), themes by ``column_labels`` (e.g. the
dictionary's ``labels("fr")``); an id without a label is shown as is.

On the map, the labels are placed one by one, the focus first, each in the first free spot
around its point; a label that finds no free spot is left out (its point stays), so that
labels never pile up into an unreadable mass.

Examples
--------
>>> import pandas as pd
>>> from analysis.explore_stats import textstat_ca
>>> t = pd.DataFrame({"mer": [10, 2, 1], "terre": [1, 8, 2], "air": [1, 2, 9]},
...                  index=["Alphaland", "Syldavie", "Bordurie"])
>>> fig = textplot_ca(textstat_ca(t), lang="en")
>>> fig.axes[0].get_xlabel().startswith("Axis 1 (")
True
"""

from __future__ import annotations

import logging
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import Bbox

from analysis import i18n
from analysis.explore_stats import CAResult, ClusterResult
from analysis.plotting import _display, _figure_axes, _legend
from analysis.style import (
    FIGURE_WIDTH_IN,
    FOCUS_COLOUR,
    MUTED_COLOUR,
    OKABE_ITO,
    REFERENCE_COLOUR,
    SMALL_FONT_SIZE,
    figure_style,
    middle_label,
    wrap_label,
)

logger = logging.getLogger(__name__)

__all__ = ["TEXTS", "textplot_ca", "textplot_dendrogram"]

#: Axis titles and legends of these figures (``explore_figures`` of ``resources/i18n.yaml``).
TEXTS: dict[str, dict[str, str]] = {
    lang: {**i18n.EXPLORE_FIGURES[lang], "focus": i18n.FIGURES[lang]["focus"]} for lang in i18n.LANGUAGES
}

_COLUMN_COLOUR = OKABE_ITO["bluish_green"]
_CLUSTER_COLOURS = tuple(
    OKABE_ITO[k] for k in ("blue", "bluish_green", "reddish_purple", "orange", "sky_blue")
)
_ROW_IN = 0.125  # height of a dendrogram leaf (one 8 pt line)


def _texts(lang: str, texts: Mapping[str, str] | None) -> dict[str, str]:
    if lang not in TEXTS:
        raise ValueError(f"lang must be one of {sorted(TEXTS)}, got {lang!r}")
    return {**TEXTS[lang], **(texts or {})}


def _highlighted(highlight: str | Iterable[str] | None) -> list[str]:
    if highlight is None:
        return []
    return [highlight] if isinstance(highlight, str) else [str(h) for h in highlight]


def _share(value: float, lang: str) -> str:
    return i18n.fmt_fixed(100 * value, lang, 1) + (i18n.NNBSP if lang == "fr" else "") + "%"


# --------------------------------------------------------------------------- label placement

_OFFSETS = [(dx * r, dy * r) for r in (4, 10, 18, 28) for dx, dy in
            ((1, 1), (1, -1), (-1, 1), (-1, -1), (1.4, 0), (-1.4, 0), (0, 1.3), (0, -1.3))]  # fmt: skip
_SOFT_LIMIT = 2  # document dots a label may cover when there is no better spot
_LEADER_PT = 20  # labels farther than this (points, |dx| + |dy|) from their point get a leader line


def _leader(px: float, py: float, box: Bbox) -> np.ndarray:
    """Points along the segment from a point to the nearest point of its label's box."""
    end = np.array([min(max(px, box.x0), box.x1), min(max(py, box.y0), box.y1)])
    steps = np.linspace(0.15, 0.95, 12)[:, None]
    return np.array([px, py]) + steps * (end - np.array([px, py]))


def _inside(points: np.ndarray, box: Bbox) -> np.ndarray:
    if not len(points):
        return np.zeros(0, dtype=bool)
    x, y = points[:, 0], points[:, 1]
    return (x > box.x0) & (x < box.x1) & (y > box.y0) & (y < box.y1)


def _candidate(px: float, py: float, w: float, h: float, dx: float, dy: float, scale: float) -> Bbox:
    x0 = px + dx * scale - (0 if dx > 0 else w if dx < 0 else w / 2)
    y0 = py + dy * scale - (0 if dy > 0 else h if dy < 0 else h / 2)
    return Bbox.from_bounds(x0 - 1, y0 - 1, w + 2, h + 2)


def _place_labels(
    ax: Axes,
    items: Sequence[tuple[float, float, str, dict[str, Any], bool]],
    hard: np.ndarray,
    soft: np.ndarray,
) -> list[Any]:
    """Annotate each ``(x, y, text, style, required)`` in the first spot that overlaps nothing.

    ``hard`` points (n x 2, data coordinates: theme markers, the focus) and the labels
    already placed are never covered; a label may cover up to ``_SOFT_LIMIT`` of the
    ``soft`` points (document dots) when no spot is free. A label that is not ``required``
    and finds no spot is left out; a required one takes its least crowded spot.
    """
    fig = ax.figure
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure(): measure text with Agg
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    fig.canvas.draw()  # the layout is settled: display coordinates are final
    renderer = fig.canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    scale, radius = fig.dpi / 72.0, 3.5 * fig.dpi / 72.0

    def dots(points: np.ndarray) -> list[Bbox]:
        shown = ax.transData.transform(points) if len(points) else np.empty((0, 2))
        return [Bbox.from_extents(x - radius, y - radius, x + radius, y + radius) for x, y in shown]

    taken, loose = dots(hard), dots(soft)
    leaders: list[np.ndarray] = []  # sample points along the leader lines drawn
    placed: list[Any] = []
    for x, y, text, style, required in items:
        probe = ax.text(0, 0, text, fontsize=SMALL_FONT_SIZE, **style)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        px, py = ax.transData.transform((x, y))
        ranked = []
        for i, (dx, dy) in enumerate(_OFFSETS):
            box = _candidate(px, py, extent.width, extent.height, dx, dy, scale)
            line = _leader(px, py, box) if abs(dx) + abs(dy) > _LEADER_PT else np.empty((0, 2))
            outside = not (frame.contains(box.x0, box.y0) and frame.contains(box.x1, box.y1))
            clashes = sum(box.overlaps(b) for b in taken) + 100 * outside
            clashes += sum(bool(_inside(seg, box).any()) for seg in leaders)
            clashes += sum(bool(_inside(line, b).any()) for b in taken[len(hard) :])
            covered = sum(box.overlaps(b) for b in loose)
            ranked.append((clashes, covered > _SOFT_LIMIT, covered > 0, i, box, line))
        ranked.sort(key=lambda r: r[:4])
        clashes, crowded, _, i, box, line = ranked[0]
        if (clashes or crowded) and not required:
            logger.debug("map: no room for the label %r", text)
            continue
        dx, dy = _OFFSETS[i]
        note = ax.annotate(
            text, xy=(x, y), xytext=(dx, dy), textcoords="offset points",
            ha="left" if dx > 0 else "right" if dx < 0 else "center",
            va="bottom" if dy > 0 else "top" if dy < 0 else "center", fontsize=SMALL_FONT_SIZE, zorder=5,
            arrowprops={"arrowstyle": "-", "color": MUTED_COLOUR, "lw": 0.5, "shrinkA": 0, "shrinkB": 3}
            if len(line) else None, **style,
        )  # fmt: skip
        note.set_in_layout(False)
        taken.append(box)
        if len(line):
            leaders.append(line)
        placed.append(note)
    return placed


# --------------------------------------------------------------------------- CA map


def textplot_ca(
    ca_result: CAResult,
    ax: Axes | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    highlight: str | Iterable[str] | None = None,
    lang: str = "fr",
    column_labels: Mapping[str, str] | None = None,
    top: int = 10,
    max_columns: int = 25,
    label_chars: int = 26,
    axes: tuple[int, int] = (1, 2),
    texts: Mapping[str, str] | None = None,
) -> Figure:
    """Map of a correspondence analysis: documents as points, themes as labelled triangles.

    Symmetric map (rows and columns in principal coordinates), equal scales on both axes,
    each titled with its share of the inertia. The ``highlight`` documents (the focus) are
    drawn in the focus colour and always labelled; the ``top`` other documents that
    contribute most to the plane (contributions weighted by the axes' eigenvalues) are
    labelled when there is room, after the themes (at most ``max_columns``, the most
    contributing first), each label where it covers no other label, no theme and at most two
    document dots; a label without such a spot is left out.

    Parameters
    ----------
    ca_result : CAResult
        From :func:`analysis.explore_stats.textstat_ca`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is created when omitted.
    labels : mapping of str to str, optional
        Document id -> label (a title), on at most two lines of ``label_chars`` characters
        (cut in the middle when longer).
    highlight : str or iterable of str, optional
        Document id(s) to highlight (the focus statement).
    lang : {"fr", "en"}, default "fr"
        Language of axis titles and legend.
    column_labels : mapping of str to str, optional
        Theme id -> label.
    top : int, default 10
        Documents labelled besides the highlighted ones.
    max_columns : int, default 25
        Themes labelled at most.
    label_chars : int, default 26
        Characters per line of a label.
    axes : tuple of int, default (1, 2)
        The two axes drawn (among those kept by :func:`~analysis.explore_stats.textstat_ca`).
    texts : mapping of str to str, optional
        Replacements for the strings of :data:`TEXTS`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.explore_stats import textstat_ca
    >>> t = pd.DataFrame({"mer": [10, 2, 1, 3], "terre": [1, 8, 2, 3], "air": [1, 2, 9, 3]},
    ...                  index=["a", "b", "c", "d"])
    >>> fig = textplot_ca(textstat_ca(t), labels={"a": "Alphaland"}, highlight="a")
    >>> "Alphaland" in [t.get_text() for t in fig.axes[0].texts]
    True
    """
    ui = _texts(lang, texts)
    kept = list(ca_result.row_coordinates.columns)
    missing = [a for a in axes if a not in kept]
    if missing:
        raise ValueError(f"axes {missing} not in the result (axes kept: {kept})")
    a1, a2 = axes
    rows, cols = ca_result.row_coordinates, ca_result.column_coordinates
    focus = [h for h in _highlighted(highlight) if h in rows.index]
    for h in set(_highlighted(highlight)) - set(focus):
        logger.warning("map: highlighted document %r is not in the analysis", h)
    eig = ca_result.eigenvalues.set_index("axis")
    w1, w2 = float(eig.loc[a1, "eigenvalue"]), float(eig.loc[a2, "eigenvalue"])
    weight = max(w1 + w2, 1e-300)

    def plane(ctr: pd.DataFrame) -> pd.Series:
        return (ctr[a1] * w1 + ctr[a2] * w2) / weight

    row_rank = plane(ca_result.row_contributions).drop(focus).sort_values(ascending=False, kind="mergesort")
    col_rank = plane(ca_result.column_contributions).sort_values(ascending=False, kind="mergesort")
    with figure_style():
        fig, ax, own = _figure_axes(ax, FIGURE_WIDTH_IN * 0.9)
        others = rows.drop(index=focus)
        ax.axhline(0, color=MUTED_COLOUR, linewidth=0.6, linestyle="--", zorder=1)
        ax.axvline(0, color=MUTED_COLOUR, linewidth=0.6, linestyle="--", zorder=1)
        ax.scatter(others[a1], others[a2], s=16, color=REFERENCE_COLOUR, alpha=0.6, linewidths=0, zorder=2)
        ax.scatter(cols[a1], cols[a2], s=30, marker="^", color=_COLUMN_COLOUR, linewidths=0, zorder=3)
        if focus:
            ax.scatter(
                rows.loc[focus, a1], rows.loc[focus, a2], s=60, color=FOCUS_COLOUR,
                edgecolors="white", linewidths=0.8, zorder=4,
            )  # fmt: skip
        ax.set_aspect("equal", adjustable="datalim")
        ax.margins(0.08)
        ax.set_xlabel(ui["axis"].format(n=a1, share=_share(float(eig.loc[a1, "share"]), lang)))
        ax.set_ylabel(ui["axis"].format(n=a2, share=_share(float(eig.loc[a2, "share"]), lang)))
        handles = [
            Line2D([], [], linestyle="", marker="o", markersize=4, color=REFERENCE_COLOUR, alpha=0.6,
                   label=ui["documents"]),
            Line2D([], [], linestyle="", marker="^", markersize=5, color=_COLUMN_COLOUR, label=ui["columns"]),
        ]  # fmt: skip
        if focus:
            handles.insert(0, Line2D([], [], linestyle="", marker="o", markersize=6, color=FOCUS_COLOUR,
                                     label=ui["focus"]))  # fmt: skip
        _legend(fig, ax, own, handles)

        def name(key: str, mapping: Mapping[str, str] | None) -> str:
            text, width = _display(key, mapping), 2 * label_chars
            while width > label_chars and wrap_label(middle_label(text, width), label_chars).count("\n") > 1:
                width -= 3  # shorter, cut in the middle, until two lines hold it
            return wrap_label(middle_label(text, width), label_chars, max_lines=2)

        items: list[tuple[float, float, str, dict[str, Any], bool]] = [
            (rows.loc[h, a1], rows.loc[h, a2], name(h, labels), {"color": FOCUS_COLOUR, "fontweight": "bold"},
             True)
            for h in focus
        ]  # fmt: skip
        items += [
            (cols.loc[c, a1], cols.loc[c, a2], name(c, column_labels), {"color": "#000000"}, False)
            for c in col_rank.index[: max(int(max_columns), 0)]
        ]
        items += [
            (rows.loc[r, a1], rows.loc[r, a2], name(r, labels), {"color": REFERENCE_COLOUR}, False)
            for r in row_rank.index[: max(int(top), 0)]
        ]
        hard = np.vstack([rows.loc[focus, [a1, a2]].to_numpy(), cols[[a1, a2]].to_numpy()])
        _place_labels(ax, items, hard, others[[a1, a2]].to_numpy())
    return fig


# --------------------------------------------------------------------------- dendrogram


def _link_colours(result: ClusterResult, n_clusters: int | None) -> dict[int, str]:
    """Colour of each link (scipy's link id ``n + row``): its cluster's below the cut, grey above."""
    from scipy.cluster.hierarchy import leaves_list

    n = len(result.labels)
    z = result.linkage
    if n_clusters is None:
        return {n + i: "#333333" for i in range(len(z))}
    cut = result.cut_height(n_clusters)
    group = result.cut(n_clusters).to_numpy()
    order = list(dict.fromkeys(group[leaves_list(z)]))  # clusters from the top of the tree down
    colour_of = {g: _CLUSTER_COLOURS[i % len(_CLUSTER_COLOURS)] for i, g in enumerate(order)}
    first_leaf: dict[int, int] = {}
    colours: dict[int, str] = {}
    for i, (a, _b, height, _size) in enumerate(z):
        leaf = int(a) if a < n else first_leaf[int(a)]
        first_leaf[n + i] = leaf
        colours[n + i] = colour_of[group[leaf]] if height < cut else MUTED_COLOUR
    return colours


def textplot_dendrogram(
    cluster_result: ClusterResult,
    ax: Axes | None = None,
    *,
    labels: Mapping[str, str] | None = None,
    highlight: str | Iterable[str] | None = None,
    lang: str = "fr",
    n_clusters: int | None = None,
    label_chars: int = 56,
    texts: Mapping[str, str] | None = None,
) -> Figure:
    """Dendrogram of a hierarchical clustering, leaves named on the left, merge heights across.

    One 8 pt line per document (the figure grows with their number); the ``highlight``
    documents are written bold in the focus colour. With ``n_clusters``, the links below
    the cut into that many groups take one colour per group (:meth:`ClusterResult.cut_height`).
    The cophenetic correlation of the result ends the axis title.

    Parameters
    ----------
    cluster_result : ClusterResult
        From :func:`analysis.explore_stats.textstat_clusters`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is created when omitted.
    labels : mapping of str to str, optional
        Document id -> label (a title), cut in the middle to ``label_chars`` characters.
    highlight : str or iterable of str, optional
        Document id(s) to highlight (the focus statement).
    lang : {"fr", "en"}, default "fr"
        Language of the axis title.
    n_clusters : int, optional
        Colour this many groups.
    label_chars : int, default 56
        Characters of a label.
    texts : mapping of str to str, optional
        Replacements for the strings of :data:`TEXTS`.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from analysis.explore_stats import textstat_clusters
    >>> p = pd.DataFrame({"mer": [5.0, 4.0, 0.0], "air": [0.0, 1.0, 6.0]}, index=["a", "b", "c"])
    >>> fig = textplot_dendrogram(textstat_clusters(p), labels={"c": "Syldavie"}, highlight="a")
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['Syldavie', 'a', 'b']
    """
    from scipy.cluster.hierarchy import dendrogram

    ui = _texts(lang, texts)
    focus = set(_highlighted(highlight))
    colours = _link_colours(cluster_result, n_clusters)
    tree = dendrogram(
        cluster_result.linkage, no_plot=True, labels=list(cluster_result.labels),
        link_color_func=lambda k: colours[k],
    )  # fmt: skip
    leaves = list(tree["ivl"])
    n = len(leaves)
    with figure_style():
        fig, ax, own = _figure_axes(ax, 1.0 + _ROW_IN * n)
        for xs, ys, colour in zip(tree["icoord"], tree["dcoord"], tree["color_list"], strict=True):
            ax.plot(ys, xs, color=colour, linewidth=1.0, solid_capstyle="butt")
        y = 5.0 + 10.0 * np.arange(n)
        ax.set_yticks(y, [middle_label(_display(d, labels), label_chars) for d in leaves])
        ax.set_ylim(10.0 * n, 0.0)  # first leaf at the top
        top_height = float(np.max(cluster_result.linkage[:, 2])) if len(cluster_result.linkage) else 1.0
        ax.set_xlim(0.0, top_height * 1.04 or 1.0)
        for tick, doc in zip(ax.get_yticklabels(), leaves, strict=True):
            if doc in focus:
                tick.set_color(FOCUS_COLOUR)
                tick.set_fontweight("bold")
        marked = [yi for yi, d in zip(y, leaves, strict=True) if d in focus]
        if marked:
            ax.scatter([0.0] * len(marked), marked, s=22, color=FOCUS_COLOUR, zorder=4, clip_on=False)
        method = ui.get(cluster_result.method, cluster_result.method)
        metric = ui.get(cluster_result.metric, cluster_result.metric)
        # the axis is narrow beside the labels: the title on lines of at most 32 characters
        xlabel = "\n".join(textwrap.wrap(ui["height"].format(method=method, metric=metric), 32))
        if np.isfinite(cluster_result.cophenetic):
            value = i18n.fmt_fixed(cluster_result.cophenetic, lang, 2)
            xlabel += "\n" + ui["cophenetic"].format(value=value)
        ax.set_xlabel(xlabel)
        ax.tick_params(axis="y", length=0, labelsize=SMALL_FONT_SIZE)
        ax.spines["left"].set_visible(False)
        ax.grid(axis="x")
        if own:
            logger.debug("dendrogram: %d leaves, %.1f in high", n, fig.get_figheight())
    return fig
