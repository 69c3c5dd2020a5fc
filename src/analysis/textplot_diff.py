"""The alignment of two statements as a figure: one row per aligned pair, coloured by status.

Statement A's sentences are on the left, B's on the right, in reading order; a pair is a
band joining them (kept, reworded), a sentence alone is a box on its side (dropped from A,
added in B). The themes a sentence mentions are written beside it. The figure only draws
the alignment it is given (:func:`analysis.diff.align_sentences`).

Examples
--------
>>> import pandas as pd
>>> al = pd.DataFrame({"a_index": [0, 1, None], "b_index": [0, None, 1],
...                    "status": ["kept", "dropped", "added"], "similarity": [1.0, 0.0, 0.0]})
>>> fig = textplot_alignment(al, a_themes={0: {"ukraine"}}, lang="en")
>>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
['kept', 'reworded', 'dropped', 'added']
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from analysis import i18n

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

__all__ = ["STATUS_COLOURS", "textplot_alignment"]

STATUSES = ("kept", "reworded", "translated", "dropped", "added")


def _colours() -> dict[str, str]:
    from analysis.style import MUTED_COLOUR, OKABE_ITO

    return {
        "kept": OKABE_ITO["blue"], "reworded": OKABE_ITO["sky_blue"],
        "translated": OKABE_ITO["reddish_purple"], "dropped": OKABE_ITO["vermillion"],
        "added": OKABE_ITO["bluish_green"], "moved": MUTED_COLOUR,
    }  # fmt: skip


STATUS_COLOURS: dict[str, str] = _colours()
"""A colour per status, colour-blind safe (Okabe–Ito)."""


def _index(value: Any) -> int | None:
    try:
        return None if value is None or value != value else int(value)
    except (TypeError, ValueError):
        return None


def textplot_alignment(
    alignment: pd.DataFrame,
    ax: Any = None,
    *,
    a_themes: Mapping[int, set[str]] | None = None,
    b_themes: Mapping[int, set[str]] | None = None,
    labels: Mapping[str, str] | None = None,
    names: tuple[str, str] = ("A", "B"),
    lang: str = "fr",
    sides: tuple[str, str] | None = None,
) -> Figure:
    """Draw an alignment (``a_index, b_index, status``): one row per pair, coloured by status.

    Parameters
    ----------
    alignment : DataFrame
        Columns ``a_index``, ``b_index`` (empty for an added or dropped sentence) and
        ``status`` (kept, reworded, dropped, added), in reading order.
    ax : matplotlib Axes, optional
    a_themes, b_themes : mapping of sentence index to set of theme ids, optional
        The themes each sentence mentions, written beside it.
    labels : mapping, optional
        Theme labels (default: the ids).
    names : (str, str)
        Short names of the two statements (the title).
    sides : (str, str), optional
        Headings of the two columns (default "Sentences of A" / "Sentences of B").
    lang : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Polygon, Rectangle

    from analysis.style import SMALL_FONT_SIZE, figure_style, middle_label, wrap_label

    t = i18n.messages(i18n.DIFF, lang)
    rows = list(alignment.itertuples(index=False))
    a_themes, b_themes, labels = a_themes or {}, b_themes or {}, labels or {}
    small = {"va": "center", "fontsize": SMALL_FONT_SIZE}
    with figure_style():
        if ax is None:
            height = max(2.4, 0.3 * len(rows) + 1.4)
            fig, ax = plt.subplots(figsize=(7, height))
            fig.subplots_adjust(top=1 - 0.75 / height, bottom=0.45 / height)  # room for the title and legend
        else:
            fig = ax.figure
        for y, row in enumerate(rows):
            status = str(row.status)
            colour = STATUS_COLOURS.get(status, STATUS_COLOURS["moved"])
            a, b = _index(row.a_index), _index(row.b_index)
            if a is not None:
                ax.add_patch(Rectangle((0.0, y - 0.4), 0.3, 0.8, color=colour))
                na = int(getattr(row, "a_count", 1) or 1)  # a merged row: "2–3"
                number = f"{a + 1}–{a + na}" if na > 1 else str(a + 1)
                ax.text(0.15, y, number, ha="center", color="white", **small)
                themes = ", ".join(labels.get(th, th) for th in sorted(set().union(
                    *(a_themes.get(i, set()) for i in range(a, a + na)))))  # fmt: skip
                ax.text(-0.03, y, wrap_label(themes, 34, max_lines=2), ha="right", **small)
            if b is not None:
                ax.add_patch(Rectangle((0.7, y - 0.4), 0.3, 0.8, color=colour))
                nb = int(getattr(row, "b_count", 1) or 1)
                number = f"{b + 1}–{b + nb}" if nb > 1 else str(b + 1)
                number += "*" if bool(getattr(row, "moved", False)) else ""  # paired out of order
                ax.text(0.85, y, number, ha="center", color="white", **small)
                themes = ", ".join(labels.get(th, th) for th in sorted(set().union(
                    *(b_themes.get(j, set()) for j in range(b, b + nb)))))  # fmt: skip
                ax.text(1.03, y, wrap_label(themes, 34, max_lines=2), ha="left", **small)
            if a is not None and b is not None:
                band = [(0.3, y - 0.25), (0.7, y - 0.25), (0.7, y + 0.25), (0.3, y + 0.25)]
                ax.add_patch(Polygon(band, closed=True, color=colour, alpha=0.35, linewidth=0))
        ax.set_xlim(-1.6, 2.6)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        ax.set_axis_off()
        left, right = sides or (t["sentence_a"], t["sentence_b"])
        ax.text(0.15, -0.9, left, ha="center", va="bottom", fontsize=SMALL_FONT_SIZE)
        ax.text(0.85, -0.9, right, ha="center", va="bottom", fontsize=SMALL_FONT_SIZE)
        title = t["title"].format(a=middle_label(names[0], 26), b=middle_label(names[1], 26))
        ax.set_title(title, fontsize=10, loc="center", pad=22)
        present = set(alignment["status"])
        # two languages: translated, dropped, added; one language: the four others
        across = "translated" in present
        shown = [s for s in STATUSES if s in ("dropped", "added") or (s == "translated") == across]
        ax.legend(handles=[Patch(color=STATUS_COLOURS[s], label=t[s]) for s in shown], loc="upper center",
                  bbox_to_anchor=(0.5, 0.0), ncol=len(shown), frameon=False,
                  fontsize=SMALL_FONT_SIZE)  # fmt: skip
    logger.debug("alignment figure of %d pairs", len(rows))
    return fig
