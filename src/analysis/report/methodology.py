"""The report's method section, written from the objects that produced the results.

Numbers (words removed by each cleaning step, thresholds, dictionary version and
hash, reference set composition) come from the comparison; the rules are those
the code applies (see the module docstrings of ``clean``, ``tokens``, ``lookup``
and ``textstat``). The sentences are templates of :data:`analysis.i18n.METHOD`.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from analysis import i18n
from analysis.report.blocks import Block, concat, paragraphs, section

if TYPE_CHECKING:  # pragma: no cover
    from analysis.compare import Comparison

logger = logging.getLogger(__name__)


def methodology_paragraphs(comp: Comparison, lang: str = "fr") -> dict[str, list[str]]:
    """Return the method section's paragraphs, by subsection title.

    Parameters
    ----------
    comp : Comparison
        The comparison the report shows.
    lang : {"fr", "en"}
        Language of the text (any other language gets the English text).

    Returns
    -------
    dict of str to list of str
        Subsection title → paragraphs, in order.

    Examples
    --------
    >>> from analysis.compare import compare
    >>> sorted(methodology_paragraphs(compare(), "en"))[:2]
    ['Cleaning', 'Dictionary and matching']
    """
    from analysis.clean import audit_summary

    m = i18n.METHOD["fr" if lang == "fr" else "en"]
    audit = getattr(comp.corpus, "audit", None)
    focus_audit = audit[audit["doc_id"] == comp.focus_id] if audit is not None else None
    steps = []
    if focus_audit is not None:
        summary = audit_summary(focus_audit)
        for row in summary.itertuples():
            if row.documents_changed:
                name = i18n.CLEANING_STEPS[lang].get(row.step, row.step)
                steps.append(
                    m["cleaning_step"].format(name=name, n=i18n.fmt_number(row.words_removed, lang, 0))
                )
        total = focus_audit[focus_audit["step"] == "total"].iloc[0]
        before, after = int(total["words_before"]), int(total["words_after"])
    else:  # pragma: no cover
        before = after = int(comp.focus["n_tokens"])
    dic = comp.dictionary
    params = comp.parameters
    refs = comp.documents[comp.documents["role"] == "reference"]
    languages = ", ".join(f"{k} {v}" for k, v in sorted(refs.groupby("language").size().items()))
    genre_names = i18n.GENRES.get(lang, i18n.GENRES["en"])
    genres = ", ".join(
        f"{genre_names.get(k, k)} {v}" for k, v in sorted(refs.groupby("genre").size().items())
    )
    dates = f"{refs['date'].min()} – {refs['date'].max()}" if len(refs) else "–"
    probable = int((refs["complete"] == "probable").sum())
    conf = params.get("conf_level", 0.95)
    overlap = params.get("overlap", "longest")
    changes = "; ".join(steps) if steps else m["no_change"]
    docs = comp.corpus.docs
    mode = "drop"
    if "title_mode" in docs.columns and (docs["doc_id"] == comp.focus_id).any():
        mode = str(docs.loc[docs["doc_id"] == comp.focus_id, "title_mode"].iloc[0])
    why = m["title_chosen"] if params.get("title") else m[f"title_by_genre_{mode}"]
    return {
        m["cleaning"]: [
            m["cleaning_1"],
            m["cleaning_2"].format(steps=changes, before=before, after=after),
            m[f"title_{mode}"].format(why=why),
        ],
        m["tokens"]: [m["tokens_1"]],
        m["matching"]: [
            m["matching_1"].format(
                name=dic.name, version=dic.version, hash=dic.hash[:16], n_themes=len(dic.themes),
                n_patterns=len(dic.to_frame()),
            ),
            m["matching_2"].format(
                case=m["case_accents" if dic.accent_sensitive else "case_no_accents"],
                overlap=m["overlap_longest" if overlap == "longest" else "overlap_all"],
            ),
        ],
        m["statistics"]: [
            m["statistics_1"].format(
                conf=i18n.fmt_number(conf * 100, lang, 0), min_count=params.get("min_count", 3)
            ),
            m["statistics_2"],
        ],
        m["limits"]: [
            m["limits_1"].format(
                n=len(refs), languages=languages, genres=genres, dates=dates,
                incomplete=m["incomplete"].format(n=probable) if probable else ".",
            ),
            m["limits_2"],
            *comp.notes_in("fr" if lang == "fr" else "en"),
        ],
    }  # fmt: skip


def methodology_block(comp: Comparison, lang: str = "fr", anchor: str | None = None) -> Block:
    """The method section as a report block.

    Parameters
    ----------
    comp : Comparison
        The comparison the report shows.
    lang : {"fr", "en"}
        Language of the text.

    Returns
    -------
    Block
        The heading, then each subsection's heading and paragraphs.

    Examples
    --------
    >>> from analysis.compare import compare
    >>> "Holm" in methodology_block(compare(), "fr").html
    True
    """
    parts = [section(i18n.METHOD["fr" if lang == "fr" else "en"]["title"], anchor=anchor)]
    for title, texts in methodology_paragraphs(comp, lang).items():
        parts.append(section(title, level=3))
        parts.append(paragraphs(texts))
    return concat(*parts)
