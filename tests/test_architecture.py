"""The import rules each folder's docstring states: no folder imports one above it, no module
imports another in a circle, ``index`` stays pure, and the shells reach the application only
through its door (``bot.app.service``), never through its parts; the tools (``eval``, ``bench``,
``stress``) and the fakes they share (``support``) never import ``tests``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ("bot.errors", "bot.settings", "bot.values")
SHELL = ("bot.app.service", "bot.app.render", "bot.app.replies", "bot.app.language", *SHARED)
# The storage engines implement the protocol and the search index; the repositories are
# written on the protocol alone, whichever engine runs it.
ENGINE = ("bot.storage.protocol", "bot.storage.search", "index", *SHARED)
REPOSITORY = ("bot.storage.protocol", "index", *SHARED)
# What each folder may import, besides itself (prefixes of module names).
ALLOWED: dict[str, tuple[str, ...]] = {
    "bot.adapter": SHELL,
    "bot.cli": (*SHELL, "bot.adapter"),
    "bot.app": ("bot.storage", "bot.net", "index", *SHARED),
    "bot.storage": ("index", *SHARED),  # the factory and the backup: both engines
    "bot.storage.protocol": ("bot.storage.search", *SHARED),  # the search index as a type only
    "bot.storage.sqlite": ENGINE,
    "bot.storage.postgres": ENGINE,
    "bot.storage.library": (*REPOSITORY, "bot.storage.cache"),
    "bot.storage.history": REPOSITORY,
    "bot.storage.guilds": REPOSITORY,
    "bot.storage.feeds": REPOSITORY,
    "bot.storage.feedback": (*REPOSITORY, "bot.storage.history"),
    "bot.storage.search": REPOSITORY,
    "bot.storage.cache": (),
    "bot.net": ("bot.errors", "bot.settings"),
    "bot.errors": (),
    "bot.settings": (),
    "bot.values": ("index.model",),
    "bot.__main__": ("bot.cli",),
    "bot": (),
    "index.language": ("index.model", "index.errors"),
    "index.ingest": ("index.language", "index.model", "index.errors"),
    "index.vectors": ("index.language", "index.model", "index.errors"),
    "index.search": (
        "index.language", "index.ingest", "index.vectors", "index.model", "index.errors",
    ),
    "index.model": (),
    "index.errors": (),
    "index": ("index.ingest", "index.model", "index.errors"),
}
# What the service keeps behind its door: a shell that reaches ``service.library`` (or any of
# these, or a ``_private`` name) depends on the storage layer through the back.
BEHIND_THE_DOOR = ("database", "library", "history", "guilds", "feedback", "indexer", "responder")
# Code that calls the service from outside: the shells, and the tools run from the repository.
CALLERS = ("bot/adapter", "bot/cli", "eval", "bench", "stress")
TOOLS = ("eval", "bench", "stress", "support")
# The only tools that open the storage layer themselves, on a connection of their own: bench's
# generated libraries (100 000 articles are written as rows, not uploaded) and stress's check
# of every stored turn against the version it quotes (the service serves current versions).
UNDERNEATH = {
    "bench.search": ("bot.storage.factory", "bot.storage.protocol"),
    "bench.library": ("bot.storage.factory", "bot.storage.protocol"),
    "stress.load": ("bot.storage.factory",),
}
# Libraries that must never be imported by ``index`` (it is pure) .
IMPURE = ("bot", "discord", "aiosqlite", "asyncpg", "jinja2", "aiohttp", "sqlite3")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> list[tuple[str, bool]]:
    """Every module ``path`` imports, and whether the import runs (``False`` for imports
    under ``if TYPE_CHECKING:``, which only name types)."""
    tree = ast.parse(path.read_text(), str(path))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only |= {id(child) for stmt in node.body for child in ast.walk(stmt)}
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        runs = id(node) not in typing_only
        if isinstance(node, ast.Import):
            found += [(alias.name, runs) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                # ``from index.search import bm25`` imports the module index.search.bm25
                candidate = f"{base}.{alias.name}"
                dotted = candidate.replace(".", "/")
                is_module = (ROOT / f"{dotted}.py").exists() or (ROOT / dotted).is_dir()
                found.append((candidate if is_module else base, runs))
    return found


MODULES = {
    _module(path): path
    for package in ("bot", "index")
    for path in sorted((ROOT / package).rglob("*.py"))
}


def _folder(module: str) -> str:
    """The longest key of ``ALLOWED`` that ``module`` is in."""
    keys = [key for key in ALLOWED if module == key or module.startswith(key + ".")]
    return max(keys, key=len)


def _within(module: str, prefixes: tuple[str, ...]) -> bool:
    return any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_what_its_folder_may(module: str) -> None:
    folder = _folder(module)
    wrong = [
        name
        for name, _ in _imports(MODULES[module])
        if name.split(".")[0] in ("bot", "index")
        and not _within(name, (folder, *ALLOWED[folder]))
    ]
    assert not wrong, f"{module} ({folder}) imports {wrong}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if m.startswith("index")))
def test_index_is_pure(module: str) -> None:
    impure = [
        name for name, _ in _imports(MODULES[module]) if name.split(".")[0] in IMPURE
    ]
    assert not impure, f"{module} imports {impure}"


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*path[path.index(target):], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_modules_import_each_other_in_a_circle() -> None:
    """Imports that run, wherever they are (a function's lazy import included): a package's
    ``__init__`` re-exporting its modules is not counted as the package depending on them."""
    graph = {
        module: {
            name
            for name, runs in _imports(path)
            if runs and name in MODULES and name != module
            and not (path.name == "__init__.py" and name.startswith(module + "."))
        }
        for module, path in MODULES.items()
    }
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def _modules_in(*folders: str) -> dict[str, Path]:
    return {
        _module(path): path
        for folder in folders
        for path in sorted((ROOT / folder).rglob("*.py"))
    }


def _reached_behind_the_door(path: Path) -> list[str]:
    """Every ``x.library``-like attribute ``path`` reads (``BEHIND_THE_DOOR``; ``args.library``
    is a command line's option, ``bot.guilds`` discord.py's list of servers), and every
    ``_private`` one read on a ``service`` or ``kiosque``, with its line."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Attribute):
            continue
        owner = node.value
        named = owner.id if isinstance(owner, ast.Name) else getattr(owner, "attr", "")
        private = node.attr.startswith("_") and named in ("service", "kiosque")
        if (node.attr in BEHIND_THE_DOOR and named not in ("args", "bot")) or private:
            found.append(f"{ast.unparse(node)} (line {node.lineno})")
    return found


@pytest.mark.parametrize("module", sorted(_modules_in(*CALLERS)))
def test_callers_use_only_the_service_door(module: str) -> None:
    """The shells, eval, bench and stress call ``Kiosque``'s methods, never its parts."""
    reached = _reached_behind_the_door(_modules_in(*CALLERS)[module])
    assert not reached, f"{module} reaches behind the service: {reached}"


@pytest.mark.parametrize("module", sorted(_modules_in(*TOOLS)))
def test_tools_import_neither_tests_nor_storage(module: str) -> None:
    """``tests`` imports the tools, not the other way round: what they share is ``support``.
    Only the few tools of ``UNDERNEATH`` open the storage layer themselves."""
    names = [name for name, _ in _imports(_modules_in(*TOOLS)[module])]
    assert not [n for n in names if _within(n, ("tests",))], f"{module} imports tests"
    storage = {n for n in names if _within(n, ("bot.storage",))}
    assert storage <= set(UNDERNEATH.get(module, ())), f"{module} imports {storage}"


@pytest.mark.parametrize("module", sorted(_modules_in("support")))
def test_support_imports_no_tool_and_nothing_of_the_bot_but_its_settings(module: str) -> None:
    """The fakes stand for what the bot talks to: they know nothing of how it is built."""
    names = [name for name, _ in _imports(_modules_in("support")[module])]
    wrong = [
        n for n in names
        if n.split(".")[0] in ("tests", "eval", "bench", "stress", "index")
        or (n.split(".")[0] == "bot" and n != "bot.settings")
    ]
    assert not wrong, f"{module} imports {wrong}"


def test_every_folder_says_what_it_may_import() -> None:
    for package in [p for p in MODULES if MODULES[p].name == "__init__.py"]:
        doc = ast.get_docstring(ast.parse(MODULES[package].read_text())) or ""
        assert package in ("bot", "index") or "import" in doc, f"{package} has no import rule"


def test_checks_catch_a_wrong_import(tmp_path: Path) -> None:
    """The rules find an upward import and a circle (so the checks above can fail)."""
    assert not _within("bot.app.service", ALLOWED["bot.storage"])
    assert not _within("bot.storage.sqlite.database", ALLOWED["bot.storage.postgres"])
    assert not _within("bot.storage.postgres.database", ALLOWED["bot.storage.library"])
    assert _folder("bot.storage.sqlite.search") == "bot.storage.sqlite"
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
    bypass = tmp_path / "shell.py"
    bypass.write_text(
        "async def f(self, kiosque):\n"
        "    await self.bot.service.guilds.get(1)\n"
        "    await kiosque.library.count('x')\n"
        "    kiosque._indexing.shutdown()\n"
        "    await kiosque.guild_config(1)\n"
    )
    assert len(_reached_behind_the_door(bypass)) == 3
