"""Fetch a statement from the web: download its page, extract its main text, import it into ``data/raw``.

``analysis fetch URL`` (or ``analysis fetch --from sources.csv``) does three steps:

- :func:`download` gets the page with the standard library (``urllib.request``): only
  ``http``/``https`` (redirect targets too), at most :data:`MAX_REDIRECTS` redirects,
  an HTML content type (``text/html``, ``application/xhtml+xml``), a size limit read in
  chunks, a socket timeout on connect and on each read and an overall deadline. Plain
  text (``text/plain``) is refused too: save it and import it with ``analysis add``.
- :func:`extract` takes the main text and metadata (title, date, site name) with
  trafilatura, without comments, one blank line between paragraphs.
- :func:`fetch` builds the manifest row by the rules of
  :func:`analysis.ingest.statement_metadata` (options override what the page says) and
  imports the text, the page as served (``<id>.html``) and the provenance
  (``retrieved_at``, ``sha256``, ``extractor``) with :func:`analysis.ingest.raw_add`.
- :func:`url_documents` reads a page once without importing it (``analysis diff A URL``).

Every refusal is a :class:`FetchError` with a one-line message naming the URL.

Examples
--------
>>> download("file:///etc/hostname")
Traceback (most recent call last):
...
analysis.fetch.FetchError: file:///etc/hostname: only http and https URLs can be fetched
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import http.client
import logging
import re
import socket
import tempfile
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from analysis import __version__, config
from analysis.corpus import CorpusError, Problem
from analysis.ingest import _slug, raw_add, statement_metadata
from analysis.paths import safe_path

logger = logging.getLogger(__name__)

__all__ = [
    "Downloaded", "Extracted", "FetchError", "download", "extract", "fetch", "fetch_many", "url_documents",
]  # fmt: skip

MAX_REDIRECTS: int = 5
"""Redirects followed before a download is refused."""
HTML_TYPES: tuple[str, ...] = ("text/html", "application/xhtml+xml")
"""Content types accepted (the page must be HTML for the extraction)."""
MIN_TEXT_CHARS: int = 100
"""Below this many characters the page has no main text (trafilatura then returns menu crumbs)."""
DEFAULT_USER_AGENT: str = f"analysis/{__version__} (statement fetch; Python urllib)"
SKIPPED: str = "skipped"
"""How the message of a :func:`fetch_many` row already imported begins."""
_CHUNK = 64 * 1024


class FetchError(ValueError):
    """A page that cannot be fetched or has no main text (one-line message naming the URL)."""


@dataclass
class Downloaded:
    """A page as served: the body bytes untouched, and how they were obtained."""

    final_url: str
    status: int
    content_type: str
    charset: str | None
    body: bytes
    retrieved_at: str
    redirects: list[tuple[int, str]] = field(default_factory=list)
    """Each redirect followed: (status, target URL)."""


@dataclass
class Extracted:
    """The main text of a page and the metadata found in it ("" when not found)."""

    text: str
    title: str
    date: str
    sitename: str
    language: str
    extractor: str


# ----------------------------------------------------------------------------- download
def _check_scheme(url: str) -> None:
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        raise FetchError(f"{safe_path(url)}: only http and https URLs can be fetched")


class _Watchdog:
    """The overall deadline: when it expires, the sockets of the download are shut down."""

    def __init__(self, seconds: float):
        self.expired = False
        self._socks: list[socket.socket] = []
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def watch(self, sock: socket.socket) -> None:
        self._socks.append(sock)  # appended before the test, as expired is set before the loop
        if self.expired:
            _shutdown(sock)

    def _expire(self) -> None:
        self.expired = True
        for sock in list(self._socks):
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # the file descriptor itself (below TLS): a blocked read returns
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _handlers(dog: _Watchdog) -> list[urllib.request.BaseHandler]:
    """HTTP and HTTPS handlers whose connections the watchdog can shut down."""

    def watched(base: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
        class Watched(base):  # type: ignore[valid-type, misc]
            def connect(self) -> None:
                super().connect()
                dog.watch(self.sock)

        return Watched

    plain, tls = watched(http.client.HTTPConnection), watched(http.client.HTTPSConnection)

    class Plain(urllib.request.HTTPHandler):
        def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(plain, req)

    class TLS(urllib.request.HTTPSHandler):
        def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
            return self.do_open(tls, req, context=self._context)

    return [Plain(), TLS()]


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows redirects to http/https only, records them, refuses loops and more than the cap."""

    def __init__(self, asked: str, chain: list[tuple[int, str]]):
        super().__init__()
        self.asked = asked
        self.chain = chain

    def http_error_302(self, req, fp, code, msg, headers):  # type: ignore[no-untyped-def]
        location = headers.get("location") or headers.get("uri")
        if location:
            target = urljoin(req.full_url, location)
            asked = safe_path(self.asked)
            try:
                if urlsplit(target).scheme.lower() not in ("http", "https"):
                    raise FetchError(f"{asked}: redirect to a non-http(s) URL refused: {safe_path(target)}")
                if target == self.asked or any(url == target for _, url in self.chain):
                    raise FetchError(f"{asked}: redirect loop (back to {safe_path(target)})")
                if len(self.chain) >= MAX_REDIRECTS:
                    raise FetchError(f"{asked}: more than {MAX_REDIRECTS} redirects")
            except FetchError:
                fp.close()
                raise
            self.chain.append((int(code), target))
        return super().http_error_302(req, fp, code, msg, headers)

    http_error_301 = http_error_303 = http_error_307 = http_error_308 = http_error_302


def _opener(asked: str, chain: list[tuple[int, str]], dog: _Watchdog) -> urllib.request.OpenerDirector:
    opener = urllib.request.OpenerDirector()  # no file:, ftp: or data: handler at all
    for handler in (
        urllib.request.ProxyHandler(), urllib.request.UnknownHandler(),
        urllib.request.HTTPDefaultErrorHandler(), _Redirects(asked, chain),
        urllib.request.HTTPErrorProcessor(), *_handlers(dog),
    ):  # fmt: skip
        opener.add_handler(handler)
    return opener


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def download(
    url: str,
    *,
    timeout: float = 20.0,
    max_bytes: int = 5 * 1024 * 1024,
    user_agent: str = DEFAULT_USER_AGENT,
    deadline: float | None = None,
) -> Downloaded:
    """Download one HTML page, refusing what is not one (or too big, or too slow).

    Parameters
    ----------
    url : str
        An ``http`` or ``https`` URL.
    timeout : float
        Seconds allowed to connect and for each read.
    max_bytes : int
        Largest body accepted (read in chunks; the download stops at ``max_bytes + 1``).
    user_agent : str
    deadline : float or None
        Seconds for the whole download, redirects included, so that a server sending a byte
        at a time cannot hold it; default ``6 * timeout``.

    Raises
    ------
    FetchError
        Another scheme, an HTTP error status, a redirect loop, more than
        :data:`MAX_REDIRECTS` redirects or one to another scheme, a content type other
        than HTML, a body over ``max_bytes``, a timeout, an unreachable server.

    Examples
    --------
    >>> download("ftp://example.invalid/statement.html")
    Traceback (most recent call last):
    ...
    analysis.fetch.FetchError: ftp://example.invalid/statement.html: only http and https URLs can be fetched
    """
    _check_scheme(url)
    shown = safe_path(url)
    limit = 6 * timeout if deadline is None else deadline
    chain: list[tuple[int, str]] = []
    request = urllib.request.Request(url, headers={"User-Agent": user_agent, "Accept": ", ".join(HTML_TYPES)})
    retrieved_at = _now()
    with _Watchdog(limit) as dog:
        try:
            with _opener(url, chain, dog).open(request, timeout=timeout) as resp:
                final = resp.geturl()
                where = shown if final == url else f"{shown} (at {safe_path(final)})"
                ctype = resp.headers.get_content_type() if resp.headers.get("Content-Type") else ""
                if ctype not in HTML_TYPES:
                    hint = "; save it and import it with `analysis add`" if ctype == "text/plain" else ""
                    raise FetchError(f"{where}: content type {ctype or 'missing'!r} is not HTML{hint}")
                length = resp.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise FetchError(f"{where}: {int(length)} bytes announced, over the limit of {max_bytes}")
                body = bytearray()
                while len(body) <= max_bytes:
                    chunk = resp.read(min(_CHUNK, max_bytes + 1 - len(body)))
                    if not chunk:
                        break
                    body += chunk
                if len(body) > max_bytes:
                    raise FetchError(f"{where}: page larger than the limit of {max_bytes} bytes")
                status, charset = resp.status, resp.headers.get_content_charset()
        except urllib.error.HTTPError as exc:
            exc.close()
            at = "" if exc.url == url else f" (at {safe_path(exc.url)})"
            raise FetchError(f"{shown}: HTTP error {exc.code} {exc.reason}{at}") from None
        except (OSError, http.client.HTTPException) as exc:
            if dog.expired:
                raise FetchError(f"{shown}: download took longer than {limit:g} s; refused") from None
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError):
                raise FetchError(f"{shown}: timed out (no answer within {timeout:g} s)") from None
            text = " ".join(str(reason).split()) or reason.__class__.__name__
            raise FetchError(f"{shown}: cannot download: {text}") from None
        if dog.expired:  # the shut-down socket ended the body early
            raise FetchError(f"{shown}: download took longer than {limit:g} s; refused")
    logger.info("downloaded %s: %d bytes, %s, %d redirect(s)", shown, len(body), ctype, len(chain))
    return Downloaded(final, status, ctype, charset, bytes(body), retrieved_at, chain)


# ----------------------------------------------------------------------------- extract
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_LANG = re.compile(r"""<html[^>]*?\slang\s*=\s*["']?([A-Za-z]{2})\b""", re.IGNORECASE)
_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "us-ascii", "ascii"}  # as browsers read them


def _decode(html: bytes, charset: str | None) -> str:
    """The page as text: a BOM, else the HTTP charset, else ``<meta charset>``, else UTF-8."""
    if html.startswith(b"\xef\xbb\xbf"):
        return html[3:].decode("utf-8", errors="replace")
    head = html[:4096]
    found = _META_CHARSET.search(head) or _XML_ENCODING.search(head)
    for name in (charset, found.group(1).decode("ascii") if found else None):
        if not name:
            continue
        name = "cp1252" if name.strip().lower() in _WINDOWS_1252 else name.strip()
        try:
            return html.decode(name, errors="replace")
        except LookupError:
            logger.warning("unknown charset %r: ignored", name)
    return html.decode("utf-8", errors="replace")


def _block(element: Any) -> str:
    """One block of trafilatura's XML body as text (line breaks and list items on their own lines)."""
    tag = element.tag
    if tag == "list":
        lines = ["- " + " ".join("".join(item.itertext()).split()) for item in element.iter("item")]
    elif tag == "table":
        lines = [
            " | ".join(" ".join("".join(c.itertext()).split()) for c in row) for row in element.iter("row")
        ]
    else:
        for br in element.iter("lb"):
            br.tail = "\n" + (br.tail or "")
        lines = "".join(element.itertext()).split("\n")
    return "\n".join(re.sub(r"[ \t\r\f\v]+", " ", line).strip() for line in lines if line.strip())


def extract(html: bytes | str, url: str | None = None, *, charset: str | None = None) -> Extracted:
    """The main text of a page (no menus, footers or comments) and its title, date, site name and language.

    Parameters
    ----------
    html : bytes or str
        The page; bytes are decoded by ``charset`` (the HTTP header), else the page's
        ``<meta charset>``, else UTF-8 (ISO-8859-1 read as Windows-1252, as browsers do).
    url : str, optional
        The page's URL (helps trafilatura with relative links and the site name).
    charset : str, optional
        The charset of the HTTP ``Content-Type`` header.

    Returns
    -------
    Extracted
        ``text`` has one blank line between paragraphs; ``date`` is ``YYYY-MM-DD`` or "";
        ``language`` is the page's declared ``fr``/``en`` (``<html lang>``) or "".

    Raises
    ------
    FetchError
        No main text (fewer than :data:`MIN_TEXT_CHARS` characters).

    Examples
    --------
    >>> page = ("<html lang='en'><head><title>Alphaland note</title></head><body><nav>Home</nav><article>"
    ...         "<p>Syldavia and Alphaland agree to meet again in Klow next spring, said the minister.</p>"
    ...         "<p>Both delegations welcomed the new Syldavian railway to the Alphaland border.</p>"
    ...         "</article><footer>Legal notice</footer></body></html>")
    >>> found = extract(page)
    >>> found.text.count("\\n\\n"), found.language, found.extractor.split()[0]
    (1, 'en', 'trafilatura')
    """
    import trafilatura

    text_html = _decode(html, charset) if isinstance(html, bytes) else html
    shown = safe_path(url or "page")
    try:
        doc = trafilatura.bare_extraction(text_html, url=url, with_metadata=True, include_comments=False)
    except ImportError as exc:  # e.g. lxml_html_clean missing from an environment installed by hand
        raise FetchError(f"{shown}: the page cannot be read here ({exc}); reinstall the package") from None
    if doc is None:
        raise FetchError(f"{shown}: no main text found in the page")
    body = getattr(doc, "body", None)
    if body is not None and len(body):
        text = "\n\n".join(b for b in (_block(el) for el in body) if b)
    else:
        text = re.sub(r"\n+", "\n\n", (doc.text or "").strip())
    if len(text.strip()) < MIN_TEXT_CHARS:
        raise FetchError(f"{shown}: no main text found in the page ({len(text.strip())} characters)")
    lang = (getattr(doc, "language", None) or "").lower()[:2]
    if lang not in config.LANGUAGES:
        match = _LANG.search(text_html[:8192])
        lang = match.group(1).lower() if match else ""
    return Extracted(
        text=text,
        title=" ".join((doc.title or "").split()),
        date=(doc.date or "")[:10],
        sitename=" ".join((doc.sitename or "").split()),
        language=lang if lang in config.LANGUAGES else "",
        extractor=f"trafilatura {trafilatura.__version__}",
    )


# ----------------------------------------------------------------------------- import
def _imported_ids() -> set[str]:
    manifest = config.RAW_MANIFEST
    if not manifest.is_file():
        return set()
    with manifest.open(encoding="utf-8-sig", newline="") as handle:
        return {row.get("id", "") for row in csv.DictReader(handle)}


def _default_id(title: str, url: str) -> str:
    """An id from the title (at most 60 characters, cut at a hyphen), else the URL's last path segment."""
    slug = _slug(title) if title else ""
    if len(slug) > 60:
        slug = slug[:61].rsplit("-", 1)[0]
    if not slug or slug == "statement":
        last = urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]
        slug = _slug(re.sub(r"\.(s?html?|php|aspx?)$", "", last, flags=re.IGNORECASE)) if last else ""
    return slug or "statement"


def fetch(
    url: str,
    *,
    doc_id: str | None = None,
    title: str | None = None,
    date: str | None = None,
    language: str | None = None,
    parties: str | None = None,
    genre: str | None = None,
    publisher: str | None = None,
    license: str | None = None,
    timeout: float = 20.0,
    max_bytes: int = 5 * 1024 * 1024,
    deadline: float | None = None,
) -> dict[str, str]:
    """Download a statement's page, extract its text and import it into ``data/raw`` with provenance.

    Parameters
    ----------
    url : str
        The page (``source_url`` of the row; the URL reached after redirects goes in ``notes``).
    doc_id, title, date, language, parties, genre, publisher, license : str, optional
        Metadata; each overrides what the page says (trafilatura's title, date, site name,
        ``<html lang>``). Default id: the title slugified, else the URL's last segment.
    timeout, max_bytes, deadline
        As for :func:`download`.

    Returns
    -------
    dict
        The manifest row as written (``path`` is ``<id>.txt`` in ``data/raw``).

    Raises
    ------
    FetchError
        The download or the extraction failed (:func:`download`, :func:`extract`).
    CorpusError
        The row breaks a manifest rule, e.g. no date in the page and none given.
    FileExistsError
        The id (or one of its files) is already in ``data/raw``; nothing is written.

    Examples
    --------
    >>> fetch("gopher://example.invalid/1", date="2021-01-02")
    Traceback (most recent call last):
    ...
    analysis.fetch.FetchError: gopher://example.invalid/1: only http and https URLs can be fetched
    """
    _check_scheme(url)
    if doc_id and doc_id in _imported_ids():  # before any download
        raise FileExistsError(f"{safe_path(config.RAW_MANIFEST)}: id {doc_id!r} is already imported")
    page = download(url, timeout=timeout, max_bytes=max_bytes, deadline=deadline)
    found = extract(page.body, page.final_url, charset=page.charset)
    title = title or found.title or None
    doc_id = doc_id or _default_id(title or "", url)
    notes = f"fetched; final URL after redirects: {page.final_url}" if page.final_url != url else ""
    with tempfile.TemporaryDirectory(prefix="analysis-fetch-") as tmp:
        text_file = Path(tmp) / f"{doc_id}.txt"
        data = (found.text.strip() + "\n").encode("utf-8")
        text_file.write_bytes(data)
        try:
            row = statement_metadata(
                text_file, id=doc_id, title=title, date=date or found.date,
                language=language or found.language, parties=parties, genre=genre, source_url=url,
                publisher=publisher or found.sitename, license=license, notes=notes,
            )  # fmt: skip
        except CorpusError as exc:  # name the URL, not the temporary file
            problems = [Problem(url, None, p.field, p.message.split(" (or date")[0]) for p in exc.problems]
            raise CorpusError(problems) from None
    provenance = {"retrieved_at": page.retrieved_at, "extractor": found.extractor}
    return raw_add(data, row, extra={f"{doc_id}.html": page.body}, provenance=provenance)


def fetch_many(csv_path: Path | str, **options: Any) -> list[tuple[str, bool, str]]:
    """Fetch every row of a CSV of sources (``id,title,date,parties,language,source_url,publisher``).

    Each row is fetched with its own metadata (its values override ``options``, the other
    arguments of :func:`fetch`); a row that fails is reported and the others go on; an id
    already imported is skipped (before any download). ``source_url`` is required; the
    other columns are optional (also ``genre`` and ``license``).

    Returns
    -------
    list of (id, ok, message)
        ``ok`` False for a failure (the message says why); a skipped row is ok with a
        message beginning with :data:`SKIPPED`; an imported row's message is its text's path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> sources = pathlib.Path(tempfile.mkdtemp()) / "sources.csv"
    >>> _ = sources.write_text("id,source_url\\nsyldavie-note,file:///x.html\\n", encoding="utf-8")
    >>> fetch_many(sources)
    [('syldavie-note', False, 'file:///x.html: only http and https URLs can be fetched')]
    """
    names = {"id": "doc_id", "title": "title", "date": "date", "parties": "parties", "language": "language",
             "publisher": "publisher", "genre": "genre", "license": "license"}  # fmt: skip
    with Path(csv_path).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    results: list[tuple[str, bool, str]] = []
    for number, row in enumerate(rows, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
        url = row.get("source_url", "")
        given = {**options, **{names[k]: v for k, v in row.items() if k in names and v}}
        label = given.get("doc_id") or url or f"line {number}"
        if not url:
            results.append((label, False, f"{safe_path(csv_path)} line {number}: no source_url"))
        elif given.get("doc_id") in _imported_ids():
            results.append((label, True, f"{SKIPPED}: id already imported"))
        else:
            try:
                written = fetch(url, **given)
                results.append((written["id"], True, str(config.RAW_DIR / written["path"])))
            except (ValueError, OSError, http.client.HTTPException) as exc:
                message = " ".join(str(exc).split()) or exc.__class__.__name__
                if isinstance(exc, FileExistsError) and "already imported" in message:  # id from the page
                    results.append((label, True, f"{SKIPPED}: {message}"))
                else:
                    results.append((label, False, message))
        if not results[-1][1]:
            logger.warning("%s: failed: %s", safe_path(label), results[-1][2])
    failed = sum(not ok for _, ok, _ in results)
    skipped = sum(ok and msg.startswith(SKIPPED) for _, ok, msg in results)
    (logger.warning if failed else logger.info)(
        "fetch --from %s: %d fetched, %d skipped, %d failed",
        safe_path(csv_path), len(results) - failed - skipped, skipped, failed,
    )  # fmt: skip
    return results


def url_documents(
    url: str,
    *,
    title: str | None = None,
    date: str | None = None,
    language: str | None = None,
    genre: str | None = None,
    timeout: float = 20.0,
    max_bytes: int = 5 * 1024 * 1024,
) -> Any:
    """Download a page and give its main text as a one-document corpus, **without importing it**.

    For a text read once (``analysis diff A URL``, a report's ``source``): nothing is written
    into ``data/raw``; :func:`fetch` is the import that keeps the page with its provenance.

    Parameters
    ----------
    url : str
        An ``http`` or ``https`` page.
    title, date, language, genre : str, optional
        Override what the page says (title and date from trafilatura, ``<html lang>``, else
        the detected language; genre ``statement``).
    timeout, max_bytes
        As for :func:`download`.

    Returns
    -------
    Corpus
        One row: ``doc_id`` from the title (else the URL), ``source_url`` the URL asked.

    Examples
    --------
    >>> url_documents("ftp://example.invalid/a")
    Traceback (most recent call last):
    ...
    analysis.fetch.FetchError: ftp://example.invalid/a: only http and https URLs can be fetched
    """
    import hashlib

    import pandas as pd

    from analysis.corpus import Corpus, detect_language

    _check_scheme(url)
    page = download(url, timeout=timeout, max_bytes=max_bytes)
    found = extract(page.body, page.final_url, charset=page.charset)
    text = found.text.strip() + "\n"
    title = title or found.title or ""
    lang = language or (found.language if found.language in config.LANGUAGES else detect_language(text))
    row = {
        "doc_id": _default_id(title, url), "title": title, "date": date or found.date, "parties": "",
        "n_parties": 0, "format": "html", "language": lang, "genre": genre or "statement",
        "source_url": url, "publisher": found.sitename, "license": "", "complete": "yes",
        "notes": f"read from {page.final_url} on {page.retrieved_at}; not imported", "heading": "",
        "path": "", "encoding": "utf-8", "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
        "n_bytes": len(text.encode("utf-8")), "text": text,
    }  # fmt: skip
    logger.info("read %s (%d characters, not imported: `analysis fetch` keeps it)", url, len(text))
    return Corpus(docs=pd.DataFrame([row]), history=[{"op": "url_documents", "url": url}])
