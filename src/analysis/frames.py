"""Reference frames: which statements a comparison is made against, and what depends on that choice.

A *frame* is a selection of reference statements named by its rules: language,
genre, parties, a date window before the focus, or explicit ids. A comparison
states its frame (:func:`describe_frame`): the rules, the number of documents
and words, their languages, genres and date range.

The same theme comparison is then recomputed under the frames of
:data:`PANEL` (:func:`textstat_frames`): all references, the focus's language,
its genre family, its parties, the last 24 months, and leave-one-reference-out
on the comparison's own frame. A *finding* (a theme significantly over- or
under-represented in the comparison's frame) is **stable** when every frame
that could be formed finds the same direction, significant, and so does every
leave-one-out drop; otherwise it is **frame-dependent**, and the frames where it
is not significant or flips are named.

Examples
--------
>>> window_since("2024-09-26", "24M")
'2022-09-26'
>>> frame_filters({"language": "fr", "date": "2024-09-26"}, window="24M")["since"]
'2022-09-26'
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

logger = logging.getLogger(__name__)

#: Official statements: the family of genres a press article reports on, and of each other.
STATEMENT_GENRES: tuple[str, ...] = ("joint_statement", "communique", "declaration", "statement")
#: Spoken genres.
SPOKEN_GENRES: tuple[str, ...] = ("speech", "press_conference", "readout")

#: The genres a reference must have to be "of the same genre" as a focus of each genre.
GENRE_FAMILIES: dict[str, tuple[str, ...]] = {
    "press_article": STATEMENT_GENRES,
    **{g: STATEMENT_GENRES for g in STATEMENT_GENRES},
    **{g: SPOKEN_GENRES for g in SPOKEN_GENRES},
}

#: Frames of the sensitivity panel, in display order (``selected`` is the comparison's own).
PANEL: tuple[str, ...] = ("selected", "all", "language", "genre", "parties", "window", "leave_one_out")

#: Window of the panel's ``window`` frame.
PANEL_WINDOW = "24M"

#: A panel frame with fewer reference documents is not formed (too few documents to compare with).
MIN_FRAME_DOCUMENTS = 5

#: Up to this many references, leave-one-out recomputes the comparison without each of them; beyond,
#: only without the references that can weaken some theme most (:func:`leave_one_out_candidates`).
LOO_EXHAUSTIVE = 60

_WINDOW = re.compile(r"^\s*(\d+)\s*([DMY])\s*$", re.IGNORECASE)


def finding_direction(row: Mapping[str, Any]) -> str:
    """``over``/``under`` when a row of a theme comparison is a finding, else ``none`` (or ``n/a``).

    A finding needs both: a Holm-corrected exact test below the level
    (``direction``), and a Log Ratio interval that excludes 0 (``lrc`` non-zero,
    of the same sign). The two can disagree on small counts; then it is no finding.

    Examples
    --------
    >>> finding_direction({"direction": "over", "lrc": 1.2})
    'over'
    >>> finding_direction({"direction": "over", "lrc": 0.0})  # significant test, interval includes 0
    'none'
    """
    direction = str(row["direction"])
    if direction == "n/a":
        return direction
    lrc = float(row["lrc"])
    if (direction == "over" and lrc > 0) or (direction == "under" and lrc < 0):
        return direction
    return "none"


class FrameError(ValueError):
    """A frame that cannot be formed (bad window, a window without a focus date)."""


def window_since(focus_date: str, window: str) -> str:
    """The first date of a window of ``window`` before ``focus_date`` (both ISO dates).

    ``window`` is a number followed by ``D`` (days), ``M`` (calendar months) or
    ``Y`` (years); a month window ending on the 31st starts on the last day of
    the shorter month.

    Raises
    ------
    FrameError
        For a window not written like ``24M``, or a focus date that is not ``YYYY-MM-DD``.

    Examples
    --------
    >>> window_since("2024-09-26", "24M"), window_since("2024-03-31", "1M"), window_since("2024-01-10", "10D")
    ('2022-09-26', '2024-02-29', '2023-12-31')
    """
    import pandas as pd

    match = _WINDOW.match(str(window))
    if not match:
        raise FrameError(f"window {window!r}: write a number and D, M or Y (e.g. '24M')")
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(focus_date or "")):
        raise FrameError(f"window {window!r} needs the focus's date (YYYY-MM-DD); it has {focus_date!r}")
    n, unit = int(match.group(1)), match.group(2).upper()
    offset = {"D": pd.DateOffset(days=n), "M": pd.DateOffset(months=n), "Y": pd.DateOffset(years=n)}[unit]
    return (pd.Timestamp(focus_date) - offset).strftime("%Y-%m-%d")


def frame_filters(
    focus: Mapping[str, Any],
    *,
    language: str | list[str] | None = "focus",
    parties: str | list[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    window: str | None = None,
    genre: str | list[str] | None = None,
    format: str | list[str] | None = None,
    ids: list[str] | None = None,
) -> dict[str, Any]:
    """The metadata filters of a frame, with the focus-relative rules resolved.

    ``language="focus"`` (the default) is the focus's language; ``"all"`` or None
    keeps every language. ``window`` keeps the references of that window up to
    the focus's date (it narrows ``since``/``until``, never widens them).

    Returns
    -------
    dict
        Keyword arguments of :func:`analysis.corpus.filter_documents` plus ``window``.

    Examples
    --------
    >>> f = frame_filters({"language": "en", "date": "2024-09-26"}, language="all", window="1Y")
    >>> f["language"], f["since"], f["until"], f["window"]
    (None, '2023-09-26', '2024-09-26', '1Y')
    """
    if language == "focus":
        language = str(focus.get("language") or "") or None
    elif language == "all":
        language = None
    if window:
        start, end = window_since(str(focus.get("date") or ""), window), str(focus["date"])
        since = max(since, start) if since else start
        until = min(until, end) if until else end
    return {"language": language, "parties": parties, "since": since, "until": until,
            "genre": genre, "format": format, "ids": ids, "window": window or None}  # fmt: skip


def select_references(docs: pd.DataFrame, filters: Mapping[str, Any]) -> pd.DataFrame:
    """The documents of ``docs`` in a frame (``filters`` from :func:`frame_filters`).

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"doc_id": ["a", "b"], "language": ["fr", "en"], "parties": ["", ""],
    ...                   "date": ["2020-01-01", "2024-01-01"], "genre": ["speech", "communique"]})
    >>> select_references(d, frame_filters({"language": "fr"}))["doc_id"].tolist()
    ['a']
    """
    from analysis.corpus import filter_documents

    return filter_documents(docs, **{k: v for k, v in filters.items() if k != "window"})


def describe_frame(
    refs: pd.DataFrame, filters: Mapping[str, Any], *, name: str = "selected"
) -> dict[str, Any]:
    """What a frame is: its rules, and the number, words, languages, genres and dates of its documents.

    Parameters
    ----------
    refs : pandas.DataFrame
        The reference documents of the frame (``language, genre, date, n_tokens``).
    filters : mapping
        Its rules (:func:`frame_filters`).
    name : str
        Its name in :data:`PANEL`.

    Examples
    --------
    >>> import pandas as pd
    >>> refs = pd.DataFrame({"doc_id": ["a", "b"], "language": ["fr", "fr"], "genre": ["communique"] * 2,
    ...                      "date": ["2020-10-01", "2020-09-13"], "n_tokens": [400, 600]})
    >>> d = describe_frame(refs, frame_filters({"language": "fr"}))
    >>> d["n_documents"], d["n_tokens"], d["date_min"], d["date_max"], d["languages"]
    (2, 1000, '2020-09-13', '2020-10-01', {'fr': 2})
    """
    dates = sorted(d for d in refs["date"].astype(str) if re.fullmatch(r"\d{4}-\d{2}-\d{2}", d))

    def tally(column: str) -> dict[str, int]:
        counts = refs[column].astype(str).value_counts()
        return {str(k): int(v) for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}

    return {
        "name": name,
        **{k: _plain(v) for k, v in filters.items()},
        "n_documents": len(refs),
        "n_tokens": int(refs["n_tokens"].sum()) if len(refs) else 0,
        "date_min": dates[0] if dates else "",
        "date_max": dates[-1] if dates else "",
        "languages": tally("language") if len(refs) else {},
        "genres": tally("genre") if len(refs) else {},
    }


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def panel_filters(focus: Mapping[str, Any], selected: Mapping[str, Any]) -> dict[str, dict[str, Any] | None]:
    """The rules of each frame of :data:`PANEL` for a focus (None: the frame cannot be formed).

    - ``selected``: the comparison's own frame;
    - ``all``: every reference, in every language;
    - ``language``: the focus's language;
    - ``genre``: the focus's language and genre family (:data:`GENRE_FAMILIES`: a press
      article is compared with the official statements it reports on);
    - ``parties``: every party of the focus, any language (none without parties);
    - ``window``: the focus's language, the :data:`PANEL_WINDOW` before its date
      (none without a date);
    - ``leave_one_out``: the selected frame, one reference left out at a time.

    In each frame a theme is a finding by :func:`finding_direction`.

    Examples
    --------
    >>> p = panel_filters({"language": "fr", "genre": "press_article", "parties": "France; Canada",
    ...                    "date": "2024-09-26"}, frame_filters({"language": "fr"}))
    >>> p["genre"]["genre"], p["parties"]["parties"], p["window"]["since"]
    (['joint_statement', 'communique', 'declaration', 'statement'], ['France', 'Canada'], '2022-09-26')
    """
    from analysis.corpus import split_parties

    genre = str(focus.get("genre") or "")
    parties = split_parties(str(focus.get("parties") or ""))
    try:
        window = frame_filters(focus, window=PANEL_WINDOW)
    except FrameError:
        window = None
    family = GENRE_FAMILIES.get(genre, (genre,) if genre else ())
    return {
        "selected": dict(selected),
        "all": frame_filters(focus, language="all"),
        "language": frame_filters(focus),
        "genre": {**frame_filters(focus), "genre": list(family)} if family else None,
        "parties": {**frame_filters(focus, language="all"), "parties": parties} if parties else None,
        "window": window,
        "leave_one_out": dict(selected),
    }


def frame_documents(docs: pd.DataFrame, filters: Mapping[str, Any]) -> pd.DataFrame:
    """Like :func:`select_references`, but a ``parties`` rule keeps documents with *every* party.

    (A comparison's ``parties`` filter keeps documents with *any* of them; the
    panel's ``parties`` frame is the focus's own pair.)

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"doc_id": ["a", "b"], "language": ["fr", "en"], "genre": ["", ""],
    ...                   "parties": ["France; Canada", "Canada; Japan"], "date": ["", ""]})
    >>> frame_documents(d, {"parties": ["France", "Canada"]})["doc_id"].tolist()
    ['a']
    """
    from analysis.corpus import split_parties

    wanted = filters.get("parties")
    out = select_references(docs, {**filters, "parties": None})
    if wanted:
        need = {p.lower() for p in ([wanted] if isinstance(wanted, str) else wanted)}
        has_all = out["parties"].map(lambda s: need <= {p.lower() for p in split_parties(s)})
        out = out[has_all].reset_index(drop=True)
    return out


@dataclass
class Sensitivity:
    """The theme comparison recomputed under the frames of :data:`PANEL`.

    Attributes
    ----------
    frames : pandas.DataFrame
        One row per frame: ``frame, formed, n_documents, n_tokens, date_min, date_max,
        languages, genres`` (``formed`` is False, with 0 documents, when the frame
        cannot be formed or has fewer than :data:`MIN_FRAME_DOCUMENTS`).
    results : pandas.DataFrame
        One row per formed frame and theme: ``frame, theme, focus_count, reference_count,
        reference_tokens, lrc, p_holm, testable, direction`` (``leave_one_out`` holds the
        least favourable drop: see ``stability``; ``direction`` is ``n/a`` where some
        document of the frame cannot answer the theme).
    stability : pandas.DataFrame
        One row per theme: ``theme, direction`` (in the selected frame), ``status``
        (``stable``, ``frame-dependent`` or ``none`` when not a finding), ``disagree``
        (frames where it is not significant in that direction, ``;``-separated),
        ``flips`` (frames where it is significant the other way), ``loo_kept`` and
        ``loo_total`` (leave-one-out drops keeping the finding), ``loo_lost_ids``
        (the references whose removal loses it), and ``elsewhere`` (for a non-finding:
        frames where it is significant).
    """

    frames: pd.DataFrame
    results: pd.DataFrame
    stability: pd.DataFrame

    def status(self, theme: str) -> str:
        """The stability status of a theme (``none`` for an unknown theme)."""
        row = self.stability[self.stability["theme"] == theme]
        return str(row["status"].iloc[0]) if len(row) else "none"


def textstat_frames(
    counts: pd.DataFrame,
    documents: pd.DataFrame,
    focus: Mapping[str, Any],
    selected: Mapping[str, Any],
    selected_ids: list[str],
    *,
    min_count: int = 3,
    conf_level: float = 0.95,
    min_documents: int = MIN_FRAME_DOCUMENTS,
) -> Sensitivity:
    """Recompute the theme comparison under each frame of :data:`PANEL`.

    Parameters
    ----------
    counts : pandas.DataFrame
        ``doc_id, theme, count, tokens`` for the focus and every candidate reference
        (the comparison's pool), for the themes to test.
    documents : pandas.DataFrame
        Metadata of the candidate references (``doc_id, language, genre, parties, date,
        n_tokens``), the focus left out.
    focus : mapping
        The focus's metadata (``doc_id, language, genre, parties, date``).
    selected : mapping
        The rules of the comparison's frame (:func:`frame_filters`).
    selected_ids : list of str
        Its reference documents (the panel's ``selected`` and ``leave_one_out`` frames).
    min_count, conf_level
        As :func:`analysis.textstat.textstat_keyness`.
    min_documents : int
        Smallest frame formed.

    Returns
    -------
    Sensitivity

    Examples
    --------
    >>> import pandas as pd
    >>> docs = pd.DataFrame({"doc_id": [f"r{i}" for i in range(6)], "language": ["en"] * 6,
    ...     "genre": ["communique"] * 6, "parties": [""] * 6, "date": ["2020-01-01"] * 6,
    ...     "n_tokens": [1000] * 6})
    >>> counts = pd.DataFrame({"doc_id": ["f", *docs["doc_id"]], "theme": ["t"] * 7,
    ...     "count": [30, 1, 2, 1, 0, 1, 2], "tokens": 1000})
    >>> s = textstat_frames(counts, docs, {"doc_id": "f", "language": "en", "genre": "communique"},
    ...                     frame_filters({"language": "en"}), docs["doc_id"].tolist())
    >>> s.status("t"), int(s.stability.loc[0, "loo_kept"]), int(s.stability.loc[0, "loo_total"])
    ('stable', 6, 6)
    """
    import pandas as pd

    from analysis.textstat import textstat_keyness

    focus_id = str(focus["doc_id"])
    unknown = counts[counts["count"].isna()].groupby("theme")["doc_id"].agg(set).to_dict()
    wide = counts.fillna({"count": 0}).pivot_table(
        index="doc_id", columns="theme", values="count", aggfunc="sum", fill_value=0
    )
    tokens = counts.groupby("doc_id")["tokens"].first().astype("int64")
    themes = list(wide.columns)
    focus_counts, focus_tokens = wide.loc[focus_id], int(tokens.loc[focus_id])
    pool = documents[documents["doc_id"] != focus_id]

    def keyness(ids: list[str]) -> pd.DataFrame:
        ref = wide.reindex(ids, fill_value=0).sum(axis=0)
        t = textstat_keyness(focus_counts, focus_tokens, ref, int(tokens.reindex(ids).sum()), item="theme",
                             min_count=min_count, conf_level=conf_level)  # fmt: skip
        t = t.set_index("theme").reindex(themes)
        t["direction"] = [finding_direction(r) for _, r in t.iterrows()]
        # a theme some document of the frame cannot answer (features only) is not compared in it
        for theme, docs in unknown.items():
            if docs & set(ids):
                t.loc[theme, "direction"] = "n/a"
        return t

    frame_rows, result_rows, tables = [], [], {}
    for name, filters in panel_filters(focus, selected).items():
        if name in ("selected", "leave_one_out"):
            docs = pool[pool["doc_id"].isin(selected_ids)]
        else:
            docs = frame_documents(pool, filters) if filters is not None else pool.iloc[0:0]
        formed = filters is not None and len(docs) >= min_documents
        if name == "selected":
            formed = len(docs) > 0
        row = describe_frame(docs, filters or {}, name=name)
        frame_rows.append({"frame": name, "formed": bool(formed), **{k: row[k] for k in _FRAME_FIELDS}})
        if not formed or name == "leave_one_out":
            continue
        tables[name] = keyness(docs["doc_id"].tolist())
        for theme, r in tables[name].iterrows():
            result_rows.append({"frame": name, "theme": theme, **{k: r[k] for k in _RESULT_FIELDS}})

    base = tables.get("selected")
    drops: dict[str, pd.DataFrame] = {}
    if base is not None and len(selected_ids) > 1:
        for left in leave_one_out_candidates(wide, tokens, selected_ids):
            drops[left] = keyness([d for d in selected_ids if d != left])
        if any((t["direction"] != base["direction"]).any() for t in drops.values()):
            # some removal changes a theme: count exactly, every removal computed
            for left in selected_ids:
                if left not in drops:
                    drops[left] = keyness([d for d in selected_ids if d != left])
    n_drops = len(selected_ids) if drops else 0
    stability = []
    for theme in themes:
        direction = str(base.loc[theme, "direction"]) if base is not None else "none"
        other = {n: str(t.loc[theme, "direction"]) for n, t in tables.items() if n != "selected"}
        lost = sorted(d for d, t in drops.items() if t.loc[theme, "direction"] != direction)
        row = {"theme": theme, "direction": direction, "loo_total": n_drops, "loo_kept": n_drops - len(lost)}
        if direction in ("over", "under"):
            opposite = "under" if direction == "over" else "over"
            disagree = [n for n, d in other.items() if d not in (direction, "n/a")]
            if lost:
                disagree.append("leave_one_out")
            status = "frame-dependent" if disagree else "stable"
            row.update(status=status, disagree=";".join(disagree),
                       flips=";".join(n for n, d in other.items() if d == opposite),
                       loo_lost_ids=";".join(lost), elsewhere="")  # fmt: skip
        else:
            row.update(status="none", disagree="", flips="", loo_lost_ids="",
                       elsewhere=";".join(n for n, d in other.items() if d in ("over", "under")))  # fmt: skip
        stability.append(row)
        if drops:
            worst = min(drops.values(), key=lambda t: abs(t.loc[theme, "lrc"]) if direction != "none" else 0)
            r = worst.loc[theme]
            result_rows.append(
                {"frame": "leave_one_out", "theme": theme, **{k: r[k] for k in _RESULT_FIELDS}}
            )
    logger.info("sensitivity: %d frames formed, %d themes", len(tables), len(themes))
    stab_cols = ["theme", "direction", "status", "disagree", "flips", "loo_kept", "loo_total", "loo_lost_ids",
                 "elsewhere"]  # fmt: skip
    return Sensitivity(
        frames=pd.DataFrame(frame_rows, columns=["frame", "formed", *_FRAME_FIELDS]),
        results=pd.DataFrame(result_rows, columns=["frame", "theme", *_RESULT_FIELDS]),
        stability=pd.DataFrame(stability, columns=stab_cols),
    )


_FRAME_FIELDS = ("n_documents", "n_tokens", "date_min", "date_max", "languages", "genres")
_RESULT_FIELDS = (
    "focus_count",
    "reference_count",
    "reference_tokens",
    "lrc",
    "p_holm",
    "testable",
    "direction",
)


def leave_one_out_candidates(
    counts: pd.DataFrame, tokens: pd.Series, ids: list[str], *, limit: int | None = None
) -> list[str]:
    """The references whose removal leave-one-out recomputes first: all, or those that move a theme most.

    Up to ``limit`` references, all of them. Beyond, for each theme, the references
    on its two Pareto fronts: removing a reference with *fewer* occurrences of
    the theme and *more* words raises the pooled reference rate more, so it weakens
    an over-representation (or makes an under-representation) more than any
    reference it dominates (as many occurrences or more, as many words or fewer);
    the references with *more* occurrences and fewer words act most the other way.
    The test's p-value and the Log Ratio's bound move monotonically with the
    reference count and total, so when no removal of the fronts changes any theme's
    finding, no dominated removal does. :func:`textstat_frames` then counts every
    removal as keeping the findings; as soon as one candidate changes a theme, it
    computes every removal (exact counts). An independent check
    (``tests/test_frames.py``) compares the result with the exhaustive computation.

    Parameters
    ----------
    counts : pandas.DataFrame
        Documents x themes counts (index ``doc_id``).
    tokens : pandas.Series
        Words per document (index ``doc_id``).
    ids : list of str
        The frame's references.
    limit : int, optional
        Largest frame recomputed without each of its references (default :data:`LOO_EXHAUSTIVE`).

    Returns
    -------
    list of str
        Ids, in the order of ``ids``.

    Examples
    --------
    >>> import pandas as pd
    >>> c = pd.DataFrame({"t": [0, 0, 3, 1]}, index=["a", "b", "c", "d"])
    >>> w = pd.Series([100, 500, 200, 50], index=c.index)
    >>> leave_one_out_candidates(c, w, ["a", "b", "c", "d"], limit=2)  # a: dominated by b (0, 500)
    ['b', 'c', 'd']
    """
    if len(ids) <= (LOO_EXHAUSTIVE if limit is None else limit):
        return list(ids)
    sub = counts.reindex(ids, fill_value=0)
    words = tokens.reindex(ids).astype("int64")
    keep: set[str] = set()
    for theme in sub.columns:
        n = sub[theme]
        # over-representation: fewest occurrences, then most words; a document joins the front
        # when it has more words than every document with as few occurrences or fewer
        # (or as many of both as the last one: a tie has the same effect on this theme, not on others)
        last: tuple[int, int] | None = None
        for doc in sorted(ids, key=lambda d: (n[d], -words[d], d)):
            pair = (int(n[doc]), int(words[doc]))
            if last is None or pair[1] > last[1] or pair == last:
                keep.add(doc)
                last = pair
        # under-representation: most occurrences, then fewest words
        last = None
        for doc in sorted(ids, key=lambda d: (-n[d], words[d], d)):
            pair = (int(n[doc]), int(words[doc]))
            if pair[0] > 0 and (last is None or pair[1] < last[1] or pair == last):
                keep.add(doc)
                last = pair
    return [d for d in ids if d in keep]
