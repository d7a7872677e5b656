"""Red flags: a static (AST) scan for constructs that have no business in a solution.

Shown to reviewers with file and line; never changes a score. The sandbox already makes these
harmless: the point is to tell a reviewer that a candidate tried. Aliases are followed
(`import os as o; o._exit(1)`, `from sys import _getframe as g`), not dynamic tricks beyond
that (`getattr(__import__("o" + "s"), ...)` shows up as its `__import__`/`getattr` parts).
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Mapping
from dataclasses import dataclass


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


@dataclass(frozen=True, slots=True)
class RedFlag:
    file: str
    line: int
    kind: FlagKind
    detail: str


# A module imported at all is a flag (the module names what it is for).
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
}

# Fully qualified names whose use (a call or a reference) is a flag.
NAME_FLAGS: Mapping[str, FlagKind] = {
    "sys._getframe": FlagKind.FRAMES,
    "sys._current_frames": FlagKind.FRAMES,
    "sys.exc_info": FlagKind.FRAMES,
    "sys.settrace": FlagKind.FRAMES,
    "sys.setprofile": FlagKind.FRAMES,
    "sys.modules": FlagKind.MODULES,
    "sys.meta_path": FlagKind.IMPORTLIB,
    "sys.path_hooks": FlagKind.IMPORTLIB,
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
}
NAME_PREFIX_FLAGS: Mapping[str, FlagKind] = {
    "os.exec": FlagKind.SUBPROCESS,
    "os.spawn": FlagKind.SUBPROCESS,
    "os.posix_spawn": FlagKind.SUBPROCESS,
}
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
}
_PATCHERS = frozenset({"patch", "patch.object", "mock.patch", "mock.patch.object", "unittest.mock.patch"})


class _Scanner(ast.NodeVisitor):
    def __init__(self, file: str) -> None:
        self.file = file
        self.flags: list[RedFlag] = []
        self.aliases: dict[str, str] = {}

    def flag(self, node: ast.AST, kind: FlagKind, detail: str) -> None:
        self.flags.append(RedFlag(self.file, getattr(node, "lineno", 0), kind, detail))

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
        top = module.split(".")[0]
        if top in MODULE_FLAGS:
            self.flag(node, MODULE_FLAGS[top], f"imports {module}")

    # ---- names and attributes
    def resolve(self, node: ast.expr) -> str | None:
        """The dotted name an expression refers to, through import aliases."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

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
        if node.attr in ATTRIBUTE_FLAGS:
            self.flag(node, ATTRIBUTE_FLAGS[node.attr], f"uses .{node.attr}")
        self.generic_visit(node)

    # ---- writes: builtins and django internals
    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._check_target(node, target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._check_target(node, node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._check_target(node, target)
        self.generic_visit(node)

    def _check_target(self, node: ast.AST, target: ast.expr) -> None:
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._check_target(node, element)
            return
        while isinstance(target, ast.Subscript):
            target = target.value
        if not isinstance(target, ast.Attribute):
            return
        name = self.resolve(target)
        if name is None:
            return
        if name.startswith(("builtins.", "__builtins__.")):
            self.flag(node, FlagKind.BUILTINS, f"assigns {name}")
        elif name.startswith("django."):
            self.flag(node, FlagKind.DJANGO_PATCH, f"assigns {name}")

    def visit_Call(self, node: ast.Call) -> None:
        name = self.resolve(node.func)
        if name in ("setattr", "delattr") and node.args:
            target = self.resolve(node.args[0])
            if target is not None and target.startswith("django"):
                self.flag(node, FlagKind.DJANGO_PATCH, f"{name} on {target}")
            elif target is not None and target.split(".")[0] in ("builtins", "__builtins__", "sys"):
                self.flag(node, FlagKind.BUILTINS, f"{name} on {target}")
        if name is not None and (name in _PATCHERS or name.endswith(".patch")) and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith("django"):
                self.flag(node, FlagKind.DJANGO_PATCH, f"patches {first.value}")
            else:
                resolved = self.resolve(first)
                if resolved is not None and resolved.startswith("django"):
                    self.flag(node, FlagKind.DJANGO_PATCH, f"patches {resolved}")
        self.generic_visit(node)


def scan_source(file: str, source: str) -> list[RedFlag]:
    """Red flags of one file, in line order. A file that does not parse has none: it cannot run
    either, and its grade already says so."""
    try:
        tree = ast.parse(source, filename=file)
    except (SyntaxError, ValueError):
        return []
    scanner = _Scanner(file)
    scanner.visit(tree)
    unique = {(f.line, f.kind, f.detail): f for f in scanner.flags}
    return sorted(unique.values(), key=lambda f: (f.line, f.kind.value, f.detail))


def scan_files(sources: Mapping[str, str]) -> list[RedFlag]:
    flags: list[RedFlag] = []
    for name in sorted(sources):
        flags += scan_source(name, sources[name])
    return flags
