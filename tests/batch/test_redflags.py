"""Red flags: what the static scan reports, with file and line."""

from __future__ import annotations

import pytest

from grader.batch.redflags import FlagKind, scan_files, scan_source


@pytest.mark.parametrize(
    ("source", "kind", "detail"),
    [
        ("import gc\n", FlagKind.GC, "imports gc"),
        ("import inspect\n", FlagKind.FRAMES, "imports inspect"),
        ("import sys\nsys._getframe(1)\n", FlagKind.FRAMES, "uses sys._getframe"),
        ("from sys import _getframe as g\ng()\n", FlagKind.FRAMES, "uses sys._getframe"),
        ("def f(e):\n    return e.__traceback__.tb_frame.f_back\n", FlagKind.FRAMES, "uses .f_back"),
        ("import ctypes\n", FlagKind.CTYPES, "imports ctypes"),
        ("import sys\nsys.modules['x'] = None\n", FlagKind.MODULES, "uses sys.modules"),
        ("import builtins\nbuiltins.len = max\n", FlagKind.BUILTINS, "assigns builtins.len"),
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


def test_unparsable_files_and_several_files() -> None:
    assert scan_source("bad.py", "def f(:\n") == []
    flags = scan_files({"b.py": "import gc\n", "a.py": "import ctypes\n"})
    assert [(f.file, f.kind) for f in flags] == [("a.py", FlagKind.CTYPES), ("b.py", FlagKind.GC)]
