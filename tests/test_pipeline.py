"""End to end: the real notebooks run through papermill on the default data, then the PDF.

These are the slowest tests of the suite (a papermill run of the four notebooks and a
weasyprint rendering take about 30 s each).
"""

from __future__ import annotations

import csv
import json
import pathlib
import re

import pandas as pd
import pytest
from pypdf import PdfReader

from analysis import config
from analysis.i18n import fmt_number
from analysis.pipeline import count_documents, load_processed, write_processed
from analysis.runs import run_report

pytestmark = pytest.mark.slow

SECTIONS_FR = [
    "Ce qui a été analysé",
    "Messages clés",
    "À garder en tête",
    "Comment lire les chiffres",
    "En images",
    "Annexe",
    "Sommaire de l'annexe",
    "Constats détaillés",
    "Validation de l'instrument",
    "Équivalence des listes française et anglaise",
    "Profil thématique",
    "Thèmes sur- et sous-représentés",
    "Le texte parmi les déclarations de référence",
    "Où les thèmes apparaissent dans le texte",
    "Extraits en contexte",
    "Déclarations les plus proches",
    "Mots caractéristiques",
    "Évolution des thèmes dans les références",
    "Méthode",
    "Nettoyage",
    "Tokenisation",
    "Dictionnaire et appariement",
    "Statistiques",
    "Limites",
    "Déclarations de référence",
    "Le dictionnaire",
    "Reproductibilité",
]
FORBIDDEN = [
    "Traceback",
    "from analysis import",
    "Brief.from_parameters",
    "load_comparison",
    "b.front",
    "<Figure size",
    "An Exception was encountered",
    "Out[",
    "In [",
]


def _pdf_text(path) -> tuple[str, int]:
    reader = PdfReader(path)
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"[ \u00a0\u202f]+", " ", text), len(reader.pages)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("reports")
    pdf = run_report(
        {}, runs_dir=root / "runs", latest=root / "latest", lock_file=root / ".lock", progress=False
    )
    return root, pdf


def test_default_run_writes_pdf_and_switches_latest(default_run):
    root, pdf = default_run
    run_dir = pdf.parent
    assert pdf.name == f"report-{config.DEFAULT_FOCUS_ID}-fr.pdf"  # the brief's language in its name
    assert (run_dir / f"report-{config.DEFAULT_FOCUS_ID}-fr.html").is_file()  # its HTML twin
    assert (root / "latest").resolve() == run_dir.resolve()
    manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["status"] == "succeeded"
    hashed = {pathlib.Path(p).name for p in manifest["input_hashes"]}
    assert {
        "manifest.csv",
        "fr-ca-2024-09-26-press-fr.txt",
        "defence_security.yaml",
        "token_counts.parquet",
    } <= hashed
    executed = sorted(p.name for p in run_dir.glob("*.ipynb"))
    assert executed == ["01_cleaning.ipynb", "02_themes.ipynb", "03_comparison.ipynb", "04_report.ipynb"]
    for name in ("theme_profile", "keyness_themes", "heatmap", "dispersion", "similarity", "timeline"):
        for ext in ("png", "svg", "pdf"):
            assert (run_dir / "figures" / f"{name}.{ext}").stat().st_size > 1000, (name, ext)
    for table in ("themes", "similarity", "counts", "words", "documents", "cleaning_audit", "kwic"):
        assert (run_dir / "tables" / f"{table}.csv").exists(), table


def test_exploration_notebooks_show_tables_and_figures_inline(default_run):
    _root, pdf = default_run
    expected_figures = {"02_themes.ipynb": 1, "03_comparison.ipynb": 3}
    for name in ("01_cleaning.ipynb", "02_themes.ipynb", "03_comparison.ipynb"):
        nb = json.loads((pdf.parent / name).read_text(encoding="utf-8"))
        html = [
            "".join(out["data"]["text/html"])
            for cell in nb["cells"]
            for out in cell.get("outputs", [])
            if "text/html" in out.get("data", {})
        ]
        tables = sum("<table" in h and "dataframe" in h for h in html)
        figures = sum("data:image/svg+xml" in h for h in html)
        assert tables >= 3, name
        assert figures == expected_figures.get(name, 0), name
    # the exploratory notebooks also keep their figures in the run folder (issue: plain papermill)
    for stem in ("explore_dispersion", "explore_theme_profile", "explore_keyness", "explore_heatmap"):
        for ext in ("png", "svg", "pdf"):
            assert (pdf.parent / "figures" / f"{stem}.{ext}").stat().st_size > 1000, (stem, ext)


def test_pdf_has_every_section_and_no_code(default_run):
    _root, pdf = default_run
    text, pages = _pdf_text(pdf)
    for section in SECTIONS_FR:
        assert section in text, section
    for bad in FORBIDDEN:
        assert bad not in text, bad
    assert 8 <= pages <= 40
    assert f"Page 2 / {pages}" in text


def _outline(reader) -> list[tuple[str, int]]:
    """(title, page index) of every bookmark, depth first."""
    out, stack = [], list(reader.outline)[::-1]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item[::-1])
        else:
            out.append((item.title, reader.get_destination_page_number(item)))
    return out


def test_pdf_part_one_is_at_most_four_pages_then_the_annex(default_run):
    _root, pdf = default_run
    reader = PdfReader(pdf)
    marks = _outline(reader)
    annex = [page for title, page in marks if title == "Annexe"]
    assert len(annex) == 1
    assert 1 <= annex[0] <= 4  # pages 1..annex[0] (0-based index of the annex's page) are part one
    first = "\n".join(reader.pages[i].extract_text() for i in range(annex[0]))
    assert "Messages clés" in first and "Sommaire de l'annexe" not in first
    # the table of contents: one bookmark per annex section, each on the page its entry prints
    toc = reader.pages[annex[0]].extract_text()
    from analysis.i18n import BRIEF
    from analysis.report.annex import ANNEX

    by_title = dict(marks)
    for _key, title_key in ANNEX:
        title = BRIEF["fr"][title_key]
        assert title in by_title, title
        assert by_title[title] >= annex[0]
        line = next(x for x in toc.splitlines() if x.startswith(title[:20]))
        assert line.rstrip().endswith(f" {by_title[title] + 1}"), (line, by_title[title] + 1)


def test_pdf_is_archivable_tagged_and_readable(default_run):
    import shutil
    import stat
    import subprocess

    _root, pdf = default_run
    reader = PdfReader(pdf)
    meta = reader.metadata
    assert meta.title == "Analyse thématique d'une déclaration diplomatique"
    assert meta.author == "analysis (analyse de déclarations diplomatiques)"
    assert meta.subject.startswith("La France et le Canada conviennent")
    assert "Ukraine et guerre d'agression russe" in meta["/Keywords"]
    assert meta.creation_date is not None
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "fr"
    assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root  # tagged
    assert "/Metadata" in root  # XMP metadata stream (PDF/UA)
    assert stat.S_IMODE(pdf.stat().st_mode) == 0o644
    assert pdf.name.endswith("-fr.pdf")
    # fonts embedded; chart text searchable (the figures' axis titles are text, not paths)
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            descendant = font.get_object().get("/DescendantFonts")
            desc = (descendant[0].get_object() if descendant else font.get_object()).get("/FontDescriptor")
            assert desc is not None and any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    text, _pages = _pdf_text(pdf)
    assert "Mentions pour 1 000 mots" in text  # an axis title of the theme profile on page 3
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Tagged:\s+yes$", info, flags=re.M), info


def test_html_twin_is_the_same_brief_self_contained(default_run):
    _root, pdf = default_run
    html = pdf.with_suffix(".html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html and "Messages clés" in html and "Sommaire de l'annexe" in html
    assert not re.search(r"""src=["']?(?:https?:|file:|//)""", html)  # images are inlined
    assert '<link rel="stylesheet"' not in html  # so is the stylesheet
    assert "<style>" in html and "data:image/svg+xml" in html


def test_pdf_annex_prints_the_validation(default_run):
    # the figures of `analysis validate` (the same computation, another path: the CLI's CSV)
    import subprocess
    import sys
    from io import StringIO

    _root, pdf = default_run
    text, _pages = _pdf_text(pdf)
    out = subprocess.run([sys.executable, "-m", "analysis", "-q", "validate", "--format", "csv"],
                         capture_output=True, text=True, check=True).stdout  # fmt: skip
    scores = pd.read_csv(StringIO(out)).query("language == 'all'")
    for row in scores.itertuples():
        if row.precision == row.precision:
            assert fmt_number(row.precision, "fr", 2) in text, row.theme
    from analysis.dictionary import dictionary
    from analysis.report.validation_block import FLAG_MARK, flagged_themes

    dic = dictionary(config.DEFAULT_DICTIONARY)
    for theme in flagged_themes(dic):
        assert f"{dic.labels('fr')[theme]} {FLAG_MARK}" in " ".join(text.split()), theme


def test_pdf_numbers_equal_the_run_tables(default_run):
    _root, pdf = default_run
    text, _pages = _pdf_text(pdf)
    tables = pdf.parent / "tables"
    themes = pd.read_csv(tables / "themes.csv")
    roots = themes[themes["parent"].isna()]
    # every root theme's focus rate and reference rate, as printed in the theme table (2 decimals)
    for row in roots.itertuples():
        assert fmt_number(row.focus_per_1000, "fr", 2) in text, (row.theme, row.focus_per_1000)
        assert fmt_number(row.reference_per_1000, "fr", 2) in text, (row.theme, row.reference_per_1000)
    testable = roots[roots["testable"]]
    for row in testable.itertuples():
        assert fmt_number(row.g2, "fr", 2) in text, (row.theme, row.g2)
    sim = pd.read_csv(tables / "similarity.csv")
    assert fmt_number(sim["cosine"].iloc[0], "fr", 3) in text
    docs = pd.read_csv(tables / "documents.csv")
    focus_tokens = int(docs.loc[docs["role"] == "focus", "n_tokens"].iloc[0])
    assert str(focus_tokens) in text
    # the run's manifest holds the hash of the dictionary named in the report appendix
    # the focus and the default frame: every shipped reference in the focus's language (French)
    with open(config.REFERENCE_DIR / "documents.csv", encoding="utf-8") as fh:
        n_french = sum(row["language"] == "fr" for row in csv.DictReader(fh))
    with open(tables / "documents.csv", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 1 + n_french


def test_failed_run_keeps_latest(default_run, tmp_path):
    from analysis.runs import ParameterError

    root, pdf = default_run
    with pytest.raises(ParameterError):
        run_report(
            {"no_such_parameter": 1}, runs_dir=root / "runs", latest=root / "latest", lock_file=root / ".lock"
        )
    assert (root / "latest").resolve() == pdf.parent.resolve()


def test_hostile_document_renders_safely(tmp_path):
    body = " ".join(f"Alphaland{i % 7} coopère avec Betaland en matière de sécurité." for i in range(7000))
    text = (
        "Titre synthétique\n\n<p>Texte\x07 hostile <script>alert(1)</script> "
        "<img src=http://example.com/x.png> <link href=file:///etc/passwd>\x1b[31m</p>\n\n" + body
    )
    (tmp_path / "hostile.txt").write_text(text, encoding="utf-8")
    title = "Alphaland <script>alert(1)</script> <img src=http://example.com/x.png> & Betaland"
    with open(tmp_path / "manifest.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "title", "date", "parties", "language", "path"])
        w.writerow(["synthetic-hostile", title, "2024-01-01", "Alphaland; Betaland", "fr", "hostile.txt"])
    root = tmp_path / "reports"
    pdf = run_report(
        {"focus_id": "synthetic-hostile", "corpus_manifest": str(tmp_path / "manifest.csv")},
        runs_dir=root / "runs", latest=root / "latest", lock_file=root / ".lock", progress=False,
    )  # fmt: skip
    out, pages = _pdf_text(pdf)
    manifest = json.loads((pdf.parent / "manifest.json").read_text(encoding="utf-8"))
    assert str((tmp_path / "hostile.txt").resolve()) in manifest["input_hashes"]  # user texts are hashed
    assert "<script>alert(1)</script>" in out  # the title is shown as text, not run
    assert "\x07" not in out and "\x1b" not in out
    assert pages <= 40  # the 50,000-word text is analysed, not printed


def test_processed_tables_round_trip(tmp_path):
    out = write_processed(config.RAW_MANIFEST, tmp_path)
    docs, toks, audit = load_processed(out)
    assert docs.loc[0, "doc_id"] == config.DEFAULT_FOCUS_ID
    assert len(docs.loc[0, "sha256"]) == 64
    # punctuation excluded from the token count, by a count on the table itself
    assert int(docs.loc[0, "n_tokens"]) == int((toks["kind"] != "punct").sum())
    assert set(audit["step"]) >= {"title", "boilerplate", "total"}
    assert not list(tmp_path.glob(".*.tmp"))  # atomic writes leave no temp file


def test_count_documents_by_pattern():
    from analysis.corpus import corpus

    table = count_documents(corpus(), by="pattern")
    ukr = table[table["pattern"] == "ukrain*"]
    # hand count in the cleaned seed: Ukraine x4 (paragraphs 1, 2, 3, 5), ukrainiens x2 (4, 5)
    assert int(ukr["count"].iloc[0]) == 6


def test_empty_selection_is_refused_before_any_kernel(tmp_path):
    from analysis.compare import SelectionError

    with pytest.raises(SelectionError, match="no reference document left"):
        run_report(
            {"since": "2030-01-01"},
            runs_dir=tmp_path / "runs",
            latest=tmp_path / "latest",
            lock_file=tmp_path / ".lock",
        )
    assert not (tmp_path / "runs").exists()
