"""Command line for one's own statement and project folder: ``--text``, ``add``, ``init``, ``run --help``.

:mod:`analysis.cli` wires these into its subcommands: the options of a text file given
with ``--text`` (its metadata), the ``init`` and ``add`` subcommands, and the list of
notebook parameters that ``run --help`` prints.
"""

from __future__ import annotations

import argparse
import ast
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

from analysis import config

logger = logging.getLogger(__name__)


class UsageError(ValueError):
    """Bad input given on the command line (exit 2)."""


_FIELDS = ("title", "id", "date", "language", "parties", "genre", "source_url", "publisher", "license",
           "notes")  # fmt: skip


_HELP = {
    "title": "title of the statement (default: its title line)",
    "id": "document id (default: from the file name)",
    "date": "date of the statement, YYYY-MM-DD",
    "language": "fr or en (default: detected)",
    "parties": 'parties, separated by ";" e.g. "Canada; France"',
    "genre": "joint_statement, communique, declaration, speech, press_conference, press_article or "
    "statement (default)",
    "source_url": "where the text comes from",
    "publisher": "who published it",
    "license": "its licence or terms of use",
    "notes": "a note kept in the manifest",
}


def add_statement_options(
    p: argparse.ArgumentParser, *, title: bool, language: bool = True, prefixed: tuple[str, ...] = ()
) -> None:
    """Add ``--text FILE`` and the options of its metadata to a subcommand's parser.

    ``title``: also ``--title TITLE`` (not for ``count``, ``kwic`` and ``compare``, whose
    ``--title`` says what to do with a title line). ``language``: also ``--language``.
    ``prefixed``: fields whose option is ``--text-FIELD`` (``compare`` filters its references
    with ``--parties`` and ``--genre``). Values land in ``args.meta_FIELD``.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_statement_options(p, title=True, prefixed=("parties",))
    >>> args = p.parse_args(["--text", "a.txt", "--date", "2031-01-02", "--text-parties", "A; B"])
    >>> args.meta_date, args.meta_parties
    ('2031-01-02', 'A; B')
    """
    g = p.add_argument_group(
        "your own statement",
        "a plain text file analysed as it is; metadata from these options, else from <name>.yaml or "
        "<name>.csv beside the file (fields: id, title, date, parties, language, genre, source_url, "
        "publisher, license, notes), else defaults (id from the file name, title from its first line, "
        "language detected, genre statement)",
    )
    g.add_argument("--text", metavar="FILE", help="plain text file of the statement")
    for name in _FIELDS:
        if (name == "title" and not title) or (name == "language" and not language):
            continue
        flag = f"--{'text-' if name in prefixed else ''}{name.replace('_', '-')}"
        kwargs: dict[str, Any] = {"choices": config.LANGUAGES} if name == "language" else {}
        g.add_argument(flag, dest=f"meta_{name}", metavar=name.upper(), help=_HELP[name], **kwargs)


def statement_options(args: argparse.Namespace) -> dict[str, Any]:
    """The metadata given on the command line, as :func:`analysis.ingest.statement_metadata` takes it.

    Examples
    --------
    >>> statement_options(argparse.Namespace(meta_id="x", meta_date="2031-01-02"))
    {'id': 'x', 'date': '2031-01-02'}
    """
    given = {name: getattr(args, f"meta_{name}", None) for name in _FIELDS}
    if getattr(args, "meta_language", None) is None and getattr(args, "text", None):
        given["language"] = getattr(args, "language", None)  # count and kwic: their own --language
    return {k: v for k, v in given.items() if v is not None}


def check_statement_options(args: argparse.Namespace, usage_error: type[Exception]) -> None:
    """Refuse metadata options given without ``--text`` (they would be silently ignored)."""
    if getattr(args, "text", None):
        return
    given = statement_options(args)
    if given:
        names = ", ".join(f"--{k.replace('_', '-')}" for k in given)
        raise usage_error(f"{names}: metadata of a statement given with --text FILE; no --text was given")


# ----------------------------------------------------------------------------- shared options
def write_table(df: Any, output: str | None, fmt: str = "csv", dialect: str = "plain") -> None:
    """A command's table: to ``output`` (CSV in ``dialect``, or Parquet), else CSV on stdout.

    Examples
    --------
    >>> import pandas as pd
    >>> write_table(pd.DataFrame({"a": [1]}), None)
    a
    1
    """
    from analysis.store import write_csv, write_parquet

    if output:
        if fmt == "parquet":
            write_parquet(df, output)
        else:
            write_csv(df, output, dialect=dialect)
        logger.info("wrote %s", output)
    elif fmt == "parquet":
        raise UsageError("--format parquet needs --output FILE")
    else:
        df.to_csv(sys.stdout, index=False, lineterminator="\n")


def title_option(p: argparse.ArgumentParser) -> None:
    """Add ``--title count|drop``: what to do with each text's title line."""
    p.add_argument(
        "--title", choices=("count", "drop"), default=None,
        help="count or drop each text's title line (default by genre: a press article's headline is "
        "counted, an official statement's title dropped)",
    )  # fmt: skip


def csv_option(p: argparse.ArgumentParser, what: str = "--output file") -> None:
    """Add ``--csv-dialect plain|bom|excel-fr`` (:data:`analysis.store.CSV_DIALECTS`)."""
    p.add_argument(
        "--csv-dialect", choices=("plain", "bom", "excel-fr"), default="plain",
        help=f"CSV of the {what}: plain UTF-8 (default), bom (UTF-8 with BOM), or excel-fr (BOM, ';' and "
        "decimal commas, for a French-locale spreadsheet)",
    )  # fmt: skip


# ----------------------------------------------------------------------------- documents
def _described(files, corpus_manifest: str | None):
    """Files that the manifest describes (same sha256) take its row: its genre decides the title rule.

    So ``count data/raw/x.txt`` and ``count x`` count the same text the same way.
    """
    from analysis.corpus import CorpusError, corpus

    try:
        known = corpus(corpus_manifest or config.RAW_MANIFEST).docs
    except (CorpusError, FileNotFoundError):
        return files
    by_hash = {h: i for i, h in enumerate(known["sha256"])}
    docs = files.docs.copy()
    for i, h in enumerate(docs["sha256"]):
        if h in by_hash:
            row = known.iloc[by_hash[h]]
            for col in ("title", "date", "parties", "n_parties", "format", "genre", "source_url", "publisher",
                        "license", "complete", "notes"):  # fmt: skip
                if col in known.columns:
                    docs.at[docs.index[i], col] = row[col]
    files.docs = docs
    return files


def own_text(args: argparse.Namespace, usage_error: type[Exception]):
    """The ``--text FILE`` of ``count`` and ``kwic`` as a corpus with its metadata (no date needed)."""
    check_statement_options(args, usage_error)
    if not args.text:
        return None
    from analysis.ingest import statement_documents

    return statement_documents(args.text, **statement_options(args))


def load_documents(items: list[str], corpus_manifest: str | None, language: str | None, own=None):
    """Documents named on the command line: ids of the manifest, plain text files, http(s) URLs (read
    with :func:`analysis.fetch.url_documents`, not imported) and ``--text``."""
    from analysis.corpus import corpus, corpus_from_files, corpus_subset

    urls = [i for i in items if i.startswith(("http://", "https://"))]
    files = [i for i in items if i not in urls and Path(i).is_file()]
    ids = [i for i in items if i not in files and i not in urls]
    parts = [] if own is None else [own]
    if own is not None and not items:
        return own
    if urls:
        from analysis.fetch import url_documents

        parts.extend(url_documents(u, language=language) for u in urls)
    if files:
        parts.append(_described(corpus_from_files(files, language=language), corpus_manifest))
    if ids or not (files or urls):
        corp = corpus(corpus_manifest or config.RAW_MANIFEST)
        if ids:
            unknown = sorted(set(ids) - set(corp.docs["doc_id"]))
            if unknown:
                raise FileNotFoundError(
                    f"{corp.manifest}: no document with id {', '.join(unknown)} (and no such file)"
                )
            corp = corpus_subset(corp, ids=ids)
        parts.append(corp)
    if len(parts) == 1:
        return parts[0]
    import pandas as pd

    from analysis.corpus import Corpus

    return Corpus(docs=pd.concat([p.docs for p in parts], ignore_index=True), history=parts[0].history)


# ----------------------------------------------------------------------------- init and add
def cmd_init(args: argparse.Namespace) -> int:
    from analysis.project import init_project

    root = init_project(args.folder)
    sys.stdout.write(f"{root}\n")
    sys.stderr.write(
        f"project folder ready: cd {root} && analysis run --text my_statement.txt --date YYYY-MM-DD\n"
    )
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from analysis.ingest import raw_add, statement_metadata

    path = Path(args.text)
    row = statement_metadata(path, **statement_options(args))
    written = raw_add(path.read_bytes(), row, provenance={"retrieved_at": "", "extractor": "analysis add"})
    sys.stdout.write(f"{written['id']}\t{config.RAW_DIR / written['path']}\n")
    return 0


def add_project_parsers(sub: Any) -> None:
    """Add ``init`` and ``add`` to the subcommands.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> add_project_parsers(p.add_subparsers())
    >>> p.parse_args(["init", "study"]).folder
    'study'
    """
    p = sub.add_parser("init", help="make a project folder: data/raw, reports, the notebooks")
    p.add_argument("folder", help="folder to create (or an empty one)")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "add", help="import a text file into data/raw with its metadata (never overwrites)",
        description="Copy a statement into data/raw/ and add its row to data/raw/manifest.csv. "
        "It refuses an id already imported or a file that exists.",
    )  # fmt: skip
    add_statement_options(p, title=True)
    p.set_defaults(func=cmd_add)


# ----------------------------------------------------------------------------- run --help
_PARAM_LINE = re.compile(r"^(?P<name>\w+)\s*:\s*(?P<type>[^=]+?)\s*=\s*(?P<value>.+?)\s*#\s*(?P<help>.*)$")


def notebook_parameters(notebooks: list[Path] | None = None) -> list[dict[str, str]]:
    """Each notebook parameter once: name, type, default and meaning, as the ``parameters`` cells say.

    Examples
    --------
    >>> names = [p["name"] for p in notebook_parameters()]
    >>> "focus_id" in names and "lang" in names
    True
    """
    seen: dict[str, dict[str, str]] = {}
    for nb in notebooks if notebooks is not None else config.report_notebooks():
        try:
            cells = json.loads(Path(nb).read_text(encoding="utf-8"))["cells"]
        except (OSError, ValueError, KeyError):
            continue
        for cell in cells:
            if "parameters" not in cell.get("metadata", {}).get("tags", []):
                continue
            for line in "".join(cell["source"]).splitlines():
                m = _PARAM_LINE.match(line.strip())
                if m and m["name"] not in seen and m["name"] != "output_dir":
                    seen[m["name"]] = {
                        "name": m["name"], "type": m["type"], "default": m["value"], "help": m["help"],
                        "notebooks": Path(nb).stem,
                    }  # fmt: skip
                elif m and m["name"] in seen:
                    seen[m["name"]]["notebooks"] += f", {Path(nb).stem}"
    return list(seen.values())


def run_epilog() -> str:
    """The text after ``run --help``: every notebook parameter with its type, default and meaning."""
    lines = ["notebook parameters (-p NAME=VALUE, or NAME: VALUE in -f PARAMS.yaml):"]
    for p in notebook_parameters():
        default = p["default"]
        try:
            shown = repr(ast.literal_eval(default))
        except (ValueError, SyntaxError):
            shown = default
        lines.append(f"  {p['name']} ({p['type']}, default {shown})")
        lines.append(f"      {p['help']}")
    lines += [
        "",
        "examples:",
        "  analysis run                                   # the seed article, French brief",
        "  analysis run -p lang=en -p window=24M",
        '  analysis run --text my_statement.txt --date 2031-05-04 --parties "Alphaland; Syldavie"',
    ]
    return "\n".join(lines)
