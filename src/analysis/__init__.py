"""Text-as-data analysis of diplomatic statements.

``import analysis`` stays fast (no pandas, nltk or matplotlib at import time):
the public functions are loaded from their modules on first use.

Examples
--------
>>> import analysis
>>> analysis.__version__
'0.1.0'
"""

from __future__ import annotations

import importlib
import logging

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

_LAZY = {
    # constructors
    "corpus": "analysis.corpus",
    "statement_corpus": "analysis.ingest",
    "statement_documents": "analysis.ingest",
    "tokens": "analysis.tokens",
    "dictionary": "analysis.dictionary",
    # transforms
    "corpus_clean": "analysis.clean",
    "tokens_lookup": "analysis.lookup",
    "kwic": "analysis.kwic",
    "tokens_lemmatize": "analysis.lemmas",
    "lemma_counts": "analysis.lemmas",
    # analyses
    "textstat_keyness": "analysis.textstat",
    "textstat_theme_comparison": "analysis.textstat",
    "textstat_similarity": "analysis.textstat",
    "textstat_collocations": "analysis.collocations",
    "textstat_frequency": "analysis.collocations",
    "textstat_ngram_keyness": "analysis.collocations",
}


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_LAZY))
