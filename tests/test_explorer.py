"""The run's offline HTML explorer: its data (hand counts of a synthetic statement) and a real browser.

The browser tests run headless Chromium (Debian's ``chromium``) on the written file and read
the DOM after its script ran; they skip when Chromium is absent.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from analysis.compare import compare
from analysis.explorer import explorer_data, explorer_html, write_explorer
from analysis.ingest import statement_corpus

HOSTILE = "</script><script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">"
TEXT = (
    "Communiqué de l'Alphaland et de la Syldavie\n\n"
    "L'Alphaland soutient l'Ukraine. La Syldavie soutient aussi l'Ukraine.\n\n"
    "Les deux pays renforcent leur coopération dans l'Arctique.\n"
)
# hand counts: Ukraine twice, Arctique once; cyber never


@pytest.fixture(scope="module")
def comp(tmp_path_factory):
    folder = tmp_path_factory.mktemp("explorer")
    path = folder / "alpha.txt"
    path.write_text(TEXT, encoding="utf-8")
    own = statement_corpus(path, folder / "texts", date="2022-01-10", parties="Alphaland; Syldavie",
                           title=HOSTILE, genre="communique")  # fmt: skip
    return compare(own.docs["doc_id"].iloc[0], corpus_manifest=own.manifest)


def test_explorer_data_has_the_hand_counted_passages(comp):
    data = explorer_data(comp, "fr", columns=5)
    themes = {t["id"]: t for t in data["themes"]}
    assert themes["ukraine"]["count"] == 2 and len(themes["ukraine"]["contexts"]) == 2
    assert [c["kw"] for c in themes["ukraine"]["contexts"]] == ["Ukraine", "Ukraine"]
    assert themes["arctic"]["count"] == 1 and len(themes["arctic"]["contexts"]) == 1
    assert themes["cyber_tech"]["count"] == 0 and themes["cyber_tech"]["contexts"] == []
    assert [c["focus"] for c in data["columns"]] == [True] + [False] * 5
    # the focus column is the focus's rate: 2 mentions in its tokens, per 1,000
    focus_tokens = int(comp.focus["n_tokens"])
    assert themes["ukraine"]["rates"][0] == pytest.approx(2 / focus_tokens * 1000, abs=1e-3)


def test_explorer_is_self_contained_and_escapes_the_data(comp):
    html = explorer_html(comp, "en")
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", html)  # no CDN, no remote file
    payload = html.split('<script type="application/json" id="data">', 1)[1].split("</script>", 1)[0]
    assert "</script" not in payload  # the hostile title cannot close the data block
    assert json.loads(payload)["focus"]["title"] == HOSTILE


def _chromium():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    return exe


def _dom(exe, url):
    done = subprocess.run(
        [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=5000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_explorer_in_a_real_browser_links_a_theme_to_its_passages(comp, tmp_path):
    exe = _chromium()
    page = write_explorer(comp, tmp_path / "explorer.html", "fr")
    dom = _dom(exe, page.as_uri() + "#theme=ukraine")
    rows = re.findall(r'<tr class="(root|sub)[^"]*" data-theme="([\w-]+)"', dom)
    assert {t for _, t in rows} == set(t["id"] for t in explorer_data(comp, "fr")["themes"])
    selected = re.findall(r'<tr class="[^"]*selected[^"]*" data-theme="([\w-]+)"', dom)
    assert selected == ["ukraine"]
    listing = dom.split('id="ctx-list"', 1)[1].split("</ol>", 1)[0]
    assert listing.count("<li>") == 2  # hand count
    assert listing.count('<span class="kw">Ukraine</span>') == 2
    # the hostile title is text, not markup: no image, no script ran
    outside_data = re.sub(r'<script type="application/json" id="data">.*?</script>', "", dom, flags=re.S)
    assert "<img" not in outside_data
    assert dom.split("<title>", 1)[1].startswith("Explorateur des thèmes\u202f: &lt;/script&gt;")  # not pwned
    assert "&lt;/script&gt;" in dom


def test_explorer_without_a_theme_asks_to_choose_one(comp, tmp_path):
    exe = _chromium()
    page = write_explorer(comp, tmp_path / "explorer.html", "en")
    dom = _dom(exe, page.as_uri())
    assert "Choose a theme." in dom and 'class="kw"' not in dom


def test_widgets_show_the_passages_of_the_theme_chosen(comp):
    from analysis.explore_widgets import explore_widget

    ex = explore_widget(comp.focus_id, corpus_manifest=comp.corpus.manifest, lang="fr")
    ex.themes.value = "ukraine"
    assert ex.passages.value.count("<li>") == 2  # hand count
    assert "&lt;/script&gt;" in ex.summary.value  # the hostile title is escaped
    ex.themes.value = "cyber_tech"
    assert "Aucune mention" in ex.passages.value
    same_language = ex.comparison.frame["n_documents"]
    ex.frame.value = "all"  # the references change: the comparison is computed again
    assert ex.comparison.frame["n_documents"] > same_language


def test_word_cloud_draws_the_words_given(tmp_path):
    import numpy as np
    import pandas as pd

    from analysis.textplot_cloud import textplot_wordcloud

    freq = pd.DataFrame({"feature": ["coopération", "sécurité", "Syldavie"], "frequency": [9, 4, 1]})
    fig = textplot_wordcloud(freq, lang="fr")
    image = fig.axes[0].images[0].get_array()
    assert (np.asarray(image) < 250).any()  # something is drawn on the white background
    assert fig.axes[0].get_title(loc="left").startswith("Les mots les plus fréquents")
    with pytest.raises(ValueError):
        textplot_wordcloud(freq.iloc[0:0])


def test_widgets_refuse_an_unknown_focus(comp):
    from analysis.explore_widgets import explore_widget

    with pytest.raises(ValueError, match="no document with id 'zz-typo'"):
        explore_widget("zz-typo", corpus_manifest=comp.corpus.manifest)
