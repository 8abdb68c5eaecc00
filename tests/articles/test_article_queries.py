"""The article page costs the same number of queries however much an article carries."""

import pytest

from tests.factories import link, make_article, make_author, make_image, make_topic

pytestmark = pytest.mark.django_db


def article_with(count):
    article = make_article(
        hero_image=make_image(),
        authors=[make_author() for _ in range(count)],
        topics=[make_topic() for _ in range(count)],
        sources=count,
    )
    for order in range(count):
        link(article, make_article(), order=order)
    return article


@pytest.mark.parametrize("count", [1, 10])
def test_article_page_queries_are_constant(client, django_assert_max_num_queries, count):
    article = article_with(count)

    # The row, then one query each: authors (with photos), topics, sources, corrections,
    # documents, "More from" the authors, published translations, the related block (two).
    with django_assert_max_num_queries(10):
        response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    for author in article.ordered_authors:
        assert author.name in response.content.decode()


@pytest.mark.parametrize("count", [1, 10])
def test_author_page_queries_are_constant(client, django_assert_max_num_queries, count):
    author = make_author()
    for _ in range(count):
        make_article(
            authors=[author, make_author()], topics=[make_topic()], hero_image=make_image()
        )

    with django_assert_max_num_queries(8):
        response = client.get(author.get_absolute_url())

    assert response.status_code == 200
