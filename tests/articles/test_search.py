from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from articles import search as search_module
from articles import services
from articles.models import Article
from articles.revisions import system_user
from articles.search import search_articles
from tests.factories import edit, make_article, make_author, make_draft

pytestmark = pytest.mark.django_db


def search(query):
    return list(search_articles(Article.objects.published(), query))


def titles(query):
    return [article.title for article in search(query)]


def test_finds_words_in_title_dek_summary_and_body():
    make_article(title="Pipelines across the sea")
    make_article(title="Other", dek="Caviar exports are falling")
    make_article(title="Third", summary="Sturgeon stocks recover")
    make_article(title="Fourth", body="<p>The ferry <strong>terminal</strong> opens.</p>")
    assert titles("pipelines") == ["Pipelines across the sea"]
    assert titles("caviar") == ["Other"]
    assert titles("sturgeon") == ["Third"]
    assert titles("terminal") == ["Fourth"]


def test_finds_articles_by_author_name():
    author = make_author(name="Tamar Beridze")
    make_article(title="By Tamar", authors=[author])
    make_article(title="By nobody")
    assert titles("Beridze") == ["By Tamar"]


def set_authors(article, authors):
    services.save_article(
        article=article,
        user=system_user(),
        edited_version=article.version,
        inlines={"authors": [{"author": author, "order": n} for n, author in enumerate(authors)]},
    )


def test_author_added_after_the_article_is_found():
    article = make_article(title="Late byline")
    assert titles("Seitkali") == []
    set_authors(article, [make_author(name="Daniyar Seitkali")])
    assert titles("Seitkali") == ["Late byline"]


def test_title_match_ranks_above_body_match():
    make_article(title="Other things", body="<p>Notes on the harbour.</p>", summary="x")
    make_article(title="Harbour expansion", body="<p>Nothing more.</p>", summary="y")
    assert titles("harbour") == ["Harbour expansion", "Other things"]


def test_every_word_must_match():
    make_article(title="Gas and grids")
    make_article(title="Gas only")
    assert titles("gas grids") == ["Gas and grids"]


def test_snippet_highlights_matches_and_escapes_text():
    make_article(
        title="Tariffs",
        summary="Tariffs <script>alert(1)</script> & customs unions",
        body="<p>Customs unions matter.</p>",
    )
    [result] = search("customs")
    snippet = result.search_snippet
    assert "<mark>" in snippet
    assert "<script>" not in snippet
    assert "&lt;script&gt;" in snippet


def test_drafts_scheduled_and_archived_are_never_found():
    make_draft(title="Secret corridor")
    make_article(title="Future corridor", published_at=timezone.now() + timedelta(days=1))
    make_article(title="Archived corridor", status=Article.Status.ARCHIVED)
    make_article(title="Live corridor")
    assert titles("corridor") == ["Live corridor"]


@pytest.mark.parametrize("query", ["", "   ", None, "!!!", "-", '"', "the", "a" * 5000, "&<>"])
def test_empty_and_nonsense_queries_return_nothing_without_error(query):
    make_article(title="Something")
    assert search(query) == []


@pytest.mark.parametrize("matches", [1, 12])
def test_search_takes_the_same_queries_however_many_match(matches, django_assert_num_queries):
    for _ in range(matches):
        make_article(title="Grain exports")
    # PostgreSQL ranks in one query and then reads the rows; the fallback does both at once.
    with django_assert_num_queries(2 if on_postgresql() else 1):
        assert len(search("grain")) == matches


def on_postgresql():
    return connection.vendor == "postgresql"


def test_websearch_syntax_supports_phrases_and_exclusions_on_postgresql():
    make_article(title="Caspian sea level falls")
    make_article(title="Sea of grass and the Caspian steppe")
    if on_postgresql():
        assert titles('"caspian sea"') == ["Caspian sea level falls"]
        assert titles("caspian -level") == ["Sea of grass and the Caspian steppe"]
    else:  # the fallback takes the words of the query, all required
        assert len(titles('"caspian sea"')) == 2


def test_stemmed_forms_match_on_postgresql():
    make_article(title="Negotiating the border")
    expected = ["Negotiating the border"] if on_postgresql() else []
    assert titles("negotiations") == expected


def test_renamed_author_is_found_under_the_new_name():
    author = make_author(name="Old Name")
    make_article(title="Renamed", authors=[author])
    author.name = "Zarina Nurlanova"
    services.save_author(author=author, user=system_user())
    assert titles("Nurlanova") == ["Renamed"]
    assert titles("Old") == []


def test_removed_author_is_no_longer_found():
    author = make_author(name="Farhad Qasimov")
    article = make_article(title="Byline changes", authors=[author])
    assert titles("Qasimov") == ["Byline changes"]
    set_authors(article, [])
    assert titles("Qasimov") == []


def test_edited_title_is_found_by_the_new_words():
    article = make_article(title="Provisional headline")
    edit(article, title="Final wording about ports")
    assert titles("wording") == ["Final wording about ports"]
    assert titles("provisional") == []


def test_phrase_is_found_among_newer_articles_with_its_words_apart():
    now = timezone.now()
    make_article(
        title="Trade routes",
        body="<p>The middle corridor carries freight.</p>",
        published_at=now - timedelta(days=3),
    )
    for days in (1, 2):
        make_article(
            title=f"Apart {days}",
            body="<p>A corridor in the middle of nowhere.</p>",
            published_at=now - timedelta(days=days),
        )
    if on_postgresql():
        assert titles('"middle corridor"') == ["Trade routes"]
    else:
        assert len(titles('"middle corridor"')) == 3


def test_excluded_phrase_leaves_out_only_the_phrase_on_postgresql():
    make_article(title="Caspian sea level falls")
    make_article(title="Caspian level of the sea")
    make_article(title="Caspian steppe")
    if on_postgresql():
        assert sorted(titles('caspian -"sea level"')) == [
            "Caspian level of the sea",
            "Caspian steppe",
        ]
    else:  # the fallback ignores exclusions: every word is required
        assert sorted(titles('caspian -"sea level"')) == [
            "Caspian level of the sea",
            "Caspian sea level falls",
        ]


def test_a_phrase_with_an_exclusion_keeps_the_phrase_and_leaves_out_the_word():
    make_article(title="Shores", body="<p>The caspian sea rises.</p>")
    make_article(title="Oil shores", body="<p>The caspian sea and its oil.</p>")
    make_article(title="Apart", body="<p>Caspian steppe, then the sea.</p>")
    if on_postgresql():
        assert titles('"caspian sea" -oil') == ["Shores"]
        assert sorted(titles('caspian -"caspian sea"')) == ["Apart"]
    else:  # the fallback ignores exclusions and quotes: every word is required
        assert titles('"caspian sea" -oil') == ["Oil shores"]


def test_snippet_of_a_long_body_never_shows_markup():
    anchor = '<a href="https://example.org/a-long-address"></a>'
    make_article(title="Links", summary="", dek="", body=f"<p>Customs unions {anchor * 300}</p>")
    [result] = search("customs")
    if on_postgresql():  # the fallback's snippet is the summary or dek
        assert "<mark>" in result.search_snippet
    assert "href" not in result.search_snippet
    assert "&lt;a" not in result.search_snippet


@pytest.fixture
def small_search_bounds(monkeypatch):
    monkeypatch.setattr(search_module, "RANKED_CANDIDATES", 2)
    monkeypatch.setattr(search_module, "BODY_CANDIDATES", 3)
    monkeypatch.setattr(search_module, "MAX_RESULTS", 3)


def test_an_old_title_match_outranks_many_newer_body_mentions(small_search_bounds):
    now = timezone.now()
    make_article(title="Hydrogen valleys", published_at=now - timedelta(days=900))
    for days in range(1, 8):
        make_article(
            title=f"Weekly notes {days}",
            body="<p>Hydrogen came up once.</p>",
            published_at=now - timedelta(days=days),
        )
    found = titles("hydrogen")
    assert found[0] == "Hydrogen valleys"
    if on_postgresql():  # the bounded ranking lists the most relevant matches only
        assert len(found) == 3


def test_search_page_says_when_only_the_most_relevant_are_listed(client, small_search_bounds):
    for days in range(1, 7):
        make_article(title=f"Ports {days}", published_at=timezone.now() - timedelta(days=days))
    response = client.get("/search/", {"q": "ports"})
    page = response.content.decode()
    if on_postgresql():
        assert "The 3 most relevant articles" in page
        assert "More articles match" in page
    else:
        assert "6 articles found" in page


def test_an_old_article_about_the_word_outranks_newer_passing_mentions(small_search_bounds):
    # More articles mention the word in what they are about (here their summaries) than the
    # search ranks exactly: the old one with it in its title still comes first.
    now = timezone.now()
    make_article(title="Hydrogen valleys and hydrogen hubs", published_at=now - timedelta(days=900))
    for days in range(1, 7):
        make_article(
            title=f"Weekly notes {days}",
            summary="Hydrogen came up once.",
            published_at=now - timedelta(days=days),
        )
    assert titles("hydrogen")[0] == "Hydrogen valleys and hydrogen hubs"


def test_an_old_title_with_two_of_three_words_outranks_newer_mentions(small_search_bounds):
    now = timezone.now()
    make_article(
        title="Hydrogen and renewables",
        body="<p>The transition is slow.</p>",
        published_at=now - timedelta(days=900),
    )
    for days in range(1, 7):
        make_article(
            title=f"Weekly notes {days}",
            summary="Hydrogen, then a long aside, renewables, and the energy transition.",
            published_at=now - timedelta(days=days),
        )
    found = titles("hydrogen renewables transition")
    assert found[0] == "Hydrogen and renewables"
    assert len(found) == (3 if on_postgresql() else 7)


def test_a_word_in_no_title_ranks_the_summaries_that_are_about_it(small_search_bounds):
    now = timezone.now()
    old = make_article(
        title="Fisheries",
        dek="Sturgeon quotas.",
        summary="Sturgeon stocks recover.",
        published_at=now - timedelta(days=900),
    )
    for days in range(1, 7):
        make_article(
            title=f"Weekly notes {days}",
            summary="Sturgeon came up once.",
            published_at=now - timedelta(days=days),
        )
    if not on_postgresql():  # the fallback weighs a word in the dek or summary once
        return
    assert titles("sturgeon")[0] == "Fisheries"
    edit(old, dek="Quotas.", summary="Stocks recover.", body="<p>Sturgeon.</p>")
    assert titles("sturgeon")[0] == "Weekly notes 1"
