"""The rebuild_suggestions management command."""

import io

import pytest
from django.core.management import call_command

from articles import services
from articles.models import Article
from articles.revisions import system_user
from related.models import Suggestion
from tests.factories import make_article, make_draft, make_topic

pytestmark = pytest.mark.django_db


class Terminal(io.StringIO):
    def isatty(self):
        return True


@pytest.fixture
def corpus():
    energy, water = make_topic(name="Energy"), make_topic(name="Water")
    articles = [make_article(title=f"Gas pipeline {i}", topics=[energy]) for i in range(4)]
    articles += [make_article(title=f"Drought {i}", topics=[water]) for i in range(3)]
    articles.append(make_draft(title="Gas pipeline draft", topics=[energy]))
    assert not Suggestion.objects.exists()  # jobs store them after the commit; none ran
    return articles


def clear_suggestions():
    with services.writing(user=system_user()):
        for suggestion in Suggestion.objects.all():
            suggestion.delete()


def stored():
    return list(
        Suggestion.objects.order_by("article_id", "rank").values_list(
            "article_id", "suggested_id", "rank"
        )
    )


def test_rebuild_stores_suggestions_for_every_article_and_reports_progress(corpus):
    out = io.StringIO()
    call_command("rebuild_suggestions", stdout=out)
    text = out.getvalue()
    assert "Rebuilding suggestions: 100%" in text
    assert "8/8" in text
    assert "Rebuilt suggestions for 8 articles." in text
    assert set(Suggestion.objects.values_list("article_id", flat=True)) == {a.pk for a in corpus}
    draft = Article.objects.get(title="Gas pipeline draft")
    assert not Suggestion.objects.filter(suggested=draft).exists()
    first = Article.objects.get(title="Gas pipeline 0")
    top = Suggestion.objects.filter(article=first).order_by("rank")[:3]
    assert all(s.suggested.title.startswith("Gas pipeline") for s in top)


def test_rebuild_draws_a_progress_bar_on_a_terminal(corpus):
    out = Terminal()
    call_command("rebuild_suggestions", stdout=out)
    assert "\rRebuilding suggestions: 100%|" in out.getvalue()
    assert "| 8/8 [" in out.getvalue()


def test_rebuild_in_small_chunks_gives_the_same_result(corpus):
    call_command("rebuild_suggestions", stdout=io.StringIO())
    whole = stored()
    clear_suggestions()
    call_command("rebuild_suggestions", "--chunk-size", "3", stdout=io.StringIO())
    assert stored() == whole


def test_rebuild_replaces_stale_suggestions(corpus):
    call_command("rebuild_suggestions", stdout=io.StringIO())
    gone = Article.objects.get(title="Drought 0")
    services.archive_article(article=gone, user=system_user())
    assert Suggestion.objects.filter(suggested=gone).exists()
    call_command("rebuild_suggestions", stdout=io.StringIO())
    assert not Suggestion.objects.filter(suggested=gone).exists()


def test_rebuild_reads_article_ids_in_bounded_chunks(corpus):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call_command("rebuild_suggestions", "--chunk-size", "3", stdout=io.StringIO())
    id_reads = [
        q["sql"]
        for q in captured.captured_queries
        if '"articles_article"."id" >' in q["sql"] and q["sql"].endswith("LIMIT 3")
    ]
    assert len(id_reads) == 4  # 3 + 3 + 2 + the empty read that ends the loop


def test_rebuild_gives_the_same_result_when_its_feature_cache_must_forget(corpus, monkeypatch):
    from related import services

    call_command("rebuild_suggestions", stdout=io.StringIO())
    whole = stored()
    sizes = []
    original_get = services.FeatureCache.get

    def get(self, ids):
        found = original_get(self, ids)
        sizes.append((len(self), len(ids)))
        return found

    monkeypatch.setattr(services, "FEATURE_CACHE_SIZE", 4)
    monkeypatch.setattr(services.FeatureCache, "get", get)
    call_command("rebuild_suggestions", stdout=io.StringIO())
    assert stored() == whole
    # Never more than the size, or than the one candidate pool in hand when that is larger.
    assert all(held <= max(4, asked) for held, asked in sizes)
    assert any(held < 8 for held, _ in sizes[8:])  # it did forget
