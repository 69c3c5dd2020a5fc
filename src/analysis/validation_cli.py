"""Command line of the instrument's validation: ``validate`` (coded sentences, parallel versions).

The computations are :mod:`analysis.validation` (precision and recall against coded
sentences) and :mod:`analysis.parallel` (κ of the hits on French and English versions).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

__all__ = ["add_validate_parser", "cmd_validate"]


def cmd_validate(args: argparse.Namespace) -> int:
    """Run ``python -m analysis validate``."""
    from analysis.cli_text import UsageError, write_table
    from analysis.validation import textstat_validation, validation_text

    if args.parallel:
        from analysis.parallel import textstat_parallel

        pv = textstat_parallel(args.dictionary)
        if pv.skipped:
            raise UsageError(f"validate --parallel: texts absent for {', '.join(pv.skipped)} (../shared)")
        write_table(pv.disagreements if args.disagreements else pv.table, args.output)
        return 0
    v = textstat_validation(args.set, args.dictionary)
    if args.save_summary:
        import json

        from analysis.store import write_text
        from analysis.validation import SUMMARY_FILE, validation_summary

        if v.skipped_sentences:
            raise UsageError(f"validate --save-summary: {v.skipped_sentences} sentences not compared "
                             "(their texts are absent): only a complete validation is saved")  # fmt: skip
        write_text(json.dumps(validation_summary(v), indent=1, sort_keys=True) + "\n", SUMMARY_FILE)
        sys.stderr.write(f"validation figures written to {SUMMARY_FILE}\n")
        from analysis.parallel import save_parallel, textstat_parallel

        try:
            path = save_parallel(textstat_parallel(args.dictionary))
        except ValueError as exc:
            raise UsageError(f"validate --save-summary: {exc}") from None
        sys.stderr.write(f"parallel-version figures written to {path}\n")
    flagged = set(v.flagged())
    scores = v.scores.assign(flagged=[t in flagged for t in v.scores["theme"]])
    if args.output:
        from analysis.store import write_csv

        out = Path(args.output)
        write_csv(scores, out / "validation_scores.csv")
        write_csv(v.disagreements, out / "validation_disagreements.csv")
        if v.heldout is not None:
            write_csv(v.heldout, out / "validation_heldout.csv")
        sys.stderr.write(f"validation tables written to {out}\n")
    if args.format == "csv":
        write_table(scores, None)
    else:
        sys.stdout.write(validation_text(v, disagreements=args.disagreements, language=args.language))
    return 0


def add_validate_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``validate`` subcommand.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> _ = add_validate_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["validate", "--parallel"]).parallel
    True
    """
    from analysis import config

    p = sub.add_parser("validate", help="the dictionary against coded sentences: precision, recall, F1")
    p.add_argument("--set", default=str(config.RESOURCES_DIR / "validation" / "coded_sentences.csv"),
                   help="validation set CSV (default: the shipped set)")  # fmt: skip
    p.add_argument("--dictionary", default=str(config.DEFAULT_DICTIONARY), help="dictionary YAML")
    p.add_argument("--format", choices=("text", "csv"), default="text", help="text table or CSV of scores")
    p.add_argument("--disagreements", action="store_true", help="list false positives and negatives")
    p.add_argument("--language", choices=config.LANGUAGES, help="only this language's disagreements")
    p.add_argument("--output", help="folder for validation_scores.csv and validation_disagreements.csv")
    p.add_argument("--save-summary", action="store_true",
                   help="write the figures for machines without the texts "
                   "(validation/summary.json, parallel.json)")  # fmt: skip
    p.add_argument("--parallel", action="store_true",
                   help="instead: κ of the hits on the French and English versions of real statements "
                   "(CSV; with --disagreements, the sentences where one language hits and the other "
                   "does not)")  # fmt: skip
    p.set_defaults(func=cmd_validate)
    return p
