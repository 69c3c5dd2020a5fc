"""The instrument measured against human coding: precision, recall and F1 per theme and language.

A *validation set* is a CSV of coded sentences (``resources/validation/coded_sentences.csv``):
each row points into a text we hold (:mod:`analysis.validation_texts`: source, document
id, character offsets, the sha256 of the span) and lists the root themes a coder
assigned, with the words that made the decision. No sentence is stored.

:func:`textstat_validation` cleans each sentence as a statement is cleaned (every step
but the title line), counts it with the dictionary (the one matching engine,
:func:`analysis.lookup.tokens_lookup`) and compares, per root theme, "the dictionary
counts at least one hit in the sentence" with "the coder assigned the theme":

- precision = TP / (TP + FP), recall = TP / (TP + FN), F1 their harmonic mean,
  support = TP + FN (the sentences coded with the theme);
- every disagreement is listed: a false positive with the words the dictionary
  matched, a false negative with the words the coder marked.

A theme below :data:`FLAG_BELOW` precision or recall is flagged wherever it is reported.

Examples
--------
>>> scores = score_table([("en", "arctic", True, True), ("en", "arctic", True, False),
...                       ("en", "arctic", False, True)])
>>> row = scores.iloc[0]
>>> int(row.tp), int(row.fp), int(row.fn), float(row.precision), float(row.recall)
(1, 1, 1, 0.5, 0.5)
"""

from __future__ import annotations

import csv
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis import config

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.dictionary import Dictionary

logger = logging.getLogger(__name__)

VALIDATION_DIR: Path = config.RESOURCES_DIR / "validation"
DEFAULT_SET: Path = VALIDATION_DIR / "coded_sentences.csv"
COLUMNS = ("source", "doc_id", "start", "end", "language", "sha256", "themes", "evidence", "coder", "sample")
#: A theme with precision or recall below this is flagged.
FLAG_BELOW = 0.7
#: A theme's held-out figures flag it only with at least this many held-out coded sentences.
HELDOUT_MIN_SUPPORT = 5
#: The cleaning of a sentence: every step of a statement but the title line.
SENTENCE_STEPS = ("html", "markdown", "boilerplate", "unwrap", "typography")


class ValidationSetError(ValueError):
    """A validation set that cannot be read (columns, offsets, unknown themes)."""


def span_sha256(text: str) -> str:
    """The first 16 hex digits of the sha256 of a span's UTF-8 bytes.

    Examples
    --------
    >>> span_sha256("abc")
    'ba7816bf8f01cfea'
    """
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def coded_sentences(path: Path | str = DEFAULT_SET, *, themes: set[str] | None = None) -> pd.DataFrame:
    """Read and check a validation set.

    Parameters
    ----------
    path : path-like
        The CSV (columns :data:`COLUMNS`, extra columns kept).
    themes : set of str, optional
        The root theme ids allowed in ``themes``.

    Returns
    -------
    pandas.DataFrame
        One row per sentence, ``themes`` as a tuple of ids, ``start``/``end`` int.

    Raises
    ------
    ValidationSetError
        Missing columns, bad offsets, a language other than fr/en, an unknown theme.

    Examples
    --------
    >>> coded = coded_sentences()  # doctest: +SKIP
    """
    import pandas as pd

    path = Path(path)
    from analysis.validation_texts import SOURCES

    with open(path, encoding="utf-8-sig", newline="") as fh:  # a BOM (a spreadsheet's export) is allowed
        rows = list(csv.DictReader(fh))
    missing = [c for c in COLUMNS if rows and c not in rows[0]]
    if not rows or missing:
        raise ValidationSetError(f"{path}: no rows or missing columns {missing}")
    problems = []
    for i, row in enumerate(rows, start=2):
        empty = [c for c in COLUMNS if row.get(c) is None]
        if empty:
            problems.append(f"line {i}: no value for {empty}")
            continue
        if row["source"] not in SOURCES:
            problems.append(f"line {i}: unknown source {row['source']!r} (known: {', '.join(SOURCES)})")
        row["sha256"] = row["sha256"].strip().lower()
        try:
            start, end = int(row["start"]), int(row["end"])
        except ValueError:
            problems.append(f"line {i}: offsets {row['start']!r}, {row['end']!r} are not integers")
            continue
        if not 0 <= start < end:
            problems.append(f"line {i}: offsets {start}-{end} do not make a span")
        if row["language"] not in config.LANGUAGES:
            problems.append(f"line {i}: language {row['language']!r}")
        row["themes"] = tuple(sorted(t.strip() for t in row["themes"].split(";") if t.strip()))
        unknown = [t for t in row["themes"] if themes is not None and t not in themes]
        if unknown:
            problems.append(f"line {i}: unknown themes {unknown}")
        row["start"], row["end"] = start, end
    if problems:
        raise ValidationSetError(f"{path}: " + "; ".join(problems[:10]))
    out = pd.DataFrame(rows)
    if out.duplicated(["source", "doc_id", "start", "end"]).any():
        raise ValidationSetError(f"{path}: a sentence is listed twice")
    return out


def sentence_texts(coded: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """The coded sentences whose texts we hold, with their ``text``; and why the others were skipped.

    A sentence is skipped when its source is absent (``../shared`` not here) or
    when the span's sha256 is not the set's (the text changed since it was coded).
    ``ValidationSetError`` for a document its source does not hold, a span past the
    end of its text, or a language that is not the text's.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame([{"source": "seed", "doc_id": config.DEFAULT_FOCUS_ID, "start": 0, "end": 9,
    ...                       "language": "fr", "sha256": "0" * 16}])
    >>> kept, skipped = sentence_texts(rows)
    >>> len(kept), skipped
    (0, ['seed fr-ca-2024-09-26-press-fr 0-9: the text changed since it was coded (sha256)'])
    """
    from analysis.validation_texts import held_text

    keep, texts, skipped = [], [], []
    absent: dict[str, int] = {}
    for i, row in enumerate(coded.itertuples(index=False)):
        where = f"{row.source} {row.doc_id} {row.start}-{row.end}"
        try:
            held = held_text(row.source, row.doc_id)
        except KeyError as exc:
            raise ValidationSetError(f"{where}: {exc.args[0]}") from None
        if held is not None and row.end > len(held[1]):
            raise ValidationSetError(f"{where}: the span ends after the text ({len(held[1])} characters)")
        if held is not None and held[0] != row.language:
            raise ValidationSetError(f"{where}: coded as {row.language!r}, the text is {held[0]!r}")
        if held is None:
            absent[row.source] = absent.get(row.source, 0) + 1
            continue
        span = held[1][row.start : row.end]
        if span_sha256(span) != row.sha256:
            skipped.append(f"{where}: the text changed since it was coded (sha256)")
            continue
        keep.append(i)
        texts.append(span)
    skipped += [f"{n} sentences of source {s!r}: text absent" for s, n in sorted(absent.items())]
    out = coded.iloc[keep].copy()
    out["text"] = texts
    return out.reset_index(drop=True), skipped


def score_table(decisions: list[tuple[str, str, bool, bool]]) -> pd.DataFrame:
    """Precision, recall, F1 and support from (language, theme, coded, predicted) decisions.

    Rows per theme and language, then per theme over both languages (``language``
    ``all``); NaN where a ratio has no denominator; ``flag`` True when precision
    or recall is below :data:`FLAG_BELOW`.

    Examples
    --------
    >>> t = score_table([("fr", "arctic", True, True), ("fr", "arctic", False, False)])
    >>> t[["language", "theme", "support", "precision", "recall", "f1", "flag"]].values.tolist()[0]
    ['fr', 'arctic', 1, 1.0, 1.0, 1.0, False]
    """
    import pandas as pd

    d = pd.DataFrame(decisions, columns=["language", "theme", "coded", "predicted"]).astype(
        {"coded": bool, "predicted": bool}
    )
    both = d.assign(language="all")
    rows = []
    for (lang, theme), g in pd.concat([d, both]).groupby(["language", "theme"], sort=True):
        tp = int((g["coded"] & g["predicted"]).sum())
        fp = int((~g["coded"] & g["predicted"]).sum())
        fn = int((g["coded"] & ~g["predicted"]).sum())
        precision = tp / (tp + fp) if tp + fp else float("nan")
        recall = tp / (tp + fn) if tp + fn else float("nan")
        f1 = 2 * precision * recall / (precision + recall) if tp else (0.0 if fp + fn else float("nan"))
        flag = bool((precision < FLAG_BELOW) or (recall < FLAG_BELOW))
        rows.append({"language": lang, "theme": theme, "sentences": len(g), "support": tp + fn, "tp": tp,
                     "fp": fp, "fn": fn, "precision": precision, "recall": recall, "f1": f1,
                     "flag": flag})  # fmt: skip
    order = {"fr": 0, "en": 1, "all": 2}
    out = pd.DataFrame(rows, columns=["language", "theme", "sentences", "support", "tp", "fp", "fn",
                                      "precision", "recall", "f1", "flag"])  # fmt: skip
    return out.sort_values(["theme", "language"], key=lambda s: s.map(order) if s.name == "language" else s,
                           kind="stable").reset_index(drop=True)  # fmt: skip


@dataclass
class Validation:
    """The dictionary against a validation set.

    Attributes
    ----------
    scores : pandas.DataFrame
        :func:`score_table`: per root theme and language (``fr``, ``en``, ``all``).
    disagreements : pandas.DataFrame
        ``source, doc_id, start, end, language, theme, kind`` (``false_positive`` /
        ``false_negative``), ``matched`` (the words the dictionary matched), ``evidence``
        (the words the coder marked for that theme).
    sentences : int
        Sentences compared.
    heldout : pandas.DataFrame or None
        :func:`score_table` of the sentences whose ``split`` is ``test``: documents left
        out when the dictionary was revised (out-of-sample figures); None without a split.
    heldout_sentences : int
        How many.
    skipped : list of str
        Sentences not compared, and why.
    skipped_sentences : int
        How many sentences were not compared.
    from_summary : bool
        True when read from :data:`SUMMARY_FILE` (the texts are not on this machine).
    dictionary : dict
        ``name, version, sha256`` of the instrument measured.
    set_sha256 : str
        Of the validation set's file.
    """

    scores: pd.DataFrame
    disagreements: pd.DataFrame
    sentences: int
    heldout: pd.DataFrame | None = None
    heldout_sentences: int = 0
    skipped: list[str] = field(default_factory=list)
    skipped_sentences: int = 0
    from_summary: bool = False
    dictionary: dict[str, str] = field(default_factory=dict)
    set_sha256: str = ""

    def flagged(self) -> list[str]:
        """Root themes flagged: precision or recall below :data:`FLAG_BELOW` (both languages).

        On the whole set, or on the held-out sentences when the theme has at least
        :data:`HELDOUT_MIN_SUPPORT` of them there (the out-of-sample figure is the one to trust).
        """
        s = self.scores
        out = set(s.loc[(s["language"] == "all") & s["flag"], "theme"])
        if self.heldout is not None:
            h = self.heldout
            out |= set(h.loc[(h["language"] == "all") & h["flag"] & (h["support"] >= HELDOUT_MIN_SUPPORT),
                             "theme"])  # fmt: skip
        return sorted(out)


def _evidence(value: str) -> dict[str, str]:
    """``"a=x|y; b=z"`` -> ``{"a": "x|y", "b": "z"}``."""
    out = {}
    for part in str(value or "").split(";"):
        theme, _, words = part.partition("=")
        if theme.strip():
            out[theme.strip()] = words.strip()
    return out


def textstat_validation(
    coded: pd.DataFrame | Path | str = DEFAULT_SET,
    dictionary: Dictionary | Path | str = config.DEFAULT_DICTIONARY,
) -> Validation:
    """Compare the dictionary's hits with a coder's themes, sentence by sentence.

    Parameters
    ----------
    coded : pandas.DataFrame or path-like
        A validation set (:func:`coded_sentences`) or its path.
    dictionary : Dictionary or path-like
        The instrument.

    Returns
    -------
    Validation

    Examples
    --------
    >>> v = textstat_validation()  # doctest: +SKIP
    >>> v.scores.query("language == 'all'")[["theme", "precision", "recall"]]  # doctest: +SKIP
    """
    import pandas as pd

    from analysis.clean import clean_text
    from analysis.corpus import sha256_file
    from analysis.dictionary import Dictionary
    from analysis.dictionary import dictionary as load_dictionary
    from analysis.lookup import tokens_lookup
    from analysis.tokens import tokens

    dic = dictionary if isinstance(dictionary, Dictionary) else load_dictionary(dictionary)
    roots = [t.id for t in dic.themes if not t.parent]
    set_sha = ""
    if not isinstance(coded, pd.DataFrame):
        set_sha = sha256_file(coded)
        coded = coded_sentences(coded, themes=set(roots))
    held, skipped = sentence_texts(coded)
    docs = pd.DataFrame({
        "doc_id": [f"s{i:05d}" for i in range(len(held))],
        "text": [clean_text(t, language=lang, steps=SENTENCE_STEPS, audit=False).text
                 for t, lang in zip(held["text"], held["language"], strict=True)],
        "language": held["language"].tolist(),
    })  # fmt: skip
    look = tokens_lookup(tokens(docs), dic) if len(docs) else None
    hits = look.hits if look is not None else pd.DataFrame(columns=["doc_id", "theme", "surface"])
    matched = hits[hits["theme"].isin(roots)].groupby(["doc_id", "theme"])["surface"].agg(
        lambda s: "|".join(dict.fromkeys(s))
    )
    decisions, rows, heldout = [], [], []
    splits = held["split"] if "split" in held.columns else pd.Series([""] * len(held))
    for doc_id, row, split in zip(docs["doc_id"], held.itertuples(index=False), splits, strict=True):
        coder = set(row.themes)
        evidence = _evidence(row.evidence)
        for theme in roots:
            words = matched.get((doc_id, theme), "")
            predicted, is_coded = bool(words), theme in coder
            decisions.append((row.language, theme, is_coded, predicted))
            if split == "test":
                heldout.append((row.language, theme, is_coded, predicted))
            if predicted != is_coded:
                rows.append({"source": row.source, "doc_id": row.doc_id, "start": row.start, "end": row.end,
                             "language": row.language, "theme": theme,
                             "kind": "false_positive" if predicted else "false_negative",
                             "matched": words, "evidence": evidence.get(theme, "")})  # fmt: skip
    scores = score_table(decisions)
    logger.info("validation: %d sentences, %d disagreements, %d skipped", len(held), len(rows), len(skipped))
    return Validation(
        scores=scores,
        disagreements=pd.DataFrame(rows, columns=["source", "doc_id", "start", "end", "language", "theme",
                                                  "kind", "matched", "evidence"]),  # fmt: skip
        sentences=len(held),
        heldout=score_table(heldout) if heldout else None,
        heldout_sentences=int((splits == "test").sum()),
        skipped=skipped,
        skipped_sentences=len(coded) - len(held),
        dictionary={"name": dic.name, "version": dic.version, "sha256": dic.hash},
        set_sha256=set_sha,
    )


def agreement(first: pd.DataFrame, second: pd.DataFrame, themes: list[str]) -> pd.DataFrame:
    """Agreement of two coders on the sentences both coded: per theme, Cohen's κ and raw agreement.

    Examples
    --------
    >>> import pandas as pd
    >>> a = pd.DataFrame({"source": ["x"] * 4, "doc_id": ["d"] * 4, "start": [0, 1, 2, 3],
    ...                   "end": [1, 2, 3, 4], "themes": [("arctic",), (), ("arctic",), ()]})
    >>> b = a.assign(themes=[("arctic",), (), (), ()])
    >>> r = agreement(a, b, ["arctic"]).iloc[0]
    >>> int(r.sentences), int(r.agree), float(r.kappa)
    (4, 3, 0.5)
    """
    import pandas as pd

    key = ["source", "doc_id", "start", "end"]
    both = first.merge(second, on=key, suffixes=("_1", "_2"))
    rows = []
    for theme in themes:
        x = both["themes_1"].map(lambda t, th=theme: th in t)
        y = both["themes_2"].map(lambda t, th=theme: th in t)
        n = len(both)
        observed = float((x == y).mean()) if n else float("nan")
        expected = float(x.mean() * y.mean() + (1 - x.mean()) * (1 - y.mean())) if n else float("nan")
        kappa = (observed - expected) / (1 - expected) if n and expected < 1 else float("nan")
        rows.append({"theme": theme, "sentences": n, "agree": int((x == y).sum()), "first": int(x.sum()),
                     "second": int(y.sum()), "kappa": kappa})  # fmt: skip
    return pd.DataFrame(rows)


def validation_text(v: Validation, *, disagreements: bool = False, language: str | None = None) -> str:
    """The validation as a plain-text table (what ``python -m analysis validate`` prints).

    Examples
    --------
    >>> import pandas as pd
    >>> v = Validation(scores=score_table([("en", "arctic", True, True)]), disagreements=pd.DataFrame(),
    ...                sentences=1, dictionary={"name": "d", "version": "1", "sha256": "0" * 64})
    >>> print(validation_text(v).splitlines()[2])
    arctic                  en            1       1  1.00  1.00  1.00
    """
    d = v.dictionary
    lines = [
        f"Instrument {d.get('name')} {d.get('version')} (sha256 {str(d.get('sha256'))[:12]}…) against "
        f"{v.sentences} coded sentences; {v.skipped_sentences} skipped",
        f"{'theme':<22}  {'lang':<4}  {'sentences':>9}  {'support':>6}  {'P':>4}  {'R':>4}  {'F1':>4}",
    ]

    def num(x: float) -> str:
        return "   –" if x != x else f"{x:4.2f}"

    flagged_ids = set(v.flagged())
    for r in v.scores.itertuples(index=False):
        mark = "  < " + f"{FLAG_BELOW:.2f}" if r.flag else ""
        if r.language == "all" and r.theme in flagged_ids:
            mark += "  flagged"
        lines.append(f"{r.theme:<22}  {r.language:<4}  {r.sentences:>9}  {r.support:>6}  {num(r.precision)}  "
                     f"{num(r.recall)}  {num(r.f1)}{mark}")  # fmt: skip
    flagged = v.flagged()
    lines.append(f"flagged (precision or recall below {FLAG_BELOW:.2f} on all sentences, or held out with "
                 f"at least {HELDOUT_MIN_SUPPORT} there): {', '.join(flagged) or 'none'}")  # fmt: skip
    if v.heldout is not None:
        lines.append(f"held out ({v.heldout_sentences} sentences of documents set aside when the dictionary "
                     "was revised), both languages:")  # fmt: skip
        for r in v.heldout[v.heldout["language"] == "all"].itertuples(index=False):
            lines.append(f"  {r.theme:<22}  support {r.support:>3}  P {num(r.precision)}  R {num(r.recall)}")
    lines += [f"skipped: {s}" for s in v.skipped]
    if disagreements:
        dis = v.disagreements
        if language:
            dis = dis[dis["language"] == language]
        for r in dis.itertuples(index=False):
            words = r.matched if r.kind == "false_positive" else r.evidence
            what = "matched" if r.kind == "false_positive" else "coder marked"
            lines.append(f"{r.kind:<14}  {r.theme:<22}  {r.source} {r.doc_id} {r.start}-{r.end}  "
                         f"{what}: {words or '–'}")  # fmt: skip
    return "\n".join(lines) + "\n"


SUMMARY_FILE: Path = VALIDATION_DIR / "summary.json"
"""The figures of the last complete validation (``python -m analysis validate --save-summary``): what a
machine without the texts (``../shared``) reports, for the dictionary whose sha256 it names."""


def validation_summary(v: Validation) -> dict[str, Any]:
    """The figures of a validation as plain data (:data:`SUMMARY_FILE`).

    Examples
    --------
    >>> import pandas as pd
    >>> v = Validation(scores=score_table([("en", "arctic", True, True)]), disagreements=pd.DataFrame(),
    ...                sentences=1)
    >>> validation_summary(v)["flagged"]
    []
    """

    def records(df: pd.DataFrame | None) -> list[dict[str, Any]] | None:
        if df is None:
            return None
        return [{k: (None if isinstance(x, float) and x != x else x) for k, x in r.items()}
                for r in df.to_dict(orient="records")]  # fmt: skip

    return {
        "sentences": v.sentences,
        "skipped": v.skipped_sentences,
        "heldout_sentences": v.heldout_sentences,
        "dictionary": v.dictionary,
        "set_sha256": v.set_sha256,
        "flagged": v.flagged(),
        "scores": records(v.scores),
        "heldout": records(v.heldout),
    }


def validation_from_summary(summary: dict[str, Any]) -> Validation:
    """A :class:`Validation` from :func:`validation_summary`'s data (no disagreements).

    Examples
    --------
    >>> import pandas as pd
    >>> v = Validation(scores=score_table([("en", "arctic", True, True)]), disagreements=pd.DataFrame(),
    ...                sentences=1)
    >>> validation_from_summary(validation_summary(v)).scores.equals(v.scores)
    True
    """
    import pandas as pd

    def frame(rows: list[dict[str, Any]] | None) -> pd.DataFrame | None:
        if rows is None:
            return None
        floats = {"precision": float, "recall": float, "f1": float}
        return pd.DataFrame(rows, columns=score_table([]).columns).astype(floats)

    return Validation(
        scores=frame(summary["scores"]), disagreements=pd.DataFrame(), sentences=int(summary["sentences"]),
        heldout=frame(summary.get("heldout")), heldout_sentences=int(summary.get("heldout_sentences", 0)),
        skipped_sentences=int(summary.get("skipped", 0)), dictionary=dict(summary["dictionary"]),
        set_sha256=str(summary.get("set_sha256", "")), from_summary=True,
    )  # fmt: skip
