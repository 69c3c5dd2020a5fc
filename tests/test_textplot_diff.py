"""The alignment figure draws the alignment it is given (a synthetic one, counted by hand)."""

from __future__ import annotations

import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.patches import Polygon, Rectangle

from analysis.textplot_diff import STATUS_COLOURS, textplot_alignment

ALIGNMENT = pd.DataFrame({
    "a_index": [0, 1, 2, None, 3], "b_index": [0, 1, None, 2, 3],
    "status": ["kept", "reworded", "dropped", "added", "kept"],
})  # fmt: skip


def test_boxes_bands_and_colours_follow_the_alignment():
    fig = textplot_alignment(ALIGNMENT, a_themes={1: {"arctic"}}, labels={"arctic": "Arctique"})
    ax = fig.axes[0]
    boxes = [p for p in ax.patches if isinstance(p, Rectangle)]
    bands = [p for p in ax.patches if isinstance(p, Polygon)]
    assert len(boxes) == 4 + 4  # hand count: 4 sentences of A, 4 of B
    assert len(bands) == 3  # kept, reworded, kept: the pairs with both sides
    dropped = [b for b in boxes if to_hex(b.get_facecolor()) == STATUS_COLOURS["dropped"].lower()]
    added = [b for b in boxes if to_hex(b.get_facecolor()) == STATUS_COLOURS["added"].lower()]
    assert len(dropped) == 1 and dropped[0].get_x() == 0.0  # on A's side
    assert len(added) == 1 and added[0].get_x() == 0.7  # on B's side
    assert "Arctique" in [t.get_text() for t in ax.texts]  # the themes of A's sentence 2, by label


def test_labels_follow_the_language():
    fig = textplot_alignment(ALIGNMENT, lang="en", names=("Communiqué", "Article"))
    ax = fig.axes[0]
    assert ax.get_title() == "Sentence by sentence: Communiqué → Article"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["kept", "reworded", "dropped", "added"]


def test_moved_pairs_are_starred_and_a_translation_has_its_own_legend():
    moved = ALIGNMENT.assign(moved=[False, False, False, False, True])
    texts = [t.get_text() for t in textplot_alignment(moved).axes[0].texts]
    assert "4*" in texts and "4" in texts  # B's fourth sentence, paired out of order; A's fourth
    across = pd.DataFrame({"a_index": [0, None], "b_index": [0, 1], "status": ["translated", "added"]})
    legend = textplot_alignment(across, lang="en").axes[0].get_legend().get_texts()
    assert [t.get_text() for t in legend] == ["translated", "dropped", "added"]


def test_column_headings_can_name_the_texts():
    texts = [t.get_text() for t in textplot_alignment(ALIGNMENT, sides=("Source", "Article")).axes[0].texts]
    assert "Source" in texts and "Article" in texts and "Phrases de A" not in texts
