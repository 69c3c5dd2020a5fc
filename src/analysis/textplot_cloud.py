"""A word cloud of a text's most frequent words: a secondary view, drawn with the ``wordcloud`` package.

The frequencies are computed once (:func:`analysis.collocations.textstat_frequency` on
tokens without function words); the cloud only draws them. It is reproducible (fixed
layout seed) and uses DejaVu Sans, so accented words print as written. Sizes show rank
more than exact frequency: the tables and the dispersion plot are the measures.

Examples
--------
>>> import pandas as pd
>>> freq = pd.DataFrame({"feature": ["coopération", "sécurité", "Syldavie"], "frequency": [5, 3, 1]})
>>> fig = textplot_wordcloud(freq, lang="en")
>>> fig.axes[0].get_title(loc="left")
"The text's most frequent words (function words left out)"
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from analysis import i18n

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

__all__ = ["textplot_wordcloud"]


def textplot_wordcloud(
    frequencies: pd.DataFrame,
    ax: Any = None,
    *,
    lang: str = "fr",
    max_words: int = 80,
    title: str | None = None,
) -> Figure:
    """Draw a word cloud of ``feature`` sized by ``frequency``; return the figure.

    Parameters
    ----------
    frequencies : DataFrame
        Columns ``feature`` and ``frequency`` (e.g. :func:`analysis.collocations.textstat_frequency`).
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    lang : str
        Language of the title.
    max_words : int
        At most this many words, the most frequent.
    title : str, optional
        The title (default: the catalogue's).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    from wordcloud import WordCloud

    from analysis.style import OKABE_ITO, figure_style

    top = frequencies.nlargest(max_words, "frequency")
    if top.empty:
        raise ValueError("no word to draw: the frequency table is empty")
    words = {str(f): float(n) for f, n in zip(top["feature"], top["frequency"], strict=True)}
    font = font_manager.findfont(font_manager.FontProperties(family="DejaVu Sans"))
    # dark colours of the colour-blind-safe palette, by rank: readable on white, no yellow
    palette = [OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green", "reddish_purple", "black")]
    rank = {word: i for i, word in enumerate(words)}

    def colour(word: str, **_: Any) -> str:
        return palette[rank.get(word, 0) % len(palette)]

    with figure_style():
        cloud = WordCloud(width=1400, height=700, background_color="white", font_path=font, random_state=0,
                          color_func=colour, prefer_horizontal=0.95, max_words=max_words,
                          collocations=False).generate_from_frequencies(words)  # fmt: skip
        if ax is None:
            fig, ax = plt.subplots(figsize=(7, 3.6))
        else:
            fig = ax.figure
        ax.imshow(cloud.to_array(), interpolation="bilinear")
        ax.set_axis_off()
        ax.set_title(title or i18n.messages(i18n.EXPLORE, lang)["cloud_title"], fontsize=10, loc="left")
    logger.debug("word cloud of %d words", len(words))
    return fig
