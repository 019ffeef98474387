"""The demo content for tests that read it, made by ``manage.py demo`` once per test process.

The command draws its stills, renders every body and builds every stored page: seconds
each time, and many tests only read what it made. So the first call runs the command and
keeps what it wrote as a fixture (in memory, then a file for loaddata); a later call in
the same starting state loads that fixture instead, rows, ids and all (the image files
stay in the process's media folder). The starting state is compared table by table, so a
test that begins with other rows present gets the real command, never a mismatched copy.
"""

import io
import tempfile
from pathlib import Path

from django.apps import apps
from django.core.management import call_command
from django.db.models import Max

# Tables loaddata must not write: Django fills them itself after every flush.
NOT_DUMPED = ["contenttypes", "auth.permission", "sessions", "admin.logentry"]
APPS = ("explainers", "auth", "reversion", "axes")

_snapshots = {}  # starting state -> fixture file


def _state():
    """What the tests' database holds before the demo: each table's row count and top id."""
    state = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in APPS and model._meta.label != "auth.Permission":
            manager = model._base_manager
            top = manager.aggregate(top=Max("pk"))["top"]
            state.append((model._meta.label, manager.count(), top))
    return tuple(state)


def load_demo():
    """The demo site in the tests' database, as the command makes it."""
    state = _state()
    fixture = _snapshots.get(state)
    if fixture is not None:
        call_command("loaddata", str(fixture), verbosity=0)
        return
    call_command("demo", stdout=io.StringIO())
    dump = io.StringIO()
    call_command("dumpdata", natural_foreign=True, exclude=NOT_DUMPED, stdout=dump)
    path = Path(tempfile.mkdtemp(prefix="explainers-demo-")) / "demo.json"
    path.write_text(dump.getvalue())
    _snapshots[state] = path
