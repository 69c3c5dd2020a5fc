"""The one matching engine: rules 1-6 of the dictionary README, written once.

:class:`Matcher` applies a dictionary's patterns of one language to the folded
keys of a document (``None`` for a punctuation token and at every break a
phrase may not cross: a paragraph end, a gap left by removed tokens). It is
used by :func:`analysis.lookup.tokens_lookup` (which needs every kept match,
:meth:`Matcher.resolve`) and by corpus-scale counting
(:func:`analysis.scale.count.process_chunk`, which needs only the tallies,
:meth:`Matcher.count`). Both go through :meth:`Matcher.find` and
:meth:`Matcher.resolve`; ``tests/oracle.py`` is the obviously-correct loop that
the tests compare them with.

Speed comes from the design, as quanteda's types table: each distinct key is
tested once against the first part of every pattern (:meth:`Matcher.starts`,
cached), so a document is scanned by set membership at C speed, phrases are
extended only where they may start, and the rules run on the few matches
found, one group of overlapping matches at a time (a group's result depends
only on its shape and is cached).

Rules (``resources/dictionaries/README.md``; quoted by the methodology):

1. whole tokens only (keys are compared whole; ``*`` = zero or more characters
   inside one token);
2. phrases match consecutive keys, never across ``None``;
3. a theme's ``exclude`` matches (and its parent's) veto its matches they overlap;
4. within a theme (with its subthemes, rule 5), overlapping matches resolve to
   the longest, then the leftmost, then the pattern listed first: each token
   counts once;
5. subthemes roll up into their parent;
6. with ``overlap="longest"``, a match overlapped by a strictly longer match of
   an unrelated theme (not itself, its parent or its subthemes) is dropped, all
   matches being compared as rules 1-5 leave them;
7. a hyphenated compound that no one-token pattern matches whole matches the
   one-token patterns of its parts (read from the left, the longest run of parts
   first: ``g5-sahel`` is matched by ``sahel``, ``nato-indo-pacific`` by ``nato`` and
   ``indo-pacific``); it stays one token, so it counts once per theme (rule 4).

A part written ``lemma:renforcer`` is compared with the token's lemma (rules 1-6 apply
unchanged; rule 7 does not: a compound's parts have no lemmas of their own). A matcher
with such parts (:attr:`Matcher.uses_lemmas`) reads keys that carry the lemmas
(``key + LEMMA_SEP + lemma``, :func:`analysis.lookup._document_keys` writes them) and
refuses plain keys; any matcher reads them (the key part alone decides other parts).

Examples
--------
>>> from analysis.dictionary import dictionary
>>> d = dictionary({"name": "demo", "version": "1", "description": "Demo.",
...     "themes": {"un": {"label": {"fr": "ONU", "en": "UN"}, "description": "UN.",
...                       "fr": ["conseil de sécurité"], "en": ["security council"]},
...                "sec": {"label": {"fr": "Sécurité", "en": "Security"}, "description": "S.",
...                        "fr": ["securite"], "en": ["security"]}}})
>>> m = Matcher(d, "fr")
>>> m.count(["la", "securite", "et", "le", "conseil", "de", "securite", None])
{'un': (1, 3), 'sec': (1, 1)}
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analysis.patterns import LEMMA_PREFIX, LEMMA_SEP

if TYPE_CHECKING:  # pragma: no cover
    from analysis.dictionary import Dictionary, Glob, Pattern

logger = logging.getLogger(__name__)

__all__ = ["OVERLAP_MODES", "Entry", "Match", "Matcher"]

OVERLAP_MODES = ("longest", "all")
"""``overlap`` values: rule 6 applied (``"longest"``) or not (``"all"``)."""

CACHE_LIMIT = 1_000_000
"""Distinct keys kept in a matcher's types table before it starts afresh (memory stays flat)."""

_GROUP_LIMIT = 100_000


@dataclass(frozen=True)
class Entry:
    """A pattern as a theme lists it.

    Attributes
    ----------
    theme : str
        Theme whose list holds the pattern.
    include : bool
        False for an ``exclude`` pattern.
    order : int
        Rank of the pattern in the dictionary (breaks ties, rule 4).
    pattern : Pattern
    """

    theme: str
    include: bool
    order: int
    pattern: Pattern


Match = tuple[int, int, Entry]
"""A kept match: ``(start, end, entry)``, ``end`` exclusive, indices into the keys."""


class Matcher:
    """The dictionary's patterns of one language, ready to match folded keys.

    Parameters
    ----------
    dictionary : Dictionary
        From :func:`analysis.dictionary.dictionary`.
    language : str
        Which pattern lists to use.
    overlap : {"longest", "all"}
        Apply rule 6 or keep every theme's matches.

    Examples
    --------
    >>> from analysis.dictionary import dictionary
    >>> d = dictionary({"name": "d", "version": "1", "description": "D.",
    ...     "themes": {"ua": {"label": {"fr": "Ukraine", "en": "Ukraine"},
    ...                       "description": "Ukraine.", "fr": ["ukrain*"], "en": ["ukrain*"]}}})
    >>> Matcher(d, "fr").find(["l'", "ukraine", None, "ukrainiens"])
    [(0, 1, 2), (0, 3, 4)]
    """

    def __init__(self, dictionary: Dictionary, language: str, *, overlap: str = "longest"):
        if overlap not in OVERLAP_MODES:
            raise ValueError(f"overlap must be one of {OVERLAP_MODES}, got {overlap!r}")
        self.language = language
        self.overlap = overlap
        self.themes = [t.id for t in dictionary.themes]
        self.parent_of = {t.id: t.parent for t in dictionary.themes}
        # every theme collects the matches of its own patterns and of its subthemes' (rule 5)
        self.members = {t.id: (t.id, *t.children) for t in dictionary.themes}
        self.entries: list[Entry] = []
        for t in dictionary.themes:
            for include, table in ((True, t.patterns), (False, t.exclude)):
                for p in table.get(language, ()):
                    self.entries.append(Entry(t.id, include, len(self.entries), p))
        # one distinct pattern per folded parts: the same parts are matched once
        self.patterns: list[Pattern] = []
        self.owners: list[tuple[Entry, ...]] = []
        distinct: dict[tuple[str, ...], int] = {}
        owners: list[list[Entry]] = []
        for e in self.entries:
            idx = distinct.get(e.pattern.parts)
            if idx is None:
                idx = distinct[e.pattern.parts] = len(self.patterns)
                self.patterns.append(e.pattern)
                owners.append([])
            owners[idx].append(e)
        self.owners = [tuple(o) for o in owners]
        self._literal: dict[str, list[int]] = {}
        self._globs: list[tuple[int, Glob]] = []
        for idx, p in enumerate(self.patterns):
            if p.is_glob_part(0):
                self._globs.append((idx, p.regexes[0]))
            else:
                self._literal.setdefault(p.parts[0], []).append(idx)
        # globs indexed by the text before their first "*" (else after their last): a new key is
        # tested only against the globs whose head starts it (whose tail ends it), not all of them
        self._heads: dict[int, dict[str, list[tuple[int, Glob]]]] = {}
        self._tails: dict[int, dict[str, list[tuple[int, Glob]]]] = {}
        self._bare: list[tuple[int, Glob]] = []  # "*" at both ends: tested against every key
        for idx, glob in self._globs:
            pieces = glob.pattern.split("*")
            if pieces[0]:
                self._heads.setdefault(len(pieces[0]), {}).setdefault(pieces[0], []).append((idx, glob))
            elif pieces[-1]:
                self._tails.setdefault(len(pieces[-1]), {}).setdefault(pieces[-1], []).append((idx, glob))
            else:
                self._bare.append((idx, glob))
        self._width = [len(p.parts) for p in self.patterns]
        self.uses_lemmas = any(p.is_lemma_part(i) for p in self.patterns for i in range(len(p.parts)))
        # the parts after the first: (the part, or None for a glob or lemma part)
        self._rest = [
            tuple(
                None if p.is_glob_part(i) or p.is_lemma_part(i) else p.parts[i]
                for i in range(1, len(p.parts))
            )
            for p in self.patterns
        ]
        self._first: dict[str, tuple[int, ...]] = {}
        self._short: set[str] = set()  # keys that start only one-token patterns
        self._long: set[str] = set()  # keys that start a phrase (and maybe one-token patterns)
        self._single: dict[str, tuple[tuple[str, int, int], ...]] = {}  # tallies of a key alone
        self._part_hits: dict[tuple[int, int, str], bool] = {}
        self._groups: dict[tuple, tuple[tuple[str, int, int], ...]] = {}

    @classmethod
    def of_patterns(cls, patterns: Sequence[Pattern], language: str) -> Matcher:
        """A matcher of bare patterns (one pseudo-theme ``query``), e.g. for :func:`analysis.kwic.kwic`.

        Examples
        --------
        >>> from analysis.dictionary import compile_pattern
        >>> Matcher.of_patterns([compile_pattern("mer de chine", "fr")], "fr").find(["mer", "de", "chine"])
        [(0, 0, 3)]
        """
        from types import SimpleNamespace

        from analysis.dictionary import Theme

        theme = Theme("query", None, {}, "", {language: tuple(patterns)}, {})
        return cls(SimpleNamespace(themes=[theme]), language)  # type: ignore[arg-type]

    def __repr__(self) -> str:
        return f"Matcher({len(self.patterns)} patterns, {self.language!r}, overlap={self.overlap!r})"

    # ------------------------------------------------------------------ rules 1-2

    def starts(self, key: str) -> tuple[int, ...]:
        """Indices of the patterns whose first part matches ``key`` (rule 1), in order.

        Computed once per distinct key (the types table).

        Examples
        --------
        >>> from analysis.dictionary import dictionary
        >>> d = dictionary({"name": "d", "version": "1", "description": "D.",
        ...     "themes": {"a": {"label": {"fr": "A", "en": "A"}, "description": "A.",
        ...                      "fr": ["arctique", "arct*"], "en": ["arctic"]}}})
        >>> Matcher(d, "fr").starts("arctique"), Matcher(d, "fr").starts("pacifique")
        ((0, 1), ())
        """
        found = self._first.get(key)
        if found is None:
            hits = self._whole(key)
            surface = key.partition(LEMMA_SEP)[0]
            if "-" in surface and not any(self._width[idx] == 1 for idx in hits):
                hits = sorted(set(hits) | set(self._compound_parts(surface)))
            found = self._first[key] = tuple(hits)
            if found:
                widths = {self._width[idx] for idx in found}
                (self._short if widths == {1} else self._long).add(key)
        return found

    def _whole(self, key: str) -> list[int]:
        """Indices of the patterns whose first part matches the whole of ``key``, in order."""
        key, sep, lemma = key.partition(LEMMA_SEP)
        hits = list(self._literal.get(key, ()))
        if sep:
            hits += self._literal.get(LEMMA_PREFIX + lemma, ())
        candidates = list(self._bare)
        for length, table in self._heads.items():
            candidates += table.get(key[:length], ())
        for length, table in self._tails.items():
            candidates += table.get(key[-length:], ())
        hits += [idx for idx, glob in candidates if glob.fullmatch(key)]
        return sorted(hits)

    def _compound_parts(self, key: str) -> list[int]:
        """One-token patterns matching parts of a hyphenated compound no one-token pattern matches whole.

        Rule 7 of the dictionary README: the parts are read from the left, each time the
        longest run of parts (shorter than the whole) that some one-token pattern matches;
        the compound stays one token and the patterns of its runs match it.

        Examples
        --------
        >>> from analysis.dictionary import dictionary
        >>> d = dictionary({"name": "d", "version": "1", "description": "D.",
        ...     "themes": {"a": {"label": {"fr": "A", "en": "A"}, "description": "A.",
        ...                      "fr": ["sahel"], "en": ["nato", "indo-pacific", "pacific"]}}})
        >>> Matcher(d, "fr").starts("g5-sahel"), Matcher(d, "en").starts("nato-indo-pacific")
        ((0,), (0, 1))
        """
        pieces = key.split("-")
        if len(pieces) < 2 or not all(pieces):
            return []
        out: set[int] = set()
        i = 0
        while i < len(pieces):
            for j in range(len(pieces), i, -1):
                if j - i == len(pieces):
                    continue
                run = [idx for idx in self._whole("-".join(pieces[i:j])) if self._width[idx] == 1]
                if run:
                    out.update(run)
                    i = j
                    break
            else:
                i += 1
        return sorted(out)

    def _part(self, idx: int, i: int, key: str) -> bool:
        cache_key = (idx, i, key)
        hit = self._part_hits.get(cache_key)
        if hit is None:
            hit = self.patterns[idx].matches_part(i, key)
            if len(self._part_hits) < CACHE_LIMIT:
                self._part_hits[cache_key] = hit
        return hit

    def find(self, keys: Sequence[str | None]) -> list[tuple[int, int, int]]:
        """Every raw match in one document (rules 1-2), before rules 3-6.

        Parameters
        ----------
        keys : sequence of str or None
            Folded keys; None for punctuation and at every break.

        Returns
        -------
        list of (pattern index, start, end)
            By start, then pattern index; ``end`` exclusive.
        """
        self._learn(keys)
        return self._found_at(
            # every key is in the types table now: its patterns, () for none (None for a break)
            keys, itertools.compress(itertools.count(), map(self._first.get, keys))
        )

    def _learn(self, keys: Sequence[str | None]) -> None:
        """Enter the document's new keys in the types table."""
        if self.uses_lemmas:
            first = next((k for k in keys if k is not None), None)
            if first is not None and LEMMA_SEP not in first:
                raise ValueError(
                    "lemma: patterns need the tokens' lemmas: lemmatise the tokens "
                    "(analysis.lemmas.tokens_lemmatize) and read their keys with lemmas"
                )
        if len(self._first) > CACHE_LIMIT:
            for table in (self._first, self._short, self._long, self._single):
                table.clear()
        for key in set(keys).difference(self._first):
            if key is not None:
                self.starts(key)

    def _found_at(self, keys: Sequence[str | None], starts) -> list[tuple[int, int, int]]:
        """The raw matches that start at ``starts`` (positions of keys already learnt)."""
        first, width, rest, n = self._first, self._width, self._rest, len(keys)
        found = []
        for start in starts:
            for idx in first[keys[start]]:  # type: ignore[index]
                end = start + width[idx]
                if end > n:
                    continue
                i = start
                for part in rest[idx]:
                    i += 1
                    key = keys[i]
                    # a literal part equals the key, or its key part when the key carries a lemma
                    if key is None or (
                        key != part
                        and (part is not None and LEMMA_SEP not in key or not self._part(idx, i - start, key))
                    ):
                        break
                else:
                    found.append((idx, start, end))
        return found

    # ------------------------------------------------------------------ rules 3-6

    def resolve(self, found: Sequence[tuple[int, int, int]]) -> dict[str, list[Match]]:
        """Apply rules 3-6 to the raw matches of one document (or of one group of them).

        Parameters
        ----------
        found : sequence of (pattern index, start, end)
            As :meth:`find` gives them.

        Returns
        -------
        dict of str to list of (start, end, Entry)
            Theme (every level, dictionary order) -> its counted matches by start;
            only themes with matches.

        Examples
        --------
        >>> from analysis.dictionary import dictionary
        >>> d = dictionary({"name": "d", "version": "1", "description": "D.",
        ...     "themes": {"s": {"label": {"fr": "S", "en": "S"}, "description": "S.",
        ...                      "fr": ["securite"], "en": ["security"],
        ...                      "exclude": ["securite alimentaire"]}}})
        >>> m = Matcher(d, "fr")
        >>> m.resolve(m.find(["securite", "alimentaire", None, "securite"]))["s"][0][:2]
        (3, 4)
        """
        include: dict[str, list[tuple[int, int, int, Entry]]] = {}
        exclude: dict[str, list[tuple[int, int]]] = {}
        for idx, start, end in found:
            for e in self.owners[idx]:
                if e.include:
                    include.setdefault(e.theme, []).append((start, end, e.order, e))
                else:
                    exclude.setdefault(e.theme, []).append((start, end))
        parent_of = self.parent_of
        # rule 3: the theme's exclusions and its parent's veto the matches they overlap
        for tid in list(include):
            vetoes = exclude.get(tid, []) + exclude.get(parent_of[tid] or "", [])
            if vetoes:
                include[tid] = [m for m in include[tid] if not any(m[0] < b and a < m[1] for a, b in vetoes)]
        # rules 4-5: per theme over its family, longest, then leftmost, then pattern order
        resolved: dict[str, list[tuple[int, int, int, Entry]]] = {}
        for tid in self.themes:
            pool = [m for member in self.members[tid] for m in include.get(member, ())]
            if pool:
                resolved[tid] = _longest_first(pool)
        # rule 6: across unrelated themes, a strictly longer match wins
        if self.overlap == "longest" and len(resolved) > 1:
            cover: dict[int, list[tuple[int, str]]] = {}
            for tid, ms in resolved.items():
                for m in ms:
                    for i in range(m[0], m[1]):
                        cover.setdefault(i, []).append((m[1] - m[0], tid))
            for tid, ms in list(resolved.items()):
                resolved[tid] = [
                    m
                    for m in ms
                    if not any(
                        length > m[1] - m[0] and not self._related(tid, other)
                        for i in range(m[0], m[1])
                        for length, other in cover[i]
                    )
                ]
        return {tid: [(a, b, e) for a, b, _, e in ms] for tid, ms in resolved.items() if ms}

    def _related(self, a: str, b: str) -> bool:
        parent_of = self.parent_of
        return a == b or parent_of[a] == b or parent_of[b] == a

    # ------------------------------------------------------------------ tallies

    def count(self, keys: Sequence[str | None]) -> dict[str, tuple[int, int]]:
        """Counted matches and tokens they cover, per theme, in one document.

        The tallies of :meth:`resolve` on :meth:`find`: every rule compares
        matches that overlap, so each group of overlapping matches resolves on
        its own, and its result depends only on its shape (patterns and
        relative positions), which is cached.

        Parameters
        ----------
        keys : sequence of str or None
            As :meth:`find` takes them.

        Returns
        -------
        dict of str to (int, int)
            Theme -> (matches, tokens covered), themes with matches only, in
            dictionary order.
        """
        self._learn(keys)
        totals: dict[str, list[int]] = {}

        def add(tallies: tuple[tuple[str, int, int], ...], times: int = 1) -> None:
            for tid, n, covered in tallies:
                tally = totals.get(tid)
                if tally is None:
                    totals[tid] = [n * times, covered * times]
                else:
                    tally[0] += n * times
                    tally[1] += covered * times

        # matches that start a phrase where it may start, and the one-token ones beside them
        found = self._found_at(
            keys, itertools.compress(itertools.count(), map(self._long.__contains__, keys))
        )
        singles = Counter(itertools.compress(keys, map(self._short.__contains__, keys)))
        if found:
            covered = {i for _, a, b in found if b - a > 1 for i in range(a, b)}
            for i in covered:  # a one-token-only key inside a phrase joins the phrase's group
                if keys[i] in self._short:
                    singles[keys[i]] -= 1
                    found.extend((idx, i, i + 1) for idx in self._first[keys[i]])  # type: ignore[index]
            found.sort(key=lambda m: (m[1], m[2], m[0]))
            group: list[tuple[int, int, int]] = []
            group_end = -1
            for match in [*found, (-1, 1 << 62, 1 << 62)]:  # a sentinel closes the last group
                if match[1] >= group_end and group:
                    add(self._group(group))
                    group = []
                group.append(match)
                group_end = max(group_end, match[2]) if len(group) > 1 else match[2]
        # a one-token-only key that no phrase covers is a group of its own: its tallies, times
        for key, times in singles.items():
            if times:
                result = self._single.get(key)  # type: ignore[arg-type]
                if result is None:
                    result = self._single[key] = self._group([(idx, 0, 1) for idx in self._first[key]])  # type: ignore[index]
                add(result, times)
        order = {tid: i for i, tid in enumerate(self.themes)}
        return {tid: (v[0], v[1]) for tid, v in sorted(totals.items(), key=lambda kv: order[kv[0]])}

    def _group(self, group: list[tuple[int, int, int]]) -> tuple[tuple[str, int, int], ...]:
        origin = group[0][1]
        shape = tuple((idx, a - origin, b - origin) for idx, a, b in group)
        result = self._groups.get(shape)
        if result is None:
            result = tuple(
                (tid, len(ms), sum(b - a for a, b, _ in ms)) for tid, ms in self.resolve(shape).items()
            )
            if len(self._groups) < _GROUP_LIMIT:
                self._groups[shape] = result
        return result


def _longest_first(pool: list[tuple[int, int, int, Entry]]) -> list[tuple[int, int, int, Entry]]:
    """Non-overlapping matches: longest first, then leftmost, then pattern order (by start)."""
    taken: set[int] = set()
    kept = []
    for m in sorted(pool, key=lambda m: (m[0] - m[1], m[0], m[2])):
        span = range(m[0], m[1])
        if taken.isdisjoint(span):
            taken.update(span)
            kept.append(m)
    kept.sort(key=lambda m: (m[0], m[1]))
    return kept
