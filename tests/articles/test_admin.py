from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from articles.models import Article, Source
from tests.admin_forms import admin_form_data, inline_rows
from tests.factories import make_article, make_author, make_draft, make_image, make_topic

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:articles_article_add")


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def test_article_list_shows_state_authors_and_dates(admin_client):
    author = make_author(name="Tamar Beridze")
    make_article(title="Live one", authors=[author])
    make_article(title="Later one", published_at=timezone.now() + timedelta(days=2))
    make_draft(title="Draft one")

    response = admin_client.get(reverse("admin:articles_article_changelist"))

    content = response.content.decode()
    assert "Live one" in content and "Tamar Beridze" in content
    assert "Scheduled for" in content
    assert "Draft" in content


def test_article_list_has_a_constant_number_of_queries(admin_client, django_assert_max_num_queries):
    for _ in range(3):
        make_article(authors=[make_author(), make_author()])
    with django_assert_max_num_queries(12) as few:
        admin_client.get(reverse("admin:articles_article_changelist"))
    for _ in range(20):
        make_article(authors=[make_author(), make_author(), make_author()])
    with django_assert_max_num_queries(len(few.captured_queries)):
        admin_client.get(reverse("admin:articles_article_changelist"))


def test_article_list_search_and_filters(admin_client):
    make_article(title="Pipelines and power", authors=[make_author(name="Lena Hartmann")])
    make_article(title="Border commissions")
    make_article(title="Scheduled piece", published_at=timezone.now() + timedelta(days=1))

    by_author = admin_client.get(reverse("admin:articles_article_changelist"), {"q": "Hartmann"})
    scheduled = admin_client.get(
        reverse("admin:articles_article_changelist"), {"state": "scheduled"}
    )

    assert list(by_author.context["cl"].result_list) == [
        Article.objects.get(title="Pipelines and power")
    ]
    assert [a.title for a in scheduled.context["cl"].result_list] == ["Scheduled piece"]


def test_editor_creates_an_article_with_ordered_inlines(admin_client):
    first, second = make_author(name="Second Billing"), make_author(name="First Billing")
    topic = make_topic()
    image = make_image(credit="president.example (2019)")
    target = make_article(title="Earlier analysis")
    data = admin_form_data(
        admin_client,
        ADD_URL,
        title="A new analysis",
        summary="Why it matters.",
        body='<p>Body <script>alert(1)</script><a href="javascript:x()">x</a></p>',
        article_type="analysis",
        hero_image=image.pk,
        status="draft",
    )
    data.update(
        inline_rows(
            "article_authors", [{"author": first.pk, "order": 2}, {"author": second.pk, "order": 1}]
        )
    )
    data.update(inline_rows("article_topics", [{"topic": topic.pk}]))
    data.update(
        inline_rows(
            "sources", [{"title": "Statistics office", "url": "https://example.org", "order": 1}]
        )
    )
    data.update(inline_rows("related_links", [{"to_article": target.pk, "order": 1}]))

    response = admin_client.post(ADD_URL, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    article = Article.objects.get(title="A new analysis")
    assert article.slug == "a-new-analysis"
    assert [a.name for a in article.ordered_authors] == ["First Billing", "Second Billing"]
    assert list(article.topics.all()) == [topic]
    assert Source.objects.get(article=article).title == "Statistics office"
    assert article.related_links.get().to_article == target
    assert "script" not in article.body and "javascript" not in article.body
    assert article.created_by.username == "admin"
    assert article.history.first().history_user.username == "admin"


def test_change_form_shows_hero_thumbnail_with_credit_and_preview_link(admin_client):
    article = make_draft(hero_image=make_image(credit="president.example (2019)"))

    content = admin_client.get(change_url(article)).content.decode()

    assert "Image source: president.example (2019)" in content
    assert reverse("articles:article-preview", args=[article.pk]) in content
    assert "django-prose-editor" in content or "prose-editor" in content


def test_autocomplete_serves_authors(admin_client):
    make_author(name="Daniyar Seitkali")
    url = reverse("admin:autocomplete")
    response = admin_client.get(
        url,
        {
            "term": "Daniyar",
            "app_label": "articles",
            "model_name": "articleauthor",
            "field_name": "author",
        },
    )
    assert [r["text"] for r in response.json()["results"]] == ["Daniyar Seitkali"]


def test_renaming_a_published_slug_keeps_the_old_address(admin_client, client):
    article = make_article(title="Old name")
    data = admin_form_data(
        admin_client, change_url(article), slug="new-name", _publish="Save and publish now"
    )

    admin_client.post(change_url(article), data)

    response = client.get("/articles/old-name/")
    assert response.status_code == 301
    assert response["Location"] == "/articles/new-name/"
    assert client.get("/articles/new-name/").status_code == 200


def test_publish_action_publishes_and_schedules(admin_client):
    now_draft = make_draft(title="Publish now")
    later = make_article(
        title="Publish later",
        status=Article.Status.DRAFT,
        published_at=timezone.now() + timedelta(days=3),
    )

    admin_client.post(
        reverse("admin:articles_article_changelist"),
        {"action": "publish", "_selected_action": [now_draft.pk, later.pk]},
    )

    now_draft.refresh_from_db()
    later.refresh_from_db()
    assert now_draft.is_live
    assert later.is_scheduled
    assert now_draft.history.first().history_change_reason == "Published"
    assert later.history.first().history_change_reason == "Scheduled"


def test_unpublish_and_archive_actions(admin_client, client):
    live, old = make_article(), make_article()

    changelist = reverse("admin:articles_article_changelist")
    admin_client.post(changelist, {"action": "unpublish", "_selected_action": [live.pk]})
    admin_client.post(changelist, {"action": "archive", "_selected_action": [old.pk]})

    assert client.get(live.get_absolute_url()).status_code == 404
    assert client.get(old.get_absolute_url()).status_code == 404
    live.refresh_from_db()
    old.refresh_from_db()
    assert (live.status, old.status) == ("draft", "archived")


def test_preview_shows_a_draft_to_staff_only(admin_client, client):
    draft = make_draft(title="Secret draft")
    url = reverse("articles:article-preview", args=[draft.pk])

    staff = admin_client.get(url)
    anonymous = client.get(url)

    assert staff.status_code == 200
    assert "Secret draft" in staff.content.decode()
    assert "no-store" in staff["Cache-Control"] or "no-cache" in staff["Cache-Control"]
    assert anonymous.status_code == 302
    assert client.get(draft.get_absolute_url()).status_code == 404
