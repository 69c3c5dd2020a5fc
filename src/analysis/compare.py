"""Compare one statement (the focus) with reference statements, theme by theme and word by word.

The reference documents are a mix of features-only documents (the shipped
reference set, ``data/reference``) and, optionally, full-text documents of a
manifest the user points at. Everything the notebooks and the report show comes
from one :class:`Comparison` computed here.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config
from analysis.compare_tables import similarity_table, theme_table, word_keyness
from analysis.comparison import Comparison, Notes
from analysis.frames import FrameError, describe_frame, frame_filters, select_references, textstat_frames

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.corpus import Corpus
    from analysis.dictionary import Dictionary
    from analysis.lookup import Lookup
    from analysis.reference import ReferenceSet
    from analysis.tokens import Tokens

logger = logging.getLogger(__name__)


class SelectionError(ValueError):
    """The focus or the reference selection does not exist (bad input, not a failure)."""


META_COLUMNS = [
    "doc_id", "title", "date", "parties", "n_parties", "format", "language", "genre", "complete",
    "source_url", "publisher", "license", "n_tokens",
]  # fmt: skip


def compare(
    focus_id: str = config.DEFAULT_FOCUS_ID,
    *,
    corpus_manifest: Path | str | None = None,
    dictionary_path: Path | str = config.DEFAULT_DICTIONARY,
    reference: Path | str | None = "default",
    reference_manifest: Path | str | None = None,
    reference_language: str | list[str] | None = "focus",
    parties: str | list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    window: str | None = None,
    genre: str | list[str] | None = None,
    format: str | list[str] | None = None,
    ids: list[str] | None = None,
    min_count: int = 3,
    conf_level: float = 0.95,
    remove_stopwords: bool = True,
    overlap: str = "longest",
    sensitivity: bool = True,
    title: str | None = None,
) -> Comparison:
    """Compare a focus statement with reference statements.

    The steps, in order: read the focus and the full-text references
    (:func:`_full_text_corpus`), clean, tokenise and look them up
    (:func:`_count_full_text`), load the features-only references
    (:func:`_features_references`), put every candidate document and count in one
    table, the *pool* (:func:`_full_text_tables`, :func:`_add_features_references`),
    keep the references of the frame (:func:`_select_frame`, rules of
    :func:`analysis.frames.frame_filters`), leave out the themes some reference
    cannot answer (:func:`_usable_counts`), then compute the theme table
    (:func:`analysis.compare_tables.theme_table`), the word keyness
    (:func:`~analysis.compare_tables.word_keyness`), the similarity
    (:func:`~analysis.compare_tables.similarity_table`) and the same theme comparison under
    the frames of the sensitivity panel (:func:`analysis.frames.textstat_frames`).

    The default frame is the focus's language: comparing across languages
    (``reference_language="all"`` or another language) is only done when asked,
    and noted, since the French and English pattern lists are not proven
    equivalent.

    Parameters
    ----------
    focus_id : str
        Id of the focus document in ``corpus_manifest``.
    corpus_manifest : path-like or None
        Manifest holding the focus (default: ``data/raw/manifest.csv`` of the project folder).
    dictionary_path : path-like
        Theme dictionary.
    reference : path-like, "default" or None
        Folder of the features-only reference set; ``"default"``: the project's own
        (``data/reference``) else the shipped one (``config.REFERENCE_DIR``);
        None to use only ``reference_manifest``.
    reference_manifest : path-like, optional
        Manifest of full-text reference documents to add.
    reference_language : str, list of str or None
        ``"focus"`` (default): the focus's language; ``"all"`` or None: every language;
        or language codes.
    parties, since, until, genre, format, ids
        Reference selection by metadata (see :func:`analysis.corpus.filter_documents`).
    window : str, optional
        Keep the references of a window before the focus's date, e.g. ``"24M"``
        (``D``, ``M`` or ``Y``; see :func:`analysis.frames.window_since`).
    min_count : int
        Minimum focus count for an item to be tested.
    conf_level : float
        Confidence level of the Log Ratio interval.
    remove_stopwords : bool
        Leave stopwords, numbers and elided forms out of word-level keyness.
    overlap : {"longest", "all"}
        Overlap rule of the lookup (see the dictionary docs).
    sensitivity : bool
        Compute the sensitivity panel (``Comparison.sensitivity``).
    title : {"drop", "count"}, optional
        What is done with each full text's title line (default: by genre: a press
        article's headline is counted, an official statement's title dropped;
        :func:`analysis.clean.title_mode`). The shipped references were built by genre.

    Returns
    -------
    Comparison

    Raises
    ------
    SelectionError
        No focus with that id, no reference document left after the selection, or
        no theme the selected reference documents can answer, a ``since``/``until``
        that is not a date written YYYY-MM-DD (dates are compared as text), or a
        ``window`` that cannot be formed.

    Examples
    --------
    >>> c = compare()
    >>> c.focus_id
    'fr-ca-2024-09-26-press-fr'
    >>> {"theme", "g2", "p_holm", "log_ratio", "lrc", "percentile"} <= set(c.themes.columns)
    True
    >>> c.frame["language"], c.frame["n_documents"] == len(c.documents) - 1
    ('fr', True)
    """
    selection = {
        "language": reference_language, "parties": parties, "since": since, "until": until,
        "window": window, "genre": genre, "format": format, "ids": ids,
    }  # fmt: skip
    notes = Notes()
    full = _full_text_corpus(focus_id, corpus_manifest, reference_manifest, selection)
    filters = _frame(full, focus_id, selection)
    cleaned, toks, dic, look = _count_full_text(full, dictionary_path, overlap, title)
    ref = _features_references(reference, list(toks.docs["doc_id"]))
    focus_meta = toks.docs[toks.docs["doc_id"] == focus_id].iloc[0]
    pool_docs, pool_counts = _full_text_tables(toks, look, focus_id)
    pool_docs, pool_counts, rcounts = _add_features_references(pool_docs, pool_counts, ref, dic, overlap)
    docs, counts, rcounts = _select_frame(pool_docs, pool_counts, rcounts, filters, focus_id, notes)
    usable, unavailable = _usable_counts(counts, rcounts, focus_id)
    reference_ids = _reference_ids(docs, focus_id)
    themes = theme_table(
        usable, focus_id, reference_ids, dic, docs, focus_meta["language"],
        min_count=min_count, conf_level=conf_level, notes=notes,
    )  # fmt: skip
    words, words_message = word_keyness(
        toks, ref, docs, focus_meta,
        remove_stopwords=remove_stopwords, min_count=min_count, conf_level=conf_level, notes=notes,
    )  # fmt: skip
    similarity = similarity_table(usable, docs, focus_id)
    frame = describe_frame(docs[docs["role"] == "reference"], filters)
    panel = None
    if sensitivity:
        # the themes of the theme table, subthemes included: one family for the Holm correction
        tested = set(usable["theme"])
        panel = textstat_frames(
            pool_counts[pool_counts["theme"].isin(tested)], pool_docs, _focus_metadata(focus_meta), filters,
            reference_ids, min_count=min_count, conf_level=conf_level,
        )  # fmt: skip

    params = {"focus_id": focus_id, "dictionary": str(dictionary_path), "min_count": min_count,
              "conf_level": conf_level, "overlap": overlap, "title": title, **selection}  # fmt: skip
    logger.info("compared %s with %d reference documents", focus_id, len(reference_ids))
    return Comparison(
        focus=_focus_metadata(focus_meta),
        documents=docs.reset_index(drop=True),
        counts=usable.reset_index(drop=True),
        themes=themes,
        words=words,
        words_message=words_message,
        similarity=similarity,
        notes=notes.en,
        dictionary=dic,
        lookup=look,
        tokens=toks,
        corpus=cleaned,
        parameters=params,
        notes_fr=notes.fr,
        unavailable=unavailable,
        frame=frame,
        sensitivity=panel,
    )


def check_selection(
    focus_id: str = config.DEFAULT_FOCUS_ID,
    *,
    corpus_manifest: Path | str | None = None,
    dictionary_path: Path | str = config.DEFAULT_DICTIONARY,
    reference: Path | str | None = "default",
    reference_manifest: Path | str | None = None,
    reference_language: str | list[str] | None = "focus",
    parties: str | list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    window: str | None = None,
    genre: str | list[str] | None = None,
    format: str | list[str] | None = None,
    ids: list[str] | None = None,
    overlap: str = "longest",
    title: str | None = None,
) -> None:
    """Raise what :func:`compare` would raise about its selection, without counting the texts.

    The same steps as :func:`compare` up to the counts, with the cleaning,
    tokenising and lookup of the full texts left out (they cannot fail on a
    selection): the focus must exist, a reference document must be left after
    the filters, the dictionary must load, and a theme must be answerable by the
    features-only references. Scheduled runs call it before any kernel starts
    (a bad selection exits 2 without a run folder); the comparison itself is
    computed once, in the run.

    Raises
    ------
    SelectionError
        As :func:`compare`.

    Examples
    --------
    >>> check_selection()
    >>> check_selection("no-such-id")
    Traceback (most recent call last):
    ...
    analysis.compare.SelectionError: ...: no document with id 'no-such-id' (the focus)
    """
    from analysis.dictionary import dictionary
    from analysis.reference import reference_theme_counts

    selection = {
        "language": reference_language, "parties": parties, "since": since, "until": until,
        "window": window, "genre": genre, "format": format, "ids": ids,
    }  # fmt: skip
    full = _full_text_corpus(focus_id, corpus_manifest, reference_manifest, selection)
    filters = _frame(full, focus_id, selection)
    languages = tuple(sorted(set(full.docs["language"]) | set(config.LANGUAGES)))
    dic = dictionary(dictionary_path, languages=languages)
    ref = _features_references(reference, list(full.docs["doc_id"]))
    full_refs = select_references(full.docs[full.docs["doc_id"] != focus_id], filters)
    if ref is not None:
        kept = select_references(ref.docs, filters)["doc_id"].tolist()
        ref = ref.subset(ids=kept) if kept else None  # subset(ids=[]) would mean "no filter"
    if full_refs.empty and ref is None:
        raise SelectionError(_NO_REFERENCE_LEFT)
    if ref is not None:
        rcounts = reference_theme_counts(ref, dic, overlap=overlap)
        if rcounts["available"].groupby(rcounts["theme"]).all().sum() == 0:
            why = "; ".join(sorted(set(rcounts["unavailable_patterns"]) - {""}))
            raise SelectionError(f"no theme can be compared with the selected reference documents: {why}")


# ------------------------------------------------------------------------- the steps of compare()

_NO_REFERENCE_LEFT = "no reference document left after the selection: loosen the filters"


def _full_text_corpus(
    focus_id: str,
    corpus_manifest: Path | str,
    reference_manifest: Path | str | None,
    filters: dict[str, Any],
) -> Corpus:
    """The focus document and every full-text reference document, as one corpus.

    Every document of ``reference_manifest`` joins the pool: the frame
    (:func:`_select_frame`) and the sensitivity panel choose among them.

    Raises
    ------
    SelectionError
        When ``corpus_manifest`` has no document ``focus_id``, or a date filter is
        not a date.
    """
    import pandas as pd

    from analysis.corpus import check_dates, corpus, corpus_subset

    try:  # before any text is read (filter_documents checks them too, later)
        check_dates(since=filters.get("since"), until=filters.get("until"))
    except ValueError as exc:
        raise SelectionError(str(exc)) from None
    corp = corpus(corpus_manifest)
    if focus_id not in set(corp.docs["doc_id"]):
        hint = "" if len(corp.docs) else (
            "; the manifest is empty: analyse a text with `analysis run --text FILE --date YYYY-MM-DD`, "
            "or import it with `analysis add --text FILE` or `analysis fetch URL`"
        )  # fmt: skip
        raise SelectionError(f"{corp.manifest}: no document with id {focus_id!r} (the focus){hint}")
    full = corpus_subset(corp, ids=[focus_id])
    if reference_manifest:
        extra = corpus(reference_manifest)
        extra_docs = extra.docs[extra.docs["doc_id"] != focus_id]
        full.docs = pd.concat([full.docs, extra_docs], ignore_index=True)
    return full


def _count_full_text(
    full: Corpus, dictionary_path: Path | str, overlap: str, title: str | None = None
) -> tuple[Corpus, Tokens, Dictionary, Lookup]:
    """Clean, tokenise and look up the full-text documents.

    The dictionary is loaded for the languages of the documents and of the
    project (:data:`analysis.config.LANGUAGES`).

    Returns
    -------
    (cleaned corpus, tokens, dictionary, lookup)
    """
    from analysis.clean import corpus_clean
    from analysis.dictionary import dictionary
    from analysis.lookup import tokens_lookup
    from analysis.tokens import tokens

    cleaned = corpus_clean(full, title=title)
    toks = tokens(cleaned)
    languages = tuple(sorted(set(toks.docs["language"]) | set(config.LANGUAGES)))
    dic = dictionary(dictionary_path, languages=languages)
    look = tokens_lookup(toks, dic, overlap=overlap)
    return cleaned, toks, dic, look


def _frame(full: Corpus, focus_id: str, selection: dict[str, Any]) -> dict[str, Any]:
    """The frame's rules (:func:`analysis.frames.frame_filters`) for the focus of ``full``.

    Raises
    ------
    SelectionError
        When a window cannot be formed (no focus date, bad window).
    """
    focus = full.docs[full.docs["doc_id"] == focus_id].iloc[0]
    try:
        return frame_filters(focus, **selection)
    except FrameError as exc:
        raise SelectionError(str(exc)) from None


def _features_references(reference: Path | str | None, full_text_ids: list[str]) -> ReferenceSet | None:
    """The features-only reference documents that have no full text here (all of them: the pool).

    None when there is no reference set (``reference=None``) or none is left.
    """
    from analysis.reference import reference_set

    if reference is None:
        return None
    ref = reference_set(None if str(reference) == "default" else reference)
    others = [d for d in ref.docs["doc_id"] if d not in set(full_text_ids)]
    # none left: no features-only reference (subset(ids=[]) would mean "no filter")
    return ref.subset(ids=others) if others else None


def _full_text_tables(toks: Tokens, look: Lookup, focus_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Documents (with ``role`` and ``source``) and theme counts (with ``tokens``) of the full texts."""
    docs = toks.docs[META_COLUMNS].copy()
    docs["role"] = ["focus" if d == focus_id else "reference" for d in docs["doc_id"]]
    docs["source"] = "full text"
    doc_tokens = toks.docs[["doc_id", "n_tokens"]].rename(columns={"n_tokens": "tokens"})
    counts = look.counts[["doc_id", "theme", "parent", "count"]].merge(doc_tokens, on="doc_id")
    return docs, counts


def _add_features_references(
    docs: pd.DataFrame,
    counts: pd.DataFrame,
    ref: ReferenceSet | None,
    dic: Dictionary,
    overlap: str,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Append the features-only references to the documents and counts.

    Their theme counts come from :func:`analysis.reference.reference_theme_counts`
    (NaN where the features cannot answer a theme).

    Returns
    -------
    (documents, counts, reference theme counts)
        The reference theme counts are None without features-only references.
    """
    if ref is None:
        return docs, counts, None
    import pandas as pd

    from analysis.reference import reference_theme_counts

    rdocs = ref.docs[META_COLUMNS].copy()
    rdocs["role"] = "reference"
    rdocs["source"] = "features"
    docs = pd.concat([docs, rdocs], ignore_index=True)
    rcounts = reference_theme_counts(ref, dic, overlap=overlap)
    counts = pd.concat([counts, rcounts[["doc_id", "theme", "parent", "count", "tokens"]]], ignore_index=True)
    return docs, counts, rcounts


def _select_frame(
    pool_docs: pd.DataFrame,
    pool_counts: pd.DataFrame,
    rcounts: pd.DataFrame | None,
    filters: dict[str, Any],
    focus_id: str,
    notes: Notes,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """The focus and the references of the frame, out of the pool.

    Notes which themes the frame's features-only references cannot answer, and
    whether their counts are recomputed without positions.

    Returns
    -------
    (documents, counts, features-only theme counts of the frame)

    Raises
    ------
    SelectionError
        When no reference is in the frame.
    """
    refs = select_references(pool_docs[pool_docs["role"] == "reference"], filters)
    if refs.empty:
        raise SelectionError(_NO_REFERENCE_LEFT)
    keep = {focus_id, *refs["doc_id"]}
    docs = pool_docs[pool_docs["doc_id"].isin(keep)].reset_index(drop=True)
    counts = pool_counts[pool_counts["doc_id"].isin(keep)].reset_index(drop=True)
    if rcounts is None:
        return docs, counts, None
    rcounts = rcounts[rcounts["doc_id"].isin(keep)].reset_index(drop=True)
    if rcounts.empty:
        return docs, counts, None
    missing = rcounts[~rcounts["available"]]
    for theme, group in missing.groupby("theme"):
        pats = sorted(set("; ".join(group["unavailable_patterns"]).split("; ")))
        notes.add(
            "unavailable_theme", theme=theme, n_docs=group["doc_id"].nunique(), patterns=", ".join(pats)
        )
    if not rcounts["exact"].all():
        notes.add("recomputed_counts")
    return docs, counts, rcounts


def _usable_counts(
    counts: pd.DataFrame, rcounts: pd.DataFrame | None, focus_id: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Leave out the themes some document cannot answer; add ``per_1000`` to the rest.

    Returns
    -------
    (usable counts, unavailable themes)
        The unavailable table has ``theme, focus_count, n_documents, unavailable_patterns``.

    Raises
    ------
    SelectionError
        When no theme is left.
    """
    import pandas as pd

    counts["parent"] = counts["parent"].fillna("").astype(str)
    unavailable = counts[counts["count"].isna()]
    missing_themes = set(unavailable["theme"])

    def patterns(theme: str) -> str:
        if rcounts is None:  # only features-only documents leave counts unknown
            return ""
        return "; ".join(sorted(set(rcounts.loc[rcounts["theme"] == theme, "unavailable_patterns"]) - {""}))

    unavailable_table = pd.DataFrame(
        [
            {
                "theme": t,
                "focus_count": int(
                    counts.loc[(counts["doc_id"] == focus_id) & (counts["theme"] == t), "count"].sum()
                ),
                "n_documents": int(unavailable.loc[unavailable["theme"] == t, "doc_id"].nunique()),
                "unavailable_patterns": patterns(t),
            }
            for t in sorted(missing_themes)
        ],
        columns=["theme", "focus_count", "n_documents", "unavailable_patterns"],
    )
    usable = counts[~counts["theme"].isin(missing_themes)].copy()
    if usable.empty:
        why = "; ".join(sorted(set(unavailable_table["unavailable_patterns"])))
        raise SelectionError(f"no theme can be compared with the selected reference documents: {why}")
    usable["count"] = usable["count"].astype("int64")
    usable["per_1000"] = usable["count"] * 1000 / usable["tokens"]
    return usable, unavailable_table


def _reference_ids(docs: pd.DataFrame, focus_id: str) -> list[str]:
    """Ids of the reference documents, in table order.

    Raises
    ------
    SelectionError
        When there is none.
    """
    reference_ids = [d for d in docs["doc_id"] if d != focus_id]
    if not reference_ids:
        raise SelectionError(_NO_REFERENCE_LEFT)
    return reference_ids


def _focus_metadata(focus_meta: pd.Series) -> dict[str, Any]:
    """The focus document's metadata as plain Python values (its raw text left out)."""
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in focus_meta.items() if k != "raw_text"}
