"""Command line of ``analysis fetch``: one URL, or every row of a CSV of sources (:mod:`analysis.fetch`)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from analysis import config
from analysis.fetch import SKIPPED, FetchError, fetch, fetch_many

__all__ = ["add_fetch_parser", "cmd_fetch"]


def add_fetch_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``fetch`` subcommand to an argparse subparsers object.

    Examples
    --------
    >>> parser = argparse.ArgumentParser()
    >>> p = add_fetch_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["fetch", "https://example.invalid/a", "--max-mb", "2"])
    >>> args.url, args.max_mb, args.timeout, args.func.__name__
    ('https://example.invalid/a', 2.0, 20.0, 'cmd_fetch')
    """
    p = sub.add_parser("fetch", help="download a statement's page and import its text into data/raw")
    p.add_argument("url", nargs="?", help="the page (http or https)")
    p.add_argument("--from", dest="from_csv", metavar="CSV", help="fetch every row of a CSV of sources")
    p.add_argument("--id", dest="doc_id", help="document id (default: from the title or the URL)")
    p.add_argument("--title", help="title (default: the page's)")
    p.add_argument("--date", help="date YYYY-MM-DD (default: the page's; required when it has none)")
    p.add_argument("--language", choices=config.LANGUAGES, help="default: the page's, else detected")
    p.add_argument("--parties", help="parties, separated by '; '")
    p.add_argument("--genre", help="genre (default: statement)")
    p.add_argument("--publisher", help="publisher (default: the site name)")
    p.add_argument("--timeout", type=float, default=20.0, help="seconds to connect and per read (default 20)")
    p.add_argument("--max-mb", type=float, default=5.0, help="largest page in MB (default 5)")
    p.set_defaults(func=cmd_fetch)
    return p


def cmd_fetch(args: argparse.Namespace) -> int:
    """Run ``analysis fetch``: 0 when done, 1 when a ``--from`` row failed (single fetch: errors raise).

    Examples
    --------
    >>> cmd_fetch(argparse.Namespace(url=None, from_csv=None))
    Traceback (most recent call last):
    ...
    analysis.fetch.FetchError: fetch: give a URL or --from CSV
    """
    max_bytes = int(getattr(args, "max_mb", 5.0) * 1024 * 1024)
    timeout = getattr(args, "timeout", 20.0)
    if bool(args.url) == bool(args.from_csv):
        raise FetchError("fetch: give a URL or --from CSV" + (", not both" if args.url else ""))
    meta = {k: getattr(args, k, None) for k in ("doc_id", "title", "date", "language", "parties", "genre",
                                                 "publisher")}  # fmt: skip
    if args.from_csv:
        own = [f"--{k.replace('doc_', '')}" for k in ("doc_id", "title", "date") if meta[k]]
        if own:
            raise FetchError(f"fetch --from: {', '.join(own)} belong(s) to one document; put them in the CSV")
        defaults = {k: v for k, v in meta.items() if v}
        results = fetch_many(args.from_csv, timeout=timeout, max_bytes=max_bytes, **defaults)
        for doc_id, ok, message in results:
            if ok and not message.startswith(SKIPPED):
                sys.stdout.write(f"{doc_id}\t{message}\n")
        return 1 if any(not ok for _, ok, _ in results) else 0
    row = fetch(args.url, timeout=timeout, max_bytes=max_bytes, **meta)
    sys.stdout.write(f"{row['id']}\t{config.RAW_DIR / row['path']}\n")
    return 0
