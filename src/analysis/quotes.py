"""Quotations in a press text, traced to their source, and theme agreement of parallel versions.

- **Quote tracer** (issue 21, item 2): :func:`find_quotes` finds the passages between
  ``« »``, ``“ ”`` and ``"…"``; :func:`trace_quotes` locates each in the source statement
  (exact or near match on :func:`analysis.tokens.match_key` keys, with its similarity);
  :func:`quote_share` splits a press text's theme hits into quotation and paraphrase.
- **Parallel versions** (item 3): :func:`sentence_theme_hits` (themes per sentence) and
  :func:`parallel_agreement` (Cohen's κ per theme on aligned sentence pairs, and the
  pairs where one language hits and the other does not).
"""

from __future__ import annotations

import bisect
import difflib
import logging
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.tokens import match_key, paragraph_spans, tokenize

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.dictionary import Dictionary
    from analysis.tokens import Tokens

logger = logging.getLogger(__name__)

MIN_WORDS = 3
"""Shortest quotation kept by :func:`find_quotes` (whitespace-separated words)."""

NEAR_THRESHOLD = 0.6
"""Smallest :class:`difflib.SequenceMatcher` ratio of a ``"near"`` match."""
NEAR_CONTENT = 0.5
"""Smallest share of a quotation's content words (not stopwords) in a ``"near"`` window."""

TRACE_COLUMNS = [
    "quote", "start", "end", "source_start", "source_end", "source_text", "similarity", "match",
]  # fmt: skip
QUOTE_SHARE_COLUMNS = [
    "theme", "parent", "is_root", "in_quotes", "outside", "total", "quote_share", "paraphrase_share",
    "tokens_in_quotes", "tokens_outside", "per_1000_in_quotes", "per_1000_outside",
]  # fmt: skip
AGREEMENT_COLUMNS = ["theme", "n", "both", "a_only", "b_only", "neither", "po", "pe", "kappa"]
DISAGREEMENT_COLUMNS = ["theme", "a_index", "b_index", "status", "hit_in"]

_CLOSERS = {"»": "«", "\u201d": "\u201c"}
_MARKS = re.compile('[«»\u201c\u201d"]')
_WORD = re.compile(r"\S*\w\S*")


# ----------------------------------------------------------------------------- quotes
@dataclass(frozen=True)
class Quote:
    """One quotation of a text.

    ``text`` is the passage without its marks and inner spaces, line breaks kept;
    ``text == searched_text[start:end]``; ``mark`` is the opening mark (``«``, ``“``, ``"``).
    """

    text: str
    start: int
    end: int
    mark: str


def _paragraph_quotes(text: str, p_start: int, p_end: int) -> Iterator[tuple[int, int, str]]:
    """Outermost balanced (open, close, mark) pairs of one paragraph (offsets of the marks)."""
    stack: list[tuple[str, int]] = []
    for m in _MARKS.finditer(text, p_start, p_end):
        ch, i = m.group(), m.start()
        if ch == '"' and any(mark == '"' for mark, _ in stack):
            opener = '"'
        elif ch in _CLOSERS:
            opener = _CLOSERS[ch]
        else:
            stack.append((ch, i))
            continue
        if not any(mark == opener for mark, _ in stack):
            continue  # a closing mark without its opening mark: ignored
        while stack[-1][0] != opener:  # openers left unclosed inside: dropped
            stack.pop()
        _, j = stack.pop()
        if not stack:
            yield j, i, opener


def find_quotes(text: str, *, min_words: int = MIN_WORDS) -> list[Quote]:
    """Find the quotations of a text: « … », “ … ” and "…".

    Parameters
    ----------
    text : str
        A press text, raw or cleaned (cleaning turns “ ” into ``"``).
    min_words : int
        Shorter quotations (whitespace-separated words holding a letter or digit) are
        left out: a quoted word or title is not a quotation of the source.

    Returns
    -------
    list of Quote
        In text order. Only outermost quotations are returned: a quotation inside
        another is part of it.

    Notes
    -----
    Marks pair within a paragraph (:func:`analysis.tokens.paragraph_spans`): a quotation
    may run over a line break, never over a blank line. A plain ``"`` closes the open
    ``"`` if any, else opens. Unclosed opening marks and closing marks without an opening
    mark are ignored. Spaces inside the marks (no-break, narrow no-break) are left out.

    Examples
    --------
    >>> text = "Le ministre a dit\u202f: «\u202fla paix en Syldavie est proche\u202f». Fin « ouvert."
    >>> [(q.text, q.mark) for q in find_quotes(text)]
    [('la paix en Syldavie est proche', '«')]
    >>> [q.text for q in find_quotes('Il a parlé de “sécurité”, puis: "nous resterons unis".')]
    ['nous resterons unis']
    """
    out = []
    for p_start, p_end in paragraph_spans(text):
        for open_at, close_at, mark in _paragraph_quotes(text, p_start, p_end):
            inner = text[open_at + 1 : close_at]
            stripped = inner.strip()
            if len(_WORD.findall(stripped)) < min_words:
                continue
            start = open_at + 1 + (len(inner) - len(inner.lstrip()))
            out.append(Quote(stripped, start, start + len(stripped), mark))
    logger.debug("found %d quotations", len(out))
    return out


def _keyed(text: str, language: str) -> tuple[list[str], list[tuple[int, int]]]:
    """Match keys of the non-punctuation tokens of a text, with their character spans."""
    toks = [t for t in tokenize(text, language) if t[3] != "punct"]
    return [match_key(t[0]) for t in toks], [(t[1], t[2]) for t in toks]


def _find_run(needle: Sequence[str], haystack: Sequence[str]) -> int:
    """First index where ``needle`` occurs in ``haystack`` as a run, -1 when absent."""
    m = len(needle)
    if not m:
        return -1
    first = needle[0]
    for i in range(len(haystack) - m + 1):
        if haystack[i] == first and list(haystack[i : i + m]) == list(needle):
            return i
    return -1


def _best_window(needle: Sequence[str], haystack: Sequence[str]) -> tuple[float, int, int]:
    """The window of ``haystack`` most similar to ``needle``: (ratio, start, end).

    Windows (see :func:`trace_quotes`) start on a key of the quote; ``ratio()`` is
    computed only when ``real_quick_ratio()`` and ``quick_ratio()`` (upper bounds) can
    beat the best so far. Ties go to the leftmost start, then to the length closest to ``m``.
    """
    m, n = len(needle), len(haystack)
    d = max(2, m // 4)
    lengths = sorted(range(max(1, m - d), min(n, m + d) + 1), key=lambda L: (abs(L - m), L))
    sm = difflib.SequenceMatcher(autojunk=False)
    sm.set_seq2(list(needle))  # seq2 is the one SequenceMatcher caches
    wanted = set(needle)
    best = (0.0, 0, 0)
    for i in (i for i in range(n) if haystack[i] in wanted):
        for L in lengths:
            if i + L > n:
                continue
            sm.set_seq1(list(haystack[i : i + L]))
            if sm.real_quick_ratio() <= best[0] or sm.quick_ratio() <= best[0]:
                continue
            r = sm.ratio()
            if r > best[0]:
                best = (r, i, i + L)
    return best


def trace_quotes(
    press_text: str,
    source_text: str,
    *,
    language: str,
    quotes: Iterable[Quote] | None = None,
    near: float = NEAR_THRESHOLD,
) -> pd.DataFrame:
    """Locate each quotation of a press text in its source statement.

    Parameters
    ----------
    press_text, source_text : str
        The press text (the quotations' spans index it) and the statement quoted.
    language : {"fr", "en"}
        Tokenisation rules for both texts.
    quotes : iterable of Quote, optional
        Quotations to trace (default: :func:`find_quotes` of ``press_text``).
    near : float
        Smallest similarity of a ``"near"`` match.

    Returns
    -------
    pandas.DataFrame
        One row per quotation: ``quote, start, end`` (in the press text),
        ``source_start, source_end, source_text`` (the passage found in the source;
        missing for ``"none"``), ``similarity`` and ``match``:

        ``"exact"`` (similarity 1): the quotation's key sequence occurs as a run in the
        source's (first occurrence); ``"near"``: the best window (Notes) has a
        :class:`difflib.SequenceMatcher` ratio of at least ``near`` and holds at least
        :data:`NEAR_CONTENT` of the quotation's content words (so that *des dizaines de
        milliers de soldats* is not near *des centaines de milliers de*); ``"none"``
        otherwise (``similarity`` is still the best ratio).

    Notes
    -----
    Keys are the match keys of the non-punctuation tokens. For a quotation of ``m``
    keys, the windows tried are the runs of the source's keys that start on a key of
    the quotation, ``m - d`` to ``m + d`` long (``d = max(2, m // 4)``); the ratio is
    ``2 * matched / (m + window length)``; ties go to the leftmost window. A quotation
    stitched from two distant sentences fits no window and scores low.

    Examples
    --------
    >>> source = "Alphaland et la Syldavie renforceront leur coopération en matière de cyberdéfense."
    >>> press = "Les deux pays « renforceront leur cooperation en matiere de cyberdefense », dit-on."
    >>> trace_quotes(press, source, language="fr")[["match", "similarity"]].values.tolist()
    [['exact', 1.0]]
    """
    import pandas as pd

    if quotes is None:
        quotes = find_quotes(press_text)
    from analysis.tokens import stopwords

    stop = stopwords(language)
    src_keys, src_spans = _keyed(source_text, language)
    rows = []
    for q in quotes:
        keys, _spans = _keyed(q.text, language)
        at = _find_run(keys, src_keys)
        if at >= 0:
            sim, lo, hi, match = 1.0, at, at + len(keys), "exact"
        else:
            sim, lo, hi = _best_window(keys, src_keys)
            content = set(keys) - stop
            shared = len(content & set(src_keys[lo:hi])) / len(content) if content else 1.0
            # near: similar, and the words that carry the meaning are there, not only "des ... de"
            match = "near" if sim >= near and hi > lo and shared >= NEAR_CONTENT else "none"
        if match == "none":
            s_start = s_end = s_text = None
        else:
            s_start, s_end = src_spans[lo][0], src_spans[hi - 1][1]
            s_text = source_text[s_start:s_end]
        rows.append((q.text, q.start, q.end, s_start, s_end, s_text, float(sim), match))
    out = pd.DataFrame(rows, columns=TRACE_COLUMNS)
    for col in ("start", "end", "source_start", "source_end"):
        out[col] = out[col].astype("Int64")
    out["similarity"] = out["similarity"].astype("float64")
    logger.info("traced %d quotations: %s", len(out), out["match"].value_counts().to_dict())
    return out


def _one_document(toks: Tokens) -> str:
    ids = list(dict.fromkeys(toks.docs["doc_id"]))
    if len(ids) != 1:
        raise ValueError(f"expected the tokens of one document, got {len(ids)}: {ids[:5]}")
    return ids[0]


def _share(part: float, total: float) -> float:
    return part / total if total else math.nan


def quote_share(
    press_toks: Tokens, dictionary: Dictionary, quotes: Iterable[Quote] | None = None
) -> pd.DataFrame:
    """Split a press text's theme hits into quotation and paraphrase.

    Parameters
    ----------
    press_toks : Tokens
        Tokens of one document.
    dictionary : Dictionary
        The instrument.
    quotes : iterable of Quote, optional
        Quotations indexing the document's text (default: :func:`find_quotes` of it).

    Returns
    -------
    pandas.DataFrame
        One row per theme, in dictionary order: ``theme, parent, is_root``,
        ``in_quotes``, ``outside`` (paraphrase), ``total``, ``quote_share`` and
        ``paraphrase_share`` (NaN without hits), ``tokens_in_quotes`` and
        ``tokens_outside`` (non-punctuation tokens) and the two rates per 1,000 tokens.

    Notes
    -----
    Hits are those of :func:`analysis.lookup.tokens_lookup` (a subtheme's also count for
    its parent). A hit is inside when its first character is in a quotation's span; none
    straddles a mark, since phrases never cross punctuation tokens.

    Examples
    --------
    >>> from analysis.dictionary import dictionary
    >>> from analysis.tokens import tokens
    >>> d = dictionary({"name": "d", "version": "1", "description": "Synthetic.",
    ...     "themes": {"peace": {"label": {"fr": "Paix", "en": "Peace"},
    ...                          "description": "Peace.", "fr": ["paix"]}}})
    >>> toks = tokens("La paix, dit-il : « la paix est notre but ».", language="fr")
    >>> quote_share(toks, d)[["theme", "in_quotes", "outside", "quote_share"]].values.tolist()
    [['peace', 1, 1, 0.5]]
    """
    import pandas as pd

    from analysis.lookup import tokens_lookup

    _one_document(press_toks)
    if quotes is None:
        quotes = find_quotes(str(press_toks.docs["text"].iloc[0]))
    spans = sorted((q.start, q.end) for q in quotes)
    starts = [s for s, _ in spans]

    def inside(char: int) -> bool:
        k = bisect.bisect_right(starts, char) - 1
        return k >= 0 and char < spans[k][1]

    words = press_toks.data[press_toks.data["kind"] != "punct"]
    n_in = sum(inside(int(c)) for c in words["start"])
    n_out = len(words) - n_in
    hits = tokens_lookup(press_toks, dictionary).hits
    counts: dict[str, list[int]] = {t.id: [0, 0] for t in dictionary.themes}
    for theme, char in zip(hits["theme"], hits["char_start"], strict=True):
        counts[theme][0 if inside(int(char)) else 1] += 1
    rows = []
    for t in dictionary.themes:
        q, o = counts[t.id]
        rows.append((
            t.id, t.parent, t.parent is None, q, o, q + o, _share(q, q + o), _share(o, q + o),
            n_in, n_out, _share(1000.0 * q, n_in), _share(1000.0 * o, n_out),
        ))  # fmt: skip
    out = pd.DataFrame(rows, columns=QUOTE_SHARE_COLUMNS)
    for col in ("in_quotes", "outside", "total", "tokens_in_quotes", "tokens_outside"):
        out[col] = out[col].astype("int64")
    return out


# ------------------------------------------------------------------ parallel versions
def sentence_theme_hits(toks: Tokens, dictionary: Dictionary) -> dict[int, set[str]]:
    """Themes hit in each sentence of one document.

    Returns
    -------
    dict of int to set of str
        Every sentence id of ``toks.data["sentence"]`` (0-based) of the one document of
        ``toks`` to the themes hit in it (empty when none; a subtheme's hit counts for
        its parent too).

    Examples
    --------
    >>> from analysis.dictionary import dictionary
    >>> from analysis.tokens import tokens
    >>> d = dictionary({"name": "d", "version": "1", "description": "Synthetic.",
    ...     "themes": {"peace": {"label": {"fr": "Paix", "en": "Peace"},
    ...                          "description": "Peace.", "fr": ["paix"], "en": ["peace"]}}})
    >>> sentence_theme_hits(tokens("Il pleut. La paix vient.", language="fr"), d)
    {0: set(), 1: {'peace'}}
    """
    from analysis.lookup import tokens_lookup

    _one_document(toks)
    out: dict[int, set[str]] = {int(s): set() for s in toks.data["sentence"].unique()}
    hits = tokens_lookup(toks, dictionary).hits
    for sentence, theme in zip(hits["sentence"], hits["theme"], strict=True):
        out.setdefault(int(sentence), set()).add(theme)
    return dict(sorted(out.items()))


def cohen_kappa(both: int, a_only: int, b_only: int, neither: int) -> tuple[float, float, float]:
    """Cohen's κ of a 2×2 table of two binary judgements: (po, pe, kappa).

    ``po = (both + neither) / n`` is the observed agreement, ``pe`` the agreement
    expected from the margins, ``kappa = (po - pe) / (1 - pe)``. κ is undefined (NaN)
    when ``pe == 1``: both versions hit the theme in every pair, or both in none.
    κ is 0 when only one version is constant (``po == pe``). All three are NaN when
    the table is empty.

    Examples
    --------
    >>> [round(x, 3) for x in cohen_kappa(20, 5, 10, 15)]
    [0.7, 0.5, 0.4]
    >>> cohen_kappa(0, 0, 0, 12)
    (1.0, 1.0, nan)
    """
    n = both + a_only + b_only + neither
    if n == 0:
        return math.nan, math.nan, math.nan
    po = (both + neither) / n
    a_yes, b_yes = (both + a_only) / n, (both + b_only) / n
    pe = a_yes * b_yes + (1 - a_yes) * (1 - b_yes)
    if math.isclose(pe, 1.0):
        return po, 1.0, math.nan
    if math.isclose(po, pe, abs_tol=1e-12):  # no agreement beyond chance: exactly 0, not -3e-16
        return po, pe, 0.0
    return po, pe, (po - pe) / (1 - pe)


@dataclass
class Agreement:
    """Result of :func:`parallel_agreement`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per theme: ``theme, n`` (aligned pairs compared), ``both, a_only,
        b_only, neither`` (the 2×2 counts), ``po, pe, kappa`` (see :func:`cohen_kappa`).
    disagreements : pandas.DataFrame
        ``theme, a_index, b_index, status, hit_in`` (``"a"`` or ``"b"``, the version
        that hits): the pairs where one version hits the theme and the other does not.
    """

    table: pd.DataFrame
    disagreements: pd.DataFrame


def _indexes(value: Any) -> list[int] | None:
    """Sentence indexes of one side of an alignment row (None when the side is missing)."""
    if isinstance(value, str):
        return [int(v) for v in re.findall(r"\d+", value)] or None
    if isinstance(value, Iterable):
        return [int(v) for v in value] or None
    import pandas as pd

    return None if pd.isna(value) else [int(value)]


def _themes_of(indexes: list[int], hits: Mapping[int, Iterable[str]]) -> set[str]:
    out: set[str] = set()
    for i in indexes:
        out.update(hits.get(i, ()))
    return out


def parallel_agreement(
    alignment: pd.DataFrame,
    a_hits: Mapping[int, Iterable[str]],
    b_hits: Mapping[int, Iterable[str]],
    *,
    themes: Sequence[str] | None = None,
    statuses: Sequence[str] = ("kept", "reworded", "translated"),
) -> Agreement:
    """Per-theme agreement of two versions' hits on aligned sentence pairs (Cohen's κ).

    Parameters
    ----------
    alignment : pandas.DataFrame
        Columns ``a_index, b_index, status``: one row per aligned pair of sentence
        indexes (those of :func:`sentence_theme_hits`). A side may hold several
        indexes (a list, or text such as ``"3;4"``) for a one-to-many pair: the themes
        of its sentences are pooled. Rows whose status is not in ``statuses``, or with
        a missing side, are left out.
    a_hits, b_hits : mapping of int to set of str
        Themes hit in each sentence of version A and of version B.
    themes : sequence of str, optional
        Themes to report (e.g. ``dictionary.theme_ids()``); default: every theme hit
        in either version, sorted.
    statuses : sequence of str
        Statuses of the pairs compared.

    Returns
    -------
    Agreement
        ``table`` (κ and the 2×2 counts per theme) and ``disagreements``.

    Notes
    -----
    For each theme, each compared pair is one item judged twice ("hit in the A
    sentence", "hit in the B sentence"). κ is NaN when undefined (see :func:`cohen_kappa`).

    Examples
    --------
    >>> import pandas as pd
    >>> al = pd.DataFrame({"a_index": [0, 1, 2], "b_index": [0, 1, 2],
    ...                    "status": ["kept", "reworded", "kept"]})
    >>> res = parallel_agreement(al, {0: {"peace"}, 1: set(), 2: {"peace"}},
    ...                          {0: {"peace"}, 1: set(), 2: set()})
    >>> res.table[["theme", "both", "a_only", "b_only", "neither"]].values.tolist()
    [['peace', 1, 1, 0, 1]]
    >>> res.disagreements[["a_index", "b_index", "hit_in"]].values.tolist()
    [[2, 2, 'a']]
    """
    import pandas as pd

    missing = {"a_index", "b_index", "status"} - set(alignment.columns)
    if missing:
        raise ValueError(f"alignment lacks columns {sorted(missing)}")
    pairs = []
    columns = (alignment[c] for c in ("a_index", "b_index", "status"))
    a_counts = alignment["a_count"] if "a_count" in alignment else [1] * len(alignment)
    b_counts = alignment["b_count"] if "b_count" in alignment else [1] * len(alignment)
    for (a_raw, b_raw, status), na, nb in zip(zip(*columns, strict=True), a_counts, b_counts, strict=True):
        a_idx, b_idx = _indexes(a_raw), _indexes(b_raw)
        # a merged row (a_count or b_count 2) holds consecutive sentences from its first index
        if a_idx is not None and len(a_idx) == 1 and int(na) > 1:
            a_idx = list(range(a_idx[0], a_idx[0] + int(na)))
        if b_idx is not None and len(b_idx) == 1 and int(nb) > 1:
            b_idx = list(range(b_idx[0], b_idx[0] + int(nb)))
        if status in statuses and a_idx is not None and b_idx is not None:
            pairs.append((a_raw, b_raw, status, _themes_of(a_idx, a_hits), _themes_of(b_idx, b_hits)))
    if themes is None:
        themes = sorted(set().union(*(a | b for *_, a, b in pairs)) if pairs else set())
    rows, diffs = [], []
    for theme in themes:
        cells = {"both": 0, "a_only": 0, "b_only": 0, "neither": 0}
        for a_raw, b_raw, status, a_set, b_set in pairs:
            in_a, in_b = theme in a_set, theme in b_set
            cell = "both" if in_a and in_b else "a_only" if in_a else "b_only" if in_b else "neither"
            cells[cell] += 1
            if in_a != in_b:
                diffs.append((theme, a_raw, b_raw, status, "a" if in_a else "b"))
        po, pe, kappa = cohen_kappa(cells["both"], cells["a_only"], cells["b_only"], cells["neither"])
        rows.append((theme, len(pairs), *cells.values(), po, pe, kappa))
    table = pd.DataFrame(rows, columns=AGREEMENT_COLUMNS)
    for col in ("n", "both", "a_only", "b_only", "neither"):
        table[col] = table[col].astype("int64")
    for col in ("po", "pe", "kappa"):
        table[col] = table[col].astype("float64")
    logger.info("agreement on %d aligned pairs for %d themes", len(pairs), len(table))
    return Agreement(table=table, disagreements=pd.DataFrame(diffs, columns=DISAGREEMENT_COLUMNS))
