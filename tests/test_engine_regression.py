"""The one engine gives the first version's counts on the 30 shared statements.

The expected digests were recorded on 2026-12-02 from commit c8609c5, before the engine was
rewritten: there, ``tokens_lookup`` ran its own Python matcher and corpus-scale counting ran
the C extension ``analysis._fastkeys`` (a separate implementation of the same rules, since
removed). Both gave these digests; the rewritten package must give them too. Each digest is
the sha256 of the table written as tab-separated lines (``_lines`` below), so that a change
in any count names itself by a failing test, not by a silent drift. ``docs/ARCHITECTURE.md``
records the same comparison on the seed, the reference build and the two bench corpora.

Rule 7 (the parts of a hyphenated compound; a glob's ``*`` no longer crosses a hyphen) and
dictionary 1.1.0 came later (issue 17) and change counts on purpose: the first version's
digests are asserted with the archived dictionary 1.0.0 and the first version's rules; the
counts with rule 7 differ from them exactly by the compound tokens whose parts the
dictionary's one-token patterns match (counted by the oracle, ``tests/oracle.py``).
"""

from __future__ import annotations

import hashlib

import pytest
from tests.oracle import compound_runs, wildcard

from analysis import config
from analysis.clean import corpus_clean
from analysis.corpus import corpus
from analysis.dictionary import dictionary
from analysis.lookup import tokens_lookup
from analysis.scale import count as scale_count
from analysis.tokens import tokens

DICTIONARY_1_0 = config.DICTIONARIES_DIR / "archive" / "defence_security-1.0.0.yaml"
FIRST_VERSION = {  # recorded from commit c8609c5 (see the module docstring)
    "counts": ("d76064348d5ecef09f21e8574c51396c6cc3afca3b697900c7f345c5065b8da6", 660, 2867),
    "pattern_counts": ("6e8c0e9bf12e6dfed0e3995f0a59e78f288f306934f5018d8b911a34b66613c7", 990),
}


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _count_lines(counts) -> list[str]:
    c = counts.sort_values(["doc_id", "theme"])
    return [f"{r.doc_id}\t{r.theme}\t{r.count}\t{r.matched_tokens}\t{r.tokens}" for r in c.itertuples()]


@pytest.fixture
def without_rule_7(monkeypatch):
    """The first version's matching: no rule 7, and a glob's ``*`` may cross a hyphen."""
    from analysis.matcher import Matcher
    from analysis.patterns import Glob

    monkeypatch.setattr(Matcher, "_compound_parts", lambda self, key: [])
    monkeypatch.setattr(Glob, "fullmatch", Glob._fullmatch_part)
    monkeypatch.setattr(scale_count, "_ENGINES", {})  # no matcher built (and cached) with rule 7


def test_tokens_lookup_gives_the_first_versions_counts(shared_manifest, without_rule_7):
    res = tokens_lookup(tokens(corpus_clean(corpus(shared_manifest))), dictionary(DICTIONARY_1_0))
    digest, n_rows, total = FIRST_VERSION["counts"]
    lines = _count_lines(res.counts)
    assert (len(lines), int(res.counts.loc[res.counts["is_root"], "count"].sum())) == (n_rows, total)
    assert _digest(lines) == digest
    p = res.pattern_counts.sort_values(["doc_id", "theme", "pattern"])
    lines = [f"{r.doc_id}\t{r.theme}\t{r.pattern}\t{r.count}\t{r.surface_forms}" for r in p.itertuples()]
    assert (_digest(lines), len(lines)) == FIRST_VERSION["pattern_counts"]


def test_corpus_scale_counting_gives_the_first_versions_counts(shared_manifest, without_rule_7):
    raw = corpus(shared_manifest).docs
    docs = [
        {"doc_id": r.doc_id, "text": r.text, "language": r.language, "title": r.title}
        for r in raw.itertuples()
    ]
    counts = scale_count.process_chunk(docs, DICTIONARY_1_0)["counts"]
    assert _digest(_count_lines(counts)) == FIRST_VERSION["counts"][0]


def test_rule_7_adds_exactly_the_compound_parts(shared_manifest, monkeypatch):
    from analysis.matcher import Matcher

    dic = dictionary(config.DEFAULT_DICTIONARY)
    toks = tokens(corpus_clean(corpus(shared_manifest)))
    new = tokens_lookup(toks, dic).counts.set_index(["doc_id", "theme"])["count"]
    with monkeypatch.context() as m:
        m.setattr(Matcher, "_compound_parts", lambda self, key: [])
        old = tokens_lookup(toks, dic).counts.set_index(["doc_id", "theme"])["count"]
    # independent count: each compound token adds one to every theme (and its parent) one of
    # whose one-token patterns matches a run of its parts
    expected = old.copy()
    lang_of = toks.docs.set_index("doc_id")["language"]
    for doc_id, keys in toks.data[toks.data["kind"] != "punct"].groupby("doc_id")["key"]:
        lang = lang_of[doc_id]
        singles = {
            t.id: [p.parts[0] for p in t.patterns.get(lang, ()) if len(p.parts) == 1] for t in dic.themes
        }
        every = [p for ps in singles.values() for p in ps]
        every += [p.parts[0] for t in dic.themes for p in t.exclude.get(lang, ()) if len(p.parts) == 1]
        for key in keys:
            runs = compound_runs(key, every)
            gained = {t.id for t in dic.themes if any(wildcard(p, r) for p in singles[t.id] for r in runs)}
            gained |= {t.parent for t in dic.themes if t.id in gained and t.parent}
            for theme in gained:
                expected[(doc_id, theme)] += 1
    changed = (new != old).sum()
    assert changed > 0  # the shared statements hold such compounds (G5-Sahel, NATO-…)
    diff = new[new != expected]
    assert diff.empty, diff.head()
