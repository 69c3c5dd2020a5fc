"""KWIC as concordancers do it: sorted by left/right context or keyword, sentence context, CLI in any order.

Synthetic texts only (Syldavie, Alphaland, Bordurie, the imaginary Zorbalie). Every expected
order and line below is written by hand from the token lists spelled out in the comments
(they are checked first, so a change of tokenisation shows as such, not as a sorting bug).
"""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest

from analysis.cli import main
from analysis.kwic import kwic, kwic_text
from analysis.tokens import tokens

TEXT_A = "Zorbalie d'abord. Syldavie soutient la Zorbalie. Élan vers Zorbalie, dit Alphaland."
TEXT_B = "Bordurie arme la zorbalienne flotte. Alphaland aide ZORBALIE et Syldavie."
# Tokens (position: surface), by hand:
#   syl-a: 0 Zorbalie 1 d' 2 abord 3 . | 4 Syldavie 5 soutient 6 la 7 Zorbalie 8 . |
#          9 Élan 10 vers 11 Zorbalie 12 , 13 dit 14 Alphaland 15 .
#   syl-b: 0 Bordurie 1 arme 2 la 3 zorbalienne 4 flotte 5 . |
#          6 Alphaland 7 aide 8 ZORBALIE 9 et 10 Syldavie 11 .
# The 5 hits of zorbal* with window 3, and their sort keys (words only, folded):
#   hit     left (L1, L2, L3)            right (R1, R2...)     keyword
#   a:0     ()                           (d', abord)           zorbalie
#   a:7     (la, soutient, syldavie)     (elan, vers)          zorbalie
#   a:11    (vers, elan)                 (dit, alphaland)      zorbalie
#   b:3     (la, arme, bordurie)         (flotte, alphaland)   zorbalienne
#   b:8     (aide, alphaland)            (et, syldavie)        zorbalie
POSITION_ORDER = [("syl-a", 0), ("syl-a", 7), ("syl-a", 11), ("syl-b", 3), ("syl-b", 8)]


def _docs(order=("syl-a", "syl-b")) -> pd.DataFrame:
    text = {"syl-a": TEXT_A, "syl-b": TEXT_B}
    return pd.DataFrame({"doc_id": list(order), "text": [text[d] for d in order], "language": "fr"})


@pytest.fixture(scope="module")
def toks():
    return tokens(_docs())


def _order(df: pd.DataFrame) -> list[tuple[str, int]]:
    return list(zip(df["doc_id"], df["position"].astype(int), strict=True))


def test_the_fixture_tokens_and_window_contexts_are_those_written_by_hand(toks):
    df = kwic(toks, "zorbal*", window=3)
    assert _order(df) == POSITION_ORDER  # the default is today's order: document, then position
    assert df[["pre", "keyword", "post"]].values.tolist() == [
        ["", "Zorbalie", "d'abord."],
        ["Syldavie soutient la", "Zorbalie", ". Élan vers"],
        [". Élan vers", "Zorbalie", ", dit Alphaland"],
        ["Bordurie arme la", "zorbalienne", "flotte. Alphaland"],
        [". Alphaland aide", "ZORBALIE", "et Syldavie."],
    ]


def test_sort_left_reads_l1_then_l2_and_puts_an_empty_left_context_first(toks):
    # by hand: () < aide < la+arme < la+soutient < vers (L1 "la" ties, L2 arme < soutient decides)
    expected = [("syl-a", 0), ("syl-b", 8), ("syl-b", 3), ("syl-a", 7), ("syl-a", 11)]
    assert _order(kwic(toks, "zorbal*", window=3, sort="left")) == expected


def test_sort_right_folds_accents(toks):
    # by hand: d' < dit < elan (Élan) < et < flotte; unfolded, "Élan" would sort after "flotte"
    expected = [("syl-a", 0), ("syl-a", 11), ("syl-a", 7), ("syl-b", 8), ("syl-b", 3)]
    assert _order(kwic(toks, "zorbal*", window=3, sort="right")) == expected


def test_sort_keyword_folds_case_and_ties_keep_document_then_position(toks):
    # by hand: zorbalie (Zorbalie x3, ZORBALIE) < zorbalienne; case-sensitive, ZORBALIE would come first
    expected = [("syl-a", 0), ("syl-a", 7), ("syl-a", 11), ("syl-b", 8), ("syl-b", 3)]
    assert _order(kwic(toks, "zorbal*", window=3, sort="keyword")) == expected


def test_ties_follow_the_documents_order_of_the_tokens_not_the_ids():
    reordered = tokens(_docs(order=("syl-b", "syl-a")))
    # the four "zorbalie" tie: syl-b (first document here) before syl-a, each by position
    expected = [("syl-b", 8), ("syl-a", 0), ("syl-a", 7), ("syl-a", 11), ("syl-b", 3)]
    assert _order(kwic(reordered, "zorbal*", window=3, sort="keyword")) == expected


def test_sort_keys_are_the_context_shown():
    # window 1: a:7 and b:3 both show only "la" on the left: a tie, kept in position order
    t = tokens(_docs())
    left = _order(kwic(t, "zorbal*", window=1, sort="left"))
    # by hand (L1 only): () a:0, aide b:8, la a:7, la b:3, vers a:11
    assert left == [("syl-a", 0), ("syl-b", 8), ("syl-a", 7), ("syl-b", 3), ("syl-a", 11)]


def test_sentence_context_is_the_whole_sentence_whatever_the_window(toks):
    df = kwic(toks, "zorbal*", window=0, context="sentence")
    assert _order(df) == POSITION_ORDER
    # the sentences, by hand, cut around each keyword
    assert df[["pre", "keyword", "post"]].values.tolist() == [
        ["", "Zorbalie", "d'abord."],
        ["Syldavie soutient la", "Zorbalie", "."],
        ["Élan vers", "Zorbalie", ", dit Alphaland."],
        ["Bordurie arme la", "zorbalienne", "flotte."],
        ["Alphaland aide", "ZORBALIE", "et Syldavie."],
    ]


def test_sentence_context_stops_at_the_sentence_and_the_text_line_cuts_it_with_an_ellipsis():
    text = (
        "Syldavie observe.\n\n"
        "Alphaland et Syldavie réaffirment ensemble leur soutien durable à la Zorbalie contre toute "
        "ingérence étrangère dans ses affaires intérieures. Bordurie se tait."
    )
    t = tokens(pd.DataFrame({"doc_id": ["syl-c"], "text": [text], "language": "fr"}))
    df = kwic(t, "zorbalie", context="sentence")
    sentence = (
        "Alphaland et Syldavie réaffirment ensemble leur soutien durable à la Zorbalie contre toute "
        "ingérence étrangère dans ses affaires intérieures."
    )
    row = df.iloc[0]
    assert (row["pre"], row["keyword"]) == (sentence.split(" Zorbalie")[0], "Zorbalie")
    assert row["post"] == "contre toute ingérence étrangère dans ses affaires intérieures."
    assert int(row["position"]) == 13  # by hand: 3 tokens (Syldavie observe .), then 10 before Zorbalie
    # hand-built line, width 20: the 19 characters nearest the keyword on each side, and "…"
    assert kwic_text(df, width=20) == "syl-c:13 …outien durable à la [Zorbalie] contre toute ingére…"


def test_kwic_text_keeps_short_contexts_whole():
    df = pd.DataFrame({"doc_id": ["a"], "theme": [None], "pattern": ["x"], "position": [2],
                       "pre": ["12345"], "keyword": ["k"], "post": ["12345"]})  # fmt: skip
    assert kwic_text(df, width=5) == "a:2 12345 [k] 12345"  # exactly the width: no cut
    assert kwic_text(df, width=4) == "a:2 …345 [k] 123…"


@pytest.mark.parametrize("bad", [{"sort": "alphabetical"}, {"context": "paragraph"}, {"window": -1}])
def test_bad_sort_or_context_is_refused(toks, bad):
    with pytest.raises(ValueError):
        kwic(toks, "zorbal*", **bad)


# ----------------------------------------------------------------------------- command line
@pytest.fixture
def corpus_dir(tmp_path):
    (tmp_path / "a.txt").write_text(TEXT_A + "\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text(TEXT_B + "\n", encoding="utf-8")
    manifest = tmp_path / "manifest.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "date", "language", "path"])
        w.writerow(["syl-a", "Synthetic A", "2031-01-02", "fr", "a.txt"])
        w.writerow(["syl-b", "Synthetic B", "2031-01-03", "fr", "b.txt"])
    return tmp_path


def _csv_order(out: str) -> list[tuple[str, int]]:
    return _order(pd.read_csv(io.StringIO(out), keep_default_na=False))


def test_cli_kwic_takes_document_ids_between_and_after_options(corpus_dir, capsys):
    corpus = ["--corpus", str(corpus_dir / "manifest.csv")]
    # the case: `kwic 'ukrain*' --window 8 DOC1 --format csv DOC2`
    assert main(["-q", "kwic", "zorbal*", *corpus, "--window", "3", "syl-a", "--format", "csv", "syl-b"]) == 0
    assert _csv_order(capsys.readouterr().out) == POSITION_ORDER
    # one id after the options: that document only (not the default "every document")
    assert main(["-q", "kwic", "zorbal*", *corpus, "--window", "3", "syl-b", "--format", "csv"]) == 0
    assert _csv_order(capsys.readouterr().out) == [("syl-b", 3), ("syl-b", 8)]
    # an id before the options and one after a "--"
    argv = ["-q", "kwic", "zorbal*", "syl-b", *corpus, "--format", "csv", "--", "syl-a"]
    assert main(argv) == 0
    assert set(_csv_order(capsys.readouterr().out)) == set(POSITION_ORDER)


def test_cli_kwic_files_in_any_order_with_sort_and_sentence_context(corpus_dir, capsys):
    a, b = str(corpus_dir / "a.txt"), str(corpus_dir / "b.txt")
    argv = ["-q", "kwic", "zorbal*", "--window", "3", a, "--format", "csv", b, "--sort", "right"]
    assert main([*argv, "--language", "fr"]) == 0
    # the ids come from the file names; the order is test_sort_right's, by hand
    expected = [("a", 0), ("a", 11), ("a", 7), ("b", 8), ("b", 3)]
    assert _csv_order(capsys.readouterr().out) == expected
    assert main(["-q", "kwic", "zorbal*", "--context", "sentence", b, "--language", "fr"]) == 0
    # hand-built lines: label "b:3"/"b:8", left context right-aligned in 40 characters
    assert capsys.readouterr().out.splitlines() == [
        "b:3 " + " " * 24 + "Bordurie arme la [zorbalienne] flotte.",
        "b:8 " + " " * 26 + "Alphaland aide [ZORBALIE] et Syldavie.",
    ]


def test_cli_count_takes_documents_after_options_too(corpus_dir, capsys):
    manifest = str(corpus_dir / "manifest.csv")
    assert main(["-q", "count", "syl-b", "--corpus", manifest, "--by", "theme", "syl-a"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    assert set(table["doc_id"]) == {"syl-a", "syl-b"}
    assert main(["-q", "count", "--corpus", manifest, "--by", "theme", "syl-b"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False)
    assert set(table["doc_id"]) == {"syl-b"}


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (["kwic", "zorbal*", "--window", "3", "syl-a", "--bogus", "syl-b"], "arguments: --bogus"),
        (["tokens", "a.txt", "extra.txt"], "arguments: extra.txt"),  # other commands: as before
    ],
)
def test_cli_other_leftovers_are_still_bad_usage(capsys, argv, shown):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert f"error: unrecognized {shown}" in capsys.readouterr().err
