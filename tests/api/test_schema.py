"""The OpenAPI contract and its offline docs."""

import pytest
import yaml

pytestmark = pytest.mark.django_db


def test_schema_describes_every_endpoint_and_its_problem_responses(api):
    response = api.get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert set(paths) == {
        "/api/v1/articles/",
        "/api/v1/articles/{slug}/",
        "/api/v1/articles/{slug}/revisions/",
        "/api/v1/authors/",
        "/api/v1/authors/{slug}/",
        "/api/v1/topics/",
        "/api/v1/topics/{slug}/",
        "/api/v1/changes/",
    }
    for path, operations in paths.items():
        responses = operations["get"]["responses"]
        for status in ("400", "401", "404", "429", "500"):
            assert "application/problem+json" in responses[status]["content"], (path, status)
        assert "304" in responses
    assert "403" in paths["/api/v1/articles/{slug}/revisions/"]["get"]["responses"]
    names = {p["name"] for p in paths["/api/v1/articles/"]["get"]["parameters"]}
    assert names == {
        "author", "topic", "type", "published_after", "published_before", "updated_since",
        "search", "ordering", "fields", "page", "page_size",
    }  # fmt: skip
    assert "ApiKey" in schema["components"]["securitySchemes"]


def test_docs_are_served_offline_under_the_content_security_policy(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>" not in html.replace(" ", "")  # no inline script: CSP says script-src 'self'
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    script = api.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()
