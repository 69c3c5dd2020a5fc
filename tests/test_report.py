"""Tests of analysis.report: building blocks, notebook → HTML, the URL fetcher, HTML → PDF.

The PDF tests build tiny executed notebooks by hand with nbformat (outputs written
directly, no kernel), render them with weasyprint and read them back with pypdf.
"""

from __future__ import annotations

import base64
import logging
import os
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from analysis import report

pypdf = pytest.importorskip("pypdf")

PNG_1PX = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100">'
    '<rect x="10" y="10" width="180" height="80" fill="#0072B2"/></svg>'
)
FIGURE_REPR = "<Figure size 640x480 with 1 Axes>"
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=http://example.com/x.png>",
    "<link href=file:///etc/passwd>",
]


def display(block: report.Block, **extra: str) -> nbformat.NotebookNode:
    """A display_data output as IPython would record it for a Block."""
    data = {"text/html": block.html, "text/plain": repr(block)}
    data.update(extra)
    return new_output("display_data", data=data)


def write_notebook(path: Path, cells: list) -> Path:
    nb = new_notebook(cells=cells)
    nb.metadata["language_info"] = {"name": "python"}
    nbformat.write(nb, path)
    return path


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]


def outline_titles(path: Path) -> set[str]:
    """Titles of all PDF bookmarks, nested ones included."""
    titles: set[str] = set()
    stack = list(pypdf.PdfReader(path).outline)
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        else:
            titles.add(item.title)
    return titles


def squash(text: str) -> str:
    """Text with whitespace and (soft) hyphens removed: line breaks do not matter."""
    return re.sub(r"[\s\u00ad\u2010-]+", "", text)


def sample_cells() -> list:
    facts = {"Corpus": "12 déclarations", "Exécution": "run-2025-01-01"}
    df = pd.DataFrame({"thème": ["défense", "sécurité"], "n": [1234, 56], "taux": [12.5, 0.25]})
    kwic = pd.DataFrame(
        {"doc_id": ["d1"], "pre": ["la France et la"], "keyword": ["défense"], "post": ["commune"]}
    )
    return [
        new_code_cell(
            "from analysis import report\nreport.title_page(...)",
            execution_count=1,
            outputs=[display(report.title_page("Note d'essai", "Sous-titre", facts, lang="fr"))],
        ),
        new_code_cell(
            "import sys\nprint('SECRET_STDOUT')\nsys.stderr.write('SECRET_STDERR')",
            execution_count=2,
            outputs=[
                new_output("stream", name="stdout", text="SECRET_STDOUT\n"),
                new_output("stream", name="stderr", text="SECRET_STDERR\n"),
                display(report.section("Résumé")),
                display(report.paragraphs(["Premier paragraphe du résumé."])),
                display(report.bullet_list(["Point un", "Point deux"])),
            ],
        ),
        new_markdown_cell("## Méthode\n\nUn paragraphe en *markdown*."),
        new_code_cell(
            "fig = make_figure()",
            execution_count=3,
            outputs=[
                display(report.section("Figures")),
                new_output("display_data", data={"image/svg+xml": SVG, "text/plain": "SVGREPR"}),
                new_output("display_data", data={"image/png": PNG_1PX, "text/plain": FIGURE_REPR}),
                new_output("execute_result", data={"text/plain": FIGURE_REPR}, execution_count=3),
                display(report.table(df, caption="Tableau 1")),
                display(report.kwic_block(kwic)),
                display(report.note("Source : calculs.")),
            ],
        ),
        new_code_cell(
            "raise ValueError('SECRET_ERROR')",
            execution_count=4,
            outputs=[
                new_output(
                    "error",
                    ename="ValueError",
                    evalue="SECRET_ERROR",
                    traceback=["Traceback (most recent call last)", "ValueError: SECRET_ERROR"],
                )
            ],
        ),
        new_markdown_cell(
            '<span id="papermill-error-cell" style="color:red">Execution using papermill '
            "encountered an exception here and stopped:</span>",
            metadata={"tags": ["papermill-error-cell-tag"]},
        ),
    ]


@pytest.fixture(scope="module")
def sample_pdf(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("run")
    nb_path = write_notebook(folder / "report.ipynb", sample_cells())
    html = report.notebook_to_html(nb_path, lang="fr", title="Brief d'essai")
    pdf = report.notebook_to_pdf(nb_path, folder / "out" / "report.pdf", title="Brief d'essai")
    return pdf, html


# --------------------------------------------------------------------------- blocks


def test_blocks_escape_markup_and_strip_control_characters() -> None:
    text = "a <script>alert(1)</script> \x07bell \x1b[31mred\x1b[0m \x00 & b"
    for block in (
        report.paragraphs([text]),
        report.bullet_list([text]),
        report.section(text),
        report.note(text),
        report.title_page(text, text, {text: text}),
    ):
        assert "<script>" not in block.html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in block.html
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", block.html)
        assert "&amp; b" in block.html
        assert block._repr_html_() == block.html


def test_section_levels_and_anchor() -> None:
    assert report.section("T", level=3, anchor="a b/c").html == '<h3 id="a-b-c">T</h3>'
    with pytest.raises(ValueError):
        report.section("T", level=7)


def test_title_page_language_and_kicker() -> None:
    assert "Research brief" in report.title_page("T", lang="en").html
    assert 'lang="fr"' in report.title_page("T", lang="fr").html
    with pytest.raises(ValueError):
        report.title_page("T", lang='fr" onload="x')


def test_table_escapes_aligns_and_notes_truncation() -> None:
    df = pd.DataFrame(
        {
            "texte": [HOSTILE[0], "b\x07", None] + ["x"] * 7,
            "n": range(10),
            "ratio": [0.5, 1234.5678, float("nan")] + [0.001] * 7,
            "flag": [True] * 10,
        },
        index=[f"row{i}" for i in range(10)],
    )
    html = report.table(df, caption="<Cap>", max_rows=4).html
    assert "<thead>" in html and "<th" in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    assert "\x07" not in html
    assert "&lt;Cap&gt;" in html
    assert html.count("<tr>") == 5  # header + 4 rows
    assert "6 ligne(s) non affichée(s) sur 10." in html
    assert '<th scope="col" class="num">n</th>' in html
    assert '<th scope="col">flag</th>' in html  # booleans are not numbers
    assert '<td class="num">1\u202f234,57</td>' in html
    assert "row0" not in html  # no index unless asked
    assert "row0" in report.table(df, index=True).html
    english = report.table(df, lang="en", number_format={"ratio": ".1f"}).html
    assert '<td class="num">1234.6</td>' in english
    assert "rows not shown" not in english


def test_table_never_truncates_silently_and_handles_empty() -> None:
    df = pd.DataFrame({"a": range(100)})
    assert "40 row(s) not shown, of 100." in report.table(df, lang="en").html
    assert "Aucune ligne." in report.table(df.iloc[:0]).html
    long_cell = pd.DataFrame({"a": ["mot " * 1000]})
    assert "caractères omis" in report.table(long_cell).html


def test_kwic_block_emphasises_and_escapes() -> None:
    rows = pd.DataFrame(
        {"doc_id": ["d<1>"], "pre": [HOSTILE[1]], "keyword": ["<b>x</b>"], "post": ["\x1bfin"]}
    )
    html = report.kwic_block(rows).html
    assert "<strong>&lt;b&gt;x&lt;/b&gt;</strong>" in html
    assert "&lt;img src=http://example.com/x.png&gt;" in html and "<img" not in html
    assert "d&lt;1&gt;" in html and "\x1b" not in html
    with pytest.raises(ValueError, match="keyword"):
        report.kwic_block(rows.drop(columns="keyword"))


def test_figure_from_matplotlib_is_inline_svg_and_closed() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    block = report.figure(fig, "Légende <i>")
    assert block.html.startswith('<figure class="figure"><img src="data:image/svg+xml;base64,')
    assert "<figcaption>Légende &lt;i&gt;</figcaption>" in block.html
    assert not plt.fignum_exists(fig.number)


def test_figure_from_file_checks_folder_and_type(tmp_path: Path) -> None:
    png = tmp_path / "a.png"
    png.write_bytes(base64.b64decode(PNG_1PX))
    assert "data:image/png;base64," in report.figure(png, base_dir=tmp_path).html
    with pytest.raises(ValueError, match="outside"):
        report.figure(png, base_dir=tmp_path / "sub")
    txt = tmp_path / "a.txt"
    txt.write_text("x")
    with pytest.raises(ValueError, match="SVG, PNG or JPEG"):
        report.figure(txt)


# --------------------------------------------------------------------------- fetcher


def test_fetcher_refuses_network_and_files_outside(tmp_path: Path) -> None:
    base = tmp_path / "run"
    base.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (base / "link.txt").symlink_to(tmp_path / "secret.txt")
    fetcher = report.safe_url_fetcher(base)
    for url in (
        "http://example.com/a.png",
        "https://example.com/a.png",
        "ftp://example.com/a.png",
        "file:///etc/passwd",
        f"{base.as_uri()}/../secret.txt",
        f"{base.as_uri()}/%2e%2e/secret.txt",
        f"{base.as_uri()}/link.txt",
        f"file://otherhost{base}/x.png",
        f"{base.as_uri()}/missing.png",
        "javascript:alert(1)",
        "relative/no-scheme.png",
    ):
        with pytest.raises(report.URLRefusedError):
            fetcher(url)


def test_fetcher_serves_files_inside_and_data_uris(tmp_path: Path) -> None:
    (tmp_path / "figures").mkdir()
    png = tmp_path / "figures" / "a.png"
    png.write_bytes(base64.b64decode(PNG_1PX))
    fetcher = report.safe_url_fetcher(tmp_path)
    from weasyprint.urls import URLFetcher

    assert isinstance(fetcher, URLFetcher)
    response = fetcher(png.as_uri())
    assert response.read() == png.read_bytes()
    assert response.content_type == "image/png"
    response.close()
    data = fetcher("data:text/plain;base64," + base64.b64encode(b"hello").decode())
    assert data.read() == b"hello"


# --------------------------------------------------------------------------- notebook → HTML


def test_notebook_to_html_prints_no_code_streams_errors_or_reprs(
    sample_pdf: tuple[Path, str],
) -> None:
    _, html = sample_pdf
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in html
    for absent in (
        "SECRET_STDOUT",
        "SECRET_STDERR",
        "SECRET_ERROR",
        "Traceback",
        "make_figure",
        "from analysis import report",
        "Figure size",
        "SVGREPR",
        "papermill",
        "In&nbsp;[",
        "jp-",
    ):
        assert absent not in html, absent
    assert "data:image/svg+xml;base64," in html
    assert "data:image/png;base64," in html  # the PNG, not its <Figure …> repr
    assert "<h2>Résumé</h2>" in html
    assert "Méthode" in html
    assert "<title>Brief d'essai</title>" in html


def test_prepare_notebook_keeps_first_mimetype_of_priority() -> None:
    nb = new_notebook(
        cells=[
            new_code_cell(
                "x",
                outputs=[
                    new_output(
                        "display_data",
                        data={"text/plain": "p", "image/png": PNG_1PX, "text/html": "<b>h</b>"},
                    ),
                    new_output("display_data", data={"text/plain": "plain value"}),
                    new_output("display_data", data={"application/json": {"a": 1}}),
                    new_output(
                        "execute_result",
                        data={"text/plain": "[<matplotlib.lines.Line2D at 0x7f00>]"},
                        execution_count=1,
                    ),
                ],
            ),
            new_code_cell("parameters", metadata={"tags": ["remove-cell"]}),
        ]
    )
    nb, counts = report.prepare_notebook(nb)
    outputs = nb.cells[0].outputs
    assert [list(output.data) for output in outputs] == [["text/html"], ["text/plain"]]
    assert counts["repr"] == 1 and counts["unprintable"] == 1 and counts["skipped_cells"] == 1
    assert nb.cells[0].source == ""


def test_oversized_outputs_are_replaced_by_a_notice(tmp_path: Path) -> None:
    big = report.paragraphs(["x" * 5000])
    nb_path = write_notebook(
        tmp_path / "big.ipynb",
        [
            new_code_cell("a", outputs=[display(big)]),
            new_code_cell("b", outputs=[display(report.note("petit"))] * 3),
        ],
    )
    html = report.notebook_to_html(nb_path, lang="en", max_output_bytes=4000, max_total_bytes=30)
    assert "x" * 5000 not in html
    assert "exceeds the limit" in html
    assert "exceeds its limit" in html
    assert html.count("petit") == 1


def test_notebook_too_large_is_refused(tmp_path: Path) -> None:
    nb_path = write_notebook(tmp_path / "n.ipynb", [new_markdown_cell("x" * 2000)])
    with pytest.raises(report.ReportError, match="refused"):
        report.notebook_to_html(nb_path, max_file_bytes=1000)
    with pytest.raises(report.ReportError, match="no notebook"):
        report.notebook_to_html(tmp_path / "missing.ipynb")


# --------------------------------------------------------------------------- PDF


@pytest.mark.slow
def test_sample_pdf_has_sections_footer_and_no_code(sample_pdf: tuple[Path, str]) -> None:
    pdf, _ = sample_pdf
    pages = pdf_pages(pdf)
    assert 2 <= len(pages) <= 5
    text = "\n".join(pages)
    for present in ("Note d'essai", "Résumé", "Premier paragraphe", "Point deux", "Méthode"):
        assert present in text, present
    for present in ("Figures", "Tableau 1", "1\u202f234", "défense", "Source : calculs."):
        assert present in text, present
    for absent in ("SECRET", "Traceback", "Figure size", "make_figure", "papermill", "import"):
        assert absent not in text, absent
    # The title page has no header or footer; numbering counts it.
    assert "Page" not in pages[0]
    assert f"Page 2 / {len(pages)}" in pages[1]
    assert "Brief d'essai" in pages[1]  # running header
    assert {"Note d'essai", "Résumé", "Méthode", "Figures"} <= outline_titles(pdf)
    reader = pypdf.PdfReader(pdf)
    assert reader.metadata.title == "Brief d'essai"
    assert not [p for p in pdf.parent.iterdir() if p.name != "report.pdf"]  # no temp file left


@pytest.mark.slow
def test_pdf_without_title_page_numbers_page_one(tmp_path: Path) -> None:
    nb_path = write_notebook(
        tmp_path / "plain.ipynb",
        [new_code_cell("x", outputs=[display(report.section("Seule section"))])],
    )
    pdf = report.notebook_to_pdf(nb_path, tmp_path / "plain.pdf", lang="en", title="T")
    pages = pdf_pages(pdf)
    assert len(pages) == 1
    assert "Page 1 / 1" in pages[0]
    assert "Seule section" in pages[0]


@pytest.mark.slow
def test_hostile_document_renders_markup_as_text(tmp_path: Path) -> None:
    hostile = " ".join(HOSTILE) + " \x07bell \x1b[31mesc\x1b[0m \x0bvt"
    words = " ".join(f"mot{i % 97}" for i in range(50_000))
    df = pd.DataFrame({"texte": [hostile, "ok"], "n": [1, 2]})
    nb_path = write_notebook(
        tmp_path / "hostile.ipynb",
        [
            new_code_cell(
                "x",
                outputs=[
                    display(report.section(hostile)),
                    display(report.paragraphs([hostile, words])),
                    display(report.table(df)),
                    display(report.bullet_list([hostile])),
                ],
            )
        ],
    )
    html = report.notebook_to_html(nb_path)
    assert "<script>" not in html and "<img src=http" not in html and "<link href" not in html
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", html)
    pdf = report.notebook_to_pdf(nb_path, tmp_path / "hostile.pdf")
    reader = pypdf.PdfReader(pdf)
    assert len(reader.pages) > 10
    first = squash(reader.pages[0].extract_text())
    for markup in HOSTILE:
        assert squash(markup) in first, markup
    assert not reader.attachments


@pytest.mark.slow
def test_html_to_pdf_fetches_nothing_outside_base_dir(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    base = tmp_path / "run"
    base.mkdir()
    (base / "ok.png").write_bytes(base64.b64decode(PNG_1PX))
    (tmp_path / "secret.txt").write_text("TOPSECRET")
    html = (
        "<html><body><p>Corps</p>"
        '<img src="http://example.com/x.png">'
        '<img src="ok.png">'
        '<img src="../secret.txt">'
        '<link rel="attachment" href="file:///etc/passwd">'
        f'<link rel="attachment" href="{(tmp_path / "secret.txt").as_uri()}">'
        '<link rel="stylesheet" href="https://example.com/evil.css">'
        "</body></html>"
    )
    with caplog.at_level(logging.DEBUG):
        pdf = report.html_to_pdf(html, base / "a.pdf", base_dir=base)
    reader = pypdf.PdfReader(pdf)
    assert not reader.attachments
    assert "TOPSECRET" not in (reader.pages[0].extract_text() or "")
    log = caplog.text
    assert "example.com" in log and "URLRefusedError" in log
    assert "serving" in log and "ok.png" in log
    assert sorted(os.listdir(base)) == ["a.pdf", "ok.png"]


def test_html_to_pdf_needs_an_existing_base_dir(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        report.html_to_pdf("<p>x</p>", tmp_path / "a.pdf", base_dir=tmp_path / "missing")
    assert not (tmp_path / "a.pdf").exists()


def test_template_hash_is_stable() -> None:
    assert report.template_hash() == report.template_hash()
    assert (report.REPORT_TEMPLATE_DIR / "index.html.j2").is_file()
