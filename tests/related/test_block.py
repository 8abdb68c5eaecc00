"""The reader's "Related Articles" block on the article page: curated first, then suggestions."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from articles import services
from articles.models import Article
from articles.revisions import system_user
from related.models import HiddenSuggestion, RelatedLink, Suggestion
from tests.factories import delete, link, make_article, make_author, make_draft, make_topic

from .helpers import block_kinds, block_titles, refresh_all, run_jobs

pytestmark = pytest.mark.django_db


def page(client, article):
    response = client.get(article.get_absolute_url())
    assert response.status_code == 200
    return response


@pytest.fixture
def energy():
    return make_topic(name="Energy")


@pytest.fixture
def cluster(energy):
    """An article and four live neighbours sharing its topic and words."""
    main = make_article(title="Caspian gas pipeline exports", topics=[energy])
    others = [
        make_article(title=f"Gas pipeline exports, part {i}", topics=[energy]) for i in range(4)
    ]
    refresh_all(main, *others)
    return main, others


def test_an_article_without_curated_links_shows_a_full_block_of_suggestions(client, cluster):
    main, others = cluster
    response = page(client, main)
    titles = block_titles(response)
    assert len(titles) == 3
    assert set(titles) <= {o.title for o in others}
    assert block_kinds(response) == ["suggested"] * 3


def test_the_block_shows_title_and_one_line_excerpt(client, energy):
    main = make_article(title="Tariffs on the middle corridor", topics=[energy])
    other = make_article(
        title="Freight on the middle corridor",
        topics=[energy],
        summary="",
        body="<p>Rail freight doubled in a year. Ports could not keep up.</p>",
    )
    refresh_all(main)
    response = page(client, main)
    assert block_titles(response) == [other.title]
    html = response.content.decode()
    assert f'<a href="{other.get_absolute_url()}">Freight on the middle corridor</a>' in html
    assert "<p>Rail freight doubled in a year.</p>" in html


def test_curated_links_come_first_in_editor_order_then_suggestions_fill_the_rest(client, cluster):
    main, others = cluster
    extra = make_article(title="Unrelated harvest report")
    link(main, extra, order=0)
    response = page(client, main)
    titles = block_titles(response)
    assert titles[0] == extra.title
    assert len(titles) == 3
    assert block_kinds(response) == ["curated", "suggested", "suggested"]


def test_enough_curated_links_leave_no_room_for_suggestions(client, cluster, settings):
    main, others = cluster
    curated = [make_article(title=f"Curated {i}") for i in range(3)]
    for order, target in enumerate(reversed(curated)):
        link(main, target, order=order)
    assert block_titles(page(client, main)) == [c.title for c in reversed(curated)]


def test_block_size_is_a_setting(client, cluster, settings):
    settings.RELATED_BLOCK_SIZE = 2
    main, _ = cluster
    assert len(block_titles(page(client, main))) == 2
    settings.RELATED_BLOCK_SIZE = 4
    assert len(block_titles(page(client, main))) == 4


def test_a_curated_article_is_never_also_shown_as_a_suggestion(client, cluster):
    main, others = cluster
    top = Suggestion.objects.filter(article=main).order_by("rank").first().suggested
    link(main, top)  # curated after the suggestions were stored
    titles = block_titles(page(client, main))
    assert titles.count(top.title) == 1
    assert len(titles) == 3
    assert len(set(titles)) == 3


def test_never_the_article_itself_nor_drafts_scheduled_or_archived(client, energy):
    main = make_article(title="Sturgeon and the shrinking shoreline", topics=[energy])
    make_draft(title="Sturgeon draft", topics=[energy])
    make_article(
        title="Sturgeon scheduled",
        topics=[energy],
        published_at=timezone.now() + timedelta(days=2),
    )
    make_article(title="Sturgeon archived", topics=[energy], status=Article.Status.ARCHIVED)
    live = make_article(title="Sturgeon live", topics=[energy])
    refresh_all(main)
    assert block_titles(page(client, main)) == [live.title]
    assert not Suggestion.objects.filter(article=main, suggested=main).exists()


def test_a_suggestion_that_stops_being_live_vanishes_at_once(client, cluster):
    main, others = cluster
    shown = block_titles(page(client, main))
    gone = Article.objects.get(title=shown[0])
    services.archive_article(article=gone, user=system_user())
    # no refresh (its job has not run): the read rule alone hides it
    assert Suggestion.objects.filter(article=main, suggested=gone).exists()
    titles = block_titles(page(client, main))
    assert gone.title not in titles
    assert len(titles) == 3  # refilled from the stored reserve


def test_a_hidden_article_is_not_suggested_even_before_a_refresh(client, cluster):
    main, others = cluster
    first = Suggestion.objects.filter(article=main).order_by("rank").first().suggested
    # The row alone, as an import or another editor's unit of work might leave it:
    # hide_suggestion would also refresh the stored list.
    with services.changing_articles(articles=[main], user=system_user()):
        HiddenSuggestion(article=main, hidden=first).save()
    assert Suggestion.objects.filter(article=main, suggested=first).exists()
    titles = block_titles(page(client, main))
    assert first.title not in titles
    assert len(titles) == 3


def test_suggestions_are_deterministic_for_the_same_data(client, energy):
    author = make_author()
    when = timezone.now() - timedelta(days=3)
    main = make_article(title="Ports", topics=[energy], authors=[author], published_at=when)
    for _ in range(6):  # identical twins: only the tie-break decides
        make_article(title="Ports", topics=[energy], authors=[author], published_at=when)
    refresh_all(main)
    first = block_titles(page(client, main))
    first_ids = list(Suggestion.objects.filter(article=main).values_list("suggested_id", "rank"))
    refresh_all(main)
    assert block_titles(page(client, main)) == first
    assert list(Suggestion.objects.filter(article=main).values_list("suggested_id", "rank")) == (
        first_ids
    )


# --- No dead ends: curated links to articles that leave the site ------------------------------


def _reschedule(article, user):
    services.publish_article(article=article, user=user, at=timezone.now() + timedelta(days=3))


@pytest.mark.parametrize(
    "leave",
    [
        pytest.param(services.unpublish_article, id="unpublished"),
        pytest.param(services.archive_article, id="archived"),
        pytest.param(_reschedule, id="rescheduled"),
    ],
)
def test_a_curated_link_to_an_article_that_leaves_vanishes_and_returns_on_republishing(
    client, publisher, leave
):
    main = make_article(title="Main analysis")
    target = make_article(title="Curated target")
    link(main, target)
    assert block_titles(page(client, main)) == ["Curated target"]

    published_at = target.published_at
    leave(article=target, user=publisher)
    assert "Curated target" not in block_titles(page(client, main))
    assert client.get(target.get_absolute_url()).status_code == 404

    services.publish_article(article=target, user=publisher, at=published_at)
    assert block_titles(page(client, main)) == ["Curated target"]


def test_a_curated_link_to_a_deleted_article_disappears(client):
    main = make_article(title="Main analysis")
    target = make_article(title="Doomed")
    link(main, target)
    delete(target)
    assert block_titles(page(client, main)) == []
    assert not RelatedLink.objects.filter(from_article=main).exists()


# --- Constant queries ----------------------------------------------------------------------


def _detail_queries(client, django_assert_max_num_queries, article, budget):
    with django_assert_max_num_queries(budget) as captured:
        page(client, article)
    return len(captured.captured_queries)


def test_article_page_query_count_does_not_grow_with_curated_links(
    client, django_assert_max_num_queries, energy
):
    lonely = make_article(title="No links at all", topics=[energy])
    busy = make_article(title="Ten curated links", topics=[energy])
    for order in range(10):
        link(busy, make_article(title=f"Linked {order}", summary="", topics=[energy]), order)
    refresh_all(lonely, busy)
    with_none = _detail_queries(client, django_assert_max_num_queries, lonely, 20)
    with_ten = _detail_queries(client, django_assert_max_num_queries, busy, 20)
    # Ten links fill the block, so the suggestion query is skipped: never more queries.
    assert with_ten <= with_none <= 9


def test_the_block_reads_at_most_two_queries(django_assert_num_queries, cluster):
    from related.selectors import related_items

    main, _ = cluster
    link(main, make_article(title="One curated"))
    with django_assert_num_queries(2):
        items = related_items(main)
        [(i.article.title, i.article.excerpt, i.article.get_absolute_url()) for i in items]
    assert len(items) == 3


# --- Integrity in the database ----------------------------------------------------------------


def writing():
    """The write path's unit of work (its transaction is the savepoint a failed insert needs)."""
    return services.writing(user=system_user())


def test_the_database_refuses_a_link_from_an_article_to_itself():
    article = make_article()
    with pytest.raises(IntegrityError), writing():
        RelatedLink.objects.create(from_article=article, to_article=article)


def test_the_database_refuses_a_duplicate_link():
    a, b = make_article(), make_article()
    link(a, b)
    with pytest.raises(IntegrityError), writing():
        RelatedLink.objects.create(from_article=a, to_article=b, order=5)


def test_the_database_refuses_self_and_duplicate_suggestions_and_hides():
    a, b = make_article(), make_article()
    with pytest.raises(IntegrityError), writing():
        Suggestion.objects.create(article=a, suggested=a, score=1, rank=0)
    with writing():
        Suggestion.objects.create(article=a, suggested=b, score=1, rank=0)
    with pytest.raises(IntegrityError), writing():
        Suggestion.objects.create(article=a, suggested=b, score=1, rank=1)
    with pytest.raises(IntegrityError), writing():
        HiddenSuggestion.objects.create(article=a, hidden=a)
    with writing():
        HiddenSuggestion.objects.create(article=a, hidden=b)
    with pytest.raises(IntegrityError), writing():
        HiddenSuggestion.objects.create(article=a, hidden=b)


def test_related_link_history_is_recorded():
    a, b = make_article(), make_article()
    revisions = a.history.count()
    created = link(a, b)
    with services.changing_articles(articles=[a], user=system_user()):
        created.order = 4
        created.save()
    with services.changing_articles(articles=[a], user=system_user()):
        created.delete()
    kinds = list(
        RelatedLink.history.filter(from_article=a)
        .order_by("history_id")
        .values_list("history_type", "order")
    )
    assert kinds == [("+", 0), ("~", 4), ("-", 4)]
    # Each change is also one revision of the article, with its links as they were.
    states = [
        [(row["to_article"], row["order"]) for row in h.inline_state["related"]]
        for h in a.history.order_by("history_id")[revisions:]
    ]
    assert states == [[(b.pk, 0)], [(b.pk, 4)], []]


def test_reading_a_page_never_scores_articles(client, energy):
    """Suggestions are computed on writes only: a page shows what is stored, nothing else."""
    main = make_article(title="Gas pipeline", topics=[energy])
    make_article(title="Gas pipeline again", topics=[energy])
    assert not Suggestion.objects.exists()  # its job has not run
    assert block_titles(page(client, main)) == []
    assert not Suggestion.objects.exists()


@pytest.mark.django_db(transaction=True)  # cached responses are retired after the commit
def test_cached_pages_follow_suggestions_and_dead_links(client, settings, energy, run_tasks):
    settings.RESPONSE_CACHE_SECONDS = 600
    main = make_article(title="Gas pipeline", topics=[energy])
    other = make_article(title="Gas pipeline again", topics=[energy])
    first = page(client, main)
    assert block_titles(first) == []  # nothing stored yet; this response is now cached
    assert block_titles(page(client, main)) == []

    run_jobs(run_tasks)  # the refresh job stores suggestions (a bulk upsert, no model signals)
    assert block_titles(page(client, main))[0] == other.title

    target = make_article(title="Curated target")
    link(main, target)
    assert block_titles(page(client, main))[0] == target.title
    services.archive_article(article=target, user=system_user())
    assert target.title not in block_titles(page(client, main))
