"""Statement versus statement: align two texts sentence by sentence and compare their themes.

What a press article kept from a communiqué, or what changed between two statements of the
same parties (issue 21, item 1).

Method
------
*Sentences* are those of the project's tokeniser (:func:`analysis.tokens.tokens`: paragraphs,
then :func:`analysis.tokens.sentence_spans`) on the cleaned text; each sentence carries the
match keys (:func:`analysis.tokens.match_key`: case, accents and apostrophes folded) of its
word and number tokens, stopwords kept, punctuation left out.

*Similarity* of two sentences is :meth:`difflib.SequenceMatcher.ratio` on their key sequences
(``2 M / (len_a + len_b)``, ``M`` = keys matched in order; ``autojunk`` off): it is symmetric in
the lengths, respects word order and reads as "share of the words kept, in order". Stopwords
are kept so that a changed negation or preposition lowers it.

*Alignment* is a monotone dynamic programme over sentence order (as Gale & Church 1993, with
lexical similarity instead of length): the steps are 1-1 (a pair), 1-0 (dropped), 0-1
(added) and, with ``merges=True``, 2-1 / 1-2 (two sentences joined or one split). A pair is
allowed only if its similarity is at least ``reworded``; a step gains the number of keys it
matches (``similarity x (len_a + len_b) / 2``), dropped and added gain nothing, and the
alignment maximises the total gain (ties go to the simpler step). An *excerpt* is paired too:
two sentences whose similarity is under ``reworded`` but the shorter of which (at least
``MIN_CONTAINED_KEYS`` keys) is found at :data:`CONTAINED` or more, in order, in the longer
(:func:`containment`), as when a press article cuts a clause out of a long sentence; it is
``reworded``, its ``containment`` column says why. A merge is allowed only
when it beats each of its 1-1 pairs by ``MERGE_MARGIN``. Then a *non-monotone pass* pairs
leftover dropped and added sentences, greedily by decreasing similarity, when their
similarity reaches ``moved`` (default: ``kept``) or one is an excerpt of the other
(containment at ``moved`` or more): the row keeps the status its similarity gives (an
excerpt: ``reworded``) and ``moved`` is True.

*Status*: ``kept`` (similarity >= ``kept``), ``reworded`` (>= ``reworded``), ``dropped``
(only in A), ``added`` (only in B).

*Themes*: dictionary counts of A and B (:func:`analysis.lookup.tokens_lookup`) compared with
:func:`analysis.textstat.textstat_keyness`, B as focus and A as reference: a positive Log Ratio
means the theme weighs more in B.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from analysis.diff_scores import (  # noqa: F401  (re-exported: the public names of the diff)
    CONTAINED,
    MIN_CONTAINED_KEYS,
    _scorer,
    across_similarity,
    containment,
    similarity,
)

logger = logging.getLogger(__name__)

STATUSES = ("kept", "reworded", "translated", "dropped", "added")
MIN_MENTIONS = 3
"""A theme is tested when A and B together mention it at least this often."""
ALIGNMENT_COLUMNS = (
    "a_index", "b_index", "a_count", "b_count", "a_text", "b_text", "similarity", "status", "moved",
    "containment",
)  # fmt: skip
MERGE_MARGIN = 0.1
ACROSS_FLOOR = 0.3
"""Smallest :func:`~analysis.diff_scores.across_similarity` of a ``translated`` pair (two languages)."""
_WORD_KINDS = frozenset({"word", "number"})


@dataclass(frozen=True)
class Sentence:
    """One sentence of a statement.

    Attributes
    ----------
    index : int
        Position among the statement's sentences (0-based; the tokens' ``sentence`` id).
    text : str
        The sentence as it stands in the cleaned text.
    keys : tuple of str
        Match keys of its word and number tokens, in order (stopwords kept).
    content : tuple of str
        The same keys without stopwords.
    start, end : int
        Character span in the cleaned text (``text == doc_text[start:end]``).
    paragraph : int
        Paragraph index.
    """

    index: int
    text: str
    keys: tuple[str, ...]
    content: tuple[str, ...]
    start: int
    end: int
    paragraph: int = 0

    @property
    def anchors(self) -> frozenset[str]:
        """Numbers and the first five letters of content words of four letters or more.

        What two language versions of a sentence share: names, figures and cognates.

        Examples
        --------
        >>> sorted(Sentence(0, "", (), ("syldavie", "2024", "paix", "accord", "tir"), 0, 0).anchors)
        ['2024', 'accor', 'paix', 'sylda']
        """
        return frozenset(k if k.isdigit() else k[:5] for k in self.content if k.isdigit() or len(k) >= 4)


def statement_sentences(doc_text: str, language: str = "fr") -> list[Sentence]:
    """Split a cleaned text into sentences with their match keys and character spans.

    Parameters
    ----------
    doc_text : str
        Cleaned text (:func:`analysis.clean.corpus_clean`); paragraphs separated by blank lines.
    language : {"fr", "en"}

    Returns
    -------
    list of Sentence

    Examples
    --------
    >>> s = statement_sentences("Alphaland salue la Syldavie. Elle agit.\\n\\nFin.", "fr")
    >>> [(x.index, x.paragraph, x.text) for x in s]
    [(0, 0, 'Alphaland salue la Syldavie.'), (1, 0, 'Elle agit.'), (2, 1, 'Fin.')]
    >>> s[0].keys, s[0].content
    (('alphaland', 'salue', 'la', 'syldavie'), ('alphaland', 'salue', 'syldavie'))
    """
    from analysis.tokens import tokens

    data = tokens(doc_text, language=language).data
    out: list[Sentence] = []
    for sid, rows in data.groupby("sentence", sort=True):
        start, end = int(rows["start"].min()), int(rows["end"].max())
        words = rows[rows["kind"].isin(_WORD_KINDS)]
        keys = tuple(words["key"])
        content = tuple(words.loc[~words["is_stop"], "key"])
        out.append(Sentence(int(sid), doc_text[start:end], keys, content, start, end,
                            int(rows["paragraph"].iloc[0])))  # fmt: skip
    return out


def _monotone(
    a: list[Sentence], b: list[Sentence], reworded: float, merges: bool, across: bool = False
) -> list[tuple]:
    """Best monotone path: list of (a_indices, b_indices, similarity).

    ``across``: two languages, whose words cannot be compared one by one: sentences are
    scored by :func:`across_similarity` (shares of each text's length, as Gale & Church, times
    the overlap of their anchors), pairs from ``ACROSS_FLOOR``.
    """
    n, m = len(a), len(b)
    key_sim = _scorer(reworded)
    total_a = sum(len(s.text) for s in a) or 1
    total_b = sum(len(s.text) for s in b) or 1
    held: dict[str, int] = {}  # anchor -> sentences of A and B holding it
    for sent in (*a, *b) if across else ():
        for anchor in sent.anchors:
            held[anchor] = held.get(anchor, 0) + 1
    n_sent = len(a) + len(b)
    weights = {anchor: math.log(1 + n_sent / count) for anchor, count in held.items()}  # idf-like

    def sim(ka: Any, kb: Any, ai: range | None = None, bj: range | None = None) -> float:
        if not across:
            return key_sim(ka, kb)[0]
        la = sum(len(a[i].text) for i in ai) / total_a  # type: ignore[union-attr]
        lb = sum(len(b[j].text) for j in bj) / total_b  # type: ignore[union-attr]
        return across_similarity(la, lb, set().union(*(a[i].anchors for i in ai)),  # type: ignore[union-attr]
                                 set().union(*(b[j].anchors for j in bj)), weights)  # type: ignore[union-attr] # fmt: skip
    neg = float("-inf")
    best = [[neg] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0

    def gain(ai: range, bj: range) -> tuple[float, float] | None:
        ka = tuple(k for i in ai for k in a[i].keys)
        kb = tuple(k for j in bj for k in b[j].keys)
        s = sim(ka, kb, ai, bj)
        excerpt = (not across and len(ai) + len(bj) == 2 and min(len(ka), len(kb)) >= MIN_CONTAINED_KEYS
                   and key_sim(ka, kb)[1] >= CONTAINED)  # fmt: skip
        if (s < reworded or s == 0.0) and not excerpt:
            return None
        if len(ai) + len(bj) > 2:  # a merge must beat each of its one-to-one pairs
            singles = [sim(a[i].keys, b[j].keys, range(i, i + 1), range(j, j + 1)) for i in ai for j in bj]
            if s < max(singles) + MERGE_MARGIN:
                return None
        return s * (len(ka) + len(kb)) / 2.0, s

    # on ties the first step wins: (0, 1) tried first puts a dropped row before an added one
    steps = [(0, 1), (1, 0), (1, 1)] + ([(2, 1), (1, 2)] if merges else [])
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 and j == 0:
                continue
            for di, dj in steps:
                pi, pj = i - di, j - dj
                if pi < 0 or pj < 0 or best[pi][pj] == neg:
                    continue
                if di and dj:
                    g = gain(range(pi, i), range(pj, j))
                    if g is None:
                        continue
                    score, s = best[pi][pj] + g[0], g[1]
                else:
                    score, s = best[pi][pj], float("nan")
                if score > best[i][j] + 1e-9:
                    best[i][j], back[i][j] = score, (pi, pj, s)
    path = []
    i, j = n, m
    while i or j:
        pi, pj, s = back[i][j]  # type: ignore[misc]
        path.append((list(range(pi, i)), list(range(pj, j)), s))
        i, j = pi, pj
    return path[::-1]


def align_sentences(
    a: list[Sentence],
    b: list[Sentence],
    *,
    kept: float = 0.9,
    reworded: float = 0.5,
    moved: float | None = None,
    merges: bool = True,
    across: bool = False,
) -> pd.DataFrame:
    """Align the sentences of two statements and label each row kept, reworded, dropped or added.

    See the module docstring for the method (monotone dynamic programme with 1-1, 1-0, 0-1
    and 2-1 / 1-2 steps on :func:`similarity`, then a pass for moved sentences).

    Parameters
    ----------
    a, b : list of Sentence
        From :func:`statement_sentences`; A is the earlier or source text.
    kept : float, default 0.9
        Similarity from which a pair is ``kept``.
    reworded : float, default 0.5
        Similarity from which two sentences are paired (``reworded`` below ``kept``).
    moved : float, optional
        Similarity from which a leftover dropped and added sentence are paired out of order
        (default: ``kept``).
    merges : bool, default True
        Allow two sentences of one side to align with one of the other.
    across : bool, default False
        A and B are in two languages (two versions of one statement): pairs are scored by
        their lengths (see :func:`_monotone`) and labelled ``translated``; no moved pass.

    Returns
    -------
    pandas.DataFrame
        One row per step, in the order of B (moved pairs at B's position, dropped sentences
        where A had them): ``a_index, b_index`` (first sentence of the row, <NA> when absent),
        ``a_count, b_count`` (sentences of each side in the row: 0, 1 or 2), ``a_text, b_text``
        ("" when absent), ``similarity`` (NaN for dropped and added), ``status``, ``moved``,
        ``containment`` (:func:`containment` of the pair; NaN for a single or across languages).

    Examples
    --------
    >>> a = statement_sentences("Alphaland salue la Syldavie. La paix revient. Fin du long texte syldave.")
    >>> b = statement_sentences("Alphaland salue la Syldavie. Fin du long texte syldave. La paix revient.")
    >>> t = align_sentences(a, b)
    >>> t[["status", "moved"]].values.tolist()
    [['kept', False], ['kept', False], ['kept', True]]
    """
    import pandas as pd

    if not 0.0 < reworded <= kept <= 1.0:
        raise ValueError(f"need 0 < reworded <= kept <= 1, got reworded={reworded}, kept={kept}")
    moved = kept if moved is None else moved
    path = _monotone(a, b, min(reworded, ACROSS_FLOOR) if across else reworded, merges, across)
    # non-monotone pass: leftover singles, best similarity first
    dropped = [k for k, (ai, bj, _) in enumerate(path) if not bj]
    added = [k for k, (ai, bj, _) in enumerate(path) if not ai]
    candidates = []
    for da in [] if across else dropped:
        for ab in added:
            ka, kb = a[path[da][0][0]].keys, b[path[ab][1][0]].keys
            s = similarity(ka, kb)
            excerpt = (min(len(ka), len(kb)) >= MIN_CONTAINED_KEYS
                       and containment(ka, kb) >= max(CONTAINED, moved))  # fmt: skip
            if (s >= moved and s >= reworded) or excerpt:
                candidates.append((-max(s, containment(ka, kb) if excerpt else 0.0), da, ab))
    used: set[int] = set()
    pairs: dict[int, tuple[int, float]] = {}  # added step -> (dropped step, similarity)
    for _, da, ab in sorted(candidates):
        if da not in used and ab not in used:
            used.update((da, ab))
            pairs[ab] = (da, similarity(a[path[da][0][0]].keys, b[path[ab][1][0]].keys))
    rows = []
    for k, (ai, bj, s) in enumerate(path):
        if k in used and k not in pairs:
            continue  # a dropped sentence shown at its new place
        is_moved = k in pairs
        if is_moved:
            ai, s = path[pairs[k][0]][0], pairs[k][1]
        status = "dropped" if not bj else "added" if not ai else "translated" if across else (
            "kept" if s >= kept else "reworded")
        rows.append({
            "a_index": ai[0] if ai else pd.NA, "b_index": bj[0] if bj else pd.NA,
            "a_count": len(ai), "b_count": len(bj),
            "a_text": " ".join(a[i].text for i in ai), "b_text": " ".join(b[j].text for j in bj),
            "similarity": s if ai and bj else float("nan"), "status": status, "moved": is_moved,
            "containment": containment(tuple(k for i in ai for k in a[i].keys),
                                       tuple(k for j in bj for k in b[j].keys))
            if ai and bj and not across else float("nan"),
        })  # fmt: skip
    table = pd.DataFrame(rows, columns=list(ALIGNMENT_COLUMNS))
    for col in ("a_index", "b_index"):
        table[col] = table[col].astype("Int64")
    table["similarity"] = table["similarity"].astype(float)
    table["moved"] = table["moved"].astype(bool)
    table.attrs["method"] = {
        "similarity": "across_similarity: length shares x anchor overlap (two languages)" if across
        else "difflib.SequenceMatcher.ratio on match keys (stopwords kept)",
        "alignment": "monotone DP (1-1, 1-0, 0-1" + (", 2-1, 1-2" if merges else "") + ") + moved pass",
        "kept": kept, "reworded": reworded, "moved": moved,
        "excerpt": None if across else f"containment >= {CONTAINED} of >= {MIN_CONTAINED_KEYS} keys",
    }  # fmt: skip
    logger.info("aligned %d and %d sentences: %s", len(a), len(b), table["status"].value_counts().to_dict())
    return table


@dataclass
class StatementDiff:
    """Result of :func:`compare_statements`.

    Attributes
    ----------
    a_id, b_id : str
        Document ids of A (reference) and B (focus).
    alignment : pandas.DataFrame
        From :func:`align_sentences`.
    themes : pandas.DataFrame
        One row per theme: ``theme, parent, a_count, a_tokens, a_per_1000, b_count,
        b_tokens, b_per_1000, log_ratio, log_ratio_ci_low, log_ratio_ci_high, lrc, g2,
        p_value, p_holm, testable, direction`` (B relative to A: Log Ratio > 0 means more
        in B), from :func:`analysis.textstat.textstat_keyness`. Empty without a dictionary.
    summary : dict
        Rows per status (``kept, reworded, dropped, added``), ``moved`` rows, and
        ``a_sentences, b_sentences``.
    a_sentences, b_sentences : list of Sentence
    """

    a_id: str
    b_id: str
    alignment: pd.DataFrame
    themes: pd.DataFrame
    summary: dict[str, int] = field(default_factory=dict)
    a_sentences: list[Sentence] = field(default_factory=list, repr=False)
    b_sentences: list[Sentence] = field(default_factory=list, repr=False)


def _documents(a: Any, b: Any, ids: tuple[str, str] | None, language: str | None) -> pd.DataFrame:
    """Two documents (rows with doc_id, text, language ...) from the accepted inputs."""
    import pandas as pd

    from analysis.corpus import Corpus

    def rows(x: Any, label: str) -> pd.DataFrame:
        if isinstance(x, Corpus):
            return x.docs
        if isinstance(x, pd.DataFrame):
            return x
        if isinstance(x, pd.Series | dict):
            return pd.DataFrame([dict(x)])
        if isinstance(x, str):
            lang = language or "fr"
            return pd.DataFrame({"doc_id": [label], "title": [""], "text": [x], "language": [lang]})
        raise TypeError(f"{label}: give a Corpus, a Corpus row (dict or Series) or a text, not {type(x)}")

    if b is None:
        docs = rows(a, "A")
        if ids is not None:
            known = set(docs["doc_id"])
            missing = [i for i in ids if i not in known]
            if missing:
                raise KeyError(f"no document with id {', '.join(missing)}")
            docs = pd.concat([docs[docs["doc_id"] == i] for i in ids], ignore_index=True)
        if len(docs) != 2:
            raise ValueError(f"give two documents (or a corpus and two ids), got {len(docs)}")
    else:
        da, db = rows(a, "A"), rows(b, "B")
        for d, label in ((da, "A"), (db, "B")):
            if len(d) != 1:
                raise ValueError(f"{label} must hold one document, got {len(d)}")
        docs = pd.concat([da, db], ignore_index=True)
    docs = docs.reset_index(drop=True).copy()
    if docs.loc[0, "doc_id"] == docs.loc[1, "doc_id"]:
        docs["doc_id"] = [f"{docs.loc[0, 'doc_id']}#A", f"{docs.loc[1, 'doc_id']}#B"]
    if language is not None or "language" not in docs.columns:
        docs["language"] = language or "fr"
    if "title" not in docs.columns:
        docs["title"] = ""
    docs["title"] = docs["title"].fillna("")
    return docs


def _themes(toks: Any, dic: Any, a_id: str, b_id: str) -> pd.DataFrame:
    from analysis.lookup import tokens_lookup
    from analysis.textstat import textstat_keyness

    counts = tokens_lookup(toks, dic).counts
    n_tok = toks.n_tokens()
    by_doc = {d: c.set_index("theme")["count"] for d, c in counts.groupby("doc_id")}
    # every theme tested whose mentions in A and B together reach 3: a theme B dropped is found too
    table = textstat_keyness(by_doc[b_id], int(n_tok[b_id]), by_doc[a_id], int(n_tok[a_id]), item="theme",
                             min_count=0)  # fmt: skip
    table = table.rename(columns=lambda c: c.replace("focus_", "b_").replace("reference_", "a_"))
    rare = (table["a_count"] + table["b_count"]) < MIN_MENTIONS
    table.loc[rare, ["g2", "p_value", "p_holm"]] = float("nan")
    table.loc[rare, "testable"] = False
    table.loc[rare, "direction"] = "none"
    if rare.any() and (~rare).any():  # Holm again, over the themes tested
        from analysis.keyness import p_adjust_holm

        table.loc[~rare, "p_holm"] = p_adjust_holm(table.loc[~rare, "p_value"].to_numpy())
    absent = (table["a_count"] == 0) & (table["b_count"] == 0)  # nothing to compare: no ratio
    table.loc[absent, ["log_ratio", "log_ratio_ci_low", "log_ratio_ci_high", "lrc"]] = float("nan")
    parents = counts.drop_duplicates("theme").set_index("theme")["parent"]
    table.insert(1, "parent", table["theme"].map(parents))
    order = ["theme", "parent", "a_count", "a_tokens", "a_per_1000", "b_count", "b_tokens", "b_per_1000",
             "log_ratio", "log_ratio_ci_low", "log_ratio_ci_high", "lrc", "g2", "p_value", "p_holm",
             "testable", "direction"]  # fmt: skip
    return table[order]


def compare_statements(
    a: Any,
    b: Any = None,
    *,
    ids: tuple[str, str] | None = None,
    dictionary: Any = None,
    language: str | None = None,
    clean: bool = True,
    kept: float = 0.9,
    reworded: float = 0.5,
    moved: float | None = None,
    merges: bool = True,
    themes: bool = True,
) -> StatementDiff:
    """Compare two statements: sentence alignment, per-theme differences and summary counts.

    Parameters
    ----------
    a, b : Corpus, dict, pandas.Series or str
        Two one-document corpora (or rows of a corpus, e.g. ``corp["some-id"]``, or plain
        texts); or ``a`` a two-document corpus and ``b`` None (its documents in order, or
        those of ``ids``). A is the reference (the source), B the focus.
    ids : tuple of str, optional
        The ids of A and B in the corpus ``a`` when ``b`` is None.
    dictionary : path, mapping or Dictionary, optional
        Theme dictionary (default :data:`analysis.config.DEFAULT_DICTIONARY`).
    language : {"fr", "en"}, optional
        Overrides the documents' language.
    clean : bool, default True
        Clean the texts first (:func:`analysis.clean.corpus_clean`; title rule by genre).
    kept, reworded, moved, merges
        See :func:`align_sentences`.
    themes : bool, default True
        Compute the theme table (False leaves it empty).

    Returns
    -------
    StatementDiff

    Examples
    --------
    >>> d = compare_statements("Alphaland salue la Syldavie. La paix revient.",
    ...                        "Alphaland salue la Syldavie. La guerre reprend hélas.", themes=False)
    >>> d.alignment["status"].tolist()
    ['kept', 'dropped', 'added']
    >>> d.summary["kept"], d.summary["added"]
    (1, 1)
    """
    import pandas as pd

    from analysis import config
    from analysis.clean import corpus_clean
    from analysis.corpus import Corpus
    from analysis.tokens import tokens

    docs = _documents(a, b, ids, language)
    corp = Corpus(docs=docs, history=list(getattr(a, "history", [])))
    if clean:
        corp = corpus_clean(corp)
    a_row, b_row = corp.docs.iloc[0], corp.docs.iloc[1]
    a_sent = statement_sentences(a_row["text"], a_row["language"])
    b_sent = statement_sentences(b_row["text"], b_row["language"])
    across = a_row["language"] != b_row["language"]  # two versions of one statement
    table = align_sentences(a_sent, b_sent, kept=kept, reworded=reworded, moved=moved, merges=merges,
                            across=across)  # fmt: skip
    theme_table = pd.DataFrame()
    if themes:
        from analysis.dictionary import Dictionary
        from analysis.dictionary import dictionary as load_dictionary

        toks = tokens(corp)
        dic = dictionary if isinstance(dictionary, Dictionary) else load_dictionary(
            dictionary if dictionary is not None else config.DEFAULT_DICTIONARY,
            languages=tuple(sorted(set(toks.docs["language"]))),
        )  # fmt: skip
        theme_table = _themes(toks, dic, a_row["doc_id"], b_row["doc_id"])
    counts = table["status"].value_counts()
    summary = {s: int(counts.get(s, 0)) for s in STATUSES}
    summary.update(moved=int(table["moved"].sum()), a_sentences=len(a_sent), b_sentences=len(b_sent))
    return StatementDiff(str(a_row["doc_id"]), str(b_row["doc_id"]), table, theme_table, summary,
                         a_sent, b_sent)  # fmt: skip
