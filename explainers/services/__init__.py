"""The only code that changes editorial rows. Each function is one transaction that takes
the editorial lock first (``explainers.locking``), checks who is asking
(``explainers.permissions``, ``explainers.workflow``), writes, and leaves one audit entry;
anything it refuses raises ``Refused`` (``explainers.refusal``) with a message for the
user. Screens, bulk actions, management commands and the demo loader call these and pass
plain data, never flags.

- ``articles``: ``save_article``, ``transition``, ``restore``, ``record_go_lives``
- ``moderation``: the resolutions of reader reports
- ``images``: ``upload_image``, ``save_image``

What a change does to pages, caches and search is not decided here: the invalidation map
(``explainers.invalidation``) listens to the writes.
"""

from ..refusal import Problem, Refused

__all__ = ["Problem", "Refused"]
