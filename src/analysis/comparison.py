"""The result of :func:`analysis.compare.compare`: one :class:`Comparison` per focus statement.

:mod:`analysis.compare` computes it and re-exports it (``from analysis.compare
import Comparison`` works); the notebooks, the report and the run hand-off read it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.corpus import Corpus
    from analysis.dictionary import Dictionary
    from analysis.frames import Sensitivity
    from analysis.lookup import Lookup
    from analysis.tokens import Tokens

logger = logging.getLogger(__name__)


@dataclass
class Comparison:
    """Everything computed for one focus statement.

    Attributes
    ----------
    focus : dict
        Metadata of the focus document.
    documents : pandas.DataFrame
        Focus and reference documents (:data:`analysis.compare.META_COLUMNS` plus ``role``
        ``focus``/``reference`` and ``source`` ``full text``/``features``).
    counts : pandas.DataFrame
        ``doc_id, theme, parent, count, tokens, per_1000`` for every document and
        theme (subthemes included; ``parent`` is empty for root themes).
    themes : pandas.DataFrame
        :func:`analysis.textstat.textstat_theme_comparison` over the themes, with
        ``parent, label_fr, label_en, is_root, cross_language``.
    words : pandas.DataFrame or None
        :func:`analysis.textstat.textstat_keyness` on words against reference
        documents in the focus language (None when there are none: see ``words_message``).
    similarity : pandas.DataFrame
        Cosine similarity of root-theme rate profiles, with titles and dates.
    unavailable : pandas.DataFrame
        Themes left out of the comparison because some reference documents cannot
        answer them (``theme, focus_count, n_documents, unavailable_patterns``).
    notes : list of str
        What the reader must know (cross-language comparison, unavailable patterns...).
    notes_fr : list of str
        The same notes in French (for French reports).
    frame : dict
        The comparison's frame (:func:`analysis.frames.describe_frame`): its rules
        (language, parties, genre, window, since, until...) and its documents'
        number, words, languages, genres and date range.
    sensitivity : analysis.frames.Sensitivity or None
        The theme comparison under the frames of the sensitivity panel
        (:func:`analysis.frames.textstat_frames`).
    """

    focus: dict[str, Any]
    documents: pd.DataFrame
    counts: pd.DataFrame
    themes: pd.DataFrame
    words: pd.DataFrame | None
    words_message: str
    similarity: pd.DataFrame
    notes: list[str]
    dictionary: Dictionary
    lookup: Lookup
    tokens: Tokens
    corpus: Corpus
    parameters: dict[str, Any] = field(default_factory=dict)
    notes_fr: list[str] = field(default_factory=list)
    unavailable: pd.DataFrame | None = None
    frame: dict[str, Any] = field(default_factory=dict)
    sensitivity: Sensitivity | None = None

    def notes_in(self, lang: str) -> list[str]:
        """The notes in French or English."""
        return self.notes_fr if lang == "fr" else self.notes

    @property
    def focus_id(self) -> str:
        """Id of the focus document."""
        return str(self.focus["doc_id"])

    def doc_rates(self, roots_only: bool = True) -> pd.DataFrame:
        """Per-document theme rates joined with document metadata (for figures)."""
        rates = self.counts
        if roots_only:
            rates = rates[rates["parent"] == ""]
        meta = self.documents[["doc_id", "title", "date", "language", "genre", "role"]]
        return rates.merge(meta, on="doc_id", how="left")


class Notes:
    """What the reader of a comparison must know, in English (``en``) and French (``fr``), in the order found.

    :func:`analysis.compare.compare` fills it; the comparison keeps ``en`` as ``notes`` and ``fr``
    as ``notes_fr``.

    Examples
    --------
    >>> n = Notes()
    >>> n.add("no_same_language", focus_language="fr")
    >>> n.fr[0].startswith("aucune référence")
    True
    """

    def __init__(self) -> None:
        self.en: list[str] = []
        self.fr: list[str] = []

    def add(self, name: str, **fields: Any) -> None:
        """Add note ``name`` of :data:`analysis.i18n.NOTES` in both languages, filled with ``fields``."""
        from analysis.i18n import NOTES

        self.en.append(NOTES["en"][name].format(**fields))
        self.fr.append(NOTES["fr"][name].format(**fields))
