"""Settings for a real ``manage.py db_worker`` process started by a test: the tests' own
settings (so it renders pages exactly as the test process does), with the database task
backend and the test process's media folder (MEDIA_ROOT from the environment)."""

import os

from editorial.test_settings import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # tests/support/tasks.py
MEDIA_ROOT = os.environ["MEDIA_ROOT"]
# Emails written to files there, for the test to read.
EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["EMAIL_FILE_PATH"]
