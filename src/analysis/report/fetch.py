"""The weasyprint URL fetcher of the report: ``data:`` URIs and files under the run folder only.

:class:`SafeURLFetcher` is built on first use (module ``__getattr__``), so that
importing the report's building blocks does not import weasyprint (about 0.5 s).

Examples
--------
>>> import tempfile
>>> from analysis.report.fetch import URLRefusedError, safe_url_fetcher
>>> try:
...     safe_url_fetcher(tempfile.mkdtemp())("https://example.com/a.css")
... except URLRefusedError:
...     print("refused")
refused
"""

from __future__ import annotations

import logging
import mimetypes
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from analysis import i18n

if TYPE_CHECKING:  # pragma: no cover
    from weasyprint.urls import URLFetcher

logger = logging.getLogger(__name__)

MAX_FETCH_BYTES: int = 50 * 1024 * 1024
"""Largest local file :class:`SafeURLFetcher` serves."""


class URLRefusedError(ValueError):
    """:class:`SafeURLFetcher` refuses to serve this URL (weasyprint skips the resource)."""


def _make_safe_fetcher_class() -> type[URLFetcher]:
    """Build :class:`SafeURLFetcher` on top of weasyprint's ``URLFetcher``.

    Built on first use, so that importing this module (as the report notebook
    does, for the building blocks) does not import weasyprint (about 0.5 s).
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class SafeURLFetcher(URLFetcher):
        """weasyprint URL fetcher serving only ``data:`` URIs and files under ``base_dir``.

        weasyprint 70 expects a ``URLFetcher`` instance (it reads its attributes);
        this subclass overrides ``fetch``. Refused URLs raise
        :class:`URLRefusedError`; weasyprint logs the error and skips the resource.
        Pass it to ``weasyprint.HTML(..., url_fetcher=...)``: a fetcher given to
        ``write_pdf`` is ignored.

        Parameters
        ----------
        base_dir : path-like
            The only folder files are served from (symlinks and ``..`` resolved).
        max_bytes : int
            Largest file served.

        Examples
        --------
        >>> import tempfile
        >>> fetcher = safe_url_fetcher(tempfile.mkdtemp())
        >>> fetcher("data:text/plain,ok").read()
        b'ok'
        """

        def __init__(self, base_dir: Path | str, *, max_bytes: int = MAX_FETCH_BYTES) -> None:
            super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)
            self.base_dir = Path(base_dir).resolve(strict=True)
            self.max_bytes = max_bytes

        def resolve(self, url: str) -> Path:
            """Return the local file a ``file:`` URL names, if it is served.

            Raises
            ------
            URLRefusedError
                For any other scheme, a remote host, or a path outside ``base_dir``.
            """
            try:
                parts = urlsplit(url)
            except ValueError as error:
                raise URLRefusedError(f"malformed URL: {url[:200]!r}") from error
            if parts.scheme.lower() != "file":
                raise URLRefusedError(f"scheme not served: {url[:200]!r}")
            if parts.netloc not in ("", "localhost"):
                raise URLRefusedError(f"remote file URL not served: {url[:200]!r}")
            try:
                path = Path(url2pathname(parts.path)).resolve()
            except (OSError, ValueError) as error:
                raise URLRefusedError(f"unreadable file URL: {url[:200]!r}") from error
            if not path.is_relative_to(self.base_dir):
                raise URLRefusedError(f"file outside {self.base_dir}: {url[:200]!r}")
            if not path.is_file():
                raise URLRefusedError(f"no such file under {self.base_dir}: {url[:200]!r}")
            return path

        def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> URLFetcherResponse:
            """Serve ``url`` if it is a ``data:`` URI or a file under ``base_dir``.

            Returns
            -------
            weasyprint.urls.URLFetcherResponse
                The resource.

            Raises
            ------
            URLRefusedError
                For everything else.
            """
            if not isinstance(url, str):
                raise URLRefusedError(f"not a URL: {url!r}")
            scheme = url.split(":", 1)[0].strip().lower() if ":" in url else ""
            if scheme == "data":
                return super().fetch(url, headers)
            path = self.resolve(url)
            size = path.stat().st_size
            if size > self.max_bytes:
                raise URLRefusedError(f"file too large ({i18n.human_size(size)}): {path}")
            mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            logger.debug("serving %s (%s)", path, mime)
            return URLFetcherResponse(
                url=path.as_uri(), body=path.read_bytes(), headers={"Content-Type": mime}
            )

    SafeURLFetcher.__module__ = __name__
    SafeURLFetcher.__qualname__ = "SafeURLFetcher"
    return SafeURLFetcher


def __getattr__(name: str) -> Any:
    """Build :class:`SafeURLFetcher` on first use (keeps weasyprint out of imports)."""
    if name == "SafeURLFetcher":
        cls = _make_safe_fetcher_class()
        globals()["SafeURLFetcher"] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def safe_url_fetcher(base_dir: Path | str, *, max_bytes: int = MAX_FETCH_BYTES) -> Any:
    """Return a weasyprint URL fetcher that serves only ``data:`` and files under ``base_dir``.

    Parameters
    ----------
    base_dir : path-like
        The run folder; must exist.
    max_bytes : int
        Largest file served.

    Returns
    -------
    SafeURLFetcher
        A ``weasyprint.urls.URLFetcher`` subclass instance; calling it with a URL
        returns a response or raises :class:`URLRefusedError`.

    Examples
    --------
    >>> import tempfile
    >>> fetcher = safe_url_fetcher(tempfile.mkdtemp())
    >>> try:
    ...     fetcher("http://example.com/a.png")
    ... except URLRefusedError:
    ...     print("refused")
    refused
    """
    return __getattr__("SafeURLFetcher")(base_dir, max_bytes=max_bytes)
