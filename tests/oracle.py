"""The test oracle of the matching engine: rules 1-6 of the dictionary README, the slow obvious way.

Written from the README, sharing no code with :mod:`analysis.matcher`: globs by
dynamic programming (no regex, no :class:`analysis.dictionary.Glob`), every
pattern tried at every token, and the resolution rules as literal loops over
pairs of matches. Used by ``tests/test_matcher.py`` and ``tests/test_lookup.py``.
"""

from __future__ import annotations

from collections.abc import Sequence


def wildcard(part: str, key: str) -> bool:
    """Whether ``key`` matches ``part``, where ``*`` stands for any run of characters but a hyphen.

    >>> wildcard("ukrain*", "ukrainiens"), wildcard("*b", "ab"), wildcard("a*b", "ba"), wildcard("a*", "a-b")
    (True, True, False, False)
    """
    n, m = len(part), len(key)
    row = [False] * (m + 1)
    row[0] = True
    for i in range(1, n + 1):
        new = [False] * (m + 1)
        if part[i - 1] == "*":  # any run of characters but a hyphen (rule 1)
            new[0] = row[0]
            for j in range(1, m + 1):
                new[j] = row[j] or (new[j - 1] and key[j - 1] != "-")
        else:
            for j in range(1, m + 1):
                new[j] = row[j - 1] and part[i - 1] == key[j - 1]
        row = new
    return row[m]


def compound_runs(key: str, singles: Sequence[str]) -> list[str]:
    """Rule 7: the runs of a hyphenated compound's parts that one-token patterns may match.

    Empty when ``key`` is no compound or a one-token pattern matches it whole; otherwise
    the parts read from the left, each time the longest run shorter than the whole that
    some pattern of ``singles`` matches.

    >>> compound_runs("nato-indo-pacific", ["nato", "indo-pacific"]), compound_runs("g5-sahel", ["g5-sahel"])
    (['nato', 'indo-pacific'], [])
    """
    pieces = key.split("-")
    if len(pieces) < 2 or "" in pieces or any(wildcard(p, key) for p in singles):
        return []
    runs, i = [], 0
    while i < len(pieces):
        for j in range(len(pieces), i, -1):
            run = "-".join(pieces[i:j])
            if j - i < len(pieces) and any(wildcard(p, run) for p in singles):
                runs.append(run)
                i = j
                break
        else:
            i += 1
    return runs


def naive_matches(
    keys: Sequence[str | None],
    parts: Sequence[tuple[str, ...]],
    positions: Sequence[int] | None = None,
    paragraphs: Sequence[int] | None = None,
) -> set[tuple[int, int, int]]:
    """Every (pattern index, start, end) where pattern ``parts[index]`` matches (rules 1-2).

    ``keys``: folded tokens, None for punctuation; ``positions``/``paragraphs``:
    a phrase needs consecutive positions within one paragraph (default: all
    consecutive, one paragraph).

    >>> sorted(naive_matches(["la", "mer", "de", "chine", None], [("mer", "de", "chine")]))
    [(0, 1, 4)]
    """
    n = len(keys)
    positions = list(range(n)) if positions is None else list(positions)
    paragraphs = [0] * n if paragraphs is None else list(paragraphs)
    singles = [p[0] for p in parts if len(p) == 1]
    found = set()
    for start in range(n):
        runs = compound_runs(keys[start], singles) if keys[start] is not None else []
        for index, pattern in enumerate(parts):
            end = start + len(pattern)
            if end > n:
                continue
            part_match = len(pattern) == 1 and any(wildcard(pattern[0], run) for run in runs)  # rule 7
            if part_match or all(
                keys[start + offset] is not None
                and positions[start + offset] == positions[start] + offset
                and paragraphs[start + offset] == paragraphs[start]
                and wildcard(part, keys[start + offset])
                for offset, part in enumerate(pattern)
            ):
                found.add((index, start, end))
    return found


def naive_counts(
    keys: Sequence[str | None],
    entries: Sequence[tuple[str, bool, tuple[str, ...]]],
    parent_of: dict[str, str | None],
    overlap: str = "longest",
) -> dict[str, tuple[int, int]]:
    """Theme -> (counted matches, tokens covered), rules 1-6 applied literally.

    ``entries``: ``(theme, include, parts)`` in dictionary order; ``parent_of``:
    every theme's parent (None for a root theme), in dictionary order.

    >>> naive_counts(["a", "b"], [("x", True, ("a",)), ("y", True, ("a", "b"))], {"x": None, "y": None})
    {'y': (1, 2)}
    """
    raw = sorted(naive_matches(keys, [parts for _, _, parts in entries]))

    def overlaps(m, o):
        return m[0] < o[1] and o[0] < m[1]

    def family(theme):  # rule 5: a theme and its subthemes
        return {t for t, p in parent_of.items() if t == theme or p == theme}

    def related(a, b):
        return a == b or parent_of[a] == b or parent_of[b] == a

    kept: dict[str, list[tuple[int, int, int]]] = {}
    for theme in parent_of:
        members = family(theme)
        # rule 3 is applied per member: a subtheme's match is vetoed by its own and its parent's exclusions
        pool = []
        for i, s, e in raw:
            owner, include, _ = entries[i]
            if not include or owner not in members:
                continue
            owner_vetoes = [
                (vs, ve)
                for j, vs, ve in raw
                if not entries[j][1] and entries[j][0] in (owner, parent_of[owner])
            ]
            if not any(overlaps((s, e), v) for v in owner_vetoes):
                pool.append((s, e, i))
        chosen: list[tuple[int, int, int]] = []
        while pool:  # rule 4: the longest, then leftmost, then first-listed match wins
            best = min(pool, key=lambda m: (-(m[1] - m[0]), m[0], m[2]))
            chosen.append(best)
            pool = [m for m in pool if not overlaps(m, best)]
        if chosen:
            kept[theme] = chosen
    if overlap == "longest":  # rule 6, all matches compared as rules 1-5 left them
        before = {t: list(ms) for t, ms in kept.items()}
        for theme, ms in kept.items():
            kept[theme] = [
                m
                for m in ms
                if not any(
                    not related(theme, other) and o[1] - o[0] > m[1] - m[0] and overlaps(m, o)
                    for other, os in before.items()
                    for o in os
                )
            ]
    return {t: (len(ms), sum(e - s for s, e, _ in ms)) for t, ms in kept.items() if ms}
