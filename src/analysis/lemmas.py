"""Lemmas, offline: ``tokens_lemmatize``, lemma counts, and the ``lemmas`` subcommand.

Lemmas come from simplemma (``simplemma.lemmatize(word, lang=...)``), which ships its
French and English data inside the package and reads nothing from the network. It looks
each word up on its own, without its context, so a form with two readings always gets the
same lemma: ``armées`` is the noun ``armée`` even in ``forces armées`` (the adjective
``armé``), ``été`` is always ``être``. Known mistakes on diplomatic vocabulary are listed
in ``tests/test_lemmas.py``.

The ``lemma`` column is lower case (NFC, every apostrophe as ``'``); matching folds it
like a key (:func:`analysis.patterns.fold`). Dictionary patterns reach it with a
``lemma:`` part (``lemma:renforcer``, ``lemma:force lemma:armée``), matched by the one
engine (:class:`analysis.matcher.Matcher`); :func:`analysis.lookup.tokens_lookup`
lemmatises the tokens itself when, and only when, the dictionary holds such a pattern.

Examples
--------
>>> from analysis.tokens import tokens
>>> toks = tokens_lemmatize(tokens("Les alliés renforcent la coopération.", language="fr"))
>>> toks.data["lemma"].tolist()
['le', 'allié', 'renforcer', 'le', 'coopération', '.']
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
import unicodedata
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from analysis import config
from analysis.patterns import LEMMA_PREFIX
from analysis.tokens import APOSTROPHES, Tokens, match_key

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.dictionary import Dictionary

logger = logging.getLogger(__name__)

__all__ = [
    "add_lemmas_parser",
    "cmd_lemmas",
    "dictionary_uses_lemmas",
    "lemma_counts",
    "lemmatize_word",
    "tokens_lemmatize",
]

CACHE_SIZE = 500_000
"""Distinct (word, language) pairs whose lemma is kept (:func:`lemmatize_word`)."""

_APOS_TABLE = str.maketrans({c: "'" for c in APOSTROPHES})


def _simplemma_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("simplemma")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"


@functools.lru_cache(maxsize=CACHE_SIZE)
def lemmatize_word(word: str, language: str) -> str:
    """Lemma of one word, lower case (simplemma, offline), cached per (word, language).

    The word is given to simplemma as written (NFC, every apostrophe as ``'``): its
    capital letter keeps a proper noun whole (``Paris``, not the lower-case ``paris`` ->
    ``pari``); the lemma is then folded like the ``lower`` column
    (:func:`analysis.tokens.match_key` with accents).

    Parameters
    ----------
    word : str
        One token's surface form.
    language : {"fr", "en"}

    Returns
    -------
    str

    Examples
    --------
    >>> lemmatize_word("renforcent", "fr"), lemmatize_word("Paris", "fr"), lemmatize_word("agreed", "en")
    ('renforcer', 'paris', 'agree')
    >>> lemmatize_word("l’", "fr"), lemmatize_word("œuvrent", "fr")
    ('le', 'oeuvrer')
    """
    import simplemma

    if language not in config.LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {config.LANGUAGES}")
    text = unicodedata.normalize("NFC", word).translate(_APOS_TABLE)
    if not text:
        return text
    # simplemma knows "oeuvrer", not "œuvrer": the ligatures are spelt out for it
    spelt = text.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    return match_key(simplemma.lemmatize(spelt, lang=language), accents=True)


def lemma_pattern_notes(pattern: str, languages: list[str]) -> list[str]:
    """Why a ``lemma:`` part may match nothing: its word is not its own lemma for simplemma.

    Examples
    --------
    >>> lemma_pattern_notes("lemma:defence", ["en"])
    ["lemma:defence: simplemma's lemma of 'defence' is 'defense' (en): write lemma:defense"]
    >>> lemma_pattern_notes("lemma:renforcer", ["fr"])
    []
    """
    notes = []
    for part in pattern.split():
        if not part.startswith("lemma:"):
            continue
        word = part.removeprefix("lemma:")
        for language in languages:
            lemma = lemmatize_word(word, language)
            if lemma != match_key(word, accents=True):
                why = f"simplemma's lemma of {word!r} is {lemma!r} ({language})"
                notes.append(f"{part}: {why}: write lemma:{lemma}")
    return notes


def tokens_lemmatize(toks: Tokens, *, lang: str | None = None) -> Tokens:
    """Return tokens with a ``lemma`` column (simplemma, by document language).

    Punctuation and numbers keep their ``lower`` form. Each distinct (surface,
    language) pair is lemmatised once (:func:`lemmatize_word` is cached).

    Parameters
    ----------
    toks : Tokens
        From :func:`analysis.tokens.tokens`.
    lang : {"fr", "en"}, optional
        Lemmatise every document in this language instead of its own ``language``.

    Returns
    -------
    Tokens
        A copy whose ``data`` has a ``lemma`` column; ``history`` ends with
        ``{"op": "tokens_lemmatize", "lemmatizer": "simplemma", "simplemma_version": ..., "lang": lang}``.

    Examples
    --------
    >>> from analysis.tokens import tokens
    >>> toks = tokens_lemmatize(tokens("Canada and France agreed, 2 times.", language="en"))
    >>> toks.data[["surface", "lemma"]].values.tolist()[2:]
    [['France', 'france'], ['agreed', 'agree'], [',', ','], ['2', '2'], ['times', 'time'], ['.', '.']]
    >>> toks.history[-1]["op"]
    'tokens_lemmatize'
    """
    import time

    import pandas as pd

    if lang is not None and lang not in config.LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; expected one of {config.LANGUAGES}")
    began = time.perf_counter()
    data = toks.data.copy()
    if lang is None:
        lang_of = dict(zip(toks.docs["doc_id"], toks.docs["language"], strict=True))
        languages = data["doc_id"].map(lang_of)
    else:
        languages = pd.Series(lang, index=data.index)
    lemma = data["lower"].copy()  # punctuation and numbers keep themselves
    words = data["kind"] == "word"
    distinct = 0
    for language in languages[words].unique():
        mask = words & (languages == language)
        surfaces = data.loc[mask, "surface"]
        table = {s: lemmatize_word(s, language) for s in surfaces.unique()}  # one call per distinct form
        distinct += len(table)
        lemma[mask] = surfaces.map(table)
    data["lemma"] = lemma
    entry = {
        "op": "tokens_lemmatize",
        "lemmatizer": "simplemma",
        "simplemma_version": _simplemma_version(),
        "lang": lang,
    }
    logger.info(
        "tokens_lemmatize: %d tokens, %d distinct forms, %.2f s",
        len(data), distinct, time.perf_counter() - began,
    )  # fmt: skip
    return Tokens(data=data, docs=toks.docs, history=[*toks.history, entry])


def lemma_counts(toks: Tokens) -> pd.DataFrame:
    """Count lemmas per document, punctuation excluded, with the form a reader knows.

    Like :func:`analysis.tokens.key_counts`, on the ``lemma`` column (the tokens are
    lemmatised first when they have none). ``form`` is the most frequent surface form
    of the lemma in the document, written as :func:`analysis.kwic.key_forms` writes a
    key: lower case unless every occurrence is capitalised (``Canada``), accents kept;
    a tie goes to the form met first.

    Parameters
    ----------
    toks : Tokens

    Returns
    -------
    pandas.DataFrame
        ``doc_id, lemma, count, form`` sorted by document then lemma; per document the
        counts add up to its ``n_tokens``.

    Examples
    --------
    The counts feed :func:`analysis.textstat.textstat_keyness` as they are (one Series
    per side, the documents' token totals as denominators):

    >>> import pandas as pd
    >>> from analysis.textstat import textstat_keyness
    >>> from analysis.tokens import tokens
    >>> docs = pd.DataFrame({"doc_id": ["a", "b"], "language": ["fr", "fr"], "text": [
    ...     "Alphaland renforce la sécurité. Syldavie renforcent les sécurités. On renforcera.",
    ...     "Syldavie parle de paix. La paix, la paix et encore la paix."]})
    >>> toks = tokens(docs)
    >>> counts = lemma_counts(toks)
    >>> a = counts[counts["doc_id"] == "a"].set_index("lemma")
    >>> a.loc[["renforcer", "sécurité", "syldavie"], ["count", "form"]].values.tolist()
    [[3, 'renforce'], [2, 'sécurité'], [1, 'Syldavie']]
    >>> side = {d: g.set_index("lemma")["count"] for d, g in counts.groupby("doc_id")}
    >>> n = toks.n_tokens()
    >>> k = textstat_keyness(side["a"], int(n["a"]), side["b"], int(n["b"]), item="lemma", min_count=2)
    >>> k[k["lemma"] == "renforcer"][["focus_count", "reference_count", "direction"]].values.tolist()
    [[3, 0, 'none']]
    """
    import unicodedata as ud

    import pandas as pd

    if "lemma" not in toks.data.columns:
        toks = tokens_lemmatize(toks)
    words = toks.data[toks.data["kind"] != "punct"]
    surface = words["surface"].map(lambda s: ud.normalize("NFC", s))
    capital = (
        surface.str[:1].str.isupper().groupby([words["doc_id"], words["lemma"]]).transform("all").astype(bool)
    )
    frame = pd.DataFrame(
        {
            "doc_id": words["doc_id"].to_numpy(),
            "lemma": words["lemma"].to_numpy(),
            "form": surface.where(capital, words["lower"]).to_numpy(),
            "order": range(len(words)),
        }
    )
    ranked = (
        frame.groupby(["doc_id", "lemma", "form"], sort=False)["order"]
        .agg(["size", "min"])
        .reset_index()
        .sort_values(
            ["doc_id", "lemma", "size", "min"], ascending=[True, True, False, True], kind="mergesort"
        )
    )
    forms = ranked.drop_duplicates(["doc_id", "lemma"]).set_index(["doc_id", "lemma"])["form"]
    out = frame.groupby(["doc_id", "lemma"], sort=True).size().rename("count").reset_index()
    out["count"] = out["count"].astype("int64")
    out["form"] = forms.reindex(pd.MultiIndex.from_frame(out[["doc_id", "lemma"]])).to_numpy()
    return out


def dictionary_uses_lemmas(dictionary: Dictionary, languages: Iterable[str] | None = None) -> bool:
    """Whether a dictionary holds a ``lemma:`` pattern (include or exclude) in one of ``languages``.

    :func:`analysis.lookup.tokens_lookup` lemmatises the tokens only then.

    Examples
    --------
    >>> from analysis import config
    >>> from analysis.dictionary import dictionary
    >>> dictionary_uses_lemmas(dictionary(config.DEFAULT_DICTIONARY))
    False
    """
    wanted = None if languages is None else set(languages)
    for t in dictionary.themes:
        for table in (t.patterns, t.exclude):
            for lang, patterns in table.items():
                if wanted is not None and lang not in wanted:
                    continue
                if any(part.startswith(LEMMA_PREFIX) for p in patterns for part in p.parts):
                    return True
    return False


# ----------------------------------------------------------------------------- command line
def cmd_lemmas(args: argparse.Namespace) -> int:
    """``python -m analysis lemmas FILE_OR_DOC...``: every token's surface and lemma.

    ``text``: ``surface<TAB>lemma`` per token (a ``# doc_id`` line before each document
    when there are several); ``csv``: ``doc_id, position, surface, lemma, kind``.
    """
    from analysis.clean import corpus_clean
    from analysis.cli_text import load_documents
    from analysis.tokens import tokens

    corp = corpus_clean(load_documents(args.documents, args.corpus, args.language), title=args.title)
    toks = tokens_lemmatize(tokens(corp))
    data = toks.data
    if args.format == "csv":
        table = data[["doc_id", "position", "surface", "lemma", "kind"]]
        table.to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    several = data["doc_id"].nunique() > 1
    current = None
    for doc_id, surface, lemma in zip(data["doc_id"], data["surface"], data["lemma"], strict=True):
        if several and doc_id != current:
            sys.stdout.write(f"# {doc_id}\n")
            current = doc_id
        sys.stdout.write(f"{surface}\t{lemma}\n")
    return 0


def add_lemmas_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``lemmas`` subcommand to the subcommands of a parser.

    Examples
    --------
    >>> p = argparse.ArgumentParser()
    >>> _ = add_lemmas_parser(p.add_subparsers())
    >>> args = p.parse_args(["lemmas", "statement.txt", "--language", "fr", "--format", "csv"])
    >>> args.documents, args.language, args.format, args.func is cmd_lemmas
    (['statement.txt'], 'fr', 'csv', True)
    """
    p = sub.add_parser(
        "lemmas",
        help="print each token and its lemma (simplemma, offline): surface<TAB>lemma",
        description="Clean and tokenise documents (ids of the manifest or plain text files), then print "
        "every token with its lemma, lower case, as lemma: dictionary patterns match it.",
    )
    p.add_argument("documents", nargs="+", metavar="FILE_OR_DOC", help="document id or plain text file")
    p.add_argument(
        "--language", choices=config.LANGUAGES, help="language of plain text files (default: detected)"
    )
    p.add_argument("--corpus", help="manifest CSV (default: data/raw/manifest.csv)")
    p.add_argument("--format", choices=("text", "csv"), default="text")
    from analysis.cli_text import title_option

    title_option(p)
    p.set_defaults(func=cmd_lemmas)
    return p
