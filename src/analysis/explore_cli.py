"""Command line of the exploration statistics: ``python -m analysis specificities``.

:func:`add_explore_stats_parsers` adds the subcommand; the statistics are
:mod:`analysis.explore_stats`.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

import pandas as pd

from analysis.explore_stats import (
    SPECIFICITY_THRESHOLD,
    _content_words,
    _metadata,
    lookup_specificity_counts,
    textstat_specificities,
    tokens_specificity_counts,
)

logger = logging.getLogger(__name__)

__all__ = ["add_explore_stats_parsers", "cmd_specificities"]


# --------------------------------------------------------------------------- command line


def _reference_counts(args: argparse.Namespace, languages: set[str], dic: Any) -> pd.DataFrame:
    from analysis.reference import reference_set, reference_theme_counts

    ref = reference_set(None if args.reference == "default" else args.reference)
    ref = ref.subset(language=sorted(languages))
    meta = _metadata(ref.docs)
    if args.level == "theme":
        return lookup_specificity_counts(reference_theme_counts(ref, dic), docs=ref.docs)
    counts = ref.token_counts.merge(meta[["doc_id", "n_tokens", "language"]], on="doc_id")
    counts = counts.rename(columns={"n_tokens": "tokens"})
    if not args.stopwords:
        counts = counts[_content_words(counts["key"], counts["language"])]
    return counts.merge(meta.drop(columns=["n_tokens", "language"]), on="doc_id", how="left")


def cmd_specificities(args: argparse.Namespace) -> int:
    """Run ``python -m analysis specificities`` (see :func:`add_explore_stats_parsers`)."""
    from analysis.clean import corpus_clean
    from analysis.cli_text import UsageError, load_documents, write_table
    from analysis.tokens import tokens

    corp = load_documents(args.documents, args.corpus, args.language)
    toks = tokens(corpus_clean(corp, title=args.title))
    dic = None
    if args.level == "theme":
        from analysis.dictionary import dictionary
        from analysis.lookup import tokens_lookup

        dic = dictionary(args.dictionary)
        counts = lookup_specificity_counts(tokens_lookup(toks, dic), docs=toks.docs)
    else:
        counts = tokens_specificity_counts(toks, remove_stopwords=not args.stopwords)
    if args.reference:
        extra = _reference_counts(args, set(toks.docs["language"]), dic)
        extra = extra[~extra["doc_id"].isin(set(counts["doc_id"]))]
        counts = pd.concat([counts, extra], ignore_index=True)
    by = "doc_id" if args.by == "doc" else args.by
    if by not in counts.columns:
        raise UsageError(f"--by {args.by}: the documents have no such metadata")
    counts = counts[counts[by].notna()]
    try:
        table = textstat_specificities(counts, by=by)  # significant: |score| >= 2 (p < 0.01)
    except ValueError as exc:  # one document and no --reference: bad usage, not a failure
        raise UsageError(f"specificities: {exc} (give several documents, or --reference)") from None
    if args.part:
        unknown = sorted(set(args.part) - set(table["part"].astype(str)))
        if unknown:
            raise UsageError(f"--part: no part named {', '.join(unknown)}")
        table = table[table["part"].astype(str).isin(args.part)]
    table = table[table["specificity"].abs() >= args.min_score].reset_index(drop=True)
    if args.level == "word":  # the word as the texts write it ("sécurité"), beside its match key
        from analysis.kwic import key_forms

        forms = key_forms(toks)
        table.insert(table.columns.get_loc("feature") + 1, "form", table["feature"].map(forms).fillna(
            table["feature"]))  # fmt: skip
    write_table(table, args.output, args.format, args.csv_dialect)
    logger.info("specificities: %d rows with |score| >= %g", len(table), args.min_score)
    return 0


def add_explore_stats_parsers(sub: Any) -> None:
    """Add the ``specificities`` subcommand to a parser's subcommands.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_explore_stats_parsers(p.add_subparsers())
    >>> a = p.parse_args(["specificities", "doc-1", "--level", "theme", "--by", "genre"])
    >>> a.documents, a.level, a.by, a.min_score
    (['doc-1'], 'theme', 'genre', 2.0)
    """
    from analysis import config

    p = sub.add_parser(
        "specificities", help="Lafon specificities (TXM) of words or themes per document or group",
        description="Score each word (or theme) in each part: -log10 P(X >= f) when over-used, "
        "log10 P(X <= f) when under-used (hypergeometric); print the rows with |score| >= --min-score.",
    )  # fmt: skip
    p.add_argument("documents", nargs="*", metavar="DOC_ID_OR_FILE", help="default: every document")
    p.add_argument("--corpus", help="manifest CSV (default: data/raw/manifest.csv)")
    p.add_argument("--language", choices=config.LANGUAGES, help="language of plain text files")
    p.add_argument("--by", default="doc", help="parts: doc (each document), or a metadata column: "
                   "genre, language, format, parties (default: doc)")  # fmt: skip
    p.add_argument("--level", choices=("word", "theme"), default="word", help="features (default: word)")
    p.add_argument(
        "--dictionary", default=str(config.DEFAULT_DICTIONARY), help="dictionary for --level theme"
    )
    p.add_argument("--min-score", type=float, default=SPECIFICITY_THRESHOLD,
                   help="keep rows with |specificity| >= this (default 2: one-sided p < 0.01)")  # fmt: skip
    p.add_argument("--part", action="append", metavar="PART", help="only this part's rows (repeatable)")
    p.add_argument("--reference", nargs="?", const="default", metavar="DIR",
                   help="add the shipped reference statements (or those of DIR) in the documents' "
                   "languages as parts")  # fmt: skip
    p.add_argument("--stopwords", action="store_true", help="keep stopwords (words level)")
    from analysis.cli_text import csv_option, title_option

    title_option(p)
    p.add_argument("--format", choices=("csv", "parquet"), default="csv")
    p.add_argument("--output", help="file (default: stdout)")
    csv_option(p)
    p.set_defaults(func=cmd_specificities)
