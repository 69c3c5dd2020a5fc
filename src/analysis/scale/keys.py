"""Folded keys of a cleaned text, fast: the tokeniser's rules applied through a types table.

Corpus-scale counting needs, per document, only the folded key of every token
(None for punctuation and at each paragraph end) and the number of tokens,
not the per-token table of :func:`analysis.tokens.tokens`. :class:`KeyReader`
gives them with the tokeniser's own compiled pattern
(:func:`analysis.tokens._token_regex`: one definition of the rules), applied
once per distinct whitespace-delimited chunk of text instead of once per
occurrence, as quanteda codes tokens over a table of types:

- no token contains whitespace except a number with a space separator
  (``1 000``, ``10 %``), and every lookaround of the pattern sees the same thing
  at the edge of a chunk whether the chunk stands alone or between spaces (a
  space, a line break or nothing are all neither a word character nor ``.``
  or ``,``); so a paragraph's tokens are the concatenation of its chunks'
  tokens, and each distinct chunk is tokenised once;
- a paragraph where a digit, such a separator and a digit or ``%`` follow
  each other is tokenised whole, as :func:`analysis.tokens.tokens` does.

``tests/test_scale_keys.py`` compares the keys with those of
:func:`analysis.tokens.tokens` on every shared statement and on drawn texts.

Examples
--------
>>> KeyReader("fr").keys("L’Ukraine et 10 000 soldats.\\n\\nLa paix.")
["l'", 'ukraine', 'et', '10 000', 'soldats', None, None, 'la', 'paix', None, None]
"""

from __future__ import annotations

import itertools
import logging
import re

from analysis.dictionary import fold
from analysis.tokens import _SPACE_SEP, _token_regex, match_key, paragraph_spans

logger = logging.getLogger(__name__)

__all__ = ["KeyReader"]

CACHE_LIMIT = 1_000_000
"""Distinct chunks (and surfaces) kept before a table starts afresh: memory stays flat."""

_JOINED_NUMBER = re.compile(rf"\d{_SPACE_SEP}[\d%]")
"""Where a token may span whitespace: a number with a space separator or before ``%``."""


class _Surfaces(dict):
    """surface -> folded match key (None for punctuation), once per distinct surface."""

    def __init__(self, accent_sensitive: bool):
        super().__init__()
        self.accent_sensitive = accent_sensitive

    def __missing__(self, surface: str) -> str | None:
        # the pattern's only one-character alternative for a non-word character is
        # ``punct`` ([^\w\s]); \w is str.isalnum() or "_" in Python's re
        if len(surface) == 1 and not (surface.isalnum() or surface == "_"):
            key = None
        else:  # tokens_lookup folds the ``key`` column (``lower`` when accent-sensitive)
            acc = self.accent_sensitive
            key = fold(match_key(surface, accents=acc), acc)
        self[surface] = key
        return key


class _Chunks(dict):
    """whitespace-free chunk -> the keys of its tokens, once per distinct chunk."""

    def __init__(self, findall, surfaces: _Surfaces):
        super().__init__()
        self.findall = findall
        self.surfaces = surfaces

    def __missing__(self, chunk: str) -> tuple[str | None, ...]:
        keys = self[chunk] = tuple(map(self.surfaces.__getitem__, self.findall(chunk)))
        return keys


class KeyReader:
    """The folded keys of cleaned texts of one language.

    Parameters
    ----------
    language : {"fr", "en"}
    accent_sensitive : bool
        Fold as a dictionary with ``accent_sensitive: true`` does.

    Examples
    --------
    >>> r = KeyReader("en")
    >>> r.keys("France's allies don't wait.")
    ['france', "'s", 'allies', 'do', "n't", 'wait', None, None]
    >>> r.n_tokens(r.keys("France's allies don't wait."))
    6
    """

    def __init__(self, language: str, accent_sensitive: bool = False):
        self.language = language
        # the tokeniser's pattern without named groups: findall returns the surfaces
        pattern = re.sub(r"\(\?P<\w+>", "(?:", _token_regex(language).pattern)
        self._findall = re.compile(pattern).findall
        self._surfaces = _Surfaces(accent_sensitive)
        self._chunks = _Chunks(self._findall, self._surfaces)

    def keys(self, text: str) -> list[str | None]:
        """Keys of a cleaned text: None for punctuation and after each paragraph.

        Parameters
        ----------
        text : str
            Cleaned text (paragraphs separated by blank lines).

        Returns
        -------
        list of str or None
        """
        if len(self._chunks) > CACHE_LIMIT or len(self._surfaces) > CACHE_LIMIT:
            self._chunks.clear()
            self._surfaces.clear()
        if text.count("\n") == 2 * text.count("\n\n"):
            # every line break is half of a blank line (a cleaned text): paragraph_spans
            # cuts at each "\n\n" and strips
            paragraphs = [p for p in (p.strip() for p in text.split("\n\n")) if p]
        else:
            paragraphs = [text[start:end] for start, end in paragraph_spans(text)]
        chunks = self._chunks.__getitem__
        out: list[str | None] = []
        for paragraph in paragraphs:
            if _JOINED_NUMBER.search(paragraph):
                out.extend(map(self._surfaces.__getitem__, self._findall(paragraph)))
            else:
                out.extend(itertools.chain.from_iterable(map(chunks, paragraph.split())))
            out.append(None)
        return out

    @staticmethod
    def n_tokens(keys: list[str | None]) -> int:
        """Tokens among ``keys`` (punctuation and paragraph ends excluded)."""
        return len(keys) - keys.count(None)
