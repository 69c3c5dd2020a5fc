"""How alike two sentences are: the scores :mod:`analysis.diff` aligns statements with.

- :func:`similarity`: :meth:`difflib.SequenceMatcher.ratio` of two key sequences (one language);
- :func:`containment`: the share of the shorter sequence found in order in the longer (an excerpt);
- :func:`across_similarity`: two languages, length shares times the overlap of shared anchors.
"""

from __future__ import annotations

import difflib

__all__ = ["CONTAINED", "MIN_CONTAINED_KEYS", "across_similarity", "containment", "similarity"]

CONTAINED = 0.8
"""Smallest :func:`containment` that pairs an excerpt whose similarity is under ``reworded``."""
MIN_CONTAINED_KEYS = 5
"""Shortest excerpt (keys) paired by containment: a short sentence is contained too easily."""


def similarity(a: tuple[str, ...] | list[str], b: tuple[str, ...] | list[str]) -> float:
    """Similarity of two key sequences: :meth:`difflib.SequenceMatcher.ratio`, 0 when both are empty.

    Examples
    --------
    >>> similarity(("la", "syldavie", "agit"), ("la", "syldavie", "parle"))
    0.6666666666666666
    >>> similarity((), ())
    0.0
    """
    if not a and not b:
        return 0.0
    return difflib.SequenceMatcher(None, list(a), list(b), autojunk=False).ratio()


def across_similarity(
    share_a: float,
    share_b: float,
    anchors_a: set[str],
    anchors_b: set[str],
    weights: dict[str, float] | None = None,
) -> float:
    """Similarity of two sentences in two languages: length agreement times anchor overlap.

    ``sqrt(L) x A`` where ``L = min(share_a, share_b) / max(...)`` compares the sentences'
    shares of their texts' lengths (Gale & Church 1993) and ``A = min(1, 4 x Dice)`` the
    overlap of their anchors (:attr:`analysis.diff.Sentence.anchors`: numbers and stems of five letters,
    which names and cognates share across French and English: *Colombie / Colombia*,
    *migratoire / migration*), each anchor weighted by ``weights`` (default 1; the alignment
    gives ``log(1 + sentences / sentences holding it)``, so that a name in every sentence,
    *Canada*, weighs less than one that two sentences share);
    ``A = 0.5`` when neither sentence has an anchor (*Merci.*). Two sentences of the same
    length that share no anchor score 0: a length match alone is no evidence of a translation.

    Examples
    --------
    >>> round(across_similarity(0.1, 0.1, {"alpha", "sylda"}, {"alpha", "sylda"}), 2)
    1.0
    >>> round(across_similarity(0.1, 0.1, {"alpha", "2024"}, {"alpha", "paix"}), 2)
    1.0
    >>> round(across_similarity(0.1, 0.05, {"alpha", "sylda", "borsu", "klow"}, {"alpha", "zzzzz"}), 2)
    0.71
    >>> across_similarity(0.1, 0.1, {"alpha"}, {"sylda"}), across_similarity(0.1, 0.1, set(), set())
    (0.0, 0.5)
    >>> w = {"alpha": 0.1, "sylda": 1.0, "klow": 1.0, "paix": 1.0}  # alpha in ten sentences
    >>> round(across_similarity(0.1, 0.1, {"alpha", "sylda", "klow"}, {"alpha", "paix", "borsu"}, w), 2)
    0.19

    (shared weight 0.1 of 2.1 + 2.1: Dice 0.2 / 4.2, times 4: 0.19, under ``ACROSS_FLOOR``.)
    """
    if not share_a or not share_b:
        return 0.0
    length = min(share_a, share_b) / max(share_a, share_b)
    if not anchors_a and not anchors_b:
        return length**0.5 * 0.5
    weight = (lambda x: weights.get(x, 1.0)) if weights else (lambda x: 1.0)
    total = sum(map(weight, anchors_a)) + sum(map(weight, anchors_b))
    dice = 2 * sum(map(weight, anchors_a & anchors_b)) / total if total else 0.0
    return length**0.5 * min(1.0, 4 * dice)


def containment(a: tuple[str, ...] | list[str], b: tuple[str, ...] | list[str]) -> float:
    """Share of the shorter key sequence found, in order, in the longer (``M / min(len_a, len_b)``).

    An excerpt scores 1 however long the sentence it was cut from; 0 when either is empty.

    Examples
    --------
    >>> long = ("alphaland", "dit", "que", "la", "paix", "revient", "enfin")
    >>> containment(("la", "paix", "revient"), long), round(similarity(("la", "paix", "revient"), long), 2)
    (1.0, 0.6)
    """
    if not a or not b:
        return 0.0
    sm = difflib.SequenceMatcher(None, list(a), list(b), autojunk=False)
    return sum(block.size for block in sm.get_matching_blocks()) / min(len(a), len(b))


def _scorer(floor: float):
    """Cached (ratio, containment); a pair that can reach neither ``floor`` nor :data:`CONTAINED`
    (bounds from ``quick_ratio``) scores (0, 0)."""
    cache: dict[tuple, tuple[float, float]] = {}

    def sim(a: tuple[str, ...], b: tuple[str, ...]) -> tuple[float, float]:
        if (a, b) not in cache:
            out = (0.0, 0.0)
            if a and b:
                sm = difflib.SequenceMatcher(None, list(a), list(b), autojunk=False)
                quick, shorter = sm.quick_ratio(), min(len(a), len(b))
                bound = quick * (len(a) + len(b)) / 2 / shorter  # the most containment can be
                if quick >= floor or (shorter >= MIN_CONTAINED_KEYS and bound >= CONTAINED):
                    matched = sum(block.size for block in sm.get_matching_blocks())
                    out = (2 * matched / (len(a) + len(b)), matched / shorter)
            cache[a, b] = out
        return cache[a, b]

    return sim
