"""The report's annex on the instrument's validation: precision and recall per theme.

The figures come from :func:`analysis.validation.textstat_validation` on the shipped
validation set, for the dictionary of the comparison (computed once per dictionary
in a process). A dictionary whose root themes are not those the set was coded for
gets a note instead of figures. Themes below :data:`analysis.validation.FLAG_BELOW`
precision or recall are marked with :data:`FLAG_MARK` here and in the brief's theme
tables.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from analysis import i18n
from analysis.report.blocks import Block, concat, note, paragraphs, section
from analysis.report.tables import table

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.dictionary import Dictionary
    from analysis.validation import Validation

logger = logging.getLogger(__name__)

#: Mark after the label of a theme the validation flags.
FLAG_MARK = "†"


_CACHE: dict[str, Validation | None] = {}


def _validation(dictionary: Dictionary) -> Validation | None:
    from analysis.validation import DEFAULT_SET, ValidationSetError, textstat_validation

    if dictionary.hash not in _CACHE:
        try:
            v: Validation | None = textstat_validation(DEFAULT_SET, dictionary)
        except (ValidationSetError, FileNotFoundError) as exc:
            logger.info("validation not computed for %s: %s", dictionary.name, exc)
            v = None
        if v is not None and v.skipped_sentences:  # texts absent: the last complete validation, if it fits
            v = _shipped(dictionary)
        _CACHE[dictionary.hash] = v
    return _CACHE[dictionary.hash]


def _shipped(dictionary: Dictionary) -> Validation | None:
    """The shipped figures (:data:`analysis.validation.SUMMARY_FILE`) when they are this dictionary's."""
    import json

    from analysis.validation import SUMMARY_FILE, validation_from_summary

    if not SUMMARY_FILE.exists():
        return None
    summary = json.loads(SUMMARY_FILE.read_text(encoding="utf-8"))
    if summary.get("dictionary", {}).get("sha256") != dictionary.hash:
        logger.info("shipped validation figures are for another dictionary: not used")
        return None
    return validation_from_summary(summary)


def instrument_validation(dictionary: Dictionary) -> Validation | None:
    """The validation of a dictionary on the shipped set, or None when the set does not fit it.

    Examples
    --------
    >>> from analysis import config
    >>> from analysis.dictionary import dictionary
    >>> v = instrument_validation(dictionary(config.DEFAULT_DICTIONARY))
    >>> v.sentences > 0
    True
    """
    return _validation(dictionary)


def flagged_themes(dictionary: Dictionary) -> list[str]:
    """Root themes the validation flags (empty when there is no validation, or no dictionary file)."""
    if not getattr(dictionary, "hash", None):  # e.g. a comparison built by hand, without a dictionary
        return []
    v = instrument_validation(dictionary)
    return v.flagged() if v is not None else []


def _agreement(dictionary: Dictionary, lang: str) -> str:
    """The second coding pass's agreement in words (:func:`analysis.validation.agreement`)."""
    from analysis.validation import DEFAULT_SET, VALIDATION_DIR, agreement, coded_sentences

    second = VALIDATION_DIR / "second_coder.csv"
    if not second.exists():
        return "–"
    roots = [th.id for th in dictionary.themes if not th.parent]
    table = agreement(coded_sentences(DEFAULT_SET), coded_sentences(second), roots)
    coded = table[(table["first"] + table["second"]) > 0]
    return i18n.BRIEF[lang]["agreement"].format(
        n=i18n.fmt_number(int(table["sentences"].max()), lang, 0),
        low=i18n.fmt_number(float(coded["kappa"].min()), lang, 2),
    )


def validation_block(dictionary: Dictionary, lang: str = "fr", anchor: str | None = None) -> Block:
    """Annex: the instrument's precision, recall and F1 per root theme and language.

    Examples
    --------
    >>> from analysis import config
    >>> from analysis.dictionary import dictionary
    >>> "F1" in validation_block(dictionary(config.DEFAULT_DICTIONARY), "en").html
    True
    """
    import pandas as pd

    from analysis.validation import FLAG_BELOW

    t = i18n.BRIEF[lang]
    v = instrument_validation(dictionary)
    if v is None:
        return concat(
            section(t["validation"], anchor=anchor),
            note(t["validation_none"]),
            equivalence_block(dictionary, lang),
            parallel_block(dictionary, lang),
        )
    labels = dictionary.labels(lang)
    heldout: dict[str, dict[str, float]] = {}
    if v.heldout is not None:
        h = v.heldout[v.heldout["language"] == "all"].set_index("theme")
        heldout = {t: {k: (None if h.loc[t, k] != h.loc[t, k] else h.loc[t, k])
                       for k in ("support", "precision", "recall")} for t in h.index}  # fmt: skip
    wide = v.scores.pivot(index="theme", columns="language", values=["support", "precision", "recall", "f1"])
    flagged_ids = set(v.flagged())
    by_lang, overall = [], []
    for theme in [th.id for th in dictionary.themes if not th.parent]:
        if theme not in wide.index:
            continue
        r = wide.loc[theme]
        label = labels.get(theme, theme) + (f" {FLAG_MARK}" if theme in flagged_ids else "")

        def cell(stat: str, lg: str, r=r) -> object:
            value = r.get((stat, lg))
            return value if value is not None and value == value else None

        held = heldout.get(theme, {})
        by_lang.append([label, cell("support", "fr"), cell("precision", "fr"), cell("recall", "fr"),
                        cell("support", "en"), cell("precision", "en"), cell("recall", "en")])  # fmt: skip
        overall.append([label, cell("support", "all"), cell("precision", "all"), cell("recall", "all"),
                        cell("f1", "all"), held.get("support"), held.get("precision"),
                        held.get("recall")])  # fmt: skip
    headers = i18n.COLUMNS[lang]["validation"]
    views = []
    for rows, cols, counts in ((overall, [headers[0], *headers[7:]], (0, 4)),
                               (by_lang, headers[:7], (0, 3))):  # fmt: skip
        view = pd.DataFrame(rows, columns=cols)
        for col in view.columns[1:]:
            view[col] = pd.to_numeric(view[col])
        views.append((view, {c: (".0f" if i in counts else ".2f") for i, c in enumerate(view.columns[1:])}))
    d = v.dictionary
    intro = t["validation_intro"].format(
        agreement=_agreement(dictionary, lang),
        name=d["name"], version=d["version"], sha=d["sha256"][:12], n=i18n.fmt_number(v.sentences, lang, 0),
        skipped=i18n.fmt_number(v.skipped_sentences, lang, 0), flag=i18n.fmt_number(FLAG_BELOW, lang, 2),
        mark=FLAG_MARK,
    )  # fmt: skip
    flagged = [labels.get(x, x) for x in v.flagged()]
    outro = t["validation_flagged"].format(themes=", ".join(flagged)) if flagged else t["validation_ok"]
    texts = [intro, outro]
    if v.from_summary:
        texts.insert(0, t["validation_shipped"])
    if v.heldout is not None:
        texts.append(t["validation_heldout"].format(n=i18n.fmt_number(v.heldout_sentences, lang, 0)))
    return concat(
        section(t["validation"], anchor=anchor),
        paragraphs(texts),
        *(table(view, caption=t[cap], number_format=fmt, lang=lang, max_rows=40)
          for (view, fmt), cap in zip(views, ("validation_cap", "validation_lang_cap"), strict=True)),
        equivalence_block(dictionary, lang),
        parallel_block(dictionary, lang),
    )


def _one_side_words(dis: pd.DataFrame, theme: str, top: int = 3) -> str:
    """The words most often hit on one side only, with the language that hits: ``sécurité ×6 (fr)``."""
    from collections import Counter

    rows = dis[dis["theme"] == theme]
    pairs = zip(rows["matched"], rows["hit_in"], strict=True)
    counts = Counter((w.strip().lower(), side) for m, side in pairs for w in str(m).split("|") if w.strip())
    return " · ".join(f"{w}{f' ×{n}' if n > 1 else ''} ({side})" for (w, side), n in counts.most_common(top))


def parallel_block(dictionary: Dictionary, lang: str = "fr") -> Block:
    """Annex: κ of the dictionary's hits on real parallel versions (:mod:`analysis.parallel`).

    Examples
    --------
    >>> from analysis import config
    >>> from analysis.dictionary import dictionary
    >>> "κ" in parallel_block(dictionary(config.DEFAULT_DICTIONARY), "en").html
    True
    """
    import pandas as pd

    from analysis.parallel import MIN_POSITIVES, pairs_held, parallel_validation
    from analysis.validation import FLAG_BELOW

    t = i18n.BRIEF[lang]
    pv = parallel_validation(dictionary)
    if pv is None:
        return concat(section(t["parallel"], level=3), note(t["parallel_none"]))
    labels = dictionary.labels(lang)
    hit = pv.table[(pv.table["both"] + pv.table["fr_only"] + pv.table["en_only"]) > 0]
    unmeasured = [labels.get(x, x) for x in pv.table.loc[~pv.table.index.isin(hit.index), "theme"]]
    enough = (hit["both"] + hit["fr_only"] + hit["en_only"]) >= MIN_POSITIVES
    rows = [[labels.get(r.theme, r.theme), r.n, r.both, r.fr_only, r.en_only, r.kappa if ok else None,
             _one_side_words(pv.disagreements, r.theme) or "–"]
            for r, ok in zip(hit.itertuples(index=False), enough, strict=True)]  # fmt: skip
    view = pd.DataFrame(rows, columns=i18n.COLUMNS[lang]["parallel"])
    for col in view.columns[1:6]:
        view[col] = pd.to_numeric(view[col])
    low = [labels.get(r.theme, r.theme) for r, ok in zip(hit.itertuples(index=False), enough, strict=True)
           if ok and r.kappa < FLAG_BELOW]  # fmt: skip
    few = [labels.get(r.theme, r.theme) for r, ok in zip(hit.itertuples(index=False), enough, strict=True)
           if not ok]  # fmt: skip
    flag = i18n.fmt_number(FLAG_BELOW, lang, 2)
    names = (" ; " if lang == "fr" else "; ").join(pv.pairs[f"label_{lang}"]) if len(pv.pairs) else "–"
    verdict = t["parallel_low"].format(flag=flag, themes=", ".join(low)) if low else t["parallel_ok"].format(
        flag=flag)  # fmt: skip
    texts = [t["parallel_intro"].format(pairs=i18n.fmt_number(len(pv.pairs), lang, 0), names=names,
                                        n=i18n.fmt_number(pv.sentence_pairs, lang, 0)),
             t["parallel_scope"].format(themes=", ".join(unmeasured) or "–"), verdict]  # fmt: skip
    if few:
        texts.append(t["parallel_few"].format(min=MIN_POSITIVES, themes=", ".join(few)))
    if pv.from_summary and not pairs_held():
        texts.insert(0, t["parallel_shipped"])
    fmt = {c: ".0f" for c in view.columns[1:5]} | {view.columns[5]: ".2f"}
    return concat(section(t["parallel"], level=3), paragraphs(texts),
                  table(view, caption=t["parallel_cap"], number_format=fmt, lang=lang, max_rows=40))


def equivalence_block(dictionary: Dictionary, lang: str = "fr") -> Block:
    """Annex: per theme, the patterns without a counterpart in the other language.

    Examples
    --------
    >>> from analysis import config
    >>> from analysis.dictionary import dictionary
    >>> "resupply" in equivalence_block(dictionary(config.DEFAULT_DICTIONARY), "en").html
    True
    """
    import pandas as pd

    from analysis.equivalence import unpaired

    t = i18n.BRIEF[lang]
    gaps = unpaired(dictionary)
    labels = dictionary.labels(lang)
    rows = []
    for theme in [th.id for th in dictionary.themes]:
        g = gaps[gaps["theme"] == theme]
        if len(g):
            rows.append([labels.get(theme, theme), " · ".join(g.loc[g["language"] == "fr", "pattern"]) or "–",
                         " · ".join(g.loc[g["language"] == "en", "pattern"]) or "–"])  # fmt: skip
    view = pd.DataFrame(rows, columns=i18n.COLUMNS[lang]["equivalence"])
    return concat(
        section(t["equivalence"], level=3),
        paragraphs([t["equivalence_intro"]]),
        table(view, caption=t["equivalence_cap"], lang=lang, max_rows=40),
    )
