"""Authors' and topics' names by language: what pages of a language show, and what is refused."""

import pytest
from django.core.exceptions import ValidationError

from articles.models import Author, Topic
from tests.factories import make_author

pytestmark = pytest.mark.django_db


def test_name_in_a_language_falls_back_to_the_main_name():
    author = make_author(name="Marina Sokolova", names={"ru": "Марина Соколова"})
    assert author.localized_name("ru") == ("Марина Соколова", "ru")
    assert author.localized_name("ru-RU") == ("Марина Соколова", "ru")
    assert author.localized_name("az") == ("Marina Sokolova", "en")


@pytest.mark.parametrize(
    "names", [["Марина"], {"ru": ""}, {"Russian": "Марина"}, {"ru": 5}, "Марина"]
)
def test_malformed_names_are_refused(names):
    with pytest.raises(ValidationError):
        Author(name="Marina Sokolova", slug="marina", names=names).full_clean()
    with pytest.raises(ValidationError):
        Topic(name="Energy", slug="energy", names=names).full_clean()


def test_admin_refuses_malformed_names(admin_client):
    response = admin_client.post(
        "/admin/articles/author/add/",
        {"name": "Marina Sokolova", "names": '["Марина"]', "slug": "", "role": "", "bio": ""},
    )
    assert response.status_code == 200
    assert "Give names by language code" in response.content.decode()
    assert not Author.objects.exists()
