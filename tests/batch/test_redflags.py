"""Red flags: what the static scan reports, with file and line."""

from __future__ import annotations

import keyword
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.batch.redflags import (
    TAMPERING_KINDS,
    FlagKind,
    RedFlag,
    scan_file_names,
    scan_files,
    scan_source,
)
from grader.batch.similarity import python_sources
from grader.challenges import Challenge, load_challenge
from grader.handout import write_handout

BANK = Path(__file__).resolve().parents[2] / "challenges"


@pytest.mark.parametrize(
    ("source", "kind", "detail"),
    [
        ("import gc\n", FlagKind.GC, "imports gc"),
        ("import inspect\n", FlagKind.FRAMES, "imports inspect"),
        ("import sys\nsys._getframe(1)\n", FlagKind.FRAMES, "uses sys._getframe"),
        ("from sys import _getframe as g\ng()\n", FlagKind.FRAMES, "uses sys._getframe"),
        ("def f(e):\n    return e.__traceback__.tb_frame.f_back\n", FlagKind.FRAMES, "uses .f_back"),
        ("import ctypes\n", FlagKind.CTYPES, "imports ctypes"),
        ("import sys\nm = sys.modules['json']\n", FlagKind.MODULES, "uses sys.modules"),
        ("import builtins\nbuiltins.len = max\n", FlagKind.MONKEYPATCH, "assigns builtins.len"),
        ("__builtins__['len'] = max\n", FlagKind.BUILTINS, "uses __builtins__"),
        ("import os as o\no._exit(1)\n", FlagKind.EXIT, "uses os._exit"),
        ("import atexit\n", FlagKind.ATEXIT, "imports atexit"),
        ("import subprocess\n", FlagKind.SUBPROCESS, "imports subprocess"),
        ("import os\nos.system('id')\n", FlagKind.SUBPROCESS, "uses os.system"),
        ("import os\nos.execv('/bin/sh', [])\n", FlagKind.SUBPROCESS, "uses os.execv"),
        ("from socket import socket\n", FlagKind.NETWORK, "imports socket"),
        ("open('/etc/passwd').read()\n", FlagKind.FILES, "uses open"),
        ("from pathlib import Path\nPath('x').read_text()\n", FlagKind.FILES, "uses .read_text"),
        ("import importlib\n", FlagKind.IMPORTLIB, "imports importlib"),
        ("__import__('os')\n", FlagKind.IMPORTLIB, "uses __import__"),
        ("exec('1')\n", FlagKind.DYNAMIC_CODE, "uses exec"),
        (
            "from django.db.models import QuerySet\nQuerySet.count = lambda self: 0\n",
            FlagKind.DJANGO_PATCH,
            "assigns django.db.models.QuerySet.count",
        ),
        (
            "import django.db.models as m\nsetattr(m.Model, 'save', None)\n",
            FlagKind.DJANGO_PATCH,
            "setattr on django.db.models.Model",
        ),
        (
            "from unittest import mock\nmock.patch('django.db.connection.cursor')\n",
            FlagKind.DJANGO_PATCH,
            "patches django.db.connection.cursor",
        ),
    ],
)
def test_each_construct_is_flagged_with_its_line(source: str, kind: FlagKind, detail: str) -> None:
    flags = scan_source("solution.py", source)
    matching = [f for f in flags if f.kind is kind and f.detail == detail]
    assert matching, flags
    assert matching[-1].file == "solution.py"
    assert matching[-1].line == len(source.splitlines())  # every case puts the construct on its last line


# Tampering with the grader's machinery in the worker, one class after another: (source, kind, detail).
# Every construct is on the source's last line; the scan must report exactly that kind there.
TAMPERING = [
    # 1. the worker's modules, the driver, their names
    ("import rpc\n", FlagKind.INTERNALS, "imports rpc"),
    ("from djangokit import capture_queries\n", FlagKind.INTERNALS, "imports djangokit"),
    ("import driver as d\n", FlagKind.INTERNALS, "imports driver"),
    ("import main\n", FlagKind.INTERNALS, "imports main"),
    ("import __main__\n", FlagKind.INTERNALS, "imports __main__"),
    ("from grader.worker import rpc\n", FlagKind.INTERNALS, "imports grader.worker"),
    ("import importlib\nimportlib.import_module('rpc')\n", FlagKind.INTERNALS, "imports 'rpc' by name"),
    ("__import__('djangokit')\n", FlagKind.INTERNALS, "imports 'djangokit' by name"),
    ("import sys\nrpc = sys.modules['rpc']\n", FlagKind.INTERNALS, "uses sys.modules['rpc']"),
    ("import sys\nsys.modules.get('driver')\n", FlagKind.INTERNALS, "uses sys.modules.get('driver')"),
    ("def f(m):\n    m._OPERATIONS['call'] = None\n", FlagKind.INTERNALS, "uses ._OPERATIONS"),
    ("def f(m):\n    return m.WORKER_SERVES\n", FlagKind.INTERNALS, "uses .WORKER_SERVES"),
    ("def f(m):\n    return m.Endpoint.request\n", FlagKind.INTERNALS, "uses .Endpoint"),
    ("def f(m):\n    return getattr(m, 'capture_queries')\n", FlagKind.INTERNALS, "getattr 'capture_queries'"),
    ("def f(m):\n    return vars(m)['Endpoint']\n", FlagKind.INTERNALS, "uses ['Endpoint']"),
    # 2. writing sys.modules
    ("import sys\nsys.modules['json'] = None\n", FlagKind.REPLACES_MODULES, "assigns sys.modules['json']"),
    ("import sys\ndel sys.modules['solution']\n", FlagKind.REPLACES_MODULES, "deletes sys.modules['solution']"),
    ("import sys\nsys.modules.__setitem__('x', 1)\n", FlagKind.REPLACES_MODULES, "uses sys.modules.__setitem__"),
    ("import sys as s\ns.modules.update({'x': 1})\n", FlagKind.REPLACES_MODULES, "uses sys.modules.update"),
    ("import sys\nsys.modules.pop('rpc')\n", FlagKind.REPLACES_MODULES, "uses sys.modules.pop"),
    ("from sys import modules\nmodules['x'] = None\n", FlagKind.REPLACES_MODULES, "assigns sys.modules['x']"),
    ("import sys\nsetattr(sys, 'modules', {})\n", FlagKind.REPLACES_MODULES, "setattr on sys"),
    ("from unittest.mock import patch\nimport sys\npatch.dict(sys.modules, rpc=None).start()\n",
     FlagKind.REPLACES_MODULES, "patches sys.modules"),
    # 3. __class__ assignment
    ("import sys\nsys.modules[__name__].__class__ = type\n", FlagKind.CLASS_SWAP,
     "assigns sys.modules[__name__].__class__"),
    ("def f(x, C):\n    x.__class__ = C\n", FlagKind.CLASS_SWAP, "assigns x.__class__"),
    ("def f(x, C):\n    setattr(x, '__class__', C)\n", FlagKind.CLASS_SWAP, "setattr __class__ on x"),
    ("def f(x, C):\n    object.__setattr__(x, '__class__', C)\n", FlagKind.CLASS_SWAP,
     "object.__setattr__ __class__ on x"),
    # 4. import hooks
    ("import sys\nsys.meta_path.insert(0, object())\n", FlagKind.IMPORT_HOOK, "uses sys.meta_path"),
    ("import sys\nsys.path_hooks.append(len)\n", FlagKind.IMPORT_HOOK, "uses sys.path_hooks"),
    ("import sys\nsys.path_importer_cache.clear()\n", FlagKind.IMPORT_HOOK, "uses sys.path_importer_cache"),
    ("import sys\nsys.meta_path[:] = []\n", FlagKind.IMPORT_HOOK, "assigns sys.meta_path[...]"),
    ("from importlib.abc import MetaPathFinder\n", FlagKind.IMPORT_HOOK, "imports importlib.abc"),
    ("import importlib.machinery\n", FlagKind.IMPORT_HOOK, "imports importlib.machinery"),
    ("from importlib import machinery\n", FlagKind.IMPORT_HOOK, "uses importlib.machinery"),
    ("import builtins\nbuiltins.__import__ = print\n", FlagKind.IMPORT_HOOK, "assigns builtins.__import__"),
    ("__builtins__['__import__'] = print\n", FlagKind.IMPORT_HOOK, "assigns __builtins__['__import__']"),
    ("__import__ = print\n", FlagKind.IMPORT_HOOK, "assigns __import__"),
    ("import builtins as b\nsetattr(b, '__import__', print)\n", FlagKind.IMPORT_HOOK, "setattr on builtins"),
    # 6. database internals
    ("from django.db import connection\nraw = connection.connection\n", FlagKind.DB_INTERNALS,
     "uses django.db.connection.connection (the raw DB-API connection)"),
    ("from django.db import connection\nraw = connection.cursor().connection\n", FlagKind.DB_INTERNALS,
     "uses connection.cursor().connection (the raw DB-API connection)"),
    ("from django.db import connection\nwith connection.cursor() as c:\n    c.connection.rollback()\n",
     FlagKind.DB_INTERNALS, "uses c.connection (the raw DB-API connection)"),
    ("from django.db import connection\nconnection.execute_wrappers.clear()\n", FlagKind.DB_INTERNALS,
     "uses .execute_wrappers"),
    ("from django.db.backends.utils import CursorWrapper\n", FlagKind.DB_INTERNALS, "imports django.db.backends.utils"),
    ("import sqlite3\n", FlagKind.DB_INTERNALS, "imports sqlite3"),
    ("import psycopg2\n", FlagKind.DB_INTERNALS, "imports psycopg2"),
    ("import psycopg\n", FlagKind.DB_INTERNALS, "imports psycopg"),
    ("def f(raw):\n    raw.set_trace_callback(None)\n", FlagKind.DB_INTERNALS, "uses .set_trace_callback"),
    # 7. instruments: memory tracing, clocks, logging
    ("import tracemalloc\n", FlagKind.INSTRUMENTS, "imports tracemalloc"),
    ("import tracemalloc\ntracemalloc.reset_peak()\n", FlagKind.INSTRUMENTS, "uses tracemalloc.reset_peak"),
    ("import tracemalloc\ntracemalloc.stop()\n", FlagKind.INSTRUMENTS, "uses tracemalloc.stop"),
    ("import tracemalloc as t\nt.clear_traces()\n", FlagKind.INSTRUMENTS, "uses tracemalloc.clear_traces"),
    ("import time\ntime.monotonic = lambda: 0.0\n", FlagKind.INSTRUMENTS, "assigns time.monotonic"),
    ("import time as t\nt.perf_counter = lambda: 0.0\n", FlagKind.INSTRUMENTS, "assigns time.perf_counter"),
    ("import time\nsetattr(time, 'perf_counter', int)\n", FlagKind.INSTRUMENTS, "setattr on time"),
    ("from unittest import mock\nmock.patch('time.monotonic', int).start()\n", FlagKind.INSTRUMENTS,
     "patches time.monotonic"),
    ("import logging\nlogging.root.handlers[:] = []\n", FlagKind.INSTRUMENTS, "assigns logging.root.handlers[...]"),
    ("import logging\nlogging.Logger.manager.loggerDict.clear()\n", FlagKind.INSTRUMENTS, "uses .loggerDict"),
    ("import logging\nlogging.getLogger().addHandler(None)\n", FlagKind.INSTRUMENTS,
     "uses .addHandler of the root logger"),
    ("import logging\nroot = logging.getLogger('')\nroot.addHandler(None)\n", FlagKind.INSTRUMENTS,
     "uses .addHandler of the root logger"),
    ("import logging\nlog = logging.getLogger(__name__)\nlog.handlers.clear()\n", FlagKind.INSTRUMENTS,
     "uses .handlers of a logger"),
    ("import logging\nlogging.setLoggerClass(object)\n", FlagKind.INSTRUMENTS, "uses logging.setLoggerClass"),
    ("import logging\nlogging.setLogRecordFactory(dict)\n", FlagKind.INSTRUMENTS, "uses logging.setLogRecordFactory"),
    ("import logging\nlogging.disable()\n", FlagKind.INSTRUMENTS, "uses logging.disable"),
    ("import logging.config\n", FlagKind.INSTRUMENTS, "imports logging.config"),
    # 8. monkeypatching any module
    ("import json\njson.dumps = repr\n", FlagKind.MONKEYPATCH, "assigns json.dumps"),
    ("import os.path\nos.path.join = min\n", FlagKind.MONKEYPATCH, "assigns os.path.join"),
    ("import json as j\ndel j.loads\n", FlagKind.MONKEYPATCH, "deletes json.loads"),
    ("from collections import OrderedDict\nOrderedDict.get = dict.get\n", FlagKind.MONKEYPATCH,
     "assigns collections.OrderedDict.get"),
    ("from catalog.models import Book\nBook.save = print\n", FlagKind.MONKEYPATCH, "assigns catalog.models.Book.save"),
    ("import json\nsetattr(json, 'dumps', repr)\n", FlagKind.MONKEYPATCH, "setattr on json"),
    ("from unittest import mock\nimport json\nmock.patch.object(json, 'dumps', repr).start()\n", FlagKind.MONKEYPATCH,
     "patches json.dumps"),
    ("import json\nvars(json)['dumps'] = repr\n", FlagKind.MONKEYPATCH, "assigns json.__dict__['dumps']"),
    ("import sys\nsys.stdout = None\n", FlagKind.MONKEYPATCH, "assigns sys.stdout"),
    ("import djangokit\ndjangokit.plain = repr\n", FlagKind.INTERNALS, "assigns djangokit.plain"),
    # and: a statement nested past what the scan follows is not silently skipped
    ("x = a" + ".b" * 2000 + "\n", FlagKind.UNSCANNED, "nested too deeply to scan; this statement is unchecked"),
]  # fmt: skip


@pytest.mark.parametrize(("source", "kind", "detail"), TAMPERING)
def test_each_kind_of_tampering_is_flagged_with_its_kind_and_line(source: str, kind: FlagKind, detail: str) -> None:
    flags = scan_source("solution.py", source)
    last = len(source.splitlines())
    assert RedFlag("solution.py", last, kind, detail) in flags, flags
    assert kind in TAMPERING_KINDS
    assert all(f.tampering == (f.kind in TAMPERING_KINDS) for f in flags)


@pytest.mark.parametrize(
    ("source", "detail"),
    [
        ("import threading\nt = threading.Thread(target=print)\n", "uses threading.Thread"),
        ("import _thread\n", "imports _thread"),
        ("from concurrent.futures import ThreadPoolExecutor\n", "imports concurrent.futures"),
        ("import asyncio\nasyncio.run_coroutine_threadsafe(None, None)\n", "uses asyncio.run_coroutine_threadsafe"),
        ("import signal\nsignal.alarm(1)\n", "uses signal.alarm"),
        ("import signal as s\ns.signal(14, print)\n", "uses signal.signal"),
        ("async def f(loop):\n    await loop.run_in_executor(None, print)\n", "uses .run_in_executor"),
    ],
)
def test_threads_and_signals_are_informational_and_name_what_was_used(source: str, detail: str) -> None:
    flags = scan_source("solution.py", source)
    assert RedFlag("solution.py", len(source.splitlines()), FlagKind.THREADS, detail) in flags, flags
    assert FlagKind.THREADS not in TAMPERING_KINDS
    assert not any(f.tampering for f in flags)


def test_a_write_is_one_flag_of_the_stronger_kind() -> None:
    flags = scan_source("s.py", "import sys\nsys.modules['x'] = None\n")
    assert flags == [RedFlag("s.py", 2, FlagKind.REPLACES_MODULES, "assigns sys.modules['x']")]
    flags = scan_source("s.py", "import logging\nlogging.root.handlers[:] = []\n")
    assert flags == [RedFlag("s.py", 2, FlagKind.INSTRUMENTS, "assigns logging.root.handlers[...]")]


def test_line_numbers_point_at_the_construct() -> None:
    flags = scan_source("s.py", "x = 1\n\n\ndef f():\n    import os\n    os._exit(1)\n")
    assert [(f.line, f.kind) for f in flags] == [(6, FlagKind.EXIT)]


def test_ordinary_solutions_have_no_flags() -> None:
    source = (
        "import collections, heapq, re, math\nfrom dataclasses import dataclass\n"
        "def f(items):\n    counts = collections.Counter(items)\n    return re.compile('x').match(str(counts))\n"
        "class C:\n    def open(self):\n        return self.open\n"
    )
    assert scan_source("s.py", source) == []


HONEST_LRU = '''\
"""An LRU cache, thread-safe."""
import heapq
import logging
import threading
import time
from collections import OrderedDict

log = logging.getLogger(__name__)
log.addHandler(logging.NullHandler())


class LRUCache:
    def __init__(self, capacity):
        self.capacity = capacity
        self.data = OrderedDict()
        self.lock = threading.Lock()
        self.created = time.monotonic()
        self.connection = None

    def get(self, key):
        with self.lock:
            if key not in self.data:
                return -1
            self.data.move_to_end(key)
            return self.data[key]

    def put(self, key, value):
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            if len(self.data) > self.capacity:
                evicted, _ = self.data.popitem(last=False)
                log.debug("evicted %r", evicted)

    def smallest(self, n):
        return heapq.nsmallest(n, self.data)

    def __repr__(self):
        return f"{self.__class__.__name__}({self.capacity})"


def main():
    driver = LRUCache(2)
    rpc = driver.get(1)
    return rpc


if __name__ == "__main__":
    main()
'''


def test_an_honest_solution_with_a_thread_lock_is_not_suspected_of_tampering() -> None:
    flags = scan_files({"solution.py": HONEST_LRU, "helpers.py": "import solution\nsolution.DEFAULT = 3\n"})
    assert not any(f.tampering for f in flags), flags
    assert [(f.line, f.kind, f.detail) for f in flags] == [(16, FlagKind.THREADS, "uses threading.Lock")]


def test_the_candidates_own_modules_may_be_changed_but_not_others() -> None:
    helper = "import solution\nimport json\nsolution.CACHE = {}\njson.CACHE = {}\n"
    flags = scan_files({"solution.py": "x = 1\n", "util/__init__.py": "", "helper.py": helper})
    assert [(f.file, f.line, f.kind) for f in flags] == [("helper.py", 4, FlagKind.MONKEYPATCH)]
    # a file named like the standard library's module is not the candidate's own: the real one is imported
    flags = scan_files({"solution.py": "import json\njson.CACHE = {}\n", "json.py": ""})
    assert [(f.file, f.line, f.kind) for f in flags] == [
        ("json.py", 1, FlagKind.SHADOWING),
        ("solution.py", 2, FlagKind.MONKEYPATCH),
    ]


def test_unparsable_files_and_several_files() -> None:
    assert scan_source("bad.py", "def f(:\n") == []
    flags = scan_files({"b.py": "import gc\n", "a.py": "import ctypes\n"})
    assert [(f.file, f.kind) for f in flags] == [("a.py", FlagKind.CTYPES), ("b.py", FlagKind.GC)]


def test_one_deep_statement_does_not_hide_the_rest_of_the_file() -> None:
    source = "import os\nx = a" + ".b" * 2000 + "\nimport gc\n"
    flags = scan_source("s.py", source)
    assert [(f.line, f.kind) for f in flags] == [(2, FlagKind.UNSCANNED), (3, FlagKind.GC)]


# ------------------------------------------------------------------ file names


def test_file_names_that_shadow_a_module_are_flagged() -> None:
    paths = [
        "solution.py",
        "json.py",
        "email/__init__.py",
        "email/extra.py",
        "rpc.py",
        "driver.py",
        "djangokit.py",
        "main.py",
        "conftest.py",
        "sitecustomize.py",
        "usercustomize.py",
        "django/db.py",
        "helpers/json.py",
        "notes.txt",
    ]
    flags = scan_file_names(paths)
    assert [(f.file, f.line, f.kind) for f in flags] == [
        (path, 1, FlagKind.SHADOWING)
        for path in sorted(
            [
                "conftest.py",
                "django/db.py",
                "djangokit.py",
                "driver.py",
                "email/__init__.py",
                "json.py",
                "main.py",
                "rpc.py",
                "sitecustomize.py",
                "usercustomize.py",
            ],
            key=lambda p: p.split("/")[0].removesuffix(".py"),
        )
    ]
    assert next(f for f in flags if f.file == "json.py").detail == "module name 'json' is a standard-library module"
    assert all(f.tampering for f in flags)


def test_scan_files_includes_the_file_names() -> None:
    flags = scan_files({"solution.py": "x = 1\n", "sitecustomize.py": "x = 2\n", "heapq.py": "x = 3\n"})
    assert [(f.file, f.kind) for f in flags] == [
        ("heapq.py", FlagKind.SHADOWING),
        ("sitecustomize.py", FlagKind.SHADOWING),
    ]


# ------------------------------------------------------------------ the hand-out's own files


def handout_sources(challenge: Challenge, dest: Path) -> dict[str, str]:
    """What a candidate sends when they send back their whole hand-out folder, as the batch scans it."""
    write_handout(challenge, dest)
    return python_sources({p.relative_to(dest).as_posix(): p.read_bytes() for p in dest.rglob("*") if p.is_file()})


@pytest.mark.parametrize("slug", ["lru-cache", "annotate-counts"])
def test_the_handouts_own_files_sent_back_are_not_flagged(slug: str, tmp_path: Path) -> None:
    sources = handout_sources(load_challenge(BANK / slug), tmp_path / "handout")
    assert "conftest.py" in sources
    assert scan_files(sources) == []
    sources["conftest.py"] = sources["conftest.py"].replace("\n", "\r\n")  # zipped on Windows
    assert scan_files(sources) == []


def test_a_changed_conftest_and_support_code_the_solution_imports_are_scanned(tmp_path: Path) -> None:
    sources = handout_sources(load_challenge(BANK / "annotate-counts"), tmp_path / "handout")
    planted = dict(sources, **{"conftest.py": sources["conftest.py"] + "\nimport sys\nsys.modules['rpc'] = None\n"})
    flags = scan_files(planted)
    assert ("conftest.py", 1, FlagKind.SHADOWING) in [(f.file, f.line, f.kind) for f in flags]
    assert any(f.file == "conftest.py" and f.kind is FlagKind.REPLACES_MODULES for f in flags)
    importing = dict(sources, **{"solution.py": sources["solution.py"] + "\nfrom support import driver\n"})
    flags = scan_files(importing)
    assert any(f.file == "support/driver.py" and f.kind is FlagKind.INTERNALS for f in flags), flags
    evil = dict(sources, **{"support/evil.py": "import rpc\n", "solution.py": "import importlib\n"})
    assert any(f.file == "support/evil.py" and f.kind is FlagKind.INTERNALS for f in scan_files(evil))
    inert = dict(sources, **{"support/evil.py": "import rpc\n"})  # nothing imports it: it never runs
    assert not any(f.file == "support/evil.py" for f in scan_files(inert))


# ------------------------------------------------------------------ properties

HOSTILE_LINES = [source for source, _kind, _detail in TAMPERING if len(source) < 200]


@given(st.text(max_size=400))
def test_the_scan_never_raises_on_arbitrary_text(text: str) -> None:
    flags = scan_source("s.py", text)
    assert all(isinstance(f, RedFlag) and 0 <= f.line <= len(text.splitlines()) + 1 for f in flags)


@given(
    st.lists(
        st.one_of(
            st.sampled_from(HOSTILE_LINES),
            st.text(alphabet="abc_.()[]'=: \n\t#+-*0123456789", max_size=30),
            st.sampled_from(["def f(x):\n", "    return x\n", "class C:\n", "    pass\n", "if x:\n", "  y = (\n"]),
        ),
        max_size=12,
    )
)
def test_the_scan_never_raises_on_fragments_of_hostile_code(fragments: list[str]) -> None:
    source = "".join(fragments)
    flags = scan_files({"solution.py": source, "sub/extra.py": source})
    assert all(isinstance(f, RedFlag) for f in flags)


# Names that are also the grader's modules or instrumented ones: harmless as plain variables.
TRICKY_NAMES = ["rpc", "main", "driver", "djangokit", "time", "logging", "connection", "cursor", "handlers", "modules"]
identifiers = st.one_of(
    st.sampled_from(TRICKY_NAMES),
    st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True).filter(
        lambda n: not keyword.iskeyword(n) and not (n.startswith("__") and n.endswith("__"))
    ),
)
SAFE_IMPORTS = [
    "import collections",
    "import heapq",
    "import bisect",
    "import itertools",
    "import functools",
    "import math",
    "import threading",
    "import time",
    "import logging",
    "from collections import OrderedDict, deque",
    "from dataclasses import dataclass",
    "from typing import Any",
]
STATEMENTS = [
    "{a} = {b} + {n}",
    "{a} = [{b} for {b} in range({n})]",
    "{a} = OrderedDict() if {n} else deque()",
    "{a} = heapq.nsmallest({n}, [{n}, {b}])",
    "{a} = threading.Lock()",
    "{a} = time.monotonic() - {b}",
    "{a} = logging.getLogger(__name__)",
    "{a}, {b} = {b}, {a}",
    "{a}_items = [{b}]\n{a}_items[0] = {n}",
    "del {a}",
    "for {a} in range({n}):\n    {b} = {a}",
    "def {a}({b}):\n    return {b} * {n}",
    "class {c}:\n    def __init__(self, {a}):\n        self.{b} = {a}\n        self.{a} = {n}",
    "with {a}:\n    {b} = {n}",
    "if __name__ == '__main__':\n    {a}({b})",
]


@st.composite
def harmless_programs(draw: st.DrawFn) -> str:
    lines = draw(st.lists(st.sampled_from(SAFE_IMPORTS), max_size=4))
    for template in draw(st.lists(st.sampled_from(STATEMENTS), min_size=1, max_size=10)):
        a, b = draw(identifiers), draw(identifiers)
        lines.append(template.format(a=a, b=b, c=a.capitalize() or "C", n=draw(st.integers(0, 99))))
    return "\n".join(lines) + "\n"


@given(harmless_programs())
def test_harmless_programs_are_never_suspected_of_tampering(source: str) -> None:
    compile(source, "solution.py", "exec")  # the generator only writes valid Python
    flags = scan_files({"solution.py": source})
    assert not [f for f in flags if f.tampering], (source, flags)
