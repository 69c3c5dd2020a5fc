"""Keywords in context (``kwic``): every counted hit of a theme, or every match of a pattern.

A theme's hits are those of :func:`analysis.lookup.tokens_lookup`; a pattern is
matched by the same engine (:class:`analysis.matcher.Matcher`), on its own.
:func:`key_forms` gives the word as the text writes it for each match key (the
``form`` of the word keyness table).

Examples
--------
>>> from analysis.tokens import tokens
>>> df = kwic(tokens("La paix en Ukraine.", language="fr"), "ukrain*", window=2)
>>> df[["pre", "keyword"]].values.tolist()
[['paix en', 'Ukraine']]
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from analysis.dictionary import compile_pattern
from analysis.lookup import _document_keys, tokens_lookup
from analysis.matcher import Matcher
from analysis.tokens import match_key

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.dictionary import Dictionary
    from analysis.tokens import Tokens

logger = logging.getLogger(__name__)

__all__ = ["CONTEXTS", "SORTS", "key_forms", "kwic", "kwic_text"]

SORTS = ("position", "left", "right", "keyword")
"""Orders of :func:`kwic` lines (its ``sort``)."""

CONTEXTS = ("window", "sentence")
"""Contexts of :func:`kwic` lines (its ``context``)."""


def kwic(
    toks: Tokens,
    query: str | Sequence[str],
    *,
    dictionary: Dictionary | None = None,
    window: int = 8,
    docs: Iterable[str] | None = None,
    sort: str = "position",
    context: str = "window",
) -> pd.DataFrame:
    """Keywords in context: every hit of a theme, or every match of a pattern.

    Parameters
    ----------
    toks : Tokens
    query : str or sequence of str
        A theme id of ``dictionary`` (its counted hits, as in
        :func:`tokens_lookup`), several theme ids (one lookup for all of them), or a
        pattern string (word, glob or phrase, matched with the same rules, on its own).
    dictionary : Dictionary, optional
        Needed for a theme id; its ``accent_sensitive`` setting also applies to a
        pattern query.
    window : int
        Tokens (punctuation included) shown on each side, with ``context="window"``;
        ignored with ``context="sentence"``.
    docs : iterable of str, optional
        Restrict to these document ids.
    sort : {"position", "left", "right", "keyword"}
        Order of the lines. ``"position"`` (default): by document (in the order of
        ``toks.docs``), then position in the document. ``"left"``: by the left
        context read outwards from the keyword, the word just before it first
        (L1, then L2…, as TXM and AntConc sort); ``"right"``: by the right context
        (R1, R2…); ``"keyword"``: by the keyword's words. Sort keys are the words
        (punctuation skipped) of the context shown, folded with
        :func:`analysis.tokens.match_key` (case and accents ignored); a shorter
        context that is a prefix of another comes first (an empty one first of
        all); ties keep the document/position order.
    context : {"window", "sentence"}
        ``"window"`` (default): ``window`` tokens on each side, across sentence
        boundaries. ``"sentence"``: the whole sentence of the hit (the tokens'
        ``sentence`` ids): ``pre`` from its first token to the keyword, ``post``
        from the keyword to its last token, however long; a keyword spanning two
        sentences gets the start of the first and the end of the last.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, theme, pattern, position, pre, keyword, post``; ``pre`` and
        ``post`` are the document text around the hit (whitespace collapsed);
        ``theme`` is None for a pattern query.

    Raises
    ------
    ValueError
        A negative ``window``, an unknown ``sort`` or ``context``.

    Examples
    --------
    >>> from analysis.tokens import tokens
    >>> toks = tokens("Nous soutenons l'Ukraine. Les Ukrainiens résistent.", language="fr")
    >>> kwic(toks, "ukrain*", window=2)[["pre", "keyword", "post"]].values.tolist()
    [["soutenons l'", 'Ukraine', '. Les'], ['. Les', 'Ukrainiens', 'résistent.']]
    >>> kwic(toks, "ukrain*", context="sentence")[["pre", "keyword", "post"]].values.tolist()
    [["Nous soutenons l'", 'Ukraine', '.'], ['Les', 'Ukrainiens', 'résistent.']]
    >>> toks = tokens("Syldavie soutient l'Ukraine. Alphaland aide l'Ukraine.", language="fr")
    >>> kwic(toks, "ukraine", window=2, sort="left")["pre"].tolist()  # L1 ties ("l'"), L2 decides
    ["aide l'", "soutient l'"]
    """
    import pandas as pd

    if window < 0:
        raise ValueError("window must be >= 0")
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    if context not in CONTEXTS:
        raise ValueError(f"context must be one of {', '.join(CONTEXTS)}, not {context!r}")
    columns = ["doc_id", "theme", "pattern", "position", "pre", "keyword", "post"]
    data = toks.data
    doc_table = toks.docs
    if docs is not None:
        wanted = set(docs)
        data = data[data["doc_id"].isin(wanted)]
        doc_table = doc_table[doc_table["doc_id"].isin(wanted)]
    groups = {doc_id: frame for doc_id, frame in data.groupby("doc_id", sort=False)}
    text_of = dict(zip(doc_table["doc_id"], doc_table["text"], strict=True))
    spans: list[tuple[str, str | None, str, int, int]] = []  # doc, theme, pattern, row0, row1

    themes = [query] if isinstance(query, str) else list(query)
    if dictionary is not None and set(themes) <= set(dictionary.theme_ids()):
        from analysis.tokens import Tokens

        sub = Tokens(data=data, docs=doc_table.reset_index(drop=True), history=[])
        hits = tokens_lookup(sub, dictionary).hits
        hits = hits[hits["theme"].isin(themes)]
        for doc_id, g in hits.groupby("doc_id", sort=False):
            row_of = {p: i for i, p in enumerate(groups[doc_id]["position"])}
            found = zip(g["theme"], g["pattern"], g["start_pos"], g["end_pos"], strict=True)
            for theme, pattern, s, e in found:
                spans.append((doc_id, theme, pattern, row_of[s], row_of[e - 1] + 1))
    elif not isinstance(query, str):
        raise ValueError(f"several queries must all be theme ids of the dictionary: {themes}")
    else:
        accent = dictionary.accent_sensitive if dictionary is not None else False
        matchers: dict[str, Matcher] = {}
        fold_cache: dict[str, str] = {}
        for doc_id, lang in zip(doc_table["doc_id"], doc_table["language"], strict=True):
            if doc_id not in groups:
                continue
            if lang not in matchers:
                matchers[lang] = Matcher.of_patterns([compile_pattern(query, lang, accent)], lang)
            keys, rows = _document_keys(groups[doc_id], accent, fold_cache)
            for _index, s, e in matchers[lang].find(keys):
                spans.append((doc_id, None, query, rows[s], rows[e - 1] + 1))

    rows = []
    sort_keys: list[tuple[tuple[str, ...], int, int]] = []
    doc_rank = {d: i for i, d in enumerate(doc_table["doc_id"])}
    columns_of: dict[str, _DocColumns] = {}
    for doc_id, theme, pattern, r0, r1 in spans:
        if doc_id not in columns_of:  # one conversion per document, not per hit
            columns_of[doc_id] = _DocColumns(groups[doc_id], sentences=context == "sentence")
        cols = columns_of[doc_id]
        starts, ends = cols.starts, cols.ends
        text = text_of[doc_id]
        if context == "sentence":
            lo, hi = cols.sentence_first[cols.sentence[r0]], cols.sentence_end[cols.sentence[r1 - 1]]
        else:
            lo, hi = max(0, r0 - window), min(len(starts), r1 + window)
        pre = text[starts[lo] : starts[r0]] if r0 > lo else ""
        post = text[ends[r1 - 1] : ends[hi - 1]] if hi > r1 else ""
        keyword = text[starts[r0] : ends[r1 - 1]]
        rows.append(
            (
                doc_id, theme, pattern, int(cols.positions[r0]),
                " ".join(pre.split()), " ".join(keyword.split()), " ".join(post.split()),
            )
        )  # fmt: skip
        if sort != "position":
            span = {"left": range(r0 - 1, lo - 1, -1), "right": range(r1, hi), "keyword": range(r0, r1)}[sort]
            sort_keys.append((cols.words(span), doc_rank[doc_id], int(cols.positions[r0])))
    if sort != "position":  # ties: document, then position (the default order)
        rows = [row for _key, row in sorted(zip(sort_keys, rows, strict=True), key=lambda kr: kr[0])]
    out = pd.DataFrame(rows, columns=columns)
    out["position"] = out["position"].astype("int64")
    logger.debug("kwic %r: %d lines (sort=%s, context=%s)", query, len(out), sort, context)
    return out


class _DocColumns:
    """One document's token columns as lists, and where each sentence starts and ends (rows)."""

    def __init__(self, frame: pd.DataFrame, *, sentences: bool) -> None:
        self.starts: list[int] = frame["start"].tolist()
        self.ends: list[int] = frame["end"].tolist()
        self.positions: list[int] = frame["position"].tolist()
        self._surface: list[str] = frame["surface"].tolist()
        self._punct: list[bool] = (frame["kind"] == "punct").tolist()
        self.sentence: list[int] = frame["sentence"].tolist() if sentences else []
        self.sentence_first: dict[int, int] = {}
        self.sentence_end: dict[int, int] = {}  # exclusive
        for row, sid in enumerate(self.sentence):
            self.sentence_first.setdefault(sid, row)
            self.sentence_end[sid] = row + 1

    def words(self, rows: Iterable[int]) -> tuple[str, ...]:
        """The match keys of the words (not punctuation) at ``rows``, in that order."""
        return tuple(match_key(self._surface[r]) for r in rows if not self._punct[r])


def kwic_text(df: pd.DataFrame, width: int = 40) -> str:
    """Format a :func:`kwic` table as aligned plain-text lines.

    Each line is ``doc_id:position``, the left context right-aligned and cut to
    ``width`` characters, the keyword between ``[ ]``, then the right context cut
    to ``width``. A context longer than ``width`` (a whole sentence, with
    ``context="sentence"``) keeps the ``width - 1`` characters nearest the keyword
    and shows the cut with ``…``, so no side is wider than ``width``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"doc_id": ["a"], "theme": [None], "pattern": ["x"],
    ...                    "position": [3], "pre": ["un deux"], "keyword": ["trois"],
    ...                    "post": ["quatre"]})
    >>> kwic_text(df, width=10)
    'a:3    un deux [trois] quatre'
    >>> kwic_text(df.assign(pre="zéro un deux", post="quatre cinq six"), width=10)
    'a:3 …o un deux [trois] quatre ci…'
    """
    if width < 1:
        raise ValueError("width must be >= 1")
    if not len(df):
        return ""
    labels = [f"{d}:{p}" for d, p in zip(df["doc_id"], df["position"], strict=True)]
    lw = max(len(s) for s in labels)
    lines = []
    for label, pre, kw, post in zip(labels, df["pre"], df["keyword"], df["post"], strict=True):
        left = "…" + pre[len(pre) - width + 1 :] if len(pre) > width else pre
        right = post[: width - 1] + "…" if len(post) > width else post
        lines.append(f"{label:<{lw}} {left:>{width}} [{kw}] {right}".rstrip())
    return "\n".join(lines)


def key_forms(toks: Tokens, doc_id: str | None = None) -> pd.Series:
    """The form a reader knows for each match key: its most frequent surface form in the text.

    Match keys are folded (``securite``); this gives back the word as written. The
    rule, over the non-punctuation tokens of ``doc_id`` (all documents when None):

    1. a key whose every occurrence starts with a capital letter (a proper noun, an
       acronym: ``Canada``, ``OTAN``, ``Indo-Pacifique``) keeps its surface forms (NFC);
       any other key is written in lower case (the tokens' ``lower`` column), so a
       sentence-initial ``Sécurité`` counts as ``sécurité``;
    2. the most frequent of these forms wins; a tie goes to the form met first in the text.

    Parameters
    ----------
    toks : Tokens
        From :func:`analysis.tokens.tokens` (columns ``doc_id, kind, surface, lower, key``).
    doc_id : str, optional
        The document whose forms are read.

    Returns
    -------
    pandas.Series
        Key -> form, indexed by key (keys absent from the text are absent).

    Examples
    --------
    >>> from analysis.tokens import tokens
    >>> toks = tokens("Sécurité d'abord. La sécurité, la securite et la sécurité. Le Canada.", language="fr")
    >>> forms = key_forms(toks)
    >>> forms["securite"], forms["canada"], forms["la"]
    ('sécurité', 'Canada', 'la')
    """
    import unicodedata

    import pandas as pd

    data = toks.data
    words = data[data["kind"] != "punct"]
    if doc_id is not None:
        words = words[words["doc_id"] == doc_id]
    surface = words["surface"].map(lambda s: unicodedata.normalize("NFC", s))
    capital = surface.str[:1].str.isupper().groupby(words["key"]).transform("all").astype(bool)
    frame = pd.DataFrame(
        {"key": words["key"].to_numpy(), "form": surface.where(capital, words["lower"]).to_numpy()}
    )
    frame["order"] = range(len(frame))
    ranked = (
        frame.groupby(["key", "form"], sort=False)["order"]
        .agg(["size", "min"])
        .reset_index()
        .sort_values(["key", "size", "min"], ascending=[True, False, True], kind="mergesort")
    )
    return ranked.drop_duplicates("key").set_index("key")["form"].rename("form")
