"""Frames, the sensitivity panel and the summary's rules (issue 16), on hand-made counts.

Each comparison here is built from synthetic counts chosen by hand (documents ``f`` for the
focus and ``fr-i`` / ``en-i`` for references); the statistics come from the package's own
tests (``textstat_theme_comparison``), so the checks are about the rules of the summary: what
may be called a finding, how it is said. Where a precondition matters (a difference that is or
is not significant), it is checked first with ``scipy.stats.fisher_exact``, an independent
computation.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from scipy.stats import fisher_exact

from analysis.comparison import Comparison
from analysis.frames import describe_frame, frame_filters, textstat_frames, window_since
from analysis.report.findings import findings, months_between
from analysis.textstat import textstat_theme_comparison

LABELS = {"arc": "Arcs", "bow": "Bows", "cup": "Cups", "dot": "Dots", "egg": "Eggs"}


class _Labels:
    def labels(self, lang):
        return LABELS


def _comparison(focus_counts, refs, *, focus_tokens=1000, language="en", genre="joint_statement",
                date="2024-09-26", frame_language="en"):  # fmt: skip
    """A Comparison from hand counts: ``refs`` is a list of (doc_id, language, date, tokens, counts)."""
    focus = {"doc_id": "f", "language": language, "genre": genre, "parties": "", "date": date,
             "n_tokens": focus_tokens, "title": "Synthetic focus"}  # fmt: skip
    rows = [{"doc_id": "f", "theme": t, "count": n, "tokens": focus_tokens} for t, n in focus_counts.items()]
    docs = []
    for doc_id, lang, day, tokens, counts in refs:
        meta = {"doc_id": doc_id, "language": lang, "genre": "joint_statement", "parties": "", "date": day}
        docs.append({**meta, "n_tokens": tokens, "title": f"Synthetic {doc_id}", "role": "reference"})
        rows += [
            {"doc_id": doc_id, "theme": t, "count": counts.get(t, 0), "tokens": tokens} for t in focus_counts
        ]
    pool_counts = pd.DataFrame(rows)
    pool_docs = pd.DataFrame(docs)
    filters = frame_filters(focus, language=frame_language)
    from analysis.frames import select_references

    selected = select_references(pool_docs, filters)
    ids = selected["doc_id"].tolist()
    counts = pool_counts[pool_counts["doc_id"].isin(["f", *ids])].copy()
    counts["parent"] = ""
    counts["per_1000"] = counts["count"] * 1000 / counts["tokens"]
    themes = textstat_theme_comparison(counts, "f", ids)
    for lang in ("fr", "en"):
        themes[f"label_{lang}"] = themes["theme"].map(LABELS)
    themes["is_root"] = True
    themes["cross_language"] = False
    sens = textstat_frames(pool_counts, pool_docs, focus, filters, ids)
    return Comparison(
        focus=focus, documents=pd.concat([pd.DataFrame([{**focus, "role": "focus"}]), selected]),
        counts=counts, themes=themes, words=None, words_message="",
        similarity=pd.DataFrame(columns=["doc_id", "cosine", "title", "date"]), notes=[],
        dictionary=_Labels(), lookup=None, tokens=None, corpus=None, parameters={"min_count": 3},
        frame=describe_frame(selected, filters), sensitivity=sens,
    )  # fmt: skip


def _sentence(out, start):
    hits = [s for s in out if s.startswith(start)]
    return hits[0] if hits else ""


# ------------------------------------------------------------------------------ frames
def test_window_since_by_hand():
    assert window_since("2024-09-26", "24M") == "2022-09-26"
    assert window_since("2024-03-31", "1M") == "2024-02-29"  # leap year, last day of the month
    assert window_since("2024-09-26", "2Y") == "2022-09-26"
    assert window_since("2024-01-10", "10D") == "2023-12-31"
    with pytest.raises(ValueError, match="24 months"):
        window_since("2024-09-26", "24 months")
    with pytest.raises(ValueError, match="focus's date"):
        window_since("", "24M")


def test_months_between_by_hand():
    assert months_between("2022-06-10", "2024-09-26") == 27  # 2 years 3 months 16 days
    assert months_between("2024-06-27", "2024-09-26") == 2  # one day short of 3 months


def test_default_frame_is_the_focus_language():
    f = frame_filters({"language": "fr", "date": "2024-09-26"})
    assert f["language"] == "fr"
    assert frame_filters({"language": "fr"}, language="all")["language"] is None


# ------------------------------------------------------------------------- the summary
FLAT = [(f"en-{i}", "en", "2024-01-01", 1000, {"arc": 0, "bow": 1, "cup": 2, "dot": 10}) for i in range(8)]


def test_zero_in_the_references_is_said_as_such_never_as_a_ratio():
    # Arcs: 6 in the focus, 0 in 8 references of 1,000 words each
    assert fisher_exact([[6, 0], [994, 8000]])[1] < 0.001  # independent precondition: significant
    comp = _comparison({"arc": 6, "bow": 1, "cup": 2, "dot": 10}, FLAT)
    out = findings(comp, "en")
    more = _sentence(out, "More frequent")
    assert "Arcs (6 occurrences in 1,000 words; none in the 8 references, 8,000 words)" in more
    arcs = more[more.index("Arcs") :].split(")")[0]
    assert "times" not in arcs and "×" not in " ".join(out)


def test_a_two_versus_zero_theme_is_never_a_headline():
    # Arcs 2 vs 0: below min_count 3, not testable; its Log Ratio (pseudo-count 0.5) is large
    comp = _comparison({"arc": 2, "bow": 1, "cup": 2, "dot": 10}, FLAT)
    row = comp.themes.set_index("theme").loc["arc"]
    assert not row["testable"] and row["log_ratio"] > 4
    out = findings(comp, "en")
    for start in ("More frequent", "Less frequent", "Differences that depend", "Document by document"):
        assert "Arcs" not in _sentence(out, start)


def test_a_tie_of_three_is_named_in_full():
    # Dots 13; Arcs, Bows, Cups 10 each (a three-way tie at the third place)
    refs = [
        (f"en-{i}", "en", "2024-01-01", 1000, {"arc": 10, "bow": 10, "cup": 10, "dot": 13}) for i in range(6)
    ]
    comp = _comparison({"arc": 10, "bow": 10, "cup": 10, "dot": 13}, refs)
    out = findings(comp, "en")
    dominant = _sentence(out, "The themes most present")
    for label in ("Dots (13", "Arcs (10", "Bows (10", "Cups (10"):
        assert label in dominant
    assert dominant.index("Dots") < dominant.index("Arcs") < dominant.index("Bows") < dominant.index("Cups")
    assert "3 themes tie at 10 occurrences: Arcs, Bows and Cups." in out


def test_a_non_significant_theme_is_never_a_finding():
    # Cups: 4 in the focus vs 2 per 1,000 words in every reference: not significant
    assert fisher_exact([[4, 16], [996, 7984]])[1] > 0.05  # independent precondition
    comp = _comparison({"arc": 6, "bow": 1, "cup": 4, "dot": 10}, FLAT)
    out = findings(comp, "en")
    assert "Cups" not in _sentence(out, "More frequent")
    assert "Cups" not in _sentence(out, "Differences that depend")


def test_ranks_only_when_the_reference_median_is_above_zero():
    # Arcs: median 0 in the references (all 0) -> no rank; Dots: median 10 -> rank given
    comp = _comparison({"arc": 6, "bow": 1, "cup": 2, "dot": 30}, FLAT)
    ranks = _sentence(findings(comp, "en"), "Document by document")
    assert "Arcs" not in ranks
    assert "Dots (rate higher than in 8 of the 8 references; median 10.0 per 1,000 words)" in ranks


def test_a_finding_that_flips_with_the_language_is_not_stated_as_one():
    # Arcs: 10 in the focus; French references 1 per 1,000 words (far less), English ones 12 per
    # 1,000 (a bit more): over-represented against French references, not against all of them
    fr = [(f"fr-{i}", "fr", "2024-01-01", 1000, {"arc": 1, "dot": 10}) for i in range(6)]
    en = [(f"en-{i}", "en", "2024-01-01", 1000, {"arc": 12, "dot": 10}) for i in range(6)]
    assert fisher_exact([[10, 6], [990, 5994]])[1] < 0.01  # French frame: significant
    assert fisher_exact([[10, 78], [990, 11922]])[1] > 0.05  # all references: not significant
    comp = _comparison({"arc": 10, "dot": 10}, fr + en, language="fr", frame_language="fr")
    assert comp.sensitivity.status("arc") == "frame-dependent"
    out = findings(comp, "en")
    assert "Arcs" not in _sentence(out, "More frequent")
    dependent = _sentence(out, "Differences that depend")
    assert "Arcs (more frequent in the selected frame; not significant against all references" in dependent


def test_leave_one_out_names_the_reference_a_finding_rests_on():
    # Arcs 7 in the focus; en-0 is long (100,000 words) with no Arcs; five short references have
    # 3 each. With en-0 the focus rate (7 per 1,000) is far above the references'; without it,
    # 7 per 1,000 against 3 per 1,000 is not significant.
    refs = [("en-0", "en", "2024-01-01", 100_000, {"arc": 0, "dot": 100})]
    refs += [(f"en-{i}", "en", "2024-01-01", 1000, {"arc": 3, "dot": 1}) for i in range(1, 6)]
    assert fisher_exact([[7, 15], [993, 104985]])[1] < 0.001  # independent preconditions
    assert fisher_exact([[7, 15], [993, 4985]])[1] > 0.05
    comp = _comparison({"arc": 7, "dot": 1}, refs)
    stab = comp.sensitivity.stability.set_index("theme").loc["arc"]
    assert stab["direction"] == "over" and stab["status"] == "frame-dependent"
    assert stab["loo_lost_ids"] == "en-0"
    assert (stab["loo_kept"], stab["loo_total"]) == (5, 6)
    assert "when leaving out 1 of the 6 references one at a time" in _sentence(
        findings(comp, "en"), "Differences that depend"
    )


def test_dated_references_are_said():
    old = [(f"en-{i}", "en", "2020-10-01", 1000, {"arc": 0, "dot": 10}) for i in range(6)]
    comp = _comparison({"arc": 6, "dot": 10}, old)
    caveats = _sentence(findings(comp, "en"), "Keep in mind")
    assert "the frame's references end on October 1, 2020, 47 months before the text analysed" in caveats
    assert "previous 24 months" in caveats  # that frame could not be formed


def test_every_summary_sentence_is_stated_under_its_frame():
    comp = _comparison({"arc": 6, "bow": 1, "cup": 2, "dot": 10}, FLAT)
    out = findings(comp, "en")
    assert out[0] == (
        "Frame of comparison: 8 reference statements in English (8,000 words; joint statement (8)), "
        "dated January 1, 2024 to January 1, 2024."
    )
    # counts in the finding sentence are the table's
    row = comp.themes.set_index("theme").loc["arc"]
    n = re.search(r"Arcs \((\d+) occurrences in ([\d,]+) words", _sentence(out, "More frequent"))
    assert (int(n.group(1)), int(n.group(2).replace(",", ""))) == (row["focus_count"], row["focus_tokens"])


def test_a_bad_window_is_bad_input_before_any_count():
    from analysis.compare import SelectionError, check_selection

    with pytest.raises(SelectionError, match="24M"):
        check_selection(window="24 months")
    # the seed is dated 2024-09-26 and every French reference is older than 24 months
    with pytest.raises(SelectionError, match="no reference document left"):
        check_selection(window="24M")
    assert check_selection(window="24M", reference_language="all") is None


def _loo_case(seed: int, n_refs: int = 75):
    """A synthetic frame larger than LOO_EXHAUSTIVE: random counts, a few long documents."""
    import random

    rng = random.Random(seed)
    refs = []
    for i in range(n_refs):
        tokens = rng.choice([300, 800, 1500, 4000]) if i % 15 else 40_000
        counts = {t: rng.choice([0, 0, 0, 1, 2, 5, 12]) * tokens // 1000
                  for t in ("arc", "bow", "cup", "dot")}
        refs.append((f"en-{i:02d}", "en", "2024-01-01", tokens, counts))
    return {"arc": 9, "bow": 0, "cup": 4, "dot": 2}, refs


@pytest.mark.parametrize("seed", [1, 2, 3, 31])  # 31: a finding at p_Holm 0.0496 that most removals lose
def test_leave_one_out_candidates_give_the_exhaustive_result(seed, monkeypatch):
    # independent computation: the same panel with every reference left out in turn
    import analysis.frames

    focus, refs = _loo_case(seed)
    fast = _comparison(focus, refs).sensitivity
    monkeypatch.setattr(analysis.frames, "LOO_EXHAUSTIVE", 10_000)
    full = _comparison(focus, refs).sensitivity
    pd.testing.assert_frame_equal(fast.stability, full.stability)
    assert (fast.stability["loo_total"] == len(refs)).all()


def test_leave_one_out_candidates_are_the_pareto_fronts():
    from analysis.frames import leave_one_out_candidates

    # by hand: over front = fewest occurrences then most words: z (0, 900); under front: x (4, 100)
    counts = pd.DataFrame({"t": [4, 0, 0, 2, 4]}, index=["x", "y", "z", "w", "v"])
    words = pd.Series([100, 200, 900, 50, 300], index=counts.index)
    ids = list(counts.index)
    assert leave_one_out_candidates(counts, words, ids, limit=10) == ids
    # over: z (0, 900) dominates y (0, 200); w (2, 50) and x, v have fewer words than z: not on it.
    # under: x (4, 100) dominates v (4, 300); w (2, 50) has fewer words than x: on it.
    assert leave_one_out_candidates(counts, words, ids, limit=2) == ["x", "z", "w"]
    # a tie (same occurrences and words as a front document) is on the front too
    counts.loc["u"] = [0]
    words.loc["u"] = 900
    assert leave_one_out_candidates(counts, words, [*ids, "u"], limit=2) == ["x", "z", "w", "u"]
