"""Build the optional C extension; all other metadata is in pyproject.toml.

``analysis._fastkeys`` is the tokeniser's common case in C, used by corpus-scale
counting (:mod:`analysis.stream`). It is optional: without a C compiler the
package installs and counts with the same regular expression, more slowly.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("analysis._fastkeys", ["src/analysis/_fastkeys.c"], optional=True)])
