"""The small-corpus pipeline end to end: raw texts to processed tables, counts, report runs.

Each function here only chains the stage functions of the other modules
(``corpus`` -> ``corpus_clean`` -> ``tokens`` -> ``tokens_lookup`` ...) and writes at the edges.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.corpus import Corpus

logger = logging.getLogger(__name__)

DOCUMENT_COLUMNS = [
    "doc_id", "title", "date", "parties", "n_parties", "format", "language", "genre", "source_url",
    "publisher", "license", "complete", "notes", "encoding", "sha256", "n_bytes", "n_paragraphs",
    "n_tokens", "text",
]  # fmt: skip


def write_processed(
    manifest: Path | str = config.RAW_MANIFEST, output_dir: Path | str = config.PROCESSED_DIR
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
    from analysis.store import write_parquet
    from analysis.tokens import tokens

    output_dir = Path(output_dir)
    corp = corpus_clean(corpus(manifest))
    toks = tokens(corp)
    write_parquet(toks.docs[DOCUMENT_COLUMNS], output_dir / "documents.parquet")
    write_parquet(toks.data, output_dir / "tokens.parquet")
    write_parquet(corp.audit, output_dir / "audit.parquet")
    logger.info("processed %d documents (%d tokens) into %s", len(toks.docs), len(toks.data), output_dir)
    return output_dir


def count_documents(
    corp: Corpus, *, dictionary_path: Path | str = config.DEFAULT_DICTIONARY, by: str = "theme"
) -> pd.DataFrame:
    """Clean, tokenise and count a corpus with a dictionary.

    Parameters
    ----------
    corp : Corpus
        Raw corpus (it is cleaned here).
    dictionary_path : path-like
    by : {"theme", "pattern"}

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
    toks = tokens(corpus_clean(corp))
    dic = dictionary(dictionary_path, languages=tuple(sorted(set(toks.docs["language"]))))
    look = tokens_lookup(toks, dic)
    if by == "theme":
        return look.counts[["doc_id", "theme", "parent", "count", "tokens", "per_1000", "share"]]
    pc = look.pattern_counts.merge(toks.docs[["doc_id", "n_tokens"]], on="doc_id")
    pc = pc.rename(columns={"n_tokens": "tokens"})
    pc["per_1000"] = pc["count"] * 1000 / pc["tokens"]
    return pc[["doc_id", "theme", "pattern", "count", "tokens", "per_1000", "surface_forms"]]


def render_report(run_dir: Path, manifest: dict[str, Any]) -> Path:
    """Render the executed report notebook of a run folder to ``report-<focus>.pdf``.

    Used as the ``finalize`` step of :func:`analysis.run.run`: the run only
    succeeds (and ``reports/latest`` only moves) if the PDF was written.
    """
    from analysis.brief import TEXT
    from analysis.report import notebook_to_pdf

    params = manifest.get("parameters", {})
    lang = params.get("lang", "fr")
    focus = params.get("focus_id", config.DEFAULT_FOCUS_ID)
    notebooks = sorted(Path(run_dir).glob("*report*.ipynb"))
    if not notebooks:
        raise FileNotFoundError(f"{run_dir}: no executed report notebook to render")
    pdf = Path(run_dir) / f"report-{focus}.pdf"
    notebook_to_pdf(
        notebooks[-1],
        pdf,
        lang=lang,
        title=params.get("report_title") or TEXT.get(lang, TEXT["fr"])["title"],
        base_dir=Path(run_dir),
    )
    logger.info("report written: %s", pdf)
    return pdf


def run_report(params: dict[str, Any] | None = None, **options: Any) -> Path:
    """Run the notebooks into a new run folder and render the PDF; return the PDF path.

    ``options`` go to :func:`analysis.run.run` (``keep``, ``cell_timeout``,
    ``total_timeout``, ``progress``, ``runs_dir``, ``latest``, ``lock_file``...).
    """
    import time

    from analysis.brief import comparison_from_parameters
    from analysis.run import RunTimedOut, _BudgetExceeded, run, time_budget, validate_parameters

    # preflight, before any kernel starts: parameter names and types, then the selection itself
    # (unknown focus, no reference left, a bad manifest or dictionary are bad input, exit 2)
    t0 = time.monotonic()
    total = float(options.get("total_timeout", 1800))
    notebooks = options.get("notebooks") or sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
    resolved, _per_notebook = validate_parameters(params or {}, notebooks)
    if {"focus_id", "reference_language", "since"} <= set(resolved):
        keys = ("focus_id", "corpus_manifest", "dictionary_path", "reference_language", "reference_parties",
                "since", "until", "min_count")  # fmt: skip
        try:  # the pre-check (it cleans the focus corpus) spends the run's budget too
            with time_budget(total):
                comparison_from_parameters(**{k: resolved[k] for k in keys if k in resolved})
        except _BudgetExceeded:
            raise RunTimedOut(
                f"total run timeout of {total:g} s exceeded while checking the comparison's selection"
            ) from None
    options["budget_started"] = t0

    reference = sorted(p for p in config.REFERENCE_DIR.glob("*") if p.suffix in (".csv", ".parquet", ".json"))
    raw = [config.RAW_MANIFEST, *sorted(config.RAW_DIR.glob("*.txt"))]
    user = []
    if (params or {}).get("corpus_manifest"):  # a user corpus: hash its manifest's texts too
        from analysis.corpus import corpus

        user = [Path(p) for p in corpus(params["corpus_manifest"], on_error="skip").docs["path"]]
    options.setdefault("inputs", [*raw, *user, config.DEFAULT_DICTIONARY, *reference])
    result = run(params or {}, finalize=render_report, **options)
    pdfs = sorted(result.run_dir.glob("report-*.pdf"))
    return pdfs[-1]


def load_processed(
    folder: Path | str = config.PROCESSED_DIR,
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

    folder = Path(folder)
    return (
        pd.read_parquet(folder / "documents.parquet"),
        pd.read_parquet(folder / "tokens.parquet"),
        pd.read_parquet(folder / "audit.parquet"),
    )


def lookup_corpus(
    manifest: Path | str = config.RAW_MANIFEST, dictionary_path: Path | str = config.DEFAULT_DICTIONARY
):
    """Clean, tokenise and look up every document of a manifest; return ``(tokens, lookup)``.

    Examples
    --------
    >>> toks, look = lookup_corpus()
    >>> int(look.counts["count"].sum()) > 0
    True
    """
    from analysis.clean import corpus_clean
    from analysis.corpus import corpus
    from analysis.dictionary import dictionary
    from analysis.lookup import tokens_lookup
    from analysis.tokens import tokens

    toks = tokens(corpus_clean(corpus(manifest)))
    dic = dictionary(dictionary_path, languages=tuple(sorted(set(toks.docs["language"]))))
    return toks, tokens_lookup(toks, dic)
