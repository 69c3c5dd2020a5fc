"""The brief's first pages: what was analysed, the key messages, the figures, in plain words.

A ministry analyst reads these pages and stops (issue "The short brief"): at
most four A4 pages, then the annex (:mod:`analysis.report.annex`). Every
sentence is built from the numbers of a :class:`analysis.compare.Comparison`
and follows the rules of :mod:`analysis.report.findings` (a *finding* is a
difference that holds in every frame of comparison; a ratio is the cautious
bound, with the counts beside it), in the words of :data:`analysis.i18n.FRONT`:
no statistic name, counts and "at least N times as often" instead.

:func:`key_messages` chooses three to five messages; :func:`figure_titles` gives
each figure of these pages a title that states its conclusion.

Examples
--------
>>> from analysis.compare import compare
>>> [m.kind for m in key_messages(compare(), "en")][:2]
['dominant', 'over']

Functions taking ``brief`` take an :class:`analysis.report.brief.Brief` (not imported here:
the brief imports this module).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from analysis.frames import MIN_FRAME_DOCUMENTS
from analysis.i18n import FRONT, GENRES, fmt_date, fmt_number, language_name
from analysis.report.blocks import Block, _esc, concat
from analysis.report.findings import (
    _label,
    _list,
    _n,
    absent_rows,
    caveat_items,
    dominant_rows,
    finding_table,
    formed_frame_names,
    formed_frames,
    frame_phrase,
    frame_rules,
    genre_summary,
    stable_rows,
)

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from analysis.compare import Comparison

logger = logging.getLogger(__name__)

#: At most this many key messages (the issue asks for three to five).
MAX_MESSAGES = 5

#: Messages kept first when there are more than :data:`MAX_MESSAGES`; shown in :data:`ORDER`.
PRIORITY: tuple[str, ...] = (
    "few", "dominant", "small", "over", "untested", "none", "more_over", "under", "dependent", "absent",
    "closest",
)  # fmt: skip
ORDER: tuple[str, ...] = (
    "few", "dominant", "small", "over", "more_over", "under", "untested", "none", "dependent", "absent",
    "closest",
)  # fmt: skip

#: Rows of the theme profile of the first pages (the themes most present in the text).
PROFILE_ROWS = 8

#: Reference statements in the first pages' similarity figure.
SIMILAR_ROWS = 6

#: Characters of a document's label in the similarity bars (two lines of 44).
SIMILARITY_LABEL_CHARS = 86

#: File of the run folder holding the PDF's metadata (written by :func:`front_page`).
METADATA_FILE = "report.json"


def _t(lang: str) -> dict[str, str]:
    return FRONT["fr" if lang == "fr" else "en"]


def ratio(lrc: float, lang: str = "fr") -> str:
    """The cautious ratio of a conservative Log Ratio, as the brief writes it.

    Examples
    --------
    >>> ratio(4.25, "fr"), ratio(-1.0, "en")
    ('19,0', '2.0')
    """
    return fmt_number(2 ** abs(float(lrc)), lang, 1)


@dataclass(frozen=True)
class Message:
    """One key message: a headline in bold and the evidence in words a non-specialist reads.

    ``themes`` are the theme ids the message is about (for tests and links).
    """

    kind: str
    headline: str
    body: str
    themes: tuple[str, ...] = ()


def _fields(r, lang: str) -> dict[str, str]:
    return {"label": _label(r, lang), "a": _n(r.focus_count, lang), "n1": _n(r.focus_tokens, lang),
            "b": _n(r.reference_count, lang), "n2": _n(r.reference_tokens, lang),
            "n": _n(r.n_reference_docs, lang), "ratio": ratio(r.lrc, lang)}  # fmt: skip


#: Two reference statements this close in likeness to the text are not told apart ("among the closest").
SIMILARITY_TIE = 0.02


def lowest_ratio(comp: Comparison, theme: str) -> float:
    """The smallest cautious Log Ratio (absolute) of a theme over the formed frames of the panel.

    A finding holds in every frame; the brief quotes the least favourable of them, so that a
    ratio found against dated or narrow references is not the one the reader retains.
    """
    row = comp.themes.set_index("theme").loc[theme]
    if comp.sensitivity is None:
        return abs(float(row["lrc"]))
    formed = formed_frame_names(comp)
    res = comp.sensitivity.results
    values = res.loc[(res["theme"] == theme) & res["frame"].isin(formed), "lrc"].abs()
    return float(min(values.min(), abs(float(row["lrc"])))) if len(values) else abs(float(row["lrc"]))


def _over(rows: pd.DataFrame, k: str, lang: str, comp: Comparison) -> list[Message]:
    t = _t(lang)
    if rows.empty:
        return []
    first = rows.iloc[0]
    fields = _fields(first, lang) | {"lowest": ratio(lowest_ratio(comp, first.theme), lang)}
    body = t["zero_body" if first.reference_count == 0 else "over_body"].format(k=k, **fields)
    out = [Message("over", t["over_head"].format(label=_label(first, lang)), body, (first.theme,))]
    rest = rows.iloc[1:]
    if len(rest):
        items = [t["zero_item" if r.reference_count == 0 else "ratio_item"].format(
                     **(_fields(r, lang) | {"ratio": ratio(lowest_ratio(comp, r.theme), lang)}))
                 for _, r in rest.iterrows()]  # fmt: skip
        body = t["more_over_body"].format(items=_list(items, lang), k=k)
        out.append(Message("more_over", t["more_over_head"], body, tuple(rest["theme"])))
    return out


def _dependent(table: pd.DataFrame, n_refs: int, lang: str) -> list[Message]:
    t = _t(lang)
    rows = table[table["status"] == "frame-dependent"]
    if rows.empty:
        return []
    rows = rows.assign(shown=[_label(r, lang) for _, r in rows.iterrows()]).sort_values("shown")
    phrases: list[str] = []
    for _, r in rows.iterrows():
        names = [x for x in f"{r['flips']};{r['disagree']}".split(";") if x]
        for name in names:
            phrase = frame_phrase(name, r, n_refs, lang)
            if phrase not in phrases:
                phrases.append(phrase)
    head = t["dependent_head"].format(labels=_list(rows["shown"].tolist(), lang))
    flipped = any(str(x) for x in rows["flips"])
    body = t["dependent_body_flip" if flipped else "dependent_body"].format(frames=_list(phrases, lang))
    return [Message("dependent", head, body, tuple(rows["theme"]))]


def key_messages(comp: Comparison, lang: str = "fr", limit: int = MAX_MESSAGES) -> list[Message]:
    """The brief's key messages, chosen and ordered from the comparison's numbers.

    Parameters
    ----------
    comp : Comparison
        The comparison the brief shows.
    lang : {"fr", "en"}
        Language of the messages.
    limit : int
        At most this many (the most important kept first: see :data:`PRIORITY`).

    Returns
    -------
    list of Message
        In reading order (:data:`ORDER`): what the text is mostly about; the
        themes more present than in the references in every frame (the largest
        first, the others together); those less present; "no clear difference"
        when there is none; the differences to be confirmed; the themes absent
        though common in the references; the closest reference statement.

    Examples
    --------
    >>> from analysis.compare import compare
    >>> messages = key_messages(compare(), "fr")
    >>> 3 <= len(messages) <= 5
    True
    """
    t = _t(lang)
    table = finding_table(comp)
    n_refs = int(comp.frame.get("n_documents", 0))
    k = _n(formed_frames(comp) or 1, lang)
    total = int(table["focus_count"].sum())
    min_count = int(comp.parameters.get("min_count", 3))
    found: dict[str, list[Message]] = {}
    if total < min_count:
        words = _n(int(comp.focus.get("n_tokens", 0)), lang)
        body = t["few_body_zero" if total == 0 else "few_body_one" if total == 1 else "few_body"]
        found["few"] = [Message("few", t["few_head"], body.format(n=_n(total, lang), words=words))]
    else:
        top = dominant_rows(table, lang)
        labels = _list(top["shown"].tolist(), lang)
        items = [
            t["dominant_item_one" if r.focus_count == 1 else "dominant_item"].format(
                label=r.shown, n=_n(r.focus_count, lang)
            )
            for r in top.itertuples()
        ]
        share = fmt_number(top["focus_count"].sum() / total * 100, lang, 0)
        body = t["dominant_body"].format(items=_list(items, lang), share=share, n=_n(total, lang))
        found["dominant"] = [Message("dominant", t["dominant_head"].format(items=labels), body,
                                     tuple(top["theme"]))]  # fmt: skip
        over = stable_rows(table, "over", lang)
        under = stable_rows(table, "under", lang)
        for message in _over(over, k, lang, comp):
            found.setdefault(message.kind, []).append(message)
        if len(under):
            items = [
                t["under_item"].format(
                    **(_fields(r, lang) | {"ratio": ratio(lowest_ratio(comp, r.theme), lang)})
                )
                for _, r in under.iterrows()
            ]  # the least favourable frame's ratio: the body says "in each of the k frames"
            head = t["under_head"].format(labels=_list(under["shown"].tolist(), lang))
            found["under"] = [Message("under", head, t["under_body"].format(items=_list(items, lang), k=k),
                                      tuple(under["theme"]))]  # fmt: skip
        if n_refs < MIN_FRAME_DOCUMENTS:
            body = t["small_frame"].format(n=_n(n_refs, lang), min=MIN_FRAME_DOCUMENTS)
            found["small"] = [Message("small", t["small_head"], body[:1].upper() + body[1:] + ".")]
        elif not table["testable"].fillna(False).astype(bool).any():
            found["untested"] = [
                Message("untested", t["untested_head"], t["untested_body"].format(min=min_count))
            ]
        elif over.empty and under.empty:
            found["none"] = [Message("none", t["none_head"], t["none_body"].format(n=_n(n_refs, lang)))]
        if dependent := _dependent(table, n_refs, lang):
            found["dependent"] = dependent
    absent = absent_rows(table, int(comp.focus.get("n_tokens", 0)), lang)
    if len(absent):
        head = t["absent_head"].format(labels=_list(absent["shown"].tolist(), lang))
        found["absent"] = [Message("absent", head, t["absent_body"].format(n=_n(n_refs, lang)),
                                   tuple(absent["theme"]))]  # fmt: skip
    sim = comp.similarity[comp.similarity["cosine"] > 0]
    if len(sim):
        best = sim.iloc[0]
        tie = len(sim) > 1 and float(best["cosine"] - sim.iloc[1]["cosine"]) < SIMILARITY_TIE
        head = t["closest_tie_head" if tie else "closest_head"].format(
            title=best["title"], date=fmt_date(str(best["date"]), lang)
        )
        body = t["closest_tie_body" if tie else "closest_body"].format(
            n=_n(n_refs, lang), cosine=fmt_number(best["cosine"], lang, 2)
        )
        found["closest"] = [Message("closest", head, body)]
    kept = [kind for kind in PRIORITY if kind in found][: max(int(limit), 0)]
    return [m for kind in ORDER if kind in kept for m in found[kind]]


def what_analysed(comp: Comparison, lang: str = "fr") -> list[str]:
    """Three sentences: the text (genre, source, date, words, title), the frame, the method.

    Examples
    --------
    >>> from analysis.compare import compare
    >>> what_analysed(compare(), "en")[0].startswith("The text analysed is a press article")
    True
    """
    t = _t(lang)
    focus, frame, dic = comp.focus, comp.frame, comp.dictionary
    from urllib.parse import urlsplit

    # the publisher, else the site of the source's address, else "not given"
    site = urlsplit(str(focus.get("source_url") or "")).netloc.removeprefix("www.")
    source = str(focus.get("publisher") or "") or site or t["no_source"]
    fields = {"source": source, "date": fmt_date(str(focus.get("date", "")), lang) or "–",
              "words": _n(int(focus.get("n_tokens", 0)), lang),
              "title": str(focus.get("title", "")),
              "parties": ", ".join(x.strip() for x in str(focus.get("parties", "")).split(";") if x.strip())
              or "–"}  # fmt: skip
    if focus.get("genre") == "press_article":
        first = t["what_press"].format(**fields)
    else:
        genre = GENRES["fr" if lang == "fr" else "en"].get(str(focus.get("genre")), str(focus.get("genre")))
        first = t["what_other"].format(genre=genre, **fields)
    against = t["against"].format(
        n=_n(frame.get("n_documents", 0), lang),
        languages=_list([language_name(x, lang) for x in frame.get("languages", {})], lang),
        first=fmt_date(frame.get("date_min", ""), lang), last=fmt_date(frame.get("date_max", ""), lang),
        rules=frame_rules(frame, lang), genres=genre_summary(frame.get("genres", {}), lang),
    )  # fmt: skip
    from analysis.report.validation_block import instrument_validation

    patterns = dic.to_frame()
    how = t["how"].format(
        themes=_n(len([th for th in dic.themes if not th.parent]), lang),
        patterns=_n(int((patterns["role"] == "include").sum()), lang),
    )
    checked = instrument_validation(dic) if getattr(dic, "hash", None) else None
    if checked is not None:
        how += " " + t["checked"].format(sentences=_n(checked.sentences, lang))
    return [first, against, how]


def caveats(comp: Comparison, lang: str = "fr") -> list[str]:
    """The caveats of :func:`analysis.report.findings.caveat_items`, in the words of the first pages."""
    t = _t(lang)
    return [t[key].format(**fields) for key, fields in caveat_items(comp, lang)]


def profile_themes(comp: Comparison, rows: int = PROFILE_ROWS) -> list[str]:
    """The root themes the first pages' profile shows: the most present in the text, ties by label."""
    themes = comp.themes[comp.themes["is_root"] & (comp.themes["focus_count"] > 0)]
    return themes.sort_values(["focus_count", "theme"], ascending=[False, True])["theme"].head(rows).tolist()


def figure_titles(comp: Comparison, lang: str = "fr") -> dict[str, str]:
    """A conclusion for each figure of the first pages: ``ratios``, ``closest``, ``profile``.

    ``ratios`` names the (at most three) themes more present than in the
    references in every frame, with the smallest of their cautious ratios;
    ``closest`` the most similar reference; ``profile`` the most present theme
    with its rate and the references' median.

    Examples
    --------
    >>> from analysis.compare import compare
    >>> figure_titles(compare(), "en")["ratios"].startswith("Ukraine")
    True
    """
    t = _t(lang)
    n = _n(comp.frame.get("n_documents", 0), lang)
    out: dict[str, str] = {}
    over = stable_rows(finding_table(comp), "over", lang).head(3)
    counted = over[over["reference_count"] > 0]
    if int(comp.frame.get("n_documents", 0)) < MIN_FRAME_DOCUMENTS:
        out["ratios"] = t["fig_small_title"].format(n=n)
    elif over.empty:
        out["ratios"] = t["fig_none_title"].format(n=n)
    elif counted.empty:  # no ratio for a theme the references never mention
        out["ratios"] = t["fig_zero_title"].format(labels=_list(over["shown"].tolist(), lang), n=n)
    else:
        over = counted
        key = "fig_over_title" if len(over) > 1 else "fig_over_title_one"
        lowest = min(lowest_ratio(comp, x) for x in over["theme"])
        out["ratios"] = t[key].format(
            labels=_list(over["shown"].tolist(), lang), ratio=ratio(lowest, lang), n=n
        )
    sim = comp.similarity[comp.similarity["cosine"] > 0]
    if len(sim):
        tie = len(sim) > 1 and float(sim.iloc[0]["cosine"] - sim.iloc[1]["cosine"]) < SIMILARITY_TIE
        out["closest"] = t["fig_closest_tie" if tie else "fig_closest_title"].format(
            title=sim.iloc[0]["title"]
        )
    shown = profile_themes(comp, 1)
    if shown:
        row = comp.themes.set_index("theme").loc[shown[0]]
        out["profile"] = t["fig_profile_title"].format(
            label=str(row[f"label_{'fr' if lang == 'fr' else 'en'}"]),
            rate=fmt_number(float(row["focus_per_1000"]), lang, 1),
            median=fmt_number(float(row["reference_median"]), lang, 1),
        )
    return out


# --------------------------------------------------------------------------- blocks


def document_metadata(
    brief: Any, title: str = "", author: str = "", messages: list[Message] | None = None
) -> dict[str, object]:
    """The PDF's metadata: title, author, subject, keywords, language, creation date.

    The keywords are the themes of the key messages (``messages``, when already chosen)
    that the text mentions, its genre and its parties.

    Examples
    --------
    >>> import tempfile
    >>> from analysis.compare import compare
    >>> from analysis.report.brief import Brief, output_folder
    >>> b = Brief(comp=compare(), lang="en", folder=output_folder(tempfile.mkdtemp()))
    >>> meta = document_metadata(b)
    >>> meta["lang"], meta["author"]
    ('en', 'analysis (diplomatic statements analysis)')
    """
    import datetime as dt

    comp, t = brief.comp, brief.t
    present = set(comp.themes.loc[comp.themes["focus_count"] > 0, "theme"])
    messages = key_messages(comp, brief.lang) if messages is None else messages
    themes = [m for message in messages for m in message.themes if m in present]
    labels = [brief.labels.get(x, x) for x in dict.fromkeys(themes)]
    genre = GENRES["fr" if brief.lang == "fr" else "en"].get(str(comp.focus.get("genre")), "")
    return {
        "title": title or t["title"],
        "author": author or t["author"],
        "subject": f"{comp.focus.get('title', '')} — {brief.frame_line()}",
        "keywords": [
            x.strip() for x in [*labels, genre, *str(comp.focus.get("parties", "")).split(";")] if x.strip()
        ],
        "lang": brief.lang,
        "created": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
    }


def front_page(brief: Any, title: str = "", author: str = "") -> Block:
    """Page one: the title, what was analysed, the key messages, what to keep in mind.

    Writes the PDF's metadata (:func:`document_metadata`) to ``report.json`` in the
    run folder, where :func:`analysis.runs.job.render_report` reads it.
    """
    import json

    from analysis.store import write_text

    comp, lang = brief.comp, brief.lang
    t, b = _t(lang), brief.t
    messages = key_messages(comp, lang)
    meta = document_metadata(brief, title, author, messages)
    write_text(json.dumps(meta, ensure_ascii=False, indent=1), brief.folder / METADATA_FILE)
    what = what_analysed(comp, lang)
    url = str(comp.focus.get("source_url") or "")
    parts = [
        f'<section class="front" lang="{_esc(lang)}">',
        f'<p class="kicker">{_esc(b["kicker"])}</p>',
        f'<h1 class="title">{_esc(meta["title"])}</h1>',
        f'<p class="subtitle">{_esc(comp.focus.get("title", ""))}</p>',
        f"<h2>{_esc(t['analysed'])}</h2>",
        "".join(f"<p>{_esc(x)}</p>" for x in what),
    ]
    if url.startswith(("http://", "https://")):
        colon = " :" if lang == "fr" else ":"
        link = f'<a href="{_esc(url)}">{_esc(url)}</a>'
        parts.append(f'<p class="note">{_esc(b["source"])}{colon} {link}</p>')
    items = "".join(
        f'<li><p class="message-head">{_esc(m.headline)}</p><p class="message-body">{_esc(m.body)}</p></li>'
        for m in messages
    )
    parts += [f"<h2>{_esc(t['messages'])}</h2>", f'<ol class="messages">{items}</ol>']
    notes = caveats(comp, lang)
    if notes:
        body = "".join(f"<li>{_esc(x[:1].upper() + x[1:])}.</li>" for x in notes)
        parts += [f"<h2>{_esc(t['keep_in_mind'])}</h2>", f'<ul class="caveats">{body}</ul>']
    parts.append(
        f'<h2>{_esc(t["glossary_head"])}</h2><p class="glossary">{_esc(t["glossary"])}</p>'
        f'<p class="note">{_esc(t["annex_note"])}</p>'
    )
    dic = comp.dictionary
    run = f"{b['run']} {brief.run_id} · " if brief.run_id else ""
    parts.append(f'<p class="note run-line">{_esc(run)}{_esc(b["dictionary"])} {_esc(dic.name)} '
                 f'{_esc(dic.version)} · {_esc(meta["author"])}</p></section>')  # fmt: skip
    return Block("\n".join(parts), "front page")


def front_figures(brief: Any) -> Block:
    """The first pages' figures, each under a title that states its conclusion, and how to read them."""
    from analysis.textplot import textplot_keyness, textplot_similarity, textplot_theme_profile

    comp, lang = brief.comp, brief.lang
    t = _t(lang)
    titles = figure_titles(comp, lang)
    n = _n(comp.frame.get("n_documents", 0), lang)
    roots = comp.themes[comp.themes["is_root"]]
    tested = roots[roots["testable"].fillna(False).astype(bool)]
    rare = roots[~roots["testable"].fillna(False).astype(bool) & (roots["focus_count"] > 0)]
    rare = rare.sort_values(
        ["focus_count", f"label_{'fr' if lang == 'fr' else 'en'}"], ascending=[False, True]
    )
    rare_items = [t["count_item"].format(label=_label(r, lang), n=_n(r.focus_count, lang))
                  for _, r in rare.iterrows()]  # fmt: skip
    cap = (t["fig_over_cap"].format(n=n, rare=_list(rare_items, lang)) if rare_items
           else t["fig_over_cap_all"].format(n=n))  # fmt: skip
    plain = {key: t[f"plot_{key}"] for key in ("significant", "not_significant", "over", "under")}
    plain |= {"log_ratio": t["plot_ratio"], "ratio": t["plot_ratio"], "cosine": t["plot_cosine"],
              "focus": t["plot_focus"], "reference_median": t["plot_median"], "iqr": t["plot_iqr"],
              "rate": t["plot_rate"]}  # fmt: skip
    blocks: list[Block] = []
    if len(tested):
        table = finding_table(comp)
        dependent = set(table.loc[table["status"] == "frame-dependent", "theme"])
        names = {
            k: (t["to_confirm"].format(label=v) if k in dependent else v) for k, v in brief.labels.items()
        }
        fig = textplot_keyness(tested, item="theme", labels=names, lang=lang, texts=plain)
        blocks.append(brief._figure(fig, "front_ratios", cap, title=titles["ratios"]))
    if "profile" in titles:
        shown = roots[roots["theme"].isin(profile_themes(comp))]
        fig = textplot_theme_profile(shown, labels=brief.labels, lang=lang, texts=plain, order="focus")
        k = _n(len(shown), lang)
        blocks.append(brief._figure(fig, "front_profile", t["fig_profile_cap"].format(k=k),
                                    title=titles["profile"]))  # fmt: skip
    if "closest" in titles:
        sim = comp.similarity[comp.similarity["cosine"] > 0].head(SIMILAR_ROWS)
        fig = textplot_similarity(
            sim, titles=brief.doc_labels(SIMILARITY_LABEL_CHARS), lang=lang, top=SIMILAR_ROWS, texts=plain
        )
        k = _n(len(sim), lang)
        blocks.append(brief._figure(fig, "front_similarity", t["fig_closest_cap"].format(k=k),
                                    title=titles["closest"]))  # fmt: skip
    if not blocks:
        return concat()
    return concat(Block(f'<h2 class="front-figures">{_esc(t["figures"])}</h2>', "section"), *blocks)
