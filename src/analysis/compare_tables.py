"""The tables of a comparison: themes, word keyness, similarity (for :func:`analysis.compare.compare`).

Each function takes the counts :func:`~analysis.compare.compare` gathered (the
focus and the references of its frame) and returns one table of the
:class:`~analysis.comparison.Comparison`; what the reader must know is added to
its :class:`~analysis.comparison.Notes`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.comparison import Notes
    from analysis.dictionary import Dictionary
    from analysis.reference import ReferenceSet
    from analysis.tokens import Tokens

logger = logging.getLogger(__name__)


def theme_table(
    usable: pd.DataFrame,
    focus_id: str,
    reference_ids: list[str],
    dic: Dictionary,
    docs: pd.DataFrame,
    focus_language: str,
    *,
    min_count: int,
    conf_level: float,
    notes: Notes,
) -> pd.DataFrame:
    """The theme comparison with labels, ``is_root`` and ``cross_language`` (noted when true)."""
    from analysis.textstat import textstat_theme_comparison

    labels = {t.id: t for t in dic.themes}
    themes = textstat_theme_comparison(
        usable[["doc_id", "theme", "count", "tokens"]], focus_id, reference_ids,
        min_count=min_count, conf_level=conf_level,
    )  # fmt: skip
    themes.insert(1, "parent", themes["theme"].map(lambda t: labels[t].parent or ""))
    themes.insert(2, "label_fr", themes["theme"].map(lambda t: labels[t].labels.get("fr", t)))
    themes.insert(3, "label_en", themes["theme"].map(lambda t: labels[t].labels.get("en", t)))
    themes["is_root"] = themes["parent"] == ""
    ref_langs = set(docs.loc[docs["role"] == "reference", "language"])
    cross = bool(ref_langs - {focus_language})
    themes["cross_language"] = cross
    if cross:
        from analysis.equivalence import unpaired

        langs = ", ".join(sorted(ref_langs))
        notes.add("cross_language", focus_language=focus_language, langs=langs)
        gaps = unpaired(dic)
        gaps = gaps[gaps["theme"].isin(set(themes.loc[themes["is_root"], "theme"]))]
        if len(gaps):
            items = "; ".join(f"{t} ({', '.join(g['pattern'])})" for t, g in gaps.groupby("theme", sort=True))
            notes.add("unpaired_patterns", items=items)
    return themes


def word_keyness(
    toks: Tokens,
    ref: ReferenceSet | None,
    docs: pd.DataFrame,
    focus_meta: pd.Series,
    *,
    remove_stopwords: bool,
    min_count: int,
    conf_level: float,
    notes: Notes,
) -> tuple[pd.DataFrame | None, str]:
    """Word-level keyness, against the reference documents in the focus language only.

    Returns
    -------
    (words, message)
        ``words`` is None, and ``message`` (also noted) says why, when no reference
        document is in the focus language; otherwise ``message`` is empty.
    """
    import pandas as pd

    from analysis.kwic import key_forms
    from analysis.textstat import textstat_keyness
    from analysis.tokens import key_counts

    focus_id, focus_language = focus_meta["doc_id"], focus_meta["language"]
    same_lang = docs[(docs["role"] == "reference") & (docs["language"] == focus_language)]
    if same_lang.empty:
        notes.add("no_same_language", focus_language=focus_language)
        return None, notes.en[-1]
    kc = key_counts(toks)
    parts = [kc[kc["doc_id"].isin(same_lang["doc_id"])]]
    if ref is not None:
        parts.append(ref.token_counts[ref.token_counts["doc_id"].isin(same_lang["doc_id"])])
    ref_counts = pd.concat(parts).groupby("key")["count"].sum()
    focus_counts = kc[kc["doc_id"] == focus_id].set_index("key")["count"]
    focus_tokens = int(focus_meta["n_tokens"])
    reference_tokens = int(same_lang["n_tokens"].sum())
    if remove_stopwords:
        from analysis.tokens import stopwords

        stop = stopwords(focus_language)
        keep = lambda k: k not in stop and not k.endswith("'") and any(c.isalpha() for c in k)  # noqa: E731
        focus_counts = focus_counts[[keep(k) for k in focus_counts.index]]
        ref_counts = ref_counts[[keep(k) for k in ref_counts.index]]
    words = textstat_keyness(
        focus_counts, focus_tokens, ref_counts, reference_tokens,
        item="term", min_count=min_count, conf_level=conf_level,
    )  # fmt: skip
    words.insert(1, "form", words["term"].map(key_forms(toks, focus_id)))  # the key as the focus writes it
    words.attrs["reference_documents"] = same_lang["doc_id"].tolist()
    return words, ""


def similarity_table(usable: pd.DataFrame, docs: pd.DataFrame, focus_id: str) -> pd.DataFrame:
    """Cosine similarity of root-theme rate profiles, with each document's title, date, language, genre."""
    from analysis.textstat import textstat_similarity

    roots = usable[usable["parent"] == ""]
    similarity = textstat_similarity(roots[["doc_id", "theme", "per_1000"]], focus_id)
    return similarity.merge(docs[["doc_id", "title", "date", "language", "genre"]], on="doc_id", how="left")
