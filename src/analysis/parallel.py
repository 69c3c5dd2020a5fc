"""The bilingual dictionary measured on real parallel versions: agreement of hits per theme.

Issue 21, item 3. Two language versions of one statement say the same thing sentence by
sentence: a bilingual instrument should hit the same themes in a sentence and in its
translation. :func:`textstat_parallel` aligns each held pair of versions
(:func:`analysis.diff.compare_statements`, ``translated`` pairs), takes the themes hit in each
sentence (:func:`analysis.quotes.sentence_theme_hits`) and pools, per theme, the 2×2 table of
"hit in the French sentence" × "hit in the English sentence" over every pair, with Cohen's κ
(:func:`analysis.quotes.cohen_kappa`). The pairs where one language hits and the other does not
are listed with the words matched: where the French and English lists are not equivalent.

The pairs are declared in :data:`PAIRS_FILE` (ids into ``../shared``, never their text);
``python -m analysis validate --save-summary`` (``make validation``) saves the figures in
:data:`PARALLEL_FILE` for machines without the texts, and the report's annex prints them for
the dictionary whose sha256 they name.
"""

from __future__ import annotations

import csv
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from analysis.validation import VALIDATION_DIR

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.dictionary import Dictionary

logger = logging.getLogger(__name__)

__all__ = [
    "PAIRS_FILE", "PARALLEL_FILE", "ParallelValidation", "pairs_held", "parallel_from_summary",
    "parallel_pairs", "parallel_summary", "parallel_validation", "save_parallel", "textstat_parallel",
]  # fmt: skip

PAIRS_FILE: Path = VALIDATION_DIR / "parallel_pairs.csv"
"""The parallel versions held in ``../shared``: ``pair, fr_source, fr_key, en_source, en_key, label_fr,
label_en, note``; a key is :func:`analysis.validation_texts.id_key` of the document's id in its source
(those ids are slugs of the titles: the file holds no run of the texts' words)."""
PARALLEL_FILE: Path = VALIDATION_DIR / "parallel.json"
"""The figures of the last complete measurement (``python -m analysis validate --save-summary``)."""

TABLE_COLUMNS = ["theme", "n", "both", "fr_only", "en_only", "neither", "po", "pe", "kappa"]
PAIR_COLUMNS = ["pair", "fr_key", "en_key", "label_fr", "label_en", "fr_sentences", "en_sentences",
                "translated", "fr_sha256", "en_sha256"]  # fmt: skip
DISAGREEMENT_COLUMNS = ["pair", "theme", "fr_index", "en_index", "hit_in", "matched"]
TEXT_COLUMNS = ["fr_text", "en_text"]
"""The two sentences of a disagreement: in a measurement made here, never in :data:`PARALLEL_FILE`."""
MIN_POSITIVES = 5
"""Fewest sentence pairs where either language finds a theme for its κ to be printed and judged."""


@dataclass
class ParallelValidation:
    """Result of :func:`textstat_parallel`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per root theme: ``theme, n`` (translated sentence pairs compared),
        ``both, fr_only, en_only, neither`` (pooled over the pairs), ``po, pe, kappa``.
    pairs : pandas.DataFrame
        One row per pair of versions: ids, sentences of each, ``translated`` pairs, and
        the first 16 hex digits of the sha256 of each raw text.
    disagreements : pandas.DataFrame
        ``pair, theme, fr_index, en_index`` (sentence indexes, ``;`` between merged ones),
        ``hit_in`` (``fr`` or ``en``) and ``matched`` (the words that hit, at most ten); computed
        here (not read from :data:`PARALLEL_FILE`), also ``fr_text, en_text``: the two sentences,
        to check each disagreement by eye.
    dictionary : dict
        ``name, version, sha256`` of the dictionary measured.
    skipped : list of str
        Pairs not measured because their texts are absent.
    from_summary : bool
        True when read from :data:`PARALLEL_FILE` rather than computed.
    """

    table: pd.DataFrame
    pairs: pd.DataFrame
    disagreements: pd.DataFrame
    dictionary: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    from_summary: bool = False

    @property
    def sentence_pairs(self) -> int:
        """Translated sentence pairs compared, over every pair of versions."""
        return int(self.pairs["translated"].sum()) if len(self.pairs) else 0


def parallel_pairs(path: Path | str = PAIRS_FILE) -> list[dict[str, str]]:
    """The declared pairs of parallel versions (rows of :data:`PAIRS_FILE`).

    Examples
    --------
    >>> rows = parallel_pairs()
    >>> sorted(rows[0])
    ['en_key', 'en_source', 'fr_key', 'fr_source', 'label_en', 'label_fr', 'note', 'pair']
    """
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def pairs_held(path: Path | str = PAIRS_FILE) -> bool:
    """True when every source file the declared pairs point into is on this machine.

    Examples
    --------
    >>> isinstance(pairs_held(), bool)
    True
    """
    from analysis.validation_texts import shared_path

    sources = {p[k] for p in parallel_pairs(path) for k in ("fr_source", "en_source")}
    return all(shared_path(s).exists() for s in sources)


def _sha(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _one(doc_id: str, language: str, text: str) -> Any:
    import pandas as pd

    from analysis.clean import corpus_clean
    from analysis.corpus import Corpus

    docs = pd.DataFrame({"doc_id": [doc_id], "title": [""], "text": [text], "language": [language]})
    return corpus_clean(Corpus(docs=docs))


def _matched(hits: pd.DataFrame, sentences: list[int], theme: str) -> str:
    rows = hits[hits["sentence"].isin(sentences) & ((hits["theme"] == theme) | (hits["parent"] == theme))]
    words = " | ".join(dict.fromkeys(str(s) for s in rows["surface"]))
    return " ".join(words.split()[:10])


def _indexes(value: Any, count: Any) -> list[int]:
    import pandas as pd

    if pd.isna(value):
        return []
    return list(range(int(value), int(value) + max(1, int(count))))


def textstat_parallel(dictionary: Any = None, pairs: Path | str = PAIRS_FILE) -> ParallelValidation:
    """Agreement of the dictionary's hits on the aligned sentences of parallel versions.

    Parameters
    ----------
    dictionary : path, mapping or Dictionary, optional
        Default :data:`analysis.config.DEFAULT_DICTIONARY`.
    pairs : path
        CSV of the pairs (:data:`PAIRS_FILE`).

    Returns
    -------
    ParallelValidation
        Pairs whose texts are absent are listed in ``skipped``; with none held, the table
        has every root theme with zero counts.

    Examples
    --------
    >>> pv = textstat_parallel()  # doctest: +SKIP
    >>> pv.table.set_index("theme").loc["cooperation", "kappa"] > 0.8  # doctest: +SKIP
    True
    """
    import pandas as pd

    from analysis import config
    from analysis.dictionary import Dictionary
    from analysis.dictionary import dictionary as load_dictionary
    from analysis.diff import compare_statements
    from analysis.lookup import tokens_lookup
    from analysis.quotes import cohen_kappa, parallel_agreement
    from analysis.tokens import tokens
    from analysis.validation_texts import held_by_key

    dic = dictionary if isinstance(dictionary, Dictionary) else load_dictionary(
        dictionary if dictionary is not None else config.DEFAULT_DICTIONARY)  # fmt: skip
    roots = [th.id for th in dic.themes if not th.parent]
    cells = {t: {"both": 0, "a_only": 0, "b_only": 0, "neither": 0} for t in roots}
    pair_rows, diffs, skipped = [], [], []
    for p in parallel_pairs(pairs):
        fr, en = held_by_key(p["fr_source"], p["fr_key"]), held_by_key(p["en_source"], p["en_key"])
        if fr is None or en is None:
            skipped.append(p["pair"])
            continue
        a, b = _one(fr[0], "fr", fr[2]), _one(en[0], "en", en[2])
        d = compare_statements(a, b, clean=False, themes=False)
        a_hits = tokens_lookup(tokens(a), dic).hits
        b_hits = tokens_lookup(tokens(b), dic).hits
        a_sets: dict[int, set[str]] = {}
        b_sets: dict[int, set[str]] = {}
        for frame, sets in ((a_hits, a_sets), (b_hits, b_sets)):
            for sentence, theme, parent in zip(frame["sentence"], frame["theme"], frame["parent"],
                                               strict=True):  # fmt: skip
                root = parent if isinstance(parent, str) and parent else theme  # a subtheme hits its root
                sets.setdefault(int(sentence), set()).add(root)
        agreement = parallel_agreement(d.alignment, a_sets, b_sets, themes=roots, statuses=("translated",))
        for r in agreement.table.itertuples(index=False):
            for k in cells[r.theme]:
                cells[r.theme][k] += int(getattr(r, k))
        rows = d.alignment.set_index(["a_index", "b_index"], drop=False)
        for r in agreement.disagreements.itertuples(index=False):
            row = rows.loc[(r.a_index, r.b_index)]
            row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
            fr_idx = _indexes(row["a_index"], row["a_count"])
            en_idx = _indexes(row["b_index"], row["b_count"])
            hits = a_hits if r.hit_in == "a" else b_hits
            diffs.append((p["pair"], r.theme, ";".join(map(str, fr_idx)), ";".join(map(str, en_idx)),
                          "fr" if r.hit_in == "a" else "en",
                          _matched(hits, fr_idx if r.hit_in == "a" else en_idx, r.theme),
                          row["a_text"], row["b_text"]))  # fmt: skip
        pair_rows.append((p["pair"], p["fr_key"], p["en_key"], p["label_fr"], p["label_en"],
                          d.summary["a_sentences"], d.summary["b_sentences"], d.summary["translated"],
                          _sha(fr[2]), _sha(en[2])))  # fmt: skip
    rows_out = []
    for theme in roots:
        c = cells[theme]
        po, pe, kappa = cohen_kappa(c["both"], c["a_only"], c["b_only"], c["neither"])
        rows_out.append((theme, sum(c.values()), c["both"], c["a_only"], c["b_only"], c["neither"],
                         po, pe, kappa))  # fmt: skip
    table = pd.DataFrame(rows_out, columns=TABLE_COLUMNS)
    logger.info("parallel versions: %d pairs measured, %d skipped", len(pair_rows), len(skipped))
    return ParallelValidation(
        table=table, pairs=pd.DataFrame(pair_rows, columns=PAIR_COLUMNS),
        disagreements=pd.DataFrame(diffs, columns=[*DISAGREEMENT_COLUMNS, *TEXT_COLUMNS]),
        dictionary={"name": dic.name, "version": dic.version, "sha256": dic.hash}, skipped=skipped,
    )  # fmt: skip


def parallel_summary(pv: ParallelValidation) -> dict[str, Any]:
    """The figures of :func:`textstat_parallel` as plain data (:data:`PARALLEL_FILE`).

    Examples
    --------
    >>> import pandas as pd
    >>> pv = ParallelValidation(pd.DataFrame(columns=TABLE_COLUMNS), pd.DataFrame(columns=PAIR_COLUMNS),
    ...                         pd.DataFrame(columns=DISAGREEMENT_COLUMNS), {"sha256": "x"})
    >>> sorted(parallel_summary(pv))
    ['dictionary', 'disagreements', 'pairs', 'table']
    """

    def records(df: pd.DataFrame) -> list[dict[str, Any]]:
        return [{k: (None if isinstance(x, float) and x != x else x) for k, x in r.items()}
                for r in df.to_dict(orient="records")]  # fmt: skip

    return {"dictionary": pv.dictionary, "pairs": records(pv.pairs), "table": records(pv.table),
            "disagreements": records(pv.disagreements[DISAGREEMENT_COLUMNS])}  # no sentence saved # fmt: skip


def parallel_from_summary(summary: dict[str, Any]) -> ParallelValidation:
    """A :class:`ParallelValidation` from :func:`parallel_summary`'s data.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame([("peace", 2, 1, 0, 0, 1, 1.0, 0.5, 1.0)], columns=TABLE_COLUMNS)
    >>> pv = ParallelValidation(t, pd.DataFrame(columns=PAIR_COLUMNS),
    ...                         pd.DataFrame(columns=DISAGREEMENT_COLUMNS))
    >>> parallel_from_summary(parallel_summary(pv)).table.equals(t)
    True
    """
    import pandas as pd

    table = pd.DataFrame(summary["table"], columns=TABLE_COLUMNS)
    for col in ("po", "pe", "kappa"):
        table[col] = table[col].astype("float64")
    for col in ("n", "both", "fr_only", "en_only", "neither"):
        table[col] = table[col].astype("int64")
    return ParallelValidation(
        table=table, pairs=pd.DataFrame(summary["pairs"], columns=PAIR_COLUMNS),
        disagreements=pd.DataFrame(summary["disagreements"], columns=DISAGREEMENT_COLUMNS),
        dictionary=dict(summary["dictionary"]), from_summary=True,
    )  # fmt: skip


def save_parallel(pv: ParallelValidation, path: Path | str = PARALLEL_FILE) -> Path:
    """Write :func:`parallel_summary` to ``path`` (refused when a pair was skipped)."""
    from analysis.store import write_text

    if pv.skipped:
        raise ValueError(f"parallel versions absent ({', '.join(pv.skipped)}): only a complete measurement "
                         "is saved")  # fmt: skip
    write_text(json.dumps(parallel_summary(pv), indent=1, sort_keys=True, ensure_ascii=False) + "\n", path)
    return Path(path)


_CACHE: dict[str, ParallelValidation | None] = {}


def parallel_validation(dictionary: Dictionary) -> ParallelValidation | None:
    """The measurement for a dictionary: the shipped one when it names this dictionary, else computed
    when the texts are held, else None.

    Examples
    --------
    >>> from analysis import config
    >>> from analysis.dictionary import dictionary
    >>> parallel_validation(dictionary(config.DEFAULT_DICTIONARY)).sentence_pairs > 100
    True
    """
    if dictionary.hash in _CACHE:
        return _CACHE[dictionary.hash]
    pv: ParallelValidation | None = None
    if PARALLEL_FILE.exists():
        summary = json.loads(PARALLEL_FILE.read_text(encoding="utf-8"))
        if summary.get("dictionary", {}).get("sha256") == dictionary.hash:
            pv = parallel_from_summary(summary)
    if pv is None:
        measured = textstat_parallel(dictionary)
        pv = measured if not measured.skipped else None
    _CACHE[dictionary.hash] = pv
    return pv
