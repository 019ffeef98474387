"""The one error type of the services (``explainers.services``): an editorial change that
may not go ahead, with a message written for whoever asked.

``Refused`` carries ``problems``: each a message and, where it has one, the place it is
about (a field of the article, a section by its position), so a screen can show each
beside its field and all of them at the top. Rules raise it too (the workflow's
``TransitionRefused``), so a caller catches one type whatever refused.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    message: str
    field: str | None = None  # a field of the article, or of the section below
    section: int | None = None  # a section's position in reading order, from 0


class Refused(Exception):
    def __init__(self, *problems, conflict=None):
        self.problems = [p if isinstance(p, Problem) else Problem(str(p)) for p in problems]
        self.conflict = conflict  # a stale form: who saved since, and what they changed
        super().__init__(" ".join(problem.message for problem in self.problems))

    @property
    def messages(self):
        return [problem.message for problem in self.problems]
