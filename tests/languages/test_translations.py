"""Translations: "Translate" makes a linked draft in another language through the services,
with the source's structure; the translation knows when its source changed since, and shows
what changed side by side; export and import keep languages and groups."""

import shutil
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from articles import services
from articles.models import Article
from articles.revisions import system_user
from related.models import RelatedLink
from tests.articles.test_export_roundtrip import (
    build_content,
    empty_the_database,
    export,
    snapshot,
)
from tests.factories import edit, link, make_article, make_author, make_image, make_topic

pytestmark = pytest.mark.django_db


def translate(source, language, user=None):
    return services.translate_article(source=source, language=language, user=user or system_user())


@pytest.fixture
def source():
    article = make_article(
        language="en",
        slug="water-deals",
        title="Water deals in Central Asia",
        authors=[make_author(name="Daniyar Seitkali"), make_author(name="Lena Hartmann")],
        topics=[make_topic(name="Water")],
        hero_image=make_image(),
        sources=2,
    )
    return article


def test_translate_makes_a_linked_draft_with_the_source_structure(source):
    translated_target = make_article(language="en", title="Dams")
    russian_target = translate(translated_target, "ru")
    untranslated_target = make_article(language="en", title="Canals")
    link(source, translated_target, order=0)
    link(source, untranslated_target, order=1)
    source.refresh_from_db()

    draft = translate(source, "ru")

    assert draft.status == Article.Status.DRAFT and draft.language == "ru"
    assert draft.translation_group == source.translation_group
    assert draft.translation_source == source
    assert draft.translation_source_version == source.version
    assert draft.slug == "water-deals-ru"
    assert draft.hero_image_id == source.hero_image_id
    assert [a.name for a in draft.ordered_authors] == ["Daniyar Seitkali", "Lena Hartmann"]
    assert [t.name for t in draft.topic_list] == ["Water"]
    assert list(draft.sources.values_list("title", flat=True)) == ["Source 0", "Source 1"]
    # Related links point at the Russian translation where one exists.
    assert list(
        RelatedLink.objects.filter(from_article=draft)
        .order_by("order")
        .values_list("to_article_id", flat=True)
    ) == [russian_target.pk, untranslated_target.pk]
    # Its own revision, by the acting user; readers see nothing of a draft.
    assert draft.history.count() == 1
    assert Article.objects.published().filter(pk=draft.pk).count() == 0


def test_translate_refuses_the_same_or_a_taken_language(source):
    with pytest.raises(ValidationError):
        translate(source, "en")
    translate(source, "az")
    with pytest.raises(ValidationError):
        translate(source, "az")
    with pytest.raises(ValidationError):
        translate(source, "xx")
    assert Article.objects.filter(translation_group=source.translation_group).count() == 2


def test_translation_outdated_after_the_source_changes_and_current_when_marked(source):
    draft = translate(source, "ru")
    assert not Article.objects.get(pk=draft.pk).translation_outdated
    assert services.translation_changes(draft) is None
    edit(source, title="Water and power deals in Central Asia")
    draft = Article.objects.get(pk=draft.pk)
    assert draft.translation_outdated
    comparison = services.translation_changes(draft)
    assert [(c.label, c.old, c.new) for c in comparison.fields if c.label.lower() == "title"] == [
        ("Title", "Water deals in Central Asia", "Water and power deals in Central Asia")
    ]
    services.mark_translation_current(article=draft, user=system_user())
    assert not Article.objects.get(pk=draft.pk).translation_outdated


def test_admin_translate_button_and_action(admin_client, source):
    change = admin_client.get(reverse("admin:articles_article_change", args=[source.pk]))
    translate_url = reverse("admin:articles_article_translate", args=[source.pk, "ru"])
    assert translate_url in change.content.decode()
    confirm = admin_client.get(translate_url)
    assert "Start the translation" in confirm.content.decode()
    response = admin_client.post(translate_url)
    draft = Article.objects.get(translation_group=source.translation_group, language="ru")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:articles_article_change", args=[draft.pk])

    response = admin_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "translate_into_az", "_selected_action": [source.pk]},
    )
    assert response.status_code == 302
    assert Article.objects.filter(translation_group=source.translation_group).count() == 3


def test_admin_shows_outdated_translation_side_by_side(admin_client, source):
    draft = translate(source, "ru")
    draft.title = "Водные соглашения в Центральной Азии"
    services.save_article(article=draft, user=system_user(), edited_version=draft.version)
    edit(source, body="<p>A new paragraph on the Rogun dam.</p>")
    page = admin_client.get(reverse("admin:articles_article_change", args=[draft.pk]))
    assert "Translation outdated" in page.content.decode()
    changes_url = reverse("admin:articles_article_translation_changes", args=[draft.pk])
    side_by_side = admin_client.get(changes_url).content.decode()
    assert "Rogun" in side_by_side  # what changed in the source
    assert "Водные соглашения в Центральной Азии" in side_by_side  # the translation now
    admin_client.post(changes_url)
    assert not Article.objects.get(pk=draft.pk).translation_outdated


def test_export_import_round_trip_keeps_languages_and_groups(publisher, tmp_path, settings):
    main = build_content(publisher)
    russian = services.translate_article(source=main, language="ru", user=publisher)
    kazakh = services.translate_article(source=main, language="kk", user=publisher)
    before = snapshot()
    export(tmp_path / "content.json")
    exported_media = tmp_path / "exported-media"
    shutil.copytree(settings.MEDIA_ROOT, exported_media)
    empty_the_database()
    settings.MEDIA_ROOT = tmp_path / "new-site-media"
    call_command(
        "import_articles",
        str(tmp_path / "content.json"),
        media_dir=str(exported_media),
        stdout=StringIO(),
    )
    assert snapshot() == before
    imported = Article.objects.get(slug=russian.slug)
    assert imported.language == "ru"
    assert imported.translation_source.slug == main.slug
    assert {a.slug for a in Article.objects.filter(translation_group=main.translation_group)} == {
        main.slug,
        russian.slug,
        kazakh.slug,
    }


@pytest.mark.django_db(transaction=True)  # the worker runs the queued jobs after commit
def test_published_translations_depend_on_each_other(run_tasks, source):
    from articles import hooks
    from articles.models import ContentChange

    draft = translate(source, "ru")
    assert hooks.dependents_of([draft.pk]) == {source.pk}  # a draft shows nothing yet
    services.publish_article(article=draft, user=system_user())
    assert hooks.dependents_of([source.pk]) == {draft.pk}
    assert hooks.dependents_of([make_article().pk]) == set()
    run_tasks()
    # The source's page now links the Russian one (hreflang, switcher): an event of its own.
    assert ContentChange.objects.filter(object_id=source.pk, kind="updated").exists()


def test_a_new_translation_is_an_update_of_pages_whose_block_will_show_it(source):
    from articles import hooks

    russian_page = make_article(language="ru", title="Водная дипломатия")
    link(russian_page, source)
    draft = translate(source, "ru")
    services.publish_article(article=draft, user=system_user())
    # The Russian page's block now shows the Russian translation instead of the source.
    assert russian_page.pk in hooks.dependents_of([draft.pk])
