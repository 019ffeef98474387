"""The demo site as data: content files, the code that loads them, and its drawings.

Only ``manage.py demo`` (and tests) import this package; the running site never does.
"""
