from datetime import timedelta
from unittest import mock

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from articles import services
from articles.models import Article, Author, Topic
from articles.revisions import system_user
from related.models import RelatedLink
from tests.factories import (
    edit,
    link,
    make_article,
    make_author,
    make_draft,
    make_image,
    make_topic,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "title",
    [
        "Развитие событий в Нагорном Карабахе",  # Cyrillic
        "Հայաստանի և Ադրբեջանի բանակցությունները",  # Armenian
        "საქართველოს ენერგეტიკული პოლიტიკა",  # Georgian
        "التعاون الإقليمي في بحر قزوين",  # Arabic
        "Baku–Tbilisi: ნავთობი and газ",  # mixed scripts
        "!!! ??? …",  # nothing to transliterate
    ],
)
def test_slug_is_never_empty_for_any_script(title):
    article = make_draft(title=title)

    assert article.slug
    assert article.slug.isascii()
    assert Article.objects.get(slug=article.slug) == article


def test_slugs_of_the_same_title_never_collide():
    first = make_draft(title="Gas transit after 2025")
    second = make_draft(title="Gas transit after 2025")
    third = make_draft(title="Gas Transit After 2025!")

    assert first.slug == "gas-transit-after-2025"
    assert len({first.slug, second.slug, third.slug}) == 3


def test_slug_stays_when_the_title_changes():
    article = make_article(title="Original title")
    edit(article, title="A corrected title")

    article.refresh_from_db()
    assert article.title == "A corrected title"
    assert article.slug == "original-title"


def test_author_and_topic_slugs_are_generated_and_unique():
    assert make_author(name="Лена Хартман").slug == "lena-khartman"
    assert make_author(name="Лена Хартман").slug == "lena-khartman-2"
    assert make_topic(name="South Caucasus").slug == "south-caucasus"


def test_published_means_published_and_due():
    live = make_article()
    make_article(published_at=timezone.now() + timedelta(hours=1))  # scheduled
    make_draft()
    make_article(status=Article.Status.IN_REVIEW)
    make_article(status=Article.Status.ARCHIVED)

    assert list(Article.objects.published()) == [live]


def test_a_scheduled_article_goes_live_at_its_time_without_a_job():
    article = make_article(published_at=timezone.now() + timedelta(seconds=1))
    assert not Article.objects.published().exists()

    later = timezone.now() + timedelta(seconds=2)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert Article.objects.published().get() == article


def test_a_published_article_needs_a_publication_time():
    with pytest.raises(IntegrityError), services.writing(user=system_user()):
        Article.objects.create(title="No date", status=Article.Status.PUBLISHED, published_at=None)


def test_body_is_sanitised_on_save():
    article = make_draft(
        body=(
            '<p onclick="steal()">Text <script>alert(1)</script>'
            '<a href="javascript:alert(1)">bad</a> <a href="https://example.org">good</a></p>'
            '<img src="x" onerror="alert(1)"><iframe src="https://evil.example"></iframe>'
        )
    )

    article.refresh_from_db()
    assert "script" not in article.body
    assert "onclick" not in article.body
    assert "onerror" not in article.body
    assert "javascript:" not in article.body
    assert "iframe" not in article.body
    assert 'href="https://example.org"' in article.body


def test_reading_time_follows_the_body_length():
    short = make_draft(body="<p>" + "word " * 100 + "</p>")
    long = make_draft(body="<p>" + "word " * 2300 + "</p>")

    assert short.reading_time == 1
    assert long.reading_time == 10


def test_excerpt_is_the_summary_or_the_first_sentence():
    with_summary = make_draft(summary="The summary.")
    without = make_draft(summary="", body="<p>First sentence here. Second one.</p>")

    assert with_summary.excerpt == "The summary."
    assert without.excerpt == "First sentence here."


def test_licence_falls_back_to_the_site_default(settings):
    settings.DEFAULT_REPUBLICATION_LICENCE = "CC BY-ND 4.0"

    assert make_draft().republication_licence == "CC BY-ND 4.0"
    assert make_draft(licence="All rights reserved").republication_licence == "All rights reserved"


def test_authors_keep_their_byline_order():
    first, second, third = make_author(name="C"), make_author(name="A"), make_author(name="B")
    article = make_article(authors=[first, second, third])

    fetched = Article.objects.for_listing().get(pk=article.pk)
    assert fetched.ordered_authors == [first, second, third]


def test_an_author_appears_once_per_article():
    author = make_author()
    with pytest.raises(IntegrityError), transaction.atomic():
        make_article(authors=[author, author])


def test_related_links_refuse_self_links_and_duplicates():
    one, two = make_article(), make_article()
    link(one, two)

    with pytest.raises(IntegrityError), services.writing(user=system_user()):
        RelatedLink.objects.create(from_article=one, to_article=one)
    with pytest.raises(IntegrityError), services.writing(user=system_user()):
        RelatedLink.objects.create(from_article=one, to_article=two)


def test_every_content_model_keeps_history():
    author = make_author(name="Before")
    author.name = "After"
    services.save_author(author=author, user=system_user())
    topic = make_topic()
    article = make_article(authors=[author], topics=[topic], sources=1)

    assert [h.name for h in author.history.all()] == ["After", "Before"]
    assert topic.history.count() == 1
    assert article.history.exists()
    assert article.article_authors.get().history.count() == 1
    assert article.sources.get().history.count() == 1
    assert Author.history.model._meta.pk.get_internal_type() == "BigAutoField"
    assert Topic.history.model._meta.get_field("history_change_reason").get_internal_type() == (
        "TextField"
    )


def test_a_credit_link_is_only_ever_a_web_address(client):
    image = make_image(credit="Agency", credit_url="javascript:alert(1)")
    article = make_article(hero_image=image)

    page = client.get(article.get_absolute_url()).content.decode()

    assert image.credit_link == ""
    assert "javascript:" not in page
    assert "Image source: Agency" in page
