import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from articles.models import Article, Author, Image
from articles.roles import sync_roles

# seed_demo runs the worker once (suggestions are background work), which needs committed data.
pytestmark = pytest.mark.django_db(transaction=True)


def test_seed_demo_creates_published_content_and_is_idempotent(client):
    call_command("seed_demo")
    counts = (Article.objects.count(), Author.objects.count(), Image.objects.count())
    call_command("seed_demo")

    assert (Article.objects.count(), Author.objects.count(), Image.objects.count()) == counts
    assert Article.objects.published().count() >= 5
    assert Article.objects.exclude(status="published").exists()
    assert {row.history_user.username for row in Article.history.all()} == {"system"}
    article = Article.objects.published().filter(language="en").exclude(hero_image=None).first()
    page = client.get(article.get_absolute_url()).content.decode()
    assert "Image source:" in page
    russian = Article.objects.published().get(
        translation_group=article.translation_group, language="ru"
    )
    assert "Источник изображения:" in client.get(russian.get_absolute_url()).content.decode()
    assert article.ordered_authors[0].name in page
    # Every published demo article has a full "Related Articles" block (curated + suggested).
    for demo in Article.objects.published():
        page = client.get(demo.get_absolute_url()).content.decode()
        assert page.count('<li class="related-') == 3, demo.title


def test_demo_editor_only_exists_in_development(settings):
    sync_roles(apps)  # the demo editor gets a role; a committing test before flushed them
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", "--with-demo-editor")
    assert not get_user_model().objects.filter(username="demo").exists()

    settings.DEBUG = True
    call_command("seed_demo", "--with-demo-editor")
    assert get_user_model().objects.get(username="demo").is_staff
