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
        "author", "topic", "type", "language", "published_after", "published_before",
        "updated_since",
        "search", "ordering", "fields", "page", "page_size", "cursor",
    }  # fmt: skip
    assert {"ApiKey", "XApiKey"} <= set(schema["components"]["securitySchemes"])


def test_schema_says_what_clients_may_send_and_what_they_get(api):
    schema = yaml.safe_load(api.get("/api/v1/schema/").content)
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/articles/"]["get"]["parameters"]}
    fields = parameters["fields"]
    assert (fields["style"], fields["explode"], fields["schema"]["type"]) == ("form", True, "array")
    ordering = parameters["ordering"]["schema"]
    names = dict(zip(ordering["enum"], ordering["x-enum-varnames"], strict=True))
    assert names["-published_at"] == "PUBLISHED_AT_DESC" and names["title"] == "TITLE"
    components = schema["components"]["schemas"]
    summary = components["ArticleSummary"]
    assert set(summary["required"]) == set(summary["properties"])  # always all present
    assert "required" not in components["ArticleSummarySparse"]  # with fields=
    assert set(components["Author"]["required"]) >= {"slug", "bio", "role"}
    items = components["PaginatedArticleSummaryList"]["properties"]["results"]["items"]
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in items["anyOf"]] == [
        "ArticleSummary",
        "ArticleSummarySparse",
    ]
    text = api.get("/api/v1/schema/").content.decode()
    assert "next:" not in text and "previous:" not in text  # next_url, previous_url


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
