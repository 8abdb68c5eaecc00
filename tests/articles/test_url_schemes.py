"""Editor-supplied addresses are http(s) (author links: mailto too): admin, imports, output."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from articles.models import Author, Image
from tests.admin_forms import admin_form_data
from tests.factories import image_upload, make_article, make_author

pytestmark = pytest.mark.django_db

HOSTILE = ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>", "ftp://x.org/a"]


@pytest.mark.parametrize("link", HOSTILE + ["vbscript:msgbox(1)", "//evil.example/x"])
def test_the_admin_refuses_an_author_link_that_is_not_http_or_mailto(client, publisher, link):
    author = make_author(name="Nadia Fellow")
    client.force_login(publisher)
    url = f"/admin/articles/author/{author.pk}/change/"
    response = client.post(url, admin_form_data(client, url, links=f"https://ok.example\n{link}"))
    assert response.status_code == 200
    assert "is not a web address" in response.content.decode()
    author.refresh_from_db()
    assert author.links == ""


def test_the_admin_keeps_web_and_mailto_author_links(client, publisher):
    author = make_author(name="Omar Fellow")
    client.force_login(publisher)
    url = f"/admin/articles/author/{author.pk}/change/"
    links = "https://omar.example/\nmailto:omar@example.org"
    response = client.post(url, admin_form_data(client, url, links=links))
    assert response.status_code == 302
    author.refresh_from_db()
    assert author.link_list == ["https://omar.example/", "mailto:omar@example.org"]


@pytest.mark.parametrize("link", HOSTILE)
def test_the_admin_refuses_an_image_credit_url_that_is_not_http(client, publisher, link):
    client.force_login(publisher)
    url = "/admin/articles/image/add/"
    data = admin_form_data(client, url, alt="A pipeline", credit="Agency", credit_url=link)
    data["file"] = image_upload()
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Enter a" in response.content.decode()
    assert not Image.objects.exists()


def exported(tmp_path):
    call_command("export_articles", output=str(tmp_path / "content.json"), stdout=StringIO())
    return json.loads((tmp_path / "content.json").read_text())


def import_json(tmp_path, data):
    (tmp_path / "changed.json").write_text(json.dumps(data))
    out = StringIO()
    try:
        call_command(
            "import_articles",
            str(tmp_path / "changed.json"),
            stdout=out,
            stderr=out,
            user="publisher",
        )
    except CommandError as failed:  # items failed: the report is still written
        out.write(str(failed))
    return out.getvalue()


def test_an_import_refuses_a_javascript_author_link_and_source_url(publisher, tmp_path):
    author = make_author(name="Pavel Fellow", links="https://pavel.example/")
    make_article(title="On gas", authors=[author], sources=1)
    data = exported(tmp_path)
    data["authors"][0]["links"] = "javascript:alert(document.cookie)"
    data["articles"][0]["sources"][0]["url"] = "javascript:alert(1)"
    output = import_json(tmp_path, data)
    assert "failed" in output and "0 failed" not in output.split("all items:")[-1]
    author.refresh_from_db()
    assert author.links == "https://pavel.example/"
    assert all(
        not s.startswith("javascript")
        for s in author.article_links.values_list("article__sources__url", flat=True)
        if s
    )


def test_links_stored_before_the_rule_are_left_out_of_pages_and_the_api(client):
    author = make_author(name="Rhea Fellow")
    # As an old row would hold it (written before the validator existed).
    Author.objects.filter(pk=author.pk).update(
        links="https://rhea.example/\njavascript:alert(1)\ndata:text/html,x"
    )
    make_article(title="On oil", authors=[author])
    page = client.get(author.get_absolute_url()).content.decode()
    assert "https://rhea.example/" in page and "javascript:" not in page and "data:text" not in page
    api = client.get(f"/api/v1/authors/{author.slug}/").json()
    assert api["links"] == ["https://rhea.example/"]
