"""The editor's desk: working copies of live articles, the review workflow, autosave, SEO and
social fields, and the fixes editors asked for."""

import re
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from articles import services
from articles.models import Article, Autosave, ContentChange
from related.models import RelatedLink
from tests.admin_forms import admin_form_data
from tests.factories import (
    edit,
    link,
    make_article,
    make_author,
    make_draft,
    make_image,
    make_user,
)

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def events(article):
    return list(
        ContentChange.objects.filter(subject="article", object_id=article.pk).values_list(
            "kind", flat=True
        )
    )


def logged_in(client, user):
    client.force_login(user)
    return client


# --- Working copies -------------------------------------------------------------------------


def test_an_editor_corrects_a_live_article_in_a_working_copy_readers_see_live_until_published(
    client, editor, publisher
):
    article = make_article(title="Gas transit", body="<p>Exports rose by ten percent.</p>")
    reader = type(client)()
    logged_in(client, editor)
    revisions_before = Article.history.filter(id=article.pk).count()

    data = admin_form_data(
        client, change_url(article), body="<p>Exports rose by twelve percent.</p>"
    )
    assert client.post(change_url(article), data).status_code == 302

    copy = Article.objects.get(working_copy_of=article)
    assert "twelve" in copy.body
    page = reader.get(article.get_absolute_url()).content.decode()
    assert "ten percent" in page and "twelve" not in page
    assert events(article) == ["published"]  # nothing readers can see changed
    assert Article.history.filter(id=article.pk).count() == revisions_before
    preview = client.get(reverse("articles:article-preview", args=[copy.pk])).content.decode()
    assert "twelve percent" in preview and "working copy" in preview
    compare = client.get(reverse("admin:articles_article_compare_live", args=[article.pk]))
    assert "<ins>twelve</ins>" in compare.content.decode()
    # The editor cannot publish it, even by crafting the button.
    data = admin_form_data(client, change_url(article), _publish="Publish")
    client.post(change_url(article), data)
    assert "ten percent" in reader.get(article.get_absolute_url()).content.decode()

    logged_in(client, publisher)
    form = admin_form_data(client, change_url(article), change_note="Corrected the figure")
    assert form["body"] == copy.body  # the publisher reviews the copy
    response = client.post(change_url(article), {**form, "_publish": "Approve and publish"})
    assert response.status_code == 302
    assert "twelve percent" in reader.get(article.get_absolute_url()).content.decode()
    assert not Article.objects.filter(working_copy_of=article).exists()
    assert Article.history.filter(id=article.pk).count() == revisions_before + 1
    assert Article.history.filter(id=article.pk).first().history_change_reason == (
        "Corrected the figure"
    )
    assert events(article) == ["published", "updated"]


def test_the_working_copy_keeps_the_live_articles_rows_and_changes_only_its_own(client, editor):
    ana, bo = make_author(name="Ana"), make_author(name="Bo")
    article = make_article(authors=[ana, bo], sources=1)
    logged_in(client, editor)
    data = admin_form_data(
        client, change_url(article), **{"article_authors-0-order": "9", "sources-0-title": "New"}
    )
    assert client.post(change_url(article), data).status_code == 302
    copy = Article.objects.get(working_copy_of=article)
    assert [a.name for a in copy.ordered_authors] == ["Bo", "Ana"]
    assert copy.sources.get().title == "New"
    article.refresh_from_db()
    assert [a.name for a in Article.objects.get(pk=article.pk).ordered_authors] == ["Ana", "Bo"]
    assert article.sources.get().title == "Source 0"


def test_publishing_a_copy_whose_live_article_changed_meanwhile_needs_a_second_look(
    client, editor, publisher
):
    article = make_article(title="Original")
    logged_in(client, editor)
    client.post(change_url(article), admin_form_data(client, change_url(article), dek="Copy dek"))
    edit(article, title="Changed live", user=publisher)  # e.g. an import, or a direct fix

    logged_in(client, publisher)
    form = admin_form_data(client, change_url(article))
    page = client.get(change_url(article)).content.decode()
    assert "The live article changed since this working copy was started" in page
    client.post(change_url(article), {**form, "_publish": "Publish"})
    assert Article.objects.get(pk=article.pk).dek != "Copy dek"
    form = admin_form_data(client, change_url(article))
    client.post(change_url(article), {**form, "_publish": "Publish", "publish_anyway": "1"})
    assert Article.objects.get(pk=article.pk).dek == "Copy dek"


def test_changes_to_a_live_article_can_be_scheduled(client, editor, publisher, run_tasks):
    article = make_article(title="Before")
    services.start_working_copy(article=article, user=editor)
    copy = Article.objects.get(working_copy_of=article)
    edit(copy, title="After", user=editor)
    at = timezone.now() + timedelta(hours=2)
    services.publish_working_copy(live=article, user=publisher, at=at)
    assert Article.objects.get(pk=article.pk).title == "Before"
    assert Article.objects.get(pk=copy.pk).changes_publish_at == at
    with mock.patch("django.utils.timezone.now", return_value=at + timedelta(seconds=1)):
        from articles.tasks import publish_due

        publish_due.call()
    assert Article.objects.get(pk=article.pk).title == "After"
    assert not Article.objects.filter(working_copy_of=article).exists()


def test_discarding_a_working_copy_keeps_the_live_version(client, editor):
    article = make_article(title="Stays")
    logged_in(client, editor)
    client.post(change_url(article), admin_form_data(client, change_url(article), title="Gone"))
    discard = reverse("admin:articles_article_discard", args=[article.pk])
    assert "Discard the working copy" in client.get(discard).content.decode()
    client.post(discard)
    assert not Article.objects.filter(working_copy_of=article).exists()
    assert Article.objects.get(pk=article.pk).title == "Stays"
    assert admin_form_data(client, change_url(article))["title"] == "Stays"


def test_unpublishing_keeps_the_working_copys_changes(publisher, editor):
    article = make_article(title="Live title")
    services.start_working_copy(article=article, user=editor)
    edit(Article.objects.get(working_copy_of=article), title="Copy title", user=editor)
    services.unpublish_article(article=article, user=publisher)
    article.refresh_from_db()
    assert (article.status, article.title) == ("draft", "Copy title")
    assert not Article.objects.filter(working_copy_of=article).exists()


def test_working_copies_stay_out_of_lists_slugs_and_the_deleted_list(client, editor, publisher):
    article = make_article(title="Unique piece")
    services.start_working_copy(article=article, user=editor)
    logged_in(client, publisher)
    listing = client.get(reverse("admin:articles_article_changelist"))
    assert [a.pk for a in listing.context["cl"].result_list] == [article.pk]
    other = make_article(title="Unique piece")  # the copy's slug does not count as taken
    assert other.slug == "unique-piece-2"
    services.discard_working_copy(live=article, user=publisher)
    deleted = client.get(reverse("admin:articles_article_deleted")).content.decode()
    assert "Unique piece" not in deleted


# --- The review workflow ---------------------------------------------------------------------


@pytest.fixture
def people():
    return {
        "writer": make_user("writer", role="Contributor"),
        "chief": make_user("chief", role="Publisher"),
    }


def test_submit_request_changes_resubmit_approve_with_e_mail_and_dashboard(
    client, people, django_capture_on_commit_callbacks
):
    for user in people.values():
        user.email = f"{user.username}@example.org"
        user.save()
    writer, chief = people["writer"], people["chief"]
    logged_in(client, writer)
    add = reverse("admin:articles_article_add")
    data = admin_form_data(client, add, title="Water and cotton", body="<p>Text.</p>")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(add, {**data, "_submit": "Submit for review"}).status_code == 302
    article = Article.objects.get(title="Water and cotton")
    assert article.status == "in_review"
    assert [m.to for m in mail.outbox] == [["chief@example.org"]]
    assert "submitted" in mail.outbox[0].body

    logged_in(client, chief)
    desk = client.get(reverse("admin:index")).content.decode()
    assert "Awaiting review" in desk and "Water and cotton" in desk
    form = admin_form_data(client, change_url(article), review_comment="Add a source, please.")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(article), {**form, "_request_changes": "Request changes"})
    article.refresh_from_db()
    assert (article.status, article.review_note) == ("changes_requested", "Add a source, please.")
    assert mail.outbox[-1].to == ["writer@example.org"]
    assert "Add a source, please." in mail.outbox[-1].body

    logged_in(client, writer)
    page = client.get(change_url(article)).content.decode()
    assert "Reviewer: Add a source, please." in page
    form = admin_form_data(client, change_url(article), body="<p>Text, with a source.</p>")
    client.post(change_url(article), {**form, "_submit": "Submit for review"})
    assert Article.objects.get(pk=article.pk).status == "in_review"

    logged_in(client, chief)
    form = admin_form_data(client, change_url(article))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(change_url(article), {**form, "_publish": "Approve and publish"})
    article.refresh_from_db()
    assert article.is_live
    assert mail.outbox[-1].to == ["writer@example.org"]
    assert "now live" in mail.outbox[-1].body


def buttons(client, url):
    page = client.get(url).content.decode()
    row = page[page.index('class="submit-row desk-buttons"') :]
    return re.findall(r'<input type="submit" name="(_\w+)"', row)


def test_each_role_is_offered_only_the_steps_it_may_take(client, people, editor):
    writer, chief = people["writer"], people["chief"]
    draft = make_draft(created_by=writer)
    live = make_article()
    logged_in(client, writer)
    assert buttons(client, change_url(draft)) == ["_save", "_submit"]
    logged_in(client, editor)
    assert buttons(client, change_url(live)) == ["_save", "_submit"]
    logged_in(client, chief)
    assert buttons(client, change_url(live)) == ["_save", "_submit", "_publish", "_unpublish"]
    services.submit_for_review(article=draft, user=writer)
    assert buttons(client, change_url(draft)) == ["_save", "_publish", "_request_changes"]


def test_the_first_submit_button_of_the_form_is_save_draft(client, publisher):
    article = make_article()
    other = make_article(title="Suggested neighbour")
    link(article, other)
    logged_in(client, publisher)
    page = client.get(change_url(article)).content.decode()
    form = page[page.index('id="article_form"') :]
    first = re.search(r'<(input|button)[^>]*type="submit"[^>]*>', form).group(0)
    assert 'name="_save"' in first
    assert "formaction=" not in form  # no button inside the form posts anywhere else


# --- Autosave ---------------------------------------------------------------------------------


def test_autosave_keeps_one_slot_writes_no_revision_and_is_offered_back(client, editor):
    article = make_article(title="Kept title")
    logged_in(client, editor)
    url = reverse("admin:articles_article_autosave", args=[article.pk])
    revisions_before = Article.history.count()
    for text in ("First words", "More words"):
        response = client.post(url, {"title": text, "body": f"<p>{text}</p>"})
        assert response.status_code == 200
    assert Autosave.objects.filter(user=editor, article=article).count() == 1
    assert Autosave.objects.get().data["title"] == "More words"
    assert Article.history.count() == revisions_before
    assert events(article) == ["published"]
    assert Article.objects.get(pk=article.pk).title == "Kept title"

    page = client.get(change_url(article)).content.decode()
    assert "You have changes that were not saved" in page and "More words" in page
    client.post(change_url(article), admin_form_data(client, change_url(article)))
    assert not Autosave.objects.filter(user=editor, article=article).exists()


def test_autosave_refuses_who_may_not_edit(client, contributor):
    article = make_article()
    logged_in(client, contributor)
    url = reverse("admin:articles_article_autosave", args=[article.pk])
    assert client.post(url, {"title": "x"}).status_code == 403
    assert not Autosave.objects.exists()


# --- Finding things, hints, texts -----------------------------------------------------------


def test_contributors_pick_related_articles_among_all_published_ones(client, contributor):
    make_article(title="Pipelines across the Caspian")
    make_draft(title="Pipelines, an unpublished draft")
    logged_in(client, contributor)
    response = client.get(
        reverse("admin:autocomplete"),
        {"term": "Pipelines", "app_label": "related", "model_name": "relatedlink",
         "field_name": "to_article"},
    )  # fmt: skip
    assert [r["text"] for r in response.json()["results"]] == ["Pipelines across the Caspian"]


def test_admin_search_looks_in_the_body_and_the_authors(client, publisher):
    make_article(title="Plain title", body="<p>The ferry schedules of Aktau port.</p>")
    make_article(title="Another", authors=[make_author(name="Daniyar Seitkali")])
    make_article(title="Unrelated")
    logged_in(client, publisher)
    changelist = reverse("admin:articles_article_changelist")
    found = client.get(changelist, {"q": "ferry"}).context["cl"].result_list
    assert [a.title for a in found] == ["Plain title"]
    found = client.get(changelist, {"q": "Seitkali"}).context["cl"].result_list
    assert [a.title for a in found] == ["Another"]


def test_the_link_picker_finds_published_articles_by_title(client, editor):
    target = make_article(title="Border commissions in the Caucasus")
    make_draft(title="Border draft")
    logged_in(client, editor)
    found = client.get(reverse("admin:articles_article_link_search"), {"q": "border"}).json()
    assert found["results"] == [{"title": target.title, "url": target.get_absolute_url()}]


def test_saving_warns_about_skipped_headings_and_vague_links_without_refusing(client, publisher):
    draft = make_draft()
    logged_in(client, publisher)
    body = (
        '<h2>A</h2><h4>B</h4><p><a href="https://example.org">click here</a><a href="/x"></a></p>'
    )
    response = client.post(
        change_url(draft), admin_form_data(client, change_url(draft), body=body), follow=True
    )
    text = response.content.decode()
    assert "a level is skipped" in text and "“click here”" in text and "have no text" in text
    assert "click here" in Article.objects.get(pk=draft.pk).body


def test_preview_banners_say_who_can_see_what(client, publisher):
    logged_in(client, publisher)
    live = make_article()
    scheduled = make_article(published_at=timezone.now() + timedelta(days=3))
    draft = make_draft()

    def banner(article):
        page = client.get(reverse("articles:article-preview", args=[article.pk])).content
        return re.search(r'class="preview-banner"[^>]*>([^<]*)<', page.decode()).group(1)

    assert "published article, as readers see it" in banner(live)
    assert "scheduled for" in banner(scheduled) and "cannot see it before" in banner(scheduled)
    assert "draft" in banner(draft) and "until it is published" in banner(draft)


def test_view_on_site_never_leads_to_a_404(client, publisher):
    logged_in(client, publisher)
    for article in (make_draft(), make_article(published_at=timezone.now() + timedelta(days=1))):
        page = client.get(change_url(article)).content.decode()
        assert reverse("articles:article-preview", args=[article.pk]) in page


def test_restore_confirmation_says_what_the_restore_removes(client, publisher):
    article = make_article()
    first = Article.history.filter(id=article.pk).first()
    link(article, make_article(title="Linked later"))
    logged_in(client, publisher)
    url = reverse("admin:articles_article_restore", args=[article.pk, first.history_id])
    page = client.get(url).content.decode()
    assert re.search(r"Removed:</strong>\s*Linked later", page)


def test_the_public_correction_help_names_a_date(client, publisher):
    logged_in(client, publisher)
    page = client.get(change_url(make_article())).content.decode()
    assert re.search(r"Updated \d{1,2} \w{3} \d{4}: your note", page)


# --- SEO, social, related block ---------------------------------------------------------------


def test_seo_title_description_and_social_image_reach_the_page_with_fallbacks(client):
    hero, social = make_image(alt_text="Hero"), make_image(alt_text="Social")
    article = make_article(
        title="Long scholarly title", summary="The summary.", hero_image=hero,
        seo_title="Short title", seo_description="What searchers read.", social_image=social,
    )  # fmt: skip
    page = client.get(article.get_absolute_url()).content.decode()
    assert "<title>Short title · " in page
    assert '<meta name="description" content="What searchers read.">' in page
    assert f'content="http://testserver{social.file.url}"' in page or social.file.url in page
    assert '"description": "What searchers read."' in page
    plain = make_article(title="Plain", summary="Its summary.", hero_image=hero)
    page = client.get(plain.get_absolute_url()).content.decode()
    assert "<title>Plain · " in page and 'content="Its summary."' in page
    assert hero.file.url in page


@pytest.mark.django_db(transaction=True)
def test_an_article_can_show_its_curated_links_only_and_choose_its_block_size(client, run_tasks):
    article = make_article(title="Curated host")
    picks = [make_article(title=f"Pick {n}") for n in range(3)]
    link(article, picks[0])
    for n in range(4):
        make_article(title=f"Other {n}")
    run_tasks()  # suggestions are stored by a job

    def block(article):
        page = client.get(article.get_absolute_url()).content.decode()
        return re.findall(r'<li class="related-(?:curated|suggested)"', page)

    assert len(block(article)) == 3
    edit(article, related_curated_only=True)
    assert len(block(article)) == 1
    edit(article, related_curated_only=False, related_block_size=5)
    assert len(block(article)) == 5


def test_the_article_form_opens_in_bounded_queries(
    client, publisher, django_assert_max_num_queries
):
    article = make_article(authors=[make_author()])
    logged_in(client, publisher)
    with django_assert_max_num_queries(60) as few:
        client.get(change_url(article))
    for n in range(15):
        link(article, make_article(title=f"Linked {n}"), order=n)
        edit(article, title=f"Revision {n}")
    with django_assert_max_num_queries(len(few.captured_queries) + 2):
        client.get(change_url(article))


def test_pin_answers_the_forms_script_with_the_panel_and_the_new_version(client, publisher):
    article = make_draft()
    other = make_article(title="Worth pinning")
    logged_in(client, publisher)
    form = admin_form_data(client, change_url(article))
    url = reverse("admin:articles_article_related_pin", args=[article.pk, other.pk])
    answer = client.post(url, HTTP_ACCEPT="application/json").json()
    assert 'id="related-suggestions"' in answer["panel"]
    assert RelatedLink.objects.filter(from_article=article, to_article=other).exists()
    # The form, saved with the version the script put in, is not refused as stale.
    form["edited_version"] = answer["version"]
    form["title"] = "Saved after pinning"
    assert client.post(change_url(article), form).status_code == 302
    assert Article.objects.get(pk=article.pk).title == "Saved after pinning"
    assert RelatedLink.objects.filter(from_article=article, to_article=other).exists()


def test_an_editor_cannot_pin_straight_into_a_live_article(client, editor):
    article = make_article()
    other = make_article()
    logged_in(client, editor)
    url = reverse("admin:articles_article_related_pin", args=[article.pk, other.pk])
    assert client.post(url, HTTP_ACCEPT="application/json").status_code == 403
    assert not RelatedLink.objects.filter(from_article=article).exists()
