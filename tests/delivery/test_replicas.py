"""Read replicas through a second database alias (a mirror of the test database here):
public reads go to the replica, writes and anything inside a transaction to the primary."""

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from editorial.db_router import ReplicaRouter
from explainers.models import Article

ROUTERS = ["editorial.db_router.ReplicaRouter"]


@pytest.fixture
def routed(settings):
    settings.DATABASE_ROUTERS = ROUTERS


def test_the_router_sends_reads_to_a_replica_and_writes_to_the_primary(monkeypatch):
    router = ReplicaRouter()
    assert router.db_for_read(Article) == "replica1"
    assert router.db_for_write(Article) == "default"
    assert router.allow_migrate("default", "explainers") is True
    assert router.allow_migrate("replica1", "explainers") is False
    monkeypatch.setattr(ReplicaRouter, "replicas", lambda self: [])
    assert router.db_for_read(Article) == "default"  # no replica configured


@pytest.mark.django_db(transaction=True, databases=["default", "replica1"])
def test_a_public_page_reads_from_the_replica(routed, client, make_article):
    article = make_article(sections=[(0, "Intro", "", "Plain words.")])
    # The first reader's request stores the rendered document (a write: the primary) ...
    with CaptureQueriesContext(connections["default"]) as primary:
        client.get(article.get_absolute_url())
    assert any(q["sql"].startswith("UPDATE") for q in primary.captured_queries)
    # ... and every reader after that is served from the replica alone.
    with (
        CaptureQueriesContext(connections["default"]) as primary,
        CaptureQueriesContext(connections["replica1"]) as replica,
    ):
        response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    assert len(replica.captured_queries) > 0
    assert len(primary.captured_queries) == 0


@pytest.mark.django_db(transaction=True, databases=["default", "replica1"])
def test_reads_inside_a_transaction_stay_on_the_primary(routed, make_article):
    article = make_article(sections=[(0, "Intro", "", "Plain words.")])
    with transaction.atomic():
        assert Article.objects.filter(pk=article.pk).db == "default"
    assert Article.objects.filter(pk=article.pk).db == "replica1"
