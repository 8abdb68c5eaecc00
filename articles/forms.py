"""Reader-facing forms: the search page's query and filters (a plain GET form)."""

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.forms.utils import flatatt
from django.urls import reverse_lazy
from django.utils.html import format_html, format_html_join

from .models import Article, ArticleAuthor, Author, Topic
from .search import MAX_QUERY_LENGTH

MAX_AUTHOR_MATCHES = 50  # authors a typed part of a name may stand for


class PlainSelect(forms.Select):
    """A <select> written in Python, as Django's templates write it: Django renders each
    option with two templates, which for the search form's topics took about 4 ms a page."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        if any(group_name for group_name, _, _ in widget["optgroups"]):
            return super().render(name, value, attrs, renderer)
        options = format_html_join(
            "",
            '\n  <option value="{}"{}>{}</option>',
            (
                (str(option["value"]), flatatt(option["attrs"]), option["label"])
                for _, group, _ in widget["optgroups"]
                for option in group
            ),
        )
        return format_html(
            '<select name="{}"{}>{}\n</select>', widget["name"], flatatt(widget["attrs"]), options
        )


class PlainInputMixin:
    """An <input> written in Python, as Django's template writes it (the search page has four
    of them: about 1 ms a page in templates)."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        shown = "" if widget["value"] is None else format_html(' value="{}"', str(widget["value"]))
        return format_html(
            '<input type="{}" name="{}"{}{}>',
            widget["type"],
            widget["name"],
            shown,
            flatatt(widget["attrs"]),
        )


class PlainTextInput(PlainInputMixin, forms.TextInput):
    pass


class PlainDateInput(PlainInputMixin, forms.DateInput):
    pass


class SearchForm(forms.Form):
    """What a researcher narrows a search by. A filter that does not validate is ignored
    (with its message shown); the query alone decides whether anything is searched."""

    SORT_CHOICES = [("relevance", "Most relevant"), ("newest", "Newest first")]

    q = forms.CharField(
        label="Search for",
        required=False,
        max_length=MAX_QUERY_LENGTH,
        widget=PlainTextInput(attrs={"type": "search", "autocomplete": "off"}),
        error_messages={
            "max_length": "Your search is too long: use at most %(limit_value)d characters "
            "(it has %(show_value)d).",
        },
    )
    type = forms.ChoiceField(
        label="Type",
        required=False,
        choices=[("", "All types"), *Article.Type.choices],
        widget=PlainSelect,
    )
    topic = forms.ChoiceField(label="Topic", required=False, widget=PlainSelect)
    # Typed, not chosen from a list: thousands of authors would make every search page
    # heavy. A name, part of one or a slug; the page suggests names as one types.
    author = forms.CharField(
        label="Author",
        required=False,
        max_length=100,
        help_text="A name or part of one.",
        widget=PlainTextInput(
            attrs={
                "list": "author-suggestions",
                "autocomplete": "off",
                "spellcheck": "false",
                "aria-describedby": "id_author-hint",
                "data-suggest-url": reverse_lazy("articles:search-authors"),
            }
        ),
    )
    published_from = forms.DateField(
        label="Published from",
        required=False,
        widget=PlainDateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date such as 2024-01-31."},
    )
    published_to = forms.DateField(
        label="Published until",
        required=False,
        widget=PlainDateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date such as 2024-12-31."},
    )
    sort = forms.ChoiceField(label="Sort", required=False, choices=SORT_CHOICES, widget=PlainSelect)

    def __init__(self, data=None, *, topics=()):
        """`topics`: (slug, name) of each topic to offer (`topic_choices`)."""
        super().__init__(data)
        self.fields["topic"].choices = [("", "All topics"), *topics]

    def full_clean(self):
        super().full_clean()
        unreadable_dates = [n for n in ("published_from", "published_to") if n in self.errors]
        if unreadable_dates:  # a date field cannot hold what is not a date: shown empty
            self.data = self.data.copy()
            for name in unreadable_dates:
                self.data.pop(name, None)
        for name in self.errors:
            if name in self.fields:  # the message under the field describes it
                attrs = self.fields[name].widget.attrs
                described = [f"id_{name}-error", attrs.get("aria-describedby", "")]
                attrs["aria-describedby"] = " ".join(filter(None, described))

    def clean_q(self):
        return " ".join(self.cleaned_data["q"].split())

    def clean_author(self):
        """The ids of the authors meant: the one with this slug or name, else every author
        whose name contains the text (one query)."""
        text = " ".join(self.cleaned_data["author"].split())
        if not text:
            return []
        found = list(
            self.author_matches(text).values_list("pk", "slug", "name")[: MAX_AUTHOR_MATCHES + 1]
        )
        exact = [pk for pk, slug, name in found if text == slug or name.lower() == text.lower()]
        if exact:
            return exact
        if not found:
            raise forms.ValidationError(f"No author’s name contains “{text}”.")
        if len(found) > MAX_AUTHOR_MATCHES:
            raise forms.ValidationError(
                f"More than {MAX_AUTHOR_MATCHES} authors’ names contain “{text}”: type more "
                "of the name."
            )
        return [pk for pk, _slug, _name in found]

    @staticmethod
    def author_matches(text):
        """Authors readers can see whose slug is `text` or whose name contains it."""
        return (
            Author.objects.public()
            .filter(Q(slug=text) | Q(name__icontains=text))
            .order_by("name", "pk")
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("published_from"), cleaned.get("published_to")
        if start and end and start > end:
            self.add_error("published_to", "The end date is before the start date.")
        return cleaned

    def value(self, name):
        """A field's cleaned value, or its empty value when it did not validate."""
        return self.cleaned_data.get(name) if self.is_bound and name not in self.errors else None

    def filter(self, articles):
        """`articles` narrowed by every filter that validated."""
        if kind := self.value("type"):
            articles = articles.filter(article_type=kind)
        if topic := self.value("topic"):
            articles = articles.filter(article_topics__topic__slug=topic)
        if authors := self.value("author"):
            by_them = ArticleAuthor.objects.filter(article=OuterRef("pk"), author__in=authors)
            articles = articles.filter(Exists(by_them))
        if start := self.value("published_from"):
            articles = articles.filter(published_at__date__gte=start)
        if end := self.value("published_to"):
            articles = articles.filter(published_at__date__lte=end)
        return articles

    @property
    def newest_first(self):
        return self.value("sort") == "newest"

    @property
    def has_filters(self):
        return any(
            self.value(name)
            for name in ("type", "topic", "author", "published_from", "published_to")
        )

    # Those with a published article: one index probe each (`public()`), not a join over
    # every published article made distinct (about 90 ms each at 100,000 articles).
    @staticmethod
    def topic_choices():
        return list(Topic.objects.public().order_by("name").values_list("slug", "name"))
