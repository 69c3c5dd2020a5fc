"""Collocations (quanteda's lambda and z), n-gram frequencies, n-gram keyness, the ``collocations`` command.

Every expected value comes from a computation written independently of
:mod:`analysis.collocations`: lambda and z by hand from a 2 x 2 table with
:mod:`math`, or by a brute-force oracle that compares each candidate with every
n-gram occurrence (quanteda's own algorithm, ``match_bit``), counts by hand, and
G2 by hand from its four cells. Texts are synthetic (Alphaland, Syldavie, Zembla,
generic formulaic phrases).
"""

from __future__ import annotations

import argparse
import math
import random
from collections import Counter

import pandas as pd
import pytest

from analysis.collocations import (
    add_collocations_parser,
    textstat_collocations,
    textstat_frequency,
    textstat_ngram_keyness,
)
from analysis.tokens import tokens, tokens_remove


def _docs(*texts: str, language: str = "fr") -> pd.DataFrame:
    return pd.DataFrame(
        {"doc_id": [f"doc-{i}" for i in range(len(texts))], "language": language, "text": list(texts)}
    )


def _row(table: pd.DataFrame, collocation: str) -> pd.Series:
    rows = table[table["collocation"] == collocation]
    assert len(rows) == 1, f"{collocation!r} not reported once: {table['collocation'].tolist()}"
    return rows.iloc[0]


# ----------------------------------------------------------------------------- the oracle
def _runs(toks) -> list[list[str]]:
    """Runs of words (lower forms) the slow way: row by row, cut at punctuation, sentences, gaps."""
    runs: list[list[str]] = []
    previous = None
    for row in toks.data.sort_values(["doc_id", "position"]).itertuples():
        if row.kind == "punct":
            previous = None
            continue
        here = (row.doc_id, row.paragraph, row.sentence, row.position)
        if previous is None or here[:3] != previous[:3] or row.position != previous[3] + 1:
            runs.append([])
        runs[-1].append(row.lower)
        previous = here
    return runs


def _oracle(toks, size: int, min_count: int, smoothing: float) -> dict[str, tuple[int, float, float]]:
    """collocation -> (count, lambda, z): every candidate against every n-gram, as quanteda's match_bit."""
    grams = [tuple(run[i : i + size]) for run in _runs(toks) for i in range(len(run) - size + 1)]
    out = {}
    for x, count in Counter(grams).items():
        if count < min_count:
            continue
        cells = [smoothing] * 2**size
        for y in grams:
            cells[sum(2**i for i in range(size) if x[i] == y[i])] += 1
        lam = sum((-1) ** (size - bin(b).count("1")) * math.log(c) for b, c in enumerate(cells))
        sigma = math.sqrt(sum(1 / c for c in cells))
        out[" ".join(x)] = (count, lam, lam / sigma)
    return out


def _formulaic_text(seed: int) -> str:
    """Synthetic sentences: formulaic phrases among words drawn at random, commas and full stops."""
    rng = random.Random(seed)
    vocab = ["Alphaland", "Syldavie", "Zembla", "coopération", "défense", "soutien", "partenaires",
             "région", "sécurité", "dialogue", "et", "de", "la", "le", "pour", "avec"]  # fmt: skip
    phrases = ["aussi longtemps que nécessaire", "intégrité territoriale", "en matière de défense"]
    sentences = []
    for _ in range(60):
        words = []
        for _ in range(rng.randint(3, 12)):
            words.append(rng.choice(phrases) if rng.random() < 0.15 else rng.choice(vocab))
            if rng.random() < 0.08:
                words[-1] += ","
        sentence = " ".join(words)
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
    return " ".join(sentences[:30]) + "\n\n" + " ".join(sentences[30:])


# ----------------------------------------------------------------------------- lambda and z
def test_lambda_and_z_by_hand_on_a_2x2_table():
    # bigrams (one per sentence): alphaland syldavie x2, alphaland zembla, bordurie syldavie, bordurie zembla
    toks = tokens(
        "Alphaland Syldavie. Alphaland Syldavie. Alphaland Zembla. Bordurie Syldavie. Bordurie Zembla.",
        language="fr",
    )
    table = textstat_collocations(toks, size=2, min_count=2)
    assert table["collocation"].tolist() == ["alphaland syldavie"]
    row = table.iloc[0]
    # 2 x 2 table of (alphaland, syldavie) with smoothing 0.5, computed by hand:
    # both words match: 2, only the first: 1, only the second: 1, neither: 1
    n11, n10, n01, n00 = 2 + 0.5, 1 + 0.5, 1 + 0.5, 1 + 0.5
    lam = math.log(n11) - math.log(n10) - math.log(n01) + math.log(n00)
    z = lam / math.sqrt(1 / n11 + 1 / n10 + 1 / n01 + 1 / n00)
    assert row["count"] == 2 and row["length"] == 2
    assert row["lambda"] == pytest.approx(lam, rel=1e-12)
    assert row["z"] == pytest.approx(z, rel=1e-12)
    assert lam == pytest.approx(math.log(2.5 / 1.5))  # the same table, simplified


def test_smoothing_changes_the_cells_as_by_hand():
    toks = tokens("Alphaland Syldavie. Alphaland Syldavie. Alphaland Zembla. Bordurie Zembla.", language="fr")
    row = textstat_collocations(toks, size=2, min_count=2, smoothing=1.0).iloc[0]
    # cells: both 2, first only 1, second only 0, neither 1; plus 1 each
    assert row["lambda"] == pytest.approx(math.log(3) - math.log(2) - math.log(1) + math.log(2))
    assert row["z"] == pytest.approx(row["lambda"] / math.sqrt(1 / 3 + 1 / 2 + 1 / 1 + 1 / 2))


def test_values_published_by_quanteda_for_the_same_table():
    # quanteda.textstats' test "works ok with zero-length documents (#940)" records lambda 4.317488 and
    # z 2.027787 for each bigram of two identical 5-word sentences and one 2-word sentence (9 bigrams,
    # each candidate twice, never one word without the other). The same structure, synthetic words:
    sentence = "Alphaland signe un accord durable."
    toks = tokens(_docs(sentence, f"Syldavie aussi! {sentence}", ""))
    table = textstat_collocations(toks, size=2, min_count=2)
    assert sorted(table["collocation"]) == ["accord durable", "alphaland signe", "signe un", "un accord"]
    assert table["lambda"].tolist() == pytest.approx([4.317488] * 4, abs=5e-7)
    assert table["z"].tolist() == pytest.approx([2.027787] * 4, abs=5e-7)


def test_ranking_as_quanteda_on_its_smoothing_example():
    # quanteda.textstats' "correctness of significant with smoothing" test: in the token sequence
    # A B A C B A D B C A the first collocation is "B A" (here B = zembla, A = syldavie)
    toks = tokens("Syldavie zembla syldavie alphaland zembla syldavie bordurie zembla alphaland syldavie")
    assert textstat_collocations(toks, size=2, min_count=1).loc[0, "collocation"] == "zembla syldavie"


@pytest.mark.parametrize(("seed", "smoothing"), [(1, 0.5), (2, 0.5), (3, 1.0)])
def test_lambda_and_z_match_a_brute_force_oracle_for_2_to_4_grams(seed, smoothing):
    toks = tokens(_formulaic_text(seed), language="fr")
    table = textstat_collocations(toks, size=(2, 3, 4), min_count=2, smoothing=smoothing)
    expected = {}
    for size in (2, 3, 4):
        expected.update({k: (*v, size) for k, v in _oracle(toks, size, 2, smoothing).items()})
    assert len(expected) > 30  # the text does hold many repeated n-grams
    columns = [table[c] for c in ("collocation", "count", "lambda", "z", "length")]
    got = {key: rest for key, *rest in zip(*columns, strict=True)}
    assert set(got) == set(expected)
    for key, (count, lam, z, size) in expected.items():
        assert got[key][0] == count, key
        assert got[key][1] == pytest.approx(lam, rel=1e-9, abs=1e-12), key
        assert got[key][2] == pytest.approx(z, rel=1e-9, abs=1e-12), key
        assert got[key][3] == size
    assert table["z"].is_monotonic_decreasing


def test_formulaic_phrase_ranks_high_and_is_shown_with_its_accents():
    text = (
        "Alphaland soutient Syldavie aussi longtemps que nécessaire. "
        "Zembla restera aux côtés de Syldavie aussi longtemps que nécessaire. "
        "L'intégrité territoriale de Syldavie, l'INTEGRITE territoriale de Zembla. "
        "Intégrité territoriale et souveraineté, la paix."
    )
    table = textstat_collocations(tokens(text, language="fr"), size=(2, 3), min_count=2)
    # hand count: "intégrité territoriale" 3 times (one written without accents, matched on its key)
    row = _row(table, "intégrité territoriale")
    assert row["count"] == 3
    assert "integrite territoriale" not in set(table["collocation"])
    assert _row(table, "aussi longtemps que")["count"] == 2
    assert _row(table, "l'intégrité territoriale")["count"] == 2  # the elided article joined
    assert table.iloc[0]["z"] >= row["z"]


def test_collocations_never_cross_punctuation_sentences_paragraphs_or_removed_tokens():
    text = "Alphaland Syldavie, Zembla. Syldavie Zembla\n\nAlphaland. Zembla Alphaland"
    toks = tokens(text, language="fr")
    got = set(textstat_collocations(toks, size=2, min_count=1)["collocation"])
    # hand list: runs are [alphaland syldavie] [zembla] [syldavie zembla] [alphaland] [zembla alphaland]
    assert got == {"alphaland syldavie", "syldavie zembla", "zembla alphaland"}
    # a stopword removed leaves a gap: "Syldavie et Zembla" gives no "syldavie zembla"
    kept = tokens_remove(tokens("Syldavie et Zembla. Syldavie et Zembla.", language="fr"), punct=False)
    assert textstat_collocations(kept, size=2, min_count=1).empty


def test_count_nested_and_stopword_edges():
    text = "La paix durable. La paix durable. La paix. Une paix fragile."
    table = textstat_collocations(tokens(text, language="fr"), size=(2, 3), min_count=2)
    # hand count: "la paix" 3 times, 2 of them inside "la paix durable" (reported, count 2)
    assert _row(table, "la paix")[["count", "count_nested"]].tolist() == [3, 2]
    assert _row(table, "paix durable")[["count", "count_nested"]].tolist() == [2, 2]
    assert _row(table, "la paix durable")["count_nested"] == 0
    alone = textstat_collocations(tokens(text, language="fr"), size=2, min_count=2)
    assert _row(alone, "la paix")["count_nested"] == 0  # no longer size asked for
    edges = textstat_collocations(tokens(text, language="fr"), size=(2, 3), stopwords_edges=True)
    assert edges["collocation"].tolist() == ["paix durable"]  # "la ..." starts with a stopword


def test_tolower_false_matches_surface_forms():
    toks = tokens("Alphaland Syldavie. alphaland Syldavie. Alphaland Syldavie.", language="fr")
    assert textstat_collocations(toks, size=2)["count"].tolist() == [3]
    table = textstat_collocations(toks, size=2, tolower=False)
    assert table[["collocation", "count"]].values.tolist() == [["Alphaland Syldavie", 2]]


def test_empty_and_bad_arguments():
    empty = textstat_collocations(tokens("Paix.", language="fr"))
    assert empty.empty
    assert list(empty.columns) == ["collocation", "count", "count_nested", "length", "lambda", "z"]
    toks = tokens("Alphaland Syldavie.", language="fr")
    for kwargs in ({"size": 1}, {"size": 6}, {"size": ()}, {"min_count": 0}, {"smoothing": 0}):
        with pytest.raises(ValueError):
            textstat_collocations(toks, **kwargs)


# ----------------------------------------------------------------------------- frequencies
def test_frequency_by_hand():
    docs = _docs("Syldavie et Zembla. Syldavie et Zembla, Syldavie.", "Syldavie et Alphaland.")
    toks = tokens(docs)
    uni = textstat_frequency(toks)
    # hand count: syldavie 4 (3 + 1), et 3, zembla 2, alphaland 1
    assert uni[["feature", "frequency", "rank", "docfreq"]].values.tolist() == [
        ["syldavie", 4, 1, 2], ["et", 3, 2, 2], ["zembla", 2, 3, 1], ["alphaland", 1, 4, 1],
    ]  # fmt: skip
    bi = textstat_frequency(toks, n=2)
    assert bi.values.tolist() == [
        ["syldavie et", 3, 1, 2], ["et zembla", 2, 2, 1], ["et alphaland", 1, 3, 1],
    ]  # fmt: skip  ("zembla syldavie" spans a comma: not an n-gram)
    assert textstat_frequency(toks, n=2, min_count=2)["feature"].tolist() == ["syldavie et", "et zembla"]
    four = textstat_frequency(tokens("Aussi longtemps que nécessaire. Aussi longtemps que possible."), n=4)
    assert four.values.tolist() == [
        ["aussi longtemps que nécessaire", 1, 1, 1], ["aussi longtemps que possible", 1, 1, 1],
    ]  # fmt: skip


def test_frequency_ties_share_the_lowest_rank_and_shown_forms():
    toks = tokens("Sécurité et défense. securite et DÉFENSE. Sécurité.", language="fr")
    by_key = textstat_frequency(toks)
    assert by_key.values.tolist() == [["sécurité", 3, 1, 1], ["défense", 2, 2, 1], ["et", 2, 2, 1]]
    by_surface = textstat_frequency(toks, by="surface")
    assert dict(zip(by_surface["feature"], by_surface["frequency"], strict=True)) == {
        "Sécurité": 2, "et": 2, "défense": 1, "securite": 1, "DÉFENSE": 1,
    }  # fmt: skip
    with pytest.raises(ValueError):
        textstat_frequency(toks, n=5)
    with pytest.raises(ValueError):
        textstat_frequency(toks, by="stem")


def test_frequency_by_group():
    docs = _docs("Syldavie Zembla. Syldavie Zembla.", "Syldavie Zembla.", "Alphaland Zembla.")
    docs["genre"] = ["speech", "communique", "communique"]
    table = textstat_frequency(tokens(docs), n=2, groups="genre")
    assert table.values.tolist() == [
        ["alphaland zembla", 1, 1, 1, "communique"], ["syldavie zembla", 1, 1, 1, "communique"],
        ["syldavie zembla", 2, 1, 1, "speech"],
    ]  # fmt: skip
    mapped = textstat_frequency(tokens(docs), n=2, groups={"doc-0": "a", "doc-1": "a", "doc-2": "b"})
    assert mapped[mapped["group"] == "a"][["feature", "frequency", "docfreq"]].values.tolist() == [
        ["syldavie zembla", 3, 2]
    ]
    with pytest.raises(ValueError, match="no such column"):
        textstat_frequency(tokens(docs), groups="nope")
    with pytest.raises(ValueError, match="no group"):
        textstat_frequency(tokens(docs), groups={"doc-0": "a"})


# ----------------------------------------------------------------------------- n-gram keyness
def _g2_by_hand(a: int, b: int, n1: int, n2: int) -> float:
    """Dunning's 4-term G2 from the 2 x 2 table, written out cell by cell."""
    total = n1 + n2
    cells = [(a, n1 * (a + b) / total), (b, n2 * (a + b) / total),
             (n1 - a, n1 * (total - a - b) / total), (n2 - b, n2 * (total - a - b) / total)]  # fmt: skip
    return 2 * sum(o * math.log(o / e) for o, e in cells if o > 0)


def test_ngram_keyness_against_the_other_documents():
    focus = "Aussi longtemps que nécessaire. " * 5 + "Syldavie et Zembla."
    other = "Syldavie et Zembla. " * 6 + "Aussi longtemps que possible."
    toks = tokens(_docs(focus, other))
    table = textstat_ngram_keyness(toks, "doc-0", n=2)
    row = table[table["ngram"] == "aussi longtemps"].iloc[0]
    # hand count of bigrams: focus 5 x 3 + 2 = 17, of which "aussi longtemps" 5; reference 6 x 2 + 3 = 15, 1
    assert (row["focus_count"], row["focus_tokens"], row["reference_count"], row["reference_tokens"]) == (
        5, 17, 1, 15,
    )  # fmt: skip
    assert row["g2"] == pytest.approx(_g2_by_hand(5, 1, 17, 15), rel=1e-9)
    assert row["log_ratio"] == pytest.approx(math.log2((5 / 17) / (1 / 15)))
    assert table.iloc[0]["ngram"] in {"longtemps que", "que nécessaire", "aussi longtemps"}
    assert table.attrs["method"]["reference_ids"] == ["doc-1"]


def test_ngram_keyness_reference_as_ids_or_tokens_and_errors():
    toks = tokens(_docs("Alphaland et Syldavie. " * 3, "Zembla et Syldavie. " * 3, "Syldavie et Zembla."))
    by_ids = textstat_ngram_keyness(toks, "doc-0", ["doc-1"], n=2)
    assert int(by_ids.loc[0, "reference_tokens"]) == 6
    other = tokens(_docs("Zembla et Syldavie. " * 3).assign(doc_id=["ref"]))
    by_toks = textstat_ngram_keyness(toks, "doc-0", other, n=2)
    pd.testing.assert_frame_equal(by_ids, by_toks)
    with pytest.raises(ValueError, match="not found"):
        textstat_ngram_keyness(toks, "doc-9")
    with pytest.raises(ValueError, match="not found"):
        textstat_ngram_keyness(toks, "doc-0", ["doc-9"])
    with pytest.raises(ValueError, match="also a reference"):
        textstat_ngram_keyness(toks, "doc-0", ["doc-0", "doc-1"])
    with pytest.raises(ValueError, match="no reference"):
        textstat_ngram_keyness(tokens(_docs("Syldavie et Zembla.")), "doc-0")


# ----------------------------------------------------------------------------- command line
def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    add_collocations_parser(p.add_subparsers(dest="command", required=True))
    return p


def test_command_on_a_text_file_as_csv(tmp_path):
    text = tmp_path / "syldavie.txt"
    text.write_text(
        "Déclaration synthétique\n\nAlphaland et Syldavie coopèrent aussi longtemps que nécessaire. "
        "Zembla soutient Syldavie aussi longtemps que nécessaire. Alphaland et Syldavie signent.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    args = _parser().parse_args(
        ["collocations", str(text), "--size", "2", "3", "--min-count", "2", "--format", "csv",
         "--output", str(out), "--language", "fr"]
    )  # fmt: skip
    assert args.func(args) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["collocation", "count", "count_nested", "length", "lambda", "z"]
    assert _row(table, "aussi longtemps que")["count"] == 2  # hand count
    assert _row(table, "alphaland et syldavie")["count"] == 2
    assert set(table["length"]) == {2, 3}


def test_command_text_format_defaults_to_the_seed(capsys):
    args = _parser().parse_args(["collocations", "--top", "5", "--size", "2"])
    assert args.documents == [] and args.func(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["collocation", "count", "count_nested", "length", "lambda", "z"]
    assert len(lines) == 6


def test_command_refuses_bad_options():
    from analysis.cli import UsageError

    for argv in (["collocations", "--size", "1"], ["collocations", "--top", "0"]):
        args = _parser().parse_args(argv)
        with pytest.raises(UsageError):
            args.func(args)


# ----------------------------------------------------------------- keyness against the shipped set
def test_ngram_keyness_against_the_shipped_bigrams():
    import pandas as pd

    from analysis import config
    from analysis.collocations import textstat_ngram_keyness
    from analysis.reference import reference_set
    from analysis.tokens import tokens

    text = ("Les forces armées de la Syldavie. Les forces armées de l'Alphaland. "
            "Les forces armées des deux pays coopèrent.")  # fmt: skip
    toks = tokens(pd.DataFrame({"doc_id": ["syl"], "language": ["fr"], "text": [text]}))
    ref = reference_set().subset(language="fr")
    table = textstat_ngram_keyness(toks, "syl", reference=ref, min_count=1)
    row = table[table["ngram"] == "forces armées"].iloc[0]  # shown as the text writes it
    # independent: the parquet file read directly, summed over the French documents
    raw = pd.read_parquet(config.REFERENCE_DIR / "bigram_counts.parquet")
    french = set(pd.read_csv(config.REFERENCE_DIR / "documents.csv").query("language == 'fr'")["doc_id"])
    raw = raw[raw["doc_id"].isin(french)]
    assert int(row["focus_count"]) == 3  # hand count
    assert int(row["reference_count"]) == int(raw.loc[raw["ngram"] == "forces armees", "count"].sum()) > 0
    assert int(row["reference_tokens"]) == int(raw["count"].sum())
    # content bigrams of the focus, by hand: "forces armées" ×3, "deux pays", "pays coopèrent"
    # ("armées de", "de la"... have a function word at an edge): 3 + 2
    assert int(row["focus_tokens"]) == 5
    with pytest.raises(ValueError, match="bigrams only"):
        textstat_ngram_keyness(toks, "syl", reference=ref, n=3)


def test_shipped_bigram_counts_equal_a_plain_count_of_a_shared_text(shared_manifest):
    import pandas as pd

    from analysis.clean import corpus_clean
    from analysis.corpus import corpus, corpus_subset
    from analysis.reference import reference_set
    from analysis.tokens import tokens

    ref = reference_set()
    corp = corpus(shared_manifest)
    doc_id = sorted(set(corp.docs["doc_id"]) & set(ref.bigram_counts["doc_id"]))[0]
    data = tokens(corpus_clean(corpus_subset(corp, ids=[doc_id]))).data
    # independent count: consecutive word tokens of one sentence, neither a stopword, by a plain loop
    rows = list(data.sort_values("position").itertuples())
    expected: dict[str, int] = {}
    for a, b in zip(rows, rows[1:], strict=False):
        same_run = b.position == a.position + 1 and a.sentence == b.sentence and a.paragraph == b.paragraph
        if a.kind != "punct" and b.kind != "punct" and same_run and not a.is_stop and not b.is_stop:
            expected[f"{a.key} {b.key}"] = expected.get(f"{a.key} {b.key}", 0) + 1
    shipped = ref.bigram_counts[ref.bigram_counts["doc_id"] == doc_id]
    assert dict(zip(shipped["ngram"], shipped["count"].astype(int), strict=True)) == expected
    assert isinstance(shipped, pd.DataFrame)
