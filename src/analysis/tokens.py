"""French- and English-aware tokens: surface form, match key, paragraph and sentence.

The tokeniser is a regular-expression tokeniser in the style of nltk's
``RegexpTokenizer`` (:func:`nltk_tokenizer` returns the same rules as an nltk
object), with rules for French and English statements:

- elided forms are split off as their own token, with either apostrophe
  (``l'Ukraine`` -> ``l'`` ``Ukraine``; ``jusqu'à`` -> ``jusqu'`` ``à``), while
  ``aujourd'hui``, ``presqu'île``, ``quelqu'un`` and ``prud'hom…`` stay whole;
- hyphenated compounds stay one token (``Indo-Pacifique``, ``franco-allemand``);
- numbers with French or English separators stay one token (``1 500 000``,
  ``2,5 %``, ``1,000.5``);
- listed abbreviations keep their full stop (``M.``, ``Mme``, ``art.``, ``n°``,
  ``Mr.``, ``U.S.``);
- English possessive ``'s`` and contractions are split as in the Penn Treebank
  (``France's`` -> ``France`` ``'s``; ``don't`` -> ``do`` ``n't``);
- every other punctuation character is a token of kind ``punct``.

Sentences come from nltk's Punkt algorithm, untrained, given the project's own
abbreviation list (no ``nltk_data`` is read), then a repair pass joins a
"sentence" that starts with a comma, a closing mark or a lower-case letter to
the previous one (press articles leave stray guillemets: ``l'information. « , lit-on``).

Each token keeps its ``surface`` form, its ``lower`` form (NFC, lower case,
apostrophes as ``'``) and its match ``key`` (``lower`` with accents folded and
œ/æ expanded). See ``docs/CONTRACTS.md`` for the table layout.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

TOKENISER_VERSION = "1.1"
"""Bumped whenever a tokenisation rule changes (travels into derived data)."""

APOSTROPHES = "'\u2019\u02bc\u2018`\u00b4"
_AP = "['\u2019\u02bc\u2018`\u00b4]"

_ELISIONS_FR = r"(?:jusqu|lorsqu|puisqu|quoiqu|qu|[ldjmnstc])"
_WHOLE_FR = rf"(?:aujourd{_AP}hui|presqu{_AP}[îi]le|quelqu{_AP}une?s?|prud{_AP}hom\w*|entr{_AP}\w+)"
_SPACE_SEP = "[ \u00a0\u202f\u2009]"
_NUMBER = (
    rf"(?<![\w.,])(?:\d{{1,3}}(?:{_SPACE_SEP}\d{{3}})+(?:,\d+)?"
    rf"|\d+(?:[.,]\d+)*)(?:{_SPACE_SEP}?%)?(?![\w])"
)
_WORD = r"\w+(?:[-\u2010\u2011]\w+)*"


def _load_abbreviations() -> dict[str, list[str]]:
    import yaml

    with open(config.ABBREVIATIONS_FILE, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    for lang in config.LANGUAGES:
        # YAML reads a bare No, Yes, On or Off as a boolean: such entries must be quoted
        wrong = [a for a in data[lang] if not isinstance(a, str)]
        if wrong:
            raise ValueError(f"{config.ABBREVIATIONS_FILE}: {lang}: not text: {wrong!r} (quote them)")
        # word characters only: the tokeniser's abbreviation rule relies on it
        wrong = [a for a in data[lang] if not re.fullmatch(r"\w+", a)]
        if wrong:
            raise ValueError(f"{config.ABBREVIATIONS_FILE}: {lang}: not a word: {wrong!r}")
    return {lang: list(data[lang]) for lang in config.LANGUAGES}


@functools.cache
def abbreviations(language: str) -> tuple[str, ...]:
    """Return the shipped abbreviations of a language (without their full stop).

    Examples
    --------
    >>> "Mme" in abbreviations("fr")
    True
    """
    return tuple(_load_abbreviations()[language])


@functools.cache
def _token_regex(language: str) -> re.Pattern[str]:
    abbrevs = sorted(abbreviations(language), key=len, reverse=True)
    abbrev = "|".join(re.escape(a) for a in abbrevs)
    parts = [
        # cheap lookahead guards first: most positions are neither abbreviations nor numbers
        rf"(?P<abbrev>(?=[^\W\d_])(?<!\w)(?:(?:[A-Z]\.){{2,}}|(?:{abbrev})\.(?!\w)|n°))",
        rf"(?P<number>(?=\d){_NUMBER})",
    ]
    if language == "fr":
        parts += [
            rf"(?P<whole>(?i:{_WHOLE_FR}))",
            rf"(?P<elision>(?i:(?<!\w){_ELISIONS_FR}{_AP})(?=\w))",
            rf"(?P<word>{_WORD})",
        ]
    else:
        parts += [
            rf"(?P<clitic>(?i:(?<=\w)n{_AP}t|{_AP}(?:s|re|ve|ll|d|m))(?!\w))",
            rf"(?P<word>\w+?(?=(?i:n{_AP}t)(?!\w))|{_WORD})",
        ]
    parts.append(r"(?P<punct>[^\w\s])")
    return re.compile("|".join(parts))


_KIND = {
    "abbrev": "word",
    "number": "number",
    "whole": "word",
    "elision": "word",
    "word": "word",
    "clitic": "word",
    "punct": "punct",
}


def tokenize(text: str, language: str = "fr") -> list[tuple[str, int, int, str]]:
    """Split a text into tokens.

    Parameters
    ----------
    text : str
        Cleaned text (see :mod:`analysis.clean`).
    language : {"fr", "en"}
        Rules to apply.

    Returns
    -------
    list of (surface, start, end, kind)
        ``kind`` is ``"word"``, ``"number"`` or ``"punct"``; offsets index ``text``.

    Examples
    --------
    >>> [t[0] for t in tokenize("l’Ukraine et l'Indo-Pacifique", "fr")]
    ['l’', 'Ukraine', 'et', "l'", 'Indo-Pacifique']
    >>> [t[0] for t in tokenize("France's allies don't wait", "en")]
    ['France', "'s", 'allies', 'do', "n't", 'wait']
    """
    if language not in config.LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {config.LANGUAGES}")
    return [
        (m.group(), m.start(), m.end(), _KIND[m.lastgroup or "punct"])
        for m in _token_regex(language).finditer(text)
    ]


def nltk_tokenizer(language: str = "fr"):
    """Return the same rules as an ``nltk.tokenize.RegexpTokenizer``.

    Useful to plug the project's tokenisation into other nltk tools. The
    project's own pipeline calls :func:`tokenize`, which applies the same
    compiled pattern without nltk's import cost.

    Examples
    --------
    >>> nltk_tokenizer("fr").tokenize("d'abord")
    ["d'", 'abord']
    """
    from nltk.tokenize import RegexpTokenizer

    pattern = re.sub(r"\(\?P<\w+>", "(?:", _token_regex(language).pattern)
    return RegexpTokenizer(pattern)


_FOLD_EXTRA = str.maketrans({"œ": "oe", "æ": "ae", "ß": "ss", "ø": "o", "ł": "l", "đ": "d"})
_APOS_TABLE = str.maketrans({c: "'" for c in APOSTROPHES})


@functools.lru_cache(maxsize=500_000)
def match_key(text: str, accents: bool = False) -> str:
    """Fold a string the way tokens are matched.

    Lower case, NFC, every apostrophe variant as ``'``; unless ``accents`` is
    true, accents are removed and ligatures expanded (œ -> oe, æ -> ae).

    Examples
    --------
    >>> match_key("Sécurité")
    'securite'
    >>> match_key("L’Œuvre")
    "l'oeuvre"
    >>> match_key("Sécurité", accents=True)
    'sécurité'
    """
    low = unicodedata.normalize("NFC", text).lower().translate(_APOS_TABLE)
    if accents:
        return low
    low = low.translate(_FOLD_EXTRA)
    if low.isascii():
        return low
    decomposed = unicodedata.normalize("NFD", low)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.cache
def stopwords(language: str) -> frozenset[str]:
    """Return the shipped stopword list of a language, as match keys.

    The lists are ours (``resources/stopwords/<lang>.txt``), documented in the files.

    Examples
    --------
    >>> "les" in stopwords("fr")
    True
    >>> "securite" in stopwords("fr")
    False
    """
    path: Path = config.STOPWORDS_DIR / f"{language}.txt"
    words = [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    return frozenset(match_key(w) for w in words)


@functools.cache
def _punkt(language: str):
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    params = PunktParameters()
    params.abbrev_types = {a.lower() for a in abbreviations(language)} | {"n°"}
    return PunktSentenceTokenizer(params)


_CONTINUATION = re.compile(r"^[\s«»\"'\u201c\u201d]*(?:[,;:)\]»]|[a-zà-öø-ÿ])")


PUNKT_MAX_CHARS = 20_000
"""Longest piece of a paragraph given to Punkt at once (characters).

nltk runs Punkt's regex under a 5 s wall-clock limit for the whole paragraph (and the
work done per match counts): a 2 MB paragraph of short sentences raised ``TimeoutError``.
Longer paragraphs are read in pieces that end at whitespace; see :func:`_punkt_spans`."""

_LAST_SPACE = re.compile(r"\s(?=\S*\Z)")
_LAST_TOKEN = re.compile(r"\s(?=\S+\s*\Z)")


def _restart(paragraph: str, lo: int, end: int) -> int:
    """Where to read on after a piece ``[.., end)`` in which Punkt found one sentence.

    At the whitespace before the last token of ``[lo, end)`` holding ``.``, ``?`` or ``!``
    (its boundary may depend on the tokens after it, some of them cut off), else before the
    last token; ``end`` when there is no whitespace to restart at. ``lo`` is after the
    piece's start, so each restart moves on, and since no mark lies between that token and
    ``end``, the piece after next starts past ``end``: linear time.
    """
    mark = max(paragraph.rfind(c, lo, end) for c in ".?!")
    if mark >= lo:
        m = _LAST_SPACE.search(paragraph, lo, mark)
        if m:
            return m.start()
    m = _LAST_TOKEN.search(paragraph, lo, end)
    return m.start() if m else end


def _punkt_spans(paragraph: str, language: str) -> list[tuple[int, int]]:
    """Punkt's sentence spans of ``paragraph``, read in pieces of at most PUNKT_MAX_CHARS.

    A paragraph up to the limit is one call, as before. A longer one is cut at the last
    whitespace before the limit; every sentence of a piece but the last is kept, and the
    next piece starts where that last (maybe truncated) sentence starts, so each boundary
    is decided with the text that follows it, as in one call (Punkt decides a boundary
    from the token that ends a sentence and the next one). When a piece holds a single
    sentence, the next piece starts at its last token (the only one read without the
    token after it) and its first sentence continues the open one, so no boundary is made
    at a cut. Each step moves on by a piece less one sentence or one token: linear time
    unless sentences are as long as a piece.
    """
    punkt = _punkt(language)
    limit = max(2, PUNKT_MAX_CHARS)
    n = len(paragraph)
    if n <= limit:
        return list(punkt.span_tokenize(paragraph))
    logger.warning(
        "a paragraph of %d characters is longer than PUNKT_MAX_CHARS=%d: "
        "Punkt reads it in pieces cut at whitespace",
        n,
        limit,
    )
    out: list[tuple[int, int]] = []
    start = 0
    open_start: int | None = None  # start of a sentence that runs on past a cut
    while True:
        end = n
        if n - start > limit:
            m = _LAST_SPACE.search(paragraph, start + 1, start + limit)
            end = m.start() if m else start + limit
        spans = [(a + start, b + start) for a, b in punkt.span_tokenize(paragraph[start:end])]
        if open_start is not None and spans:
            spans[0] = (open_start, spans[0][1])
            open_start = None
        if end == n:
            out += spans
            return out
        if len(spans) >= 2:
            out += spans[:-1]
            start = spans[-1][0]
        else:  # one sentence so far: go on from its last possible end, read without what follows
            if spans:
                open_start = spans[0][0]
            start = _restart(paragraph, start + 1, end)


def sentence_spans(paragraph: str, language: str = "fr") -> list[tuple[int, int]]:
    """Return the (start, end) offsets of the sentences of one paragraph.

    Punkt (untrained, with the shipped abbreviations) proposes boundaries; a
    proposed sentence that starts with a comma, a closing mark or a lower-case
    letter is joined to the previous one. A paragraph longer than
    :data:`PUNKT_MAX_CHARS` is read in pieces (a warning is logged; see
    :func:`_punkt_spans`).

    Examples
    --------
    >>> text = "M. Dupont arrive. Il parle."
    >>> [text[a:b] for a, b in sentence_spans(text)]
    ['M. Dupont arrive.', 'Il parle.']
    >>> text = "Contre la manipulation. « , lit-on dans le texte. Fin."
    >>> len(sentence_spans(text))
    2
    """
    spans = _punkt_spans(paragraph, language)
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and _CONTINUATION.match(paragraph[start:end]):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


_PARAGRAPH = re.compile(r"[^\n](?:.|\n(?![^\S\n]*\n))*")


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Return the (start, end) offsets of paragraphs (separated by blank lines).

    Examples
    --------
    >>> paragraph_spans("Un.\\n\\nDeux.")
    [(0, 3), (5, 10)]
    """
    spans = []
    # a line break ends the paragraph when only spaces (no line break) separate it from the
    # next one: [^\S\n]* stops at the first line break, where \s* would run to the end of
    # a long stretch of blank lines at every line break (quadratic)
    for m in _PARAGRAPH.finditer(text):
        chunk = m.group()
        stripped = chunk.strip()
        if stripped:
            start = m.start() + (len(chunk) - len(chunk.lstrip()))
            spans.append((start, start + len(stripped)))
    return spans


def _tokenize_document(text: str, language: str) -> Iterator[tuple]:
    """Yield (position, paragraph, sentence, start, end, surface, kind) for one text."""
    regex = _token_regex(language)
    position = 0
    sentence = 0
    for p_index, (p_start, p_end) in enumerate(paragraph_spans(text)):
        paragraph = text[p_start:p_end]
        for s_start, s_end in sentence_spans(paragraph, language):
            offset = p_start + s_start
            for m in regex.finditer(paragraph, s_start, s_end):
                yield (
                    position,
                    p_index,
                    sentence,
                    m.start() + p_start,
                    m.end() + p_start,
                    m.group(),
                    _KIND[m.lastgroup or "punct"],
                )
                position += 1
            sentence += 1
            del offset


@dataclass
class Tokens:
    """Tokens of a set of documents, with the operations that produced them.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per token (see ``docs/CONTRACTS.md``).
    docs : pandas.DataFrame
        One row per document: ``doc_id``, ``language``, ``text`` (the tokenised
        text), ``n_tokens`` (tokens that are not punctuation) and metadata.
    history : list of dict
        Operations applied, oldest first.
    """

    data: pd.DataFrame
    docs: pd.DataFrame
    history: list[dict[str, Any]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return (
            f"Tokens({len(self.docs)} documents, {len(self.data)} tokens, "
            f"ops={[h['op'] for h in self.history]})"
        )

    def n_tokens(self) -> pd.Series:
        """Tokens per document, punctuation excluded (the denominator of every rate)."""
        return self.docs.set_index("doc_id")["n_tokens"]


def _documents_frame(x: Any, language: str | None) -> pd.DataFrame:
    import pandas as pd

    if isinstance(x, str):
        return pd.DataFrame({"doc_id": ["text"], "text": [x], "language": [language or "fr"]})
    docs = getattr(x, "docs", x)
    if not isinstance(docs, pd.DataFrame):
        raise TypeError("tokens() takes a Corpus, a DataFrame with doc_id and text, or a str")
    missing = {"doc_id", "text"} - set(docs.columns)
    if missing:
        raise ValueError(f"documents table lacks columns {sorted(missing)}")
    docs = docs.copy()
    if "language" not in docs.columns or language is not None:
        docs["language"] = language or "fr"
    return docs


def tokens(x: Any, *, language: str | None = None) -> Tokens:
    """Tokenise documents.

    Parameters
    ----------
    x : Corpus, pandas.DataFrame or str
        A corpus (usually cleaned with :func:`analysis.clean.corpus_clean`), a table
        with ``doc_id`` and ``text`` (and ``language``), or a single text.
    language : {"fr", "en"}, optional
        Overrides the documents' ``language`` column.

    Returns
    -------
    Tokens

    Examples
    --------
    >>> toks = tokens("Le Canada soutient l'Ukraine. Il le fera.", language="fr")
    >>> toks.data["key"].tolist()[:5]
    ['le', 'canada', 'soutient', "l'", 'ukraine']
    >>> int(toks.docs["n_tokens"].iloc[0])
    8
    """
    import pandas as pd

    docs = _documents_frame(x, language)
    columns = ["position", "paragraph", "sentence", "start", "end", "surface", "kind"]
    rows: list[tuple] = []
    doc_of: list[str] = []
    lang_of: list[str] = []
    n_tokens = []
    for doc_id, text, lang in zip(docs["doc_id"], docs["text"], docs["language"], strict=True):
        before = len(rows)
        rows.extend(_tokenize_document(text, lang))
        added = len(rows) - before
        doc_of.extend([doc_id] * added)
        lang_of.extend([lang] * added)
        n_tokens.append(sum(1 for r in rows[before:] if r[6] != "punct"))
    # one table for the whole corpus (building one per document costs more than tokenising)
    data = pd.DataFrame.from_records(rows, columns=columns)
    data.insert(0, "doc_id", pd.Series(doc_of, dtype="str"))
    _add_keys(data, lang_of)
    docs = docs.assign(n_tokens=n_tokens)
    history = list(getattr(x, "history", []))
    history.append({"op": "tokens", "tokeniser_version": TOKENISER_VERSION})
    logger.info("tokenised %d documents into %d tokens", len(docs), len(data))
    return Tokens(data=data, docs=docs.reset_index(drop=True), history=history)


def _add_keys(data: pd.DataFrame, languages: list[str]) -> None:
    """Add ``lower``, ``key`` and ``is_stop`` columns, computed once per distinct surface."""
    import numpy as np

    distinct = data["surface"].unique()
    lower = {s: match_key(s, accents=True) for s in distinct}
    key = {s: match_key(s) for s in distinct}
    data["lower"] = data["surface"].map(lower)
    data["key"] = data["surface"].map(key)
    is_stop = np.zeros(len(data), dtype=bool)
    lang_array = np.asarray(languages, dtype=object)
    for lang in set(languages):
        mask = lang_array == lang
        is_stop[mask] = data.loc[mask, "key"].isin(stopwords(lang)).to_numpy()
    data["is_stop"] = is_stop
    for col in ("position", "paragraph", "sentence", "start", "end"):
        data[col] = data[col].astype("int64")


def tokens_remove(toks: Tokens, *, stopwords: bool = True, punct: bool = True) -> Tokens:
    """Return tokens without stopwords and/or punctuation (positions are kept).

    Examples
    --------
    >>> toks = tokens_remove(tokens("Le Canada et la France.", language="fr"))
    >>> toks.data["key"].tolist()
    ['canada', 'france']
    """
    mask = True
    if stopwords:
        mask = ~toks.data["is_stop"]
    if punct:
        mask = mask & (toks.data["kind"] != "punct")
    data = toks.data[mask].reset_index(drop=True)
    history = [*toks.history, {"op": "tokens_remove", "stopwords": stopwords, "punct": punct}]
    return Tokens(data=data, docs=toks.docs, history=history)


def tokens_wordstem(toks: Tokens) -> Tokens:
    """Return tokens with a ``stem`` column (nltk Snowball, by document language).

    Stems are an exploration aid; theme counting never uses them (globs cover
    endings, and stems are accent-sensitive).

    Examples
    --------
    >>> tokens_wordstem(tokens("sécurités", language="fr")).data["stem"].tolist()
    ['sécur']
    """
    from nltk.stem.snowball import SnowballStemmer

    names = {"fr": "french", "en": "english"}
    lang_of = toks.docs.set_index("doc_id")["language"]
    stemmers = {lang: SnowballStemmer(names[lang]) for lang in set(lang_of)}
    data = toks.data.copy()
    data["stem"] = [
        stemmers[lang_of[d]].stem(low) if kind != "punct" else low
        for d, low, kind in zip(data["doc_id"], data["lower"], data["kind"], strict=True)
    ]
    return Tokens(data=data, docs=toks.docs, history=[*toks.history, {"op": "tokens_wordstem"}])


def key_counts(toks: Tokens) -> pd.DataFrame:
    """Count token types (match keys) per document, punctuation excluded.

    Returns
    -------
    pandas.DataFrame
        ``doc_id, key, count`` sorted by document then key.

    Examples
    --------
    >>> key_counts(tokens("Paix, paix et PAIX.", language="fr")).values.tolist()
    [['text', 'et', 1], ['text', 'paix', 3]]
    """
    words = toks.data[toks.data["kind"] != "punct"]
    out = words.groupby(["doc_id", "key"], sort=True).size().rename("count").reset_index()
    out["count"] = out["count"].astype("int64")
    return out


def iter_surface(text: str, language: str = "fr") -> Iterable[tuple[str, str]]:
    """Yield ``(surface, key)`` for each token of a text (the ``tokens`` CLI).

    Examples
    --------
    >>> list(iter_surface("l'Été", "fr"))
    [("l'", "l'"), ('Été', 'ete')]
    """
    for surface, _start, _end, _kind in tokenize(text, language):
        yield surface, match_key(surface)
