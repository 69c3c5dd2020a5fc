"""The one engine gives the first version's counts on the 30 shared statements.

The expected digests were recorded on 2026-12-02 from commit c8609c5, before the engine was
rewritten: there, ``tokens_lookup`` ran its own Python matcher and corpus-scale counting ran
the C extension ``analysis._fastkeys`` (a separate implementation of the same rules, since
removed). Both gave these digests; the rewritten package must give them too. Each digest is
the sha256 of the table written as tab-separated lines (``_lines`` below), so that a change
in any count names itself by a failing test, not by a silent drift. ``docs/ARCHITECTURE.md``
records the same comparison on the seed, the reference build and the two bench corpora.
"""

from __future__ import annotations

import hashlib

from analysis import config
from analysis.clean import corpus_clean
from analysis.corpus import corpus
from analysis.dictionary import dictionary
from analysis.lookup import tokens_lookup
from analysis.scale import count as scale_count
from analysis.tokens import tokens

FIRST_VERSION = {  # recorded from commit c8609c5 (see the module docstring)
    "counts": ("d76064348d5ecef09f21e8574c51396c6cc3afca3b697900c7f345c5065b8da6", 660, 2867),
    "pattern_counts": ("6e8c0e9bf12e6dfed0e3995f0a59e78f288f306934f5018d8b911a34b66613c7", 990),
}


def _digest(lines: list[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _count_lines(counts) -> list[str]:
    c = counts.sort_values(["doc_id", "theme"])
    return [f"{r.doc_id}\t{r.theme}\t{r.count}\t{r.matched_tokens}\t{r.tokens}" for r in c.itertuples()]


def test_tokens_lookup_gives_the_first_versions_counts(shared_manifest):
    res = tokens_lookup(tokens(corpus_clean(corpus(shared_manifest))), dictionary(config.DEFAULT_DICTIONARY))
    digest, n_rows, total = FIRST_VERSION["counts"]
    lines = _count_lines(res.counts)
    assert (len(lines), int(res.counts.loc[res.counts["is_root"], "count"].sum())) == (n_rows, total)
    assert _digest(lines) == digest
    p = res.pattern_counts.sort_values(["doc_id", "theme", "pattern"])
    lines = [f"{r.doc_id}\t{r.theme}\t{r.pattern}\t{r.count}\t{r.surface_forms}" for r in p.itertuples()]
    assert (_digest(lines), len(lines)) == FIRST_VERSION["pattern_counts"]


def test_corpus_scale_counting_gives_the_first_versions_counts(shared_manifest):
    raw = corpus(shared_manifest).docs
    docs = [
        {"doc_id": r.doc_id, "text": r.text, "language": r.language, "title": r.title}
        for r in raw.itertuples()
    ]
    counts = scale_count.process_chunk(docs, config.DEFAULT_DICTIONARY)["counts"]
    assert _digest(_count_lines(counts)) == FIRST_VERSION["counts"][0]
