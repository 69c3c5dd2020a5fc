"""Plain-language findings computed from a comparison (the report's executive summary).

Every sentence is built from the numbers of a :class:`analysis.compare.Comparison`
and names the frame it is true under; nothing here is written for one particular
statement. The sentences are templates of :data:`analysis.i18n.FINDINGS`.

The rules (issue "Trustworthy comparisons"):

- the first sentence states the frame (:func:`frame_sentence`);
- a *finding* is a root theme whose difference is significant (Holm-corrected
  exact test) with a confidence interval of the Log Ratio that excludes 0 in
  the comparison's frame, and **stable** in the sensitivity panel; a
  frame-dependent difference is named as such, never as a finding;
- a ratio is the conservative bound (LRC), with the raw counts beside it; a
  theme with no occurrence in the references is said to have none (no ratio);
- document ranks are given only when the reference median is above 0, with the
  number of references;
- ties are named in full, in a stable order (count, then label).

Examples
--------
>>> from analysis.compare import compare
>>> out = findings(compare(), "en")
>>> out[0].startswith("Frame of comparison")
True
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from analysis.i18n import FINDINGS, GENRES, fmt_date, fmt_number, fmt_window, language_name

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.compare import Comparison

logger = logging.getLogger(__name__)

#: A frame's references ending this many months before the focus are noted.
DATED_MONTHS = 24


def _f(lang: str) -> dict[str, str]:
    return FINDINGS["fr" if lang == "fr" else "en"]


def _label(row, lang: str) -> str:
    return str(row[f"label_{lang}"]) if f"label_{lang}" in row else str(row["theme"])


def _list(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" {_f(lang)['and']} " + items[-1]


def _n(x: float, lang: str) -> str:
    return fmt_number(int(x), lang, 0)


def genre_summary(genres: dict[str, int], lang: str) -> str:
    """Genres with their number of documents, most frequent first (names merged when they read the same).

    Examples
    --------
    >>> genre_summary({"joint_statement": 5, "statement": 3, "declaration": 1}, "fr")
    'déclaration conjointe (5), déclaration (4)'
    """
    names: dict[str, int] = {}
    for code, n in genres.items():
        name = GENRES["fr" if lang == "fr" else "en"].get(code, code)
        names[name] = names.get(name, 0) + int(n)
    return ", ".join(f"{k} ({v})" for k, v in sorted(names.items(), key=lambda kv: (-kv[1], kv[0])))


def frame_sentence(frame: dict, lang: str = "fr") -> str:
    """One sentence stating a comparison's frame: documents, languages, words, genres, dates, rules.

    Examples
    --------
    >>> s = frame_sentence({"n_documents": 2, "n_tokens": 1200, "languages": {"fr": 2},
    ...     "genres": {"communique": 2}, "date_min": "2020-09-13", "date_max": "2020-10-01"}, "en")
    >>> for part in s.split(", dated"):
    ...     print(part)
    Frame of comparison: 2 reference statements in French (1,200 words; communiqué (2))
     September 13, 2020 to October 1, 2020.
    """
    f = _f(lang)
    return f["frame"].format(
        n=_n(frame.get("n_documents", 0), lang),
        languages=_list([language_name(k, lang) for k in frame.get("languages", {})], lang),
        words=_n(frame.get("n_tokens", 0), lang),
        genres=genre_summary(frame.get("genres", {}), lang),
        first=fmt_date(frame.get("date_min", ""), lang),
        last=fmt_date(frame.get("date_max", ""), lang),
        rules=frame_rules(frame, lang),
    )


def frame_rules(frame: dict, lang: str = "fr") -> str:
    """The rules of a frame beyond its language, as a clause (window, parties, genre), or "".

    Examples
    --------
    >>> frame_rules({"window": "24M", "parties": ["France", "Canada"]}, "en")
    ', in the 24\xa0months before the text, with France and Canada'
    """
    f = _f(lang)
    rules = ""
    if frame.get("window"):
        rules += f["rule_window"].format(window=fmt_window(frame["window"], lang))
    if frame.get("parties"):
        parties = frame["parties"]
        rules += f["rule_parties"].format(
            parties=parties if isinstance(parties, str) else _list(parties, lang)
        )
    if frame.get("genre"):
        genres = frame["genre"] if not isinstance(frame["genre"], str) else [frame["genre"]]
        names = sorted({GENRES["fr" if lang == "fr" else "en"].get(g, g) for g in genres})
        rules += f["rule_genre"].format(genres=_list(names, lang))
    return rules


def finding_table(comp: Comparison) -> pd.DataFrame:
    """Root themes with their finding in the comparison's frame and its stability.

    Columns of the theme table plus ``finding`` (``over``, ``under`` or ``none``:
    :func:`analysis.frames.finding_direction`) and, from the sensitivity panel,
    ``status`` (``stable``, ``frame-dependent``, ``none``; ``unchecked`` without a
    panel), ``disagree``, ``flips``, ``loo_kept``, ``loo_total``.

    Examples
    --------
    >>> from analysis.compare import compare
    >>> t = finding_table(compare())
    >>> set(t["status"]) <= {"stable", "frame-dependent", "none"}
    True
    """
    from analysis.frames import finding_direction

    themes = comp.themes[comp.themes["is_root"]].copy()
    themes["finding"] = [finding_direction(r) for _, r in themes.iterrows()]
    if comp.sensitivity is None:
        themes["status"] = themes["finding"].map(lambda d: "none" if d == "none" else "unchecked")
        for col in ("disagree", "flips"):
            themes[col] = ""
        themes["loo_kept"] = themes["loo_total"] = 0
        return themes
    stab = comp.sensitivity.stability[["theme", "status", "disagree", "flips", "loo_kept", "loo_total"]]
    out = themes.merge(stab, on="theme", how="left").fillna({"status": "none", "disagree": "", "flips": ""})
    from analysis.frames import MIN_FRAME_DOCUMENTS

    if int(comp.frame.get("n_documents", 0)) < MIN_FRAME_DOCUMENTS:  # too few references for a finding
        small = out["status"] == "stable"
        out.loc[small, "status"] = "frame-dependent"
        out.loc[small, "disagree"] = "selected"
    return out


#: A theme absent from the text is named only when the references' median rate would give it at
#: least this many mentions in a text of the focus's length (a short text misses themes by chance).
ABSENT_MIN_EXPECTED = 3


def absent_rows(table: pd.DataFrame, n_tokens: int, lang: str = "fr") -> pd.DataFrame:
    """Root themes absent from the text that the references' median would expect at least 3 times.

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"theme": ["a", "b"], "focus_count": [0, 0], "reference_median": [4.0, 1.0]})
    >>> absent_rows(t, 1000)["theme"].tolist()  # 4 and 1 expected mentions in 1,000 words
    ['a']
    """
    expected = table["reference_median"] * int(n_tokens) / 1000
    rows = table[
        (table["focus_count"] == 0) & (table["reference_median"] > 0) & (expected >= ABSENT_MIN_EXPECTED)
    ]
    rows = rows.assign(shown=[_label(r, lang) for _, r in rows.iterrows()])
    return rows.sort_values(["reference_median", "shown"], ascending=[False, True], kind="stable")


def dominant_rows(themes: pd.DataFrame, lang: str = "fr") -> pd.DataFrame:
    """The most present root themes of the text: the first three by count, ties included.

    Sorted by count then label (column ``shown``, the label in ``lang``).

    Examples
    --------
    >>> import pandas as pd
    >>> t = pd.DataFrame({"theme": list("abcd"), "focus_count": [5, 3, 3, 0]})
    >>> dominant_rows(t)["theme"].tolist()
    ['a', 'b', 'c']
    """
    present = themes[themes["focus_count"] > 0].copy()
    if present.empty:
        return present.assign(shown=[])
    present["shown"] = [_label(r, lang) for _, r in present.iterrows()]
    present = present.sort_values(["focus_count", "shown"], ascending=[False, True], kind="stable")
    cutoff = int(present["focus_count"].iloc[min(2, len(present) - 1)])
    return present[present["focus_count"] >= cutoff]


def formed_frame_names(comp: Comparison) -> set[str]:
    """The frames of the sensitivity panel that were formed, leave-one-out aside (empty without a panel)."""
    if comp.sensitivity is None:
        return set()
    frames = comp.sensitivity.frames
    return set(frames.loc[frames["formed"] & (frames["frame"] != "leave_one_out"), "frame"])


def formed_frames(comp: Comparison) -> int:
    """How many distinct frames of the panel were formed (leave-one-out aside; 0 without a panel).

    Two frames with the same documents (number, words, dates) count once.
    """
    if comp.sensitivity is None:
        return 0
    frames = comp.sensitivity.frames
    formed = frames[frames["frame"].isin(formed_frame_names(comp))]
    # frames holding the same documents (the selected frame is often "same language") count once
    return int(formed[["n_documents", "n_tokens", "date_min", "date_max"]].drop_duplicates().shape[0])


def frame_phrase(name: str, row, n_refs: int, lang: str = "fr") -> str:
    """Where a difference fails, in words: "against the references of the same parties"...

    Examples
    --------
    >>> frame_phrase("parties", {"loo_total": 0, "loo_kept": 0}, 72, "en")
    'against the references of the same parties'
    """
    k = int(row["loo_total"]) - int(row["loo_kept"])
    return _f(lang)[f"frame_{name}"].format(k=_n(k, lang), n=_n(n_refs, lang))


def _dominant(themes: pd.DataFrame, lang: str, min_count: int) -> list[str]:
    f = _f(lang)
    total = int(themes["focus_count"].sum())
    if total < min_count:
        key = "few_hits_zero" if total == 0 else "few_hits_one" if total == 1 else "few_hits"
        return [f[key].format(n=total)]
    top = dominant_rows(themes, lang)
    parts = [f["rate_item"].format(label=r["shown"], n=_n(r.focus_count, lang)) for _, r in top.iterrows()]
    share = top["focus_count"].sum() / total * 100
    out = [
        f["dominant"].format(items=_list(parts, lang), share=fmt_number(share, lang, 0), n=_n(total, lang))
    ]
    for n, group in top.groupby("focus_count", sort=False):
        if len(group) > 1:
            out.append(
                f["tie"].format(k=len(group), n=_n(n, lang), items=_list(group["shown"].tolist(), lang))
            )
    return out


def _finding_item(r, lang: str) -> str:
    f = _f(lang)
    fields = {"label": _label(r, lang), "a": _n(r.focus_count, lang), "n1": _n(r.focus_tokens, lang),
              "b": _n(r.reference_count, lang), "n2": _n(r.reference_tokens, lang),
              "n": _n(r.n_reference_docs, lang)}  # fmt: skip
    if r.reference_count == 0:
        return f["zero_item"].format(**fields)
    ratio = fmt_number(2 ** abs(r.lrc), lang, 1)
    return f["over_item" if r.finding == "over" else "under_item"].format(ratio=ratio, **fields)


def stable_rows(table: pd.DataFrame, direction: str, lang: str = "fr") -> pd.DataFrame:
    """The findings of one direction (stable, or unchecked without a panel), the largest first.

    ``table`` is a :func:`finding_table`; ``shown`` is the label in ``lang``; ties by label.
    """
    rows = table[(table["finding"] == direction) & table["status"].isin(["stable", "unchecked"])]
    rows = rows.assign(_abs=rows["lrc"].abs(), shown=[_label(r, lang) for _, r in rows.iterrows()])
    return rows.sort_values(["_abs", "shown"], ascending=[False, True], kind="stable")


def _stable(table: pd.DataFrame, comp: Comparison, lang: str) -> list[str]:
    f = _f(lang)
    formed = formed_frames(comp)
    out = []
    for direction in ("over", "under"):
        rows = stable_rows(table, direction, lang)
        if len(rows):
            items = [_finding_item(r, lang) for _, r in rows.iterrows()]
            out.append(f[direction].format(k=_n(formed, lang), items=_list(items, lang)))
    if not out:
        out.append(f["no_finding"])
    return out


def _dependent(table: pd.DataFrame, comp: Comparison, lang: str) -> list[str]:
    f = _f(lang)
    rows = table[table["status"] == "frame-dependent"]
    if rows.empty:
        return []
    n_refs = int(comp.frame.get("n_documents", 0))
    items = []
    for _, r in rows.iterrows():
        flips = [x for x in str(r["flips"]).split(";") if x]
        weak = [x for x in str(r["disagree"]).split(";") if x and x not in flips]

        def phrase(name: str, r=r) -> str:
            return frame_phrase(name, r, n_refs, lang)

        why = []
        if weak:
            why.append(f["not_significant"].format(frames=_list([phrase(x) for x in weak], lang)))
        if flips:
            why.append(f["flipped"].format(frames=_list([phrase(x) for x in flips], lang)))
        items.append(
            f["dependent_item"].format(
                label=_label(r, lang), direction=f[f"direction_{r['finding']}"], why="; ".join(why)
            )
        )
    return [f["dependent"].format(items=_list(items, lang))]


def _absent_and_ranks(table: pd.DataFrame, comp: Comparison, lang: str) -> list[str]:
    f = _f(lang)
    out = []
    n = int(table["n_reference_docs"].iloc[0]) if len(table) else 0
    absent = absent_rows(table, int(comp.focus.get("n_tokens", 0)), lang)
    if len(absent):
        items = [f["absent_item"].format(label=r.shown, median=fmt_number(r.reference_median, lang))
                 for r in absent.itertuples()]  # fmt: skip
        out.append(f["absent"].format(n=_n(n, lang), items=_list(items, lang)))
    high = table[table["testable"] & (table["reference_median"] > 0) & (table["percentile"] >= 90)]
    if len(high):
        rates = comp.counts.pivot_table(index="doc_id", columns="theme", values="per_1000", aggfunc="sum")
        refs = [d for d in rates.index if d != comp.focus_id]
        items = []
        high = high.assign(shown=[_label(r, lang) for _, r in high.iterrows()])
        for r in high.sort_values(
            ["percentile", "shown"], ascending=[False, True], kind="stable"
        ).itertuples():
            below = int((rates.loc[refs, r.theme].fillna(0) < rates.loc[comp.focus_id, r.theme]).sum())
            items.append(f["rank_item"].format(label=r.shown, k=_n(below, lang), n=_n(len(refs), lang),
                                               median=fmt_number(r.reference_median, lang)))  # fmt: skip
        out.append(f["high"].format(items=_list(items, lang)))
    return out


def _similar(comp: Comparison, lang: str) -> list[str]:
    f = _f(lang)
    sim = comp.similarity[comp.similarity["cosine"] > 0].head(3)
    if not len(sim):
        return []
    short = [t if len(t) <= 90 else t[:89].rstrip() + "…" for t in sim["title"]]
    parts = [
        f["similar_item"].format(title=t, date=r.date, cosine=fmt_number(r.cosine, lang, 2))
        for t, r in zip(short, sim.itertuples(), strict=True)
    ]
    return [f["similar"].format(items=_list(parts, lang))]


def months_between(earlier: str, later: str) -> int | None:
    """Whole calendar months from one ISO date to a later one (None when either is not a date).

    Examples
    --------
    >>> months_between("2022-06-10", "2024-09-26"), months_between("", "2024-09-26")
    (27, None)
    """
    if not (
        re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(earlier)) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(later))
    ):
        return None
    (y1, m1, d1), (y2, m2, d2) = (map(int, str(d).split("-")) for d in (earlier, later))
    return (y2 - y1) * 12 + (m2 - m1) - (1 if d2 < d1 else 0)


def caveat_items(comp: Comparison, lang: str = "fr") -> list[tuple[str, dict[str, str]]]:
    """What a reader must keep in mind, as (key, fields) pairs of a caveat catalogue.

    The keys are those of ``FINDINGS`` (the annex's summary) and ``FRONT`` (the
    brief's first pages), so both say the same caveats in their own words:
    ``cross_language``, ``short``, ``press_article``, ``dated``, ``unformed``,
    ``unavailable``, ``instrument``.

    Examples
    --------
    >>> from analysis.compare import compare
    >>> [key for key, _ in caveat_items(compare())][:2]
    ['short', 'press_article']
    """
    f = _f(lang)
    items: list[tuple[str, dict[str, str]]] = []
    frame = comp.frame
    langs = list(frame.get("languages", {}))
    if len(set(langs) | {comp.focus.get("language")}) > 1:
        items.append(("cross_language", {"langs": _list([language_name(x, lang) for x in langs], lang)}))
    n_tokens = int(comp.focus.get("n_tokens", 0))
    if n_tokens < 1000:
        items.append(("short", {"n": _n(n_tokens, lang)}))
    if comp.focus.get("genre") == "press_article":
        items.append(("press_article", {}))
    months = months_between(frame.get("date_max", ""), str(comp.focus.get("date", "")))
    if months is not None and months > DATED_MONTHS:
        items.append(("dated", {"last": fmt_date(frame["date_max"], lang), "months": str(months)}))
    from analysis.frames import MIN_FRAME_DOCUMENTS

    n_refs = int(frame.get("n_documents", 0))
    if n_refs < MIN_FRAME_DOCUMENTS:
        items.append(("small_frame", {"n": _n(n_refs, lang), "min": str(MIN_FRAME_DOCUMENTS)}))
    if comp.sensitivity is not None:
        frames = comp.sensitivity.frames
        unformed = frames.loc[
            ~frames["formed"] & ~frames["frame"].isin(["selected", "leave_one_out"]), "frame"
        ]
        if len(unformed):
            names = [f[f"unformed_{x}"] for x in unformed]
            items.append(("unformed", {"min": str(MIN_FRAME_DOCUMENTS), "frames": _list(names, lang)}))
    labels = comp.dictionary.labels(lang)
    if comp.unavailable is not None and len(comp.unavailable):
        names = [labels.get(t, t) for t in comp.unavailable["theme"]]
        items.append(("unavailable", {"themes": _list(names, lang)}))
    from analysis.report.validation_block import flagged_themes

    present = set(comp.themes.loc[comp.themes["is_root"] & (comp.themes["focus_count"] > 0), "theme"])
    weak = [t for t in flagged_themes(comp.dictionary) if t in present]
    if weak:
        items.append(("instrument", {"themes": _list([labels.get(t, t) for t in weak], lang)}))
    return items


def _caveats(comp: Comparison, lang: str) -> list[str]:
    f = _f(lang)
    caveats = [f[key].format(**fields) for key, fields in caveat_items(comp, lang)]
    sep = " ; " if lang == "fr" else "; "
    return [f["caveats"].format(caveats=sep.join(caveats))] if caveats else []


def findings(comp: Comparison, lang: str = "fr") -> list[str]:
    """The executive summary: the frame, then findings and the differences that depend on the frame.

    Parameters
    ----------
    comp : Comparison
        The comparison the report shows.
    lang : {"fr", "en"}
        Language of the sentences (any other language gets the English ones).

    Returns
    -------
    list of str
        The frame; the dominant themes (ties named); the stable findings (or that
        there is none); the frame-dependent differences; themes absent from the
        text though common in the references, and document ranks; the closest
        statements; the caveats.

    Examples
    --------
    >>> from analysis.compare import compare
    >>> out = findings(compare(), "en")
    >>> any(s.startswith("The themes most present") for s in out)
    True
    """
    min_count = int(comp.parameters.get("min_count", 3))
    table = finding_table(comp)
    out = [frame_sentence(comp.frame, lang), *_dominant(table, lang, min_count)]
    if int(table["focus_count"].sum()) >= min_count:
        out += _stable(table, comp, lang)
        out += _dependent(table, comp, lang)
    out += _absent_and_ranks(table, comp, lang)
    if int(table["focus_count"].sum()) >= min_count:
        out += _similar(comp, lang)
    out += _caveats(comp, lang)
    return out
