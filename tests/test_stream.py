"""Streaming and parallel counting: same counts whatever the format, engine or path."""

from __future__ import annotations

import itertools
import json
import logging
import sys
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.synthetic import synthetic_documents

from analysis import config
from analysis.clean import clean_text
from analysis.dictionary import dictionary
from analysis.lookup import tokens_lookup
from analysis.scale import count as scale_count
from analysis.scale import engines as scale_engines
from analysis.scale import parts as scale_parts
from analysis.scale import sources as scale_sources
from analysis.scale.keys import KeyReader
from analysis.tokens import tokens

DOC_COLUMNS = ["doc_id", "language", "title", "n_chars", "n_bytes", "n_tokens", "sha256"]


# ----------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def docs() -> list[dict]:
    """40 documents recombined from the seed sentences, plus an English one and a bare one."""
    out = list(synthetic_documents(n_docs=40, seed=11))
    out.append(
        {
            "doc_id": "en-1",
            "title": "A note",
            "language": "en",
            "text": "A note\n\nThe Security Council met. Ukraine's allies don't wait.\n\nNATO, the Arctic.",
        }
    )
    out.append({"doc_id": "bare", "title": "Vide", "language": "fr", "text": "Vide\n\n« ! » ... ; 12 %"})
    return out


def write_jsonl(path: Path, docs: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for d in docs:
            record = {("id" if k == "doc_id" else k): v for k, v in d.items()}
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def write_parquet(path: Path, docs: list[dict], row_group_size: int = 7) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(docs), path, row_group_size=row_group_size)
    return path


def write_txt(folder: Path, docs: list[dict]) -> Path:
    folder.mkdir()
    for d in docs:
        (folder / f"{d['doc_id']}.txt").write_text(d["text"], encoding="utf-8")
    return folder


def expected_counts(docs: list[dict], dict_path=config.DEFAULT_DICTIONARY) -> pd.DataFrame:
    """The small-corpus path: clean_text, tokens, tokens_lookup, one call for all documents."""
    frame = pd.DataFrame(
        {
            "doc_id": [d["doc_id"] for d in docs],
            "text": [clean_text(d["text"], language=d["language"], title=d.get("title")).text for d in docs],
            "language": [d["language"] for d in docs],
        }
    )
    counts = tokens_lookup(tokens(frame), dictionary(dict_path)).counts
    return counts.sort_values("doc_id", kind="stable").reset_index(drop=True)


def part_bytes(out: Path) -> dict[str, bytes]:
    return {
        f"{table}/{p.name}": p.read_bytes()
        for table in ("documents", "counts")
        for p in sorted((out / table).glob("part-*.parquet"))
    }


# ------------------------------------------------------------------------------ reading
def test_iter_chunks_respects_both_limits():
    docs = [{"id": f"d{i}", "text": "x" * 10, "language": "fr"} for i in range(7)]
    assert [len(c) for c in scale_sources.iter_chunks(docs, chunk_docs=3)] == [3, 3, 1]
    # 10 bytes each: 25 bytes fit two documents
    assert [len(c) for c in scale_sources.iter_chunks(docs, chunk_bytes=25)] == [2, 2, 2, 1]
    # a document larger than chunk_bytes is a chunk of its own
    assert [len(c) for c in scale_sources.iter_chunks(docs, chunk_bytes=5)] == [1] * 7


def test_iter_chunks_never_holds_more_than_one_chunk():
    """Instrumented source: documents pulled minus documents handed out never exceeds chunk_docs."""
    pulled = 0

    def source():
        nonlocal pulled
        for d in synthetic_documents(n_docs=95, seed=2):
            pulled += 1
            yield d

    handed = 0
    held = []
    for chunk in scale_sources.iter_chunks(source(), chunk_docs=10):
        held.append(pulled - handed)
        handed += len(chunk)
    assert handed == 95
    assert max(held) <= 10
    assert len(held) == 10


def test_three_formats_give_identical_documents(docs, tmp_path):
    sources = {
        "jsonl": write_jsonl(tmp_path / "c.jsonl", docs),
        "parquet": write_parquet(tmp_path / "c.parquet", docs),
        "txt": write_txt(tmp_path / "txt", docs),
    }
    read = {}
    for name, src in sources.items():
        assert scale_sources.source_format(src) == name
        read[name] = {d["doc_id"]: d for d in scale_sources.iter_documents(src)}
    ids = sorted(d["doc_id"] for d in docs)
    for name, got in read.items():
        assert sorted(got) == ids, name
        for d in docs:
            # the synthetic texts have NFD words: read_text normalises .txt files, the workers the others
            nfc = unicodedata.normalize("NFC", got[d["doc_id"]]["text"])
            assert nfc == unicodedata.normalize("NFC", d["text"]), (name, d["doc_id"])
            assert got[d["doc_id"]]["language"] == d["language"], (name, d["doc_id"])
    # the txt title is the first line; the synthetic texts start with their title
    assert read["txt"]["syn-000003"]["title"] == docs[3]["title"]
    assert read["jsonl"]["syn-000003"]["date"] == docs[3]["date"]


def test_parquet_is_read_in_batches_never_whole(docs, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    path = write_parquet(tmp_path / "c.parquet", docs, row_group_size=5)

    def refuse(*args, **kwargs):
        raise AssertionError("the whole file was read")

    monkeypatch.setattr(pq.ParquetFile, "read", refuse)
    monkeypatch.setattr(pq.ParquetFile, "read_row_groups", refuse)
    monkeypatch.setattr(pq, "read_table", refuse)
    chunks = list(scale_sources.iter_chunks(path, chunk_docs=8))
    assert [len(c) for c in chunks] == [8, 8, 8, 8, 8, 2]


def test_txt_language_is_detected_or_given(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "a.txt").write_text("Titre\n\nLa France et le Canada sont dans la région.", encoding="utf-8")
    (folder / "b.txt").write_text("Title\n\nThe Prime Minister and the President met.", encoding="utf-8")
    assert [d["language"] for d in scale_sources.iter_documents(folder)] == ["fr", "en"]
    assert [d["language"] for d in scale_sources.iter_documents(folder, language="fr")] == ["fr", "fr"]


def test_bad_records_raise_with_their_place_or_are_skipped(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        b'{"id": "a", "text": "Paix."}\n{"text": "sans id"}\nnot json\n{"id": "d", "text": "Fin."}\n'
        b'{"id": "e", "text": "Latin-1 \xe9t\xe9"}\n'
    )
    with pytest.raises(ValueError, match="bad.jsonl, line 2: no 'id'"):
        list(scale_sources.iter_documents(path))
    problems: list[str] = []
    kept = [d["doc_id"] for d in scale_sources.iter_documents(path, on_error="skip", problems=problems)]
    assert kept == ["a", "d"]
    assert len(problems) == 3 and "line 3: invalid JSON" in problems[1]
    assert "line 5: not UTF-8" in problems[2]


def test_a_lone_surrogate_is_refused_or_skipped_by_id(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"id": "a", "text": "Paix \\ud800 ici."}\n{"id": "b", "text": "Fin."}\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match="document 'a': lone surrogate U\\+D800 at character 5"):
        list(scale_sources.iter_chunks(path))
    problems: list[str] = []
    kept = [
        d["doc_id"] for c in scale_sources.iter_chunks(path, on_error="skip", problems=problems) for d in c
    ]
    assert kept == ["b"] and len(problems) == 1


def test_first_surrogate_is_where_utf8_encoding_fails():
    """The index UnicodeEncodeError gives, in strings of each kind (a slice is read without
    encoding its texts: this is its check)."""
    texts = ["", "paix", "Défense", "l\u2019Europe", "\U0001f600 emoji", "\ud800", "ab\udfff",
             "é\udc00x\ud800", "\u2019\ud7ff\ue000\udbff", "\U0001f600\ud801", "\ud83d\ude00"]  # fmt: skip
    for text in texts:
        try:
            text.encode("utf-8")
            expected = -1
        except UnicodeEncodeError as exc:
            expected = exc.start
        assert scale_sources._first_surrogate(text) == expected, text
    assert [scale_sources._first_surrogate(t) for t in texts[5:8]] == [0, 2, 1]  # hand-checked


def test_a_lone_surrogate_in_a_slice_is_refused_or_skipped_by_id(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"id": "a", "text": "Paix \\ud800 ici."}\n{"id": "b", "text": "Fin."}\n', encoding="utf-8"
    )
    piece = next(scale_sources.iter_jsonl_slices(path))
    with pytest.raises(ValueError, match="document 'a': lone surrogate U\\+D800 at character 5"):
        scale_sources.read_jsonl_slice(piece)
    problems: list[str] = []
    assert [
        d["doc_id"] for d in scale_sources.read_jsonl_slice(piece, on_error="skip", problems=problems)
    ] == ["b"]
    assert len(problems) == 1


def test_jsonl_slices_hand_checked(tmp_path):
    path = tmp_path / "c.jsonl"
    lines = [b'{"id": "a", "text": "x"}\n', b"\n", b'{"id": "b", "text": "y"}\n', b" \n",
             b'{"id": "c", "text": "' + b"z" * 60 + b'"}\n', b'{"id": "d", "text": "w"}']  # fmt: skip
    path.write_bytes(b"".join(lines))
    ends = list(itertools.accumulate(len(line) for line in lines))
    # by count: two non-blank lines a slice, blank lines go with the slice they follow
    by_count = list(scale_sources.iter_jsonl_slices(path, chunk_docs=2))
    assert [(s.start, s.end, s.first_line, s.n_lines) for s in by_count] == [
        (0, ends[2], 1, 2),
        (ends[2], ends[5], 4, 2),
    ]
    # by size (80 bytes): a and b (25 bytes each) fit; line c (84 bytes) is a slice of its own,
    # starting at its own line 5 (the blank line 4 stays with the slice it follows)
    assert [len(line) for line in lines] == [25, 1, 25, 2, 84, 24]
    by_size = list(scale_sources.iter_jsonl_slices(path, chunk_bytes=80))
    assert [(s.first_line, s.n_lines) for s in by_size] == [(1, 2), (5, 1), (6, 1)]


@settings(max_examples=60, deadline=None)
@given(
    kinds=st.lists(st.sampled_from(["doc", "doc", "doc", "blank", "bad", "noid", "array"]), max_size=25),
    chunk_docs=st.integers(1, 6),
    chunk_bytes=st.integers(1, 200),
)
def test_jsonl_slices_read_back_as_the_whole_file(tmp_path_factory, kinds, chunk_docs, chunk_bytes):
    """Slices read apart give the documents and problems of one pass over the file."""
    text = {"doc": '{{"id": "d{i}", "text": "Paix {i}."}}', "blank": "  ", "bad": "{{oops",
            "noid": '{{"text": "sans id {i}"}}', "array": "[{i}]"}  # fmt: skip
    path = tmp_path_factory.mktemp("slices") / "c.jsonl"
    path.write_text("".join(text[k].format(i=i) + "\n" for i, k in enumerate(kinds)), encoding="utf-8")
    whole_problems: list[str] = []
    whole = list(scale_sources.iter_documents(path, language="fr", on_error="skip", problems=whole_problems))
    parts, part_problems = [], []
    for piece in scale_sources.iter_jsonl_slices(path, chunk_docs=chunk_docs, chunk_bytes=chunk_bytes):
        parts += scale_sources.read_jsonl_slice(piece, language="fr", on_error="skip", problems=part_problems)
    assert parts == whole
    assert part_problems == whole_problems


def test_jsonl_problems_found_by_workers_are_listed_in_order(tmp_path):
    path = tmp_path / "c.jsonl"
    path.write_text(
        '{"id": "a", "text": "La paix.", "title": "T"}\nbad\n{"text": "sans id"}\n'
        '{"id": "b", "text": "Fin.", "title": "U"}\n',
        encoding="utf-8",
    )
    outs = [
        scale_engines.count_corpus(
            path, tmp_path / f"o{j}", jobs=j, chunk_docs=1, on_error="skip", progress=False
        )
        for j in (1, 2)
    ]
    for out in outs:
        manifest = scale_parts.read_manifest(out)
        # chunks 1 and 2 hold only bad lines: no part for them
        assert manifest["n_documents"] == 2 and manifest["parts"] == [
            "part-00000.parquet",
            "part-00003.parquet",
        ]
        assert scale_parts.read_counts(out)["is_root"].dtype == bool
        titled = scale_parts.read_counts(out, table="documents", columns=["doc_id", "title"])
        assert titled["title"].tolist() == ["T", "U"]
        assert manifest["skipped"] == ["c.jsonl, line 2: invalid JSON (Expecting value)",
                                       "c.jsonl, line 3: no 'id' or 'doc_id'"]  # fmt: skip
        assert sorted(scale_parts.read_counts(out)["doc_id"].unique()) == ["a", "b"]
    assert part_bytes(outs[0]) == part_bytes(outs[1])


@pytest.mark.parametrize("jobs", [1, 2])
def test_jsonl_errors_found_by_workers_name_their_line(tmp_path, jobs):
    # one bad record a file: in parallel, the first one found stops the run
    path = tmp_path / "dup.jsonl"
    path.write_text('{"id": "a", "text": "Paix."}\n{"id": "a", "text": "Encore."}\n', encoding="utf-8")
    with pytest.raises(scale_sources.SourceError, match="duplicate doc_id 'a' in the corpus"):
        scale_engines.count_corpus(path, tmp_path / "o1", jobs=jobs, chunk_docs=1, progress=False)
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "Paix."}\n{"id": "b", "text": "Fin."}\n{"x": 1}\n', encoding="utf-8")
    with pytest.raises(scale_sources.SourceError, match="c.jsonl, line 3: no 'id' or 'doc_id'"):
        scale_engines.count_corpus(path, tmp_path / "o2", jobs=jobs, chunk_docs=1, progress=False)


def test_parallel_run_reports_the_first_bad_record_of_the_file(tmp_path):
    """Line 1 (slow to parse, then invalid) fails after line 2: line 1 is still the one named."""
    path = tmp_path / "c.jsonl"
    slow_and_bad = '{"id": "a", "text": "' + "paix " * 4_000_000 + '"'  # no closing brace
    path.write_text(slow_and_bad + '\n{"text": "sans id"}\n', encoding="utf-8")
    with pytest.raises(scale_sources.SourceError, match="c.jsonl, line 1: invalid JSON"):
        scale_engines.count_corpus(path, tmp_path / "o", jobs=2, chunk_docs=1, progress=False)


def test_jsonl_may_start_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a", "text": "Paix."}\n{"id": "b", "text": "Fin."}\n')
    assert [d["doc_id"] for d in scale_sources.iter_documents(path)] == ["a", "b"]
    out = scale_engines.count_corpus(path, tmp_path / "o", jobs=1, progress=False)
    assert scale_parts.read_manifest(out)["n_documents"] == 2


def test_duplicate_ids_are_refused(tmp_path):
    docs = [{"id": "a", "text": "Paix.", "language": "fr"}] * 2
    with pytest.raises(ValueError, match="duplicate doc_id 'a'"):
        scale_engines.count_corpus(docs, tmp_path / "out", jobs=1, chunk_docs=1, progress=False)


# --------------------------------------------------------------------------- counting
def test_fast_path_equals_library_path_on_seed_and_synthetic(docs):
    from analysis.corpus import read_text

    seed_text, _ = read_text(config.RAW_DIR / f"{config.DEFAULT_FOCUS_ID}.txt")
    chunk = [*docs, {"doc_id": "seed", "text": seed_text, "language": "fr", "title": None}]
    chunk = [scale_sources._document(d, "test", None) for d in chunk]
    library = scale_count.process_chunk(chunk, config.DEFAULT_DICTIONARY, method="library")
    fast = scale_count.process_chunk(chunk, config.DEFAULT_DICTIONARY, method="fast")
    for table in ("documents", "counts"):
        pd.testing.assert_frame_equal(library[table], fast[table])
    # the synthetic texts do contain themes: the comparison is not between zeros
    assert fast["counts"].loc[fast["counts"]["is_root"], "count"].sum() > 500


def test_count_corpus_equals_small_corpus_path(docs, tmp_path):
    out = scale_engines.count_corpus(
        write_jsonl(tmp_path / "c.jsonl", docs), tmp_path / "out", jobs=1, chunk_docs=9, progress=False
    )
    got = scale_parts.read_counts(out)
    # parts are chunks of 9 documents in source order, each sorted by doc_id
    part_order = [
        doc_id for k in range(0, len(docs), 9) for doc_id in sorted(d["doc_id"] for d in docs[k : k + 9])
    ]
    assert list(dict.fromkeys(got["doc_id"])) == part_order
    pd.testing.assert_frame_equal(
        got.sort_values("doc_id", kind="stable").reset_index(drop=True), expected_counts(docs)
    )
    documents = scale_parts.read_counts(out, table="documents")
    assert documents["doc_id"].tolist() == part_order
    manifest = scale_parts.read_manifest(out)
    assert manifest["n_documents"] == len(docs)
    assert manifest["n_parts"] == 5
    assert manifest["dictionary_sha256"] == dictionary(config.DEFAULT_DICTIONARY).hash


def test_three_formats_give_identical_counts(docs, tmp_path):
    sources = [
        write_jsonl(tmp_path / "c.jsonl", docs),
        write_parquet(tmp_path / "c.parquet", docs),
        write_txt(tmp_path / "txt", docs),
    ]
    results = []
    for i, src in enumerate(sources):
        out = scale_engines.count_corpus(src, tmp_path / f"out{i}", jobs=1, chunk_docs=16, progress=False)
        counts = scale_parts.read_counts(out).sort_values(["doc_id", "theme"]).reset_index(drop=True)
        documents = scale_parts.read_counts(out, table="documents")[DOC_COLUMNS]
        results.append((counts, documents.sort_values("doc_id").reset_index(drop=True)))
    for counts, documents in results[1:]:
        pd.testing.assert_frame_equal(counts, results[0][0])
        pd.testing.assert_frame_equal(documents, results[0][1])


def test_local_jobs_give_identical_parts(docs, tmp_path):
    src = write_jsonl(tmp_path / "c.jsonl", docs)
    one = scale_engines.count_corpus(src, tmp_path / "one", jobs=1, chunk_docs=5, progress=False)
    two = scale_engines.count_corpus(src, tmp_path / "two", jobs=2, chunk_docs=5, progress=False)
    assert len(part_bytes(one)) == 2 * 9
    for table in ("counts", "documents"):
        pd.testing.assert_frame_equal(
            scale_parts.read_counts(one, table=table), scale_parts.read_counts(two, table=table)
        )
    assert part_bytes(one) == part_bytes(two)


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_parts(docs, tmp_path):
    pytest.importorskip("dask.distributed")
    src = write_jsonl(tmp_path / "c.jsonl", docs)
    one = scale_engines.count_corpus(src, tmp_path / "one", jobs=1, chunk_docs=6, progress=False)
    dask = scale_engines.count_corpus(
        src, tmp_path / "dask", engine="dask", jobs=2, chunk_docs=6, progress=False
    )
    for table in ("counts", "documents"):
        pd.testing.assert_frame_equal(
            scale_parts.read_counts(one, table=table), scale_parts.read_counts(dask, table=table)
        )
    assert part_bytes(one) == part_bytes(dask)
    manifest = scale_parts.read_manifest(dask)
    assert manifest["engine"] == "dask"
    assert manifest["max_in_flight_chunks"] <= manifest["max_in_flight"] == 4


@pytest.mark.slow
def test_dask_scheduler_address_is_used_and_left_running(docs, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    src = write_jsonl(tmp_path / "c.jsonl", docs[:12])
    one = scale_engines.count_corpus(src, tmp_path / "one", jobs=1, chunk_docs=5, progress=False)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        out = scale_engines.count_corpus(
            src,
            tmp_path / "d",
            engine="dask",
            scheduler=cluster.scheduler_address,
            chunk_docs=5,
            progress=False,
        )
        assert part_bytes(out) == part_bytes(one)
        with distributed.Client(cluster) as client:  # the cluster is still up
            assert client.submit(sum, [1, 2]).result() == 3


@pytest.mark.parametrize("jobs", [1, 2])
def test_memory_stays_bounded(tmp_path, jobs):
    """Documents read from the source but not yet written never exceed (in flight + 1) chunks."""
    n_docs, chunk_docs, in_flight = 120, 6, 2
    pulled = 0
    written = 0
    held = []

    def source():
        nonlocal pulled
        for d in synthetic_documents(n_docs=n_docs, seed=5):
            pulled += 1
            held.append(pulled - written)
            yield d

    def progress(snapshot):
        nonlocal written
        written = snapshot["documents"]

    out = scale_engines.count_corpus(
        source(),
        tmp_path / "out",
        jobs=jobs,
        chunk_docs=chunk_docs,
        max_in_flight=in_flight,
        progress=progress,
    )
    assert written == pulled == n_docs
    bound = (in_flight + 1) * chunk_docs
    assert max(held) <= bound < n_docs
    manifest = scale_parts.read_manifest(out)
    assert manifest["max_in_flight_chunks"] <= in_flight
    assert manifest["max_in_flight_docs"] <= in_flight * chunk_docs


def test_a_killed_writer_leaves_no_debris_after_the_next_run(docs, tmp_path):
    out = tmp_path / "out"
    for name in ("documents", "counts"):  # what a worker killed while writing leaves
        (out / name).mkdir(parents=True)
        (out / name / ".part-00002.parquet.4242.tmp").write_bytes(b"half")
    scale_engines.count_corpus(docs, out, jobs=2, chunk_docs=3, progress=False)
    assert not list(out.rglob("*.tmp"))


def test_rerun_replaces_parts_and_removes_stale_ones(docs, tmp_path):
    src = write_jsonl(tmp_path / "c.jsonl", docs)
    out = tmp_path / "out"
    scale_engines.count_corpus(src, out, jobs=1, chunk_docs=4, progress=False)
    assert len(list((out / "counts").glob("part-*.parquet"))) == 11
    scale_engines.count_corpus(src, out, jobs=1, chunk_docs=20, progress=False)
    assert sorted(p.name for p in (out / "counts").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ]
    assert not list(out.rglob("*.tmp"))
    pd.testing.assert_frame_equal(
        scale_parts.read_counts(out).sort_values(["doc_id"], kind="stable").reset_index(drop=True),
        expected_counts(docs),
    )


def test_read_counts_refuses_an_unfinished_run(tmp_path):
    (tmp_path / "counts").mkdir()
    with pytest.raises(FileNotFoundError, match="no manifest"):
        scale_parts.read_counts(tmp_path)


def test_keep_text_adds_the_cleaned_text(tmp_path):
    docs = [{"id": "a", "title": "Titre", "text": "Titre\n\nLa  paix&nbsp;!", "language": "fr"}]
    out = scale_engines.count_corpus(docs, tmp_path / "o", jobs=1, keep_text=True, progress=False)
    assert scale_parts.read_counts(out, table="documents")["text"].tolist() == ["La paix !"]
    out = scale_engines.count_corpus(docs, tmp_path / "p", jobs=1, progress=False)
    assert "text" not in scale_parts.read_counts(out, table="documents").columns


def test_documents_table_hand_checked(tmp_path):
    text = "L'Ukraine et la paix, en Arctique."
    out = scale_engines.count_corpus(
        [{"id": "a", "text": text, "language": "fr", "date": "2024-01-02"}],
        tmp_path / "o",
        jobs=1,
        progress=False,
    )
    row = scale_parts.read_counts(out, table="documents").iloc[0]
    import hashlib

    # tokens: l' Ukraine et la paix , en Arctique .  -> 7 that are not punctuation
    assert int(row["n_tokens"]) == 7
    assert int(row["n_chars"]) == len(text) and int(row["n_bytes"]) == len(text.encode())
    assert row["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert row["date"] == "2024-01-02"
    # decomposed accents are hashed and measured in NFC
    nfd = unicodedata.normalize("NFD", "Sécurité.")
    assert len(nfd) == 11
    out = scale_engines.count_corpus(
        [{"id": "b", "text": nfd, "language": "fr"}], tmp_path / "p", jobs=1, progress=False
    )
    row = scale_parts.read_counts(out, table="documents").iloc[0]
    assert (int(row["n_chars"]), int(row["n_bytes"])) == (9, 11)
    assert row["sha256"] == hashlib.sha256("Sécurité.".encode()).hexdigest()


def test_progress_line_on_a_tty(capsys):
    progress = scale_parts.Progress(True)
    progress.update(documents=10, n_bytes=3_000_000)
    progress.update(documents=5, n_bytes=1_000_000)
    progress.close()
    err = capsys.readouterr().err
    assert "15 docs" in err and "4.00MB" in err


def test_progress_logs_without_a_tty(tmp_path, caplog):
    docs = [{"id": f"d{i}", "text": "La paix.", "language": "fr"} for i in range(3)]
    with caplog.at_level(logging.INFO, logger="analysis.scale.engines"):
        scale_engines.count_corpus(docs, tmp_path / "o", jobs=1, chunk_docs=1)
    assert any("3 documents" in r.getMessage() and "MB/s" in r.getMessage() for r in caplog.records)


# ----------------------------------------------------- fast path = library, property-based
_VOCAB = [
    "conseil", "Conseil", "de", "sécurité", "securite", "SÉCURITÉ", "sociale", "défense", "défenses",
    "l'", "l’", "L'", "Europe", "européenne", "paix", "mer", "chine", "Chine", "méridionale", "populaire",
    "cyber", "cyberattaque", "Indo-Pacifique", "pacifique", "OTAN", "arctique", "Arctique", "nations",
    "unies", "ne", "pas", ",", ".", "«", "»", "!", "M.", "12", "1 500", "aujourd'hui", "Œuvre", "oeuvre",
]  # fmt: skip
_SEPARATORS = [" ", " ", " ", "  ", "\n", "\n\n", "\n \n", ""]


def _test_dictionary(accent_sensitive: bool):
    def theme(label, fr, **extra):
        return {"label": {"fr": label, "en": label}, "description": f"{label}.", "fr": fr, **extra}

    return dictionary(
        {
            "name": "property",
            "version": "1",
            "description": "Overlaps, globs, phrases, exclusions and subthemes.",
            "accent_sensitive": accent_sensitive,
            "themes": {
                "un": theme("UN", ["conseil de sécurité", "nations unies"]),
                "security": theme("Security", ["sécurité", "défense*"], exclude=["sécurité sociale"]),
                "asia": theme(
                    "Asia",
                    ["indo-pacifique", "mer de chine*"],
                    exclude=["chine populaire"],
                    subthemes={
                        "seas": theme("Seas", ["mer de chine méridionale", "chine", "mer"]),
                        "pacific": theme("Pacific", ["pacifique", "indo-pacifique"]),
                    },
                ),
                "cyber": theme("Cyber", ["cyber*", "cyberattaque", "sécurité"]),
                "europe": theme("Europe", ["europ*", "l'europe", "paix", "paix"]),
                "misc": theme("Misc", ["oeuvre", "aujourd'hui", "m", "ne pas"]),
            },
        }
    )


_DICTS = {flag: _test_dictionary(flag) for flag in (False, True)}


@st.composite
def _texts(draw):
    words = draw(st.lists(st.sampled_from(_VOCAB), min_size=0, max_size=60))
    seps = draw(st.lists(st.sampled_from(_SEPARATORS), min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps, strict=True))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(_texts(), min_size=1, max_size=4), accent=st.booleans())
def test_fast_counts_equal_tokens_lookup(texts, accent):
    dic = _DICTS[accent]
    docs = [{"doc_id": f"d{i}", "text": t, "language": "fr"} for i, t in enumerate(texts)]
    lib_counts, lib_n = scale_count._count_library(docs, texts, dic)
    fast_counts, fast_n = scale_count._count_fast(docs, texts, dic)
    assert fast_n == lib_n
    pd.testing.assert_frame_equal(fast_counts, lib_counts)


_FLAT_DICTIONARY = dictionary(
    {
        "name": "flat",
        "version": "1",
        "description": "Synthetic: no subthemes, so every parent is missing.",
        "themes": {
            "peace": {"label": {"fr": "Paix", "en": "Peace"}, "description": "Peace.", "fr": ["paix"]},
        },
    }
)


@pytest.mark.parametrize("dic", [_DICTS[False], _FLAT_DICTIONARY], ids=["subthemes", "flat"])
def test_counts_part_written_from_arrow_reads_back_as_the_pandas_table(dic, tmp_path):
    """count_corpus writes the counts as an Arrow table built without pandas; read back, each
    part is the pandas table (same values, NaN where a document has no tokens or no root hit,
    same dtypes) and has the schema pandas itself would write, metadata included."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from analysis.lookup import counts_table

    texts = ["La paix, la mer de Chine et la paix.", "", "Rien ici.", "Chine populaire ; paix."]
    every = [{"doc_id": f"d{i}", "text": t, "language": "fr"} for i, t in enumerate(texts)]
    for docs in (every, []):
        ids, texts_in = [d["doc_id"] for d in docs], texts[: len(docs)]
        # the small-corpus path (tokens, tokens_lookup, counts_table) against the fast tally
        expected = (
            scale_count._count_library(docs, texts_in, dic)[0] if docs else counts_table({}, dic, [], {})
        )
        count, covered, n_tokens = scale_count._tally_fast(docs, texts_in, dic)
        table = scale_count._counts_arrow(count, covered, dic, ids, n_tokens)
        assert table.schema.equals(pa.Schema.from_pandas(expected, preserve_index=False), check_metadata=True)
        pq.write_table(table, tmp_path / "part.parquet")
        expected.to_parquet(tmp_path / "pandas.parquet", index=False)
        back = pd.read_parquet(tmp_path / "part.parquet")
        pd.testing.assert_frame_equal(back, pd.read_parquet(tmp_path / "pandas.parquet"), check_exact=True)
        written = pq.read_table(tmp_path / "pandas.parquet")
        for name in ("parent", "per_1000", "share"):  # missing values are nulls in both, not NaN
            assert table.column(name).null_count == written.column(name).null_count
        if docs:  # the second document is empty: no tokens
            n = len(dic.themes)
            assert back["per_1000"].isna().tolist() == [False] * n + [True] * n + [False] * 2 * n


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list("aeiouéÉèçœAEMnstlcdqj'’-.,;:!?«»()%°0123456789 \n\t\u00a0")),
        max_size=200,
    ),
    language=st.sampled_from(["fr", "en"]),
)
def test_fast_token_totals_equal_tokens_on_arbitrary_text(text, language):
    """Tokenising paragraphs whole (fast path) gives the same tokens as sentence by sentence."""
    docs = [{"doc_id": "x", "text": text, "language": language}]
    lib_counts, lib_n = scale_count._count_library(docs, [text], _DICTS[False])
    fast_counts, fast_n = scale_count._count_fast(docs, [text], _DICTS[False])
    assert fast_n == lib_n
    pd.testing.assert_frame_equal(fast_counts, lib_counts)


def _library_keys(text: str, language: str = "fr") -> list[str | None]:
    """The key sequence the fast path must give, from the library's token table."""
    data = tokens(text, language=language).data
    expected: list[str | None] = []
    for _, group in data.groupby("paragraph", sort=True):
        expected += [
            None if k == "punct" else key for key, k in zip(group["key"], group["kind"], strict=True)
        ]
        expected.append(None)
    return expected


def test_fast_keys_equal_library_keys_on_seed():
    """The key sequence of the fast path is the library's, punctuation and paragraph ends as None."""
    from analysis.corpus import read_text

    text, _ = read_text(config.RAW_DIR / f"{config.DEFAULT_FOCUS_ID}.txt")
    cleaned = clean_text(text, language="fr").text
    assert KeyReader("fr").keys(cleaned) == _library_keys(cleaned)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_texts())
def test_fast_keys_equal_library_keys_on_any_line_breaks(text):
    """Cleaned texts (only blank-line breaks) take a shortcut; other texts must not."""
    assert KeyReader("fr").keys(text) == _library_keys(text)


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(
        st.sampled_from(
            [*"ab1209%.,'’ \u00a0\u202f\u2009\t-", "\n\n", "M.", "Mme.", "l'", "n°", "1 000", "10 %", "U.S."]
        ),
        max_size=40,
    ).map("".join),
    language=st.sampled_from(["fr", "en"]),
)
def test_keys_by_chunk_equal_library_keys_around_numbers_and_spaces(text, language):
    """The chunk table (tokens never hold whitespace, but numbers with a space separator) gives
    the library's keys where a digit, a space of each kind and a digit or % meet."""
    assert KeyReader(language).keys(text) == _library_keys(text, language)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_keys_equal_library_keys_on_every_shared_statement(language, shared_manifest):
    """Every real statement of ../shared/corpus, cleaned, in its language (and in the other)."""
    from analysis.clean import corpus_clean
    from analysis.corpus import corpus

    corp = corpus_clean(corpus(shared_manifest))
    texts = corp.docs["text"].tolist()
    assert len(texts) >= 30
    reader = KeyReader(language)
    for text in texts:
        assert reader.keys(text) == _library_keys(text, language)


def test_a_blank_line_of_spaces_still_ends_a_paragraph():
    # hand-checked: "nations" and "unies" are in two paragraphs, so the phrase does not match
    keys = KeyReader("fr").keys("nations \n \nunies")
    assert keys == ["nations", None, "unies", None]


# --------------------------------------- the fast counter against tokens_lookup, any dictionary
# A tiny vocabulary makes phrases, globs, exclusions and subthemes overlap often.
_FUZZ_PATTERNS = ["a", "b", "c", "é", "e", "a b", "b c", "a b c", "b a", "a a", "a*", "*b", "b*", "a b*",
                  "a* b", "é c", "e c", "ab", "ba", "c a b", "l'a", "a c"]  # fmt: skip
_FUZZ_WORDS = ["a", "b", "c", "é", "e", "ab", "ba", "A", "É", "l'a", "L’a", "a-b"]
_FUZZ_SEPARATORS = [" ", " ", " ", ", ", "\n\n", ". "]


@st.composite
def _fuzz_theme(draw, name: str, depth: int):
    body = {
        "label": {"fr": name, "en": name},
        "description": "Synthetic.",
        "fr": draw(st.lists(st.sampled_from(_FUZZ_PATTERNS), min_size=1, max_size=3, unique=True)),
    }
    if draw(st.booleans()):
        body["exclude"] = {"fr": draw(st.lists(st.sampled_from(_FUZZ_PATTERNS), min_size=1, max_size=2))}
    if depth == 0 and draw(st.booleans()):
        n = draw(st.integers(1, 2))
        body["subthemes"] = {f"{name}s{j}": draw(_fuzz_theme(f"{name}s{j}", 1)) for j in range(n)}
    return body


@st.composite
def _fuzz_dictionary(draw):
    n = draw(st.integers(1, 4))
    return {
        "name": "fuzz",
        "version": "1",
        "description": "Synthetic overlaps.",
        "accent_sensitive": draw(st.booleans()),
        "themes": {f"t{i}": draw(_fuzz_theme(f"t{i}", 0)) for i in range(n)},
    }


_FUZZ_TEXT = st.lists(
    st.tuples(st.sampled_from(_FUZZ_WORDS), st.sampled_from(_FUZZ_SEPARATORS)), max_size=14
).map(lambda pairs: "".join(w + s for w, s in pairs))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=_fuzz_dictionary(), texts=st.lists(_FUZZ_TEXT, min_size=1, max_size=3))
def test_fast_counts_equal_tokens_lookup_for_any_dictionary(spec, texts):
    try:
        dic = dictionary(spec)
    except ValueError:  # e.g. a pattern both included and excluded by one theme
        return
    docs = [{"doc_id": f"d{i}", "text": t, "language": "fr"} for i, t in enumerate(texts)]
    lib_counts, lib_n = scale_count._count_library(docs, texts, dic)
    fast_counts, fast_n = scale_count._count_fast(docs, texts, dic)
    assert fast_n == lib_n
    pd.testing.assert_frame_equal(fast_counts, lib_counts)


def test_threads_share_no_counter_and_count_alike():
    """A Dask worker may run chunks in several threads: each thread has its own engine."""
    import concurrent.futures
    import threading

    docs = [
        {"doc_id": f"t{i}", "text": f"La paix en Ukraine, mot{i} et le Conseil {i}x.", "language": "fr"}
        for i in range(400)
    ]  # new words in every document: the types tables grow all along
    barrier = threading.Barrier(4)

    def run(_):
        barrier.wait()
        return scale_count.process_chunk(docs, config.DEFAULT_DICTIONARY)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, inside lookups too
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(run, range(4)))
    finally:
        sys.setswitchinterval(interval)
    alone = scale_count.process_chunk(docs, config.DEFAULT_DICTIONARY)  # after: the threads met new words
    for result in results:
        for table in ("documents", "counts"):
            pd.testing.assert_frame_equal(result[table], alone[table])


def test_a_txt_folder_counts_every_line_like_count_file(tmp_path):
    """Found by a second reader: the folder source took every first line for a title, and
    cleaning then dropped it (a one-line file counted nothing). Now the rule of
    ``analysis count FILE`` (corpus.title_line) decides; counts by hand: b 1 hit of 6 tokens,
    c 2 hits of 10 tokens, d's title line is dropped (1 hit of 5 tokens)."""
    from analysis.corpus import corpus_from_files

    folder = tmp_path / "txt"
    folder.mkdir()
    (folder / "b.txt").write_text("Une seule ligne sur l’Ukraine.", encoding="utf-8")
    (folder / "c.txt").write_text("Ligne un sur l’Ukraine,\nligne deux sur l’Ukraine.\n", encoding="utf-8")
    (folder / "d.txt").write_text("Titre sur l’Ukraine\n\nLe texte sur l’Ukraine.", encoding="utf-8")
    out = scale_engines.count_corpus(folder, tmp_path / "out", language="fr", jobs=1, progress=False)
    got = scale_parts.read_counts(out).query("theme == 'ukraine'").set_index("doc_id")
    assert got[["count", "tokens"]].to_dict("index") == {
        "b": {"count": 1, "tokens": 6}, "c": {"count": 2, "tokens": 10}, "d": {"count": 1, "tokens": 5}
    }
    small = corpus_from_files(sorted(folder.glob("*.txt")), language="fr")
    assert dict(zip(small.docs["doc_id"], small.docs["title"], strict=True)) == {
        "b": "b", "c": "c", "d": "Titre sur l’Ukraine"
    }
