"""The benchmark on real text (analysis.scale.bench) and its peers (analysis.scale.peers).

Small and fast: corpora of a few documents, no timed assertion. The test that reads the real
corpora skips when ../shared/bench is absent.
"""

from __future__ import annotations

import gzip
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis import config
from analysis.dictionary import dictionary
from analysis.scale import bench, peers

DIC = dictionary(config.DEFAULT_DICTIONARY)
THEMES = DIC.theme_ids()
REAL = config.SHARED_DIR / "bench"
HAS_REAL = all((REAL / name).is_file() for name in bench.CORPORA.values())
INSTALLED = [name for name, p in peers.PEERS.items() if p.available() and p.kind != "baseline"]


def _package_counts(texts: list[str], language: str) -> np.ndarray:
    """The package's counts of a few texts, through the engine's process_chunk."""
    docs = [{"doc_id": f"d{i}", "text": t, "language": language} for i, t in enumerate(texts)]
    counts = bench._engine().process_chunk(docs, config.DEFAULT_DICTIONARY)["counts"]
    return peers.package_matrix(counts, [d["doc_id"] for d in docs], THEMES)


def _gz(path: Path, records: list[dict]) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    return path


FR = [
    {"id": f"fr-{i}", "language": "fr", "title": f"Communiqué {i}", "text": text}
    for i, text in enumerate(
        [
            "La France condamne l'agression russe contre l'Ukraine.\n\nLa sécurité de l'Arctique.",
            "Le Sahel, le Mali et la mer de Chine méridionale.",
            "L’OTAN et la Crimée ; la Chine et Taïwan.",
        ]
    )
]


# ------------------------------------------------------------------------- corpora
def test_repeated_records_stream_copies_with_new_ids(tmp_path):
    source = _gz(tmp_path / "c.jsonl.gz", FR)
    out = list(peers.repeated_records(source, 3))
    assert [r["text"] for r in out] == [r["text"] for r in FR] * 3
    assert len({r["id"] for r in out}) == 9
    assert out[3]["id"] == "fr-0~r1" and out[0]["id"] == "fr-0"
    size = peers.write_jsonl(iter(out), tmp_path / "x3.jsonl")
    one = sum(len(r["text"].encode("utf-8")) for r in FR)
    assert size == {"n_docs": 9, "n_bytes": 3 * one}
    ids = [i for chunk, _texts in peers.iter_text_chunks(tmp_path / "x3.jsonl", 4) for i in chunk]
    assert ids == [r["id"] for r in out]
    with pytest.raises(ValueError):
        next(peers.repeated_records(FR, 0))


def test_synthetic_documents_are_labelled_and_sized():
    docs = list(peers.synthetic_documents(20_000, seed=2))
    assert docs == list(peers.synthetic_documents(20_000, seed=2))
    assert all(d["text"].startswith("Déclaration synthétique") for d in docs)
    assert sum(len(d["text"].encode("utf-8")) for d in docs) >= 20_000


def test_missing_real_corpora_skip_cleanly(tmp_path, monkeypatch, capsys):
    with pytest.raises(bench.BenchDataMissing, match="skipped") as err:
        bench.find_corpora(tmp_path)
    assert str(tmp_path) in str(err.value) and "wh-statements-en.jsonl.gz" in str(err.value)
    from analysis.cli import main

    monkeypatch.setattr(config, "SHARED_DIR", tmp_path)
    assert main(["-q", "bench", "--quick"]) == 0
    assert "skipped" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["--scale", "1,x"], ["--scale", "0"], ["--peers", "gensim"]])
def test_bench_cli_refuses_bad_options(argv):
    from analysis.cli import main

    assert main(["-q", "bench", *argv]) == 2


# --------------------------------------------------------------------------- peers
def test_pattern_regexes():
    assert peers.pattern_regex("guerre d'agression") == r"guerre\s+d['’]agression"
    assert peers.pattern_regex("Zelensky*") == r"zelensky\w*"
    regexes = dict(peers.theme_regexes(DIC, "fr"))
    assert set(regexes) == set(THEMES)
    china_seas = regexes["china_seas"]
    assert china_seas.startswith(r"\b(?:mer\s+de\s+chine\s+méridionale|")  # longest first
    assert china_seas.endswith(r"|mer\s+de\s+chine)\b")


def test_theme_patterns_roll_subthemes_up():
    pats = {theme: {p.text for p in ps} for theme, ps in peers.theme_patterns(DIC, "en")}
    assert {"Korea", "Taiwan Strait"} <= pats["indo_pacific"]
    assert "Korea" in pats["korea"] and "Korea" not in pats["china_seas"]


@pytest.mark.parametrize("name", INSTALLED)
def test_peers_agree_on_literal_words(name):
    texts = ["Kyiv and Moscow.", "The Arctic, the Sahel and the Kremlin.", "Nothing here."]
    package = _package_counts(texts, "en")
    assert package.sum() == 5
    matrix = peers.make_counter(name, DIC, "en")(texts)
    assert matrix.shape == (3, len(THEMES))
    assert peers.agreement(package, matrix) == {"cells_equal": 1.0, "total_ratio": 1.0}


@pytest.mark.parametrize("name", [n for n in INSTALLED if n != "sklearn"])
def test_peers_without_accent_folding_miss_unaccented_words(name):
    """The package folds accents (Crimee = Crimée); polars, spaCy and NLTK do not."""
    texts = ["La Crimee et la Crimée."]
    package = _package_counts(texts, "fr")
    matrix = peers.make_counter(name, DIC, "fr")(texts)
    ukraine = THEMES.index("ukraine")
    assert (package[0, ukraine], matrix[0, ukraine]) == (2, 1)
    result = peers.agreement(package, matrix)
    assert result["cells_equal"] == pytest.approx(1 - 1 / len(THEMES)) and result["total_ratio"] < 1


def test_baselines_count_nothing_and_unknown_peers_are_refused():
    assert peers.make_counter("nfc_lower", DIC, "fr")(["x"]) is None
    assert peers.make_counter("findall", DIC, "fr")(["x"]) is None
    with pytest.raises(ValueError, match="unknown peer"):
        peers.make_counter("gensim", DIC, "fr")


def test_agreement_numbers():
    package = np.array([[1, 0, 2], [0, 0, 3]])
    assert peers.agreement(package, package.copy()) == {"cells_equal": 1.0, "total_ratio": 1.0}
    result = peers.agreement(package, np.array([[1, 1, 2], [0, 0, 0]]))
    assert result == {"cells_equal": pytest.approx(4 / 6), "total_ratio": pytest.approx(4 / 6)}
    assert math.isnan(peers.agreement(np.zeros((1, 2)), np.ones((1, 2)))["total_ratio"])
    with pytest.raises(ValueError, match="shapes"):
        peers.agreement(package, package[:1])
    table = pd.DataFrame({"doc_id": ["b", "a"], "theme": ["y", "x"], "count": [3, 1]})
    assert peers.package_matrix(table, ["a", "b", "c"], ["x", "y"]).tolist() == [[1, 0], [0, 3], [0, 0]]


# ------------------------------------------------------------------------ measuring
def test_measure_runs_each_configuration_in_a_fresh_process(tmp_path):
    source = tmp_path / "c.jsonl"
    peers.write_jsonl(FR * 1, source)
    digests = []
    for jobs in (1, 2):
        out = tmp_path / f"out-{jobs}"
        result = bench.measure(
            {
                "tool": "analysis",
                "source": str(source),
                "language": "fr",
                "jobs": jobs,
                "output_dir": str(out),
            },
            tmp_path / "req",
        )
        assert result["seconds"] > 0 and result["cpu_seconds"] > 0 and result["peak_rss_mb"] > 10
        assert result["matrix"] is None
        digests.append(bench.counts_digest(out))
    assert digests[0] == digests[1]
    nltk = bench.measure({"tool": "nltk", "source": str(source), "language": "fr"}, tmp_path / "req")
    with np.load(nltk["matrix"]) as saved:
        assert saved["ids"].tolist() == ["fr-0", "fr-1", "fr-2"]
        assert saved["counts"].shape == (3, len(THEMES))


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux /proc needed")
def test_peak_memory_of_a_run_excludes_the_process_that_launched_it():
    """ru_maxrss of a child carries the launcher's peak across exec on Linux; VmHWM does not."""
    ballast = bytearray(300 * 1024 * 1024)
    ballast[::4096] = b"\x01" * len(range(0, len(ballast), 4096))  # touch every page
    code = "from analysis.scale.bench import _peak_rss_mb; print(_peak_rss_mb())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout) < 200  # a bare interpreter with analysis.scale.bench: tens of MB
    del ballast


def test_run_bench_on_a_tiny_bench_folder(tmp_path):
    _gz(tmp_path / bench.CORPORA["fr"], FR)
    df = bench.run_bench(
        (2,), bench_dir=tmp_path, languages=["fr"], peers=["nfc_lower", "nltk"], jobs=1, scale_jobs=(1,),
        dask=False, synthetic_mb=0.005,
    )  # fmt: skip
    assert list(df.columns) == bench.COLUMNS
    assert list(zip(df["corpus"], df["scale"], df["label"], strict=True)) == [
        ("fr", 1, "analysis (1 process)"), ("fr", 1, "NFC+lower"), ("fr", 1, "NLTK"),
        ("fr", 2, "analysis (1 process)"), ("synthetic", 1, "analysis (1 process)"),
    ]  # fmt: skip
    assert df["docs"].tolist()[:4] == [3, 3, 3, 6]
    assert df["mb_per_s"].tolist() == pytest.approx((df["mb"] / df["seconds"]).tolist())
    nltk = df[df["tool"] == "nltk"].iloc[0]
    assert 0 < nltk["cells_equal"] <= 1 and nltk["total_ratio"] > 0
    assert df.loc[df["kind"].eq("package") & df["corpus"].eq("fr"), "counts_sha256"].str.len().eq(64).all()
    assert df.attrs["machine"]["cores"] >= 1 and "NLTK" in df.attrs["lacks"]
    targets = bench.evaluate_targets(df).set_index("target")
    memory = targets.loc[[t for t in targets.index if t.startswith("peak memory")][0]]
    assert memory["verdict"] in ("PASS", "MISS") and memory["ratio"] > 0
    paths = bench.save_bench(df, tmp_path / "reports", targets=targets.reset_index())
    saved = pd.read_csv(paths[0])
    assert len(saved) == len(df) and {"cpu", "cores", "python", "date"} <= set(saved.columns)


# ------------------------------------------------------------------ targets, table
def _rows(**changes) -> pd.DataFrame:
    base = {"corpus": "fr", "kind": "package", "engine": "local", "mb": 10.0, "docs": 100,
            "seconds": 1.0, "counts_sha256": "s", "worker_rss_mb": float("nan")}  # fmt: skip
    rows = [
        dict(base, scale=1, jobs=1, label="analysis (1 process)", mb_per_s=12.0, mb_per_cpu_s=12.0,
             peak_rss_mb=100.0),
        dict(base, scale=1, jobs=2, label="analysis (2 processes)", mb_per_s=20.0, mb_per_cpu_s=11.0,
             peak_rss_mb=90.0, worker_rss_mb=110.0),
        dict(base, scale=1, jobs=2, engine="dask", label="analysis Dask (2 workers)", mb_per_s=15.0,
             mb_per_cpu_s=9.0, peak_rss_mb=150.0, worker_rss_mb=190.0),
        dict(base, scale=1, jobs=1, kind="vectorised", engine="", label="polars regex", mb_per_s=11.0,
             mb_per_cpu_s=10.0, peak_rss_mb=180.0, counts_sha256=None, cells_equal=0.95, total_ratio=1.01),
        dict(base, scale=1, jobs=1, kind="faithful", engine="", label="NLTK", mb_per_s=3.0, mb_per_cpu_s=3.0,
             peak_rss_mb=200.0, counts_sha256=None, cells_equal=0.96, total_ratio=0.99),
        dict(base, scale=16, jobs=1, label="analysis (1 process)", mb_per_s=10.0, mb_per_cpu_s=10.0,
             peak_rss_mb=115.0),
        dict(base, scale=16, jobs=2, label="analysis (2 processes)", mb_per_s=19.0, mb_per_cpu_s=9.5,
             peak_rss_mb=95.0, worker_rss_mb=140.0, counts_sha256=changes.pop("sha16", "s")),
        dict(base, corpus="synthetic", scale=1, jobs=1, label="analysis (1 process)", mb_per_s=5.0,
             mb_per_cpu_s=5.0, peak_rss_mb=120.0),
    ]  # fmt: skip
    return pd.DataFrame(rows)


def test_targets_are_ratios_with_verdicts():
    targets = bench.evaluate_targets(_rows())
    assert set(targets["corpus"]) == {"fr"}  # the synthetic row has no target
    got = dict(
        zip(targets["target"], zip(targets["ratio"].round(3), targets["verdict"], strict=True), strict=True)
    )
    by_start = {t.split(":")[0]: v for t, v in got.items()}
    assert by_start["1 process >= 10 MB/s"] == (1.2, "PASS")
    assert by_start["1 process MB/CPU-s >= the best vectorised peer's"] == (1.2, "PASS")
    assert by_start["1 process MB/s >= 3x each faithful peer's"] == (4.0, "PASS")
    assert by_start["peak memory per worker, jobs=1"] == (1.15, "PASS")
    assert by_start["peak memory per worker, jobs=2"] == (round(140 / 110, 3), "MISS")  # +27 %
    assert by_start["2 processes >= 1.8x one (MB/s)"] == (1.9, "PASS")  # at the largest size
    assert by_start["counts identical across jobs=1, jobs=2, Dask"][1] == "PASS"
    differ = bench.evaluate_targets(_rows(sha16="t")).set_index("target")
    assert differ.loc["counts identical across jobs=1, jobs=2, Dask", "verdict"] == "MISS"


def test_targets_not_measured_are_not_applicable():
    rows = _rows()
    rows = rows[(rows["scale"] == 1) & rows["kind"].isin(["package"]) & (rows["engine"] == "local")]
    targets = bench.evaluate_targets(rows[rows["jobs"] == 1])
    verdicts = dict(zip(targets["target"].str.split(":").str[0], targets["verdict"], strict=True))
    assert verdicts["1 process MB/CPU-s >= the best vectorised peer's"] == "n/a"
    assert verdicts["peak memory per worker, jobs=1"] == "n/a"
    assert verdicts["2 processes >= 1.8x one (MB/s)"] == "n/a"
    assert verdicts["counts identical across jobs=1, jobs=2, Dask"] == "n/a"  # one run only


def test_format_bench_table_and_footer():
    df = _rows()
    machine = {"cpu": "Test CPU", "cores": 2, "python": "3.11.0", "date": "2026-01-01 00:00 UTC"}
    machine |= {"load_average_start": 0.5, "versions": {"nltk": "3.9"}}
    notes = ["spaCy: not installed, skipped"]
    df.attrs.update({"lacks": {"NLTK": "no accent folding"}, "notes": notes, "machine": machine})
    text = bench.format_bench(df)
    lines = text.splitlines()
    assert lines[0].split()[:3] == ["corpus", "size", "tool"]
    assert any(line.startswith("fr") and "polars regex" in line and "0.950" in line for line in lines)
    assert any(line.startswith("fr") and "x16" in line for line in lines)
    assert "" in lines[2 : 2 + len(df) + 1]  # a blank line between the corpora
    assert "Machine: Test CPU, 2 cores, Python 3.11.0, 2026-01-01 00:00 UTC" in text
    assert "  NLTK: no accent folding." in text and "Note: spaCy: not installed, skipped." in text
    assert "  PASS fr: 1 process >= 10 MB/s: 12.00 MB/s -> ratio 1.20" in text
    assert "  MISS fr: peak memory per worker, jobs=2" in text


# ---------------------------------------------------------------------- real corpora
@pytest.mark.skipif(not HAS_REAL, reason="../shared/bench is absent")
def test_real_corpora_are_read_and_counted_alike():
    sources = bench.find_corpora()
    for lang, path in sources.items():
        records = []
        for record in peers.repeated_records(path, 1):
            records.append(record)
            if len(records) == 25:
                break
        assert {r["language"] for r in records} == {lang} and all(r["text"] for r in records)
        texts = [r["text"] for r in records]
        agreement = peers.agreement(
            _package_counts(texts, lang), peers.make_counter("nltk", DIC, lang)(texts)
        )
        assert agreement["cells_equal"] > 0.8, agreement  # counts, not the texts, are compared
