"""Build the optional C extension; all other metadata is in pyproject.toml.

``analysis._fastkeys`` holds the hot loops of corpus-scale counting in C (the
tokeniser's common case, a scanner, the theme tally, the unwrap and typography
steps of cleaning, NFC of only the pieces that may change, the search for
surrogates; see :mod:`analysis.native`). It is optional: without a C
compiler the package installs and gives the same results with its Python code,
more slowly.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("analysis._fastkeys", ["src/analysis/_fastkeys.c"], optional=True)])
