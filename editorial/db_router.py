"""Read replicas: with DATABASE_REPLICA_URLS set, reads go to a replica and writes to the
primary. Anything inside a transaction on the primary reads the primary too, so the admin
(whose saves run in a transaction, with row locks for the stale-form check) always sees its
own writes; only the public pages' plain reads go to replicas."""

import random

from django.conf import settings
from django.db import connections


class ReplicaRouter:
    def replicas(self):
        return [alias for alias in settings.DATABASES if alias.startswith("replica")]

    def db_for_read(self, model, **hints):
        replicas = self.replicas()
        if not replicas or connections["default"].in_atomic_block:
            return "default"
        return random.choice(replicas)

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
