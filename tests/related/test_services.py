"""Stored suggestions are kept fresh by the writes that change articles."""

from datetime import timedelta

import pytest
from django.utils import timezone

from articles import services as article_services
from articles.models import Article
from related import services
from related.models import HiddenSuggestion, RelatedLink, Suggestion
from tests.factories import link, make_article, make_author, make_draft, make_topic

from .helpers import run_jobs

pytestmark = pytest.mark.django_db


def suggested(article):
    return list(
        Suggestion.objects.filter(article=article)
        .order_by("rank")
        .values_list("suggested__title", flat=True)
    )


@pytest.fixture
def energy():
    return make_topic(name="Energy")


def test_refresh_suggestions_takes_keyword_arguments_only(energy):
    article = make_article(topics=[energy])
    with pytest.raises(TypeError):
        services.refresh_suggestions(article)


@pytest.mark.django_db(transaction=True)
def test_publishing_an_article_stores_its_suggestions_and_adds_it_to_its_neighbours(
    publisher, energy, run_tasks
):
    neighbour = make_article(title="Gas pipeline politics", topics=[energy])
    draft = make_draft(title="Gas pipeline economics", topics=[energy])
    run_jobs(run_tasks)
    assert suggested(neighbour) == []

    article_services.publish_article(article=draft, user=publisher)
    assert suggested(neighbour) == []  # refreshed after the commit, by a job

    run_jobs(run_tasks)
    assert suggested(draft) == ["Gas pipeline politics"]
    assert suggested(neighbour) == ["Gas pipeline economics"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("service", ["unpublish_article", "archive_article"])
def test_taking_an_article_down_removes_it_from_stored_suggestions(
    publisher, energy, service, run_tasks
):
    neighbour = make_article(title="Gas pipeline politics", topics=[energy])
    leaving = make_article(title="Gas pipeline economics", topics=[energy])
    run_jobs(run_tasks)
    assert suggested(neighbour) == ["Gas pipeline economics"]

    getattr(article_services, service)(article=leaving, user=publisher)
    run_jobs(run_tasks)

    assert suggested(neighbour) == []


@pytest.mark.django_db(transaction=True)
def test_scheduling_an_article_keeps_it_out_of_suggestions(publisher, energy, run_tasks):
    neighbour = make_article(title="Gas pipeline politics", topics=[energy])
    draft = make_draft(title="Gas pipeline economics", topics=[energy])
    article_services.publish_article(
        article=draft, user=publisher, at=timezone.now() + timedelta(days=1)
    )
    run_jobs(run_tasks)
    assert suggested(draft) == ["Gas pipeline politics"]  # the jobs ran
    assert suggested(neighbour) == []


def test_suggestions_are_ranked_by_shared_topics_authors_and_words(energy):
    author = make_author()
    water = make_topic(name="Water")
    main = make_article(
        title="Caspian gas pipeline tariffs", topics=[energy, water], authors=[author]
    )
    best = make_article(title="Gas pipeline tariffs rise", topics=[energy, water], authors=[author])
    good = make_article(title="Gas pipeline tariffs fall", topics=[energy])
    weak = make_article(title="Wheat harvest report", topics=[water])
    unrelated = make_article(title="Election observers report", dek="", summary="")
    services.refresh_suggestions(article_ids=[main.pk])
    assert suggested(main) == [best.title, good.title, weak.title, unrelated.title]


def test_newer_articles_win_ties(energy):
    main = make_article(title="Ports", topics=[energy])
    older = make_article(
        title="Ports", topics=[energy], published_at=timezone.now() - timedelta(days=400)
    )
    newer = make_article(
        title="Ports", topics=[energy], published_at=timezone.now() - timedelta(days=2)
    )
    services.refresh_suggestions(article_ids=[main.pk])
    assert suggested(main) == [newer.title, older.title]
    assert list(
        Suggestion.objects.filter(article=main).order_by("rank").values_list("suggested", flat=True)
    ) == [newer.pk, older.pk]


def test_the_articles_affected_by_a_change_are_bounded(energy):
    many = [make_article(title=f"Energy piece {i}", topics=[energy]) for i in range(30)]
    changed = make_article(title="Energy piece new", topics=[energy])
    for suggested_ids in ([], [a.pk for a in many]):
        affected = services.affected_article_ids(changed, suggested=suggested_ids)
        assert len(affected) == services.AFFECTED_LIMIT
        assert changed.pk not in affected
        assert set(affected) <= {a.pk for a in many}


def test_stored_suggestions_are_bounded_per_article(energy):
    main = make_article(title="Energy", topics=[energy])
    for i in range(services.STORED_SUGGESTIONS + 5):
        make_article(title=f"Energy {i}", topics=[energy])
    services.refresh_suggestions(article_ids=[main.pk])
    assert Suggestion.objects.filter(article=main).count() == services.STORED_SUGGESTIONS


def test_hidden_and_curated_articles_are_not_stored_as_suggestions(energy, publisher):
    main = make_article(title="Energy", topics=[energy])
    hidden = make_article(title="Energy hidden", topics=[energy])
    curated = make_article(title="Energy curated", topics=[energy])
    other = make_article(title="Energy other", topics=[energy])
    services.hide_suggestion(article=main, hidden=hidden, user=publisher)
    link(main, curated)
    services.refresh_suggestions(article_ids=[main.pk])
    assert suggested(main) == [other.title]


def test_pinning_a_suggestion_makes_it_the_last_curated_link(energy, publisher):
    main = make_article(title="Energy", topics=[energy])
    first = make_article(title="Energy curated")
    pinned = make_article(title="Energy pinned", topics=[energy])
    link(main, first, order=4)
    services.refresh_suggestions(article_ids=[main.pk])
    assert suggested(main) == [pinned.title]

    revisions = main.history.count()
    services.pin_suggestion(article=main, suggested=pinned, user=publisher)

    links = list(RelatedLink.objects.filter(from_article=main).values_list("to_article", "order"))
    assert links == [(first.pk, 4), (pinned.pk, 5)]
    assert suggested(main) == []
    assert RelatedLink.history.filter(to_article=pinned, history_type="+").count() == 1
    assert main.history.count() == revisions + 1
    assert main.history.first().history_user == publisher


def test_hiding_a_suggestion_refills_the_stored_list_and_is_recorded(energy, publisher):
    main = make_article(title="Energy pipelines", topics=[energy])
    top = make_article(title="Energy pipelines again", topics=[energy])
    rest = make_article(title="Energy", topics=[energy])
    services.refresh_suggestions(article_ids=[main.pk])
    assert suggested(main) == [top.title, rest.title]

    services.hide_suggestion(article=main, hidden=top, user=publisher)
    assert suggested(main) == [rest.title]
    assert HiddenSuggestion.history.filter(article=main, hidden=top).count() == 1

    services.unhide_suggestion(article=main, hidden=top, user=publisher)
    assert suggested(main) == [top.title, rest.title]
    assert list(
        HiddenSuggestion.history.filter(article=main)
        .order_by("history_id")
        .values_list("history_type", flat=True)
    ) == ["+", "-"]


def test_adding_a_reverse_link_appends_it_once(energy, publisher):
    a, b = make_article(title="A"), make_article(title="B")
    link(b, make_article(title="C"), order=2)
    forward = link(a, b)
    reverse = services.add_reverse_link(link=forward, user=publisher)
    again = services.add_reverse_link(link=forward, user=publisher)
    assert (reverse.from_article, reverse.to_article, reverse.order) == (b, a, 3)
    assert again.pk == reverse.pk


def test_drafts_get_suggestions_for_their_preview_but_are_never_suggested(energy):
    draft = make_draft(title="Energy draft", topics=[energy])
    live = make_article(title="Energy live", topics=[energy])
    services.refresh_suggestions(article_ids=[draft.pk])
    services.refresh_suggestions(article_ids=[live.pk])
    assert suggested(draft) == [live.title]
    assert suggested(live) == []
    assert Article.objects.published().filter(pk=draft.pk).exists() is False


def test_on_postgresql_full_text_finds_similar_articles_beyond_the_bounded_pool(monkeypatch):
    """SQLite scores a bounded pool only (shared topics/authors, newest); PostgreSQL also asks
    its full-text index for the best matches anywhere in the corpus."""
    from django.db import connection

    monkeypatch.setattr(services, "RECENT_POOL", 2)
    old = make_article(
        title="Sturgeon caviar quotas revisited",
        summary="Caviar quotas and sturgeon stocks.",
        published_at=timezone.now() - timedelta(days=5 * 365),
    )
    for i in range(3):
        make_article(title=f"Election observers report {i}", summary="Turnout was high.")
    main = make_article(title="Sturgeon caviar quotas", summary="Quotas for caviar exports.")
    services.refresh_suggestions(article_ids=[main.pk])
    if connection.vendor == "postgresql":
        assert suggested(main)[0] == old.title
    else:
        assert old.title not in suggested(main)
        assert len(suggested(main)) == 2
