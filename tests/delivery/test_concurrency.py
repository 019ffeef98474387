"""Two editors pressing Save on the same article at the same moment, many times over: every
save either lands as a revision or is refused with a message; no update is lost. Needs a
database with row locks and real concurrent connections: PostgreSQL (CI runs it there)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from explainers import roles
from explainers.models import Article
from explainers.revisions import versions_of
from tests.support.admin_forms import change_url, full_post

ROUNDS = 12


@pytest.fixture
def two_seniors(transactional_db, django_user_model):
    from django.contrib.auth.models import Group

    roles.sync_roles()
    group = Group.objects.get(name=roles.SENIOR_EDITOR)
    users = []
    for name in ("sol", "sam"):
        user = django_user_model.objects.create_user(name, password="pw", is_staff=True)
        user.groups.add(group)
        users.append(user)
    return users


def test_simultaneous_saves_never_lose_an_update(two_seniors, make_article):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks and concurrent connections (CI runs it)")
    article = make_article(sections=[(0, "Intro", "", "Plain words.")])
    clients = []
    for user in two_seniors:
        client = Client()
        client.force_login(user)
        clients.append(client)
    landed = []
    for round_number in range(ROUNDS):
        forms = [full_post(article, dek=f"Round {round_number}, by {u}") for u in two_seniors]
        before = len(versions_of(article))
        barrier = threading.Barrier(2)
        outcomes = [None, None]

        def save(index, barrier=barrier, forms=forms, outcomes=outcomes):
            try:
                barrier.wait(timeout=10)
                response = clients[index].post(change_url(article), forms[index])
                refused = response.status_code == 200 and "after you opened it" in (
                    response.content.decode()
                )
                outcomes[index] = (response.status_code, refused, forms[index]["dek"])
            finally:
                connection.close()

        threads = [threading.Thread(target=save, args=(index,)) for index in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        statuses = sorted(outcome[0] for outcome in outcomes)
        assert statuses == [200, 302], outcomes  # one lands, one is refused
        winner = next(outcome for outcome in outcomes if outcome[0] == 302)
        loser = next(outcome for outcome in outcomes if outcome[0] == 200)
        assert loser[1], "the refused save must say someone saved after it was opened"
        article.refresh_from_db()
        assert article.dek == winner[2]
        assert len(versions_of(article)) == before + 1  # the landed save is a revision
        landed.append(winner[2])
    # Every landed save is in the history, in order: nothing was overwritten unseen.
    history = [v.field_dict["dek"] for v in reversed(list(versions_of(article)))]
    assert [dek for dek in history if dek.startswith("Round")] == landed
    assert Article.objects.get(pk=article.pk).version >= ROUNDS


def _race(*actions):
    """Run the actions at the same moment, each in its own thread and connection; the
    exceptions they raised (None for each that returned)."""
    barrier = threading.Barrier(len(actions))
    errors = [None] * len(actions)

    def run(index):
        try:
            barrier.wait(timeout=10)
            actions[index]()
        except Exception as error:  # noqa: BLE001 - the test reports every kind
            errors[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


DEADLOCK_ROUNDS = 15


def test_saves_of_two_articles_about_one_work_never_deadlock(two_seniors, make_article):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks and concurrent connections (CI runs it)")
    articles = [
        make_article(sections=[(0, "Intro", "", "Plain words."), (1, "Setup", "Safe", "More.")])
        for _ in range(2)
    ]
    clients = []
    for user in two_seniors:
        client = Client(raise_request_exception=True)
        client.force_login(user)
        clients.append(client)
    failures = []
    for round_number in range(DEADLOCK_ROUNDS):
        forms = [full_post(article, dek=f"Round {round_number}") for article in articles]
        statuses = [None, None]

        def save(index, forms=forms, statuses=statuses):
            statuses[index] = clients[index].post(change_url(articles[index]), forms[index])

        errors = _race(lambda: save(0), lambda: save(1))
        failures += [repr(error) for error in errors if error is not None]
        failures += [
            f"round {round_number}: status {response.status_code}"
            for response in statuses
            if response is not None and response.status_code != 302
        ]
    assert failures == []
    for article in articles:
        article.refresh_from_db()
        assert article.dek == f"Round {DEADLOCK_ROUNDS - 1}"  # every save landed


def test_a_moderator_raising_a_level_while_a_senior_saves_never_deadlocks(
    two_seniors, make_article, role_user
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks and concurrent connections (CI runs it)")
    from django.utils import timezone

    from explainers.models import ReaderReport, SpoilerLevel
    from explainers.services import moderation

    moderator = role_user(roles.MODERATOR, "mona")
    senior = Client(raise_request_exception=True)
    senior.force_login(two_seniors[0])
    failures = []
    for round_number in range(DEADLOCK_ROUNDS):
        article = make_article(
            sections=[(0, "Intro", "", "Plain words."), (1, "Setup", "Who is who", "More.")]
        )
        section = article.sections.get(spoiler_level__rank=1)
        report = ReaderReport.objects.create(
            article=article,
            section=section,
            reason="unmarked",
            details="Spoiled",
            client_fingerprint="0" * 64,
            created_at=timezone.now(),
        )
        form = full_post(article, dek=f"Round {round_number}")
        outcome = {}

        def save(form=form, article=article, outcome=outcome):
            outcome["response"] = senior.post(change_url(article), form)

        def raise_it(report=report, section=section):
            moderation.raise_level(
                [report],
                section=section,
                level=SpoilerLevel.objects.get(rank=2),
                note="Too much for Setup",
                actor=moderator,
            )

        errors = _race(save, raise_it)
        failures += [f"round {round_number}: {error!r}" for error in errors if error]
        response = outcome.get("response")
        # The senior's save lands, or is refused because the moderator saved first.
        if response is not None and response.status_code not in (200, 302):
            failures.append(f"round {round_number}: status {response.status_code}")
        section.refresh_from_db()
        assert section.spoiler_level.rank == 2 or failures  # the raise is never lost
    assert failures == []
