"""Issue 17 (item 1): the instrument against human coding.

Synthetic sets point into the seed article (the one text the project ships); the
expected hits of the seed's first sentence are read by hand off the dictionary's
lists: "coopération" (coopér*, cooperation), "défense" and "sécurité" (security_defence),
nothing else. The shipped set is checked for size, coverage and for holding no text;
its figures are recomputed from its rows by an independent count in the last test.
"""

from __future__ import annotations

import csv
import math
import re

import pandas as pd
import pytest

from analysis import config
from analysis.cli import main
from analysis.dictionary import dictionary
from analysis.validation import (
    DEFAULT_SET,
    FLAG_BELOW,
    ValidationSetError,
    agreement,
    coded_sentences,
    score_table,
    span_sha256,
    textstat_validation,
)
from analysis.validation_texts import document_sentences, held_text, raw_sentences

SEED = config.DEFAULT_FOCUS_ID
FIELDS = ["source", "doc_id", "start", "end", "language", "sha256", "themes", "evidence", "coder", "sample"]


def _seed_row(i, themes, evidence=""):
    s = document_sentences("seed", SEED)[i]
    text = held_text("seed", SEED)[1]
    return {"source": "seed", "doc_id": SEED, "start": s.start, "end": s.end, "language": "fr",
            "sha256": span_sha256(text[s.start : s.end]), "themes": themes, "evidence": evidence,
            "coder": "synthetic", "sample": "test"}  # fmt: skip


def _write(path, rows):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(rows)
    return path


def test_scores_from_hand_counts():
    # arctic: 2 TP, 1 FP, 1 FN, 1 TN -> P 2/3, R 2/3; cyber: no coded, no predicted -> NaN
    d = [("en", "arctic", True, True), ("en", "arctic", True, True), ("en", "arctic", False, True),
         ("en", "arctic", True, False), ("en", "arctic", False, False),
         ("fr", "cyber", False, False)]  # fmt: skip
    t = score_table(d).set_index(["theme", "language"])
    a = t.loc[("arctic", "en")]
    assert (a.tp, a.fp, a.fn, a.support, a.sentences) == (2, 1, 1, 3, 5)
    assert a.precision == pytest.approx(2 / 3) and a.recall == pytest.approx(2 / 3)
    assert a.f1 == pytest.approx(2 / 3) and a.flag == (FLAG_BELOW > 2 / 3)
    assert math.isnan(t.loc[("cyber", "fr")].precision) and not t.loc[("cyber", "fr")].flag
    assert t.loc[("arctic", "all")].tp == 2  # both languages pooled


def test_seed_sentence_against_a_synthetic_coding(tmp_path):
    # coder: security_defence (TP) and arctic (FN: a synthetic decision); not cooperation (FP)
    path = _write(tmp_path / "set.csv", [
        _seed_row(0, "arctic;security_defence", "arctic=synthetic; security_defence=défense|sécurité"),
    ])  # fmt: skip
    v = textstat_validation(path)
    s = v.scores[v.scores["language"] == "fr"].set_index("theme")
    assert (s.loc["security_defence", "tp"], s.loc["security_defence", "precision"]) == (1, 1.0)
    assert (s.loc["cooperation", "fp"], s.loc["cooperation", "precision"]) == (1, 0.0)
    assert (s.loc["arctic", "fn"], s.loc["arctic", "recall"]) == (1, 0.0)
    assert int(s["tp"].sum() + s["fp"].sum() + s["fn"].sum()) == 3  # every other theme agrees (TN)
    dis = v.disagreements.set_index("theme")
    assert dis.loc["cooperation", "kind"] == "false_positive"
    assert dis.loc["cooperation", "matched"] == "coopération"
    assert dis.loc["arctic", "kind"] == "false_negative" and dis.loc["arctic", "evidence"] == "synthetic"
    assert set(v.flagged()) == {"arctic", "cooperation"}
    assert v.sentences == 1 and v.skipped == []


def test_changed_or_absent_texts_are_skipped_and_said(tmp_path, monkeypatch):
    bad = {**_seed_row(1, ""), "sha256": "0" * 16}
    absent = {**_seed_row(2, ""), "source": "corpus", "doc_id": "x-en"}
    monkeypatch.setattr(config, "SHARED_DIR", tmp_path / "no-shared")
    v = textstat_validation(_write(tmp_path / "set.csv", [_seed_row(0, "cooperation;security_defence"), bad,
                                                          absent]))  # fmt: skip
    assert (v.sentences, v.skipped_sentences) == (1, 2)
    assert any("text changed since it was coded" in s for s in v.skipped)
    assert "1 sentences of source 'corpus': text absent" in v.skipped


@pytest.mark.parametrize(
    ("edit", "message"),
    [({"start": "x"}, "not integers"), ({"themes": "no_such_theme"}, "unknown themes"),
     ({"language": "de"}, "language"), ({"start": 5, "end": 5}, "do not make a span")],
)  # fmt: skip
def test_a_bad_set_is_refused_with_its_line(tmp_path, edit, message):
    path = _write(tmp_path / "set.csv", [{**_seed_row(0, "cooperation"), **edit}])
    with pytest.raises(ValidationSetError, match=message):
        textstat_validation(path)
    assert main(["validate", "--set", str(path)]) == 2


@pytest.mark.parametrize(
    ("edit", "message"),
    [({"source": "nowhere"}, "unknown source"), ({"doc_id": "no-such-doc"}, "no document"),
     ({"end": 10**6}, "ends after the text"), ({"language": "en"}, "the text is 'fr'")],
)  # fmt: skip
def test_a_row_pointing_nowhere_is_refused(tmp_path, edit, message):
    path = _write(tmp_path / "set.csv", [{**_seed_row(0, "cooperation"), **edit}])
    with pytest.raises(ValidationSetError, match=message):
        textstat_validation(path)
    assert main(["validate", "--set", str(path)]) == 2


def test_a_spreadsheet_export_is_read(tmp_path):
    # a UTF-8 BOM and an upper-case sha256, as a spreadsheet may write them
    row = _seed_row(0, "cooperation;security_defence")
    path = _write(tmp_path / "set.csv", [{**row, "sha256": row["sha256"].upper()}])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert textstat_validation(path).sentences == 1


def test_cli_prints_the_table(tmp_path, capsys):
    path = _write(tmp_path / "set.csv", [_seed_row(0, "cooperation;security_defence")])
    assert main(["validate", "--set", str(path), "--output", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^security_defence\s+fr\s+1\s+1\s+1\.00\s+1\.00\s+1\.00$", out, re.M), out
    assert (tmp_path / "out" / "validation_scores.csv").exists()
    assert main(["validate", "--set", str(path), "--format", "csv"]) == 0
    scores = capsys.readouterr().out
    assert scores.splitlines()[0].startswith("language,theme,sentences,support,tp,fp,fn")


def test_sentences_keep_raw_offsets_through_html():
    text = "<p>Premier point.</p><p>Second point, <b>gras</b>.</p>"
    sents = raw_sentences(text, "fr")
    assert [s.text for s in sents] == ["Premier point.", "Second point, gras ."]
    assert [text[s.start : s.end] for s in sents] == ["Premier point.", "Second point, <b>gras</b>."]


def test_cohen_kappa_by_hand():
    # 10 sentences: both yes 3, both no 5, first only 1, second only 1 -> po 0.8,
    # pe = 0.4*0.4 + 0.6*0.6 = 0.52, kappa = (0.8 - 0.52) / 0.48
    first = [("t",)] * 4 + [()] * 6
    second = [("t",)] * 3 + [()] + [("t",)] + [()] * 5
    key = {"source": "x", "doc_id": "d"}
    a = pd.DataFrame([{**key, "start": i, "end": i + 1, "themes": t} for i, t in enumerate(first)])
    b = pd.DataFrame([{**key, "start": i, "end": i + 1, "themes": t} for i, t in enumerate(second)])
    r = agreement(a, b, ["t"]).iloc[0]
    assert r.kappa == pytest.approx((0.8 - 0.52) / 0.48)


# --------------------------------------------------------------------------- the shipped set
def _roots():
    return [t.id for t in dictionary(config.DEFAULT_DICTIONARY).themes if not t.parent]


def test_shipped_set_is_large_and_covers_every_root_theme():
    coded = coded_sentences(DEFAULT_SET, themes=set(_roots()))
    assert len(coded) >= 300
    assert set(coded["language"]) == {"fr", "en"}
    positives = pd.Series([t for ts in coded["themes"] for t in ts]).value_counts()
    thin = {t: int(positives.get(t, 0)) for t in _roots() if positives.get(t, 0) < 10}
    assert not thin, f"root themes with fewer than 10 coded sentences: {thin}"
    assert coded["sha256"].str.fullmatch(r"[0-9a-f]{16}").all()
    # evidence: a few words per theme, never a sentence
    for value in coded["evidence"]:
        for part in str(value).split(";"):
            for words in part.partition("=")[2].split("|"):
                assert len(words.split()) <= 10, words  # a name ("Convention on the Law of the Sea")


def test_shipped_set_holds_no_sentence(shared_manifest):
    coded = coded_sentences(DEFAULT_SET)
    shipped = DEFAULT_SET.read_text(encoding="utf-8").lower()
    for row in coded.itertuples():
        held = held_text(row.source, row.doc_id)
        if held is None:
            continue
        words = re.findall(r"\w+", held[1][row.start : row.end].lower())
        for i in range(len(words) - 11):  # no run of 12 words of a sentence (names are shorter)
            assert " ".join(words[i : i + 12]) not in shipped, (row.doc_id, row.start)


def test_shipped_figures_equal_an_independent_count(shared_manifest):
    # independent computation: per theme, the dictionary's sentence-level decision from
    # pattern_counts of each sentence counted as its own document, against the coded themes
    from analysis.clean import clean_text
    from analysis.lookup import tokens_lookup
    from analysis.tokens import tokens

    coded = coded_sentences(DEFAULT_SET)
    v = textstat_validation(DEFAULT_SET)
    assert v.skipped == []  # every text is held on this machine
    docs = []
    for i, row in enumerate(coded.itertuples()):
        span = held_text(row.source, row.doc_id)[1][row.start : row.end]
        text = clean_text(span, language=row.language, steps=("html", "markdown", "boilerplate", "unwrap",
                                                               "typography"), audit=False).text  # fmt: skip
        docs.append({"doc_id": f"d{i}", "text": text, "language": row.language})
    look = tokens_lookup(tokens(pd.DataFrame(docs)), dictionary(config.DEFAULT_DICTIONARY))
    counts = look.counts[look.counts["is_root"]].set_index(["doc_id", "theme"])["count"]
    for theme in _roots():
        tp = sum(counts[(f"d{i}", theme)] > 0 and theme in t for i, t in enumerate(coded["themes"]))
        fp = sum(counts[(f"d{i}", theme)] > 0 and theme not in t for i, t in enumerate(coded["themes"]))
        fn = sum(counts[(f"d{i}", theme)] == 0 and theme in t for i, t in enumerate(coded["themes"]))
        row = v.scores.query("theme == @theme and language == 'all'").iloc[0]
        assert (row.tp, row.fp, row.fn) == (tp, fp, fn), theme


def test_the_summary_names_the_flagged_themes_it_reports():
    from analysis.compare import compare
    from analysis.report.findings import findings
    from analysis.report.validation_block import flagged_themes

    comp = compare()
    dic = comp.dictionary
    present = set(comp.themes.loc[comp.themes["is_root"] & (comp.themes["focus_count"] > 0), "theme"])
    weak = [t for t in flagged_themes(dic) if t in present]
    caveat = next(x for x in findings(comp, "en") if x.startswith("Keep in mind"))
    if not weak:
        assert "less reliable" not in caveat
        return
    said = caveat.split("the measure is less reliable for ")[1].split(" (the dictionary")[0]
    names = [dic.labels("en")[t] for t in weak]
    assert said == (names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1])


def test_shipped_summary_is_the_current_validation(shared_manifest):
    import json

    from analysis.validation import SUMMARY_FILE, validation_summary

    shipped = json.loads(SUMMARY_FILE.read_text(encoding="utf-8"))
    now = json.loads(json.dumps(validation_summary(textstat_validation(DEFAULT_SET))))
    assert shipped == now, "resources/validation/summary.json is stale: run `make validation`"


def test_without_the_texts_the_shipped_figures_are_used(tmp_path, monkeypatch):
    import json

    import analysis.report.validation_block as vb
    from analysis.validation import SUMMARY_FILE

    monkeypatch.setattr(config, "SHARED_DIR", tmp_path / "no-shared")
    monkeypatch.setattr(vb, "_CACHE", {})
    dic = dictionary(config.DEFAULT_DICTIONARY)
    shipped = json.loads(SUMMARY_FILE.read_text(encoding="utf-8"))
    assert vb.flagged_themes(dic) == shipped["flagged"]
    assert "last complete validation" in vb.validation_block(dic, "en").html
    # another dictionary: no figures rather than the seed's 16 sentences
    other = tmp_path / "d.yaml"
    text = config.DEFAULT_DICTIONARY.read_text(encoding="utf-8")
    other.write_text(text.replace("version:", "# x\nversion:", 1), encoding="utf-8")
    html = vb.validation_block(dictionary(other), "en").html
    assert "No validation available" in html and "Precision" not in html
