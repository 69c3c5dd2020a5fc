"""analysis.matcher: the one engine against the oracle (tests/oracle.py) and hand-counted cases.

The property tests draw random keys (with punctuation and breaks), random patterns
(words, globs, phrases) and random theme trees (subthemes, exclusions) and compare
the engine with the oracle, which applies the README's rules literally.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.oracle import naive_counts, naive_matches

from analysis.dictionary import compile_pattern, dictionary
from analysis.matcher import Matcher

WORDS = ["ab", "abc", "b", "ba", "bab", "c", "ca", "ab-c", "ba-ab-c", "c-ca", "abc-"]  # compounds: rule 7
PARTS = ["ab", "a*", "*b", "b*c", "c", "ba", "a*b*", "bab", "*a*", "ab*"]
pattern_texts = st.lists(st.sampled_from(PARTS), min_size=1, max_size=3).map(" ".join)
keys_strategy = st.lists(st.one_of(st.none(), st.sampled_from(WORDS)), max_size=40)


def _theme(fr, exclude=(), subthemes=None):
    body = {"label": {"fr": "t", "en": "t"}, "description": "Synthetic theme.", "fr": list(fr), "en": ["zzz"]}
    if exclude:
        body["exclude"] = {"fr": list(exclude), "en": ["zzzz"]}
    if subthemes:
        body["subthemes"] = subthemes
    return body


@st.composite
def dictionaries(draw):
    """A random dictionary: 1-3 root themes, each maybe with one subtheme and exclusions."""
    themes = {}
    for r in range(draw(st.integers(1, 3))):
        subs = None
        if draw(st.booleans()):
            subs = {f"s{r}": _theme(draw(st.lists(pattern_texts, min_size=1, max_size=2)),
                                    draw(st.lists(pattern_texts, max_size=1)))}
        themes[f"r{r}"] = _theme(
            draw(st.lists(pattern_texts, min_size=1, max_size=3)),
            draw(st.lists(pattern_texts, max_size=1)),
            subs,
        )
    return dictionary({"name": "synthetic", "version": "0", "description": "Synthetic.", "themes": themes})


def _oracle_entries(d):
    entries, parent_of = [], {}
    for t in d.themes:
        parent_of[t.id] = t.parent
        for include, table in ((True, t.patterns), (False, t.exclude)):
            for p in table.get("fr", ()):
                entries.append((t.id, include, p.parts))
    return entries, parent_of


@settings(max_examples=300, deadline=None)
@given(keys=keys_strategy, patterns=st.lists(pattern_texts, min_size=1, max_size=6))
def test_find_agrees_with_oracle(keys, patterns):
    compiled = [compile_pattern(p, "fr") for p in patterns]
    m = Matcher.of_patterns(compiled, "fr")
    # the matcher matches each distinct pattern once; map back to every listed one
    distinct = {p.parts: i for i, p in enumerate(m.patterns)}
    raw = naive_matches(keys, [p.parts for p in compiled])
    expected = {(distinct[compiled[i].parts], s, e) for i, s, e in raw}
    assert set(m.find(keys)) == expected


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(d=dictionaries(), keys=keys_strategy, overlap=st.sampled_from(["longest", "all"]))
def test_count_and_resolve_agree_with_oracle(d, keys, overlap):
    entries, parent_of = _oracle_entries(d)
    expected = naive_counts(keys, entries, parent_of, overlap)
    m = Matcher(d, "fr", overlap=overlap)
    assert m.count(keys) == expected
    resolved = m.resolve(m.find(keys))  # the whole document at once: the same tallies
    assert {t: (len(ms), sum(b - a for a, b, _ in ms)) for t, ms in resolved.items()} == expected
    assert m.count(keys) == expected  # again, from the cached groups


def test_hand_counted_compound_parts():
    """Rule 7 on synthetic compounds, counted by hand."""
    d = dictionary({"name": "hand", "version": "0", "description": "Hand.", "themes": {
        "sahel": _theme(["sahel"]),
        "nato": _theme(["nato"]),
        "indo": _theme(["indo-pacific", "pacific"]),
        "korea": _theme(["korea"]),
        "russia": _theme(["russia*"]),
        "defense": _theme(["defense"]),
        "forces": _theme(["self-defense forces"]),
    }})
    keys = ["g5-sahel", None, "nato-indo-pacific", None, "north", "korea-russia", None,
            "indo-pacific", None, "self-defense", "forces", None, "self-defense", None, "sahel-sahel"]
    # g5-sahel: sahel; nato-indo-pacific: nato + indo (the run indo-pacific, not pacific: one hit);
    # korea-russia: korea + russia; indo-pacific: indo, whole (its part pacific is not read);
    # "self-defense forces": the phrase (2 tokens) outranks the part defense (rule 6);
    # the second self-defense: defense; sahel-sahel: one token, one hit
    assert Matcher(d, "fr").count(keys) == {
        "sahel": (2, 2), "nato": (1, 1), "indo": (2, 2), "korea": (1, 1), "russia": (1, 1),
        "defense": (1, 1), "forces": (1, 2),
    }  # fmt: skip


def test_hand_counted_rules():
    """Rules 3-6 on one synthetic line, counted by hand."""
    d = dictionary({"name": "hand", "version": "0", "description": "Hand.", "themes": {
        "sec": _theme(["securite"], exclude=["securite alimentaire"]),
        "un": _theme(["conseil de securite"]),
        "ua": _theme(["ukrain*"], subthemes={"kyiv": _theme(["kyiv", "kyiv ukrain*"])}),
    }})
    keys = ["securite", "alimentaire", None, "conseil", "de", "securite", None,
            "securite", "kyiv", "ukrainien", "ukraine", None]
    # sec: 0 vetoed (alimentaire), 5 outranked by "conseil de securite" (rule 6), 7 counted -> 1
    # un: 3-6 -> 1 match of 3 tokens; kyiv: "kyiv ukrainien" (8-10) -> 1 of 2 tokens
    # ua: its family has "kyiv ukrainien" (8-10, 2 tokens), which wins over "ukrainien" at 9
    # (rule 4), plus "ukraine" at 10 -> 2 matches, 3 tokens
    assert Matcher(d, "fr").count(keys) == {"sec": (1, 1), "un": (1, 3), "ua": (2, 3), "kyiv": (1, 2)}
    # overlap="all": the sécurité inside the Conseil counts too
    assert Matcher(d, "fr", overlap="all").count(keys)["sec"] == (2, 2)


def test_bad_overlap():
    d = dictionary({"name": "h", "version": "0", "description": "H.", "themes": {"a": _theme(["a"])}})
    with pytest.raises(ValueError, match="overlap"):
        Matcher(d, "fr", overlap="some")
