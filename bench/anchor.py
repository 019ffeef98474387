"""The Wagtail anchor (``../shared/bench/anchor_wagtail``), run by its own scripts from a
copy in a work folder, so that its folder stays untouched. Shared by the benches that
print their figures beside Wagtail's in the same run."""

import json
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT.parent / "shared" / "bench" / "anchor_wagtail"


def prepare(work_dir):
    """(the copy's folder, its environment), the anchor's venv and data set up if missing."""
    work_dir = Path(work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)
    copy = work_dir / "anchor_wagtail"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(SOURCE, copy)
    data = work_dir / "anchor_data"
    env = {**os.environ, "ANCHOR_DATA_DIR": str(data)}
    for key in [k for k in env if k.startswith(("DJANGO_", "DATABASE_", "PAGE_CACHE"))]:
        env.pop(key)
    venv = Path(env.get("ANCHOR_VENV", "/tmp/anchor_wagtail_venv"))
    if not (venv / "bin" / "wagtail").exists() or not (data / "db.sqlite3").exists():
        env.setdefault("ANCHOR_PIP_SPEC", "wagtail==8.0.1 gunicorn==27.0.1")
        subprocess.run(["bash", "setup.sh"], cwd=copy, env=env, check=True, capture_output=True)
    env["ANCHOR_PYTHON"] = str(venv / "bin" / "python")
    return copy, env


def render_median(work_dir, repeat=50):
    """The median of ``repeat`` warm in-process renders of the anchor's article page, in
    ms, by the anchor's own bench_queries.py (without its load tests)."""
    copy, env = prepare(work_dir)
    out = Path(work_dir) / "anchor_queries.json"
    subprocess.run(
        [env["ANCHOR_PYTHON"], "bench_queries.py", "--out", str(out), "--repeat", str(repeat)],
        cwd=copy,
        env=env,
        check=True,
        capture_output=True,
    )
    return find_key(json.loads(out.read_text()), ("warm_inprocess_median_ms", "warm_median_ms"))


def find_key(data, names):
    """The first number under one of ``names``, searching nested dictionaries."""
    if isinstance(data, dict):
        for name in names:
            if name in data and isinstance(data[name], int | float):
                return data[name]
        for value in data.values():
            found = find_key(value, names)
            if found is not None:
                return found
    return None
