"""A purger that records what it was asked to purge, for tests of what a change purges."""

from explainers.edge_cache import Purger


class RecordingPurger(Purger):
    enabled = True
    calls = []  # each purge's keys, in order; tests clear it

    def purge(self, keys):
        type(self).calls.append(list(keys))
