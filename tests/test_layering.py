"""The layering the code base keeps: SQLite only in the store, and the shells (CLI, server,
web pages) only through ``Library``. Reads whatever modules exist, so it holds for modules
added or moved later too."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "storyline"
MODULES = sorted(PACKAGE.rglob("*.py"))
SHELLS = [p for p in MODULES if p.relative_to(PACKAGE).parts[0] in ("cli", "server.py", "web.py")]


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE))


def _in_store(path: Path) -> bool:
    return path.relative_to(PACKAGE).parts[0] == "store"


def _imports(path: Path) -> set[str]:
    """The absolute name of every module (or module member) the file imports."""
    package = list(path.relative_to(SRC).with_suffix("").parts)[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join(base + ([node.module] if node.module else []))
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def test_the_modules_are_found():
    assert {"cli/__init__.py", "server.py", "web.py", "store/__init__.py"} <= {
        _name(p) for p in MODULES}
    assert "storyline.store.Store" in _imports(PACKAGE / "library.py")
    assert "storyline.library.Library" in _imports(PACKAGE / "cli" / "_articles.py")


@pytest.mark.parametrize("path", [p for p in MODULES if not _in_store(p)], ids=_name)
def test_only_the_store_imports_sqlite3(path):
    assert not {m for m in _imports(path) if m.split(".")[0] == "sqlite3"}


@pytest.mark.parametrize("path", SHELLS, ids=_name)
def test_the_shells_never_touch_the_store(path):
    uses = [node.lineno for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Attribute) and node.attr == "store"]
    assert uses == [], f"{_name(path)} reaches for .store on lines {uses}"
    assert not {m for m in _imports(path) if m == "storyline.store"
                or m.startswith("storyline.store.")}


def _in_engine(path: Path) -> bool:
    return path.relative_to(PACKAGE).parts[0] == "engine"


PROCESS_MODULES = ("multiprocessing", "subprocess")
PROCESS_POOLS = ("concurrent.futures.process", "concurrent.futures.ProcessPoolExecutor")


def _starts_processes(module: str) -> bool:
    """Threads are anyone's (``concurrent.futures.ThreadPoolExecutor``); processes are not."""
    return module.split(".")[0] in PROCESS_MODULES or any(
        module == pool or module.startswith(pool + ".") for pool in PROCESS_POOLS)


@pytest.mark.parametrize("path", [p for p in MODULES if not _in_engine(p)], ids=_name)
def test_only_the_engine_starts_processes(path):
    assert not {m for m in _imports(path) if _starts_processes(m)}
    calls = [node.lineno for node in ast.walk(ast.parse(path.read_text()))
             if isinstance(node, ast.Attribute) and node.attr in ("fork", "Popen", "spawnv")]
    assert calls == [], f"{_name(path)} starts a process on lines {calls}"


def test_the_engine_is_where_processes_start():
    assert "multiprocessing" in _imports(PACKAGE / "engine" / "_pool.py")


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_no_module_is_over_700_lines(path):
    assert len(path.read_text().splitlines()) <= 700
