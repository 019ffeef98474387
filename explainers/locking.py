"""The lock order of editorial writes, so that two of them never wait on each other.

Two saves of different articles about one work both count a change against the other's
stored page (each lists the other in its related reading), and a moderator raising a
section's level writes the same section and article rows as an editor saving that article.
Taking row locks in whatever order each path happens to reach them deadlocked PostgreSQL
(one editor got a 500 and lost the save). The order every writer follows instead:

1. the editorial lock (``hold_editorial_lock``): a transaction-scoped PostgreSQL advisory
   lock, taken first by every path that changes an article (the change form's version
   check, workflow transitions, restores, moderators' fixes). Those paths then run one at
   a time; on a newsroom's scale (a few saves a minute, each well under a second) the
   wait is short and nothing else is held while waiting;
2. reader reports, then the article row, then its sections and citations;
3. stored pages last: ``stored_pages.mark_stale`` takes the editorial lock itself, inside the
   statement that counts the change, before it locks any stored page, so no two
   transactions ever hold parts of the stored-page table each.

The lock must come first, not only before the stored pages: a path that takes it late
can hold a row (its article, a search vector) that a holder of the lock then waits for,
which is the same deadlock again (tests/delivery/test_concurrency.py shows it when the change
form's early lock is left out). So every path that writes article rows takes it first.

Reading takes no lock. SQLite lets one writer in at a time already: nothing to do there.
"""

from django.db import connections

# Any fixed 64-bit number, the same in every process (pg_advisory_xact_lock's one key).
EDITORIAL_LOCK_KEY = 0x5E0_11ED


def holds_locks(using="default"):
    """Whether this database has advisory locks to take (PostgreSQL) and a transaction
    to hold them for."""
    connection = connections[using]
    return connection.vendor == "postgresql" and connection.in_atomic_block


def hold_editorial_lock(using="default"):
    """Wait for, then hold until this transaction ends, the editorial lock. Call it before
    locking any editorial row; taking it again in the same transaction costs one round
    trip and never waits."""
    if not holds_locks(using):
        return
    with connections[using].cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [EDITORIAL_LOCK_KEY])


def editorial_lock_condition():
    """A WHERE condition that takes the editorial lock when PostgreSQL first evaluates it,
    which is before the statement locks the first row it changes: a filter for updates
    that must not lock rows without it (no extra round trip)."""
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    return RawSQL(
        "pg_advisory_xact_lock(%s) IS NOT NULL", [EDITORIAL_LOCK_KEY], output_field=BooleanField()
    )
