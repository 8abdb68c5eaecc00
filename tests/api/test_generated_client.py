"""A client generated from the served schema with openapi-python-client works: it asks for two
sparse fields, an ordering by its readable name, walks by cursor and sends X-Api-Key, and
every answer parses into its typed models. (No network: the schema comes from the test
server, the generator runs here.)"""

import importlib
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import make_key
from tests.factories import make_article, make_author

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def generated_client(live_server, tmp_path):
    schema = tmp_path / "schema.yaml"
    schema.write_bytes(httpx.get(f"{live_server.url}/api/v1/schema/").content)
    config = tmp_path / "config.yaml"
    config.write_text("package_name_override: cpc_partner_client\n")
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [bin_dir / "openapi-python-client", "generate", "--path", schema, "--config", config,
         "--meta", "none", "--output-path", tmp_path / "cpc_partner_client"],
        check=True,
        capture_output=True,
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
    )  # fmt: skip
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module("cpc_partner_client")
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.startswith("cpc_partner_client")]:
            del sys.modules[name]


def test_a_generated_client_asks_for_two_sparse_fields_and_parses_the_answer(
    generated_client, live_server
):
    from cpc_partner_client import AuthenticatedClient, Client
    from cpc_partner_client.api.articles import articles_list, articles_retrieve
    from cpc_partner_client.models import (
        ArticleDetail,
        ArticlesListFieldsItem,
        ArticlesListOrdering,
        ArticleSummary,
        ArticleSummarySparse,
    )
    from cpc_partner_client.types import UNSET

    author = make_author(name="Lena Hartmann")
    for n in range(3):
        make_article(title=f"Corridor note {n}", authors=[author])
    client = Client(base_url=live_server.url)

    sparse = articles_list.sync(
        client=client, fields=[ArticlesListFieldsItem.TITLE, ArticlesListFieldsItem.SLUG]
    )
    item = sparse.results[0]
    assert isinstance(item, ArticleSummarySparse)
    assert item.title == "Corridor note 2" and item.slug == "corridor-note-2"
    assert item.authors is UNSET and item.to_dict() == {
        "title": "Corridor note 2",
        "slug": "corridor-note-2",
    }

    full = articles_list.sync(
        client=client, ordering=ArticlesListOrdering.TITLE, page_size=2
    )  # every field present: the typed model, required fields not optional
    assert all(isinstance(result, ArticleSummary) for result in full.results)
    assert [r.title for r in full.results] == ["Corridor note 0", "Corridor note 1"]
    assert full.results[0].authors[0].name == "Lena Hartmann"
    rest = articles_list.sync(
        client=client, ordering=ArticlesListOrdering.TITLE, page_size=2, cursor=full.next_cursor
    )
    assert [r.title for r in rest.results] == ["Corridor note 2"] and rest.next_cursor is None

    _, secret = make_key()
    keyed = AuthenticatedClient(
        base_url=live_server.url, token=secret, prefix="", auth_header_name="X-Api-Key"
    )
    detail = articles_retrieve.sync_detailed(slug="corridor-note-1", client=keyed)
    assert detail.status_code == 200 and isinstance(detail.parsed, ArticleDetail)
    assert detail.parsed.body_text.startswith("First paragraph")
    assert "RateLimit" in detail.headers
