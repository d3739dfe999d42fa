"""The package keeps its frame: parts in sub-packages, imports one way, no cycles.

docs/architecture.md describes the parts; these tests fail when a change blurs them.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "apionly_deploy"
ROOT = "apionly_deploy"

#: Which parts each part may import (besides itself, ``errors`` and ``fileio``). The order is
#: docs/architecture.md's table, top to bottom.
MAY_IMPORT: dict[str, set[str]] = {
    "cli": {
        "report",
        "users",
        "review",
        "salesforce",
        "project",
        "check",
        "render",
        "model",
        "emulator",
    },
    "report": {"users", "review", "salesforce", "project", "check", "render", "model"},
    "users": {"review", "salesforce", "project", "check", "render", "model"},
    "review": {"salesforce", "project", "check", "render", "model"},
    "salesforce": {"project", "check", "render", "model"},
    "project": {"check", "render", "model"},
    "check": {"model"},
    "render": {"model"},
    "model": set(),
    "emulator": {"model", "check"},
}

#: Third-party imports kept to one part each (the local org shares none of our client's).
ONLY_IN = {"requests": {"salesforce"}, "jinja2": {"render"}, "click": {"cli"}}


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    imports: frozenset[str]  # modules of this package (submodule where one is named)
    external: frozenset[str]  # top-level third-party or stdlib names

    @property
    def part(self) -> str:
        """Return the part: the sub-package, or the top-level module's own name."""
        return "" if self.name == ROOT else self.name.split(".")[1]


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        dotted = ".".join(path.with_suffix("").relative_to(PACKAGE.parent).parts)
        found[dotted.removesuffix(".__init__")] = path
    return found


def _load() -> dict[str, Module]:
    names = _modules()
    loaded = {}
    for name, path in names.items():
        internal: set[str] = set()
        external: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    (internal if alias.name.startswith(ROOT) else external).add(alias.name)
            elif isinstance(node, ast.ImportFrom) and node.module:
                assert node.level == 0, f"{path}: relative import"
                if not node.module.startswith(ROOT):
                    external.add(node.module.split(".")[0])
                    continue
                for alias in node.names:
                    sub = f"{node.module}.{alias.name}"
                    internal.add(sub if sub in names else node.module)
        loaded[name] = Module(name, path, frozenset(internal), frozenset(external))
    return loaded


MODULES = _load()


def _cycles(graph: dict[str, frozenset[str]]) -> Iterator[list[str]]:
    """Yield each strongly connected component of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()

    def visit(node: str) -> Iterator[list[str]]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, frozenset()):
            if other not in index:
                yield from visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                yield sorted(component)

    for node in sorted(graph):
        if node not in index:
            yield from visit(node)


def test_no_import_cycles() -> None:
    """No module reaches itself through its imports."""
    graph = {name: module.imports for name, module in MODULES.items()}
    assert list(_cycles(graph)) == []


def test_cycle_finder_finds_a_cycle() -> None:
    """The cycle check itself works (a frame test that cannot fail guards nothing)."""
    graph = {"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}
    assert list(_cycles(graph)) == [["a", "b", "c"]]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_run_down_the_parts(name: str) -> None:
    """A part imports only the parts below it (docs/architecture.md)."""
    module = MODULES[name]
    if module.part not in MAY_IMPORT:
        return
    allowed = MAY_IMPORT[module.part] | {module.part, "errors", "fileio", ""}
    for target in module.imports:
        part = target.split(".")[1] if "." in target else ""
        assert part in allowed or target == ROOT, f"{name} imports {target}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_third_party_stays_in_its_part(name: str) -> None:
    """requests only in the client, Jinja only in render, click only in the CLI."""
    module = MODULES[name]
    for library, parts in ONLY_IN.items():
        if library in module.external:
            assert module.part in parts, f"{name} imports {library}"


def test_local_org_shares_no_client_code() -> None:
    """The local org never reaches our client, the renderer, requests or Jinja, even indirectly."""
    graph = {name: module.imports for name, module in MODULES.items()}
    for name in (n for n in MODULES if n.startswith(f"{ROOT}.emulator")):
        seen, todo = set(), [name]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            todo += graph.get(current, frozenset())
        reached = {MODULES[m].part for m in seen if m in MODULES}
        assert not reached & {"salesforce", "render", "project", "cli"}, name
        for module in seen:
            if module in MODULES:
                assert not MODULES[module].external & {"requests", "jinja2"}, (name, module)


def test_checks_never_reach_the_project_loader() -> None:
    """check/ is handed components or files; it never loads apionly.toml itself."""
    for name, module in MODULES.items():
        if module.part == "check":
            assert not any(".project" in target for target in module.imports), name


@pytest.mark.parametrize(
    "name", sorted(n for n, m in MODULES.items() if m.path.name != "__init__.py")
)
def test_no_module_imports_its_own_package_init(name: str) -> None:
    """Import the sibling module, never the names your own package's __init__ re-exports."""
    package = name.rsplit(".", 1)[0]
    assert package not in MODULES[name].imports or package == ROOT, name


@pytest.mark.parametrize(
    "name", sorted(n for n, m in MODULES.items() if m.path.name == "__init__.py")
)
def test_init_files_only_re_export(name: str) -> None:
    """An ``__init__`` holds a docstring, imports and ``__all__``, nothing that runs."""
    tree = ast.parse(MODULES[name].path.read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Assign) and [
            t.id for t in node.targets if isinstance(t, ast.Name)
        ] in (
            ["__all__"],
            ["__version__"],
        ):
            continue
        pytest.fail(f"{name}: line {node.lineno} is not a re-export")


def test_few_modules_at_the_top() -> None:
    """Everything but the entry points, errors and file I/O lives in a part's sub-package."""
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= 8, top


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name: str) -> None:
    """No module over 400 lines: split by responsibility before it gets there."""
    lines = MODULES[name].path.read_text(encoding="utf-8").count("\n")
    assert lines <= 400, f"{name}: {lines} lines"
