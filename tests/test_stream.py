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

from analysis import config, native, stream
from analysis.bench import synthetic_documents
from analysis.clean import clean_text
from analysis.dictionary import dictionary
from analysis.lookup import tokens_lookup
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
    assert [len(c) for c in stream.iter_chunks(docs, chunk_docs=3)] == [3, 3, 1]
    # 10 bytes each: 25 bytes fit two documents
    assert [len(c) for c in stream.iter_chunks(docs, chunk_bytes=25)] == [2, 2, 2, 1]
    # a document larger than chunk_bytes is a chunk of its own
    assert [len(c) for c in stream.iter_chunks(docs, chunk_bytes=5)] == [1] * 7


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
    for chunk in stream.iter_chunks(source(), chunk_docs=10):
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
        assert stream.source_format(src) == name
        read[name] = {d["doc_id"]: d for d in stream.iter_documents(src)}
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
    chunks = list(stream.iter_chunks(path, chunk_docs=8))
    assert [len(c) for c in chunks] == [8, 8, 8, 8, 8, 2]


def test_txt_language_is_detected_or_given(tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "a.txt").write_text("Titre\n\nLa France et le Canada sont dans la région.", encoding="utf-8")
    (folder / "b.txt").write_text("Title\n\nThe Prime Minister and the President met.", encoding="utf-8")
    assert [d["language"] for d in stream.iter_documents(folder)] == ["fr", "en"]
    assert [d["language"] for d in stream.iter_documents(folder, language="fr")] == ["fr", "fr"]


def test_bad_records_raise_with_their_place_or_are_skipped(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(
        b'{"id": "a", "text": "Paix."}\n{"text": "sans id"}\nnot json\n{"id": "d", "text": "Fin."}\n'
        b'{"id": "e", "text": "Latin-1 \xe9t\xe9"}\n'
    )
    with pytest.raises(ValueError, match="bad.jsonl, line 2: no 'id'"):
        list(stream.iter_documents(path))
    problems: list[str] = []
    kept = [d["doc_id"] for d in stream.iter_documents(path, on_error="skip", problems=problems)]
    assert kept == ["a", "d"]
    assert len(problems) == 3 and "line 3: invalid JSON" in problems[1]
    assert "line 5: not UTF-8" in problems[2]


def test_a_lone_surrogate_is_refused_or_skipped_by_id(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"id": "a", "text": "Paix \\ud800 ici."}\n{"id": "b", "text": "Fin."}\n', encoding="utf-8"
    )
    with pytest.raises(ValueError, match="document 'a': lone surrogate U\\+D800 at character 5"):
        list(stream.iter_chunks(path))
    problems: list[str] = []
    kept = [d["doc_id"] for c in stream.iter_chunks(path, on_error="skip", problems=problems) for d in c]
    assert kept == ["b"] and len(problems) == 1


@pytest.mark.parametrize("compiled", [True, False], ids=["C", "python"])
def test_first_surrogate_is_where_utf8_encoding_fails(compiled, monkeypatch):
    """The index UnicodeEncodeError gives, in strings of each kind (a slice is read without
    encoding its texts: this is its check)."""
    if not compiled:
        monkeypatch.setattr(stream, "_fastkeys", None)
    elif stream._fastkeys is None:
        pytest.skip("C extension not built")
    texts = ["", "paix", "Défense", "l\u2019Europe", "\U0001f600 emoji", "\ud800", "ab\udfff",
             "é\udc00x\ud800", "\u2019\ud7ff\ue000\udbff", "\U0001f600\ud801", "\ud83d\ude00"]  # fmt: skip
    for text in texts:
        try:
            text.encode("utf-8")
            expected = -1
        except UnicodeEncodeError as exc:
            expected = exc.start
        assert stream._first_surrogate(text) == expected, text
    assert [stream._first_surrogate(t) for t in texts[5:8]] == [0, 2, 1]  # hand-checked


def test_a_lone_surrogate_in_a_slice_is_refused_or_skipped_by_id(tmp_path):
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"id": "a", "text": "Paix \\ud800 ici."}\n{"id": "b", "text": "Fin."}\n', encoding="utf-8"
    )
    piece = next(stream.iter_jsonl_slices(path))
    with pytest.raises(ValueError, match="document 'a': lone surrogate U\\+D800 at character 5"):
        stream.read_jsonl_slice(piece)
    problems: list[str] = []
    assert [d["doc_id"] for d in stream.read_jsonl_slice(piece, on_error="skip", problems=problems)] == ["b"]
    assert len(problems) == 1


def test_jsonl_slices_hand_checked(tmp_path):
    path = tmp_path / "c.jsonl"
    lines = [b'{"id": "a", "text": "x"}\n', b"\n", b'{"id": "b", "text": "y"}\n', b" \n",
             b'{"id": "c", "text": "' + b"z" * 60 + b'"}\n', b'{"id": "d", "text": "w"}']  # fmt: skip
    path.write_bytes(b"".join(lines))
    ends = list(itertools.accumulate(len(line) for line in lines))
    # by count: two non-blank lines a slice, blank lines go with the slice they follow
    by_count = list(stream.iter_jsonl_slices(path, chunk_docs=2))
    assert [(s.start, s.end, s.first_line, s.n_lines) for s in by_count] == [
        (0, ends[2], 1, 2),
        (ends[2], ends[5], 4, 2),
    ]
    # by size (80 bytes): a and b (25 bytes each) fit; line c (84 bytes) is a slice of its own,
    # starting at its own line 5 (the blank line 4 stays with the slice it follows)
    assert [len(line) for line in lines] == [25, 1, 25, 2, 84, 24]
    by_size = list(stream.iter_jsonl_slices(path, chunk_bytes=80))
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
    whole = list(stream.iter_documents(path, language="fr", on_error="skip", problems=whole_problems))
    parts, part_problems = [], []
    for piece in stream.iter_jsonl_slices(path, chunk_docs=chunk_docs, chunk_bytes=chunk_bytes):
        parts += stream.read_jsonl_slice(piece, language="fr", on_error="skip", problems=part_problems)
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
        stream.count_corpus(path, tmp_path / f"o{j}", jobs=j, chunk_docs=1, on_error="skip", progress=False)
        for j in (1, 2)
    ]
    for out in outs:
        manifest = stream.read_manifest(out)
        # chunks 1 and 2 hold only bad lines: no part for them
        assert manifest["n_documents"] == 2 and manifest["parts"] == [
            "part-00000.parquet",
            "part-00003.parquet",
        ]
        assert stream.read_counts(out)["is_root"].dtype == bool
        titled = stream.read_counts(out, table="documents", columns=["doc_id", "title"])
        assert titled["title"].tolist() == ["T", "U"]
        assert manifest["skipped"] == ["c.jsonl, line 2: invalid JSON (Expecting value)",
                                       "c.jsonl, line 3: no 'id' or 'doc_id'"]  # fmt: skip
        assert sorted(stream.read_counts(out)["doc_id"].unique()) == ["a", "b"]
    assert part_bytes(outs[0]) == part_bytes(outs[1])


@pytest.mark.parametrize("jobs", [1, 2])
def test_jsonl_errors_found_by_workers_name_their_line(tmp_path, jobs):
    # one bad record a file: in parallel, the first one found stops the run
    path = tmp_path / "dup.jsonl"
    path.write_text('{"id": "a", "text": "Paix."}\n{"id": "a", "text": "Encore."}\n', encoding="utf-8")
    with pytest.raises(stream.SourceError, match="duplicate doc_id 'a' in the corpus"):
        stream.count_corpus(path, tmp_path / "o1", jobs=jobs, chunk_docs=1, progress=False)
    path = tmp_path / "c.jsonl"
    path.write_text('{"id": "a", "text": "Paix."}\n{"id": "b", "text": "Fin."}\n{"x": 1}\n', encoding="utf-8")
    with pytest.raises(stream.SourceError, match="c.jsonl, line 3: no 'id' or 'doc_id'"):
        stream.count_corpus(path, tmp_path / "o2", jobs=jobs, chunk_docs=1, progress=False)


def test_parallel_run_reports_the_first_bad_record_of_the_file(tmp_path):
    """Line 1 (slow to parse, then invalid) fails after line 2: line 1 is still the one named."""
    path = tmp_path / "c.jsonl"
    slow_and_bad = '{"id": "a", "text": "' + "paix " * 4_000_000 + '"'  # no closing brace
    path.write_text(slow_and_bad + '\n{"text": "sans id"}\n', encoding="utf-8")
    with pytest.raises(stream.SourceError, match="c.jsonl, line 1: invalid JSON"):
        stream.count_corpus(path, tmp_path / "o", jobs=2, chunk_docs=1, progress=False)


def test_jsonl_may_start_with_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"id": "a", "text": "Paix."}\n{"id": "b", "text": "Fin."}\n')
    assert [d["doc_id"] for d in stream.iter_documents(path)] == ["a", "b"]
    out = stream.count_corpus(path, tmp_path / "o", jobs=1, progress=False)
    assert stream.read_manifest(out)["n_documents"] == 2


def test_duplicate_ids_are_refused(tmp_path):
    docs = [{"id": "a", "text": "Paix.", "language": "fr"}] * 2
    with pytest.raises(ValueError, match="duplicate doc_id 'a'"):
        stream.count_corpus(docs, tmp_path / "out", jobs=1, chunk_docs=1, progress=False)


# --------------------------------------------------------------------------- counting
@pytest.mark.parametrize("compiled", [True, False], ids=["C extension", "no compiler"])
def test_fast_path_equals_library_path_on_seed_and_synthetic(docs, compiled, monkeypatch, request):
    from analysis.corpus import read_text

    if not compiled:  # as installed without a C compiler: the regex and the Python tallies
        monkeypatch.setattr(stream, "_fastkeys", None)
        monkeypatch.setattr(stream, "_COUNTERS", {})
        stream._native_rules_agree.cache_clear()
        request.addfinalizer(stream._native_rules_agree.cache_clear)
        assert stream.tokeniser_engine() == "regex"

    seed_text, _ = read_text(config.RAW_DIR / f"{config.DEFAULT_FOCUS_ID}.txt")
    chunk = [*docs, {"doc_id": "seed", "text": seed_text, "language": "fr", "title": None}]
    chunk = [stream._document(d, "test", None) for d in chunk]
    library = stream.process_chunk(chunk, config.DEFAULT_DICTIONARY, method="library")
    fast = stream.process_chunk(chunk, config.DEFAULT_DICTIONARY, method="fast")
    for table in ("documents", "counts"):
        pd.testing.assert_frame_equal(library[table], fast[table])
    # the synthetic texts do contain themes: the comparison is not between zeros
    assert fast["counts"].loc[fast["counts"]["is_root"], "count"].sum() > 500


def test_count_corpus_equals_small_corpus_path(docs, tmp_path):
    out = stream.count_corpus(
        write_jsonl(tmp_path / "c.jsonl", docs), tmp_path / "out", jobs=1, chunk_docs=9, progress=False
    )
    got = stream.read_counts(out)
    # parts are chunks of 9 documents in source order, each sorted by doc_id
    part_order = [
        doc_id for k in range(0, len(docs), 9) for doc_id in sorted(d["doc_id"] for d in docs[k : k + 9])
    ]
    assert list(dict.fromkeys(got["doc_id"])) == part_order
    pd.testing.assert_frame_equal(
        got.sort_values("doc_id", kind="stable").reset_index(drop=True), expected_counts(docs)
    )
    documents = stream.read_counts(out, table="documents")
    assert documents["doc_id"].tolist() == part_order
    manifest = stream.read_manifest(out)
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
        out = stream.count_corpus(src, tmp_path / f"out{i}", jobs=1, chunk_docs=16, progress=False)
        counts = stream.read_counts(out).sort_values(["doc_id", "theme"]).reset_index(drop=True)
        documents = stream.read_counts(out, table="documents")[DOC_COLUMNS]
        results.append((counts, documents.sort_values("doc_id").reset_index(drop=True)))
    for counts, documents in results[1:]:
        pd.testing.assert_frame_equal(counts, results[0][0])
        pd.testing.assert_frame_equal(documents, results[0][1])


def test_local_jobs_give_identical_parts(docs, tmp_path):
    src = write_jsonl(tmp_path / "c.jsonl", docs)
    one = stream.count_corpus(src, tmp_path / "one", jobs=1, chunk_docs=5, progress=False)
    two = stream.count_corpus(src, tmp_path / "two", jobs=2, chunk_docs=5, progress=False)
    assert len(part_bytes(one)) == 2 * 9
    for table in ("counts", "documents"):
        pd.testing.assert_frame_equal(
            stream.read_counts(one, table=table), stream.read_counts(two, table=table)
        )
    assert part_bytes(one) == part_bytes(two)


@pytest.mark.slow
def test_dask_local_cluster_gives_identical_parts(docs, tmp_path):
    pytest.importorskip("dask.distributed")
    src = write_jsonl(tmp_path / "c.jsonl", docs)
    one = stream.count_corpus(src, tmp_path / "one", jobs=1, chunk_docs=6, progress=False)
    dask = stream.count_corpus(src, tmp_path / "dask", engine="dask", jobs=2, chunk_docs=6, progress=False)
    for table in ("counts", "documents"):
        pd.testing.assert_frame_equal(
            stream.read_counts(one, table=table), stream.read_counts(dask, table=table)
        )
    assert part_bytes(one) == part_bytes(dask)
    manifest = stream.read_manifest(dask)
    assert manifest["engine"] == "dask"
    assert manifest["max_in_flight_chunks"] <= manifest["max_in_flight"] == 4


@pytest.mark.slow
def test_dask_scheduler_address_is_used_and_left_running(docs, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    src = write_jsonl(tmp_path / "c.jsonl", docs[:12])
    one = stream.count_corpus(src, tmp_path / "one", jobs=1, chunk_docs=5, progress=False)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        out = stream.count_corpus(
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

    out = stream.count_corpus(
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
    manifest = stream.read_manifest(out)
    assert manifest["max_in_flight_chunks"] <= in_flight
    assert manifest["max_in_flight_docs"] <= in_flight * chunk_docs


def test_a_killed_writer_leaves_no_debris_after_the_next_run(docs, tmp_path):
    out = tmp_path / "out"
    for name in ("documents", "counts"):  # what a worker killed while writing leaves
        (out / name).mkdir(parents=True)
        (out / name / ".part-00002.parquet.4242.tmp").write_bytes(b"half")
    stream.count_corpus(docs, out, jobs=2, chunk_docs=3, progress=False)
    assert not list(out.rglob("*.tmp"))


def test_rerun_replaces_parts_and_removes_stale_ones(docs, tmp_path):
    src = write_jsonl(tmp_path / "c.jsonl", docs)
    out = tmp_path / "out"
    stream.count_corpus(src, out, jobs=1, chunk_docs=4, progress=False)
    assert len(list((out / "counts").glob("part-*.parquet"))) == 11
    stream.count_corpus(src, out, jobs=1, chunk_docs=20, progress=False)
    assert sorted(p.name for p in (out / "counts").iterdir()) == [
        "part-00000.parquet",
        "part-00001.parquet",
        "part-00002.parquet",
    ]
    assert not list(out.rglob("*.tmp"))
    pd.testing.assert_frame_equal(
        stream.read_counts(out).sort_values(["doc_id"], kind="stable").reset_index(drop=True),
        expected_counts(docs),
    )


def test_read_counts_refuses_an_unfinished_run(tmp_path):
    (tmp_path / "counts").mkdir()
    with pytest.raises(FileNotFoundError, match="no manifest"):
        stream.read_counts(tmp_path)


def test_keep_text_adds_the_cleaned_text(tmp_path):
    docs = [{"id": "a", "title": "Titre", "text": "Titre\n\nLa  paix&nbsp;!", "language": "fr"}]
    out = stream.count_corpus(docs, tmp_path / "o", jobs=1, keep_text=True, progress=False)
    assert stream.read_counts(out, table="documents")["text"].tolist() == ["La paix !"]
    out = stream.count_corpus(docs, tmp_path / "p", jobs=1, progress=False)
    assert "text" not in stream.read_counts(out, table="documents").columns


def test_documents_table_hand_checked(tmp_path):
    text = "L'Ukraine et la paix, en Arctique."
    out = stream.count_corpus(
        [{"id": "a", "text": text, "language": "fr", "date": "2024-01-02"}],
        tmp_path / "o",
        jobs=1,
        progress=False,
    )
    row = stream.read_counts(out, table="documents").iloc[0]
    import hashlib

    # tokens: l' Ukraine et la paix , en Arctique .  -> 7 that are not punctuation
    assert int(row["n_tokens"]) == 7
    assert int(row["n_chars"]) == len(text) and int(row["n_bytes"]) == len(text.encode())
    assert row["sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert row["date"] == "2024-01-02"
    # decomposed accents are hashed and measured in NFC
    nfd = unicodedata.normalize("NFD", "Sécurité.")
    assert len(nfd) == 11
    out = stream.count_corpus(
        [{"id": "b", "text": nfd, "language": "fr"}], tmp_path / "p", jobs=1, progress=False
    )
    row = stream.read_counts(out, table="documents").iloc[0]
    assert (int(row["n_chars"]), int(row["n_bytes"])) == (9, 11)
    assert row["sha256"] == hashlib.sha256("Sécurité.".encode()).hexdigest()


def test_progress_line_on_a_tty(capsys):
    progress = stream.Progress(True)
    progress.update(documents=10, n_bytes=3_000_000)
    progress.update(documents=5, n_bytes=1_000_000)
    progress.close()
    err = capsys.readouterr().err
    assert "15 docs" in err and "4.00MB" in err


def test_progress_logs_without_a_tty(tmp_path, caplog):
    docs = [{"id": f"d{i}", "text": "La paix.", "language": "fr"} for i in range(3)]
    with caplog.at_level(logging.INFO, logger="analysis.stream"):
        stream.count_corpus(docs, tmp_path / "o", jobs=1, chunk_docs=1)
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
    lib_counts, lib_n = stream._count_library(docs, texts, dic)
    fast_counts, fast_n = stream._count_fast(docs, texts, dic)
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
        expected = stream._count_library(docs, texts_in, dic)[0] if docs else counts_table({}, dic, [], {})
        count, covered, n_tokens = stream._tally_fast(docs, texts_in, dic)
        table = stream._counts_arrow(count, covered, dic, ids, n_tokens)
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
    lib_counts, lib_n = stream._count_library(docs, [text], _DICTS[False])
    fast_counts, fast_n = stream._count_fast(docs, [text], _DICTS[False])
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
    dic = dictionary(config.DEFAULT_DICTIONARY)
    assert stream._fast_counter(dic, "fr").keys(cleaned) == _library_keys(cleaned)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_texts())
def test_fast_keys_equal_library_keys_on_any_line_breaks(text):
    """Cleaned texts (only blank-line breaks) take a shortcut; other texts must not."""
    assert stream._fast_counter(_DICTS[False], "fr").keys(text) == _library_keys(text)


def test_a_blank_line_of_spaces_still_ends_a_paragraph():
    # hand-checked: "nations" and "unies" are in two paragraphs, so the phrase does not match
    keys = stream._fast_counter(_DICTS[False], "fr").keys("nations \n \nunies")
    assert keys == ["nations", None, "unies", None]


# ------------------------------------------------------- the tokeniser's common case in C
def _as_surface(surface):
    """A Scanner lookup that makes each token its own key: scan then yields surfaces."""
    return surface, False, False, None


_TRICKY = [
    *"aAeéÉçœxyzMNUSnstlqdjc_",
    *"0123456789٣²½",  # decimal digits, an Arabic-Indic digit, a superscript, a fraction
    *"'’ʼ‘`´",  # the six apostrophes (ʼ is a word character)
    *".,;:!?%°«»()-\u2010\u2011–/&",
    *" \t\u00a0\u202f\u2009",
    "ſ", "İ", "ı", "\u212a", "\u0301",  # case-folding oddities and a combining accent
    "aujourd", "hui", "presqu", "île", "quelqu", "une", "prud", "homme", "entr", "jusqu", "qu", "QU",
    "Lorsqu", "quoiqu", "puisqu", "preſqu", "jusqu'", "L'", "d’", "s´", "c`", "l‘",
    "don", "t", "re", "ve", "ll", "Mr", "No", "etc", "Mme", "n°", "U.S.", "1 500", "2,5", "12.000",
    "mme", "ETC", "MR", "Mmes", "A", "Z", "a", "É", "AB", "ex", "Dr",  # before a full stop: listed or not
]  # fmt: skip


def _c_surfaces(text: str, language: str) -> list[str]:
    """Surfaces of the C tokeniser (the Scanner's loop) on one paragraph, with and without
    deciding full stops itself (both must agree)."""
    assert "\n\n" not in text  # one paragraph: scan's keys are then the tokens and one None
    counter = stream._fast_counter(_DICTS[False], language)
    found = []
    for abbreviations in (None, counter.abbreviations):
        scanner = stream._fastkeys.Scanner(counter.regex.match, _as_surface, language == "fr", abbreviations)
        keys, n_tokens, _, _ = scanner.scan(text)
        assert keys[-1:] == ([None] if text.strip() else [])
        found.append(keys[:-1])
        assert n_tokens == len(keys[:-1])
    assert found[0] == found[1]
    return found[0]


needs_c = pytest.mark.skipif(stream._fastkeys is None, reason="C extension not built")


def test_c_extension_is_built_and_agrees_with_the_tokeniser():
    """`pip install -e .` (make setup) compiles it; without it counting is correct but slower."""
    from analysis.tokens import french_elision_rules

    assert stream._fastkeys is not None, "run `make setup` (needs a C compiler)"
    assert french_elision_rules() == (stream._fastkeys.WHOLE, stream._fastkeys.ELIDED)
    assert stream._fastkeys.API == native.API, "a stale build: run `make setup`"
    assert stream.tokeniser_engine() == "C extension"


@needs_c
@settings(max_examples=600, deadline=None)
@given(
    parts=st.lists(st.sampled_from(_TRICKY), max_size=40),
    language=st.sampled_from(["fr", "en"]),
)
def test_c_tokens_equal_the_regex(parts, language):
    text = "".join(parts)
    assert _c_surfaces(text, language) == stream._fast_counter(_DICTS[False], language).regex.findall(text)


@needs_c
@pytest.mark.parametrize("language", ["fr", "en"])
def test_c_tokens_equal_the_regex_on_elisions_and_whole_words(language):
    """Every elided form and "whole" word start, in several cases, before each apostrophe."""
    from analysis.tokens import french_elision_rules

    whole, elided = french_elision_rules()
    starts = [*whole, *elided, "x", "preſqu", "ſ", "İ", "quelqu\u02bc", "xqu", "lX"]
    ends = ["hui", "île", "ile", "un", "unes", "homme", "ouvert", "Ukraine", "", " ", "-x", "1", "'a"]
    text = " ".join(
        f"{v}{ap}{end}"
        for start in starts
        for v in (start, start.upper(), start.capitalize())
        for ap in "'’ʼ‘`´"
        for end in ends
    )
    regex = stream._fast_counter(_DICTS[False], language).regex
    assert _c_surfaces(text, language) == regex.findall(text)


@needs_c
@pytest.mark.parametrize("language", ["fr", "en"])
def test_c_tokens_equal_the_regex_on_full_stops(language):
    """Every listed abbreviation of both languages, in three cases, and every Latin-1 letter
    alone, before a full stop that ends the text, precedes a space or a word character."""
    from analysis.tokens import abbreviations

    runs = [*abbreviations("fr"), *abbreviations("en"), "x", "Mmex", "xMme", "Mme-x", "x-Mme", "Mme_"]
    runs += [chr(cp) for cp in range(0x100) if chr(cp).isalnum()]
    variants = sorted({v for run in runs for v in (run, run.upper(), run.lower(), run.capitalize())})
    text = " ".join(f"{v}. {v}.x {v}.{v}. ({v}.) 1{v}. l'{v}." for v in variants) + " " + variants[0] + "."
    regex = stream._fast_counter(_DICTS[False], language).regex
    assert _c_surfaces(text, language) == regex.findall(text)


@needs_c
@pytest.mark.parametrize("language", ["fr", "en"])
def test_c_tokens_equal_the_regex_for_every_character(language):
    """Every BMP code point (surrogates aside) and every 5th astral one, alone and in contexts."""
    codes = [*range(0xD800), *range(0xE000, 0x10000), *range(0x10000, 0x110000, 5)]
    chars = [chr(cp) for cp in codes]
    text = " ".join(f"{c} a{c}b l'{c} 1{c}2 {c}a n{c}t l{c}a qu{c}i" for c in chars)
    regex = stream._fast_counter(_DICTS[False], language).regex
    assert _c_surfaces(text, language) == regex.findall(text)


@needs_c
@pytest.mark.parametrize("language", ["fr", "en"])
def test_c_keys_equal_the_regex_keys_on_the_seed(language):
    from analysis.corpus import read_text

    text, _ = read_text(config.RAW_DIR / f"{config.DEFAULT_FOCUS_ID}.txt")
    counter = stream._fast_counter(_DICTS[True], language)
    native = counter.keys(text)
    counter.native = False
    try:
        assert native == counter.keys(text)
    finally:
        counter.native = True


def _python_scan(counter, text):
    """The same counter's scan without the C extension (the regex and Python tallies)."""
    counter.native = False
    try:
        return counter.scan(text)
    finally:
        counter.native = True


@needs_c
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    texts=st.lists(_texts(), min_size=1, max_size=3),
    accent=st.booleans(),
    language=st.sampled_from(["fr", "en"]),
)
def test_c_scan_equals_the_python_scan(texts, accent, language):
    """keys, token total, simple-pattern tallies and candidate starts: the C Scanner and Python agree."""
    counter = stream._fast_counter(_DICTS[accent], language)
    for text in texts:
        assert counter.scan(text) == _python_scan(counter, text)


@needs_c
@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from(["paix", " ", "\n", "\n\n", "\n \n", "mer.", "\n\n\n"]), max_size=12))
def test_c_strict_scan_refuses_exactly_the_texts_not_in_clean_form(text):
    """scan(text, strict=True) is None exactly when text.count("\\n") != 2 * text.count("\\n\\n")
    (the wrapper's former test, in Python), and otherwise the plain scan."""
    text = "".join(text)
    scanner = stream._fast_counter(_DICTS[False], "fr").scanner
    strict = scanner.scan(text, True)
    if text.count("\n") == 2 * text.count("\n\n"):
        assert strict == scanner.scan(text)
    else:
        assert strict is None


@needs_c
def test_c_scan_on_a_hand_checked_text():
    """Hand count with the property dictionary above: "paix", "chine" and "mer" are one-token
    patterns no theme excludes; "chine populaire" (an exclusion), "nations unies" and
    "mer de chine..." are phrases, so their first words are candidate starts when the
    next word fits."""
    counter = stream._fast_counter(_DICTS[False], "fr")
    keys, n_tokens, singles, starts = counter.scan(
        "La paix, la Chine populaire et les Nations unies.\n\nPaix en mer !"
    )
    assert keys == [
        "la", "paix", None, "la", "chine", "populaire", "et", "les", "nations", "unies", None, None,
        "paix", "en", "mer", None, None,
    ]  # fmt: skip
    assert n_tokens == 12  # 9 words, then 3: "," "." "!" and the two paragraph ends are None
    assert singles == {"paix": 2, "chine": 1, "mer": 1}
    assert starts == [4, 8]  # "chine" before "populaire", "nations" before "unies"; not "mer" before "!"


@needs_c
def test_c_scanner_full_table_and_growth():
    """Past max_surfaces the scanner asks lookup every time; past 1024 surfaces the table grows."""
    counter = stream._fast_counter(_DICTS[False], "fr")
    words = [f"mot{chr(0x61 + i % 26)}{chr(0x61 + i // 26 % 26)}{chr(0x61 + i // 676)}" for i in range(3000)]
    text = " ".join(words) + " Ukraine Ukraine nations unies.\n\n" + " ".join(reversed(words)) + " Ukraine"
    calls = []

    def lookup(surface):
        calls.append(surface)
        return counter._surface(surface)

    expected = _python_scan(counter, text)
    for limit, n_calls in ((10, None), (2**20, len(set(expected[0]) - {None}) + 1)):
        calls.clear()
        scanner = stream._fastkeys.Scanner(
            counter.regex.match, lookup, True, counter.abbreviations, max_surfaces=limit
        )
        assert scanner.scan(text) == expected
        assert scanner.scan(text) == expected  # the second time from the table
        if n_calls is None:  # every surface after the first ten, every time
            assert scanner.size() == 10 and len(calls) > 2 * 3000
        else:  # once per distinct surface (the full stop included)
            assert scanner.size() == n_calls == len(calls)


@needs_c
def test_c_scanner_errors_and_reference_cycles():
    import gc
    import weakref

    def broken(surface):
        raise KeyError(surface)

    counter = stream._fast_counter(_DICTS[False], "fr")
    with pytest.raises(KeyError):
        stream._fastkeys.Scanner(counter.regex.match, broken).scan("un mot")
    with pytest.raises(TypeError, match="lookup must return"):
        stream._fastkeys.Scanner(counter.regex.match, lambda s: (s, False)).scan("un mot")
    with pytest.raises(TypeError, match="__init__"):
        stream._fastkeys.Scanner.__new__(stream._fastkeys.Scanner).scan("un mot")
    # a counter holds its scanner, whose lookup is the counter's method: the cycle is collected
    fresh = stream._FastCounter(_DICTS[False], "fr")
    fresh.scan("Ukraine")
    ref = weakref.ref(fresh)
    del fresh
    gc.collect()
    assert ref() is None


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
    lib_counts, lib_n = stream._count_library(docs, texts, dic)
    fast_counts, fast_n = stream._count_fast(docs, texts, dic)
    assert fast_n == lib_n
    pd.testing.assert_frame_equal(fast_counts, lib_counts)


@needs_c
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=_fuzz_dictionary(), texts=st.lists(_FUZZ_TEXT, min_size=1, max_size=3))
def test_c_tally_equals_the_python_tally_for_any_dictionary(spec, texts):
    """The C tally and the Python definition, on the same scans, twice (the second from the caches)."""
    try:
        dic = dictionary(spec)
    except ValueError:
        return
    counter = stream._FastCounter(dic, "fr")
    for _ in range(2):
        for text in texts:
            scanned = counter.scan(text)
            assert counter.tally(scanned) == counter._tally(scanned)


@needs_c
def test_c_tally_on_a_hand_checked_text():
    """Hand count with the property dictionary: "mer de chine méridionale" (seas, 4 tokens) wins
    over "mer de chine*" (asia), "chine" and "mer" inside it; then one "paix" (europe) and "mer"
    (seas) alone. Seas is a subtheme of asia, so asia's family counts the seas phrase once."""
    counter = stream._fast_counter(_DICTS[False], "fr")
    scanned = counter.scan("La mer de Chine méridionale, la paix et la mer.")
    assert counter.tally(scanned) == {"seas": [2, 5], "asia": [2, 5], "europe": [1, 1]}
    assert counter._tally(scanned) == counter.tally(scanned)


def test_threads_share_no_counter_and_count_alike():
    """A Dask worker may run chunks in several threads: each thread has its own counters."""
    import concurrent.futures
    import threading

    docs = [
        {"doc_id": f"t{i}", "text": f"La paix en Ukraine, mot{i} et le Conseil {i}x.", "language": "fr"}
        for i in range(400)
    ]  # new words in every document: the scanners call back into Python all along
    barrier = threading.Barrier(4)

    def run(_):
        barrier.wait()
        return stream.process_chunk(docs, config.DEFAULT_DICTIONARY)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, inside lookups too
    try:
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            results = list(pool.map(run, range(4)))
    finally:
        sys.setswitchinterval(interval)
    alone = stream.process_chunk(docs, config.DEFAULT_DICTIONARY)  # after: the threads met new words
    for result in results:
        for table in ("documents", "counts"):
            pd.testing.assert_frame_equal(result[table], alone[table])


@needs_c
def test_c_scanner_refuses_a_second_call_while_it_runs():
    counter = stream._FastCounter(_DICTS[False], "fr")
    inner = []

    def lookup(surface):
        with pytest.raises(RuntimeError, match="one Scanner per thread"):
            scanner.scan("encore")
        inner.append(surface)
        return counter._surface(surface)

    scanner = stream._fastkeys.Scanner(counter.regex.match, lookup, True)
    assert scanner.scan("paix")[0] == ["paix", None]
    assert inner == ["paix"]
    assert scanner.scan("paix mer")[0] == ["paix", "mer", None]  # usable again afterwards


@needs_c
def test_c_scan_and_tally_grow_past_their_first_arrays():
    """200 distinct one-word patterns (the simple counts start with room for 64) and 300 phrase
    matches (the match list too), against the Python definitions."""
    words = [f"w{i:03d}" for i in range(200)]
    dic = dictionary(
        {
            "name": "growth",
            "version": "1",
            "description": "Synthetic.",
            "themes": {
                "many": {"label": {"fr": "M", "en": "M"}, "description": "M.", "fr": words},
                "un": {"label": {"fr": "U", "en": "U"}, "description": "U.", "fr": ["nations unies"]},
            },
        }
    )
    counter = stream._FastCounter(dic, "fr")
    text = " ".join(words * 2) + " " + "nations unies, " * 300
    scanned = counter.scan(text)
    assert scanned == _python_scan(counter, text)
    assert len(scanned[2]) == 200 and set(scanned[2].values()) == {2}
    assert counter.tally(scanned) == counter._tally(scanned) == {"many": [400, 400], "un": [300, 600]}


@needs_c
def test_c_tally_refuses_bad_arguments_instead_of_crashing():
    """Found by a second reader: wrong shapes raised nothing or crashed; a callback that
    changes the keys list read freed memory; a scan and singles that disagree gave negative
    counts where the Python tally raises KeyError."""
    tally = stream._fastkeys.tally
    keys = ["a", "b", None]
    with pytest.raises(TypeError, match="complex_of"):
        tally((keys, 2, {}, [0]), {"a": [(0, "b", 2, None)]}, {}, {}, None, None, {})
    with pytest.raises(TypeError, match="simple_of"):
        tally(
            (keys, 2, {"b": 1}, [0]), {"a": ((0, "b", 2, None),)}, {"b": [1]}, {"b": ("T",)}, None, None, {}
        )
    with pytest.raises(TypeError, match="families_of"):
        tally((keys, 2, {"b": 1}, []), {}, {"b": (1,)}, {"b": ["T"]}, None, None, {})
    with pytest.raises(TypeError, match="resolve"):
        tally((keys, 2, {}, [0]), {"a": ((0, "b", 2, None),)}, {}, {}, None, lambda g: ("T",), {})
    for bad in (("x", "b", 2, None), (0, "b", 2), (0, "b", 2.0, None)):  # read without PyArg_ParseTuple
        with pytest.raises(TypeError):
            tally((keys, 2, {}, [0]), {"a": (bad,)}, {}, {}, None, None, {})
    # second reader, this session: a start of sys.maxsize crashed (start + 1 overflowed), a
    # singles value that is no int left an exception set (SystemError), counts past sys.maxsize
    # wrapped round, and a length of -sys.maxsize - 1 overflowed
    import sys

    one = {"a": ((0, "b", 2, None),)}
    with pytest.raises(IndexError, match="start"):
        tally((keys, 2, {}, [sys.maxsize]), one, {}, {}, None, None, {})
    with pytest.raises(TypeError):
        tally((keys, 2, {"b": "x"}, [0]), one, {"b": (1,)}, {"b": ()}, None, None, {(0, 0, 2, 1, 1, 2): ()})
    with pytest.raises(OverflowError):
        huge = lambda g: (("T", (sys.maxsize, 1)),)  # noqa: E731
        tally((["a", "b", None, "a", "b", None], 4, {}, [0, 3]), one, {}, {}, None, huge, {})
    with pytest.raises(ValueError, match="length"):
        tally((keys, 2, {}, [0]), {"a": ((0, None, -sys.maxsize - 1, None),)}, {}, {}, None, None, {})
    for bad in ((("T", (1,)),), (("T", ("a", 1)),), (("T", [1, 1]),), (("T",),)):
        with pytest.raises(TypeError):
            tally((keys, 2, {}, [0]), {"a": ((0, "b", 2, None),)}, {}, {}, None, lambda g, bad=bad: bad, {})
    with pytest.raises(IndexError, match="end"):
        tally((keys, 2, {}, [0]), {"a": ((0, None, 3, ({}, {})),)}, {}, {}, lambda i, s, k: 99, None, {})

    long_key = "b" + "x" * 50
    mutable = ["a", long_key, None, None]
    del long_key

    def end(idx, start, k):
        k.clear()  # the C tally works on a snapshot

    # glob parts whose caches know no key yet: end() is asked
    patterns = {"a": ((0, None, 3, ({}, {})), (1, "b" + "x" * 50, 3, ("b" + "x" * 50, {})))}
    assert tally((mutable, 2, {}, [0]), patterns, {}, {}, end, None, {}) == {}

    counter = stream._FastCounter(_DICTS[False], "fr")
    keys, n, _, starts = counter.scan("la mer de Chine méridionale et la paix")
    with pytest.raises(KeyError):
        counter._tally((keys, n, {}, starts))
    with pytest.raises(KeyError):
        counter.tally((keys, n, {}, starts))


@needs_c
def test_c_tally_answers_glob_parts_from_their_cache():
    """ "mer de chine*" (property dictionary): the first "chine" goes to _end, which caches the
    glob's answer; the C tally answers the next ones itself, with the same counts."""
    counter = stream._FastCounter(_DICTS[False], "fr")
    calls = []
    end = counter._end

    def counting_end(idx, start, keys):
        calls.append(start)
        return end(idx, start, keys)

    counter._end = counting_end
    scanned = counter.scan("la mer de chine et la mer de chine, puis mer de Chine.")
    assert counter.tally(scanned) == counter._tally(scanned)
    assert 1 in calls  # the first "mer de chine" (position 1) asked _end
    calls.clear()
    counter._tally(scanned)
    # the Python tally asks _end at each of the 3 "mer de", for both "mer de chine*" (asia)
    # and "mer de chine méridionale" (seas)
    assert len(calls) == 6
    calls.clear()
    counter.tally(scanned)
    assert calls == []  # "méridionale" is a plain word and "chine*" has met these keys
