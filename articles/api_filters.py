"""Filters of the article list, and the strict checking of every query parameter.

An unknown parameter, a repeated one, an empty one or a value that does not parse is a 400
naming the parameter: partners never get results they did not ask for.
"""

from datetime import UTC

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.rest_framework import DjangoFilterBackend

from cpc_site.api_errors import InvalidParameters

from . import changes, languages
from .models import Article, Author, Topic
from .search import MAX_QUERY_LENGTH, search_articles

ORDERINGS = {
    "-published_at": ("-published_at", "-pk"),
    "published_at": ("published_at", "pk"),
    "-updated_at": ("-updated_at", "-pk"),
    "updated_at": ("updated_at", "pk"),
    "title": ("title", "pk"),
}
ORDERING_LABELS = {
    "-published_at": "newest first",
    "published_at": "oldest first",
    "-updated_at": "last edited first",
    "updated_at": "least recently edited first",
    "title": "by title",
}


def check_query_params(request, allowed, repeatable=frozenset()):
    """Refuse unknown and empty query parameters, and repeated ones but `repeatable`,
    naming each one."""
    problems = []
    for name in request.query_params:
        values = request.query_params.getlist(name)
        if name not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            problems.append((name, f"Unknown parameter. This endpoint accepts: {known}."))
        elif len(values) > 1 and name not in repeatable:
            problems.append((name, "Give this parameter once."))
        elif not all(value.strip() for value in values):
            problems.append((name, "Must not be empty."))
    if problems:
        raise InvalidParameters(problems)


class StrictDateTimeField(forms.DateTimeField):
    """ISO 8601 date or date-time; without an offset it is read in UTC."""

    def to_python(self, value):
        result = super().to_python(value)
        if result is None:
            return None
        try:
            return result.astimezone(UTC)
        except (OverflowError, ValueError):
            raise ValidationError("The date is out of range.", code="invalid") from None


class StrictDateTimeFilter(django_filters.DateTimeFilter):
    field_class = StrictDateTimeField


class ArticleFilter(django_filters.FilterSet):
    author = django_filters.ModelChoiceFilter(
        field_name="article_authors__author",
        to_field_name="slug",
        queryset=Author.objects.all(),
        label="Author slug: only articles by this author.",
        error_messages={"invalid_choice": "No author has this slug."},
    )
    topic = django_filters.ModelChoiceFilter(
        field_name="article_topics__topic",
        to_field_name="slug",
        queryset=Topic.objects.all(),
        label="Topic slug: only articles on this topic.",
        error_messages={"invalid_choice": "No topic has this slug."},
    )
    type = django_filters.ChoiceFilter(
        field_name="article_type",
        choices=Article.Type.choices,
        label="Article type.",
        error_messages={"invalid_choice": "Unknown type; see the schema for the values."},
    )
    language = django_filters.ChoiceFilter(
        choices=languages.choices(),
        label="Language (BCP 47 code): only articles in this language; a search then parses "
        "the words by that language's rules.",
        error_messages={"invalid_choice": "Not one of the site's languages; see the schema."},
    )
    published_after = StrictDateTimeFilter(
        field_name="published_at",
        lookup_expr="gte",
        label="Published at or after this time (ISO 8601; UTC without an offset).",
    )
    published_before = StrictDateTimeFilter(
        field_name="published_at",
        lookup_expr="lt",
        label="Published before this time (ISO 8601; UTC without an offset).",
    )
    updated_since = StrictDateTimeFilter(
        method="filter_updated_since",
        label="Changed for readers at or after this time (ISO 8601; UTC without an offset): "
        "an edit, a change of an author, topic or image it shows, or its publication. "
        "Read from the change log, by commit time; removals are in /api/v1/changes/.",
    )
    search = django_filters.CharFilter(
        method="filter_search",
        max_length=MAX_QUERY_LENGTH,
        label=(
            'Full-text search (`websearch` syntax: "a phrase", or, -word); '
            "the 200 most relevant matches, best first (at most 200 characters). Combine it "
            "with the other filters, and with `ordering=-published_at` for newest first."
        ),
    )
    ordering = django_filters.ChoiceFilter(
        method="filter_ordering",
        choices=list(ORDERING_LABELS.items()),
        label="Sort order; `-published_at` unless searching (then by relevance).",
        error_messages={"invalid_choice": "Unknown ordering; see the schema for the values."},
    )

    class Meta:
        model = Article
        fields = []

    def filter_search(self, queryset, name, value):
        return search_articles(queryset, value, language=self.form.cleaned_data.get("language"))

    def filter_updated_since(self, queryset, name, value):
        key = getattr(self.request, "auth", None)
        audiences = changes.audiences_for(key if hasattr(key, "can_see_embargoed") else None)
        return queryset.filter(changes.changed_since(value, audiences))

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])


class StrictFilterBackend(DjangoFilterBackend):
    """Apply the view's FilterSet on lists; a value that does not validate is a 400."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "action", None) != "list":
            return queryset
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not set(request.query_params) & set(
            filterset_class.base_filters
        ):
            # No filter asked for (most requests): no form to build and validate, and the
            # model's own ordering (newest first) stands.
            return queryset
        filterset = self.get_filterset(request, queryset, view)
        if not filterset.is_valid():
            raise InvalidParameters(
                (name, str(message))
                for name, messages in filterset.errors.items()
                for message in messages
            )
        return filterset.qs
