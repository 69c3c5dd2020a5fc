"""Synthetic French documents for the stream tests, recombined from the seed article's sentences.

Moved from the first version's ``analysis.bench`` (the benchmark now measures real text):
the same generator, so the tests draw the same corpora as before. Synthetic on purpose: each
title says "Déclaration synthétique".
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from typing import Any

from analysis import config


def seed_sentences() -> tuple[str, ...]:
    """Sentences of the seed article, cleaned and split with the project's own rules.

    Examples
    --------
    >>> len(seed_sentences()) > 10
    True
    """
    from analysis.clean import clean_text
    from analysis.corpus import read_text
    from analysis.tokens import paragraph_spans, sentence_spans

    text, _encoding = read_text(config.RAW_DIR / f"{config.DEFAULT_FOCUS_ID}.txt")
    cleaned = clean_text(text, language="fr").text
    out = []
    for p_start, p_end in paragraph_spans(cleaned):
        paragraph = cleaned[p_start:p_end]
        out.extend(paragraph[a:b] for a, b in sentence_spans(paragraph, "fr"))
    return tuple(out)


def _strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def vary(sentence: str, rng: random.Random) -> str:
    """Return a sentence with random case, accent, apostrophe and normalisation variation.

    Each word is kept (most often), upper-cased, capitalised, lower-cased,
    stripped of its accents or written in decomposed form (NFD); apostrophes
    become ``’`` at random.

    Examples
    --------
    >>> vary("Sécurité de l'Europe", random.Random(3)) != "Sécurité de l'Europe"
    True
    """
    words = sentence.split(" ")
    out = []
    for word in words:
        r = rng.random()
        if r < 0.08:
            word = word.upper()
        elif r < 0.16:
            word = word.capitalize()
        elif r < 0.22:
            word = word.lower()
        elif r < 0.30:
            word = _strip_accents(word)
        elif r < 0.34:
            word = unicodedata.normalize("NFD", word)
        if "'" in word and rng.random() < 0.4:
            word = word.replace("'", "\u2019")
        out.append(word)
    return " ".join(out)


def synthetic_documents(
    *, n_docs: int | None = None, n_bytes: int | None = None, seed: int = 0
) -> Iterator[dict[str, Any]]:
    """Yield synthetic French documents recombined from the seed article's sentences.

    Each document has a title line (repeated in ``title``, so cleaning drops it)
    and 3 to 7 paragraphs of 1 to 4 varied sentences. Generation stops after
    ``n_docs`` documents or once ``n_bytes`` UTF-8 bytes of text were produced.

    Parameters
    ----------
    n_docs : int, optional
        Number of documents.
    n_bytes : int, optional
        Approximate total size of the texts.
    seed : int
        Seed of the random generator (same seed, same corpus).

    Examples
    --------
    >>> d = next(synthetic_documents(n_docs=1, seed=0))
    >>> sorted(d)
    ['date', 'doc_id', 'genre', 'language', 'text', 'title']
    >>> d["text"].startswith(d["title"])
    True
    """
    if n_docs is None and n_bytes is None:
        raise ValueError("give n_docs or n_bytes")
    rng = random.Random(seed)
    sentences = seed_sentences()
    produced = 0
    i = 0
    while (n_docs is None or i < n_docs) and (n_bytes is None or produced < n_bytes):
        title = f"Déclaration synthétique n° {i} : {rng.choice(sentences)[:60].rstrip()}"
        paragraphs = [
            " ".join(vary(rng.choice(sentences), rng) for _ in range(rng.randint(1, 4)))
            for _ in range(rng.randint(3, 7))
        ]
        text = title + "\n\n" + "\n\n".join(paragraphs) + "\n"
        produced += len(text.encode("utf-8"))
        yield {
            "doc_id": f"syn-{i:06d}",
            "title": title,
            "date": f"{rng.randint(2000, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "language": "fr",
            "genre": "synthetic",
            "text": text,
        }
        i += 1

