import math
import uuid
from collections import Counter

from anyascii import anyascii
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import FileExtensionValidator, MaxValueValidator, MinValueValidator
from django.db import connections, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import RowNumber
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.text import Truncator, slugify
from django.utils.translation import pgettext_lazy
from django_prose_editor.fields import ProseEditorField

from . import languages, translations
from .credits import Credit, first_real_paragraph, licence_url, web_link
from .documents import pdf_page_count, validate_document_file
from .history import article_history, content_history
from .images import CleanImageFile, clean_upload, rendition_url, validate_image_file
from .sanitize import html_to_text, sanitize_html
from .validators import is_safe_link, validate_link_lines, validate_web_url
from .write_path import WritePathModel

WORDS_PER_MINUTE = 230
BODY_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Strike": True,
    "Underline": True,
    "Subscript": True,
    "Superscript": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "Table": True,
    "TableRow": True,
    "TableHeader": True,
    "TableCell": True,
    "History": True,
}


def _slug_base(text, max_length, fallback):
    return slugify(anyascii(text or ""))[: max_length - 10].strip("-") or fallback


def unique_slugs(model, texts, *, max_length=200, fallback="item"):
    """`unique_slug` for many new rows at once: never taken, never the same twice. One query
    when every base slug is new and named once (an import's usual batch), two otherwise."""
    bases = [_slug_base(text, max_length, fallback) for text in texts]
    if not bases:
        return []
    others = model._default_manager.all()
    if hasattr(others, "originals"):
        others = others.originals()
    taken = set(others.filter(slug__in=set(bases)).values_list("slug", flat=True))
    # Only a base already taken, or wanted twice, needs to know which of its numbered
    # forms ("base-2", …) are free.
    numbered = taken | {base for base, count in Counter(bases).items() if count > 1}
    if numbered:
        wanted = models.Q(
            *(models.Q(slug__startswith=f"{base}-") for base in numbered), _connector=models.Q.OR
        )
        taken |= set(others.filter(wanted).values_list("slug", flat=True))
    slugs = []
    for base in bases:
        slug, counter = base, 2
        while slug in taken:
            slug, counter = f"{base}-{counter}", counter + 1
        taken.add(slug)
        slugs.append(slug)
    return slugs


def unique_slug(model, text, *, instance=None, max_length=200, fallback="item"):
    """A slug from any script (transliterated to ASCII), never empty, never taken."""
    base = _slug_base(text, max_length, fallback)
    others = model._default_manager.all()
    if hasattr(others, "originals"):
        others = others.originals()  # a working copy holds its live article's address
    if instance is not None and instance.pk:
        others = others.exclude(pk=instance.pk)
    taken = set(others.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug


class Image(WritePathModel):
    class Renditions(models.TextChoices):
        PENDING = "pending", "Being prepared"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    file = models.ImageField(
        upload_to="images/%Y/%m/",
        width_field="width",
        height_field="height",
        validators=[
            FileExtensionValidator(["jpg", "jpeg", "png", "webp", "gif"]),
            validate_image_file,
        ],
        help_text="JPEG, PNG, WebP or GIF. Resized copies for every screen are made after "
        "saving, in the background; pages show the original until they are ready.",
    )
    alt_text = models.CharField(
        max_length=300,
        help_text="What the image shows, for readers who cannot see it. Required.",
    )
    caption = models.CharField(max_length=500, blank=True)
    credit = models.CharField(
        max_length=200,
        blank=True,
        help_text='Shown as "Image source: …", e.g. "president.az (2019)".',
    )
    credit_url = models.URLField(
        blank=True, validators=[validate_web_url], help_text="Link for the credit, if any."
    )
    licence = models.CharField(max_length=100, blank=True, help_text="e.g. CC BY 4.0.")
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    focal_x = models.FloatField(
        "focal point across",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="What cropped copies keep in view: 0 is the left edge, 1 the right edge. "
        "Click the preview to set it.",
    )
    focal_y = models.FloatField(
        "focal point down",
        default=0.5,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="0 is the top edge, 1 the bottom edge.",
    )
    content_hash = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        editable=False,
        help_text="SHA-256 of the decoded pixels (articles.images.pixel_hash): finds duplicates.",
    )
    renditions = models.JSONField(default=list, editable=False, blank=True)
    renditions_status = models.CharField(
        max_length=10,
        choices=Renditions.choices,
        default=Renditions.PENDING,
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    import_key = models.CharField(
        max_length=300, null=True, blank=True, unique=True, editable=False
    )

    history = content_history()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.caption or self.alt_text

    def save(self, *args, **kwargs):
        if self.file and not self.file._committed:
            self._store_clean_upload()
        super().save(*args, **kwargs)

    def _store_clean_upload(self):
        """Keep Pillow's re-encoding of a new upload, under a generated name (once: the admin
        form hands over the file it cleaned already)."""
        upload = self.file.file
        clean = upload if isinstance(upload, CleanImageFile) else clean_upload(upload)
        self.file.save(clean.name, clean, save=False)
        self.content_hash = clean.content_hash
        self.width, self.height = clean.image_size

    def mark_renditions_due(self):
        """Before a save: whether the renditions must be made (again) because the file or the
        focal point changed, and the renditions dropped now. A new file's old renditions go at
        once (they show another picture); after a focal point change the old ones serve until
        the new ones are made."""
        stored = (
            None
            if self._state.adding
            else Image.objects.filter(pk=self.pk).values("file", "focal_x", "focal_y").first()
        )
        file_changed = (
            stored is None or not self.file._committed or stored["file"] != self.file.name
        )
        if not file_changed and (stored["focal_x"], stored["focal_y"]) == (
            self.focal_x,
            self.focal_y,
        ):
            return False, []
        dropped = []
        if file_changed:
            dropped, self.renditions = self.renditions, []
        self.renditions_status = self.Renditions.PENDING
        return True, dropped

    @property
    def renditions_pending(self):
        return self.renditions_status == self.Renditions.PENDING

    @property
    def credit_link(self):
        """The credit URL when it is a web address (imports skip form validation)."""
        return web_link(self.credit_url)

    @property
    def credit_data(self):
        return Credit(self.credit, self.credit_url, self.licence)

    def srcset(self, image_format="webp"):
        return ", ".join(
            f"{rendition_url(r)} {r['width']}w"
            for r in self.renditions
            if r["format"] == image_format and not r.get("purpose")
        )

    @property
    def fallback_srcset(self):
        return self.srcset(self.fallback_format)

    @property
    def fallback_format(self):
        formats = [
            r["format"] for r in self.renditions if r["format"] != "webp" and not r.get("purpose")
        ]
        return formats[0] if formats else "webp"

    def rendition_list(self):
        return [{**r, "url": rendition_url(r)} for r in self.renditions if not r.get("purpose")]

    @property
    def social_card(self):
        """The 1200×630 cut for shared links (around the focal point), once it is made."""
        return next((r for r in self.renditions if r.get("purpose") == "social"), None)

    @property
    def social_card_url(self):
        card = self.social_card
        return rendition_url(card) if card else self.file.url

    @property
    def social_card_width(self):
        return self.social_card["width"] if self.social_card else self.width

    @property
    def social_card_height(self):
        return self.social_card["height"] if self.social_card else self.height


class ProfileQuerySet(models.QuerySet):
    """Authors and topics."""

    def public(self):
        """Those readers may see: with at least one published article (pages, feeds, the
        API and the sitemap all ask this)."""
        relation = {Author: "authors", Topic: "topics"}[self.model]
        published = Article.objects.published().filter(**{relation: OuterRef("pk")})
        return self.filter(Exists(published))


class LocalizedNameMixin:
    """Per-language display names (`names`): the name readers of a language see."""

    def name_in(self, language):
        return self.localized_name(language)[0]

    def localized_name(self, language):
        """(name, its language) for a page in `language`: the name given for that language,
        else the main name, which is in the site's default language."""
        names = self.names or {}
        for code in (language, (language or "").split("-")[0]):
            if code and names.get(code):
                return names[code], code
        return self.name, languages.default_language()


class Author(LocalizedNameMixin, WritePathModel):
    name = models.CharField(max_length=200)
    names = models.JSONField(
        "names in other languages",
        default=dict,
        blank=True,
        validators=[languages.validate_names],
        help_text="The name as pages in other languages show it, by language code, e.g. "
        '{"ru": "…", "az": "…"}. Pages in a language not listed show the name above.',
    )
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    role = models.CharField(max_length=200, blank=True, help_text="e.g. Senior Fellow, Energy.")
    bio = models.TextField(blank=True)
    photo = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    links = models.TextField(
        blank=True,
        validators=[validate_link_lines],
        help_text="One link per line: web addresses (https://…) or mailto:someone@example.org.",
    )
    import_key = models.CharField(
        max_length=300, null=True, blank=True, unique=True, editable=False
    )

    history = content_history()
    objects = ProfileQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Author, self.name, instance=self, fallback="author")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:author-detail", kwargs={"slug": self.slug})

    @property
    def link_list(self):
        """The links as shown (any stored before the scheme rule that break it are left out)."""
        lines = (line.strip() for line in self.links.splitlines())
        return [line for line in lines if line and is_safe_link(line)]

    @property
    def short_bio(self):
        """The first paragraph of the bio, at most 60 words (the box under articles)."""
        first = self.bio.strip().split("\n\n")[0]
        return Truncator(" ".join(first.split())).words(60)


class Topic(LocalizedNameMixin, WritePathModel):
    class Kind(models.TextChoices):
        TOPIC = "topic", "Topic"
        REGION = "region", "Region"
        SERIES = "series", "Series"

    name = models.CharField(max_length=200)
    names = models.JSONField(
        "names in other languages",
        default=dict,
        blank=True,
        validators=[languages.validate_names],
        help_text="The name as pages in other languages show it, by language code, e.g. "
        '{"ru": "…", "az": "…"}. Pages in a language not listed show the name above.',
    )
    slug = models.SlugField(max_length=200, unique=True, blank=True)
    kind = models.CharField(max_length=20, choices=Kind, default=Kind.TOPIC)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        help_text="The broader topic this one belongs to (e.g. an imported category hierarchy).",
    )
    import_key = models.CharField(
        max_length=300, null=True, blank=True, unique=True, editable=False
    )

    history = content_history()
    objects = ProfileQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Topic, self.name, instance=self, fallback="topic")
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:topic-detail", kwargs={"slug": self.slug})


def byline_prefetch(*, with_photos=False):
    """The authors of each article, in byline order (`Article.ordered_authors`); the article
    page's author boxes also show their photos."""
    related = ("author", "author__photo") if with_photos else ("author",)
    return models.Prefetch(
        "article_authors", queryset=ArticleAuthor.objects.select_related(*related)
    )


def listing_prefetches():
    """What feeds and the API show of each article in a list, beyond its row and its hero
    image: the byline and the topics (`Article.topic_list`)."""
    return [
        byline_prefetch(),
        models.Prefetch("article_topics", queryset=ArticleTopic.objects.select_related("topic")),
    ]


def detail_prefetches():
    """What the article page and the API detail show beyond the row and its hero image: the
    listing's rows, the authors' photos (the author boxes), sources, corrections, documents."""
    return [
        byline_prefetch(with_photos=True),
        *listing_prefetches()[1:],
        "sources",
        "corrections",
        "documents",
    ]


def load_published_translations(articles):
    """Fill `published_translations` of many articles with one query (lists, the API)."""
    groups = {a.translation_group for a in articles if a.translation_group}
    members = {}
    if groups:
        found = (
            Article.objects.published()
            .originals()
            .filter(translation_group__in=groups)
            .only(*TRANSLATION_LINK_FIELDS)
            .order_by("language", "pk")
        )
        for other in found:
            members.setdefault(other.translation_group, []).append(other)
    for article in articles:
        own = article.working_copy_of_id or article.pk
        article.__dict__["published_translations"] = [
            other for other in members.get(article.translation_group, []) if other.pk != own
        ]


def translation_group_members(article_ids):
    """Ids of the live articles that share a translation group with any of `article_ids`:
    their pages show one another (hreflang alternates, language switcher, JSON-LD), so a
    change readers see of one is a change of the others (`articles.hooks.register_dependents`)."""
    groups = Article.objects.filter(pk__in=article_ids).values("translation_group")
    return set(
        Article.objects.published()
        .originals()
        .filter(translation_group__in=groups)
        .values_list("pk", flat=True)
    )


# What a link to a translation needs (pages' switcher and alternates, the API, JSON-LD).
TRANSLATION_LINK_FIELDS = [
    "pk", "title", "slug", "language", "translation_group", "translated_from", "published_at",
    "status",
]  # fmt: skip


# What a link in a list of articles shows ("More from <author>").
LINK_COLUMNS = ("id", "slug", "title", "language", "published_at")


class ArticleQuerySet(models.QuerySet):
    def own_conditions(self):
        """(SQL, parameters) of this queryset's conditions, compiled by the ORM with the
        columns named by the articles table, for a query written as SQL; None when the
        queryset joins other tables or is sliced or combined (then its WHERE clause alone
        does not say which rows it holds)."""
        query = self.query
        if len(query.alias_map) > 1 or query.is_sliced or query.combinator:
            return None
        if not query.where:
            return "TRUE", []
        condition, params = query.get_compiler(self.db).compile(query.where)
        return f"({condition})", list(params)

    def published(self):
        """The one visibility rule: published and due. Everything public goes through it."""
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())

    def scheduled(self):
        return self.filter(status=Article.Status.PUBLISHED, published_at__gt=timezone.now())

    def for_listing(self):
        """What feeds and the API show of each article in a list (`listing_prefetches`)."""
        return self.select_related("hero_image").prefetch_related(*listing_prefetches())

    def for_detail(self):
        """The article page and the API detail: the listing's rows, the authors' photos (the
        author boxes), sources and corrections."""
        return self.select_related("hero_image").prefetch_related(*detail_prefetches())

    def latest_by_authors(self, author_ids, *, excluding=None, per_author=3):
        """{author id: their `per_author` newest articles of this queryset}, in one query
        ("More from <author>"), newest first. Rows carry what a link shows, and the author's
        name (`box_author_name`)."""
        if not author_ids:
            return {}
        if connections[self.db].vendor == "postgresql":
            rows = self._latest_lateral(author_ids, excluding=excluding, per_author=per_author)
        else:  # SQLite (development): numbered by a window function over all their rows
            rows = self._latest_numbered(author_ids, excluding=excluding, per_author=per_author)
        found = {}
        for article in rows:
            found.setdefault(article.box_author, []).append(article)
        for latest in found.values():
            latest.sort(key=lambda article: (article.published_at, article.pk), reverse=True)
        return found

    def _latest_lateral(self, author_ids, *, excluding, per_author):
        """One newest-first slice per author (a LATERAL join), so each stops after
        `per_author` rows however much the author wrote. Written as SQL: the article page
        runs it for every response, and building the same query with the ORM (a union of
        one slice per author) cost several times its execution. The slices keep this
        queryset's conditions (e.g. `published()`), compiled by the ORM."""
        conditions = self.own_conditions()
        if conditions is None:
            raise ValueError("latest_by_authors() needs a queryset filtered on its own table")
        condition, params = conditions
        name = connections[self.db].ops.quote_name
        article = name(Article._meta.db_table)
        if excluding is not None:
            condition = f"{condition} AND {article}.{name('id')} <> %s"
            params = [*params, excluding]
        sql = f"""
            SELECT latest.*, author.{name("id")} AS box_author,
                   author.{name("name")} AS box_author_name
            FROM {name(Author._meta.db_table)} author
            CROSS JOIN LATERAL (
                SELECT {", ".join(f"{article}.{name(column)}" for column in LINK_COLUMNS)}
                FROM {article}
                JOIN {name(ArticleAuthor._meta.db_table)} link
                  ON link.{name("article_id")} = {article}.{name("id")}
                WHERE link.{name("author_id")} = author.{name("id")} AND {condition}
                ORDER BY {article}.{name("published_at")} DESC, {article}.{name("id")} DESC
                LIMIT %s
            ) latest
            WHERE author.{name("id")} = ANY(%s)
        """  # noqa: S608 (names from the models, values as parameters)
        return Article.objects.db_manager(self.db).raw(
            sql, [*params, per_author, [int(pk) for pk in author_ids]]
        )

    def _latest_numbered(self, author_ids, *, excluding, per_author):
        links = (
            ArticleAuthor.objects.filter(author__in=author_ids, article__in=self)
            .exclude(article=excluding)
            .select_related("article", "author")
            .annotate(
                newest=models.Window(
                    RowNumber(),
                    partition_by=[models.F("author_id")],
                    order_by=[
                        models.F("article__published_at").desc(),
                        models.F("article_id").desc(),
                    ],
                )
            )
            .filter(newest__lte=per_author)
        )
        for link in links:
            link.article.box_author = link.author_id
            link.article.box_author_name = link.author.name
            yield link.article

    def originals(self):
        """Articles themselves, without the working copies of live articles."""
        return self.filter(working_copy_of__isnull=True)

    def in_language(self, language):
        return self.filter(language=language)

    def translations_of(self, article):
        """The other articles of the article's translation group, in language order."""
        if article.translation_group is None:
            return self.none()
        return (
            self.filter(translation_group=article.translation_group)
            .originals()
            .exclude(pk=article.working_copy_of_id or article.pk)
            .order_by("language", "pk")
        )

    def awaiting_review(self):
        return self.filter(status=Article.Status.IN_REVIEW)


class FeedState(models.TextChoices):
    """What the change log last told about an article: nothing (or removed), scheduled (told
    to embargo-scoped partners only), or live (told to everyone)."""

    NONE = "none", "Not announced"
    SCHEDULED = "scheduled", "Announced as embargoed"
    LIVE = "live", "Announced as published"


class Article(WritePathModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        CHANGES_REQUESTED = "changes_requested", "Changes requested"
        PUBLISHED = "published", "Published"
        ARCHIVED = "archived", "Archived"

    class Type(models.TextChoices):
        # Labels in the reader's language: pages show them.
        ANALYSIS = "analysis", pgettext_lazy("article type", "Analysis")
        COMMENTARY = "commentary", pgettext_lazy("article type", "Commentary")
        REPORT = "report", pgettext_lazy("article type", "Report")
        EVENT_SUMMARY = "event_summary", pgettext_lazy("article type", "Event summary")
        NEWS = "news", pgettext_lazy("article type", "News")

    title = models.CharField(max_length=300)
    language = models.CharField(
        max_length=35,
        choices=languages.choices,
        default=languages.default_language,
        db_index=True,
        help_text="The language the article is written in.",
    )
    slug = models.SlugField(
        max_length=200,
        blank=True,
        help_text="The address of the article. Made from the title when left empty; "
        "changing it later keeps the old address working.",
    )
    dek = models.CharField("subtitle (dek)", max_length=500, blank=True)
    summary = models.TextField(
        blank=True, help_text="One or two sentences; used as the excerpt in lists and feeds."
    )
    body = ProseEditorField(extensions=BODY_EDITOR_EXTENSIONS, sanitize=sanitize_html, blank=True)
    article_type = models.CharField(max_length=20, choices=Type, default=Type.ANALYSIS)
    hero_image = models.ForeignKey(
        Image, null=True, blank=True, on_delete=models.SET_NULL, related_name="hero_of"
    )
    image_credit = models.CharField(
        max_length=200,
        blank=True,
        help_text="Credit of the article's picture when the hero image has none or there is no "
        'image file (yet): shown as "Image source: …", e.g. "president.az (2019)". Never put '
        "it in the body.",
    )
    image_credit_url = models.URLField(blank=True, help_text="Link for that credit, if any.")
    image_licence = models.CharField(
        max_length=100, blank=True, help_text="Licence of the picture, e.g. CC BY 4.0."
    )
    authors = models.ManyToManyField(Author, through="ArticleAuthor", related_name="articles")
    topics = models.ManyToManyField(Topic, through="ArticleTopic", related_name="articles")
    status = models.CharField(max_length=20, choices=Status, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        db_index=True,
        help_text="When the article goes live. A future time schedules it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    reading_time = models.PositiveSmallIntegerField(default=1, editable=False, help_text="Minutes.")
    licence = models.CharField(
        "republication licence",
        max_length=100,
        blank=True,
        help_text="Leave empty for the site-wide default.",
    )
    canonical_url = models.URLField(
        blank=True,
        validators=[validate_web_url],
        help_text="Only when the article first appeared elsewhere.",
    )
    featured = models.BooleanField(
        default=False,
        db_index=True,
        help_text="Highlighted by the site (WordPress “sticky” posts are imported as featured).",
    )
    seo_title = models.CharField(
        "SEO title",
        max_length=300,
        blank=True,
        help_text="The title search engines show (and the browser tab); the title when empty. "
        "Keep it under 60 characters.",
    )
    seo_description = models.CharField(
        "meta description",
        max_length=500,
        blank=True,
        help_text="The snippet search engines show; the summary when empty. About 155 characters.",
    )
    social_image = models.ForeignKey(
        Image,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="social_image_of",
        help_text="The picture of links shared on social media (cut to 1200×630 around its "
        "focal point); the hero image when empty.",
    )
    related_block_size = models.PositiveSmallIntegerField(
        "related articles shown",
        null=True,
        blank=True,
        help_text="How many related articles the page shows; the site default when empty.",
    )
    related_curated_only = models.BooleanField(
        "curated related articles only",
        default=False,
        help_text="Show only the curated related articles, no automatic suggestions.",
    )
    # Translations: articles that translate each other share a group (an article alone is a
    # group of one), at most one per language, so a translation names its source by language
    # (which survives export and import, unlike an id). It remembers the source's version when
    # last brought up to date, to tell editors when the source changed (`translation_outdated`).
    translation_group = models.UUIDField(
        default=uuid.uuid4, null=True, blank=True, editable=False, db_index=True
    )
    translated_from = models.CharField(
        max_length=35,
        blank=True,
        editable=False,
        help_text="The language of the article of its group this one was translated from.",
    )
    translation_source_version = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="The source's version this translation was last brought up to date with.",
    )
    # PostgreSQL's text search configuration of the language (stored vectors use it).
    search_config = models.CharField(
        max_length=63, default=languages.default_search_config, editable=False
    )
    # Workflow. A live article is edited through a working copy: another row, never public,
    # whose `working_copy_of` is the live article (see articles.services.working_copies).
    working_copy_of = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.CASCADE,
        related_name="working_copy",
    )
    based_on_version = models.PositiveIntegerField(
        null=True, blank=True, editable=False, help_text="The live version it was started from."
    )
    changes_publish_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When an approved working copy replaces the live version.",
    )
    review_note = models.TextField(
        blank=True, editable=False, help_text="What the reviewer asked to change."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    import_key = models.CharField(
        max_length=300,
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text="Identifier in the system this article was imported from.",
    )
    version = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text="Raised on every saved revision; guards against lost updates.",
    )
    # Bookkeeping of the change log (`articles.changes`), not content: what readers and
    # partners were last told about this article. Written only by the change-log writer.
    modified_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When what readers and partners see of this article last changed.",
    )
    feed_state = models.CharField(
        max_length=10, choices=FeedState, default=FeedState.NONE, editable=False
    )
    feed_slug = models.CharField(max_length=200, blank=True, editable=False)

    objects = ArticleQuerySet.as_manager()
    history = article_history()

    class Meta:
        ordering = ["-published_at", "-pk"]
        permissions = [
            ("publish_article", "Can publish, schedule, unpublish and archive articles"),
            ("edit_any_article", "Can edit articles started by others"),
        ]
        indexes = [models.Index(fields=["status", "published_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="published_article_has_date",
            ),
            # A working copy carries the address it will give the live article.
            models.UniqueConstraint(
                fields=["slug"],
                condition=Q(working_copy_of__isnull=True),
                name="unique_article_slug",
                violation_error_message="Another article has this address.",
            ),
            models.CheckConstraint(
                condition=Q(working_copy_of__isnull=True)
                | Q(status__in=["draft", "in_review", "changes_requested"]),
                name="working_copy_is_never_public",
            ),
            models.UniqueConstraint(
                fields=["translation_group", "language"],
                condition=Q(working_copy_of__isnull=True),
                name="one_translation_per_language",
                violation_error_message="This article already has a translation in that language.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.derive_fields()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("articles:article-detail", kwargs={"slug": self.slug})

    def derive_fields(self):
        """The fields save() derives: sanitised body, slug, reading time, search configuration
        (bulk writers call it)."""
        self.body = sanitize_html(self.body)
        if not self.slug:
            self.slug = unique_slug(Article, self.title, instance=self, fallback="article")
        words = len(html_to_text(self.body).split())
        self.reading_time = max(1, math.ceil(words / WORDS_PER_MINUTE))
        self.search_config = languages.search_config(self.language)

    @property
    def language_name(self):
        return languages.name_of(self.language)

    @cached_property
    def published_translations(self):
        """The other published articles of its translation group (one query)."""
        return list(
            Article.objects.published().translations_of(self).only(*TRANSLATION_LINK_FIELDS)
        )

    @cached_property
    def hreflang_alternates(self):
        """[(hreflang, url)] for the page's `<link rel="alternate">`s (with x-default)."""
        own = self.working_copy_of or self
        return translations.alternates([own, *self.published_translations])

    @cached_property
    def translation_source(self):
        """The article of its group this one was translated from (None for an original)."""
        if not self.translated_from or self.translation_group is None:
            return None
        return (
            Article.objects.originals()
            .filter(translation_group=self.translation_group, language=self.translated_from)
            .exclude(pk=self.pk)
            .first()
        )

    @property
    def translation_outdated(self):
        """The source changed since this translation was last brought up to date."""
        source = self.translation_source
        return bool(
            source is not None
            and self.translation_source_version is not None
            and source.version > self.translation_source_version
        )

    @property
    def page_title(self):
        """What search engines and the browser tab show: the SEO title, else the title."""
        return self.seo_title or self.title

    @property
    def meta_description(self):
        """The search snippet and share text: the meta description, else the excerpt."""
        return self.seo_description or self.excerpt

    @property
    def share_image(self):
        """The picture of a shared link: the social image, else the hero image."""
        return self.social_image or self.hero_image

    @property
    def is_working_copy(self):
        return self.working_copy_of_id is not None

    @property
    def is_live(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def public_modified_at(self):
        """When readers last saw a change: a scheduled article changes when it goes live."""
        times = [t for t in (self.modified_at, self.published_at if self.is_live else None) if t]
        return max(times, default=self.updated_at)

    @property
    def is_scheduled(self):
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    @property
    def public_url(self):
        return settings.SITE_URL + self.get_absolute_url()

    @property
    def canonical(self):
        return self.canonical_url or self.public_url

    @property
    def republication_licence(self):
        return self.licence or settings.DEFAULT_REPUBLICATION_LICENCE

    @property
    def pdf_key(self):
        """What a PDF of this article depends on: any change readers see moves it."""
        return f"{self.version}:{self.public_modified_at.isoformat()}"

    def get_pdf_url(self):
        return reverse("articles:article-pdf", kwargs={"slug": self.slug})

    @property
    def republication_licence_url(self):
        return licence_url(self.republication_licence)

    @cached_property
    def ordered_authors(self):
        """Authors in byline order (uses the listing prefetch)."""
        return [link.author for link in self.article_authors.all()]

    @cached_property
    def topic_list(self):
        return sorted((link.topic for link in self.article_topics.all()), key=lambda t: t.name)

    @property
    def body_text(self):
        return html_to_text(self.body)

    @property
    def image_credit_data(self):
        """The credit of the picture: the hero image's, else the article's own."""
        if self.hero_image_id and self.hero_image.credit:
            return self.hero_image.credit_data
        return Credit(self.image_credit, self.image_credit_url, self.image_licence)

    @property
    def excerpt(self):
        """The summary, or else the first sentence of the first real paragraph (never an
        image credit line)."""
        if self.summary:
            return self.summary
        text = first_real_paragraph(self.body)
        first = text.split(". ")[0].strip()
        if first and not first.endswith("."):
            first += "."
        return Truncator(first).words(40)


class ArticleAuthor(WritePathModel):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="article_authors")
    author = models.ForeignKey(Author, on_delete=models.PROTECT, related_name="article_links")
    order = models.PositiveSmallIntegerField(default=0)

    history = content_history()

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "author"], name="unique_article_author")
        ]
        verbose_name = "author"

    def __str__(self):
        return f"{self.author} on {self.article}"


class ArticleTopic(WritePathModel):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="article_topics")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="article_links")

    history = content_history()

    class Meta:
        ordering = ["topic__name"]
        constraints = [
            models.UniqueConstraint(fields=["article", "topic"], name="unique_article_topic")
        ]
        verbose_name = "topic"

    def __str__(self):
        return f"{self.topic} on {self.article}"


class Source(WritePathModel):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sources")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=500)
    url = models.URLField(max_length=1000, blank=True, validators=[validate_web_url])
    publisher = models.CharField(max_length=200, blank=True)
    published_on = models.DateField(null=True, blank=True)
    accessed_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    history = content_history()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return self.title


class ArticleDocument(WritePathModel):
    """A document attached to an article, e.g. the full report as its authors laid it out."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="documents")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=300, help_text="e.g. Full report (PDF).")
    file = models.FileField(
        upload_to="documents/%Y/%m/",
        max_length=300,
        validators=[FileExtensionValidator(["pdf"]), validate_document_file],
        help_text="A PDF.",
    )
    page_count = models.PositiveIntegerField(default=0, editable=False)
    size = models.PositiveBigIntegerField(default=0, editable=False, help_text="Bytes.")

    history = content_history()

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = "document"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.file and (self._state.adding or not self.size or self._file_replaced()):
            self.size = self.file.size
            self.page_count = pdf_page_count(self.file)
        super().save(*args, **kwargs)

    def _file_replaced(self):
        stored = ArticleDocument.objects.filter(pk=self.pk).values_list("file", flat=True).first()
        return stored != self.file.name


class LegacyPath(WritePathModel):
    """An old address of an article (a previous slug, an imported permalink): redirects 301."""

    path = models.CharField(max_length=500, unique=True)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="legacy_paths")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["path"]

    def __str__(self):
        return self.path

    def clean(self):
        if self.shadows_an_article():
            raise ValidationError(
                {"path": "This is the address of an existing article: it cannot redirect."}
            )

    def shadows_an_article(self):
        """Whether `path` is the address of an article that exists (in any state): such an
        old address never redirects, even while that article is unpublished."""
        return bool(self.article_addresses([self.path]))

    @staticmethod
    def article_addresses(paths):
        """Those of `paths` that are the address of an existing article (one query)."""
        slugs = {}
        for path in paths:
            try:
                match = resolve(path)
            except Resolver404:
                continue
            if match.view_name == "articles:article-detail":
                slugs[path] = match.kwargs["slug"]
        if not slugs:
            return set()
        taken = set(Article.objects.filter(slug__in=slugs.values()).values_list("slug", flat=True))
        return {path for path, slug in slugs.items() if slug in taken}


class PublicCorrection(WritePathModel):
    """A change to a published article that readers are told about ("Updated <date>: <note>")."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="corrections")
    noted_at = models.DateTimeField(default=timezone.now)
    note = models.TextField()
    history_id = models.BigIntegerField(
        null=True, blank=True, help_text="The article revision that made the change."
    )

    history = content_history()

    class Meta:
        ordering = ["noted_at", "pk"]

    def __str__(self):
        return f"{self.article}: {self.note[:60]}"


class ArticlePDF(models.Model):
    """The PDF of an article as readers see it (the page with its print stylesheet), built by a
    job after each change readers see; derived data, not content (no revision)."""

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="pdf")
    file = models.FileField(upload_to="pdfs/", max_length=300)
    built_for = models.CharField(
        max_length=100, help_text="What readers saw when it was built (`Article.pdf_key`)."
    )
    built_at = models.DateTimeField(default=timezone.now)
    size = models.PositiveIntegerField(default=0, help_text="Bytes.")
    page_count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "article PDF"

    def __str__(self):
        return f"PDF of {self.article_id}"


class ArticleRendering(models.Model):
    """What readers and partners get of a live article, rendered once after each change they
    see (`articles.prerender`): its page (with a slot for each "More from" list, filled per
    response: `articles.more_from`), and its API item and detail. Served only while `built_for` matches the article's change stamp and
    the code that rendered it (`prerender.rendering_key`); derived data, not content."""

    article = models.OneToOneField(
        Article, on_delete=models.CASCADE, primary_key=True, related_name="rendering"
    )
    built_for = models.CharField(max_length=100)
    built_at = models.DateTimeField(default=timezone.now)
    page = models.TextField(blank=True)
    # The page compressed, its text between slots compressed piece by piece (the sizes of the
    # pieces), so that a response compresses only its "More from" lists (prerender.gzipped).
    page_deflated = models.BinaryField(blank=True, default=b"")
    page_deflated_sizes = models.JSONField(blank=True, default=list)
    # JSON text, not a JSONField: PostgreSQL's jsonb would not keep the order of the keys.
    api_item = models.TextField()
    api_detail = models.TextField()

    def __str__(self):
        return f"Rendering of {self.article_id}"


class ContentChange(models.Model):
    """One row of the change log: something readers or partners can see changed.

    Written in the same transaction as the change (`articles.changes.record`), read by the
    partner change feed, webhooks, validators (Last-Modified) and cache invalidation. Rows
    about an article (`subject` "article") are the events of the feed; rows about an author,
    topic or image say that a page or representation showing it changed. Ordered by commit:
    see `articles.changes` for why `position` can never be overtaken by a later commit.
    """

    class Kind(models.TextChoices):
        PUBLISHED = "published", "published"
        UPDATED = "updated", "updated"
        UNPUBLISHED = "unpublished", "unpublished"
        DELETED = "deleted", "deleted"
        EMBARGOED = "embargoed", "embargoed"

    class Audience(models.TextChoices):
        PUBLIC = "public", "Everyone"
        EMBARGO = "embargo", "Keys with the embargo scope"

    class Subject(models.TextChoices):
        ARTICLE = "article", "Article"
        AUTHOR = "author", "Author"
        TOPIC = "topic", "Topic"
        IMAGE = "image", "Image"
        SITE = "site", "Site"

    position = models.BigIntegerField(help_text="Commit order (see articles.changes).")
    xid = models.BigIntegerField(null=True, blank=True, help_text="PostgreSQL transaction id.")
    subject = models.CharField(max_length=10, choices=Subject, default=Subject.ARTICLE)
    object_id = models.BigIntegerField(help_text="Id of the article (or author, topic, image).")
    kind = models.CharField(max_length=12, choices=Kind)
    audience = models.CharField(max_length=8, choices=Audience, default=Audience.PUBLIC)
    slug = models.CharField(max_length=200, blank=True)
    previous_slug = models.CharField(max_length=200, blank=True)
    language = models.CharField(
        max_length=35, blank=True, help_text="The article's language (BCP 47) at that time."
    )
    modified_at = models.DateTimeField(help_text="The object's modification time after it.")
    embargoed_until = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    committed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set just after the commit; empty means not yet known."
    )

    class Meta:
        ordering = ["position", "id"]
        indexes = [
            models.Index(fields=["position", "id"], name="change_feed_order"),
            models.Index(fields=["subject", "object_id", "position"], name="change_subject"),
            models.Index(fields=["committed_at"], name="change_committed"),
            models.Index(
                fields=["id"], condition=Q(committed_at__isnull=True), name="change_uncommitted"
            ),
        ]
        verbose_name = "change-log entry"
        verbose_name_plural = "change log"

    def __str__(self):
        return f"{self.subject} {self.object_id} {self.kind} ({self.audience})"


class Autosave(models.Model):
    """What an editor typed but did not save yet: one slot per editor and article (or new
    article), overwritten every few seconds while they type. Never a revision, never seen by
    readers; offered back when the editor opens the article again after a crash or a closed
    tab, and cleared by their next save."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="autosaves"
    )
    data = models.JSONField(help_text="The form's fields, as the browser would submit them.")
    saved_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "article"],
                condition=Q(article__isnull=False),
                name="one_autosave_per_editor_and_article",
            ),
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(article__isnull=True),
                name="one_autosave_per_editor_for_a_new_article",
            ),
        ]

    def __str__(self):
        return f"Autosave of {self.article or 'a new article'} by {self.user}"
