"""The project's own promises: environment files agree, import stays light, notebooks are clean."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from analysis import config

ROOT = config.PROJECT_ROOT


#: PyPI requirement (name with its extras) -> the conda-forge packages that provide it, where
#: the names differ; every other requirement is the conda-forge package of the same name.
PYPI_TO_CONDA: dict[str, tuple[str, ...]] = {
    "dask[distributed]": ("dask", "distributed"),
    "matplotlib": ("matplotlib-base",),  # the same library without the Qt GUI toolkit
    "lxml-html-clean": ("lxml_html_clean",),  # conda-forge's name keeps the underscore
}

#: First line of the LICENSE file for each SPDX identifier pyproject may declare.
LICENSE_TITLES = {
    "MIT": "MIT License",
    "Apache-2.0": "Apache License",
    "BSD-3-Clause": "BSD 3-Clause License",
}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _conda_spec(dep: str) -> tuple[str, str]:
    """Split a conda match spec 'pandas>=2.2' into ('pandas', '>=2.2')."""
    m = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*(.*)", dep.strip())
    assert m, dep
    return m.group(1).lower(), m.group(2).replace(" ", "")


def _conda_mismatches(project: dict, env: dict) -> list[str]:
    """What environment.yml lacks, has in excess, or pins otherwise, against pyproject (every extra)."""
    specs = list(project["dependencies"])
    for group in project["optional-dependencies"].values():
        specs += group
    expected: dict[str, tuple[str, str]] = {}  # conda package -> (its pyproject requirement, specifier)
    for spec in specs:
        req = Requirement(spec)
        key = canonicalize_name(req.name) + (f"[{','.join(sorted(req.extras))}]" if req.extras else "")
        if req.extras:
            assert key in PYPI_TO_CONDA, f"{spec}: add its extras' conda-forge packages to PYPI_TO_CONDA"
        for package in PYPI_TO_CONDA.get(key, (canonicalize_name(req.name),)):
            expected[package] = (spec, str(req.specifier))
    listed: dict[str, str] = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and dep != "pip" and not dep.startswith("python"):
            name, version = _conda_spec(dep)
            listed[name] = version
    problems = []
    for package, (spec, version) in expected.items():
        if package not in listed:
            problems.append(f"{package} ({spec}) missing from environment.yml")
        elif SpecifierSet(listed[package]) != SpecifierSet(version):
            problems.append(f"{package}{listed[package]} in environment.yml, {spec} in pyproject.toml")
    problems += [f"{name} in environment.yml only" for name in listed if name not in expected]
    return problems


def _environment() -> dict:
    return yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project, env = _pyproject(), _environment()
    assert _conda_mismatches(project, env) == []
    assert env["channels"] == ["conda-forge"]
    assert f"python{project['requires-python']}" in env["dependencies"]
    assert "pip" in env["dependencies"]
    (pip,) = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert pip == ["-e ."]  # the package itself, its dependencies already there from conda-forge


def test_environment_check_fails_when_a_package_is_missing_or_differs():
    project, env = _pyproject(), _environment()
    deps = [d for d in env["dependencies"] if d not in ("openpyxl>=3.1", "distributed>=2024.1")]
    deps = [("pandas>=2.0" if d == "pandas>=2.2" else d) for d in deps] + ["requests>=2"]
    problems = _conda_mismatches(project, {**env, "dependencies": deps})
    assert sorted(problems) == sorted(
        [
            "openpyxl (openpyxl>=3.1) missing from environment.yml",
            "distributed (dask[distributed]>=2024.1) missing from environment.yml",
            "pandas>=2.0 in environment.yml, pandas>=2.2 in pyproject.toml",
            "requests in environment.yml only",
        ]
    )
    # a new PyPI dependency with an extra must say which conda-forge packages provide it
    extra = {**project, "dependencies": [*project["dependencies"], "uvicorn[standard]>=0.30"]}
    with pytest.raises(AssertionError, match="PYPI_TO_CONDA"):
        _conda_mismatches(extra, env)


def test_citation_cff_agrees_with_pyproject_and_license():
    project = _pyproject()
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0"
    assert cff["type"] == "software"
    assert cff["version"] == project["version"]
    assert cff["license"] == project["license"]
    assert [a["name"] for a in cff["authors"]] == [a["name"] for a in project["authors"]]
    assert cff["title"].startswith(f"{project['name']}: ")
    assert cff["repository-code"] == project["urls"]["Source"]
    assert cff["keywords"] == project["keywords"]
    first_line = (ROOT / "LICENSE").read_text(encoding="utf-8").splitlines()[0].strip()
    assert first_line == LICENSE_TITLES[project["license"]]
    assert project["license-files"] == ["LICENSE"]


def _lock_pins(text: str) -> dict[str, str]:
    """``name==version`` lines of a requirements file (comments and hashes skipped)."""
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==([^\s;\\]+).*", line)
        assert m, f"requirements.lock: {line!r} is not pinned as name==version"
        pins[canonicalize_name(m.group(1))] = m.group(2)
    return pins


def _lock_problems(requirements: list[str], pins: dict[str, str]) -> list[str]:
    """Each requirement unpinned in the lock, or pinned at a version its specifier refuses."""
    problems = []
    for spec in requirements:
        req = Requirement(spec)
        name = canonicalize_name(req.name)
        if name not in pins:
            problems.append(f"{name} not pinned")
        elif not req.specifier.contains(pins[name], prereleases=True):
            problems.append(f"{name}=={pins[name]} does not satisfy {spec}")
    return problems


def test_requirements_lock_pins_every_runtime_and_dev_dependency():
    project = _pyproject()
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert "make lock" in text.splitlines()[1]  # regenerated by the Makefile target, not by hand
    pins = _lock_pins(text)
    assert _lock_problems(project["dependencies"], pins) == []
    assert _lock_problems(project["optional-dependencies"]["dev"], pins) == []  # compiled with --extra dev
    assert canonicalize_name(project["name"]) not in pins  # the package itself: pip install --no-deps .
    assert ";" not in text  # resolved for one platform (Linux, Python 3.11): no environment markers
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^lock:.*## ", makefile, re.M) and re.search(r"^\.PHONY:.* lock\b", makefile, re.M)


def test_lock_check_fails_when_a_pin_is_missing_or_outside_the_specifier():
    pins = _lock_pins("# header\npandas==2.1.4\n    # via x\nnumpy==1.26.4 \\\n    --hash=sha256:00\n")
    assert pins == {"pandas": "2.1.4", "numpy": "1.26.4"}
    problems = _lock_problems(["pandas>=2.2", "numpy>=1.26", "openpyxl>=3.1"], pins)
    assert problems == ["pandas==2.1.4 does not satisfy pandas>=2.2", "openpyxl not pinned"]
    with pytest.raises(AssertionError, match="not pinned as name==version"):
        _lock_pins("pandas>=2.2\n")


def test_import_analysis_stays_light():
    """`import analysis` must not pull pandas, nltk or matplotlib (they cost seconds)."""
    heavy = "('pandas', 'nltk', 'matplotlib', 'numpy')"
    code = f"import sys, analysis; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, flags=re.S)
    first_two = [c.strip() for c in commands[:2]]
    assert first_two == ["make report", "make test"]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nmake test\n" in ci


def test_notebooks_are_thin_and_committed_without_outputs():
    notebooks = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
    assert [p.name[:3] for p in notebooks] == ["01_", "02_", "03_", "04_", "05_", "06_"]
    assert [p.name for p in config.report_notebooks()] == [p.name for p in notebooks[:4]]  # 05: exploring
    for path in notebooks:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
        code = [c for c in cells if c["cell_type"] == "code"]
        assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), path.name
        assert "parameters" in code[0]["metadata"].get("tags", []), path.name
        params = "".join(code[0]["source"]).splitlines()
        for line in params:
            if line.strip() and not line.lstrip().startswith("#"):
                # annotated (papermill --help-notebook shows the type) and commented (and its meaning)
                assert re.match(r"^\w+: (?:str|int|bool|float|list\[str\]) = .+#\s*\S", line), (
                    f"{path.name}: {line!r} needs a type and a comment"
                )
        # the kernel every Jupyter install has (papermill and JupyterLab run it without setup)
        assert nb["metadata"]["kernelspec"]["name"] == "python3", path.name
        for cell in code:
            src = "".join(cell["source"])
            assert not re.search(r"^\s*(def|class|lambda)\b", src, flags=re.M), path.name
            assert "../data" not in src, path.name


def test_no_relative_data_paths_in_tests_or_notebooks():
    here = __file__.rsplit("/", 1)[-1]
    files = [p for p in ROOT.joinpath("tests").glob("*.py") if p.name != here]
    for path in [*files, *config.NOTEBOOKS_DIR.glob("*.ipynb")]:
        assert "../data" not in path.read_text(encoding="utf-8"), path


def _imports_of(path, module: str, known: set[str]) -> set[str]:
    """The analysis modules a module imports, at module level or inside functions."""
    import ast

    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        else:
            continue
        out |= {n for n in names if n in known and n != module}
    return out


def test_no_import_circle_and_no_module_over_600_lines():
    """Every analysis module, its imports (function-level ones too), by depth-first search.

    A package's ``__init__`` importing its own submodules is not a circle (that is how a
    package exposes its API); any other cycle is.
    """
    package = config.PACKAGE_DIR
    modules = {}
    for path in package.rglob("*.py"):
        rel = path.relative_to(package.parent).with_suffix("")
        name = ".".join(rel.parts[:-1] if rel.name == "__init__" else rel.parts)
        modules[name] = path
    lines = {m: len(p.read_text(encoding="utf-8").splitlines()) for m, p in modules.items()}
    too_long = {m: n for m, n in lines.items() if n > 600}
    assert not too_long, f"modules over 600 lines: {too_long}"
    graph = {m: _imports_of(p, m, set(modules)) for m, p in modules.items()}
    for m, deps in graph.items():  # a package importing its own submodules
        if modules[m].name == "__init__.py":
            graph[m] = {d for d in deps if not d.startswith(m + ".")}
    state: dict[str, int] = {}

    def visit(m: str, trail: list[str]) -> None:
        state[m] = 1
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                raise AssertionError("import circle: " + " -> ".join([*trail[trail.index(d):], d]))
            if d not in state:
                visit(d, [*trail, d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])


def test_every_lazy_export_of_the_package_resolves():
    import analysis

    missing = []
    for name in analysis._LAZY:
        try:
            getattr(analysis, name)
        except AttributeError:
            missing.append(name)
    assert not missing  # each name of ``analysis.X`` is a real function of its module
