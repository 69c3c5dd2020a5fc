"""Corpus-scale counting, the scale wing: stream a large corpus in chunks and count it in parallel.

A large corpus never sits in memory: :mod:`~analysis.scale.sources` reads it a
chunk of documents at a time, :func:`~analysis.scale.count.process_chunk` (a
pure, picklable function) cleans, reads the keys (:mod:`~analysis.scale.keys`)
and counts one chunk with the package's one matching engine
(:class:`analysis.matcher.Matcher`), :func:`~analysis.scale.engines.count_corpus`
runs the chunks in this process, in a pool of processes (``jobs``) or on a Dask
cluster (``engine="dask"``), and :mod:`~analysis.scale.parts` writes each
chunk's tables as one Parquet part, atomically, and reads them back.
:mod:`~analysis.scale.bench` measures all of it on real text, beside the peers
of :mod:`~analysis.scale.peers`.

Examples
--------
>>> docs = [{"id": "a", "text": "La paix en Ukraine."}, {"id": "b", "text": "L'Arctique."}]
>>> [len(c) for c in iter_chunks(docs, chunk_docs=1)]
[1, 1]
"""

from analysis.scale.count import COUNTS_TABLE, DOCUMENT_TABLE, load_dictionary, process_chunk, process_slice
from analysis.scale.engines import DASK_WORKER_TIMEOUT, check_scheduler_address, count_corpus, default_jobs
from analysis.scale.parts import MANIFEST_NAME, STREAM_VERSION, Progress, read_counts, read_manifest
from analysis.scale.sources import (
    DEFAULT_CHUNK_BYTES,
    DEFAULT_CHUNK_DOCS,
    JsonlSlice,
    SourceError,
    iter_chunks,
    iter_documents,
    iter_jsonl_slices,
    read_jsonl_slice,
    source_format,
)

__all__ = [
    "COUNTS_TABLE", "DASK_WORKER_TIMEOUT", "DEFAULT_CHUNK_BYTES", "DEFAULT_CHUNK_DOCS", "DOCUMENT_TABLE",
    "MANIFEST_NAME", "STREAM_VERSION", "JsonlSlice", "Progress", "SourceError", "check_scheduler_address",
    "count_corpus", "default_jobs", "iter_chunks", "iter_documents", "iter_jsonl_slices", "load_dictionary",
    "process_chunk", "process_slice", "read_counts", "read_jsonl_slice", "read_manifest", "source_format",
]  # fmt: skip
