"""Throughput benchmark: clean, tokenise, count and compare against an ``NFC + lower`` baseline.

:func:`run_bench` generates, at run time, a synthetic French corpus of the
requested size (never committed): documents recombined from the sentences of
the seed article (``data/raw/<DEFAULT_FOCUS_ID>.txt``) with seeded random case,
accent, apostrophe and Unicode-normalisation variation, written as JSON Lines in
a temporary folder. It then measures, over several repetitions (medians
reported):

- the baseline ``unicodedata.normalize("NFC", t).lower()`` over the same texts;
- the stages, one chunk at a time in this process: ``clean``
  (:func:`analysis.clean.clean_text`), ``tokenise`` and ``count`` with the
  library functions (:func:`analysis.tokens.tokens`,
  :func:`analysis.lookup.tokens_lookup`) and with the fast path of
  :mod:`analysis.stream` (same counts, proven by ``tests/test_stream.py``; its
  ``tokenise`` is the scan, which also finds where patterns may start, and its
  ``count`` the tally),
  ``compare`` (:func:`analysis.textstat.textstat_theme_comparison` on the whole
  corpus' counts), and end to end ``clean+tokenise+count``
  (:func:`analysis.stream.process_chunk`);
- :func:`analysis.stream.count_corpus` with each ``jobs`` value (JSONL in,
  Parquet parts out), each run in a fresh process so that its peak memory can be
  read: ``VmHWM`` of that process (``peak_rss_mb``; not ``ru_maxrss``, which on
  Linux includes the peak of the process that launched it) and ``ru_maxrss`` of
  its largest worker (``peak_worker_rss_mb``; ``RUSAGE_CHILDREN`` reports the
  largest child, not a sum, counting the pages a forked worker shares with its
  parent), modules imported before the clock starts. One
  more run on a corpus a quarter of the size shows whether peak memory depends
  on corpus size.

:func:`format_bench` renders the table with the targets in a footer.

Examples
--------
>>> docs = list(synthetic_documents(n_docs=2, seed=1))
>>> [d["doc_id"] for d in docs]
['syn-000000', 'syn-000001']
"""

from __future__ import annotations

import functools
import json
import logging
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

BASELINE = "baseline NFC+lower"
E2E = "clean+tokenise+count"
TARGET_ONE_CORE = 1 / 3
"""Target: end-to-end throughput on one core, as a fraction of the baseline."""
TARGET_TWO_CORES = 1.8
"""Target: speed-up of ``count_corpus`` with 2 processes over 1."""

PARALLEL_PATHS = ("count_corpus", "count_corpus (all cores)")
"""``path`` of the :func:`analysis.stream.count_corpus` rows (one per ``jobs`` value)."""

COLUMNS = [
    "stage",
    "path",
    "jobs",
    "mb",
    "docs",
    "seconds",
    "mb_per_s",
    "docs_per_s",
    "ratio_to_baseline",
    "speedup",
    "peak_rss_mb",
    "peak_worker_rss_mb",
    "repeats",
]


# ----------------------------------------------------------------- synthetic corpus
@functools.cache
def seed_sentences() -> tuple[str, ...]:
    """Sentences of the seed article, cleaned and split with the project's own rules.

    Examples
    --------
    >>> len(seed_sentences()) > 10
    True
    """
    from analysis.clean import clean_text
    from analysis.corpus import read_text
    from analysis.tokens import paragraph_spans, sentence_spans

    text, _encoding = read_text(config.RAW_DIR / f"{config.DEFAULT_FOCUS_ID}.txt")
    cleaned = clean_text(text, language="fr").text
    out = []
    for p_start, p_end in paragraph_spans(cleaned):
        paragraph = cleaned[p_start:p_end]
        out.extend(paragraph[a:b] for a, b in sentence_spans(paragraph, "fr"))
    return tuple(out)


def _strip_accents(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def vary(sentence: str, rng: random.Random) -> str:
    """Return a sentence with random case, accent, apostrophe and normalisation variation.

    Each word is kept (most often), upper-cased, capitalised, lower-cased,
    stripped of its accents or written in decomposed form (NFD); apostrophes
    become ``’`` at random.

    Examples
    --------
    >>> vary("Sécurité de l'Europe", random.Random(3)) != "Sécurité de l'Europe"
    True
    """
    words = sentence.split(" ")
    out = []
    for word in words:
        r = rng.random()
        if r < 0.08:
            word = word.upper()
        elif r < 0.16:
            word = word.capitalize()
        elif r < 0.22:
            word = word.lower()
        elif r < 0.30:
            word = _strip_accents(word)
        elif r < 0.34:
            word = unicodedata.normalize("NFD", word)
        if "'" in word and rng.random() < 0.4:
            word = word.replace("'", "\u2019")
        out.append(word)
    return " ".join(out)


def synthetic_documents(
    *, n_docs: int | None = None, n_bytes: int | None = None, seed: int = 0
) -> Iterator[dict[str, Any]]:
    """Yield synthetic French documents recombined from the seed article's sentences.

    Each document has a title line (repeated in ``title``, so cleaning drops it)
    and 3 to 7 paragraphs of 1 to 4 varied sentences. Generation stops after
    ``n_docs`` documents or once ``n_bytes`` UTF-8 bytes of text were produced.

    Parameters
    ----------
    n_docs : int, optional
        Number of documents.
    n_bytes : int, optional
        Approximate total size of the texts.
    seed : int
        Seed of the random generator (same seed, same corpus).

    Examples
    --------
    >>> d = next(synthetic_documents(n_docs=1, seed=0))
    >>> sorted(d)
    ['date', 'doc_id', 'genre', 'language', 'text', 'title']
    >>> d["text"].startswith(d["title"])
    True
    """
    if n_docs is None and n_bytes is None:
        raise ValueError("give n_docs or n_bytes")
    rng = random.Random(seed)
    sentences = seed_sentences()
    produced = 0
    i = 0
    while (n_docs is None or i < n_docs) and (n_bytes is None or produced < n_bytes):
        title = f"Déclaration synthétique n° {i} : {rng.choice(sentences)[:60].rstrip()}"
        paragraphs = [
            " ".join(vary(rng.choice(sentences), rng) for _ in range(rng.randint(1, 4)))
            for _ in range(rng.randint(3, 7))
        ]
        text = title + "\n\n" + "\n\n".join(paragraphs) + "\n"
        produced += len(text.encode("utf-8"))
        yield {
            "doc_id": f"syn-{i:06d}",
            "title": title,
            "date": f"{rng.randint(2000, 2025)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "language": "fr",
            "genre": "synthetic",
            "text": text,
        }
        i += 1


def write_synthetic_corpus(path: str | Path, *, size_mb: float, seed: int = 0) -> dict[str, Any]:
    """Write a synthetic corpus of about ``size_mb`` MB of text as JSON Lines.

    Returns
    -------
    dict
        ``path``, ``n_docs``, ``n_bytes`` (UTF-8 bytes of the texts).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> info = write_synthetic_corpus(pathlib.Path(tempfile.mkdtemp()) / "c.jsonl", size_mb=0.01)
    >>> info["n_bytes"] >= 10_000
    True
    """
    path = Path(path)
    n_docs = 0
    n_bytes = 0
    with open(path, "w", encoding="utf-8") as fh:
        for doc in synthetic_documents(n_bytes=int(size_mb * 1e6), seed=seed):
            fh.write(json.dumps(doc, ensure_ascii=False) + "\n")
            n_docs += 1
            n_bytes += len(doc["text"].encode("utf-8"))
    logger.info("synthetic corpus: %d documents, %.1f MB -> %s", n_docs, n_bytes / 1e6, path)
    return {"path": path, "n_docs": n_docs, "n_bytes": n_bytes}


# -------------------------------------------------------------------------- timing
def _stage_times(source: Path, dictionary_path: Path, chunk_docs: int) -> dict[str, float]:
    """Seconds spent in each stage over the whole corpus, one chunk at a time."""
    import pandas as pd

    from analysis import stream
    from analysis.clean import clean_text
    from analysis.lookup import tokens_lookup
    from analysis.tokens import tokens

    dic = stream.load_dictionary(dictionary_path)
    spent = dict.fromkeys(
        [BASELINE, "clean", "tokenise/library", "count/library", "tokenise/fast", "count/fast", E2E], 0.0
    )
    clock = time.perf_counter
    for chunk in stream.iter_chunks(source, chunk_docs=chunk_docs):
        texts = [d["text"] for d in chunk]
        t0 = clock()
        _ = [unicodedata.normalize("NFC", t).lower() for t in texts]
        t1 = clock()
        cleaned = [clean_text(d["text"], language=d["language"], title=d.get("title")).text for d in chunk]
        t2 = clock()
        frame = pd.DataFrame(
            {
                "doc_id": [d["doc_id"] for d in chunk],
                "text": cleaned,
                "language": [d["language"] for d in chunk],
            }
        )
        toks = tokens(frame)
        t3 = clock()
        tokens_lookup(toks, dic)
        t4 = clock()
        del toks, frame
        counters = [stream._fast_counter(dic, d["language"]) for d in chunk]
        scans = [c.scan(t) for c, t in zip(counters, cleaned, strict=True)]
        t5 = clock()
        _ = [c.tally(k) for c, k in zip(counters, scans, strict=True)]
        t6 = clock()
        stream.process_chunk(chunk, dictionary_path, method="fast")
        t7 = clock()
        spent[BASELINE] += t1 - t0
        spent["clean"] += t2 - t1
        spent["tokenise/library"] += t3 - t2
        spent["count/library"] += t4 - t3
        spent["tokenise/fast"] += t5 - t4
        spent["count/fast"] += t6 - t5
        spent[E2E] += t7 - t6
    return spent


def _compare_seconds(output_dir: Path) -> float:
    """Seconds for a theme comparison of the first document against all others."""
    from analysis.stream import read_counts
    from analysis.textstat import textstat_theme_comparison

    counts = read_counts(output_dir, columns=["doc_id", "theme", "count"])
    documents = read_counts(output_dir, table="documents", columns=["doc_id", "n_tokens"])
    t0 = time.perf_counter()
    table = counts.merge(documents.rename(columns={"n_tokens": "tokens"}), on="doc_id")
    table = table[table["tokens"] > 0]
    textstat_theme_comparison(table, str(table["doc_id"].iloc[0]))
    return time.perf_counter() - t0


def _peak_rss_mb() -> float:
    """Peak resident memory of this process since it started its program, in MB.

    ``VmHWM`` of ``/proc/self/status``: ``ru_maxrss`` is no use here, as Linux
    carries the launching process's peak across ``exec`` (the benchmark process
    itself, several hundred MB, would be counted).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:  # pragma: no cover - not Linux: ru_maxrss (kB on Linux, bytes on macOS)
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover


def _measure_count_corpus(request_path: str) -> None:
    """Entry point of the measuring process: run :func:`count_corpus` as the request says.

    Reads a JSON request (source, output_dir, jobs, chunk_docs, dictionary,
    result) and writes the result as JSON: seconds from the call of
    ``count_corpus`` (modules already imported) and peak RSS.
    """
    request = json.loads(Path(request_path).read_text(encoding="utf-8"))
    import pandas  # noqa: F401  (imported before the clock starts)

    from analysis import clean, lookup, stream, tokens  # noqa: F401

    started = time.perf_counter()
    stream.count_corpus(
        request["source"],
        request["output_dir"],
        dictionary=request["dictionary"],
        jobs=request["jobs"],
        chunk_docs=request["chunk_docs"],
        progress=False,
    )
    seconds = time.perf_counter() - started
    result = {
        "seconds": seconds,
        "peak_rss_mb": _peak_rss_mb(),
        "peak_worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }
    Path(request["result"]).write_text(json.dumps(result), encoding="utf-8")


def _count_corpus_in_subprocess(
    source: Path, output_dir: Path, jobs: int | None, chunk_docs: int, dictionary_path: Path
) -> dict[str, float]:
    """Run :func:`count_corpus` in a fresh interpreter, so that its peak memory is its own."""
    request_path = output_dir.with_name(output_dir.name + "-request.json")
    result_path = output_dir.with_name(output_dir.name + "-result.json")
    result_path.unlink(missing_ok=True)
    request = {
        "source": str(source),
        "output_dir": str(output_dir),
        "jobs": jobs,
        "chunk_docs": chunk_docs,
        "dictionary": str(dictionary_path),
        "result": str(result_path),
    }
    request_path.write_text(json.dumps(request), encoding="utf-8")
    code = "import sys; from analysis.bench import _measure_count_corpus; _measure_count_corpus(sys.argv[1])"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(request_path)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0 or not result_path.exists():
        tail = "\n".join(proc.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"count_corpus(jobs={jobs}) failed (exit code {proc.returncode}): {tail}")
    return json.loads(result_path.read_text(encoding="utf-8"))


# ----------------------------------------------------------------------- benchmark
def run_bench(
    size_mb: float = 52.0,
    repeats: int = 3,
    jobs_list: Sequence[int | None] = (1, 2, None),
    seed: int = 0,
    workdir: str | Path | None = None,
    *,
    chunk_docs: int | None = None,
    dictionary: str | Path = config.DEFAULT_DICTIONARY,
    memory_check: bool = True,
) -> pd.DataFrame:
    """Measure throughput and peak memory of every stage on a generated corpus.

    Parameters
    ----------
    size_mb : float
        Size of the synthetic corpus (UTF-8 MB of text). The default, 52 MB, is
        the size of the reference figures of the issue that asked for this
        benchmark; much smaller corpora make few chunks, and the last chunks of
        a parallel run leave a core idle.
    repeats : int
        Repetitions; medians are reported.
    jobs_list : sequence of int or None
        ``jobs`` values for :func:`analysis.stream.count_corpus` (None = all cores).
    seed : int
        Seed of the synthetic corpus.
    workdir : str or pathlib.Path, optional
        Folder for the corpus and outputs (default: a temporary folder, removed).
    chunk_docs : int, optional
        Documents per chunk (default :data:`analysis.stream.DEFAULT_CHUNK_DOCS`).
    dictionary : str or pathlib.Path
        Theme dictionary.
    memory_check : bool
        Also run ``count_corpus`` with the first ``jobs`` value on a corpus a
        quarter of the size, to compare peak memory.

    Returns
    -------
    pandas.DataFrame
        One row per stage (columns :data:`COLUMNS`); ``attrs`` hold the corpus
        size, the cores and how memory was measured.

    Examples
    --------
    >>> df = run_bench(size_mb=0.05, repeats=1, jobs_list=(1,), memory_check=False)  # doctest: +SKIP
    >>> df["stage"].iloc[0]  # doctest: +SKIP
    'baseline NFC+lower'
    """
    import pandas as pd

    from analysis import stream

    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    chunk_docs = chunk_docs or stream.DEFAULT_CHUNK_DOCS
    dictionary = Path(dictionary).resolve()
    load_start = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="analysis-bench-") as tmp:
        base = Path(workdir) if workdir is not None else Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        corpus_info = write_synthetic_corpus(base / "synthetic.jsonl", size_mb=size_mb, seed=seed)
        source = corpus_info["path"]
        mb = corpus_info["n_bytes"] / 1e6
        n_docs = corpus_info["n_docs"]

        stage_runs: dict[str, list[float]] = {}
        parallel_runs: dict[Any, list[dict[str, float]]] = {j: [] for j in jobs_list}
        compare_runs: list[float] = []
        for r in range(repeats):
            logger.info("bench repeat %d/%d: stages", r + 1, repeats)
            for stage, seconds in _stage_times(source, dictionary, chunk_docs).items():
                stage_runs.setdefault(stage, []).append(seconds)
            for jobs in jobs_list:
                logger.info("bench repeat %d/%d: count_corpus jobs=%s", r + 1, repeats, jobs)
                out = base / f"out-jobs-{jobs or 'all'}"
                parallel_runs[jobs].append(
                    _count_corpus_in_subprocess(source, out, jobs, chunk_docs, dictionary)
                )
            first_out = base / f"out-jobs-{jobs_list[0] or 'all'}"
            compare_runs.append(_compare_seconds(first_out) if jobs_list else float("nan"))

        small = None
        if memory_check and jobs_list:
            quarter = write_synthetic_corpus(base / "synthetic-quarter.jsonl", size_mb=size_mb / 4, seed=seed)
            small = _count_corpus_in_subprocess(
                quarter["path"], base / "out-quarter", jobs_list[0], chunk_docs, dictionary
            )
            small_mb = quarter["n_bytes"] / 1e6
            small_docs = quarter["n_docs"]

    rows = []

    def add(stage, path, jobs, seconds, *, size=mb, docs=n_docs, rss=None, worker=None, n=repeats):
        rows.append(
            {
                "stage": stage,
                "path": path,
                "jobs": jobs,
                "mb": size,
                "docs": docs,
                "seconds": seconds,
                "mb_per_s": size / seconds if seconds > 0 else float("nan"),
                "docs_per_s": docs / seconds if seconds > 0 else float("nan"),
                "peak_rss_mb": rss,
                "peak_worker_rss_mb": worker,
                "repeats": n,
            }
        )

    med = {stage: statistics.median(v) for stage, v in stage_runs.items()}
    add(BASELINE, "unicodedata", 1, med[BASELINE])
    add("clean", "library", 1, med["clean"])
    add("tokenise", "library", 1, med["tokenise/library"])
    add("count", "library", 1, med["count/library"])
    add("tokenise", "fast", 1, med["tokenise/fast"])
    add("count", "fast", 1, med["count/fast"])
    if jobs_list:
        add("compare", "library", 1, statistics.median(compare_runs))
    add(E2E, "library (sum of stages)", 1, med["clean"] + med["tokenise/library"] + med["count/library"])
    add(E2E, "fast (process_chunk)", 1, med[E2E])
    cores = stream.default_jobs()
    for jobs in jobs_list:
        runs = parallel_runs[jobs]
        add(
            E2E,
            "count_corpus" if jobs else "count_corpus (all cores)",
            jobs or cores,
            statistics.median(x["seconds"] for x in runs),
            rss=max(x["peak_rss_mb"] for x in runs),
            worker=max(x["peak_worker_rss_mb"] for x in runs),
        )
    if small is not None:
        add(
            E2E,
            "count_corpus (1/4 size)",
            jobs_list[0] or cores,
            small["seconds"],
            size=small_mb,
            docs=small_docs,
            rss=small["peak_rss_mb"],
            worker=small["peak_worker_rss_mb"],
            n=1,
        )
    df = pd.DataFrame(rows)
    baseline = df.loc[df["stage"] == BASELINE, "mb_per_s"].iloc[0]
    df["ratio_to_baseline"] = df["mb_per_s"] / baseline
    parallel = df["path"].isin(PARALLEL_PATHS)
    one = df[parallel & (df["jobs"] == 1)]
    df["speedup"] = float("nan")
    if len(one):
        mask = parallel
        df.loc[mask, "speedup"] = df.loc[mask, "mb_per_s"] / one["mb_per_s"].iloc[0]
    df["jobs"] = df["jobs"].astype("int64")
    df["docs"] = df["docs"].astype("int64")
    df = df[COLUMNS]
    df.attrs.update(
        {
            "size_mb": mb,
            "n_docs": n_docs,
            "repeats": repeats,
            "cores": cores,
            "chunk_docs": chunk_docs,
            "seed": seed,
            "memory": "count_corpus process: VmHWM of /proc/self/status; its largest worker: "
            "resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, which also counts the pages a forked "
            "worker shares with its parent; each run in a fresh process",
            "cpu": _cpu_name(),
            "tokeniser": stream.tokeniser_engine(),
            "load_average": (round(load_start, 2), round(os.getloadavg()[0], 2)),
        }
    )
    return df


def _cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    return os.uname().machine


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def format_bench(df: pd.DataFrame) -> str:
    """Render a :func:`run_bench` table as plain text, with the targets in a footer.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame([
    ...     {"stage": BASELINE, "path": "unicodedata", "jobs": 1, "mb": 10.0, "docs": 100,
    ...      "seconds": 0.25, "mb_per_s": 40.0, "docs_per_s": 400.0, "ratio_to_baseline": 1.0},
    ...     {"stage": E2E, "path": "count_corpus", "jobs": 1, "mb": 10.0, "docs": 100,
    ...      "seconds": 5.0, "mb_per_s": 2.0, "docs_per_s": 20.0, "ratio_to_baseline": 0.05,
    ...      "speedup": 1.0}])
    >>> text = format_bench(df)
    >>> "baseline NFC+lower" in text and "0.050" in text
    True
    """
    headers = ["stage", "path", "jobs", "MB", "docs", "s", "MB/s", "docs/s", "×baseline", "speed-up",
               "peak RSS MB", "worker RSS MB"]  # fmt: skip
    keys = ["stage", "path", "jobs", "mb", "docs", "seconds", "mb_per_s", "docs_per_s",
            "ratio_to_baseline", "speedup", "peak_rss_mb", "peak_worker_rss_mb"]  # fmt: skip
    digits = {
        "ratio_to_baseline": 3,
        "speedup": 2,
        "docs_per_s": 0,
        "peak_rss_mb": 0,
        "peak_worker_rss_mb": 0,
    }
    body = []
    for row in df.to_dict("records"):
        body.append([_fmt(row.get(k), digits.get(k, 2)) for k in keys])
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(headers)]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    out = [line(headers), line(["-" * w for w in widths]), *(line(r) for r in body)]
    out.append("")
    out.extend(_footer(df))
    return "\n".join(out)


def _footer(df: pd.DataFrame) -> list[str]:
    a = df.attrs
    lines = []
    if a:
        lines.append(
            f"Corpus: {a.get('size_mb', float('nan')):.1f} MB, {a.get('n_docs')} synthetic French documents "
            f"(seed {a.get('seed')}); medians of {a.get('repeats')} runs; {a.get('cores')} cores "
            f"({a.get('cpu')}); chunks of {a.get('chunk_docs')} documents."
        )
        lines.append(f"Peak memory: {a.get('memory')}.")
        if "tokeniser" in a:
            lines.append(f"Fast-path tokeniser: {a['tokeniser']} (analysis.stream.tokeniser_engine()).")
        if "load_average" in a:
            start, end = a["load_average"]
            lines.append(
                f"Load average (1 min) at start/end: {start}/{end} (other work on the machine "
                "lowers the multi-core speed-up)."
            )
    par = df[df["path"].isin(PARALLEL_PATHS)]
    one = par[par["jobs"] == 1]
    two = par[par["jobs"] == 2]
    if len(one):
        ratio = float(one["ratio_to_baseline"].iloc[0])
        verdict = "met" if ratio >= TARGET_ONE_CORE else "NOT met"
        lines.append(
            f"Target 1: clean+tokenise+count on one core >= 1/3 of the baseline: "
            f"{ratio:.3f} of the baseline -> {verdict}."
        )
    else:
        lines.append("Target 1: clean+tokenise+count on one core >= 1/3 of the baseline (not measured).")
    if len(one) and len(two):
        speedup = float(two["speedup"].iloc[0])
        verdict = "met" if speedup >= TARGET_TWO_CORES else "NOT met"
        lines.append(f"Target 2: >= {TARGET_TWO_CORES}x with 2 cores: {speedup:.2f}x -> {verdict}.")
    else:
        lines.append(f"Target 2: >= {TARGET_TWO_CORES}x with 2 cores (not measured).")
    quarter = df[df["path"] == "count_corpus (1/4 size)"]
    if len(quarter) and len(par):
        same = par[par["jobs"] == quarter["jobs"].iloc[0]]
        big = float(same["peak_rss_mb"].iloc[0]) + float(same["peak_worker_rss_mb"].iloc[0])
        small = float(quarter["peak_rss_mb"].iloc[0]) + float(quarter["peak_worker_rss_mb"].iloc[0])
        verdict = "met" if big <= 1.25 * small + 50 else "NOT met"
        lines.append(
            f"Target 3: peak memory independent of corpus size: {small:,.0f} MB at "
            f"{float(quarter['mb'].iloc[0]):.1f} MB vs {big:,.0f} MB at {float(same['mb'].iloc[0]):.1f} MB "
            f"(process + largest worker) -> {verdict}."
        )
    else:
        lines.append("Target 3: peak memory independent of corpus size (not measured).")
    return lines
