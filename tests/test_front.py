"""The brief's first pages (analysis.report.front): every key message is true under its frame.

The expected values are computed here from the comparison's raw tables (per-document
counts, the sensitivity panel), independently of the code that writes the sentences;
the words checked are those of the issue ("mentioned N times in W words, at least R
times as often as in K statements").
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from analysis.compare import compare
from analysis.i18n import FRONT, fmt_number
from analysis.report import front
from analysis.report.annex import ANNEX, anchor, annex_contents
from analysis.report.brief import Brief, output_folder

#: Statistic names a stakeholder does not read without a gloss (issue "The short brief").
JARGON = [
    r"G2",
    r"LRC",
    r"Holm",
    r"cosinus",
    r"cosine",
    r"NFC",
    r"BOM",
    r"Log Ratio",
    r"\bp ?<",
    r"\bIC\b",
    r"\bCI\b",
    r"centile",
    r"percentile",
    r"interquartile",
    r"keyness",
    r"κ",
    r"kappa",
    r"\bF1\b",
    r"sha256",
    r"\btokens?\b",
    r"significati",
    r"\bz\b",
    r"lambda",
]


@pytest.fixture(scope="module")
def comp():
    return compare()


def _texts(comp, lang):
    return {m.kind: m for m in front.key_messages(comp, lang)}


def _formed(comp) -> list[str]:
    frames = comp.sensitivity.frames
    return frames.loc[frames["formed"] & (frames["frame"] != "leave_one_out"), "frame"].tolist()


def _distinct_frames(comp) -> int:
    # frames with the same documents (the selected frame is "same language" by default) are one
    frames = comp.sensitivity.frames
    formed = frames[frames["frame"].isin(_formed(comp))]
    return len({(r.n_documents, r.n_tokens, r.date_min, r.date_max) for r in formed.itertuples()})


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_three_to_five_messages_in_reading_order(comp, lang) -> None:
    messages = front.key_messages(comp, lang)
    assert 3 <= len(messages) <= front.MAX_MESSAGES
    kinds = [m.kind for m in messages]
    assert kinds == sorted(kinds, key=front.ORDER.index)
    assert kinds[0] == "dominant"


def test_dominant_message_counts_and_share(comp) -> None:
    # independent: the focus's root-theme counts from the long counts table
    counts = comp.counts[(comp.counts["doc_id"] == comp.focus_id)]
    roots = set(comp.themes.loc[comp.themes["is_root"], "theme"])
    per_theme = counts[counts["theme"].isin(roots)].groupby("theme")["count"].sum()
    total = int(per_theme.sum())
    top = per_theme.sort_values(ascending=False)
    third = int(top.iloc[2])
    named = top[top >= third]
    m = _texts(comp, "fr")["dominant"]
    assert set(m.themes) == set(named.index)
    share = fmt_number(named.sum() / total * 100, "fr", 0)
    assert f"{share} % des {total} mentions" in m.body
    for theme, n in named.items():
        label = comp.dictionary.labels("fr")[theme]
        assert f"{label} ({int(n)} mentions)" in m.body


def test_over_message_is_true_in_every_frame_and_cautious(comp) -> None:
    m = _texts(comp, "fr")["over"]
    (theme,) = m.themes
    row = comp.themes.set_index("theme").loc[theme]
    a, n1 = int(row["focus_count"]), int(row["focus_tokens"])
    b, n2 = int(row["reference_count"]), int(row["reference_tokens"])
    # "a mentions in n1 words … (b mentions in n2 words)": the counts of the selected frame
    assert f"{a} mentions en {fmt_number(n1, 'fr', 0)} mots" in m.body
    assert f"({b} mentions en {fmt_number(n2, 'fr', 0)} mots)" in m.body
    # "at least R times as often": R is below the observed ratio of rates (a cautious bound)
    stated = float(re.search(r"au moins ([\d,]+) fois", m.body).group(1).replace(",", "."))
    assert 1 < stated <= (a / n1) / (b / n2)
    # "in each of the K frames tried": over in every formed frame of the panel
    res = comp.sensitivity.results
    formed = _formed(comp)
    directions = res[(res["theme"] == theme) & res["frame"].isin(formed)]["direction"]
    assert len(directions) == len(formed) and set(directions) == {"over"}
    assert f"chacun des {_distinct_frames(comp)} cadres" in m.body
    # "in the least favourable, still at least L times": the smallest cautious ratio of the panel
    lowest = float(re.search(r"encore au moins ([\d,]+) fois", m.body).group(1).replace(",", "."))
    frame_lrc = res[(res["theme"] == theme) & res["frame"].isin(formed)]["lrc"].abs()
    assert lowest == pytest.approx(2 ** min(frame_lrc.min(), abs(row["lrc"])), abs=0.05)
    # and it is the largest such difference
    others = front.key_messages(comp, "fr")
    more = next((x for x in others if x.kind == "more_over"), None)
    if more is not None:
        lrc = comp.themes.set_index("theme")["lrc"]
        assert all(lrc[theme] >= lrc[t] for t in more.themes)


def test_dependent_message_names_themes_that_fail_somewhere(comp) -> None:
    m = _texts(comp, "fr").get("dependent")
    assert m is not None
    res = comp.sensitivity.results
    formed = _formed(comp)
    for theme in m.themes:
        directions = set(res[(res["theme"] == theme) & res["frame"].isin(formed)]["direction"])
        assert directions != {"over"} and directions != {"under"}, theme
    assert "Ce ne sont pas des constats" in m.body


def test_absent_message_names_the_themes_a_text_this_long_should_hold(comp) -> None:
    # independent: the references' median rate per theme from per-document counts and lengths,
    # times the text's length: a theme "absent" must be expected at least 3 times
    docs = comp.documents.set_index("doc_id")
    refs = docs.index[docs["role"] == "reference"]
    roots = comp.themes.loc[comp.themes["is_root"], "theme"]
    counts = comp.counts.pivot_table(index="doc_id", columns="theme", values="count", aggfunc="sum")
    counts = counts.reindex(index=docs.index, columns=roots).fillna(0)
    rates = counts.loc[refs].div(docs.loc[refs, "n_tokens"], axis=0) * 1000
    words = int(docs.loc[comp.focus_id, "n_tokens"])
    expected = rates.median() * words / 1000
    want = {t for t in roots if counts.loc[comp.focus_id, t] == 0 and expected[t] >= 3}
    m = _texts(comp, "fr").get("absent")
    assert set(m.themes if m else ()) == want
    # the seed is short (556 words): Trade and economy, absent, would be expected about twice only
    assert expected["trade_economy"] < 3 and counts.loc[comp.focus_id, "trade_economy"] == 0


def test_figure_titles_are_true(comp) -> None:
    titles = front.figure_titles(comp, "fr")
    # ratios: each named theme is over in every formed frame, with a cautious ratio ≥ the stated one
    stated = float(re.search(r"au moins ([\d,]+) fois", titles["ratios"]).group(1).replace(",", "."))
    labels = comp.dictionary.labels("fr")
    named = [t for t, lab in labels.items() if lab in titles["ratios"] and t in set(comp.themes["theme"])]
    assert named
    # "whatever the frame": the stated ratio is at most each named theme's cautious ratio in every frame
    res = comp.sensitivity.results
    formed = _formed(comp)
    for theme in named:
        frame_lrc = res[(res["theme"] == theme) & res["frame"].isin(formed)]["lrc"]
        assert (frame_lrc > 0).all()
        assert all(2**x >= stated - 0.05 for x in frame_lrc)
    # closest: the first of the similarity ranking
    ranked = comp.similarity.sort_values("cosine", ascending=False)
    best = ranked.iloc[0]
    assert best["title"] in titles["closest"]
    # a lead of less than 0.02 is not "most like": the title says several are almost as like
    tie = ranked["cosine"].iloc[0] - ranked["cosine"].iloc[1] < 0.02
    assert titles["closest"].startswith("Plusieurs déclarations") == tie
    # profile: the most present theme, its rate per 1,000 words
    roots = comp.themes[comp.themes["is_root"]].set_index("theme")
    top = roots["focus_count"].idxmax()
    rate = 1000 * roots.loc[top, "focus_count"] / roots.loc[top, "focus_tokens"]
    assert titles["profile"].startswith(labels[top])
    assert fmt_number(rate, "fr", 1) in titles["profile"]


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_first_pages_use_no_statistic_name(comp, lang, tmp_path) -> None:
    b = Brief(comp=comp, lang=lang, folder=output_folder(tmp_path), run_id="test")
    html = b.front().html + b.key_figures().html
    text = re.sub(r"<img[^>]*>", " ", html)  # figure images: their text is checked from the SVG
    svg_text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", _svg_of(html)))
    text = re.sub(r"<[^>]+>", " ", text) + " " + svg_text
    found = {p: m.group(0) + " in «" + text[max(m.start() - 60, 0) : m.end() + 20] + "»"
             for p in JARGON if (m := re.search(p, text, flags=_case(p)))}  # fmt: skip
    assert not found, found


def _case(pattern: str) -> int:
    """Acronyms (G2, CI, BOM) match as written; words (cosinus, Log Ratio) in any case."""
    return re.IGNORECASE if re.search(r"[a-z]{3}", pattern.replace("\\b", "")) else 0


def _svg_of(html: str) -> str:
    import base64

    return " ".join(
        base64.b64decode(x).decode("utf-8")
        for x in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)
    )


def test_first_pages_figures_print_their_text_at_8_pt_or_more(comp, tmp_path) -> None:
    # text width of the A4 page (210 mm minus 2 × 19 mm) and the figures' height cap (200 mm), in pt
    width_pt, height_pt = (210 - 38) / 25.4 * 72, 200 / 25.4 * 72
    b = Brief(comp=comp, lang="fr", folder=output_folder(tmp_path), run_id="test")
    html = b.key_figures().html + b.heatmap().html + b.similarity().html
    import base64

    svgs = [base64.b64decode(x).decode("utf-8")
            for x in re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)]  # fmt: skip
    assert len(svgs) == 5  # three figures of the first pages, the heat map, the similarity bars
    for svg in svgs:
        w = float(re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"', svg).group(1))
        h = float(re.search(r'<svg[^>]*\bheight="([\d.]+)pt"', svg).group(1))
        scale = min(1.0, width_pt / w, height_pt / h)
        sizes = [float(x) for x in re.findall(r"font-size:\s*([\d.]+)px", svg)]
        assert sizes, "chart text must stay text (searchable), not paths"
        assert min(sizes) * scale >= 8 - 1e-6, (min(sizes), scale)


def test_heatmap_and_similarity_name_documents_by_title(comp, tmp_path) -> None:
    b = Brief(comp=comp, lang="fr", folder=output_folder(tmp_path), run_id="test")
    for block in (b.heatmap(), b.similarity()):
        labels = re.findall(r"<text[^>]*>([^<]*)</text>", _svg_of(block.html))
        refs = comp.similarity["doc_id"].head(5).tolist()
        assert not any(doc_id in " ".join(labels) for doc_id in refs)
        assert any("2020" in x for x in labels)  # each title carries its date


def test_document_labels_are_distinct_and_keep_both_ends() -> None:
    from analysis.style import document_labels

    # synthetic titles of one series: the same start, the country at the end
    titles = ["Joint Statement from President Alpha and Prime Minister Betamann of Betaland",
              "Joint Statement from President Alpha and Prime Minister Gammason of Gammaland"]  # fmt: skip
    out = document_labels(["b", "g"], titles, ["2023-07-27", "2023-07-27"], width=50, lang="en")
    assert out["b"] != out["g"]
    assert "Betaland" in out["b"] and "Gammaland" in out["g"]
    assert out["b"].startswith("Joint")
    assert all(len(v) <= 50 for v in out.values())
    same = document_labels(["a", "b"], ["Same", "Same"], ["", ""])
    assert same == {"a": "Same [a]", "b": "Same [b]"}


def test_annex_contents_links_every_annex_section(comp, tmp_path) -> None:
    b = Brief(comp=comp, lang="fr", folder=output_folder(tmp_path), run_id="test")
    html = annex_contents("fr").html
    assert [m for m in re.findall(r'href="#([^"]+)"', html)] == [anchor(k) for k, _ in ANNEX]
    sections = [b.methodology(), b.executive_summary(), b.keyness_themes(), b.sensitivity(),
                b.theme_profile(), b.heatmap(), b.dispersion(), b.kwic_excerpts(), b.press(), b.similarity(),
                b.keyness_words(), b.timeline(), b.reference_table(), b.dictionary_appendix(),
                b.validation(), b.reproducibility({})]  # fmt: skip
    ids = [re.search(r'<h2 id="([^"]+)"', s.html).group(1) for s in sections]
    assert ids == [anchor(k) for k, _ in ANNEX]


def test_metadata_file_and_front_page(comp, tmp_path) -> None:
    import json

    b = Brief(comp=comp, lang="en", folder=output_folder(tmp_path), run_id="test")
    html = b.front("A title", "Jane Analyst").html
    meta = json.loads((tmp_path / front.METADATA_FILE).read_text(encoding="utf-8"))
    assert meta["title"] == "A title" and meta["author"] == "Jane Analyst" and meta["lang"] == "en"
    assert comp.focus["title"] in meta["subject"] and meta["keywords"]
    assert pd.Timestamp(meta["created"]).tzinfo is not None
    assert FRONT["en"]["messages"] in html and "Jane Analyst" in html


def test_front_page_links_the_source_url(comp, tmp_path) -> None:
    import dataclasses

    focus = {**comp.focus, "source_url": "https://example.org/statement-0001"}
    other = dataclasses.replace(comp, focus=focus)
    html = Brief(comp=other, lang="fr", folder=output_folder(tmp_path)).front().html
    assert '<a href="https://example.org/statement-0001">' in html


def test_ratio_figure_marks_differences_to_be_confirmed(comp, tmp_path) -> None:
    # the figure shows every testable theme; those the title leaves out because they do not hold
    # in every frame say so on their label
    b = Brief(comp=comp, lang="fr", folder=output_folder(tmp_path), run_id="test")
    html = b.key_figures().html
    first_svg = _svg_of(html.split("</figure>")[0])
    text = " ".join(re.findall(r"<text[^>]*>([^<]*)</text>", first_svg))
    dependent = _texts(comp, "fr")["dependent"].themes
    assert dependent and text.count("(à confirmer)") == len(dependent)  # labels wrap: count the marks


def test_source_urls_stay_clickable_in_the_pdf(comp, tmp_path) -> None:
    # the reference list's source column and page one's source line are links in the PDF
    import dataclasses

    from pypdf import PdfReader

    from analysis.report.render import html_to_pdf
    from analysis.report.tables import table

    focus = {**comp.focus, "source_url": "https://example.org/statement-0002"}
    page_one = Brief(comp=dataclasses.replace(comp, focus=focus), lang="fr", folder=output_folder(tmp_path))
    refs = pd.DataFrame({"Id": ["synthetic-ref"], "Source": ["https://example.org/reference-0003"]})
    html = page_one.front().html + table(refs, links=["Source"]).html
    pdf = html_to_pdf(f"<html lang='fr'><body>{html}</body></html>", tmp_path / "l.pdf", base_dir=tmp_path)
    uris = {
        a.get_object()["/A"]["/URI"]
        for page in PdfReader(pdf).pages
        for a in page.get("/Annots") or []
        if "/A" in a.get_object() and "/URI" in a.get_object()["/A"]
    }
    assert {"https://example.org/statement-0002", "https://example.org/reference-0003"} <= uris


def test_a_frame_too_small_gives_no_finding() -> None:
    # with the references naming Canada only one shipped statement is left (counted in
    # data/reference/documents.csv): page one must not state any finding, nor "no difference"
    small = compare(parties=["Canada"])
    assert small.frame["n_documents"] < 5
    kinds = [m.kind for m in front.key_messages(small, "fr")]
    assert "small" in kinds
    assert not {"over", "more_over", "under", "none"} & set(kinds)
    assert front.figure_titles(small, "fr")["ratios"].startswith("Avec 1 déclaration(s)")


def test_nothing_testable_is_not_said_to_show_no_difference() -> None:
    # min_count above every theme's count in the seed (14 at most): nothing is tested
    untested = compare(min_count=50)
    kinds = [m.kind for m in front.key_messages(untested, "en")]
    assert "untested" in kinds and "none" not in kinds
