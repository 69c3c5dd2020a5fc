"""The processed data of a small corpus, and the count table of ``analysis count``.

``data/processed`` holds the cleaned documents, their tokens and the cleaning audit as
Parquet: :func:`write_processed` (``python -m analysis clean``, ``make clean-data``)
rebuilds it from a manifest, :func:`save_processed` writes what a notebook already
computed, :func:`load_processed` reads it back. :func:`count_documents` chains
``corpus_clean`` -> ``tokens`` -> ``tokens_lookup`` for the ``count`` command.
Scheduled report runs live in :mod:`analysis.runs`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from analysis import config

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.corpus import Corpus
    from analysis.tokens import Tokens

logger = logging.getLogger(__name__)

DOCUMENT_COLUMNS = [
    "doc_id", "title", "date", "parties", "n_parties", "format", "language", "genre", "source_url",
    "publisher", "license", "complete", "notes", "encoding", "sha256", "n_bytes", "n_paragraphs",
    "n_tokens", "text",
]  # fmt: skip


def write_processed(
    manifest: Path | str | None = None, output_dir: Path | str | None = None
) -> Path:
    """Clean and tokenise a corpus; write ``documents``, ``tokens`` and ``audit`` as Parquet.

    ``documents.parquet``: id, metadata, cleaned text, token count, encoding and the
    sha256 of the raw bytes; ``tokens.parquet``: one row per token (see
    ``docs/CONTRACTS.md``); ``audit.parquet``: the cleaning audit trail. Each file is
    written atomically.

    Examples
    --------
    >>> import tempfile
    >>> out = write_processed(config.RAW_MANIFEST, tempfile.mkdtemp())
    >>> sorted(p.name for p in out.iterdir())
    ['audit.parquet', 'documents.parquet', 'tokens.parquet']
    """
    from analysis.clean import corpus_clean
    from analysis.corpus import corpus
    from analysis.tokens import tokens

    corp = corpus_clean(corpus(manifest))
    return save_processed(corp, tokens(corp), output_dir)


def save_processed(corp: Corpus, toks: Tokens, output_dir: Path | str | None = None) -> Path:
    """Write a cleaned corpus and its tokens as ``documents``, ``tokens`` and ``audit`` Parquet files.

    Parameters
    ----------
    corp : Corpus
        The cleaned corpus (``corpus_clean``), whose ``audit`` is written.
    toks : Tokens
        Its tokens (``tokens(corp)``).
    output_dir : path-like
        The folder (default ``data/processed``).

    Returns
    -------
    Path
        ``output_dir``.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.clean import corpus_clean
    >>> from analysis.corpus import corpus
    >>> from analysis.tokens import tokens
    >>> corp = corpus_clean(corpus())
    >>> out = save_processed(corp, tokens(corp), tempfile.mkdtemp())
    >>> sorted(p.name for p in out.iterdir())
    ['audit.parquet', 'documents.parquet', 'tokens.parquet']
    """
    from analysis.store import write_parquet

    output_dir = Path(config.PROCESSED_DIR if output_dir is None else output_dir)
    write_parquet(toks.docs[DOCUMENT_COLUMNS], output_dir / "documents.parquet")
    write_parquet(toks.data, output_dir / "tokens.parquet")
    write_parquet(corp.audit, output_dir / "audit.parquet")
    logger.info("processed %d documents (%d tokens) into %s", len(toks.docs), len(toks.data), output_dir)
    return output_dir


def count_documents(
    corp: Corpus,
    *,
    dictionary_path: Path | str = config.DEFAULT_DICTIONARY,
    by: str = "theme",
    title: str | None = None,
) -> pd.DataFrame:
    """Clean, tokenise and count a corpus with a dictionary.

    Parameters
    ----------
    corp : Corpus
        Raw corpus (it is cleaned here).
    dictionary_path : path-like
    by : {"theme", "pattern"}
    title : {"drop", "count"}, optional
        What is done with each title line (default: by genre, :func:`analysis.clean.title_mode`).

    Returns
    -------
    pandas.DataFrame
        ``doc_id, theme, parent, count, tokens, per_1000, share`` (by theme) or
        ``doc_id, theme, pattern, count, tokens, per_1000, surface_forms`` (by pattern).

    Examples
    --------
    >>> from analysis.corpus import corpus
    >>> t = count_documents(corpus())
    >>> list(t.columns)[:5]
    ['doc_id', 'theme', 'parent', 'count', 'tokens']
    """
    from analysis.clean import corpus_clean
    from analysis.dictionary import dictionary
    from analysis.lookup import tokens_lookup
    from analysis.tokens import tokens

    if by not in ("theme", "pattern"):
        raise ValueError("by must be 'theme' or 'pattern'")
    toks = tokens(corpus_clean(corp, title=title))
    dic = dictionary(dictionary_path, languages=tuple(sorted(set(toks.docs["language"]))))
    look = tokens_lookup(toks, dic)
    if by == "theme":
        return look.counts[["doc_id", "theme", "parent", "count", "tokens", "per_1000", "share"]]
    pc = look.pattern_counts.merge(toks.docs[["doc_id", "n_tokens"]], on="doc_id")
    pc = pc.rename(columns={"n_tokens": "tokens"})
    pc["per_1000"] = pc["count"] * 1000 / pc["tokens"]
    return pc[["doc_id", "theme", "pattern", "count", "tokens", "per_1000", "surface_forms"]]


def load_processed(
    folder: Path | str | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Read ``documents``, ``tokens`` and ``audit`` back from a processed-data folder.

    Examples
    --------
    >>> import tempfile
    >>> docs, toks, audit = load_processed(write_processed(config.RAW_MANIFEST, tempfile.mkdtemp()))
    >>> docs["doc_id"].tolist()
    ['fr-ca-2024-09-26-press-fr']
    """
    import pandas as pd

    folder = Path(config.PROCESSED_DIR if folder is None else folder)
    return (
        pd.read_parquet(folder / "documents.parquet"),
        pd.read_parquet(folder / "tokens.parquet"),
        pd.read_parquet(folder / "audit.parquet"),
    )
