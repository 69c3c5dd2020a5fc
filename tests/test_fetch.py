"""``analysis fetch``: download, extraction and import, against a local HTTP server (never the internet).

Every page is synthetic (Alphaland, Syldavia); the server runs on 127.0.0.1 in a thread.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import hashlib
import http.server
import re
import socket
import threading
import time
from pathlib import Path

import pytest

from analysis import config
from analysis.corpus import CorpusError, corpus
from analysis.fetch import FetchError, download, extract, fetch, fetch_many, url_documents
from analysis.fetch_cli import add_fetch_parser

EN_TITLE = "Joint statement of Alphaland and Syldavia"
NAV = "NAVMARKER Home of the Alphaland portal, Newsroom, Contact the ministry"
FOOTER = "FOOTERMARKER Legal notice of the Alphaland portal, site map, accessibility"

EN_PARAGRAPHS = [
    "The Foreign Minister of Alphaland received the Syldavian delegation in Klow for a day of talks on "
    "regional cooperation and the shared border.",
    "Both governments reaffirmed their commitment to the Zylvanian river treaty and agreed to hold "
    "regular consultations between their defence staffs.",
    "Alphaland and Syldavia will establish a joint working group on maritime surveillance, which shall "
    "report to both ministers before the end of the season.",
]
EN_PAGE = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Joint statement of Alphaland and Syldavia</title>
<meta name="date" content="2022-06-01">
<meta property="og:site_name" content="Alphaland Foreign Office">
</head><body>
<nav><ul><li><a href="/">{NAV}</a></li></ul></nav>
<main><article><h1>Joint statement of Alphaland and Syldavia</h1>
{"".join(f"<p>{p}</p>" for p in EN_PARAGRAPHS)}
</article></main>
<footer><p>{FOOTER}</p></footer>
</body></html>""".encode()

FR_PARAGRAPHS = [
    "Le Ministre des Affaires syldaves et son homologue de l'Alphaland se sont réunis à Klow pour "
    "examiner l'état de leur coopération régionale.",
    "Les deux parties réaffirment leur attachement à la stabilité de la vallée zylvanienne et "
    "conviennent d'approfondir leurs échanges réguliers.",
    "Elles décident de créer un groupe de travail conjoint chargé de préparer une feuille de route "
    "commune avant la fin de l'été.",
]
FR_PAGE = f"""<!DOCTYPE html>
<html lang="fr"><head>
<title>Déclaration commune de l'Alphaland et de la Syldavie</title>
<meta property="article:published_time" content="2021-03-15T10:00:00+01:00">
<meta property="og:site_name" content="Ministère des Affaires syldaves">
</head><body>
<nav><p>{NAV}</p></nav>
<article><h1>Déclaration commune de l'Alphaland et de la Syldavie</h1>
{"".join(f"<p>{p}</p>" for p in FR_PARAGRAPHS)}
</article>
<footer><p>{FOOTER}</p></footer>
</body></html>""".encode("iso-8859-1")
FR_META_PAGE = FR_PAGE.replace(b"<head>", b'<head><meta charset="iso-8859-1">')

NODATE_PAGE = EN_PAGE.replace(b'<meta name="date" content="2022-06-01">', b"").replace(
    b"Joint statement", b"Undated note"
)
EMPTY_PAGE = f"<html><head><title>Alphaland portal</title></head><body><nav>{NAV}</nav><footer>{FOOTER}</footer></body></html>".encode()  # noqa: E501

HUGE_TOTAL = 64 * 1024 * 1024


class _Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args: object) -> None:  # quiet
        pass

    def _send(self, body: bytes, ctype: str = "text/html; charset=utf-8", status: int = 200) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _redirect(self, location: str, status: int = 302) -> None:
        self.send_response(status)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        state = self.server.state  # type: ignore[attr-defined]
        state["hits"][self.path] = state["hits"].get(self.path, 0) + 1
        with contextlib.suppress(OSError):  # the client gave up (as it should)
            self._route(self.path, state)

    def _route(self, path: str, state: dict) -> None:  # noqa: C901
        pages = {"/en": EN_PAGE, "/nodate": NODATE_PAGE, "/empty": EMPTY_PAGE}
        if path in pages:
            self._send(pages[path])
        elif path == "/fr":
            self._send(FR_PAGE, "text/html; charset=iso-8859-1")
        elif path == "/r1":
            self._redirect("/r2", 301)
        elif path == "/r2":
            self._redirect(f"http://127.0.0.1:{self.server.server_port}/en", 302)
        elif path in ("/loop-a", "/loop-b"):
            self._redirect("/loop-b" if path == "/loop-a" else "/loop-a")
        elif path.startswith("/chain/"):
            left = int(path.rsplit("/", 1)[1])
            self._redirect(f"/chain/{left - 1}") if left else self._send(EN_PAGE)
        elif path == "/to-file":
            self._redirect("file:///etc/passwd")
        elif path == "/to-ftp":
            self._redirect("ftp://127.0.0.1/statement.html")
        elif path == "/pdf":
            self._send(b"%PDF-1.4 synthetic", "application/pdf")
        elif path == "/png":
            self._send(b"\x89PNG\r\n\x1a\n", "image/png")
        elif path == "/plain":
            self._send("\n\n".join(EN_PARAGRAPHS).encode(), "text/plain; charset=utf-8")
        elif path == "/huge":  # no Content-Length: streamed until the client hangs up
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"<p>Syldavia " + b"z" * (64 * 1024 - 16) + b"</p>"
            while state["huge_sent"] < HUGE_TOTAL:
                self.wfile.write(chunk)
                state["huge_sent"] += len(chunk)
        elif path == "/announced":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
            self.wfile.write(b"<html>")
        elif path == "/slow":
            time.sleep(3)
            self._send(EN_PAGE)
        elif path == "/drip":  # headers at once, then a byte every 0.2 s
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            for byte in EN_PAGE[:50]:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        elif path == "/drip-headers":  # even the status line a byte at a time
            for byte in b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nX-Synthetic: " + b"y" * 40:
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(0.2)
        else:
            self._send(b"<html><body>not here</body></html>", status=404)


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    httpd.state = {"hits": {}, "huge_sent": 0}  # type: ignore[attr-defined]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def site(server, monkeypatch):
    """The base URL of the local server (counters reset; no proxy may intercept 127.0.0.1)."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    server.state.update(hits={}, huge_sent=0)
    return f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A temporary project folder; the original one (and ANALYSIS_HOME) restored afterwards."""
    original = config.PROJECT_ROOT
    monkeypatch.setenv("ANALYSIS_HOME", str(tmp_path))  # monkeypatch restores the original value
    config.use_project(tmp_path)
    yield tmp_path
    config.use_project(original)


def _manifest_rows() -> list[dict[str, str]]:
    with config.RAW_MANIFEST.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(folder.iterdir())}


# ----------------------------------------------------------------------------- download
def test_download_keeps_the_bytes_and_the_charset(site):
    page = download(f"{site}/fr", timeout=2)
    assert page.body == FR_PAGE
    assert (page.status, page.content_type, page.charset) == (200, "text/html", "iso-8859-1")
    assert page.redirects == [] and page.final_url == f"{site}/fr"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", page.retrieved_at)


def test_redirect_chain_is_recorded(site):
    page = download(f"{site}/r1", timeout=2)
    assert page.final_url == f"{site}/en" and page.body == EN_PAGE
    assert page.redirects == [(301, f"{site}/r2"), (302, f"{site}/en")]


def test_five_redirects_followed_six_refused(site):
    assert len(download(f"{site}/chain/5", timeout=2).redirects) == 5
    with pytest.raises(FetchError, match="more than 5 redirects"):
        download(f"{site}/chain/6", timeout=2)


def test_redirect_loop_refused(site):
    with pytest.raises(FetchError, match="redirect loop"):
        download(f"{site}/loop-a", timeout=2)


@pytest.mark.parametrize("route, scheme", [("/to-file", "file://"), ("/to-ftp", "ftp://")])
def test_redirect_to_another_scheme_refused(site, route, scheme):
    with pytest.raises(FetchError, match=f"non-http.*{scheme}") as err:
        download(f"{site}{route}", timeout=2)
    assert "\n" not in str(err.value)


def test_http_error_names_url_and_status(site):
    with pytest.raises(FetchError, match=rf"^{re.escape(site)}/missing: HTTP error 404"):
        download(f"{site}/missing", timeout=2)


@pytest.mark.parametrize("route", ["/pdf", "/png", "/plain"])
def test_non_html_refused(site, route):
    with pytest.raises(FetchError, match="is not HTML"):
        download(f"{site}{route}", timeout=2)


def test_huge_page_stops_at_the_limit(site, server):
    start = time.monotonic()
    with pytest.raises(FetchError, match="larger than the limit of 100000 bytes"):
        download(f"{site}/huge", timeout=2, max_bytes=100_000)
    assert time.monotonic() - start < 2
    time.sleep(0.3)  # let the server notice the closed connection
    assert server.state["huge_sent"] < HUGE_TOTAL / 4  # far from all of it was sent, let alone read


def test_announced_length_over_the_limit_refused_before_reading(site):
    with pytest.raises(FetchError, match="1000000000 bytes announced"):
        download(f"{site}/announced", timeout=2)


def test_slow_server_times_out(site):
    start = time.monotonic()
    with pytest.raises(FetchError, match="timed out"):
        download(f"{site}/slow", timeout=0.5)
    assert time.monotonic() - start < 2


@pytest.mark.parametrize("route", ["/drip", "/drip-headers"])
def test_slow_drip_stopped_by_the_deadline(site, route):
    start = time.monotonic()
    with pytest.raises(FetchError, match="took longer than 1 s"):
        download(f"{site}{route}", timeout=0.5, deadline=1.0)
    assert time.monotonic() - start < 2.5


def test_unreachable_server_refused():
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    with pytest.raises(FetchError, match=f"127.0.0.1:{port}/x: cannot download"):
        download(f"http://127.0.0.1:{port}/x", timeout=0.5)


# ----------------------------------------------------------------------------- extract
def test_extract_main_text_without_boilerplate():
    found = extract(EN_PAGE, "http://alphaland.invalid/statement")
    assert found.text.split("\n\n") == ["Joint statement of Alphaland and Syldavia", *EN_PARAGRAPHS]
    assert "NAVMARKER" not in found.text and "FOOTERMARKER" not in found.text
    assert (found.title, found.date, found.language) == (EN_TITLE, "2022-06-01", "en")
    assert found.sitename == "Alphaland Foreign Office" and found.extractor.startswith("trafilatura 2.")


def test_extract_decodes_by_meta_charset_and_http_charset():
    by_meta = extract(FR_META_PAGE)  # no HTTP charset: <meta charset="iso-8859-1">
    by_header = extract(FR_PAGE, charset="iso-8859-1")
    assert by_meta.text == by_header.text and FR_PARAGRAPHS[0] in by_meta.text
    assert (by_meta.date, by_meta.language) == ("2021-03-15", "fr")


def test_page_without_main_text_refused():
    with pytest.raises(FetchError, match="no main text"):
        extract(EMPTY_PAGE, "http://alphaland.invalid/")


# ----------------------------------------------------------------------------- import
def test_fetch_imports_text_page_and_provenance(site, project):
    row = fetch(f"{site}/en", parties="Alphaland; Syldavia")
    doc_id = row["id"]
    assert doc_id == "joint-statement-of-alphaland-and-syldavia"
    text_bytes = (config.RAW_DIR / f"{doc_id}.txt").read_bytes()
    text = text_bytes.decode("utf-8")
    assert all(f"\n\n{p}" in text for p in EN_PARAGRAPHS)
    assert "NAVMARKER" not in text and "FOOTERMARKER" not in text
    assert (config.RAW_DIR / f"{doc_id}.html").read_bytes() == EN_PAGE  # as the server sent it
    (written,) = _manifest_rows()
    assert written["source_url"] == f"{site}/en" and written["notes"] == ""
    assert written["sha256"] == hashlib.sha256(text_bytes).hexdigest()
    assert written["extractor"].startswith("trafilatura ")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", written["retrieved_at"])
    assert (written["title"], written["date"], written["language"]) == (
        "Joint statement of Alphaland and Syldavia", "2022-06-01", "en",
    )  # fmt: skip
    assert written["publisher"] == "Alphaland Foreign Office" and written["path"] == f"{doc_id}.txt"
    docs = corpus(config.RAW_MANIFEST).docs  # the manifest stays valid
    assert docs["doc_id"].tolist() == [doc_id] and EN_PARAGRAPHS[2] in docs.loc[0, "text"]


def test_fetch_latin1_page(site, project):
    row = fetch(f"{site}/fr", doc_id="syldavie-fr")
    text = (config.RAW_DIR / "syldavie-fr.txt").read_text(encoding="utf-8")
    assert FR_PARAGRAPHS[2] in text and "coopération" in text
    assert (config.RAW_DIR / "syldavie-fr.html").read_bytes() == FR_PAGE
    assert (row["date"], row["language"]) == ("2021-03-15", "fr")
    assert row["publisher"] == "Ministère des Affaires syldaves"


def test_options_override_the_page(site, project):
    row = fetch(
        f"{site}/en", doc_id="alpha-1", title="Alphaland communique", date="2020-02-03", language="fr",
        publisher="Syldavian Gazette", genre="statement",
    )  # fmt: skip
    assert (row["id"], row["title"], row["date"], row["language"], row["publisher"]) == (
        "alpha-1", "Alphaland communique", "2020-02-03", "fr", "Syldavian Gazette",
    )  # fmt: skip
    assert _manifest_rows()[0]["title"] == "Alphaland communique"


def test_redirected_fetch_keeps_the_asked_url_and_notes_the_final(site, project):
    row = fetch(f"{site}/r1", doc_id="redirected")
    assert row["source_url"] == f"{site}/r1" and f"{site}/en" in row["notes"]


def test_second_fetch_of_an_id_is_refused_and_changes_nothing(site, server, project):
    fetch(f"{site}/en")
    before = _snapshot(config.RAW_DIR)
    with pytest.raises(FileExistsError, match="already imported"):
        fetch(f"{site}/en")  # same title, so same id
    hits = dict(server.state["hits"])
    with pytest.raises(FileExistsError, match="already imported"):
        fetch(f"{site}/en", doc_id="joint-statement-of-alphaland-and-syldavia")
    assert server.state["hits"] == hits  # a given id is checked before any download
    assert _snapshot(config.RAW_DIR) == before


def test_page_without_date_needs_date(site, project):
    with pytest.raises(CorpusError, match=r"/nodate.*give --date") as err:
        fetch(f"{site}/nodate")
    assert "yaml" not in str(err.value)
    assert not config.RAW_DIR.exists() or not any(config.RAW_DIR.iterdir())
    assert fetch(f"{site}/nodate", date="2019-12-31")["date"] == "2019-12-31"


def test_page_without_main_text_imports_nothing(site, project):
    with pytest.raises(FetchError, match="no main text"):
        fetch(f"{site}/empty", date="2020-01-01")
    assert not config.RAW_MANIFEST.exists()


# ----------------------------------------------------------------------------- command line
def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="analysis")
    add_fetch_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def test_cmd_fetch_one_url(site, project, capsys):
    args = _parser().parse_args(["fetch", f"{site}/nodate", "--id", "undated", "--date", "2018-07-08",
                                 "--parties", "Alphaland; Syldavia", "--timeout", "2"])  # fmt: skip
    assert args.func(args) == 0
    assert capsys.readouterr().out == f"undated\t{config.RAW_DIR / 'undated.txt'}\n"
    assert _manifest_rows()[0]["parties"] == "Alphaland; Syldavia"


def test_cmd_fetch_refuses_bad_usage(site, project):
    parser = _parser()
    both = ["fetch", f"{site}/en", "--from", "x.csv"]
    for argv in (["fetch"], both, ["fetch", "--from", "x.csv", "--title", "T"]):
        args = parser.parse_args(argv)
        with pytest.raises(FetchError):
            args.func(args)
    with pytest.raises(SystemExit):
        parser.parse_args(["fetch", f"{site}/en", "--language", "de"])


def test_fetch_from_csv_reports_failures_and_skips_imported(site, project, tmp_path, capsys):
    sources = tmp_path / "online-sources.csv"
    with sources.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "title", "date", "parties", "language", "source_url", "publisher"])
        writer.writerow(["alpha-en", "Alphaland joint statement", "2022-06-01", "Alphaland; Syldavia", "en",
                         f"{site}/en", "Alphaland Foreign Office"])  # fmt: skip
        writer.writerow(["missing-one", "Lost note", "2022-06-02", "Syldavia", "en", f"{site}/missing", ""])
        writer.writerow(["syldavie-fr", "", "", "Alphaland; Syldavie", "fr", f"{site}/fr", ""])
    args = _parser().parse_args(["fetch", "--from", str(sources), "--timeout", "2"])
    assert args.func(args) == 1  # one row failed
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{i}\t{config.RAW_DIR / (i + '.txt')}" for i in ("alpha-en", "syldavie-fr")]
    rows = {r["id"]: r for r in _manifest_rows()}
    assert sorted(rows) == ["alpha-en", "syldavie-fr"]
    assert rows["alpha-en"]["title"] == "Alphaland joint statement"  # the CSV's own metadata
    assert rows["syldavie-fr"]["date"] == "2021-03-15"  # the page's, the CSV having none
    assert len(corpus(config.RAW_MANIFEST).docs) == 2

    again = fetch_many(sources, timeout=2)
    assert [(i, ok) for i, ok, _ in again] == [
        ("alpha-en", True), ("missing-one", False), ("syldavie-fr", True),
    ]
    assert again[0][2].startswith("skipped") and again[2][2].startswith("skipped")
    assert "HTTP error 404" in again[1][2]


# ----------------------------------------------------------------------------- read once, not imported
def test_url_documents_reads_without_importing(site, project):
    docs = url_documents(f"{site}/en", timeout=2).docs
    assert len(docs) == 1 and not config.RAW_DIR.exists()
    row = docs.iloc[0]
    assert (row["title"], row["date"], row["language"]) == ("Joint statement of Alphaland and Syldavia",
                                                           "2022-06-01", "en")  # fmt: skip
    assert all(p in row["text"] for p in EN_PARAGRAPHS) and FOOTER not in row["text"]
    assert row["source_url"] == f"{site}/en" and "not imported" in row["notes"]
    with pytest.raises(FetchError, match="404"):
        url_documents(f"{site}/missing", timeout=2)


def test_diff_and_quotes_take_urls(site, project, capsys):
    from analysis.cli import main

    # the undated page holds the same three paragraphs as /en: every sentence kept (written above)
    assert main(["diff", f"{site}/en", f"{site}/nodate"]) == 0
    out = capsys.readouterr().out.splitlines()
    rows = [line for line in out if not line.startswith("#")]
    assert [r.split()[0] for r in rows if r.split()[0] != "kept"] == [] and len(rows) >= 3
    # French against English: two versions, sentences paired as translated, nothing kept word for word
    assert main(["diff", f"{site}/fr", f"{site}/en", "--format", "csv"]) == 0
    table = capsys.readouterr().out
    assert "translated" in table and ",kept," not in table
    assert main(["diff", f"{site}/fr", f"{site}/en"]) == 0
    assert "# two languages: sentences paired on their length" in capsys.readouterr().out
    assert not config.RAW_DIR.exists()  # read, never imported
    assert main(["diff", f"{site}/missing", f"{site}/en"]) == 2
