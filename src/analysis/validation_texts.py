"""The texts a validation set points into, and their sentences with offsets.

A coded sentence is referenced by a *source*, a document id and character
offsets into that document's text **as we hold it** (never copied into the
repository):

- ``seed``: the seed article (``data/raw/manifest.csv``, shipped);
- ``corpus``: a statement of ``../shared/corpus/manifest.csv``, its text file as
  :func:`analysis.corpus.corpus` reads it (decoded, NFC);
- ``wh``, ``vp``: a record of ``../shared/bench/wh-statements-en.jsonl.gz`` or
  ``../shared/bench/vie-publique-2020-fr.jsonl.gz``, its ``text`` field NFC-normalised
  (Markdown and HTML as stored).

:func:`document_sentences` lists a text's sentences with those offsets: the
paragraph and sentence rules of :mod:`analysis.tokens`, applied to the raw text
with HTML tags blanked out (same length, so the offsets stay those of the raw
text; ``<p>`` and ``<br>`` end a paragraph).

Examples
--------
>>> [(s.start, s.end) for s in raw_sentences("<p>Un texte. Deux phrases.</p>", "fr")]
[(3, 12), (13, 26)]
"""

from __future__ import annotations

import functools
import gzip
import json
import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from analysis import config

logger = logging.getLogger(__name__)

#: Source name -> the file it reads (relative to ``../shared``; ``seed``: the shipped raw manifest).
SOURCES: dict[str, str] = {
    "seed": "",
    "corpus": "corpus/manifest.csv",
    "wh": "bench/wh-statements-en.jsonl.gz",
    "vp": "bench/vie-publique-2020-fr.jsonl.gz",
}

_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"</?(?:p|br|div|li|ul|ol|h\d)\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a held text: offsets into the raw text, and the text shown to a coder."""

    start: int
    end: int
    text: str


def _blank_tags(text: str) -> str:
    """HTML tags replaced by as many spaces (block tags by a paragraph break), offsets kept."""

    def blank(m: re.Match) -> str:
        n = len(m.group())
        if _BREAK.fullmatch(m.group()) and n >= 2:
            return "\n\n" + " " * (n - 2)
        return " " * n

    return _TAG.sub(blank, text)


def raw_sentences(text: str, language: str) -> list[Sentence]:
    """The sentences of a raw text, with offsets into it.

    Examples
    --------
    >>> s = raw_sentences("First one.\\nStill first.\\n\\nSecond paragraph.", "en")
    >>> [x.text for x in s]
    ['First one.', 'Still first.', 'Second paragraph.']
    """
    from analysis.tokens import paragraph_spans, sentence_spans

    masked = _blank_tags(text)
    out = []
    for p_start, p_end in paragraph_spans(masked):
        paragraph = masked[p_start:p_end]
        for s_start, s_end in sentence_spans(paragraph, language):
            shown = re.sub(r"\s+", " ", paragraph[s_start:s_end]).strip()
            if shown:
                out.append(Sentence(p_start + s_start, p_start + s_end, shown))
    return out


def shared_path(source: str) -> Path:
    """The file of a source under ``../shared``.

    Examples
    --------
    >>> shared_path("wh").name
    'wh-statements-en.jsonl.gz'
    """
    if source not in SOURCES:
        raise KeyError(f"unknown source {source!r}; known: {', '.join(SOURCES)}")
    if source == "seed":
        return config.RAW_MANIFEST
    return config.SHARED_DIR / SOURCES[source]


@functools.lru_cache(maxsize=4)
def _source_texts(path: str, source: str) -> dict[str, tuple[str, str]]:
    """doc id -> (language, text) of every document of a source file."""
    if source in ("seed", "corpus"):
        from analysis.corpus import corpus

        docs = corpus(Path(path)).docs
        rows = zip(docs["doc_id"], docs["language"], docs["text"], strict=True)
        return {d: (lang, t) for d, lang, t in rows}
    out = {}
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            out[str(rec["id"])] = (str(rec["language"]), unicodedata.normalize("NFC", rec["text"]))
    return out


def held_text(source: str, doc_id: str) -> tuple[str, str] | None:
    """(language, raw text) of a held document, or None when its source is absent.

    Raises ``KeyError`` when the source is present but holds no such document.

    Examples
    --------
    >>> held_text("corpus", "us-fr-2021-10-29-en")[0]  # doctest: +SKIP
    'en'
    """
    path = shared_path(source)
    if not path.exists():
        return None
    texts = _source_texts(str(path), source)
    if doc_id not in texts:
        raise KeyError(f"{source}: no document {doc_id!r} in {path}")
    return texts[doc_id]


def id_key(doc_id: str) -> str:
    """The first 16 hex digits of the sha256 of a document id: how a shipped file names a document
    whose id is a long slug of its title (no run of the source's words in the repository).

    Examples
    --------
    >>> id_key("syl-1")
    'b2190f347a836182'
    """
    import hashlib

    return hashlib.sha256(doc_id.encode("utf-8")).hexdigest()[:16]


def held_by_key(source: str, key: str) -> tuple[str, str, str] | None:
    """(doc id, language, raw text) of the held document whose :func:`id_key` is ``key``.

    None when the source is absent; ``KeyError`` when it is present without such a document.

    Examples
    --------
    >>> held_by_key("corpus", id_key("us-fr-2021-10-29-en"))[:2]  # doctest: +SKIP
    ('us-fr-2021-10-29-en', 'en')
    """
    path = shared_path(source)
    if not path.exists():
        return None
    texts = _source_texts(str(path), source)
    for doc_id, (language, text) in texts.items():
        if id_key(doc_id) == key:
            return doc_id, language, text
    raise KeyError(f"{source}: no document whose id key is {key!r} in {path}")


def document_sentences(source: str, doc_id: str) -> list[Sentence]:
    """The sentences of a held document, offsets into its raw text.

    Examples
    --------
    >>> sents = document_sentences("corpus", "us-fr-2021-10-29-en")  # doctest: +SKIP
    >>> sents[0].text[:20]  # doctest: +SKIP
    'United States-France'
    """
    held = held_text(source, doc_id)
    if held is None:
        raise FileNotFoundError(f"source {source!r} is absent ({shared_path(source)})")
    language, text = held
    return raw_sentences(text, language)
