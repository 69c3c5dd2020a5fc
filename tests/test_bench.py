"""The benchmark: synthetic corpus generation, the table's columns and numbers, its rendering."""

from __future__ import annotations

import random
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from analysis import bench
from analysis.tokens import match_key


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    return bench.run_bench(size_mb=0.2, repeats=1, jobs_list=(1,), seed=3)


# ------------------------------------------------------------------ synthetic corpus
def test_synthetic_corpus_is_reproducible_and_sized():
    a = list(bench.synthetic_documents(n_bytes=50_000, seed=4))
    b = list(bench.synthetic_documents(n_bytes=50_000, seed=4))
    c = list(bench.synthetic_documents(n_bytes=50_000, seed=5))
    assert a == b
    assert [d["text"] for d in a] != [d["text"] for d in c]
    size = sum(len(d["text"].encode("utf-8")) for d in a)
    # stops at the first document that reaches the size
    assert size >= 50_000
    assert size - len(a[-1]["text"].encode("utf-8")) < 50_000
    assert len({d["doc_id"] for d in a}) == len(a)


def _split_into(paragraph: str, sentences: set[str]) -> bool:
    """Whether a paragraph is a space-separated sequence of the given sentences."""
    if not paragraph:
        return True
    return any(
        paragraph.startswith(s) and _split_into(paragraph[len(s) :].lstrip(" "), sentences) for s in sentences
    )


def test_synthetic_documents_recombine_seed_sentences_with_variation():
    folded = {match_key(s) for s in bench.seed_sentences()}
    docs = list(bench.synthetic_documents(n_docs=15, seed=8))
    for d in docs:
        title, body = d["text"].split("\n\n", 1)
        assert title == d["title"]
        for paragraph in body.strip().split("\n\n"):
            assert _split_into(match_key(paragraph), folded), paragraph[:80]
    text = "".join(d["text"] for d in docs)
    # variation: decomposed accents, typographic apostrophes, upper-case words
    assert unicodedata.normalize("NFC", text) != text
    assert "\u2019" in text
    assert any(w.isupper() and len(w) > 3 for w in text.split())


def test_vary_only_changes_case_accents_and_apostrophes():
    sentence = "La sécurité de l'Europe et l'Indo-Pacifique."
    rng = random.Random(0)
    variants = {bench.vary(sentence, rng) for _ in range(50)}
    assert len(variants) > 10
    assert {match_key(v) for v in variants} == {match_key(sentence)}


# ------------------------------------------------------------------------ run_bench
def test_run_bench_columns_and_rows(table):
    assert list(table.columns) == bench.COLUMNS
    stages = list(zip(table["stage"], table["path"], strict=True))
    assert stages[0] == (bench.BASELINE, "unicodedata")
    for expected in [
        ("clean", "library"),
        ("tokenise", "library"),
        ("count", "library"),
        ("tokenise", "fast"),
        ("count", "fast"),
        ("compare", "library"),
        (bench.E2E, "fast (process_chunk)"),
        (bench.E2E, "count_corpus"),
        (bench.E2E, "count_corpus (1/4 size)"),
    ]:
        assert expected in stages


def test_run_bench_numbers(table):
    expected_bytes = sum(
        len(d["text"].encode("utf-8")) for d in bench.synthetic_documents(n_bytes=200_000, seed=3)
    )
    full = table[table["path"] != "count_corpus (1/4 size)"]
    assert (full["mb"] == expected_bytes / 1e6).all()
    assert (table["seconds"] > 0).all()
    assert (table["mb_per_s"] > 0).all() and (table["docs_per_s"] > 0).all()
    assert table["mb_per_s"].tolist() == pytest.approx((table["mb"] / table["seconds"]).tolist())
    baseline = table.loc[table["stage"] == bench.BASELINE, "mb_per_s"].iloc[0]
    assert table["ratio_to_baseline"].tolist() == pytest.approx((table["mb_per_s"] / baseline).tolist())
    one = table[(table["path"] == "count_corpus") & (table["jobs"] == 1)]
    assert one["speedup"].iloc[0] == pytest.approx(1.0)
    assert one["peak_rss_mb"].iloc[0] > 10
    assert table.attrs["cores"] >= 1 and "ru_maxrss" in table.attrs["memory"]
    # the fast path is faster than the per-token DataFrames of the library path
    e2e = table[table["stage"] == bench.E2E].set_index("path")["mb_per_s"]
    assert e2e["fast (process_chunk)"] > e2e["library (sum of stages)"]


def test_format_bench(table):
    text = bench.format_bench(table)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["stage", "path", "jobs"]
    assert any(line.startswith(bench.BASELINE) and "1.000" in line for line in lines)
    clean = table[table["stage"] == "clean"].iloc[0]
    assert f"{clean['ratio_to_baseline']:.3f}" in text
    assert "Target 1" in text and "Target 2" in text and "Target 3" in text
    assert "(not measured)" in text  # no 2-core run in this table
    assert "ru_maxrss" in text


def test_format_bench_verdicts_from_numbers():
    rows = [
        {"stage": bench.BASELINE, "path": "unicodedata", "jobs": 1, "mb": 9.0, "docs": 90, "seconds": 0.3,
         "mb_per_s": 30.0, "docs_per_s": 300.0, "ratio_to_baseline": 1.0, "speedup": float("nan")},
        {"stage": bench.E2E, "path": "count_corpus", "jobs": 1, "mb": 9.0, "docs": 90, "seconds": 0.9,
         "mb_per_s": 10.0, "docs_per_s": 100.0, "ratio_to_baseline": 10 / 30, "speedup": 1.0},
        {"stage": bench.E2E, "path": "count_corpus", "jobs": 2, "mb": 9.0, "docs": 90, "seconds": 0.5,
         "mb_per_s": 18.0, "docs_per_s": 180.0, "ratio_to_baseline": 0.6, "speedup": 1.7},
        {"stage": bench.E2E, "path": "count_corpus (all cores)", "jobs": 2, "mb": 9.0, "docs": 90,
         "seconds": 0.45, "mb_per_s": 20.0, "docs_per_s": 200.0, "ratio_to_baseline": 2 / 3, "speedup": 2.0},
    ]  # fmt: skip
    text = bench.format_bench(pd.DataFrame(rows))
    assert "0.333 of the baseline -> met" in text
    assert "1.70x -> NOT met" in text


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux /proc needed")
def test_peak_memory_of_a_run_excludes_the_process_that_launched_it():
    """ru_maxrss of a child carries the launcher's peak across exec on Linux; VmHWM does not."""
    import subprocess
    import sys

    ballast = bytearray(300 * 1024 * 1024)
    ballast[::4096] = b"\x01" * len(range(0, len(ballast), 4096))  # touch every page
    code = "from analysis.bench import _peak_rss_mb; print(_peak_rss_mb())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout) < 200  # a bare interpreter with analysis.bench: tens of MB
    del ballast
