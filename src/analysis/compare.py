"""Compare one statement (the focus) with reference statements, theme by theme and word by word.

The reference documents are a mix of features-only documents (the shipped
reference set, ``data/reference``) and, optionally, full-text documents of a
manifest the user points at. Everything the notebooks and the report show comes
from one :class:`Comparison` computed here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.corpus import Corpus
    from analysis.dictionary import Dictionary
    from analysis.lookup import Lookup
    from analysis.tokens import Tokens

logger = logging.getLogger(__name__)


class SelectionError(ValueError):
    """The focus or the reference selection does not exist (bad input, not a failure)."""


META_COLUMNS = [
    "doc_id", "title", "date", "parties", "n_parties", "format", "language", "genre", "complete",
    "source_url", "publisher", "license", "n_tokens",
]  # fmt: skip


@dataclass
class Comparison:
    """Everything computed for one focus statement.

    Attributes
    ----------
    focus : dict
        Metadata of the focus document.
    documents : pandas.DataFrame
        Focus and reference documents (:data:`META_COLUMNS` plus ``role``
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


def compare(
    focus_id: str = config.DEFAULT_FOCUS_ID,
    *,
    corpus_manifest: Path | str = config.RAW_MANIFEST,
    dictionary_path: Path | str = config.DEFAULT_DICTIONARY,
    reference: Path | str | None = config.REFERENCE_DIR,
    reference_manifest: Path | str | None = None,
    reference_language: str | list[str] | None = None,
    parties: str | list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    genre: str | list[str] | None = None,
    format: str | list[str] | None = None,
    ids: list[str] | None = None,
    min_count: int = 3,
    conf_level: float = 0.95,
    remove_stopwords: bool = True,
    overlap: str = "longest",
) -> Comparison:
    """Compare a focus statement with reference statements.

    Parameters
    ----------
    focus_id : str
        Id of the focus document in ``corpus_manifest``.
    corpus_manifest : path-like
        Manifest holding the focus (default: ``data/raw/manifest.csv``).
    dictionary_path : path-like
        Theme dictionary.
    reference : path-like or None
        Folder of the features-only reference set (default: the shipped one);
        None to use only ``reference_manifest``.
    reference_manifest : path-like, optional
        Manifest of full-text reference documents to add.
    reference_language, parties, since, until, genre, format, ids
        Reference selection by metadata (see :func:`analysis.corpus.filter_documents`);
        default: all reference documents.
    min_count : int
        Minimum focus count for an item to be tested.
    conf_level : float
        Confidence level of the Log Ratio interval.
    remove_stopwords : bool
        Leave stopwords, numbers and elided forms out of word-level keyness.
    overlap : {"longest", "all"}
        Overlap rule of the lookup (see the dictionary docs).

    Returns
    -------
    Comparison

    Examples
    --------
    >>> c = compare()
    >>> c.focus_id
    'fr-ca-2024-09-26-press-fr'
    >>> {"theme", "g2", "p_holm", "log_ratio", "lrc", "percentile"} <= set(c.themes.columns)
    True
    """
    import pandas as pd

    from analysis.clean import corpus_clean
    from analysis.corpus import corpus, corpus_subset, filter_documents
    from analysis.dictionary import dictionary
    from analysis.lookup import tokens_lookup
    from analysis.reference import reference_set, reference_theme_counts
    from analysis.textstat import textstat_keyness, textstat_similarity, textstat_theme_comparison
    from analysis.tokens import key_counts, tokens

    filters = {
        "language": reference_language, "parties": parties, "since": since, "until": until,
        "genre": genre, "format": format, "ids": ids,
    }  # fmt: skip
    notes: list[str] = []
    notes_fr: list[str] = []

    def note(en: str, fr: str) -> None:
        notes.append(en)
        notes_fr.append(fr)

    corp = corpus(corpus_manifest)
    if focus_id not in set(corp.docs["doc_id"]):
        raise SelectionError(f"{corp.manifest}: no document with id {focus_id!r} (the focus)")
    full = corpus_subset(corp, ids=[focus_id])
    if reference_manifest:
        extra = corpus(reference_manifest)
        extra_docs = filter_documents(extra.docs, **filters)
        extra_docs = extra_docs[extra_docs["doc_id"] != focus_id]
        full.docs = pd.concat([full.docs, extra_docs], ignore_index=True)
    cleaned = corpus_clean(full)
    toks = tokens(cleaned)
    languages = tuple(sorted(set(toks.docs["language"]) | set(config.LANGUAGES)))
    dic = dictionary(dictionary_path, languages=languages)
    look = tokens_lookup(toks, dic, overlap=overlap)
    if reference is not None:
        ref = reference_set(reference).subset(**filters)
        ref = ref.subset(ids=[d for d in ref.docs["doc_id"] if d not in set(toks.docs["doc_id"])])
    else:
        ref = None
    if len(toks.docs) == 1 and (ref is None or len(ref) == 0):
        raise SelectionError("no reference document left after the selection: loosen the filters")

    focus_meta = toks.docs[toks.docs["doc_id"] == focus_id].iloc[0]
    focus_language = focus_meta["language"]
    docs = toks.docs[META_COLUMNS].copy()
    docs["role"] = ["focus" if d == focus_id else "reference" for d in docs["doc_id"]]
    docs["source"] = "full text"
    doc_tokens = toks.docs[["doc_id", "n_tokens"]].rename(columns={"n_tokens": "tokens"})
    counts = look.counts[["doc_id", "theme", "parent", "count"]].merge(doc_tokens, on="doc_id")

    if ref is not None:
        rdocs = ref.docs[META_COLUMNS].copy()
        rdocs["role"] = "reference"
        rdocs["source"] = "features"
        docs = pd.concat([docs, rdocs], ignore_index=True)
        rcounts = reference_theme_counts(ref, dic, overlap=overlap)
        missing = rcounts[~rcounts["available"]]
        if not missing.empty:
            for theme, group in missing.groupby("theme"):
                pats = sorted(set("; ".join(group["unavailable_patterns"]).split("; ")))
                n_docs = group["doc_id"].nunique()
                note(
                    f"theme {theme!r}: unavailable for {n_docs} features-only reference document(s): "
                    f"the reference features do not count {', '.join(pats)}",
                    f"thème {theme!r} : indisponible pour {n_docs} document(s) de référence (données "
                    f"dérivées seulement) : elles ne comptent pas {', '.join(pats)}",
                )
        if not rcounts["exact"].all():
            note(
                "the dictionary differs from the one the reference features were built with: "
                "reference theme counts are computed from token and phrase counts, without the "
                "overlap and exclusion rules (which need token positions)",
                "le dictionnaire diffère de celui des données de référence : leurs comptes sont "
                "recalculés à partir des comptes de mots et d'expressions, sans les règles de "
                "chevauchement et d'exclusion (qui demandent les positions des mots)",
            )
        counts = pd.concat(
            [counts, rcounts[["doc_id", "theme", "parent", "count", "tokens"]]], ignore_index=True
        )
    else:
        ref = None

    counts["parent"] = counts["parent"].fillna("").astype(str)
    unavailable = counts[counts["count"].isna()]
    missing_themes = set(unavailable["theme"])
    unavailable_table = pd.DataFrame(
        [
            {
                "theme": t,
                "focus_count": int(
                    counts.loc[(counts["doc_id"] == focus_id) & (counts["theme"] == t), "count"].sum()
                ),
                "n_documents": int(unavailable.loc[unavailable["theme"] == t, "doc_id"].nunique()),
                "unavailable_patterns": "; ".join(
                    sorted(set(rcounts.loc[rcounts["theme"] == t, "unavailable_patterns"]) - {""})
                ),
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
    reference_ids = [d for d in docs["doc_id"] if d != focus_id]
    if not reference_ids:
        raise SelectionError("no reference document left after the selection: loosen the filters")

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
        langs = ", ".join(sorted(ref_langs))
        note(
            f"theme-level comparison across languages: the focus is in {focus_language}, reference "
            f"documents are in {langs} (the dictionary is bilingual; word-level keyness uses only "
            "documents in the focus language)",
            f"comparaison thématique entre langues : le texte analysé est en {focus_language}, les "
            f"références en {langs} (le dictionnaire est bilingue ; les mots caractéristiques ne sont "
            "calculés que contre les références de même langue)",
        )

    # word level: only against reference documents in the focus language
    same_lang = docs[(docs["role"] == "reference") & (docs["language"] == focus_language)]
    words = None
    words_message = ""
    if same_lang.empty:
        words_message = (
            f"no reference document in the focus language ({focus_language}): word-level keyness "
            "is not computed across languages"
        )
        note(
            words_message,
            f"aucune référence dans la langue du texte ({focus_language}) : les mots caractéristiques "
            "ne sont pas calculés d'une langue à l'autre",
        )
    else:
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
        words.attrs["reference_documents"] = same_lang["doc_id"].tolist()

    roots = usable[usable["parent"] == ""]
    similarity = textstat_similarity(roots[["doc_id", "theme", "per_1000"]], focus_id)
    similarity = similarity.merge(
        docs[["doc_id", "title", "date", "language", "genre"]], on="doc_id", how="left"
    )

    focus = {k: (v.item() if hasattr(v, "item") else v) for k, v in focus_meta.items() if k != "raw_text"}
    params = {"focus_id": focus_id, "dictionary": str(dictionary_path), "min_count": min_count,
              "conf_level": conf_level, "overlap": overlap, **filters}  # fmt: skip
    logger.info("compared %s with %d reference documents", focus_id, len(reference_ids))
    return Comparison(
        focus=focus,
        documents=docs.reset_index(drop=True),
        counts=usable.reset_index(drop=True),
        themes=themes,
        words=words,
        words_message=words_message,
        similarity=similarity,
        notes=notes,
        dictionary=dic,
        lookup=look,
        tokens=toks,
        corpus=cleaned,
        parameters=params,
        notes_fr=notes_fr,
        unavailable=unavailable_table,
    )
