import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def isolated_media_and_cache(settings, tmp_path):
    """Uploads go to a temporary folder and every test starts with an empty cache."""
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def publisher(db):
    from tests.factories import make_user

    return make_user("publisher", role="Publisher")


@pytest.fixture
def editor(db):
    from tests.factories import make_user

    return make_user("editor", role="Editor")


@pytest.fixture
def contributor(db):
    from tests.factories import make_user

    return make_user("contributor", role="Contributor")


@pytest.fixture(autouse=True)
def response_cache_off(settings):
    """The response and fragment caches are off unless a test turns them on (test_caching)."""
    settings.RESPONSE_CACHE_SECONDS = 0
    settings.FRAGMENT_CACHE_SECONDS = 0
