"""Background tasks in tests: the database backend switched on, and the queue run here,
in the test's own transaction, as ``manage.py db_worker`` runs it (claim the row, call the
task, record the outcome). The real worker, as a process of its own, is run by
tests/delivery/test_worker.py."""

from django_tasks_db.models import DBTaskResult

QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def queued(name=None):
    """Tasks waiting for a worker (of ``explainers.tasks.<name>``), oldest first."""
    rows = DBTaskResult.objects.ready().order_by("enqueued_at")
    if name:
        rows = rows.filter(task_path=f"explainers.tasks.{name}")
    return list(rows)


def run(row):
    """Run one queued task as the worker does; its return value (or the exception)."""
    row.claim("test-worker")
    result = row.task_result
    try:
        value = row.task.call(*result.args, **result.kwargs)
    except Exception as error:
        row.set_failed(error)
        return error
    row.set_successful(value)
    return value


def run_queue(capture):
    """Run every queued task, and those they queue in turn, committing as a worker's
    transactions would (``capture``: the ``django_capture_on_commit_callbacks``
    fixture). Returns {task name: [return values]}."""
    ran = {}
    while rows := queued():
        for row in rows:
            with capture(execute=True):
                ran.setdefault(row.task_path.rsplit(".", 1)[1], []).append(run(row))
    return ran
