"""Dictionary patterns: the folding of tokens, globs matched in linear time, compiled patterns.

A pattern is a word (``arctique``), a glob where ``*`` stands for zero or more
characters inside one token (``ukrain*``), or a phrase of several tokens
(``manipulation de l'information``), split with the tokeniser of the texts
(:func:`analysis.tokens.tokenize`) and folded with :func:`fold`. A part written
``lemma:renforcer`` matches a token whose lemma is ``renforcer`` (see
:data:`LEMMA_PREFIX` and :mod:`analysis.lemmas`).
:mod:`analysis.dictionary` re-exports every public name of this module.

Examples
--------
>>> compile_pattern("ukrain*", "fr").kind
'glob'
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from analysis.tokens import match_key, tokenize

logger = logging.getLogger(__name__)

__all__ = ["LEMMA_PREFIX", "LEMMA_SEP", "Glob", "Pattern", "compile_pattern", "fold"]

LEMMA_PREFIX = "lemma:"
"""A pattern part written ``lemma:WORD`` matches every token whose lemma is WORD (folded as keys are).

No token key holds ``:`` (the tokeniser makes it a token of its own), so a lemma part never
equals a key. One token per lemma part, no ``*``; see :func:`compile_pattern`."""

LEMMA_SEP = "\x1f"
"""Joins a token's key and its folded lemma in the keys the engine reads (``key + LEMMA_SEP + lemma``).

Whitespace to the tokeniser, so no token holds it; :func:`analysis.lookup._document_keys` writes
such keys when the matcher has lemma parts (:attr:`analysis.matcher.Matcher.uses_lemmas`)."""

_ALLOWED = re.compile(r"^[\w\-\u2010\u2011'\u2019 *]+$")
_STAR = "qqstarqq"  # stands for '*' while a pattern goes through the tokeniser
_HYPHENS = str.maketrans({"\u2010": "-", "\u2011": "-"})


def fold(text: str, accent_sensitive: bool = False) -> str:
    """Fold one token the way dictionary matching compares tokens.

    :func:`analysis.tokens.match_key` (lower case, ``'`` for every apostrophe,
    accents folded unless ``accent_sensitive``), plus non-breaking hyphens as ``-``.

    Examples
    --------
    >>> fold("Sécurité")
    'securite'
    >>> fold("Indo\u2011Pacifique")
    'indo-pacifique'
    >>> fold("Sécurité", accent_sensitive=True)
    'sécurité'
    """
    return match_key(text, accents=accent_sensitive).translate(_HYPHENS)


class Glob:
    """A glob part (``*`` = zero or more characters), matched in linear time.

    A regex ``a.*a.*...b`` backtracks: ``a*a*a*a*a*a*a*a*a*a*a*b`` took 93 s against a
    token of 5,000 ``a``. A ``*``-only glob needs no backtracking: the key must start
    with the text before the first ``*`` and end with the text after the last one, and
    the pieces in between are found left to right, each at its first place after the
    previous one (the leftmost place leaves the most room for the rest), with
    :meth:`str.find` inside the part of the key the head and tail leave.

    ``*`` never matches a hyphen (rule 1): ``russia*`` matches ``russian`` but not the
    compound ``russia-ukraine``, whose parts rule 7 then reads. A key with hyphens is
    matched part by part against the pattern's own parts, in the same number.

    Parameters
    ----------
    part : str
        A folded pattern part containing ``*`` (consecutive ``*`` act as one).

    Examples
    --------
    >>> g = Glob("c*ur*")
    >>> g.fullmatch("coeurs"), g.fullmatch("cr"), g.fullmatch("cur"), g.fullmatch("curé")
    (True, False, True, True)
    >>> Glob("a*a*a*a*a*a*a*a*a*a*a*b").fullmatch("a" * 5000)
    False
    >>> Glob("russia*").fullmatch("russia-ukraine"), Glob("indo-pacifique*").fullmatch("indo-pacifiques")
    (False, True)
    """

    __slots__ = ("pattern", "_head", "_middle", "_tail", "_least", "_segments")

    def __init__(self, part: str):
        if "*" not in part:
            raise ValueError(f"{part!r} is no glob: it has no '*'")
        pieces = part.split("*")
        self.pattern = part
        self._head, self._tail = pieces[0], pieces[-1]
        self._middle = tuple(piece for piece in pieces[1:-1] if piece)
        self._least = len(self._head) + len(self._tail) + sum(map(len, self._middle))
        # with hyphens in the pattern or the key: one matcher per hyphen-separated part
        self._segments: tuple[Glob | str, ...] | None = None
        if "-" in part:
            self._segments = tuple(Glob(seg) if "*" in seg else seg for seg in part.split("-"))

    def __repr__(self) -> str:
        return f"Glob({self.pattern!r})"

    def fullmatch(self, key: str) -> bool:
        """Whether the whole of ``key`` matches (the name of :meth:`re.Pattern.fullmatch`).

        Parameters
        ----------
        key : str

        Returns
        -------
        bool
        """
        if "-" in key or self._segments is not None:
            segments = self._segments or (self,)
            keys = key.split("-")
            if len(keys) != len(segments):
                return False
            return all(
                (seg == k) if isinstance(seg, str) else seg._fullmatch_part(k)
                for seg, k in zip(segments, keys, strict=True)
            )
        return self._fullmatch_part(key)

    def _fullmatch_part(self, key: str) -> bool:
        """:meth:`fullmatch` of a key without hyphens."""
        if len(key) < self._least or not key.startswith(self._head) or not key.endswith(self._tail):
            return False
        pos, limit = len(self._head), len(key) - len(self._tail)
        for piece in self._middle:
            found = key.find(piece, pos, limit)
            if found < 0:
                return False
            pos = found + len(piece)
        return True


@dataclass(frozen=True)
class Pattern:
    """One compiled dictionary pattern.

    Attributes
    ----------
    text : str
        The pattern as written in the dictionary.
    language : str
        Language of the list it belongs to.
    parts : tuple of str
        Folded tokens (one for a word or glob, several for a phrase); ``*`` kept.
    kind : {"word", "glob", "lemma", "phrase"}
        ``phrase`` for several parts (which may themselves contain ``*`` or be lemma parts);
        ``lemma`` for one part written ``lemma:WORD`` (stored as ``"lemma:" + fold(WORD)``).

    Examples
    --------
    >>> p = compile_pattern("Manipulation de l’information", "fr")
    >>> p.parts, p.kind
    (('manipulation', 'de', "l'", 'information'), 'phrase')
    >>> compile_pattern("ukrain*", "fr").matches_part(0, "ukrainiens")
    True
    """

    text: str
    language: str
    parts: tuple[str, ...]
    kind: str
    regexes: tuple[Glob | None, ...] = field(repr=False, compare=False, default=())

    def __len__(self) -> int:
        return len(self.parts)

    def is_glob_part(self, i: int) -> bool:
        """Whether part ``i`` contains a ``*``."""
        return "*" in self.parts[i]

    def is_lemma_part(self, i: int) -> bool:
        """Whether part ``i`` is written ``lemma:WORD`` (matched against the token's lemma)."""
        return self.parts[i].startswith(LEMMA_PREFIX)

    def matches_part(self, i: int, key: str) -> bool:
        """Whether a folded token ``key`` matches part ``i`` of the pattern.

        ``key`` may carry the token's lemma (``key + LEMMA_SEP + lemma``): a lemma part is
        compared with the lemma, any other part with the key.

        Examples
        --------
        >>> p = compile_pattern("lemma:force lemma:armé", "fr")
        >>> p.matches_part(0, "forces" + LEMMA_SEP + "force"), p.matches_part(0, "forces")
        (True, False)
        """
        key, sep, lemma = key.partition(LEMMA_SEP)
        part = self.parts[i]
        if part.startswith(LEMMA_PREFIX):
            return bool(sep) and lemma == part[len(LEMMA_PREFIX) :]
        regex = self.regexes[i]
        return regex.fullmatch(key) if regex is not None else key == part


def _check_pattern_text(text: str) -> str | None:
    """Return a problem message for a malformed pattern string, or None."""
    stripped = text.strip()
    if not stripped:
        return "empty pattern"
    if not _ALLOWED.match(stripped):
        bad = sorted({c for c in stripped if not _ALLOWED.match(c)})
        return (
            f"pattern {text!r} has characters {''.join(bad)!r}: only letters, digits, "
            "hyphen, apostrophe, space and '*' are allowed"
        )
    if "**" in stripped:
        return f"malformed glob {text!r}: '**' (one '*' already matches any run of characters)"
    for chunk in stripped.split():
        if not re.search(r"[^\W_]", chunk):
            return f"malformed glob {text!r}: {chunk!r} has no letter or digit"
    return None


def compile_pattern(text: str, language: str, accent_sensitive: bool = False) -> Pattern:
    """Compile one pattern string.

    Parameters
    ----------
    text : str
        Word, glob (``*`` = zero or more characters within one token) or phrase; a
        whitespace-separated chunk written ``lemma:WORD`` is one lemma part (a word of
        one token, no ``*``), which matches a token whose lemma is WORD.
    language : str
        Tokeniser rules to split a phrase with.
    accent_sensitive : bool
        Keep accents in the folded parts.

    Returns
    -------
    Pattern

    Raises
    ------
    ValueError
        If the pattern is malformed (message without file or key path).

    Examples
    --------
    >>> compile_pattern("Conseil de sécurité", "fr").parts
    ('conseil', 'de', 'securite')
    >>> compile_pattern("Indo-Pacifique", "fr").kind
    'word'
    >>> compile_pattern("lemma:renforcer la lemma:sécurité", "fr").parts
    ('lemma:renforcer', 'la', 'lemma:securite')
    """
    if any(chunk.startswith(LEMMA_PREFIX) for chunk in text.split()):
        return _compile_with_lemmas(text, language, accent_sensitive)
    problem = _check_pattern_text(text)
    if problem:
        raise ValueError(problem)
    toks = tokenize(text.strip().replace("*", _STAR), language)
    parts: list[str] = []
    for surface, _start, _end, kind in toks:
        part = fold(surface, accent_sensitive).replace(_STAR, "*")
        if kind == "punct" or not re.search(r"[^\W_]", part):
            raise ValueError(f"pattern {text!r}: the tokeniser makes {surface!r} a token of its own")
        parts.append(part)
    if not parts:
        raise ValueError(f"empty pattern {text!r}")
    kind = "phrase" if len(parts) > 1 else ("glob" if "*" in parts[0] else "word")
    regexes = tuple(Glob(p) if "*" in p else None for p in parts)
    return Pattern(text=text, language=language, parts=tuple(parts), kind=kind, regexes=regexes)


def _compile_with_lemmas(text: str, language: str, accent_sensitive: bool) -> Pattern:
    """:func:`compile_pattern` of a pattern with ``lemma:`` chunks (the others compile as usual)."""
    parts: list[str] = []
    for chunk in text.split():
        if not chunk.startswith(LEMMA_PREFIX):
            parts.extend(compile_pattern(chunk, language, accent_sensitive).parts)
            continue
        word = chunk[len(LEMMA_PREFIX) :]
        if not word:
            raise ValueError(f"pattern {text!r}: {chunk!r} names no lemma")
        if "*" in word:
            raise ValueError(f"pattern {text!r}: {chunk!r}: a lemma part takes no '*' (write the lemma)")
        problem = _check_pattern_text(word)
        if problem:
            raise ValueError(f"pattern {text!r}: lemma {word!r}: {problem}")
        toks = tokenize(word, language)
        if len(toks) != 1 or toks[0][3] == "punct":
            raise ValueError(f"pattern {text!r}: lemma {word!r} is not one token")
        parts.append(LEMMA_PREFIX + fold(word, accent_sensitive))
    kind = "phrase" if len(parts) > 1 else "lemma"  # a lemma chunk is there: one part is a lemma
    regexes = tuple(Glob(p) if "*" in p and not p.startswith(LEMMA_PREFIX) else None for p in parts)
    return Pattern(text=text, language=language, parts=tuple(parts), kind=kind, regexes=regexes)
