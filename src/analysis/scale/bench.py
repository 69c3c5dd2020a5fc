"""Benchmark on real text: the package against baselines and peers, per corpus and corpus size.

:func:`run_bench` writes each real corpus of ``../shared/bench`` (:data:`CORPORA`;
never copied into the repository), repeated ``k`` times with new ids, to a
temporary JSON Lines file (streamed) and measures the package (``count_corpus``:
1 and 2 processes, Dask) and, at x1, the baselines and peers of
:mod:`analysis.scale.peers` with their agreement with the package's counts; one
extra row measures a synthetic corpus. Each configuration runs in a fresh
interpreter: wall and CPU seconds (``getrusage``, self + children), ``VmHWM``
(its own peak memory: ``ru_maxrss`` would carry the launcher's peak across
``exec``) and its largest child's ``ru_maxrss``. :func:`evaluate_targets` gives
the targets (PASS or MISS), :func:`format_bench` the text, :func:`save_bench` the CSV.

Examples
--------
>>> sorted(CORPORA)
['en', 'fr']
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.util
import json
import logging
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from analysis import config
from analysis.scale import peers as peer_mod

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

CORPORA: dict[str, str] = {"fr": "vie-publique-2020-fr.jsonl.gz", "en": "wh-statements-en.jsonl.gz"}
"""File of each real corpus in ``../shared/bench``, by language."""
PACKAGE = "analysis"
MB_PER_S_ONE_CORE = 10.0
FAITHFUL_FACTOR = 3.0
TWO_CORES = 1.8
MEMORY_GROWTH = 1.2
MEMORY_CEILING_MB = 300.0

COLUMNS = [
    "corpus", "scale", "tool", "label", "kind", "engine", "jobs", "mb", "docs", "seconds", "cpu_seconds",
    "mb_per_s", "docs_per_s", "mb_per_cpu_s", "peak_rss_mb", "worker_rss_mb", "cells_equal",
    "total_ratio", "counts_sha256", "repeats",
]  # fmt: skip
"""Columns of the :func:`run_bench` table."""


class BenchDataMissing(FileNotFoundError):  # noqa: N818 (reads as the event)
    """The real corpora of ``../shared/bench`` are not there: the benchmark is skipped."""


def _engine() -> ModuleType:
    """The streaming engine (``count_corpus``, ``read_counts``): :mod:`analysis.scale`."""
    import analysis.scale

    return analysis.scale


# -------------------------------------------------------------------------- corpora
def find_corpora(
    folder: str | Path | None = None, languages: Sequence[str] = ("fr", "en")
) -> dict[str, Path]:
    """The real corpora by language (default folder ``config.SHARED_DIR / "bench"``).

    Raises
    ------
    BenchDataMissing
        If one of them is absent (the message says where they were looked for).

    Examples
    --------
    >>> find_corpora("/nonexistent")
    Traceback (most recent call last):
    ...
    analysis.scale.bench.BenchDataMissing: /nonexistent: ...
    """
    folder = Path(folder) if folder is not None else config.SHARED_DIR / "bench"
    paths = {lang: folder / CORPORA[lang] for lang in languages}
    missing = [p.name for p in paths.values() if not p.is_file()]
    if missing:
        raise BenchDataMissing(
            f"{folder}: {', '.join(missing)} not found; the benchmark on real text needs "
            "../shared/bench (see its README.md): skipped"
        )
    return paths


# ------------------------------------------------------------------------ measuring
def _peak_rss_mb() -> float:
    """Peak resident memory of this process since its program started (``VmHWM``), in MB."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # pragma: no cover - not Linux


def _cpu_seconds() -> float:
    """User + system CPU seconds of this process (all threads) and of its reaped children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _measure(request_path: str) -> None:
    """Entry point of a measuring process: run the configuration of a JSON request (see :func:`measure`)."""
    import numpy as np
    import pandas  # noqa: F401  (imported before the clock starts)
    import pyarrow  # noqa: F401

    from analysis.dictionary import dictionary

    req = json.loads(Path(request_path).read_text(encoding="utf-8"))
    engine, out = _engine(), {}
    if req["tool"] == PACKAGE:
        if req["engine"] == "dask":
            import dask.distributed  # noqa: F401
        options = {"chunk_docs": req["chunk_docs"]} if req["chunk_docs"] else {}
        args = (req["source"], req["output_dir"])
        kwargs = {"dictionary": req["dictionary"], "jobs": req["jobs"], "engine": req["engine"], **options}

        def work() -> None:
            engine.count_corpus(*args, progress=False, **kwargs)

    else:
        peer = peer_mod.PEERS[req["tool"]]
        if peer.requires:
            importlib.import_module(peer.requires)

        def work() -> None:
            dic = dictionary(req["dictionary"])
            chunk = req["chunk_docs"] or 512
            out["ids"], out["matrix"] = peer_mod.run_peer(
                peer.name, req["source"], dic, req["language"], chunk
            )

    cpu, started = _cpu_seconds(), time.perf_counter()
    work()
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    if out.get("matrix") is not None:
        np.savez(req["matrix"], ids=np.array(out["ids"], dtype=str), counts=out["matrix"])
    result = {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "peak_rss_mb": _peak_rss_mb(),
        "worker_rss_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
    }
    Path(req["result"]).write_text(json.dumps(result), encoding="utf-8")


def measure(request: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Run one configuration in a fresh interpreter; return its measures.

    ``request``: ``tool`` (``"analysis"`` or a peer), ``source``, ``language``, optional
    ``dictionary, jobs, engine, chunk_docs, output_dir``. Returns ``seconds, cpu_seconds,
    peak_rss_mb, worker_rss_mb`` and ``matrix`` (a peer's ``.npz`` counts, or None).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> tmp = pathlib.Path(tempfile.mkdtemp())
    >>> _ = peer_mod.write_jsonl([{"id": "a", "text": "Arctic.", "language": "en"}], tmp / "c.jsonl")
    >>> r = measure({"tool": "nfc_lower", "source": str(tmp / "c.jsonl"), "language": "en"}, tmp)
    >>> r["seconds"] > 0 and r["peak_rss_mb"] > 1
    True
    """
    workdir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="request-", suffix=".json", dir=workdir)
    os.close(fd)
    path = Path(name)
    request = {"dictionary": str(config.DEFAULT_DICTIONARY), "jobs": 1, "engine": "local", **request}
    request.setdefault("chunk_docs", None)
    request.setdefault("output_dir", str(workdir / "out"))
    request |= {"matrix": str(path.with_suffix(".npz")), "result": str(path.with_suffix(".result.json"))}
    path.write_text(json.dumps(request), encoding="utf-8")
    code = "import sys; from analysis.scale.bench import _measure; _measure(sys.argv[1])"
    proc = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=False
    )
    result_path = Path(request["result"])
    if proc.returncode != 0 or not result_path.exists():
        tail = " | ".join(proc.stderr.strip().splitlines()[-4:])
        raise RuntimeError(f"bench {request['tool']} (jobs={request['jobs']}) failed: {tail}")
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["matrix"] = request["matrix"] if Path(request["matrix"]).exists() else None
    return result


def counts_digest(output_dir: str | Path) -> str:
    """sha256 of a run's counts table as ``read_counts`` gives it: column names, dtypes, every value."""
    import pandas as pd

    table = _engine().read_counts(output_dir)
    digest = hashlib.sha256(repr([(c, str(t)) for c, t in table.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    return digest.hexdigest()


# ------------------------------------------------------------------------ benchmark
def run_bench(
    scales: Sequence[int] = (1, 4, 16),
    *,
    bench_dir: str | Path | None = None,
    languages: Sequence[str] = ("fr", "en"),
    peers: Sequence[str] | None = None,
    jobs: int = 2,
    scale_jobs: Sequence[int] = (1, 2),
    dask: bool = True,
    synthetic_mb: float = 3.0,
    repeats: int = 1,
    dictionary: str | Path = config.DEFAULT_DICTIONARY,
) -> pd.DataFrame:
    """Measure the package, its baselines and its peers on the real corpora (see the module).

    Parameters
    ----------
    scales : sequence of int
        Repetition factors of each corpus (1 is always measured).
    bench_dir : str or pathlib.Path, optional
        Folder of the corpora (default ``config.SHARED_DIR / "bench"``).
    languages : sequence of str
        Corpora to measure (keys of :data:`CORPORA`).
    peers : sequence of str, optional
        Keys of :data:`analysis.scale.peers.PEERS` (default: all installed ones).
    jobs : int
        Processes of the multi-process run and workers of the Dask run, at x1.
    scale_jobs : sequence of int
        Process counts measured at every scale factor.
    dask : bool
        Measure the Dask engine (skipped, with a note, without ``dask.distributed``).
    synthetic_mb : float
        Size of the synthetic extra row (0: none).
    repeats : int
        Runs of each configuration: median times, largest memory.
    dictionary : str or pathlib.Path
        Theme dictionary.

    Returns
    -------
    pandas.DataFrame
        One row per configuration (:data:`COLUMNS`); ``attrs``: ``machine``,
        ``corpora``, ``lacks`` (what each peer does not do) and ``notes`` (what was skipped).

    Raises
    ------
    BenchDataMissing
        If ``../shared/bench`` lacks a corpus.

    Examples
    --------
    >>> df = run_bench((1,), peers=["nltk"], dask=False, synthetic_mb=0)  # doctest: +SKIP
    >>> df["label"].iloc[0]  # doctest: +SKIP
    'analysis (1 process)'
    """
    import pandas as pd

    if repeats < 1:
        raise ValueError("repeats must be at least 1")
    sources = find_corpora(bench_dir, languages)
    scales = sorted({1, *(int(k) for k in scales)})
    notes: list[str] = []
    if peers is None:
        peers = [name for name, p in peer_mod.PEERS.items() if p.available()]
        missing = [p.label for p in peer_mod.PEERS.values() if not p.available()]
        notes += [f"{label}: not installed (pip install -e '.[bench]'), skipped" for label in missing]
    if dask and importlib.util.find_spec("distributed") is None:
        dask = False
        notes.append("Dask: dask.distributed not installed (pip install -e '.[dask]'), skipped")
    info, rows, corpora = machine_info(), [], {}
    common = {"dictionary": str(Path(dictionary).resolve())}
    with tempfile.TemporaryDirectory(prefix="analysis-bench-") as tmp:
        base = Path(tmp)
        for lang, src in sources.items():
            for k in scales:
                path = base / f"{lang}-x{k}.jsonl"
                size = peer_mod.write_jsonl(peer_mod.repeated_records(src, k), path)
                mb = size["n_bytes"] / 1e6
                corpora.setdefault(lang, f"{src.name}, {size['n_docs']:,} documents, {mb:.1f} MB")
                configs = [("local", n) for n in sorted({1, *scale_jobs, *([jobs] if k == 1 else [])})]
                reference = None
                for engine, n in configs + ([("dask", jobs)] if dask and k == 1 else []):
                    out = base / f"out-{lang}-x{k}-{engine}-{n}"
                    req = {"tool": PACKAGE, "source": str(path), "language": lang, "jobs": n, **common}
                    req |= {"engine": engine, "output_dir": str(out)}
                    rows.append(
                        _row(req, base, repeats, (lang, k, size)) | {"counts_sha256": counts_digest(out)}
                    )
                    if k == 1 and engine == "local" and n == 1:
                        reference = _engine().read_counts(out, columns=["doc_id", "theme", "count"])
                    shutil.rmtree(out, ignore_errors=True)
                for name in peers if k == 1 else ():
                    req = {"tool": name, "source": str(path), "language": lang, **common}
                    try:
                        rows.append(_row(req, base, repeats, (lang, k, size), reference))
                    except RuntimeError as exc:
                        logger.warning("%s", exc)
                        notes.append(f"{peer_mod.PEERS[name].label} on {lang}: failed ({exc})")
                path.unlink()
        if synthetic_mb > 0:
            path = base / "synthetic.jsonl"
            size = peer_mod.write_jsonl(peer_mod.synthetic_documents(int(synthetic_mb * 1e6)), path)
            req = {"tool": PACKAGE, "source": str(path), "language": "fr", **common}
            rows.append(_row(req | {"output_dir": str(base / "syn")}, base, repeats, ("synthetic", 1, size)))
            corpora["synthetic"] = f"French, from the seed article's paragraphs, {size['n_docs']:,} documents"
    df = pd.DataFrame(rows).reindex(columns=COLUMNS)
    info["load_average_end"] = round(os.getloadavg()[0], 2)
    lacks = {p.label: p.lacks for p in peer_mod.PEERS.values() if p.name in peers}
    df.attrs.update({"machine": info, "corpora": corpora, "notes": notes, "lacks": lacks})
    return df


def _row(
    req: dict[str, Any], base: Path, repeats: int, where: tuple, reference: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Measure one configuration ``repeats`` times: its table row (median times, largest memory)."""
    import numpy as np

    from analysis.dictionary import dictionary

    (corpus, scale, size), engine, jobs = where, req.get("engine", "local"), req.get("jobs", 1)
    peer = peer_mod.PEERS.get(req["tool"])
    if peer is not None:
        label, kind, engine = peer.label, peer.kind, ""
    else:
        label, kind = f"{PACKAGE} ({jobs} process{'es' if jobs > 1 else ''})", "package"
        label = f"{PACKAGE} Dask ({jobs} workers)" if engine == "dask" else label
    logger.info("bench %s x%d: %s", corpus, scale, label)
    runs = [measure(req, base / "requests") for _ in range(repeats)]
    seconds = statistics.median(r["seconds"] for r in runs)
    cpu = statistics.median(r["cpu_seconds"] for r in runs)
    mb, docs, multi = size["n_bytes"] / 1e6, size["n_docs"], jobs > 1 or engine == "dask"
    row = {
        "corpus": corpus, "scale": scale, "tool": req["tool"], "label": label, "kind": kind,
        "engine": engine, "jobs": jobs, "mb": mb, "docs": docs, "seconds": seconds, "cpu_seconds": cpu,
        "mb_per_s": mb / seconds, "docs_per_s": docs / seconds,
        "mb_per_cpu_s": mb / cpu if cpu else float("nan"), "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
        "worker_rss_mb": max(r["worker_rss_mb"] for r in runs) if multi else float("nan"), "repeats": repeats,
    }  # fmt: skip
    if runs[-1]["matrix"] is not None and reference is not None:
        with np.load(runs[-1]["matrix"]) as saved:
            ids, counts = saved["ids"].tolist(), saved["counts"]
        themes = dictionary(req["dictionary"]).theme_ids()
        row |= peer_mod.agreement(peer_mod.package_matrix(reference, ids, themes), counts)
    return row


def machine_info() -> dict[str, Any]:
    """CPU model, cores, Python version, date, load average and the versions of the tools measured.

    Examples
    --------
    >>> sorted(machine_info())[:3]
    ['cores', 'cpu', 'date']
    """
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError, IndexError):
        cpu = [x for x in Path("/proc/cpuinfo").read_text().splitlines() if x.startswith("model name")][0]
        cpu = cpu.split(":", 1)[1].strip()
    versions = {}
    for dist in ("analysis", "polars", "scikit-learn", "spacy", "nltk", "dask"):
        with contextlib.suppress(PackageNotFoundError):
            versions[dist] = version(dist)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cpu": cpu, "cores": cores, "python": platform.python_version(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_start": round(os.getloadavg()[0], 2),
        "versions": versions,
    }  # fmt: skip


# -------------------------------------------------------------------------- targets
def _package_row(df: pd.DataFrame, corpus: str, scale: int = 1, jobs: int = 1) -> dict[str, Any] | None:
    keep = (df["corpus"] == corpus) & (df["scale"] == scale) & (df["kind"] == "package")
    keep &= (df["engine"] == "local") & (df["jobs"] == jobs)
    return df[keep].iloc[0].to_dict() if keep.any() else None


def evaluate_targets(df: pd.DataFrame) -> pd.DataFrame:
    """The issue's targets, per real corpus, as ratios measured in the same run, with PASS or MISS.

    Returns
    -------
    pandas.DataFrame
        ``corpus, target, measured, ratio, verdict`` (``n/a``: not measured in this run).

    Examples
    --------
    >>> import pandas as pd
    >>> row = {"corpus": "fr", "scale": 1, "kind": "package", "engine": "local", "jobs": 1,
    ...        "mb_per_s": 12.0, "mb_per_cpu_s": 12.0, "peak_rss_mb": 100.0, "counts_sha256": "a"}
    >>> first = evaluate_targets(pd.DataFrame([row])).iloc[0]
    >>> first["target"], float(first["ratio"]), first["verdict"]
    ('1 process >= 10 MB/s', 1.2, 'PASS')
    """
    import pandas as pd

    out: list[tuple] = []

    def add(corpus: str, target: str, measured: str, ratio: Any = None, ok: bool | None = None) -> None:
        verdict = "n/a" if ok is None else "PASS" if ok else "MISS"
        out.append((corpus, target, measured, float("nan") if ratio is None else float(ratio), verdict))

    for c in [c for c in dict.fromkeys(df["corpus"]) if c != "synthetic"]:
        if (one := _package_row(df, c)) is None:
            continue
        mine = df[df["corpus"] == c]
        speed = one["mb_per_s"]
        add(c, f"1 process >= {MB_PER_S_ONE_CORE:g} MB/s", f"{speed:.2f} MB/s", speed / MB_PER_S_ONE_CORE,
            speed >= MB_PER_S_ONE_CORE)  # fmt: skip
        faithful = f"1 process MB/s >= {FAITHFUL_FACTOR:g}x each faithful peer's"  # spaCy, sklearn, NLTK
        for kind, column, factor, target in (
            ("vectorised", "mb_per_cpu_s", 1.0, "1 process MB/CPU-s >= the best vectorised peer's"),
            ("faithful", "mb_per_s", FAITHFUL_FACTOR, faithful),
        ):
            others = mine[mine["kind"] == kind]
            if not len(others):
                add(c, target, f"no {kind} peer measured")
                continue
            best = others.loc[others[column].idxmax()]
            ratio = one[column] / best[column]
            add(c, target, f"{one[column]:.2f} vs {best['label']} {best[column]:.2f}", ratio, ratio >= factor)
        package = mine[mine["kind"] == "package"]
        scales = sorted(package["scale"].unique())
        top = scales[-1]
        for jobs in sorted(package.loc[(package["scale"] == top) & (package["engine"] == "local"), "jobs"]):
            target = f"peak memory per worker, jobs={jobs}: at the largest size <= {MEMORY_GROWTH:g} x "
            target += f"the x1 peak, and <= {MEMORY_CEILING_MB:g} MB"
            first, last = _package_row(df, c, 1, int(jobs)), _package_row(df, c, top, int(jobs))
            if len(scales) < 2 or first is None or last is None:
                add(c, target, "one corpus size only (--scale)")
                continue
            column, who = ("peak_rss_mb", "process") if jobs == 1 else ("worker_rss_mb", "largest worker")
            small, big = float(first[column]), float(last[column])
            add(c, target, f"{who} {small:.0f} MB at x1, {big:.0f} MB at x{top}", big / small,
                big <= MEMORY_GROWTH * small and big <= MEMORY_CEILING_MB)  # fmt: skip
        pairs = [(k, _package_row(df, c, k), _package_row(df, c, k, 2)) for k in scales]
        if pairs := [(k, a, b) for k, a, b in pairs if a is not None and b is not None]:
            k, a, b = pairs[-1]
            ratio = b["mb_per_s"] / a["mb_per_s"]
            measured = f"at x{k}: {b['mb_per_s']:.2f} vs {a['mb_per_s']:.2f}"
            add(c, f"2 processes >= {TWO_CORES:g}x one (MB/s)", measured, ratio, ratio >= TWO_CORES)
        else:
            add(c, f"2 processes >= {TWO_CORES:g}x one (MB/s)", "not measured")
        runs = package.groupby("scale")["counts_sha256"]
        alike = bool((runs.nunique() == 1).all()) and bool(package["counts_sha256"].notna().all())
        measured = ", ".join(f"x{k}: {n} runs" for k, n in runs.size().items())
        measured += ", one sha256 per size" if alike else ", sha256 DIFFER"
        add(
            c,
            "counts identical across jobs=1, jobs=2, Dask",
            measured,
            None,
            alike if len(package) > 1 else None,
        )
    return pd.DataFrame(out, columns=["corpus", "target", "measured", "ratio", "verdict"])


# -------------------------------------------------------------------------- output
def _fmt(value: Any, digits: int) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return f"{value:,.{digits}f}" if isinstance(value, float) else str(value)


_TABLE = [  # header, column, digits
    ("corpus", "corpus", 0), ("size", "scale", 0), ("tool", "label", 0), ("MB", "mb", 1),
    ("docs", "docs", 0), ("s", "seconds", 2), ("MB/s", "mb_per_s", 2), ("docs/s", "docs_per_s", 0),
    ("MB/CPU-s", "mb_per_cpu_s", 2), ("RSS MB", "peak_rss_mb", 0), ("worker MB", "worker_rss_mb", 0),
    ("cells =", "cells_equal", 3), ("total", "total_ratio", 3),
]  # fmt: skip


def format_table(df: pd.DataFrame) -> str:
    """The rows as an aligned plain-text table, a blank line between corpora.

    Examples
    --------
    >>> import pandas as pd
    >>> row = {"corpus": "fr", "scale": 1, "label": "NLTK", "mb": 3.2, "docs": 265, "seconds": 2.0,
    ...        "mb_per_s": 1.6, "docs_per_s": 132.5, "mb_per_cpu_s": 1.5, "peak_rss_mb": 90.0,
    ...        "worker_rss_mb": float("nan"), "cells_equal": 0.95, "total_ratio": 1.01}
    >>> print(format_table(pd.DataFrame([row])).splitlines()[2])
    fr      x1    NLTK  3.2   265  2.00  1.60     132      1.50      90          –    0.950  1.010
    """
    body = []
    for r in df.to_dict("records"):
        cells = [f"x{r.get('scale')}" if col == "scale" else _fmt(r.get(col), d) for _h, col, d in _TABLE]
        body.append((r.get("corpus"), cells))
    heads = [h for h, _c, _d in _TABLE]
    widths = [max([len(h)] + [len(cells[i]) for _c, cells in body]) for i, h in enumerate(heads)]

    def line(cells: list[str]) -> str:
        pad = [
            c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(pad).rstrip()

    out = [line(heads), line(["-" * w for w in widths])]
    for i, (corpus, cells) in enumerate(body):
        out += [""] if i and corpus != body[i - 1][0] else []
        out.append(line(cells))
    return "\n".join(out)


def format_bench(df: pd.DataFrame, targets: pd.DataFrame | None = None) -> str:
    """The table, the machine, what each peer does not do, and the targets with PASS or MISS.

    Examples
    --------
    >>> import pandas as pd
    >>> row = {"corpus": "en", "scale": 1, "kind": "package", "engine": "local", "jobs": 1,
    ...        "label": "analysis (1 process)", "mb": 30.0, "docs": 10, "seconds": 5.0, "mb_per_s": 6.0,
    ...        "mb_per_cpu_s": 6.0, "peak_rss_mb": 120.0, "counts_sha256": "x"}
    >>> "MISS en: 1 process >= 10 MB/s: 6.00 MB/s" in format_bench(pd.DataFrame([row]))
    True
    """
    targets = evaluate_targets(df) if targets is None else targets
    a, lines = df.attrs, [format_table(df), ""]
    if m := a.get("machine"):
        versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        lines.append(
            f"Machine: {m['cpu']}, {m['cores']} cores, Python {m['python']}, {m['date']}; load average "
            f"{m['load_average_start']} at start, {m.get('load_average_end', '?')} at end; {versions}."
        )
    lines += [f"Corpus {name}: {what}." for name, what in a.get("corpora", {}).items()]
    lines += [
        "All rows read the same uncompressed JSON Lines file (x4, x16: the documents repeated, new ids), "
        "JSON parsing included; MB: UTF-8 MB of the texts. The package also cleans the texts and writes "
        "Parquet parts; the peers count the raw texts, without exclusions.",
        "RSS MB: VmHWM of the measuring process; worker MB: largest ru_maxrss of its children "
        "(RUSAGE_CHILDREN; pages a forked worker shares with its parent included); CPU-s: user + sys of "
        "the process and its children.",
        "cells =: share of document x theme cells (subthemes included) where the peer's count equals the "
        "package's; total: the peer's total count over the package's. What each peer does not do:",
    ]
    lines += [f"  {label}: {lacks}." for label, lacks in a.get("lacks", {}).items()]
    lines += [f"Note: {note}." for note in a.get("notes", [])] + [
        "",
        "Targets (ratios measured in this run):",
    ]
    for t in targets.to_dict("records"):
        ratio = "" if t["ratio"] != t["ratio"] else f" -> ratio {t['ratio']:.2f}"
        lines.append(f"  {t['verdict']:<4} {t['corpus']}: {t['target']}: {t['measured']}{ratio}")
    return "\n".join(lines)


def save_bench(
    df: pd.DataFrame, folder: str | Path | None = None, targets: pd.DataFrame | None = None
) -> list[Path]:
    """Write the table (with the machine's ``cpu, cores, python, date``) and its targets as CSV.

    Atomically (:func:`analysis.store.write_csv`), to ``reports/bench/bench-<UTC time>.csv``
    and ``...-targets.csv``; returns both paths.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> paths = save_bench(pd.DataFrame({"corpus": ["fr"]}), tempfile.mkdtemp(), targets=pd.DataFrame())
    >>> paths[0].name.startswith("bench-"), paths[1].name.endswith("-targets.csv")
    (True, True)
    """
    from analysis.store import write_csv

    folder = Path(folder) if folder is not None else config.REPORTS_DIR / "bench"
    targets = evaluate_targets(df) if targets is None else targets
    machine = df.attrs.get("machine", {})
    table = df.assign(**{key: machine.get(key) for key in ("cpu", "cores", "python", "date")})
    stamp = folder / f"bench-{datetime.now(UTC).strftime('%Y%m%d-%H%M%S')}"
    return [write_csv(table, f"{stamp}.csv"), write_csv(targets, f"{stamp}-targets.csv")]
