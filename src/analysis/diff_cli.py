"""Command line of statement versus statement: ``diff A B`` and ``quotes PRESS [SOURCE]``.

The computations are :mod:`analysis.diff` (alignment, themes) and :mod:`analysis.quotes`
(quotations, their sources, the share of theme mentions inside them).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from analysis.diff import STATUSES, StatementDiff, compare_statements

logger = logging.getLogger(__name__)

__all__ = ["add_diff_parser", "add_quotes_parser", "cmd_diff", "cmd_quotes", "diff_text", "shorten"]


# ----------------------------------------------------------------------------- command line
def shorten(text: str, width: int = 70) -> str:
    """Cut a text to ``width`` characters with an ellipsis.

    Examples
    --------
    >>> shorten("Alphaland salue la Syldavie", 12)
    'Alphaland s…'
    >>> shorten("", 5)
    '-'
    """
    text = " ".join(text.split())
    if not text:
        return "-"
    return text if len(text) <= width else text[: width - 1] + "…"


def diff_text(result: StatementDiff, width: int = 70) -> str:
    """One line per aligned row: status, similarity, then A's and B's sentence, shortened.

    Examples
    --------
    >>> d = compare_statements("Alphaland salue la Syldavie.", "Alphaland salue la Syldavie.", themes=False)
    >>> print(diff_text(d).splitlines()[-1])
    kept       1.00  Alphaland salue la Syldavie.  |  Alphaland salue la Syldavie.
    """
    s = result.summary
    lines = [f"# A = {result.a_id} ({s['a_sentences']} sentences), B = {result.b_id} ({s['b_sentences']}): "
             + ", ".join(f"{k} {s[k]}" for k in (*STATUSES, "moved"))]  # fmt: skip
    for row in result.alignment.itertuples(index=False):
        sim = "   - " if row.similarity != row.similarity else f"{row.similarity:5.2f}"
        status = row.status + ("*" if row.moved else "")
        lines.append(f"{status:<9} {sim}  {shorten(row.a_text, width)}  |  {shorten(row.b_text, width)}")
    if s["moved"]:
        lines.append("# * moved: paired out of order (counted in its status above)")
    if result.alignment.attrs.get("method", {}).get("excerpt", "") is None:  # two languages
        lines.append("# two languages: sentences paired on their length and the names and figures they "
                     "share; translated = paired, not checked")  # fmt: skip
    return "\n".join(lines)


def cmd_diff(args: argparse.Namespace) -> int:
    """Run ``python -m analysis diff A B``."""
    from analysis.cli_text import UsageError, load_documents, write_table

    if args.level == "themes" and args.format == "text":
        args.format = "csv"
    try:
        a_docs = load_documents([args.a], args.corpus, args.language).docs
        b_docs = load_documents([args.b], args.corpus, args.language).docs
        result = compare_statements(a_docs, b_docs, dictionary=args.dictionary, language=args.language,
                                    kept=args.kept, reworded=args.reworded,
                                    themes=args.level == "themes")  # fmt: skip
    except (FileNotFoundError, ValueError, OSError) as exc:  # FetchError is a ValueError
        raise UsageError(f"diff: {exc}") from None
    table = result.themes if args.level == "themes" else result.alignment
    if args.format == "text":
        out = diff_text(result, args.width) + "\n"
        if args.output:
            from analysis.store import write_text

            write_text(out, args.output)
        else:
            sys.stdout.write(out)
    else:
        write_table(table, args.output, dialect=args.csv_dialect)
    return 0


def add_diff_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``diff`` subcommand to the subparsers ``sub`` of :mod:`analysis.cli`.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> p = add_diff_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["diff", "a.txt", "b.txt", "--level", "themes"])
    >>> args.level, args.format, args.func.__name__
    ('themes', 'text', 'cmd_diff')
    """
    from analysis import config
    from analysis.cli_text import csv_option

    p = sub.add_parser("diff", help="align two statements by sentence: kept, reworded, dropped, added")
    p.add_argument("a", metavar="A", help="document id, text file or http(s) URL: the source (reference)")
    p.add_argument("b", metavar="B", help="document id, text file or URL: the later text or press article")
    p.add_argument("--corpus", help="manifest CSV for ids (default: data/raw/manifest.csv)")
    p.add_argument("--language", choices=config.LANGUAGES, help="language of text files (default: detected)")
    p.add_argument("--dictionary", default=str(config.DEFAULT_DICTIONARY), help="dictionary YAML (themes)")
    p.add_argument(
        "--level",
        choices=("sentences", "themes"),
        default="sentences",
        help="sentences: the alignment (default); themes: counts, rates and Log Ratio of B vs A",
    )
    p.add_argument(
        "--format",
        choices=("text", "csv"),
        default="text",
        help="text: one line per aligned pair (default; --level themes gives CSV); csv: the table",
    )
    p.add_argument("--output", help="file (default: stdout)")
    p.add_argument("--kept", type=float, default=0.9, help="similarity from which a pair is kept (0.9)")
    p.add_argument(
        "--reworded",
        type=float,
        default=0.5,
        help="similarity from which two sentences are paired as reworded (default 0.5)",
    )
    p.add_argument("--width", type=int, default=70, help="characters of each sentence in the text format")
    csv_option(p)
    p.set_defaults(func=cmd_diff)
    return p


def cmd_quotes(args: argparse.Namespace) -> int:
    """Run ``python -m analysis quotes PRESS [SOURCE]``."""
    from analysis import config
    from analysis.clean import corpus_clean
    from analysis.cli_text import UsageError, load_documents, write_table
    from analysis.dictionary import dictionary
    from analysis.quotes import find_quotes, quote_share, trace_quotes
    from analysis.tokens import tokens

    try:
        press = corpus_clean(load_documents([args.press], args.corpus, args.language))
    except (FileNotFoundError, ValueError, OSError) as exc:
        raise UsageError(f"quotes: {exc}") from None
    doc = press.docs.iloc[0]
    quotes = find_quotes(doc["text"])
    if args.level == "themes" and args.source:
        raise UsageError("quotes --level themes: counts the press text's own mentions; give no SOURCE "
                         "(its quotations traced in SOURCE: --level quotes)")  # fmt: skip
    if args.level == "themes":
        table = quote_share(tokens(press), dictionary(args.dictionary or config.DEFAULT_DICTIONARY), quotes)
    elif args.source:
        source = corpus_clean(load_documents([args.source], args.corpus, args.language)).docs.iloc[0]
        table = trace_quotes(doc["text"], source["text"], language=doc["language"], quotes=quotes)
    else:
        import pandas as pd

        rows = [{"quote": q.text, "start": q.start, "end": q.end, "mark": q.mark} for q in quotes]
        table = pd.DataFrame(rows, columns=["quote", "start", "end", "mark"])
    write_table(table, args.output, dialect=args.csv_dialect)
    logger.info("quotes: %d quotations in %s", len(quotes), doc["doc_id"])
    return 0


def add_quotes_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``quotes`` subcommand: the quotations of a press text, traced in its source.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> _ = add_quotes_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["quotes", "article.txt", "source.txt"]).source
    'source.txt'
    """
    from analysis import config
    from analysis.cli_text import csv_option

    p = sub.add_parser("quotes", help="quotations of a press text, found in its source; their theme hits")
    p.add_argument("press", metavar="PRESS", help="document id, text file or http(s) URL: the press text")
    p.add_argument("source", metavar="SOURCE", nargs="?", help="id, text file or URL: the statement quoted")
    p.add_argument("--corpus", help="manifest CSV for ids (default: data/raw/manifest.csv)")
    p.add_argument("--language", choices=config.LANGUAGES, help="language of text files (default: detected)")
    p.add_argument("--dictionary", help="dictionary YAML for --level themes (default: the shipped one)")
    p.add_argument("--level", choices=("quotes", "themes"), default="quotes",
                   help="quotes: each quotation (traced in SOURCE if given); themes: theme mentions inside "
                   "quotations vs the journalist's own words")  # fmt: skip
    p.add_argument("--output", help="CSV file (default: stdout)")
    csv_option(p)
    p.set_defaults(func=cmd_quotes)
    return p
