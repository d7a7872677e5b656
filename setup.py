"""Copy the top-level `challenges/` and `templates/` into the wheel as `grader/_bundled/`.

setuptools maps packages, not arbitrary folders, into a wheel; a build_py step that copies the two
folders (caches left out) is the smallest way to ship them without moving them out of the places
where authors look for them. Everything else is in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
BUNDLED = ("challenges", "templates")


class BuildWithBank(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout's folders
        for name in BUNDLED:
            target = Path(self.build_lib) / "grader" / "_bundled" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(HERE / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildWithBank})
