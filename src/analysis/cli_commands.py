"""The subcommands defined beside their functions, gathered for :mod:`analysis.cli`.

Each module keeps its own parser (``add_*_parser(s)``); this one only lists them, so that
:mod:`analysis.cli_text`, which those modules use, imports none of them.
"""

from __future__ import annotations

from typing import Any

__all__ = ["add_subcommands"]


def add_subcommands(sub: Any) -> None:
    """Add init, add, fetch, collocations, lemmas, specificities, diff, quotes and validate.

    Examples
    --------
    >>> import argparse
    >>> p = argparse.ArgumentParser()
    >>> add_subcommands(p.add_subparsers())
    >>> p.parse_args(["collocations", "--min-count", "3"]).min_count
    3
    """
    from analysis.cli_text import add_project_parsers
    from analysis.collocations import add_collocations_parser
    from analysis.diff_cli import add_diff_parser, add_quotes_parser
    from analysis.explore_cli import add_explore_stats_parsers
    from analysis.fetch_cli import add_fetch_parser
    from analysis.lemmas import add_lemmas_parser
    from analysis.validation_cli import add_validate_parser

    add_project_parsers(sub)
    add_fetch_parser(sub)
    add_collocations_parser(sub)
    add_lemmas_parser(sub)
    add_explore_stats_parsers(sub)
    add_diff_parser(sub)
    add_quotes_parser(sub)
    add_validate_parser(sub)
