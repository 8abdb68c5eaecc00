import json
from datetime import UTC, datetime

import pytest

from articles.citations import citation_formats
from articles.models import Article
from tests.factories import make_article, make_author, make_draft, make_topic

pytestmark = pytest.mark.django_db

PUBLISHED = datetime(2024, 3, 5, 9, 30, tzinfo=UTC)


def cited(article):
    return citation_formats(Article.objects.for_listing().get(pk=article.pk))


@pytest.fixture
def two_author_article():
    return make_article(
        title="Water & Power: Sharing the Amu Darya",
        slug="water-and-power",
        authors=[make_author(name="Lena Hartmann"), make_author(name="Tamar Beridze")],
        topics=[make_topic(name="Energy")],
        published_at=PUBLISHED,
        summary="Who gets the river.",
    )


def test_chicago_lists_first_author_inverted_and_others_natural(two_author_article, settings):
    chicago = cited(two_author_article)["chicago"]
    assert chicago == (
        "Hartmann, Lena, and Tamar Beridze. “Water & Power: Sharing the Amu Darya.” "
        f"{settings.SITE_NAME}, March 5, 2024. {two_author_article.public_url}."
    )


def test_apa_uses_initials_ampersand_and_date_in_parentheses(two_author_article, settings):
    apa = cited(two_author_article)["apa"]
    assert apa == (
        "Hartmann, L., & Beridze, T. (2024, March 5). Water & Power: Sharing the Amu Darya. "
        f"{settings.SITE_NAME}. {two_author_article.public_url}"
    )


def test_three_authors_use_serial_comma_in_chicago_and_commas_in_apa():
    article = make_article(
        title="Three voices",
        published_at=PUBLISHED,
        authors=[make_author(name=n) for n in ("Ann Lee", "Bo Chan", "Cy Diaz")],
    )
    formats = cited(article)
    assert formats["chicago"].startswith("Lee, Ann, Bo Chan, and Cy Diaz. “Three voices.”")
    assert formats["apa"].startswith("Lee, A., Chan, B., & Diaz, C. (2024, March 5).")


def test_more_than_ten_authors_are_shortened_with_et_al_in_chicago():
    authors = [make_author(name=f"Given{i} Family{i}") for i in range(11)]
    article = make_article(title="Big team", published_at=PUBLISHED, authors=authors)
    chicago = cited(article)["chicago"]
    assert chicago.startswith("Family0, Given0, Given1 Family1")
    assert "Given6 Family6, et al. “Big team.”" in chicago
    assert "Family7" not in chicago


def test_no_author_puts_title_first():
    article = make_article(title="Unsigned note", published_at=PUBLISHED)
    formats = cited(article)
    assert formats["chicago"].startswith("“Unsigned note.” ")
    assert formats["apa"].startswith("Unsigned note. (2024, March 5).")
    assert "author" not in formats["bibtex"]
    assert "AU  -" not in formats["ris"]
    assert "author" not in formats["csl"]


def test_non_ascii_names_are_kept_and_bibtex_key_is_ascii():
    article = make_article(
        title="Каспийское море и право",
        published_at=PUBLISHED,
        authors=[make_author(name="Марина Соколова"), make_author(name="Şəhla Əliyeva")],
    )
    formats = cited(article)
    assert formats["chicago"].startswith("Соколова, Марина, and Şəhla Əliyeva.")
    assert formats["apa"].startswith("Соколова, М., & Əliyeva, Ş. (2024, March 5).")
    assert formats["bibtex"].startswith("@misc{sokolova2024")
    assert "author = {Соколова, Марина and Əliyeva, Şəhla}" in formats["bibtex"]
    assert "AU  - Соколова, Марина\r\n" in formats["ris"]
    assert formats["csl"]["author"] == [
        {"family": "Соколова", "given": "Марина"},
        {"family": "Əliyeva", "given": "Şəhla"},
    ]


def test_hyphenated_given_names_particles_and_single_names():
    article = make_article(
        title="Names",
        published_at=PUBLISHED,
        authors=[
            make_author(name="Jean-Paul Marie Dupont"),
            make_author(name="Ludwig van Beethoven"),
            make_author(name="Staff"),
        ],
    )
    formats = cited(article)
    assert formats["apa"].startswith("Dupont, J.-P. M., van Beethoven, L., & Staff.")
    assert formats["csl"]["author"][1] == {"family": "van Beethoven", "given": "Ludwig"}
    assert formats["csl"]["author"][2] == {"literal": "Staff"}
    assert "{Staff}" in formats["bibtex"]


def test_bibtex_escapes_special_characters(two_author_article):
    bibtex = cited(two_author_article)["bibtex"]
    assert "title = {{Water \\& Power: Sharing the Amu Darya}}" in bibtex
    assert "author = {Hartmann, Lena and Beridze, Tamar}" in bibtex
    assert "year = {2024}" in bibtex
    assert "month = mar" in bibtex
    assert f"url = {{{two_author_article.public_url}}}" in bibtex
    assert bibtex.count("{") == bibtex.count("}")


def test_ris_has_required_tags_in_order(two_author_article):
    lines = cited(two_author_article)["ris"].split("\r\n")
    assert lines[0] == "TY  - ELEC"
    assert lines[1:3] == ["AU  - Hartmann, Lena", "AU  - Beridze, Tamar"]
    assert "TI  - Water & Power: Sharing the Amu Darya" in lines
    assert "DA  - 2024/03/05" in lines
    assert "KW  - Energy" in lines
    assert lines[-2:] == ["ER  - ", ""]


def test_csl_json_item(two_author_article, settings):
    csl = cited(two_author_article)["csl"]
    assert csl["type"] == "webpage"
    assert csl["title"] == "Water & Power: Sharing the Amu Darya"
    assert csl["container-title"] == settings.SITE_NAME
    assert csl["issued"] == {"date-parts": [[2024, 3, 5]]}
    assert csl["URL"] == two_author_article.public_url
    assert csl["author"][0] == {"family": "Hartmann", "given": "Lena"}
    assert csl["abstract"] == "Who gets the river."


def test_reports_are_csl_reports():
    article = make_article(article_type=Article.Type.REPORT, published_at=PUBLISHED)
    assert cited(article)["csl"]["type"] == "report"


def test_title_ending_in_question_mark_is_not_given_a_period():
    article = make_article(title="Is the corridor ready?", published_at=PUBLISHED)
    formats = cited(article)
    assert "“Is the corridor ready?”" in formats["chicago"]
    assert "Is the corridor ready? (2024" in formats["apa"]


@pytest.mark.parametrize(
    ("fmt", "content_type"),
    [
        ("bib", "application/x-bibtex"),
        ("ris", "application/x-research-info-systems"),
        ("json", "application/vnd.citationstyles.csl+json"),
    ],
)
def test_citation_downloads(client, two_author_article, fmt, content_type):
    response = client.get(f"/articles/water-and-power/cite.{fmt}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"] == f'attachment; filename="water-and-power.{fmt}"'
    body = response.content.decode()
    assert "Hartmann" in body


def test_csl_download_is_a_json_array_with_unescaped_unicode(client):
    make_article(slug="unicode", authors=[make_author(name="Марина Соколова")])
    response = client.get("/articles/unicode/cite.json")
    assert "Соколова" in response.content.decode()
    items = json.loads(response.content)
    assert items[0]["author"] == [{"family": "Соколова", "given": "Марина"}]


def test_citation_download_of_unpublished_article_is_404(client):
    make_draft(slug="secret")
    make_article(slug="later", published_at=datetime(2999, 1, 1, tzinfo=UTC))
    make_article(slug="old", status=Article.Status.ARCHIVED)
    for slug in ("secret", "later", "old"):
        assert client.get(f"/articles/{slug}/cite.bib").status_code == 404


def test_unknown_citation_format_is_404(client, two_author_article):
    assert client.get("/articles/water-and-power/cite.doc").status_code == 404


def test_citation_download_runs_constant_queries(client, django_assert_max_num_queries):
    make_article(slug="many", authors=[make_author() for _ in range(10)], topics=[make_topic()])
    with django_assert_max_num_queries(3):
        assert client.get("/articles/many/cite.ris").status_code == 200
