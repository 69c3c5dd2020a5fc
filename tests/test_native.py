"""analysis.native: the C extension is used only when it is this version's."""

from __future__ import annotations

import logging
import types

from analysis import native


def test_a_stale_build_is_not_used_and_reported_once(monkeypatch, caplog, request):
    stale = types.ModuleType("analysis._fastkeys")
    stale.API = native.API - 1  # a build from an older source
    monkeypatch.setattr(native, "_module", stale)
    native.fastkeys.cache_clear()
    request.addfinalizer(native.fastkeys.cache_clear)
    with caplog.at_level(logging.WARNING, logger="analysis.native"):
        assert [native.fastkeys() for _ in range(3)] == [None, None, None]
    assert len([r for r in caplog.records if "another version" in r.getMessage()]) == 1


def test_no_build_means_none(monkeypatch, request):
    monkeypatch.setattr(native, "_module", None)
    native.fastkeys.cache_clear()
    request.addfinalizer(native.fastkeys.cache_clear)
    assert native.fastkeys() is None
