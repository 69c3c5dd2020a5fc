"""compare(): the default run without ../shared, and hand-checked numbers on a synthetic setup.

The synthetic setup: a French focus text (full text, its own manifest) and four reference
texts built into a features-only reference set with ``reference_build`` (tmp folder), all
counted with a small dictionary written here. Texts have no apostrophe, hyphen or number,
so their token counts (punctuation excluded) are ``len(re.findall(r"\\w+", text))``; the
hand counts are written beside each text.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from analysis.compare import compare
from analysis.reference import reference_build

THEME_COLUMNS = [
    "theme", "focus_count", "focus_tokens", "focus_per_1000", "reference_count", "reference_tokens",
    "reference_per_1000", "g2", "p_value", "p_holm", "log_ratio", "log_ratio_ci_low",
    "log_ratio_ci_high", "lrc", "percentile", "reference_median",
]  # fmt: skip

DICT = """\
name: synthetic_compare
version: "0.1"
description: Synthetic instrument for the comparison tests.
themes:
  polar:
    label: {fr: Pôle, en: Polar}
    description: Synthetic polar vocabulary.
    fr: [arctique*, banquise]
    en: [arctic, ice*]
  trade:
    label: {fr: Commerce, en: Trade}
    description: Synthetic trade vocabulary.
    fr: [commerce*, tarif*]
    en: [trade*, tariff*]
"""

FOCUS = "synth-focus-fr"
# 7 + 8 + 3 = 18 tokens; polar: banquise, arctique, banquise, arctiques = 4; trade: commerce = 1
FOCUS_TEXT = (
    "Alphaland et Betaland regardent la banquise arctique. "
    "La banquise fond et les eaux arctiques changent. Le commerce continue."
)
# (doc_id, date, parties, language, text): hand counts in the comments
REFS = [
    # 12 + 4 = 16 tokens; polar: banquise = 1; trade: commerce, tarifs = 2
    ("ref-fr-1", "2020-01-10", "Alphaland; Betaland", "fr",
     "Alphaland et Betaland signent un accord sur le commerce et les tarifs. La banquise reste loin."),
    # 9 + 3 = 12 tokens; polar 0; trade 0
    ("ref-fr-2", "2022-05-01", "Alphaland; Gammaland", "fr",
     "Alphaland et Gammaland parlent de culture et de musique. Les musées ouvrent."),
    # 9 + 8 = 17 tokens; polar: arctic, ice, ice, arctic = 4 ("polar" is no pattern); trade 0
    ("ref-en-1", "2021-03-03", "Betaland; Gammaland", "en",
     "Betaland and Gammaland discuss arctic ice and polar research. "
     "The ice shelf melts in the arctic summer."),
    # 8 + 2 = 10 tokens; polar 0; trade: trade, tariffs, Trade = 3
    ("ref-en-2", "2023-07-07", "Alphaland; Deltaland", "en",
     "Alphaland and Deltaland expand trade and lower tariffs. Trade grows."),
]  # fmt: skip
HAND_TOKENS = {FOCUS: 18, "ref-fr-1": 16, "ref-fr-2": 12, "ref-en-1": 17, "ref-en-2": 10}
HAND_POLAR = {FOCUS: 4, "ref-fr-1": 1, "ref-fr-2": 0, "ref-en-1": 4, "ref-en-2": 0}
HAND_TRADE = {FOCUS: 1, "ref-fr-1": 2, "ref-fr-2": 0, "ref-en-1": 0, "ref-en-2": 3}


def _manifest(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "manifest.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "date", "parties", "language", "genre", "path"])
        for doc_id, date, parties, lang, text in rows:
            (folder / f"{doc_id}.txt").write_text(text, encoding="utf-8")
            title = f"Synthetic statement {doc_id}"
            w.writerow([doc_id, title, date, parties, lang, "joint_statement", f"{doc_id}.txt"])
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("compare")
    dic = root / "synthetic.yaml"
    dic.write_text(DICT, encoding="utf-8")
    focus = _manifest(root / "focus", [(FOCUS, "2024-01-15", "Alphaland; Betaland", "fr", FOCUS_TEXT)])
    refs = _manifest(root / "refs", REFS)
    built = reference_build(refs, root / "reference", dictionary_path=dic)
    return {"focus": focus, "refs": refs, "reference": built, "dictionary": dic}


def run(setup, **kw):
    kw.setdefault("reference_language", "all")  # the hand counts below pool both languages
    return compare(
        FOCUS, corpus_manifest=setup["focus"], dictionary_path=setup["dictionary"],
        reference=setup["reference"], **kw,
    )  # fmt: skip


def _refs(c) -> list[str]:
    return sorted(c.documents.loc[c.documents["role"] == "reference", "doc_id"])


# ------------------------------------------------------------------------- default run
def test_default_compare_runs_without_shared(tmp_path):
    env = {**os.environ, "ANALYSIS_SHARED": str(tmp_path / "no-shared-here")}
    proc = subprocess.run(
        [sys.executable, "-m", "analysis", "-q", "compare", "--format", "csv"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    table = pd.read_csv(io.StringIO(proc.stdout))
    missing = [c for c in THEME_COLUMNS if c not in table.columns]
    assert not missing, missing
    assert len(table) > 0 and table["theme"].is_unique


# ------------------------------------------------------------------ synthetic hand checks
def test_token_counts_are_direct_counts(setup):
    # independent computation: runs of \w characters in the synthetic texts
    texts = {FOCUS: FOCUS_TEXT, **{r[0]: r[4] for r in REFS}}
    assert {d: len(re.findall(r"\w+", t)) for d, t in texts.items()} == HAND_TOKENS
    c = run(setup)
    assert c.documents.set_index("doc_id")["n_tokens"].to_dict() == HAND_TOKENS
    sources = c.documents.set_index("doc_id")["source"].to_dict()
    assert sources == {FOCUS: "full text", **{r[0]: "features" for r in REFS}}


def test_theme_numbers_by_hand(setup):
    c = run(setup)
    polar = c.themes.set_index("theme").loc["polar"]
    assert polar["focus_count"] == 4
    assert polar["focus_tokens"] == 18
    assert polar["focus_per_1000"] == pytest.approx(4000 / 18)
    assert polar["reference_count"] == 1 + 0 + 4 + 0  # pooled over the four references
    assert polar["reference_tokens"] == 16 + 12 + 17 + 10
    assert polar["reference_per_1000"] == pytest.approx(5 * 1000 / 55)
    # reference rates per 1,000: 1000/16 (62.5), 0, 4000/17 (235.3), 0; focus 4000/18 (222.2)
    # mid-rank percentile: 3 below, 0 ties, out of 4 -> 75; median of (0, 0, 62.5, 235.3) = 31.25
    assert polar["percentile"] == pytest.approx(75.0)
    assert polar["reference_median"] == pytest.approx((0 + 1000 / 16) / 2)
    assert polar["n_reference_docs"] == 4
    trade = c.themes.set_index("theme").loc["trade"]
    assert (trade["focus_count"], trade["reference_count"]) == (1, 2 + 0 + 0 + 3)
    # per-document counts as counted by hand
    counts = c.counts.set_index(["doc_id", "theme"])["count"]
    assert {d: counts[(d, "polar")] for d in HAND_POLAR} == HAND_POLAR
    assert {d: counts[(d, "trade")] for d in HAND_TRADE} == HAND_TRADE


def test_features_and_full_text_references_agree(setup):
    # the same references read as full texts (reference_manifest) give the same theme table
    feats = run(setup)
    full = compare(
        FOCUS, corpus_manifest=setup["focus"], dictionary_path=setup["dictionary"],
        reference=None, reference_manifest=setup["refs"], reference_language="all",
    )  # fmt: skip
    assert set(full.documents["source"]) == {"full text"}
    cols = ["theme", "focus_count", "reference_count", "reference_tokens", "percentile", "reference_median"]
    pd.testing.assert_frame_equal(
        feats.themes[cols].sort_values("theme").reset_index(drop=True),
        full.themes[cols].sort_values("theme").reset_index(drop=True),
    )


def test_cross_language_flag(setup):
    both = run(setup)
    assert both.themes["cross_language"].all()
    assert any("across languages" in n for n in both.notes)
    fr_only = run(setup, reference_language="fr")
    assert not fr_only.themes["cross_language"].any()
    assert not any("across languages" in n for n in fr_only.notes)
    assert _refs(fr_only) == ["ref-fr-1", "ref-fr-2"]


def test_default_frame_is_the_focus_language(setup):
    """Issue 16: the default reference set is the focus's language (the REFS table above has two
    French references, ref-fr-1 and ref-fr-2); the frame names it with its documents and words."""
    c = compare(FOCUS, corpus_manifest=setup["focus"], dictionary_path=setup["dictionary"],
                reference=setup["reference"])  # fmt: skip
    assert _refs(c) == ["ref-fr-1", "ref-fr-2"]
    assert not c.themes["cross_language"].any()
    assert (c.frame["language"], c.frame["n_documents"]) == ("fr", 2)
    assert c.frame["n_tokens"] == HAND_TOKENS["ref-fr-1"] + HAND_TOKENS["ref-fr-2"]
    assert c.frame["languages"] == {"fr": 2}


def test_window_keeps_the_months_before_the_focus(setup):
    """The focus is dated 2024-01-15; "24M" keeps references dated 2022-01-15 to 2024-01-15
    (read off the REFS table: only those dates qualify)."""
    c = run(setup, window="24M")
    dates = c.documents.set_index("doc_id")["date"]
    assert all("2022-01-15" <= dates[d] <= "2024-01-15" for d in _refs(c))
    assert (c.frame["since"], c.frame["until"], c.frame["window"]) == ("2022-01-15", "2024-01-15", "24M")
    assert _refs(c) == ["ref-en-2", "ref-fr-2"]


def test_word_keyness_uses_same_language_references_only(setup):
    c = run(setup)
    assert c.words is not None
    assert sorted(c.words.attrs["reference_documents"]) == ["ref-fr-1", "ref-fr-2"]
    # denominators: focus 18 tokens; French references 16 + 12 (English ones left out)
    assert set(c.words["focus_tokens"]) == {18}
    assert set(c.words["reference_tokens"]) == {16 + 12}
    # "banquise": focus 2, ref-fr-1 1 (stopwords are removed, content words stay)
    row = c.words.set_index("term").loc["banquise"]
    assert (row["focus_count"], row["reference_count"]) == (2, 1)
    # English-only words never enter the French keyness table
    assert not {"ice", "trade", "arctic"} & set(c.words["term"])


def test_no_same_language_reference_means_no_words(setup):
    c = run(setup, reference_language="en")
    assert c.words is None
    assert "no reference document in the focus language (fr)" in c.words_message
    assert c.words_message in c.notes
    assert c.themes["cross_language"].all()


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"parties": "Gammaland"}, ["ref-en-1", "ref-fr-2"]),
        ({"parties": ["Deltaland", "Betaland"]}, ["ref-en-1", "ref-en-2", "ref-fr-1"]),
        ({"since": "2021-01-01"}, ["ref-en-1", "ref-en-2", "ref-fr-2"]),
        ({"until": "2021-12-31"}, ["ref-en-1", "ref-fr-1"]),
        ({"since": "2021-01-01", "until": "2022-12-31"}, ["ref-en-1", "ref-fr-2"]),
        ({"ids": ["ref-en-2", "ref-fr-1"]}, ["ref-en-2", "ref-fr-1"]),
        ({"reference_language": "en", "parties": "Alphaland"}, ["ref-en-2"]),
    ],
    ids=["party", "parties", "since", "until", "since-until", "ids", "language-party"],
)
def test_filters_select_expected_documents(setup, filters, expected):
    # expected lists read off the REFS table above (dates, parties, languages)
    c = run(setup, **filters)
    assert _refs(c) == expected
    assert set(c.themes["n_reference_docs"]) == {len(expected)}
    polar = c.themes.set_index("theme").loc["polar"]
    assert polar["reference_count"] == sum(HAND_POLAR[d] for d in expected)
    assert polar["reference_tokens"] == sum(HAND_TOKENS[d] for d in expected)


def test_filters_leaving_nothing_raise(setup):
    with pytest.raises(ValueError, match="no reference document left"):
        run(setup, parties="Nowhereland")


def test_unknown_focus_names_the_manifest(setup):
    with pytest.raises(ValueError, match="no-such-doc") as err:
        compare("no-such-doc", corpus_manifest=setup["focus"], dictionary_path=setup["dictionary"],
                reference=setup["reference"])  # fmt: skip
    assert str(setup["focus"].resolve()) in str(err.value)


# ------------------------------------------------------------------------------ similarity
def test_similarity_cosine_by_numpy(setup):
    c = run(setup)
    # independent computation from the counts table: root-theme rate profiles, numpy cosine
    roots = c.counts[c.counts["parent"] == ""]
    profiles = roots.pivot(index="doc_id", columns="theme", values="per_1000").fillna(0.0)
    focus = profiles.loc[FOCUS].to_numpy()
    ref = profiles.loc["ref-fr-1"].to_numpy()
    expected = float(np.dot(focus, ref) / (np.linalg.norm(focus) * np.linalg.norm(ref)))
    sim = c.similarity.set_index("doc_id")
    assert sim.loc["ref-fr-1", "cosine"] == pytest.approx(expected)
    # by hand: focus (polar, trade) rates are proportional to (4, 1); ref-fr-1 to (1, 2),
    # ref-en-1 to (1, 0), ref-en-2 to (0, 1), ref-fr-2 is all zero (cosine 0)
    hand = {
        "ref-en-1": 4 / math.sqrt(17),
        "ref-fr-1": 6 / math.sqrt(17 * 5),
        "ref-en-2": 1 / math.sqrt(17),
        "ref-fr-2": 0.0,
    }
    assert sim["cosine"].to_dict() == pytest.approx(hand)
    assert c.similarity["doc_id"].tolist() == ["ref-en-1", "ref-fr-1", "ref-en-2", "ref-fr-2"]
    assert c.similarity["rank"].tolist() == [1, 2, 3, 4]
    assert FOCUS not in set(c.similarity["doc_id"])
    assert c.similarity.set_index("doc_id").loc["ref-en-1", "language"] == "en"


# --------------------------------------------------------------- second-reader findings
def test_selection_errors_are_bad_input(setup):
    from analysis.compare import SelectionError

    with pytest.raises(SelectionError, match="no reference document left"):
        run(setup, since="2030-01-01")
    with pytest.raises(SelectionError, match="no document with id"):
        compare("no-such-focus", corpus_manifest=setup["focus"], dictionary_path=setup["dictionary"])


def test_accent_sensitive_dictionary_is_not_answered_from_folded_features(setup, tmp_path):
    sensitive = tmp_path / "sensitive.yaml"
    sensitive.write_text(DICT.replace("themes:", "accent_sensitive: true\nthemes:"), encoding="utf-8")
    from analysis.compare import SelectionError

    # every theme needs the features-only references: none can be compared, and the error says why
    with pytest.raises(SelectionError, match="accent-sensitive"):
        compare(
            FOCUS, corpus_manifest=setup["focus"], dictionary_path=sensitive, reference=setup["reference"]
        )


def test_overlap_all_is_not_served_from_longest_match_counts(setup):
    from analysis.dictionary import dictionary
    from analysis.reference import reference_set, reference_theme_counts

    counts = reference_theme_counts(
        reference_set(setup["reference"]), dictionary(setup["dictionary"]), overlap="all"
    )
    assert not counts["exact"].any()
    # no phrase in this dictionary: the recomputed counts still equal the hand counts
    polar = counts[counts["theme"] == "polar"].set_index("doc_id")["count"].to_dict()
    assert polar == {d: HAND_POLAR[d] for d in polar}


def test_check_selection_raises_what_compare_raises(setup, tmp_path):
    """The pre-check of scheduled runs (no counting) refuses exactly the selections compare refuses."""
    from analysis.compare import SelectionError, check_selection

    sensitive = tmp_path / "sensitive.yaml"
    sensitive.write_text(DICT.replace("themes:", "accent_sensitive: true\nthemes:"), encoding="utf-8")
    base = {"corpus_manifest": setup["focus"], "dictionary_path": setup["dictionary"],
            "reference": setup["reference"]}  # fmt: skip
    bad = [
        (FOCUS, {**base, "since": "2030-01-01"}),
        ("no-such-focus", base),
        (FOCUS, {**base, "dictionary_path": sensitive}),
        (FOCUS, {**base, "reference": None}),
    ]
    for focus, kwargs in bad:
        with pytest.raises(SelectionError) as expected:
            compare(focus, **kwargs)
        with pytest.raises(SelectionError) as checked:
            check_selection(focus, **kwargs)
        assert str(checked.value) == str(expected.value)
    assert check_selection(FOCUS, **base) is None  # a selection compare accepts
    compare(FOCUS, **base)


def test_references_with_full_text_are_counted_once(shared_manifest):
    """Found by a second reader: when every selected features-only reference also had its full
    text (the shared corpus as reference_manifest), the empty id list meant "no filter" and
    every reference was counted twice (compare failed on duplicate rows)."""
    from analysis.corpus import corpus
    from analysis.reference import reference_set

    c = compare(reference_manifest=shared_manifest, reference_language="all")
    refs = c.documents[c.documents["role"] == "reference"]
    assert refs["doc_id"].is_unique
    full_text = set(corpus(shared_manifest).docs["doc_id"])
    # each statement of the manifest read from its text, none of them from its features
    assert set(refs.loc[refs["doc_id"].isin(full_text), "source"]) == {"full text"}
    assert set(refs["doc_id"]) >= set(reference_set().docs["doc_id"])


@pytest.mark.parametrize("bad", ["2022-1-1", "2024-02-30", "foo", "2024-13-01", "20240101"])
def test_dates_that_would_compare_wrongly_as_text_are_refused(setup, bad):
    """Found by a second reader: "2022-1-1" sorted after "2022-02-11" as text and silently
    dropped references; impossible dates ran the whole comparison before a misleading error."""
    from analysis.compare import SelectionError, check_selection

    for call in (run, lambda s, **kw: check_selection(FOCUS, corpus_manifest=s["focus"], **kw)):
        with pytest.raises(SelectionError, match=r"since '.*': not a date written YYYY-MM-DD"):
            call(setup, since=bad)
    assert len(_refs(run(setup, since="2022-01-01", until="2030-12-31"))) >= 1
