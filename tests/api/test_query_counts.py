"""Query counts of the API's other endpoints, pinned on the demo site: they do not grow
with the works, credits, parts or results shown."""

import pytest

COUNTS = [
    ("/api/v1/works", 2),  # the page of works, their posters' renditions
    ("/api/v1/works/the-perfection", 4),  # the work and poster, renditions, parts, credits
    ("/api/v1/people", 1),
    ("/api/v1/people/richard-shepard", 2),  # the person, their credits with works
    ("/api/v1/levels", 1),
    # The ladder, the count, the page, the teasers' renditions, the snippets.
    ("/api/v1/search?q=ending", 5),
    ("/api/v1/articles?work=the-perfection", 4),  # and whether the work exists
]


@pytest.mark.parametrize(("url", "queries"), COUNTS)
def test_query_counts_are_pinned(client, demo, django_assert_num_queries, url, queries):
    with django_assert_num_queries(queries):
        assert client.get(url).status_code == 200
