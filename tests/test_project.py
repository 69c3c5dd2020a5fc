"""The project's own promises: environment files agree, import stays light, notebooks are clean."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib

import yaml

from analysis import config

ROOT = config.PROJECT_ROOT


def _requirement(spec: str) -> tuple[set[str], str]:
    """Split 'dask[distributed]>=2024.1' into ({'dask', 'distributed'}, '>=2024.1')."""
    m = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[([^\]]+)\])?\s*(.*)", spec.strip())
    assert m, spec
    names = {m.group(1).lower().replace("_", "-")}
    names |= {e.strip().lower() for e in (m.group(2) or "").split(",") if e.strip()}
    return names, m.group(3).replace(" ", "")


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = list(project["dependencies"])
    for group in project["optional-dependencies"].values():
        specs += group
    expected: dict[str, str] = {}
    for spec in specs:
        names, version = _requirement(spec)
        for name in names:
            expected[name] = version
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and dep not in ("pip",) and not dep.startswith("python"):
            names, version = _requirement(dep)
            conda[names.pop()] = version
    assert conda == expected
    requires = project["requires-python"]
    assert f"python{requires}" in env["dependencies"]


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
    assert [p.name[:3] for p in notebooks] == ["01_", "02_", "03_", "04_"]
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
