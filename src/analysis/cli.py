"""Command line: ``python -m analysis SUBCOMMAND`` (``--help`` lists them).

Exit codes: 0 success; 1 a run or computation failed; 2 bad usage or bad input
(a corpus, dictionary, parameter or file problem); 3 another run holds the lock;
143 a run ended by SIGTERM (marked failed).
Errors are one line on stderr naming the file and the problem; ``--debug``
shows the traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from analysis import __version__, config
from analysis.cli_text import UsageError, csv_option, load_documents, own_text, title_option, write_table

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_LOCKED, EXIT_TERMINATED = 0, 1, 2, 3, 143


# ----------------------------------------------------------------------------- helpers
def _guard_outputs(args: argparse.Namespace) -> None:
    """Refuse, before any work, an output inside raw data or inside a corpus being read."""
    from analysis.corpus import ALLOWED_OUTSIDE
    from analysis.store import check_output, protect

    # one command's settings: a second main() in the same process (tests, a notebook) starts afresh
    ALLOWED_OUTSIDE[:] = [Path(folder).resolve() for folder in getattr(args, "allow_outside", None) or []]
    protect(None)

    for name in ("corpus", "reference_manifest"):
        manifest = getattr(args, name, None)
        if manifest:
            protect(manifest)
    if getattr(args, "source", None):
        protect(args.source)
    for item in [*(getattr(args, "documents", None) or []), getattr(args, "text", None) or ""]:
        if item and Path(item).is_file():
            protect(item)
    output = getattr(args, "output", None)
    if output:
        check_output(output)


# ---------------------------------------------------------------------------- commands
def cmd_clean(args: argparse.Namespace) -> int:
    from analysis.pipeline import write_processed

    out = write_processed(args.corpus or config.RAW_MANIFEST, Path(args.output))
    sys.stderr.write(f"processed data written to {out}\n")
    return EXIT_OK


def cmd_tokens(args: argparse.Namespace) -> int:
    from analysis.clean import corpus_clean
    from analysis.corpus import detect_language, read_text
    from analysis.tokens import iter_surface

    text, _enc = read_text(args.file)  # a missing or unreadable file is said as such
    language = args.language or detect_language(text)
    if not args.raw:  # as `count FILE`: the one title rule, the manifest's genre for a file it describes
        doc = corpus_clean(load_documents([args.file], None, args.language), title=args.title).docs.iloc[0]
        text, language = doc["text"], doc["language"]
    for surface, key in iter_surface(text, language):
        sys.stdout.write(f"{surface}\t{key}\n")
    return EXIT_OK


def cmd_count(args: argparse.Namespace) -> int:
    if args.source:
        from analysis.scale import check_scheduler_address, count_corpus

        if args.jobs is not None and args.jobs < 1:
            raise UsageError(f"--jobs {args.jobs}: give 1 or more processes")
        if args.scheduler is not None:  # before any connection is tried
            try:
                check_scheduler_address(args.scheduler)
            except ValueError as exc:
                raise UsageError(str(exc)) from None
        out = count_corpus(
            args.source,
            Path(args.output or config.PROCESSED_DIR / "counts"),
            dictionary=args.dictionary,
            jobs=args.jobs,
            engine=args.engine,
            scheduler=args.scheduler,
        )
        sys.stderr.write(f"partitioned counts written to {out}\n")
        return EXIT_OK
    from analysis.pipeline import count_documents

    corp = load_documents(args.documents, args.corpus, args.language, own_text(args, UsageError))
    table = count_documents(corp, dictionary_path=args.dictionary, by=args.by, title=args.title)
    write_table(table, args.output, args.format, args.csv_dialect)
    return EXIT_OK


def cmd_kwic(args: argparse.Namespace) -> int:
    from analysis.clean import corpus_clean
    from analysis.dictionary import dictionary
    from analysis.kwic import kwic, kwic_text
    from analysis.tokens import tokens

    if args.window < 0:
        raise UsageError(f"kwic: --window {args.window}: the window must be 0 or more tokens")
    if not args.pattern.strip():
        raise UsageError("kwic: the pattern is empty (a word, a glob such as ukrain*, a phrase, a theme id)")
    own = own_text(args, UsageError)
    corp = corpus_clean(load_documents(args.documents, args.corpus, args.language, own), title=args.title)
    toks = tokens(corp)
    if "lemma:" in args.pattern:  # a pattern on lemmas: the tokens need theirs (and a word that is one)
        from analysis.lemmas import lemma_pattern_notes, tokens_lemmatize

        toks = tokens_lemmatize(toks)
        for note in lemma_pattern_notes(args.pattern, sorted(set(toks.docs["language"]))):
            logger.warning("kwic: %s", note)
    dic = dictionary(args.dictionary) if args.dictionary else None
    if dic is not None and "_" in args.pattern and args.pattern not in dic.theme_ids():
        raise UsageError(
            f"{args.dictionary}: no theme {args.pattern!r} (themes: {', '.join(dic.theme_ids())})"
        )
    try:
        table = kwic(
            toks, args.pattern, dictionary=dic, window=args.window, sort=args.sort, context=args.context
        )
    except ValueError as exc:  # a pattern the dictionary rules cannot read
        raise UsageError(f"kwic: pattern {args.pattern!r}: {exc}") from exc
    if table.empty:
        logger.warning("kwic: no match for %r in %d document(s)", args.pattern, len(toks.docs))
    if args.format == "csv":
        write_table(table, args.output, "csv", args.csv_dialect)
    elif args.output:
        from analysis.store import write_text

        write_text(kwic_text(table) + "\n", args.output)
    else:
        sys.stdout.write(kwic_text(table) + "\n")
    return EXIT_OK


def cmd_reference(args: argparse.Namespace) -> int:
    from analysis.reference import reference_build

    out = reference_build(args.corpus, Path(args.output), dictionary_path=args.dictionary, jsonl=args.jsonl)
    sys.stderr.write(f"reference features written to {out}\n")
    return EXIT_OK


def cmd_reference_check(args: argparse.Namespace) -> int:
    from analysis.reference import reference_check

    changes, notes = reference_check(
        Path(args.reference), manifest=args.corpus, jsonl=args.jsonl, dictionary_path=args.dictionary
    )
    for note in notes:
        sys.stderr.write(f"note: {note}\n")
    if changes:
        sys.stderr.write(f"{args.reference} is stale; rebuild it with `make reference`:\n")
        sys.stderr.writelines(f"  - {c}\n" for c in changes)
        return 1
    sys.stderr.write(f"{args.reference} is current\n")
    return EXIT_OK


def cmd_compare(args: argparse.Namespace) -> int:
    from analysis.cli_text import check_statement_options, statement_options
    from analysis.compare import compare

    check_statement_options(args, UsageError)
    focus, manifest = args.focus, args.corpus
    if args.text:
        if args.focus or args.corpus:
            raise UsageError("compare: --text FILE is the focus; do not also give --focus or --corpus")
        from analysis.ingest import statement_corpus

        own = statement_corpus(args.text, **statement_options(args))
        focus, manifest = own.docs["doc_id"].iloc[0], own.manifest
    result = compare(
        focus or config.DEFAULT_FOCUS_ID,
        corpus_manifest=manifest or config.RAW_MANIFEST,
        dictionary_path=args.dictionary,
        reference=None if args.no_shipped_reference else args.reference,
        reference_manifest=args.reference_manifest,
        reference_language=args.reference_language,
        parties=args.parties,
        since=args.since,
        until=args.until,
        window=args.window,
        genre=args.genre,
        ids=args.ids,
        min_count=args.min_count,
        title=args.title,
    )
    for note in result.notes:
        sys.stderr.write(f"note: {note}\n")
    if args.level == "word":
        if result.words is None:
            raise UsageError(result.words_message)
        table = result.words
    elif args.level == "similarity":
        table = result.similarity
    else:
        table = result.themes
    write_table(table, args.output, args.format, args.csv_dialect)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    from analysis.runs import ParameterError, parse_cli_params, run_report

    if not (args.cell_timeout > 0 and args.timeout > 0):  # also refuses nan
        raise ParameterError(
            f"--cell-timeout {args.cell_timeout:g} and --timeout {args.timeout:g} must be positive seconds"
        )
    params = parse_cli_params(args.param, Path(args.params_file) if args.params_file else None)
    from analysis.cli_text import check_statement_options, statement_options

    check_statement_options(args, UsageError)
    if args.text:
        taken = sorted({"focus_id", "corpus_manifest"} & set(params))
        if taken:
            raise UsageError(f"run: --text FILE is the focus; do not also give -p {' -p '.join(taken)}")
        from analysis.ingest import statement_corpus
        from analysis.runs.params import validate_parameters

        # bad parameters are refused before the statement's corpus folder is written
        validate_parameters(params, config.report_notebooks())

        own = statement_corpus(args.text, **statement_options(args))
        params.update(focus_id=str(own.docs["doc_id"].iloc[0]), corpus_manifest=str(own.manifest))
    pdf = run_report(
        params,
        csv_dialect=args.csv_dialect,
        keep=args.keep,
        cell_timeout=args.cell_timeout,
        total_timeout=args.timeout,
        progress=None,
    )
    sys.stdout.write(f"{pdf}\n")
    return EXIT_OK


def cmd_bench(args: argparse.Namespace) -> int:
    from analysis.scale.bench import BenchDataMissing, evaluate_targets, format_bench, run_bench, save_bench
    from analysis.scale.peers import PEERS

    try:
        scales = [1] if args.quick else [int(k) for k in args.scale.split(",") if k.strip()]
    except ValueError:
        raise UsageError(f"bench: --scale {args.scale!r}: give factors such as 1,4,16") from None
    if not scales or min(scales) < 1:
        raise UsageError(f"bench: --scale {args.scale!r}: factors must be 1 or more")
    names = [n.strip() for n in args.peers.split(",") if n.strip()] if args.peers is not None else None
    unknown = sorted(set(names or ()) - set(PEERS))
    if unknown:
        raise UsageError(f"bench: unknown peers {', '.join(unknown)} (known: {', '.join(PEERS)})")
    if args.repeats < 1:
        raise UsageError("bench: --repeats must be 1 or more")
    try:
        table = run_bench(scales, peers=names, repeats=args.repeats, synthetic_mb=args.synthetic_mb)
    except BenchDataMissing as exc:
        sys.stderr.write(f"analysis bench: {exc}\n")
        return EXIT_OK
    targets = evaluate_targets(table)
    sys.stdout.write(format_bench(table, targets) + "\n")
    for path in save_bench(table, targets=targets):
        sys.stderr.write(f"wrote {path}\n")
    return EXIT_OK


# ------------------------------------------------------------------------------ parser
def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser (also used to document the CLI).

    Examples
    --------
    >>> p = build_parser()
    >>> p.parse_args(["count", "--by", "pattern"]).by
    'pattern'
    """
    from analysis.cli_text import add_statement_options, run_epilog

    parser = argparse.ArgumentParser(
        prog="python -m analysis",
        description="Text-as-data analysis of diplomatic statements.",
        epilog="Exit codes: 0 ok, 1 failed run, 2 bad usage or input, 3 another run holds the lock, "
        "143 run ended by SIGTERM.",
    )
    parser.add_argument("--version", action="version", version=f"analysis {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")
    parser.add_argument(
        "--project", metavar="DIR",
        help="project folder to read and write (default: ANALYSIS_HOME, the folder made by `analysis init` "
        "you are in, else the checkout)",
    )  # fmt: skip
    parser.add_argument(
        "--allow-outside",
        action="append",
        metavar="PATH",
        help="let manifests read texts under PATH, outside their own folder (repeatable)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("clean", help="clean and tokenise a corpus into data/processed (Parquet)")
    p.add_argument("--corpus", help="manifest CSV (default: data/raw/manifest.csv)")
    p.add_argument("--output", default=str(config.PROCESSED_DIR), help="output folder")
    p.set_defaults(func=cmd_clean)

    p = sub.add_parser("tokens", help="print the tokens of a text file: surface<TAB>key")
    p.add_argument("file", help="plain text file")
    p.add_argument("--language", choices=config.LANGUAGES, help="default: detected")
    p.add_argument("--raw", action="store_true", help="tokenise without cleaning")
    title_option(p)
    p.set_defaults(func=cmd_tokens)

    p = sub.add_parser("count", help="theme (or pattern) counts per document")
    p.add_argument("documents", nargs="*", metavar="DOC_ID_OR_FILE", help="default: every document")
    p.add_argument("--corpus", help="manifest CSV (default: data/raw/manifest.csv)")
    p.add_argument("--dictionary", default=str(config.DEFAULT_DICTIONARY), help="dictionary YAML")
    p.add_argument("--by", choices=("theme", "pattern"), default="theme")
    title_option(p)
    p.add_argument("--format", choices=("csv", "parquet"), default="csv")
    p.add_argument("--output", help="file (default: stdout); a folder with --source")
    p.add_argument("--language", choices=config.LANGUAGES, help="language of plain text files")
    p.add_argument("--source", help="large corpus: folder of .txt, .jsonl or .parquet (streamed)")
    p.add_argument("--jobs", type=int, default=None, help="processes for --source (default: all cores)")
    p.add_argument("--engine", choices=("local", "dask"), default="local", help="engine for --source")
    p.add_argument("--scheduler", help="dask scheduler address (default: a LocalCluster)")
    csv_option(p)
    add_statement_options(p, title=True, language=False, prefixed=("title",))
    p.set_defaults(func=cmd_count)

    p = sub.add_parser("kwic", help="keywords in context for a pattern or a theme id")
    p.add_argument("pattern", help="word, glob (ukrain*), phrase, or theme id with --dictionary")
    p.add_argument("documents", nargs="*", metavar="DOC_ID_OR_FILE", help="before or after the options")
    p.add_argument("--window", type=int, default=8, help="tokens each side (ignored with --context sentence)")
    p.add_argument(
        "--sort", choices=("position", "left", "right", "keyword"), default="position",
        help="order of the lines: document and position (default), left context from the word before the "
        "keyword outwards (L1, L2...), right context (R1, R2...), or keyword; case and accents ignored",
    )  # fmt: skip
    p.add_argument(
        "--context", choices=("window", "sentence"), default="window",
        help="window: --window tokens each side (default); sentence: the whole sentence of each hit",
    )  # fmt: skip
    p.add_argument("--dictionary", help="dictionary YAML (to look up a theme id)")
    p.add_argument("--corpus", help="manifest CSV")
    p.add_argument("--language", choices=config.LANGUAGES)
    p.add_argument("--format", choices=("text", "csv"), default="text")
    p.add_argument("--output")
    title_option(p)
    csv_option(p)
    add_statement_options(p, title=True, language=False, prefixed=("title",))
    p.set_defaults(func=cmd_kwic)

    p = sub.add_parser("reference", help="build or check the shipped reference features")
    rsub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    b = rsub.add_parser("build", help="derive features from a corpus of full texts")
    b.add_argument("--corpus", required=True, help="manifest of the full texts")
    b.add_argument("--output", default=str(config.PROJECT_REFERENCE_DIR), help="default: data/reference")
    b.add_argument("--dictionary", default=str(config.DEFAULT_DICTIONARY))
    b.add_argument("--jsonl", action="append", default=[], help="JSON Lines source to select from")
    b.set_defaults(func=cmd_reference)
    c = rsub.add_parser("check", help="exit 1 when the reference folder is stale (code, dictionary, sources)")
    c.add_argument("--reference", default=str(config.REFERENCE_DIR), help="folder of reference features")
    c.add_argument("--corpus", help="manifest of the full texts (default: ../shared/corpus/manifest.csv)")
    c.add_argument("--jsonl", action="append", default=[], help="JSON Lines source (default: in ../shared)")
    c.add_argument("--dictionary", default=str(config.DEFAULT_DICTIONARY))
    c.set_defaults(func=cmd_reference_check)

    p = sub.add_parser("compare", help="compare a statement with the reference statements")
    p.add_argument("--focus", help=f"focus document id (default: {config.DEFAULT_FOCUS_ID})")
    p.add_argument("--corpus", help="manifest of the focus (default: data/raw/manifest.csv)")
    p.add_argument("--dictionary", default=str(config.DEFAULT_DICTIONARY))
    p.add_argument("--reference", default=str(config.REFERENCE_DIR), help="folder of reference features")
    p.add_argument("--reference-manifest", help="manifest of full-text reference documents to add")
    p.add_argument(
        "--no-shipped-reference", action="store_true", help="use only --reference-manifest documents"
    )
    p.add_argument(
        "--reference-language", choices=("focus", "all", *config.LANGUAGES), default="focus",
        help="references in this language (default: the focus's; all: every language)",
    )
    p.add_argument("--parties", action="append", help="keep references with this party (repeatable)")
    p.add_argument("--since", help="YYYY-MM-DD")
    p.add_argument("--until", help="YYYY-MM-DD")
    p.add_argument("--window", help="keep references of this window before the focus's date (e.g. 24M, 2Y)")
    p.add_argument("--genre", action="append", help="keep references of this genre (repeatable)")
    p.add_argument("--ids", nargs="+", help="explicit reference ids")
    p.add_argument("--level", choices=("theme", "word", "similarity"), default="theme")
    p.add_argument("--min-count", type=int, default=3, help="minimum focus count to test")
    title_option(p)
    p.add_argument("--format", choices=("csv", "parquet"), default="csv")
    p.add_argument("--output")
    csv_option(p)
    add_statement_options(p, title=True, prefixed=("parties", "genre", "title"))
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "run", help="main job: run the notebooks with papermill and write the PDF report",
        description="Run the notebooks on the focus statement (default: the seed article; --text FILE: "
        "your own) and write the PDF brief and its HTML twin into reports/runs/<run>/.",
        epilog=run_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    p.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE")
    p.add_argument("-f", "--params-file", metavar="PARAMS.yaml")
    p.add_argument("--keep", type=int, default=None, help="keep only the last N runs")
    p.add_argument("--cell-timeout", type=float, default=600, help="seconds per cell")
    p.add_argument("--timeout", type=float, default=1800, help="seconds for the whole run")
    csv_option(p, "run's tables: also copies in tables/<dialect>/; tables/tables.xlsx is always written")
    add_statement_options(p, title=True)
    p.set_defaults(func=cmd_run)
    from analysis.cli_commands import add_subcommands

    add_subcommands(sub)  # init, add, fetch, collocations, lemmas, specificities

    p = sub.add_parser("bench", help="benchmark on real text (../shared/bench) against baselines and peers")
    p.add_argument("--scale", default="1,4,16", help="corpus repetition factors (default 1,4,16)")
    p.add_argument("--quick", action="store_true", help="x1 only (same as --scale 1)")
    p.add_argument(
        "--peers",
        help="comma-separated: nfc_lower,findall,polars,sklearn,spacy,nltk (default: all installed)",
    )
    p.add_argument("--repeats", type=int, default=1, help="runs of each configuration (medians; default 1)")
    p.add_argument("--synthetic-mb", type=float, default=3.0, help="synthetic extra row size (0: none)")
    p.set_defaults(func=cmd_bench)
    return parser


def _exit_code(exc: BaseException) -> int:
    from analysis.compare import SelectionError
    from analysis.corpus import CorpusError, TextError
    from analysis.fetch import FetchError
    from analysis.scale import SourceError
    from analysis.store import OutputRefused
    from analysis.validation import ValidationSetError

    bad_input: tuple[type[BaseException], ...] = (
        UsageError, CorpusError, TextError, SelectionError, SourceError, FileNotFoundError, IsADirectoryError,
        OutputRefused, ValidationSetError, FileExistsError, FetchError,
    )  # fmt: skip
    try:
        from analysis.dictionary import DictionaryError

        bad_input += (DictionaryError,)
    except ImportError:  # pragma: no cover
        pass
    try:
        from analysis.runs import ParameterError, RunFailed, RunLocked, RunTerminated

        if isinstance(exc, RunTerminated):
            return EXIT_TERMINATED
        if isinstance(exc, RunLocked):
            return EXIT_LOCKED
        if isinstance(exc, ParameterError):
            return EXIT_USAGE
        if isinstance(exc, RunFailed):
            return EXIT_FAILED
    except ImportError:  # pragma: no cover
        pass
    if isinstance(exc, bad_input):
        return EXIT_USAGE
    return EXIT_FAILED


def main(argv: list[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +SKIP
    """
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--project")
    known, _rest = early.parse_known_args(argv)
    if known.project:  # before the parser takes its defaults (data/processed...) from the project folder
        if not Path(known.project).is_dir():
            sys.stderr.write(f"analysis: error: --project {known.project}: no such folder\n")
            return EXIT_USAGE
        config.use_project(known.project)
    parser = build_parser()
    # documents may come after options (`kwic 'ukrain*' --window 8 DOC`): argparse leaves those
    # of count and kwic over (and all after a `--`); anything else left over is an error, as parse_args says
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "command", None) in ("count", "kwic"):
        cut = extra.index("--") if "--" in extra else len(extra)
        before, after = extra[:cut], extra[cut + 1 :]
        args.documents = [*args.documents, *(a for a in before if not a.startswith("-")), *after]
        extra = [a for a in before if a.startswith("-")]
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    level = logging.DEBUG if args.debug else logging.WARNING if args.quiet else logging.INFO
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for handler in logging.root.handlers:  # a run lowers the package level for its run.log
        handler.setLevel(level)
    if not args.debug:
        for noisy in ("fontTools", "matplotlib", "traitlets", "papermill", "asyncio"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        # weasyprint warns on every font subset (HarfBuzz-Subset missing): keep its errors only
        logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        _guard_outputs(args)
        return args.func(args)
    except BrokenPipeError:  # output piped into `head`: not an error
        sys.stderr.close()
        return EXIT_OK
    except KeyboardInterrupt:
        sys.stderr.write("analysis: interrupted\n")
        return EXIT_FAILED
    except Exception as exc:  # one clear line, traceback only with --debug
        if args.debug:
            raise
        from analysis.corpus import safe_path

        message = str(exc).strip() or exc.__class__.__name__
        # each line of the message, control characters escaped: no forged or hidden line
        lines = [safe_path(line) for line in message.splitlines()]
        if len(lines) > 1 and hasattr(exc, "problems"):
            sys.stderr.write(f"analysis: error: {lines[0]}\n")
            for line in lines[1:]:
                sys.stderr.write(f"analysis:   {line.strip()}\n")
        else:
            sys.stderr.write(f"analysis: error: {' '.join(lines)}\n")
        return _exit_code(exc)
