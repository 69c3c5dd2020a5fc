"""Shared fixtures: the project's own data, and the shared reference corpus when present."""

from __future__ import annotations

import os

import pytest

from analysis import config

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("MPLCONFIGDIR", str(config.matplotlib_cache_dir()))


@pytest.fixture(scope="session")
def shared_manifest():
    """Path of ../shared/corpus/manifest.csv; the test is skipped when it is absent."""
    if not config.SHARED_CORPUS_MANIFEST.exists():
        pytest.skip(f"shared corpus absent ({config.SHARED_CORPUS_MANIFEST})")
    return config.SHARED_CORPUS_MANIFEST


@pytest.fixture(scope="session")
def seed_clean():
    """The seed article, loaded from data/raw and cleaned."""
    from analysis.clean import corpus_clean
    from analysis.corpus import corpus

    return corpus_clean(corpus())
