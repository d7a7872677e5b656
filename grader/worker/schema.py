"""Builds a challenge's database schema on the trusted side: `python -S schema.py DRIVER_DIR PATH...`.

The grader runs this with GRADER_DATABASE naming the template database and the owner's login, and
"build_schema" set: the driver's `djangokit.setup()` runs Django's migrate there and ends the
driver's import with `SchemaBuilt`. No submission exists in this process; `solution` is an empty
module only so that a driver importing it before setup() does not fail.
"""

from __future__ import annotations

import importlib
import os
import sys
import types


def main(argv: list[str]) -> int:
    driver_dir, *search_path = argv
    sys.path[:] = [os.path.dirname(os.path.abspath(__file__)), driver_dir, *search_path]
    sys.modules["solution"] = types.ModuleType("solution")
    import djangokit  # type: ignore[import-not-found]

    try:
        importlib.import_module("driver")
    except djangokit.SchemaBuilt:
        return 0
    print(f"{driver_dir}/driver.py never called djangokit.setup()", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
