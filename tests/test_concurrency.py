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

from .test_workflow import change_url, full_post

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
