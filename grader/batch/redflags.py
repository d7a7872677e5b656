"""Red flags: a static (AST) scan for constructs that have no business in a solution.

Shown to reviewers with file and line; never changes a score. The sandbox already makes these
harmless: the point is to tell a reviewer that a candidate tried. Aliases are followed
(`import os as o; o._exit(1)`, `from sys import _getframe as g`), not dynamic tricks beyond
that (`getattr(__import__("o" + "s"), ...)` shows up as its `__import__`/`getattr` parts).

Some kinds are tampering with the grader's in-process machinery (`TAMPERING_KINDS`): the
submission shares the worker process with the worker's own modules (`rpc`, `main`,
`djangokit`), the challenge's `driver` and its Django apps, and their instruments (captured SQL
and logs, clocks, memory tracing). A candidate with one of those is marked "tampering suspected"
in the cohort report. The other kinds are informational (a thread lock is fine in a solution).
"""

from __future__ import annotations

import ast
import enum
import functools
import sys
import types
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from grader.batch.similarity import python_sources
from grader.handout import SUPPORT_DIR
from grader.report import CodeNote, SubmittedCode, source_listing, template_environment
from grader.submission import SANDBOX_PACKAGES, top_level_modules


class FlagKind(enum.StrEnum):
    GC = "gc"
    FRAMES = "frames"
    CTYPES = "ctypes"
    MODULES = "sys.modules"
    BUILTINS = "builtins"
    EXIT = "process exit"
    ATEXIT = "atexit"
    SUBPROCESS = "subprocess"
    NETWORK = "network"
    FILES = "file access"
    IMPORTLIB = "dynamic import"
    DYNAMIC_CODE = "dynamic code"
    DJANGO_PATCH = "patches django"
    THREADS = "threads or signals"
    # Tampering with the grader's machinery in the worker process:
    INTERNALS = "grader internals"
    REPLACES_MODULES = "replaces modules"
    CLASS_SWAP = "swaps __class__"
    IMPORT_HOOK = "import hook"
    DB_INTERNALS = "database internals"
    INSTRUMENTS = "tampers with instruments"
    MONKEYPATCH = "monkeypatches a module"
    SHADOWING = "shadows a module"
    UNSCANNED = "scan incomplete"


# Kinds that mark the candidate "tampering suspected". DJANGO_PATCH is monkeypatching of the ORM the
# driver observes; UNSCANNED is a file nested so deeply that the rest of it could not be checked.
TAMPERING_KINDS: frozenset[FlagKind] = frozenset(
    {
        FlagKind.INTERNALS,
        FlagKind.REPLACES_MODULES,
        FlagKind.CLASS_SWAP,
        FlagKind.IMPORT_HOOK,
        FlagKind.DB_INTERNALS,
        FlagKind.INSTRUMENTS,
        FlagKind.MONKEYPATCH,
        FlagKind.SHADOWING,
        FlagKind.DJANGO_PATCH,
        FlagKind.UNSCANNED,
    }
)


@dataclass(frozen=True, slots=True)
class RedFlag:
    file: str
    line: int
    kind: FlagKind
    detail: str

    @property
    def tampering(self) -> bool:
        return self.kind in TAMPERING_KINDS


# The worker's own modules, the challenge's driver and the grader's package, as the submission
# sees them in the worker (`main.py` runs as `__main__`).
INTERNAL_MODULES = frozenset({"rpc", "main", "__main__", "djangokit", "driver", "grader"})
# Module names Python (or pytest) reads by themselves when a file of that name is on the path.
AUTOLOADED_MODULES = frozenset({"conftest", "sitecustomize", "usercustomize"})

# A module imported at all is a flag (the module names what it is for). Dotted entries are more
# specific than their package's: `importlib.abc` is an import hook, `importlib` a dynamic import.
MODULE_FLAGS: Mapping[str, FlagKind] = {
    "gc": FlagKind.GC,
    "inspect": FlagKind.FRAMES,
    "traceback": FlagKind.FRAMES,
    "ctypes": FlagKind.CTYPES,
    "_ctypes": FlagKind.CTYPES,
    "cffi": FlagKind.CTYPES,
    "builtins": FlagKind.BUILTINS,
    "__builtin__": FlagKind.BUILTINS,
    "atexit": FlagKind.ATEXIT,
    "subprocess": FlagKind.SUBPROCESS,
    "multiprocessing": FlagKind.SUBPROCESS,
    "pty": FlagKind.SUBPROCESS,
    "socket": FlagKind.NETWORK,
    "ssl": FlagKind.NETWORK,
    "http": FlagKind.NETWORK,
    "urllib": FlagKind.NETWORK,
    "requests": FlagKind.NETWORK,
    "importlib": FlagKind.IMPORTLIB,
    "imp": FlagKind.IMPORTLIB,
    "pkgutil": FlagKind.IMPORTLIB,
    "runpy": FlagKind.IMPORTLIB,
    "marshal": FlagKind.DYNAMIC_CODE,
    "pickle": FlagKind.DYNAMIC_CODE,
    "shutil": FlagKind.FILES,
    "glob": FlagKind.FILES,
    "tempfile": FlagKind.FILES,
    "_thread": FlagKind.THREADS,
    "concurrent": FlagKind.THREADS,
    "signal": FlagKind.THREADS,
    **{name: FlagKind.INTERNALS for name in INTERNAL_MODULES},
    "importlib.abc": FlagKind.IMPORT_HOOK,
    "importlib.machinery": FlagKind.IMPORT_HOOK,
    "importlib._bootstrap": FlagKind.IMPORT_HOOK,
    "importlib._bootstrap_external": FlagKind.IMPORT_HOOK,
    "_frozen_importlib": FlagKind.IMPORT_HOOK,
    "_frozen_importlib_external": FlagKind.IMPORT_HOOK,
    "_imp": FlagKind.IMPORT_HOOK,
    "zipimport": FlagKind.IMPORT_HOOK,
    "sqlite3": FlagKind.DB_INTERNALS,
    "_sqlite3": FlagKind.DB_INTERNALS,
    "psycopg": FlagKind.DB_INTERNALS,
    "psycopg2": FlagKind.DB_INTERNALS,
    "django.db.backends": FlagKind.DB_INTERNALS,
    "tracemalloc": FlagKind.INSTRUMENTS,
    "_tracemalloc": FlagKind.INSTRUMENTS,
    "logging.config": FlagKind.INSTRUMENTS,
}

# Fully qualified names whose use (a call or a reference) is a flag.
NAME_FLAGS: Mapping[str, FlagKind] = {
    "sys._getframe": FlagKind.FRAMES,
    "sys._current_frames": FlagKind.FRAMES,
    "sys.exc_info": FlagKind.FRAMES,
    "sys.settrace": FlagKind.FRAMES,
    "sys.setprofile": FlagKind.FRAMES,
    "sys.modules": FlagKind.MODULES,
    "sys.meta_path": FlagKind.IMPORT_HOOK,
    "sys.path_hooks": FlagKind.IMPORT_HOOK,
    "sys.path_importer_cache": FlagKind.IMPORT_HOOK,
    "sys.path": FlagKind.IMPORTLIB,
    "sys.exit": FlagKind.EXIT,
    "os._exit": FlagKind.EXIT,
    "os.abort": FlagKind.EXIT,
    "os.kill": FlagKind.EXIT,
    "os.killpg": FlagKind.EXIT,
    "os.fork": FlagKind.SUBPROCESS,
    "os.system": FlagKind.SUBPROCESS,
    "os.popen": FlagKind.SUBPROCESS,
    "os.open": FlagKind.FILES,
    "os.read": FlagKind.FILES,
    "os.listdir": FlagKind.FILES,
    "os.scandir": FlagKind.FILES,
    "os.walk": FlagKind.FILES,
    "io.open": FlagKind.FILES,
    "open": FlagKind.FILES,
    "__import__": FlagKind.IMPORTLIB,
    "exec": FlagKind.DYNAMIC_CODE,
    "eval": FlagKind.DYNAMIC_CODE,
    "compile": FlagKind.DYNAMIC_CODE,
    "__builtins__": FlagKind.BUILTINS,
    "exit": FlagKind.EXIT,
    "quit": FlagKind.EXIT,
    "importlib.abc": FlagKind.IMPORT_HOOK,
    "importlib.machinery": FlagKind.IMPORT_HOOK,
    "importlib._bootstrap": FlagKind.IMPORT_HOOK,
    "importlib._bootstrap_external": FlagKind.IMPORT_HOOK,
    "asyncio.run_coroutine_threadsafe": FlagKind.THREADS,
    "asyncio.to_thread": FlagKind.THREADS,
    "django.db.backends": FlagKind.DB_INTERNALS,
    "tracemalloc.reset_peak": FlagKind.INSTRUMENTS,
    "tracemalloc.stop": FlagKind.INSTRUMENTS,
    "tracemalloc.clear_traces": FlagKind.INSTRUMENTS,
    "tracemalloc.start": FlagKind.INSTRUMENTS,
    "logging.root": FlagKind.INSTRUMENTS,
    "logging.Logger.root": FlagKind.INSTRUMENTS,
    "logging.Logger.manager": FlagKind.INSTRUMENTS,
    "logging.Manager": FlagKind.INSTRUMENTS,
    "logging.RootLogger": FlagKind.INSTRUMENTS,
    "logging.setLoggerClass": FlagKind.INSTRUMENTS,
    "logging.setLogRecordFactory": FlagKind.INSTRUMENTS,
    "logging.disable": FlagKind.INSTRUMENTS,
    "logging.config": FlagKind.INSTRUMENTS,
    "logging.lastResort": FlagKind.INSTRUMENTS,
}
NAME_PREFIX_FLAGS: Mapping[str, FlagKind] = {
    "os.exec": FlagKind.SUBPROCESS,
    "os.spawn": FlagKind.SUBPROCESS,
    "os.posix_spawn": FlagKind.SUBPROCESS,
    "threading.": FlagKind.THREADS,
    "_thread.": FlagKind.THREADS,
    "concurrent.": FlagKind.THREADS,
    "signal.": FlagKind.THREADS,
    "logging._": FlagKind.INSTRUMENTS,
}
# Names the worker's modules define; on whatever object, or as a getattr/subscript key.
INTERNAL_ATTRIBUTES = frozenset(
    {
        "_OPERATIONS",
        "WORKER_SERVES",
        "HARNESS_SERVES",
        "Endpoint",
        "WorkerRoot",
        "CapturedOutput",
        "output_capture",
        "forget_exports",
        "install_search_path",
        "capture_queries",
        "capture_logs",
        "_ListHandler",
        "_TRANSACTION_CONTROL",
        "_setup_args",
    }
)
# Attribute names that only frame walking or introspection needs, on whatever object.
ATTRIBUTE_FLAGS: Mapping[str, FlagKind] = {
    "f_back": FlagKind.FRAMES,
    "f_globals": FlagKind.FRAMES,
    "f_locals": FlagKind.FRAMES,
    "f_builtins": FlagKind.FRAMES,
    "tb_frame": FlagKind.FRAMES,
    "gi_frame": FlagKind.FRAMES,
    "cr_frame": FlagKind.FRAMES,
    "__globals__": FlagKind.FRAMES,
    "__subclasses__": FlagKind.FRAMES,
    "__code__": FlagKind.DYNAMIC_CODE,
    "read_text": FlagKind.FILES,
    "read_bytes": FlagKind.FILES,
    "write_text": FlagKind.FILES,
    "write_bytes": FlagKind.FILES,
    "run_in_executor": FlagKind.THREADS,
    "call_soon_threadsafe": FlagKind.THREADS,
    "execute_wrappers": FlagKind.DB_INTERNALS,
    "set_trace_callback": FlagKind.DB_INTERNALS,
    "set_authorizer": FlagKind.DB_INTERNALS,
    "set_progress_handler": FlagKind.DB_INTERNALS,
    "queries_log": FlagKind.DB_INTERNALS,
    "force_debug_cursor": FlagKind.DB_INTERNALS,
    "loggerDict": FlagKind.INSTRUMENTS,
    **{name: FlagKind.INTERNALS for name in INTERNAL_ATTRIBUTES},
}
_PATCHERS = frozenset({"patch", "patch.object", "mock.patch", "mock.patch.object", "unittest.mock.patch"})
_MOCK_PATCHERS = frozenset({"patch", "patch.object", "patch.dict", "patch.multiple"})
_SETATTRS = frozenset({"setattr", "delattr"})
_UNBOUND_SETATTRS = frozenset({"object.__setattr__", "object.__delattr__", "type.__setattr__", "type.__delattr__"})
_KEYED_LOOKUPS = frozenset({"getattr", "setattr", "delattr", "hasattr"})
# Calls that import the module named by their first argument.
_IMPORTERS = frozenset({"__import__", "importlib.import_module", "importlib.__import__", "importlib.util.find_spec"})
_MODULES_WRITERS = frozenset({"__setitem__", "__delitem__", "update", "pop", "popitem", "setdefault", "clear"})
_MODULES_READERS = frozenset({"get", "__getitem__", "__contains__"})
# What the raw DB-API connection hangs off: a Django connection, `connections[alias]`, a cursor.
_DB_HANDLES = frozenset({"connection", "connections", "cursor", "get_connection", "conn", "db_connection"})
# Any logger: its handlers and manager; the root logger: also what it does with records.
_LOGGER_ATTRIBUTES = frozenset({"handlers", "manager", "filters", "disabled"})
_ROOT_LOGGER_ATTRIBUTES = _LOGGER_ATTRIBUTES | frozenset(
    {"addHandler", "removeHandler", "addFilter", "removeFilter", "setLevel", "propagate", "level"}
)
_INSTRUMENT_MODULES = frozenset({"time", "logging", "tracemalloc", "_tracemalloc"})
_IMPORT_MODULES = frozenset({"importlib", "pkgutil", "runpy", "zipimport", "_imp"})
_DB_MODULES = frozenset({"sqlite3", "_sqlite3", "psycopg", "psycopg2"})
_DETAIL_CHARS = 80


def _clip(text: str) -> str:
    return text if len(text) <= _DETAIL_CHARS else text[: _DETAIL_CHARS - 3] + "..."


def _string(node: ast.expr | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _terminal(node: ast.expr) -> str | None:
    """The last identifier of an expression, through calls and subscripts: `a.b(x)[0]` -> "b"."""
    while isinstance(node, ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


class _Scanner(ast.NodeVisitor):
    def __init__(self, file: str, own_modules: Collection[str] = ()) -> None:
        self.file = file
        self.own_modules = own_modules
        self.flags: list[RedFlag] = []
        self.aliases: dict[str, str] = {}
        self.loggers: set[str] = set()
        self.root_loggers: set[str] = set()
        self.cursors: set[str] = set()
        # id(node) -> kinds already reported for the expression that node is part of (one flag a construct)
        self.suppressed: dict[int, set[FlagKind]] = {}

    def flag(self, node: ast.AST, kind: FlagKind, detail: str) -> None:
        if kind not in self.suppressed.get(id(node), ()):
            self.flags.append(RedFlag(self.file, getattr(node, "lineno", 0), kind, detail))

    def suppress(self, node: ast.expr, *kinds: FlagKind) -> None:
        """No flag of `kinds` for `node` and what it is built on (`a.b` in `a.b.c`, `f` in `f()[0]`)."""
        current: ast.expr | None = node
        while current is not None:
            self.suppressed.setdefault(id(current), set()).update(kinds)
            if isinstance(current, ast.Attribute | ast.Subscript):
                current = current.value
            elif isinstance(current, ast.Call):
                current = current.func
            else:
                current = None

    # ---- imports: remember aliases, flag the modules that are flags in themselves
    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            self.aliases[bound] = alias.name if alias.asname else alias.name.split(".")[0]
            self._check_module(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level == 0:
            self._check_module(node, module)
        for alias in node.names:
            qualified = f"{module}.{alias.name}" if module else alias.name
            if node.level == 0:
                self.aliases[alias.asname or alias.name] = qualified
                self._check_name(node, qualified)

    def _check_module(self, node: ast.AST, module: str) -> None:
        parts = module.split(".")
        for end in range(len(parts), 0, -1):  # the most specific entry wins
            kind = MODULE_FLAGS.get(".".join(parts[:end]))
            if kind is not None:
                self.flag(node, kind, f"imports {module}")
                return

    # ---- names and attributes
    def resolve(self, node: ast.expr) -> str | None:
        """The dotted name an expression refers to, through import aliases."""
        parts: list[str] = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        parts.append(self.aliases.get(node.id, node.id))
        return ".".join(reversed(parts))

    def imported(self, node: ast.expr) -> str | None:
        """The dotted name of an expression rooted at an imported name (or `__builtins__`), else None."""
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or (root.id not in self.aliases and root.id != "__builtins__"):
            return None
        return self.resolve(node)

    def describe(self, node: ast.expr) -> str:
        return _clip(self.resolve(node) or ast.unparse(node))

    def _check_name(self, node: ast.AST, name: str) -> bool:
        kind = NAME_FLAGS.get(name)
        if kind is None:
            kind = next((k for prefix, k in NAME_PREFIX_FLAGS.items() if name.startswith(prefix)), None)
        if kind is not None:
            self.flag(node, kind, f"uses {name}")
            return True
        return False

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self._check_name(node, self.aliases.get(node.id, node.id))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = self.resolve(node)
        if name is not None and self._check_name(node, name):
            return  # the whole dotted name was the flag; do not flag its parts again
        found: tuple[FlagKind, str] | None = None
        if node.attr in ATTRIBUTE_FLAGS:
            found = ATTRIBUTE_FLAGS[node.attr], f"uses .{node.attr}"
        elif node.attr == "connection" and self._is_db_handle(node.value):
            found = FlagKind.DB_INTERNALS, f"uses {self.describe(node)} (the raw DB-API connection)"
        elif node.attr in _ROOT_LOGGER_ATTRIBUTES and self._is_logger(node.value, root=True):
            found = FlagKind.INSTRUMENTS, f"uses .{node.attr} of the root logger"
        elif node.attr in _LOGGER_ATTRIBUTES and self._is_logger(node.value, root=False):
            found = FlagKind.INSTRUMENTS, f"uses .{node.attr} of a logger"
        if found is not None:
            self.flag(node, *found)
            self.suppress(node.value, found[0])
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        key = _string(node.slice)
        if key is not None:
            if key in INTERNAL_ATTRIBUTES:
                self.flag(node, FlagKind.INTERNALS, f"uses [{key!r}]")
            elif key.split(".")[0] in INTERNAL_MODULES and self.resolve(node.value) == "sys.modules":
                self.flag(node, FlagKind.INTERNALS, f"uses sys.modules[{key!r}]")
        self.generic_visit(node)

    def _is_db_handle(self, node: ast.expr) -> bool:
        if isinstance(node, ast.Name) and node.id in self.cursors:
            return True
        return _terminal(node) in _DB_HANDLES

    def _is_logger(self, node: ast.expr, *, root: bool) -> bool:
        if isinstance(node, ast.Name) and node.id in (self.root_loggers if root else self.loggers):
            return True
        if self.resolve(node) in ("logging.root", "logging.Logger.root"):
            return True
        if isinstance(node, ast.Call) and self.resolve(node.func) == "logging.getLogger":
            if not root:
                return True
            first = node.args[0] if node.args else None
            return first is None or (isinstance(first, ast.Constant) and first.value in ("", None, "root"))
        return False

    # ---- writes: which module an assignment, deletion or setattr changes
    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(node, target, "assigns")
        self._track(node.targets, node.value)
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            self._check_target(node, node.target, "assigns")
            self._track([node.target], node.value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node, node.target, "assigns")
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._check_target(node, target, "deletes")
        self.generic_visit(node)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self._check_target(node, node.target, "assigns")
        self.generic_visit(node)

    def visit_For(self, node: ast.For | ast.AsyncFor) -> None:
        self._check_target(node, node.target, "assigns")
        self.generic_visit(node)

    def visit_AsyncFor(self, node: ast.AsyncFor) -> None:
        self.visit_For(node)

    def visit_With(self, node: ast.With | ast.AsyncWith) -> None:
        for item in node.items:
            if item.optional_vars is not None:
                self._check_target(node, item.optional_vars, "assigns")
                self._track([item.optional_vars], item.context_expr)
        self.generic_visit(node)

    def visit_AsyncWith(self, node: ast.AsyncWith) -> None:
        self.visit_With(node)

    def _track(self, targets: Iterable[ast.expr], value: ast.expr) -> None:
        """Remember local names bound to a logger or a cursor (`log = logging.getLogger()`)."""
        for target in targets:
            if not isinstance(target, ast.Name):
                continue
            name = target.id
            for names, found in (
                (self.loggers, self._is_logger(value, root=False)),
                (self.root_loggers, self._is_logger(value, root=True)),
                (self.cursors, isinstance(value, ast.Call) and _terminal(value.func) == "cursor"),
            ):
                if found:
                    names.add(name)
                else:
                    names.discard(name)

    def _check_target(self, node: ast.AST, target: ast.expr, verb: str) -> None:
        if isinstance(target, ast.Tuple | ast.List):
            for element in target.elts:
                self._check_target(node, element, verb)
            return
        if isinstance(target, ast.Starred):
            self._check_target(node, target.value, verb)
            return
        if isinstance(target, ast.Name):
            if target.id == "__import__":  # rebinding any other plain name is a local matter
                self.flag(node, FlagKind.IMPORT_HOOK, f"{verb} __import__")
            return
        if isinstance(target, ast.Attribute) and target.attr == "__class__":
            self.flag(node, FlagKind.CLASS_SWAP, f"{verb} {self.describe(target)}")
            return
        keys: list[str | None] = []
        while isinstance(target, ast.Subscript):
            keys.append(_string(target.slice))
            target = target.value
        if isinstance(target, ast.Call) and self.resolve(target.func) == "vars" and target.args:
            base = self.imported(target.args[0])
            name = None if base is None else f"{base}.__dict__"
        else:
            name = self.imported(target)
        if name is None:
            return
        key = keys[-1] if keys else None  # the first subscript: `builtins.__dict__["__import__"]`
        shown = name + ("" if not keys else f"[{key!r}]" if key is not None else "[...]")
        kind = self._write_kind(name if key is None else f"{name}.{key}", subscripted=bool(keys))
        if kind is not None:
            self.flag(node, kind, f"{verb} {_clip(shown)}")
            # Reading what is written would only repeat this flag (a write to sys.modules is the stronger kind).
            self.suppress(target, kind, *([FlagKind.MODULES] if kind is FlagKind.REPLACES_MODULES else []))

    def _write_kind(self, name: str, *, subscripted: bool = False) -> FlagKind | None:
        """The kind of changing the module attribute `name` (dotted, subscript keys as parts)."""
        parts = name.split(".")
        top = parts[0]
        if top == "sys" and len(parts) > 1:
            attribute = parts[1]
            if attribute == "modules":
                return FlagKind.REPLACES_MODULES
            if f"sys.{attribute}" in NAME_FLAGS and NAME_FLAGS[f"sys.{attribute}"] is FlagKind.IMPORT_HOOK:
                return FlagKind.IMPORT_HOOK
            if attribute == "path":
                return FlagKind.IMPORTLIB
        if top in ("builtins", "__builtins__", "__builtin__"):
            return FlagKind.IMPORT_HOOK if parts[-1] == "__import__" else FlagKind.MONKEYPATCH
        if top in INTERNAL_MODULES:
            return FlagKind.INTERNALS
        if top == "django":
            return FlagKind.DJANGO_PATCH
        if top in _INSTRUMENT_MODULES:
            return FlagKind.INSTRUMENTS
        if top in _IMPORT_MODULES:
            return FlagKind.IMPORT_HOOK
        if top in _DB_MODULES:
            return FlagKind.DB_INTERNALS
        if subscripted and "__dict__" not in parts:
            return None  # an item of a module's container (`os.environ["X"] = ...`), not the module
        if top in self.own_modules or len(parts) < 2:
            return None
        return FlagKind.MONKEYPATCH

    def visit_Call(self, node: ast.Call) -> None:
        name = self.resolve(node.func)
        self._check_setattr(node, name)
        self._check_modules_call(node)
        if name in _KEYED_LOOKUPS and len(node.args) > 1:
            key = _string(node.args[1])
            if key in INTERNAL_ATTRIBUTES:
                self.flag(node, FlagKind.INTERNALS, f"{name} {key!r}")
        if name in _IMPORTERS and node.args:
            module = _string(node.args[0])
            if module is not None and module.split(".")[0] in INTERNAL_MODULES:
                self.flag(node, FlagKind.INTERNALS, f"imports {module!r} by name")
        if name is not None:
            self._check_patcher(node, name)
        self.generic_visit(node)

    def _check_setattr(self, node: ast.Call, name: str | None) -> None:
        if name in _SETATTRS or name in _UNBOUND_SETATTRS:
            if len(node.args) < 2:
                return
            target, attribute = node.args[0], node.args[1]
        elif isinstance(node.func, ast.Attribute) and node.func.attr in ("__setattr__", "__delattr__"):
            if not node.args:
                return
            target, attribute = node.func.value, node.args[0]
        else:
            return
        label = name or f".{_terminal(node.func)}"
        key = _string(attribute)
        if key == "__class__":
            self.flag(node, FlagKind.CLASS_SWAP, f"{label} __class__ on {self.describe(target)}")
            return
        base = self.imported(target)
        if base is None:
            return
        kind = self._write_kind(base if key is None else f"{base}.{key}")
        if kind is None and key is None and base.split(".")[0] not in self.own_modules:
            kind = FlagKind.MONKEYPATCH  # setattr(json, name, ...): a module, whatever the name
        if kind is not None:
            self.flag(node, kind, f"{label} on {_clip(base)}")

    def _check_modules_call(self, node: ast.Call) -> None:
        """`sys.modules.update(...)` and friends replace modules; `.get("rpc")` reaches the worker's."""
        func = node.func
        if not isinstance(func, ast.Attribute) or self.resolve(func.value) != "sys.modules":
            return
        if func.attr in _MODULES_WRITERS:
            self.flag(node, FlagKind.REPLACES_MODULES, f"uses sys.modules.{func.attr}")
            self.suppress(func.value, FlagKind.MODULES)
        elif func.attr in _MODULES_READERS and node.args:
            key = _string(node.args[0])
            if key is not None and key.split(".")[0] in INTERNAL_MODULES:
                self.flag(node, FlagKind.INTERNALS, f"uses sys.modules.{func.attr}({key!r})")

    def _check_patcher(self, node: ast.Call, name: str) -> None:
        if (name in _PATCHERS or name.endswith(".patch")) and node.args:
            first = node.args[0]
            text = _string(first)
            if text is not None and text.startswith("django"):
                self.flag(node, FlagKind.DJANGO_PATCH, f"patches {text}")
                return
            resolved = self.resolve(first)
            if resolved is not None and resolved.startswith("django"):
                self.flag(node, FlagKind.DJANGO_PATCH, f"patches {resolved}")
                return
        # unittest.mock's patchers (an imported name): what they replace decides the kind.
        patcher = next((name.removeprefix(p) for p in ("unittest.mock.", "mock.") if name.startswith(p)), None)
        if patcher not in _MOCK_PATCHERS or not node.args or self.imported(node.func) is None:
            return
        first = node.args[0]
        text = _string(first)
        if text is not None:
            if not all(part.isidentifier() for part in text.split(".")):
                return
            patched = text
        else:
            base = self.imported(first)
            if base is None:
                return
            key = _string(node.args[1]) if patcher == "patch.object" and len(node.args) > 1 else None
            patched = base if key is None else f"{base}.{key}"
        kind = self._write_kind(patched, subscripted=patcher == "patch.dict")
        if kind is None and text is None and "." not in patched and patched not in self.own_modules:
            kind = FlagKind.MONKEYPATCH  # patch.object(json, name): a module, whatever the name
        if kind is not None:
            self.flag(node, kind, f"patches {_clip(patched)}")
            if kind is FlagKind.REPLACES_MODULES:
                self.suppress(first, FlagKind.MODULES)


def scan_source(file: str, source: str, own_modules: Collection[str] = ()) -> list[RedFlag]:
    """Red flags of one file, in line order. A file that does not parse has none: it cannot run
    either, and its grade already says so. `own_modules` are the submission's own top-level modules:
    changing their attributes is not monkeypatching anyone else's."""
    try:
        tree = ast.parse(source, filename=file)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    scanner = _Scanner(file, own_modules)
    for statement in tree.body:
        try:
            scanner.visit(statement)
        except RecursionError:
            # Parsed (so it may well run) but nested past what the scan follows: say so.
            scanner.flag(statement, FlagKind.UNSCANNED, "nested too deeply to scan; this statement is unchecked")
    unique = {(f.line, f.kind, f.detail): f for f in scanner.flags}
    return sorted(unique.values(), key=lambda f: (f.line, f.kind.value, f.detail))


def _shadowing_reason(name: str) -> str | None:
    if name in INTERNAL_MODULES:
        return "a module of the grader's worker or of the challenge's driver"
    if name in AUTOLOADED_MODULES:
        return "a file pytest or Python start-up loads by itself"
    if name in sys.stdlib_module_names:
        return "a standard-library module"
    if name in SANDBOX_PACKAGES:
        return "a package installed in the sandbox"
    return None


def scan_file_names(paths: Iterable[str]) -> list[RedFlag]:
    """Files whose top-level module name could stand in for a module the worker or Python loads.

    The worker puts the submission's folder last on `sys.path`, so none of them is ever imported in
    place of the real one; naming a file so is still an attempt. Reported at line 1 of the file.
    """
    flags = []
    for name, path in sorted(top_level_modules(paths).items()):
        reason = _shadowing_reason(name)
        if reason is not None:
            flags.append(RedFlag(path, 1, FlagKind.SHADOWING, f"module name {name!r} is {reason}"))
    return flags


def submitted_code(files: Mapping[str, bytes]) -> SubmittedCode:
    """A submission's files and its red flags, for the reviewer's single-grade page."""
    notes = tuple(
        CodeNote(flag.file, flag.line, f"{flag.kind.value}: {flag.detail}")
        for flag in scan_files(python_sources(files))
    )
    return SubmittedCode(source_listing(files), notes)


def scan_files(sources: Mapping[str, str]) -> list[RedFlag]:
    """Red flags of a submission's files: their names and their content, in file and line order.

    The hand-out's own files, which its README says may be sent along and are ignored when grading,
    are left out: a `conftest.py` exactly as the hand-out wrote it, and `support/` (the hand-out's copy
    of the driver and the kit) unless the candidate's other code could import it.
    """
    own = frozenset(name for name in top_level_modules(sources) if _shadowing_reason(name) is None)
    skipped = {"conftest.py"} if _is_handout_conftest(sources.get("conftest.py"), own) else set()
    support = {path for path in sources if path.startswith(f"{SUPPORT_DIR}/")}
    flags = scan_file_names(path for path in sources if path not in skipped)
    for name in sorted(set(sources) - skipped - support):
        flags += scan_source(name, sources[name], own)
    reaches_support = any(f.kind in (FlagKind.IMPORTLIB, FlagKind.DYNAMIC_CODE) for f in flags) or any(
        _mentions_support(sources[name]) for name in set(sources) - skipped - support
    )
    if reaches_support:
        for name in sorted(support):
            flags += scan_source(name, sources[name], own)
    return sorted(flags, key=lambda f: (f.file, f.line, f.kind.value, f.detail))


def _normalised(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").strip().splitlines())


@functools.cache
def _handout_conftests(entry: str) -> frozenset[str]:
    """The hand-out's conftest.py for a challenge whose entry module is `entry`, with a driver and without."""
    template = template_environment().get_template("handout/conftest.py.j2")
    challenge = types.SimpleNamespace(entry=entry)
    return frozenset(
        _normalised(template.render(challenge=challenge, has_driver=has_driver, support=SUPPORT_DIR))
        for has_driver in (False, True)
    )


def _is_handout_conftest(source: str | None, own_modules: Iterable[str]) -> bool:
    if source is None:
        return False
    text = _normalised(source)
    return any(text in _handout_conftests(entry) for entry in own_modules)


def _mentions_support(source: str) -> bool:
    """Whether `source` names the `support` package: an import of it, or a string with it as a path part."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == SUPPORT_DIR for a in node.names):
            return True
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == SUPPORT_DIR:
            return True
        text = _string(node) if isinstance(node, ast.expr) else None
        if text is not None and SUPPORT_DIR in text.replace("\\", "/").replace(".", "/").split("/"):
            return True
    return False
