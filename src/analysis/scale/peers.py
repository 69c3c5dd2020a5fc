"""Peers of the package's theme counter: what a researcher would use instead, for the benchmark.

Each peer turns a list of texts into a documents x themes matrix of counts
(themes in dictionary order; a theme's subthemes' patterns also count for it,
as in the package) built from the patterns of one language of a
:class:`analysis.dictionary.Dictionary`. The two baselines only touch the
text and count nothing. No peer cleans the text (the package does), none
applies exclusions, and each lacks more of the package's rules
(:attr:`Peer.lacks`). :func:`agreement` compares a peer's matrix with the
package's counts. The corpora that every measured tool reads are made here too:
:func:`repeated_records` and :func:`synthetic_documents`, written by :func:`write_jsonl`.

Examples
--------
>>> from analysis import config
>>> from analysis.dictionary import dictionary
>>> dic = dictionary(config.DEFAULT_DICTIONARY)
>>> count = make_counter("nltk", dic, "fr")
>>> m = count(["La guerre en Ukraine et l'Ukraine."])
>>> int(m[0, dic.theme_ids().index("ukraine")])
2
"""

from __future__ import annotations

import functools
import gzip
import importlib.util
import json
import logging
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np
    import pandas as pd

    from analysis.dictionary import Dictionary, Pattern

logger = logging.getLogger(__name__)

Counter_ = Callable[[list[str]], "np.ndarray | None"]
"""A peer's counter: texts in, a documents x themes matrix (or None for a baseline) out."""

_STAR = "zqxstarzq"  # stands for "*" while a tokeniser splits a pattern (letters: stays in its token)


@dataclass(frozen=True)
class Peer:
    """One peer of the package.

    Attributes
    ----------
    name : str
        Key in :data:`PEERS` and in the benchmark's CLI (``--peers``).
    label : str
        Name in the benchmark's table.
    kind : {"baseline", "vectorised", "faithful"}
        ``baseline``: touches the text, counts nothing; ``vectorised``: a
        regex count per theme in a columnar engine; ``faithful``: tokenises and
        matches words, globs or phrases on tokens.
    lacks : str
        What it does not do of the package's rules, in one short phrase.
    requires : str or None
        Module it needs (an optional dependency: ``pip install -e '.[bench]'``).
    """

    name: str
    label: str
    kind: str
    lacks: str
    requires: str | None = None

    def available(self) -> bool:
        """Whether its module can be imported here.

        Examples
        --------
        >>> PEERS["nltk"].available()
        True
        """
        return self.requires is None or importlib.util.find_spec(self.requires) is not None


PEERS: dict[str, Peer] = {
    p.name: p
    for p in (
        Peer("nfc_lower", "NFC+lower", "baseline", 'unicodedata.normalize("NFC", t).lower(): no counts'),
        Peer("findall", r"re \w+", "baseline", r're.findall(r"\w+", t): tokens only, no counts'),
        Peer(
            "polars",
            "polars regex",
            "vectorised",
            "one regex per theme on lowercased text: no accent folding, leftmost not longest match, "
            "a hyphen is a word boundary",
            "polars",
        ),
        Peer(
            "sklearn",
            "scikit-learn",
            "faithful",
            "CountVectorizer n-grams: no globs (literal words/phrases), overlapping n-grams all counted, "
            "1-letter tokens dropped",
            "sklearn",
        ),
        Peer(
            "spacy",
            "spaCy",
            "faithful",
            "blank() + PhraseMatcher(LOWER) + Matcher REGEX: no accent or apostrophe folding, "
            "no cross-theme longest match",
            "spacy",
        ),
        Peer(
            "nltk",
            "NLTK",
            "faithful",
            "RegexpTokenizer + MWETokenizer + Counter: no accent folding, no globs inside phrases, "
            "phrases merged greedily across themes",
            "nltk",
        ),
    )
}
"""The peers, by name: two baselines, one vectorised peer, three faithful ones."""


# ------------------------------------------------------------------------- patterns
def theme_patterns(dic: Dictionary, language: str) -> list[tuple[str, list[Pattern]]]:
    """Each theme with its patterns in ``language``, its subthemes' patterns included.

    Parameters
    ----------
    dic : Dictionary
        A compiled dictionary.
    language : str
        ``fr`` or ``en``.

    Returns
    -------
    list of (str, list of Pattern)
        In dictionary order (:meth:`Dictionary.theme_ids`).

    Examples
    --------
    >>> from analysis import config
    >>> from analysis.dictionary import dictionary
    >>> pats = dict(theme_patterns(dictionary(config.DEFAULT_DICTIONARY), "fr"))
    >>> "Pyongyang" in [p.text for p in pats["indo_pacific"]]  # from the subtheme korea
    True
    """
    out = []
    for theme in dic.themes:
        patterns = list(theme.patterns.get(language, ()))
        for child in theme.children:
            patterns.extend(dic.theme(child).patterns.get(language, ()))
        out.append((theme.id, patterns))
    return out


def _surface(text: str) -> str:
    """A pattern as written, in NFC lower case (peers see the text's own accents)."""
    return unicodedata.normalize("NFC", text).lower()


def pattern_regex(text: str) -> str:
    """A regex for one pattern, as a researcher would write it for lowercased text.

    ``*`` becomes ``\\w*``, either apostrophe matches either, a space matches
    any run of white space.

    Examples
    --------
    >>> pattern_regex("Guerre d'agression")
    "guerre\\\\s+d['’]agression"
    >>> pattern_regex("ukrain*")
    'ukrain\\\\w*'
    """
    out = []
    for char in _surface(text.strip()):
        if char == "*":
            out.append(r"\w*")
        elif char in "'\u2019":
            out.append("['\u2019]")
        elif char.isspace():
            if not out or out[-1] != r"\s+":
                out.append(r"\s+")
        else:
            out.append(re.escape(char))
    return "".join(out)


def theme_regexes(dic: Dictionary, language: str) -> list[tuple[str, str]]:
    """One regex per theme: its patterns as alternatives, longest first, between word boundaries.

    Examples
    --------
    >>> from analysis import config
    >>> from analysis.dictionary import dictionary
    >>> dict(theme_regexes(dictionary(config.DEFAULT_DICTIONARY), "en"))["arctic"]
    '\\\\b(?:northwest\\\\s+passage|high\\\\s+north|arctic|polar)\\\\b'
    """
    out = []
    for theme, patterns in theme_patterns(dic, language):
        alternatives = sorted({pattern_regex(p.text) for p in patterns}, key=lambda r: (-len(r), r))
        out.append((theme, r"\b(?:" + "|".join(alternatives) + r")\b" if alternatives else r"(?!)"))
    return out


# -------------------------------------------------------------------------- counters
def _nfc_lower(dic: Dictionary, language: str) -> Counter_:
    def count(texts: list[str]) -> None:
        for t in texts:
            unicodedata.normalize("NFC", t).lower()
        return None

    return count


def _findall(dic: Dictionary, language: str) -> Counter_:
    word = re.compile(r"\w+")

    def count(texts: list[str]) -> None:
        for t in texts:
            word.findall(t)
        return None

    return count


def _polars(dic: Dictionary, language: str) -> Counter_:
    import polars as pl

    exprs = [pl.col("t").str.count_matches(rx).alias(theme) for theme, rx in theme_regexes(dic, language)]

    def count(texts: list[str]) -> np.ndarray:
        frame = pl.DataFrame({"t": texts}, schema={"t": pl.String})
        return frame.lazy().with_columns(pl.col("t").str.to_lowercase()).select(exprs).collect().to_numpy()

    return count


def _sklearn(dic: Dictionary, language: str) -> Counter_:
    import numpy as np
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import CountVectorizer

    unigrams = CountVectorizer(lowercase=True, strip_accents="unicode").build_analyzer()
    themes = theme_patterns(dic, language)
    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for j, (_theme, patterns) in enumerate(themes):
        terms = {" ".join(unigrams(p.text)) for p in patterns if "*" not in p.text}
        for term in sorted(terms - {""}):
            rows.append(vocabulary.setdefault(term, len(vocabulary)))
            cols.append(j)
    longest = max((term.count(" ") + 1 for term in vocabulary), default=1)
    vectorizer = CountVectorizer(
        vocabulary=vocabulary, ngram_range=(1, longest), lowercase=True, strip_accents="unicode"
    )
    incidence = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.int64), (rows, cols)), shape=(len(vocabulary), len(themes))
    )

    def count(texts: list[str]) -> np.ndarray:
        return np.asarray((vectorizer.transform(texts) @ incidence).todense())

    return count


def _spacy(dic: Dictionary, language: str) -> Counter_:
    import numpy as np
    import spacy
    from spacy.matcher import Matcher, PhraseMatcher
    from spacy.tokens import Span
    from spacy.util import filter_spans

    nlp = spacy.blank(language)
    nlp.max_length = 10**9
    phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
    globs = Matcher(nlp.vocab)
    themes = theme_patterns(dic, language)
    column: dict[int, int] = {}

    def regex(token: str) -> str:
        return ".*".join(map(re.escape, token.split(_STAR)))

    for j, (theme, patterns) in enumerate(themes):
        column[nlp.vocab.strings.add(theme)] = j
        one_token = []  # a theme's one-token globs: one REGEX predicate (84 of them are slow)
        for p in patterns:
            doc = nlp.make_doc(_surface(p.text).replace("*", _STAR))
            if "*" not in p.text:
                phrases.add(theme, [doc])
            elif len(doc) == 1:
                one_token.append(regex(doc[0].lower_))
            else:
                tokens = [
                    {"LOWER": {"REGEX": f"^{regex(t.lower_)}$"}} if _STAR in t.lower_ else {"LOWER": t.lower_}
                    for t in doc
                ]
                globs.add(theme, [tokens])
        if one_token:
            globs.add(theme, [[{"LOWER": {"REGEX": "^(?:" + "|".join(sorted(one_token)) + ")$"}}]])

    def count(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(themes)), dtype=np.int64)
        for i, doc in enumerate(nlp.tokenizer.pipe(texts)):
            found: dict[int, list[Span]] = {}
            for match_id, start, end in [*phrases(doc), *globs(doc)]:
                found.setdefault(column[match_id], []).append(Span(doc, start, end))
            for j, spans in found.items():  # longest match within a theme, each token once
                out[i, j] = len(filter_spans(spans))
        return out

    return count


def _nltk(dic: Dictionary, language: str) -> Counter_:
    import numpy as np
    from nltk.tokenize import MWETokenizer, RegexpTokenizer

    words = RegexpTokenizer(r"\w+(?:-\w+)*")
    themes = theme_patterns(dic, language)
    literal: dict[str, set[int]] = {}
    glob_rx: list[tuple[re.Pattern, int]] = []
    mwes = []
    for j, (_theme, patterns) in enumerate(themes):
        for p in patterns:
            parts = words.tokenize(_surface(p.text).replace("*", _STAR))
            if len(parts) == 1 and _STAR in parts[0]:
                glob_rx.append((re.compile(".*".join(map(re.escape, parts[0].split(_STAR)))), j))
            elif len(parts) > 1 and not any(_STAR in part for part in parts):
                mwes.append(tuple(parts))
                literal.setdefault(" ".join(parts), set()).add(j)
            elif len(parts) == 1:
                literal.setdefault(parts[0], set()).add(j)
    merge = MWETokenizer(mwes, separator=" ")
    memo: dict[str, tuple[int, ...]] = {}

    def themes_of(token: str) -> tuple[int, ...]:
        found = set(literal.get(token, ()))
        if " " not in token:
            found.update(j for rx, j in glob_rx if rx.fullmatch(token))
        memo[token] = tuple(sorted(found))
        return memo[token]

    def count(texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), len(themes)), dtype=np.int64)
        for i, text in enumerate(texts):
            for token, n in Counter(merge.tokenize(words.tokenize(text.lower()))).items():
                hit = memo.get(token)
                for j in hit if hit is not None else themes_of(token):
                    out[i, j] += n
        return out

    return count


_FACTORIES: dict[str, Callable[[Any, str], Counter_]] = {
    "nfc_lower": _nfc_lower,
    "findall": _findall,
    "polars": _polars,
    "sklearn": _sklearn,
    "spacy": _spacy,
    "nltk": _nltk,
}


def make_counter(name: str, dic: Dictionary, language: str) -> Counter_:
    """Build the counter of one peer for one language.

    Parameters
    ----------
    name : str
        A key of :data:`PEERS`.
    dic : Dictionary
        The dictionary whose patterns it counts.
    language : str
        ``fr`` or ``en`` (the patterns and, for spaCy, the tokeniser).

    Returns
    -------
    callable
        Texts in, a ``len(texts) x len(dic.themes)`` integer matrix out (None
        for a baseline).

    Examples
    --------
    >>> from analysis import config
    >>> from analysis.dictionary import dictionary
    >>> make_counter("nfc_lower", dictionary(config.DEFAULT_DICTIONARY), "en")(["Peace."]) is None
    True
    """
    if name not in PEERS:
        raise ValueError(f"unknown peer {name!r}; expected one of {', '.join(PEERS)}")
    if not PEERS[name].available():
        raise ImportError(f"peer {name!r} needs {PEERS[name].requires} (pip install -e '.[bench]')")
    return _FACTORIES[name](dic, language)


# --------------------------------------------------- corpora (what every measured tool reads)
def _records(path: str | Path) -> Iterator[dict[str, Any]]:
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        yield from (json.loads(line) for line in fh if line.strip())


def repeated_records(records: Iterable[dict[str, Any]] | str | Path, factor: int) -> Iterator[dict[str, Any]]:
    """Yield the records ``factor`` times, the copies with new ids (``<id>~r<k>``).

    ``records`` is an iterable of dicts or a JSON Lines file, gzip or not (read
    again for each copy: nothing is held in memory).

    Examples
    --------
    >>> [r["id"] for r in repeated_records([{"id": "a", "text": "x"}, {"id": "b", "text": "y"}], 2)]
    ['a', 'b', 'a~r1', 'b~r1']
    """
    if factor < 1:
        raise ValueError("the scale factor must be at least 1")
    kept = None if isinstance(records, str | Path) else list(records)
    for k in range(factor):
        for record in _records(records) if kept is None else kept:  # type: ignore[arg-type]
            if k:
                key = "id" if "id" in record else "doc_id"
                record = {**record, key: f"{record[key]}~r{k}"}
            yield record


def write_jsonl(records: Iterable[dict[str, Any]], path: str | Path) -> dict[str, int]:
    """Write records as JSON Lines (a temporary corpus); return ``n_docs`` and ``n_bytes``.

    ``n_bytes`` counts the UTF-8 bytes of the ``text`` fields: the MB of every row.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> write_jsonl([{"id": "a", "text": "é"}], pathlib.Path(tempfile.mkdtemp()) / "c.jsonl")
    {'n_docs': 1, 'n_bytes': 2}
    """
    n_docs = n_bytes = 0
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            n_docs += 1
            n_bytes += len(record["text"].encode("utf-8"))
    return {"n_docs": n_docs, "n_bytes": n_bytes}


@functools.cache
def _seed_paragraphs() -> tuple[str, ...]:
    from analysis.corpus import read_text

    text, _encoding = read_text(config.RAW_DIR / f"{config.DEFAULT_FOCUS_ID}.txt")
    return tuple(p.strip() for p in text.split("\n\n") if len(p.strip()) > 40)


_FORMS = (str, str, str, str, str, str.upper, functools.partial(unicodedata.normalize, "NFD"))


def synthetic_documents(n_bytes: int, seed: int = 0) -> Iterator[dict[str, Any]]:
    """Yield synthetic French documents up to ``n_bytes`` of text (the seed article's paragraphs).

    Paragraphs drawn at random, each word kept or upper-cased or decomposed (NFD),
    apostrophes typographic in some paragraphs.

    Examples
    --------
    >>> docs = list(synthetic_documents(2_000, seed=1))
    >>> docs[0]["id"], docs[0]["language"]
    ('syn-000000', 'fr')
    """
    rng, paragraphs, produced, i = random.Random(seed), _seed_paragraphs(), 0, 0
    while produced < n_bytes:
        body = [" ".join(rng.choice(_FORMS)(w) for w in rng.choice(paragraphs).split(" ")) for _ in range(5)]
        body = [p.replace("'", "\u2019") if rng.random() < 0.4 else p for p in body]
        text = f"Déclaration synthétique n° {i}\n\n" + "\n\n".join(body) + "\n"
        produced += len(text.encode("utf-8"))
        yield {
            "id": f"syn-{i:06d}",
            "title": f"Déclaration synthétique n° {i}",
            "language": "fr",
            "text": text,
        }
        i += 1


def iter_text_chunks(path: str | Path, chunk_docs: int) -> Iterator[tuple[list[str], list[str]]]:
    """Read a JSON Lines corpus as a researcher would: ``(ids, texts)`` chunks of ``chunk_docs`` lines.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.jsonl"
    >>> _ = p.write_text('{"id": "a", "text": "x"}\\n{"id": "b", "text": "y"}\\n')
    >>> [ids for ids, _ in iter_text_chunks(p, 1)]
    [['a'], ['b']]
    """
    ids: list[str] = []
    texts: list[str] = []
    with open(path, "rb") as fh:
        for line in fh:
            if not line.strip():
                continue
            record = json.loads(line)
            ids.append(str(record.get("id", record.get("doc_id"))))
            texts.append(record["text"])
            if len(texts) >= chunk_docs:
                yield ids, texts
                ids, texts = [], []
    if texts:
        yield ids, texts


def run_peer(
    name: str, source: str | Path, dic: Dictionary, language: str, chunk_docs: int = 512
) -> tuple[list[str], np.ndarray | None]:
    """Count a JSON Lines corpus with one peer, chunk by chunk (the timed work of the benchmark).

    Returns
    -------
    (list of str, numpy.ndarray or None)
        Document ids in file order and the documents x themes matrix (None for a baseline).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from analysis import config
    >>> from analysis.dictionary import dictionary
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "c.jsonl"
    >>> _ = p.write_text('{"id": "a", "text": "Arctic and Arctic."}\\n')
    >>> ids, m = run_peer("nltk", p, dictionary(config.DEFAULT_DICTIONARY), "en")
    >>> ids, int(m.sum())
    (['a'], 2)
    """
    import numpy as np

    count = make_counter(name, dic, language)
    doc_ids: list[str] = []
    blocks = []
    for ids, texts in iter_text_chunks(source, chunk_docs):
        doc_ids.extend(ids)
        block = count(texts)
        if block is not None:
            blocks.append(np.asarray(block, dtype=np.int64))
    if not blocks:
        return doc_ids, None
    return doc_ids, np.vstack(blocks)


# ------------------------------------------------------------------------- agreement
def package_matrix(counts: pd.DataFrame, doc_ids: Sequence[str], themes: Sequence[str]) -> np.ndarray:
    """The package's ``count`` column as a documents x themes matrix (missing cells are 0).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"doc_id": ["a", "a"], "theme": ["x", "y"], "count": [2, 0]})
    >>> package_matrix(t, ["a", "b"], ["x", "y"]).tolist()
    [[2, 0], [0, 0]]
    """
    wide = counts.pivot_table(index="doc_id", columns="theme", values="count", aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=list(doc_ids), columns=list(themes), fill_value=0)
    return wide.fillna(0).to_numpy(dtype="int64")


def agreement(package: np.ndarray, peer: np.ndarray) -> dict[str, float]:
    """How far a peer's counts agree with the package's (same documents x themes shape).

    Returns
    -------
    dict
        ``cells_equal``: share of document x theme cells with the same count;
        ``total_ratio``: the peer's total count over the package's (NaN when
        the package counted nothing).

    Examples
    --------
    >>> import numpy as np
    >>> agreement(np.array([[1, 0], [2, 3]]), np.array([[1, 0], [2, 5]]))
    {'cells_equal': 0.75, 'total_ratio': 1.3333333333333333}
    """
    import numpy as np

    if package.shape != peer.shape:
        raise ValueError(f"shapes differ: package {package.shape}, peer {peer.shape}")
    total = float(package.sum())
    return {
        "cells_equal": float(np.mean(package == peer)) if package.size else float("nan"),
        "total_ratio": float(peer.sum()) / total if total else float("nan"),
    }
