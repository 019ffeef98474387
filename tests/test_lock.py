"""The installs are pinned: every package pyproject.toml asks for has one exact version
in the lock files that `make run` and `make test` install from."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def names(requirements):
    return {
        re.split(r"[\[<>=!~; ]", r.strip(), maxsplit=1)[0].lower().replace("_", "-")
        for r in requirements
    }


def pinned(lock):
    text = (ROOT / lock).read_text()
    return {
        m.group(1).lower().replace("_", "-")
        for m in re.finditer(r"^([A-Za-z0-9_.\-]+)==[0-9]", text, re.M)
    }


def test_every_dependency_is_pinned_in_the_lock_files():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = names(project["dependencies"])
    test = names(project["optional-dependencies"]["test"])
    assert runtime <= pinned("requirements.lock"), runtime - pinned("requirements.lock")
    missing = (runtime | test) - pinned("requirements-test.lock")
    assert not missing, f"run `make lock`: {sorted(missing)} not pinned"


def test_the_makefile_installs_from_the_lock_files():
    makefile = (ROOT / "Makefile").read_text()
    assert "pip install --quiet -r requirements.lock" in makefile
    assert "pip install --quiet -r requirements-test.lock" in makefile
