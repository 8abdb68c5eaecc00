"""Editors in the article admin: suggestions next to curated links, pin, hide, dead-link flags,
reverse links, and suggestions refreshed on save."""

import pytest
from django.urls import reverse

from articles.models import Article
from articles.services import changing_articles
from related.models import HiddenSuggestion, RelatedLink, Suggestion
from related.services import refresh_suggestions
from tests.admin_forms import admin_form_data
from tests.factories import link, make_article, make_draft, make_topic

from .helpers import block_titles, run_jobs

pytestmark = pytest.mark.django_db


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def action_url(name, article, other):
    return reverse(f"admin:articles_article_related_{name}", args=[article.pk, other.pk])


def stored(article):
    return list(
        Suggestion.objects.filter(article=article)
        .order_by("rank")
        .values_list("suggested__title", flat=True)
    )


@pytest.fixture
def energy():
    return make_topic(name="Energy")


@pytest.fixture
def main(energy):
    article = make_article(title="Caspian gas pipeline exports", topics=[energy])
    make_article(title="Gas pipeline exports to Europe", topics=[energy])
    make_article(title="Gas prices", topics=[energy])
    refresh_suggestions(article_ids=[article.pk])
    return article


@pytest.fixture
def publisher_client(client, publisher):
    client.force_login(publisher)
    return client


def test_change_form_shows_current_suggestions_with_pin_and_hide_buttons(publisher_client, main):
    response = publisher_client.get(change_url(main))
    html = response.content.decode()
    assert 'id="related-suggestions"' in html
    assert html.lower().index("curated related articles") < html.index('id="related-suggestions"')
    top = Article.objects.get(title="Gas pipeline exports to Europe")
    assert "Gas pipeline exports to Europe" in html
    assert f'data-related-action="{action_url("pin", main, top)}"' in html
    assert f'data-related-action="{action_url("hide", main, top)}"' in html


def test_add_form_explains_that_suggestions_come_after_saving(publisher_client):
    response = publisher_client.get(reverse("admin:articles_article_add"))
    assert "Suggestions appear once the article is saved." in response.content.decode()


def test_pin_turns_a_suggestion_into_a_curated_link(publisher_client, client, main):
    top = Article.objects.get(title="Gas pipeline exports to Europe")
    response = publisher_client.post(action_url("pin", main, top))
    assert response.status_code == 302
    assert response["Location"].startswith(change_url(main))
    assert list(
        RelatedLink.objects.filter(from_article=main).values_list("to_article", flat=True)
    ) == [top.pk]
    assert top.title not in stored(main)
    assert RelatedLink.history.filter(from_article=main, history_type="+").get().history_user
    client.logout()
    assert block_titles(client.get(main.get_absolute_url()))[0] == top.title


def test_hide_excludes_the_article_from_this_articles_suggestions(publisher_client, client, main):
    top = Article.objects.get(title="Gas pipeline exports to Europe")
    response = publisher_client.post(action_url("hide", main, top))
    assert response.status_code == 302
    assert HiddenSuggestion.objects.filter(article=main, hidden=top).exists()
    assert top.title not in stored(main)
    assert top.title not in block_titles(client.get(main.get_absolute_url()))
    html = publisher_client.get(change_url(main)).content.decode()
    assert "Hidden from this article's suggestions" in html
    assert f'data-related-action="{action_url("unhide", main, top)}"' in html

    publisher_client.post(action_url("unhide", main, top))
    assert not HiddenSuggestion.objects.filter(article=main).exists()
    assert top.title in stored(main)


def test_pin_and_hide_refuse_get_requests(publisher_client, main):
    top = Article.objects.get(title="Gas prices")
    assert publisher_client.get(action_url("pin", main, top)).status_code == 405
    assert publisher_client.get(action_url("hide", main, top)).status_code == 405
    assert not RelatedLink.objects.exists()
    assert not HiddenSuggestion.objects.exists()


def test_pin_and_hide_need_permission_to_edit_the_article(client, contributor, main):
    client.force_login(contributor)  # contributors edit only their own drafts
    top = Article.objects.get(title="Gas prices")
    assert client.post(action_url("pin", main, top)).status_code in {403, 404}
    assert client.post(action_url("hide", main, top)).status_code in {403, 404}
    assert not RelatedLink.objects.exists()
    assert not HiddenSuggestion.objects.exists()


def test_pinning_an_article_to_itself_is_refused(publisher_client, main):
    assert publisher_client.post(action_url("pin", main, main)).status_code == 404
    assert not RelatedLink.objects.exists()


def test_admin_flags_curated_links_to_unpublished_articles(publisher_client, publisher, main):
    gone = make_draft(title="Withdrawn piece")
    link(main, gone)
    link(main, make_article(title="Live piece"), order=1)
    html = publisher_client.get(change_url(main)).content.decode()
    assert "1 related link points to an unpublished article" in html
    assert "No: “Withdrawn piece” is unpublished" in html

    link(main, make_article(title="Archived piece", status=Article.Status.ARCHIVED), order=2)
    html = publisher_client.get(change_url(main)).content.decode()
    assert "2 related links point to unpublished articles" in html

    with changing_articles(articles=[main], user=publisher):
        for dead in RelatedLink.objects.filter(from_article=main).exclude(
            to_article__title="Live piece"
        ):
            dead.delete()
    html = publisher_client.get(change_url(main)).content.decode()
    assert "points to an unpublished" not in html
    assert "point to unpublished" not in html


def _with_new_link(client, article, target, *, reverse_too):
    data = admin_form_data(client, change_url(article), _publish="Save and publish now")
    index = int(data["related_links-TOTAL_FORMS"])
    data["related_links-TOTAL_FORMS"] = str(index + 1)
    data[f"related_links-{index}-to_article"] = str(target.pk)
    data[f"related_links-{index}-order"] = "3"
    if reverse_too:
        data[f"related_links-{index}-add_reverse"] = "on"
    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def test_adding_a_curated_link_can_add_the_reverse_link_at_the_same_time(publisher_client, main):
    target = make_article(title="Target piece")
    link(target, make_article(title="Existing"), order=0)
    _with_new_link(publisher_client, main, target, reverse_too=True)
    assert RelatedLink.objects.filter(from_article=main, to_article=target).exists()
    back = RelatedLink.objects.get(from_article=target, to_article=main)
    assert back.order == 1  # after the target's own links
    assert RelatedLink.history.filter(from_article=target, to_article=main).count() == 1


def test_without_the_option_no_reverse_link_is_added(publisher_client, main):
    target = make_article(title="Target piece")
    _with_new_link(publisher_client, main, target, reverse_too=False)
    assert RelatedLink.objects.filter(from_article=main, to_article=target).exists()
    assert not RelatedLink.objects.filter(from_article=target).exists()


def test_the_reverse_option_does_not_duplicate_an_existing_reverse_link(publisher_client, main):
    target = make_article(title="Target piece")
    link(target, main)
    _with_new_link(publisher_client, main, target, reverse_too=True)
    assert RelatedLink.objects.filter(from_article=target, to_article=main).count() == 1


def test_the_admin_refuses_a_duplicate_curated_link(publisher_client, main):
    target = make_article(title="Target piece")
    link(main, target)
    data = admin_form_data(publisher_client, change_url(main))
    data["related_links-TOTAL_FORMS"] = "2"
    data["related_links-1-to_article"] = str(target.pk)
    data["related_links-1-order"] = "1"
    response = publisher_client.post(change_url(main), data)
    assert response.status_code == 200
    assert RelatedLink.objects.filter(from_article=main).count() == 1


@pytest.mark.django_db(transaction=True)
def test_saving_an_article_in_the_admin_refreshes_its_suggestions(
    publisher_client, energy, run_tasks
):
    water = make_topic(name="Water")
    article = make_article(title="Shoreline retreat", topics=[energy])
    other = make_article(title="Gas prices", topics=[energy])
    neighbour = make_article(title="Sturgeon survey", topics=[water])
    run_jobs(run_tasks)
    assert stored(article)[0] == other.title

    # The article moves to the neighbour's topic and words: its suggestions follow, after
    # the save, through the job the save queued.
    data = admin_form_data(
        publisher_client,
        change_url(article),
        title="Sturgeon survey results",
        _publish="Save and publish now",
        **{"article_topics-0-topic": str(water.pk)},
    )
    response = publisher_client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert stored(article)[0] == other.title  # nothing is scored inside the save
    run_jobs(run_tasks)
    assert stored(article)[0] == neighbour.title
    assert stored(neighbour)[0] == "Sturgeon survey results"


@pytest.mark.django_db(transaction=True)
def test_publishing_in_the_admin_makes_the_article_a_suggestion_elsewhere(
    publisher_client, energy, run_tasks
):
    neighbour = make_article(title="Gas pipeline exports", topics=[energy])
    draft = make_draft(title="Gas pipeline tariffs", topics=[energy])
    run_jobs(run_tasks)
    assert stored(neighbour) == []
    data = admin_form_data(publisher_client, change_url(draft), _publish="Publish")
    response = publisher_client.post(change_url(draft), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    run_jobs(run_tasks)
    assert stored(neighbour) == [draft.title]


@pytest.mark.django_db(transaction=True)
def test_deleting_an_article_in_the_admin_refills_the_blocks_that_suggested_it(
    publisher_client, client, energy, run_tasks
):
    main = make_article(title="Energy outlook", topics=[energy])
    doomed = make_article(title="Energy outlook revisited", topics=[energy])
    kept = make_article(title="Energy markets", topics=[energy])
    run_jobs(run_tasks)
    assert stored(main) == [doomed.title, kept.title]
    delete_url = reverse("admin:articles_article_delete", args=[doomed.pk])
    response = publisher_client.post(delete_url, {"post": "yes"})
    assert response.status_code == 302
    run_jobs(run_tasks)
    assert stored(main) == [kept.title]
    assert block_titles(client.get(main.get_absolute_url())) == [kept.title]
