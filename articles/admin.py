from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.forms.models import BaseInlineFormSet
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from . import images, search, services
from .admin_revisions import ArticleRevisionAdminMixin, RevisionFormMixin
from .admin_translations import ArticleTranslationAdminMixin
from .admin_workflow import ArticleWorkflowAdminMixin, WorkflowFormMixin
from .models import (
    Article,
    ArticleAuthor,
    ArticleDocument,
    ArticleTopic,
    Author,
    Image,
    LegacyPath,
    Source,
    Topic,
)
from .policy import NOT_ALLOWED, policy


def _short_date(moment):
    """A compact date for list columns (the list has room for the titles)."""
    return date_format(timezone.localtime(moment), "j M Y, H:i") if moment else "—"


def image_thumbnail(image, width=120):
    # An upload not (yet) accepted has no address: never an <img> that cannot load.
    if not image or not image.file or not image.file._committed:
        return "—"
    small = min(
        (r for r in image.renditions if not r.get("purpose")),
        key=lambda r: r["width"],
        default=None,
    )
    url = image.file.url if small is None else image.file.storage.url(small["name"])
    credit = format_html("<br>Image source: {}", image.credit) if image.credit else ""
    return format_html('<img src="{}" width="{}" alt="{}">{}', url, width, image.alt_text, credit)


class WritePathAdminMixin:
    """Saves and deletes through the write path (`articles.services`), never directly."""

    def save_model(self, request, obj, form, change):
        services.save_object(obj=obj, user=request.user)

    def delete_model(self, request, obj):
        services.delete_object(obj=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


def _preview_url(image, largest=960):
    """A rendition big enough for the form's preview, else (while they are made) the original."""
    fitting = [
        r
        for r in image.renditions
        if not r.get("purpose") and r["format"] == image.fallback_format and r["width"] <= largest
    ]
    best = max(fitting, key=lambda r: r["width"], default=None)
    return image.file.storage.url(best["name"]) if best else image.file.url


def _middle_if_empty(value):
    return 0.5 if value is None else value


class ImageForm(forms.ModelForm):
    """Checks a new upload fully before anything is stored: type, size and pixels from the
    header, then Pillow's re-encoding (`images.clean_upload`) and the duplicate check."""

    class Meta:
        model = Image
        fields = [
            "file", "focal_x", "focal_y", "alt_text", "caption", "credit", "credit_url", "licence",
        ]  # fmt: skip
        widgets = {
            "focal_x": forms.NumberInput(attrs={"step": "0.001", "min": "0", "max": "1"}),
            "focal_y": forms.NumberInput(attrs={"step": "0.001", "min": "0", "max": "1"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("focal_x", "focal_y"):
            self.fields[name].required = False  # empty: the middle

    def clean_focal_x(self):
        return _middle_if_empty(self.cleaned_data.get("focal_x"))

    def clean_focal_y(self):
        return _middle_if_empty(self.cleaned_data.get("focal_y"))

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not isinstance(upload, UploadedFile):
            return upload  # the stored file, unchanged
        for validator in Image._meta.get_field("file").validators:
            validator(upload)
        clean = images.clean_upload(upload)
        duplicate = services.find_duplicate_image(clean.content_hash, exclude_pk=self.instance.pk)
        if duplicate is not None:
            raise forms.ValidationError(
                format_html(
                    'This picture is already in the library: <a href="{}">{}</a> (uploaded '
                    "{}). Use that image instead of uploading it again: choose it as the hero "
                    "image, social image or author photo.",
                    reverse("admin:articles_image_change", args=[duplicate.pk]),
                    str(duplicate),
                    _short_date(duplicate.created_at),
                ),
                code="duplicate",
            )
        return clean


@admin.register(Image)
class ImageAdmin(WritePathAdminMixin, SimpleHistoryAdmin):
    form = ImageForm
    list_display = [
        "thumbnail", "alt_text", "credit", "width", "height", "renditions_status", "created_at",
    ]  # fmt: skip
    list_filter = ["renditions_status"]
    search_fields = ["alt_text", "caption", "credit"]
    readonly_fields = ["focal_point_picker", "renditions_state", "width", "height"]
    fields = [
        "file",
        "focal_point_picker",
        ("focal_x", "focal_y"),
        "renditions_state",
        "alt_text",
        "caption",
        "credit",
        "credit_url",
        "licence",
        "width",
        "height",
    ]

    class Media:
        css = {"all": ["admin/articles/images.css"]}
        js = ["admin/articles/images.js"]

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if obj else [f for f in fields if f not in ("width", "height")]

    @admin.display(description="Preview")
    def thumbnail(self, image):
        return image_thumbnail(image)

    @admin.display(description="Preview and focal point")
    def focal_point_picker(self, image):
        """The stored picture with a mark on its focal point; a click moves it (images.js)."""
        if not image or not image.file or not image.file._committed:
            return "The preview appears once the image is saved."
        return format_html(
            '<div class="focal-field"><div class="focal-picker" data-focal-picker>'
            '<img src="{}" alt="{}" width="{}" height="{}">'
            '<span class="focal-marker" style="left: {}%; top: {}%"></span></div>'
            '<div class="help">Click the picture on what must stay in view when it is cropped '
            "(the social card is cut around it), or type the numbers below.</div></div>",
            _preview_url(image),
            image.alt_text,
            image.width,
            image.height,
            round(image.focal_x * 100, 1),
            round(image.focal_y * 100, 1),
        )

    @admin.display(description="Resized copies")
    def renditions_state(self, image):
        if not image or not image.pk:
            return "Made in the background after saving."
        status = image.renditions_status
        if status == Image.Renditions.PENDING:
            text = (
                "Being prepared in the background (usually a few seconds). Until they are "
                "ready, pages show the original picture."
            )
        elif status == Image.Renditions.FAILED:
            text = "They could not be made; pages show the original. Upload the file again."
        else:
            widths = sorted({r["width"] for r in image.renditions if not r.get("purpose")})
            formats = sorted({r["format"].upper() for r in image.renditions})
            social = " and the 1200×630 social card" if image.social_card else ""
            text = (
                f"Ready: {len(widths)} widths ({', '.join(map(str, widths))} px) in "
                f"{' and '.join(formats)}{social}."
            )
        return format_html(
            '<span class="renditions-state" data-renditions-state="{}">{}</span>', status, text
        )


@admin.register(Author)
class AuthorAdmin(WritePathAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "role", "slug"]
    search_fields = ["name", "role"]
    autocomplete_fields = ["photo"]


@admin.register(Topic)
class TopicAdmin(WritePathAdminMixin, SimpleHistoryAdmin):
    list_display = ["name", "kind", "parent", "slug"]
    list_select_related = ["parent"]
    list_filter = ["kind"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]


class PreloadedAutocompleteSelect(AutocompleteSelect):
    """An autocomplete that names its selected object from `known` (filled for the whole
    formset at once) instead of asking the database once per row, as Django's does."""

    known = None

    def optgroups(self, name, value, attr=None):
        selected = {str(v) for v in value if str(v) not in self.choices.field.empty_values}
        if self.known is None or not selected <= set(self.known):
            return super().optgroups(name, value, attr)
        options = [] if self.is_required else [self.create_option(name, "", "", False, 0)]
        label = self.choices.field.label_from_instance
        for pk in sorted(selected):
            options.append(
                self.create_option(name, pk, label(self.known[pk]), selected, len(options))
            )
        return [(None, options, 0)]


class PreloadedFormSet(BaseInlineFormSet):
    """Gives every row's autocomplete the objects all rows select, read with the rows."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.preloaded_fields:
            known = {
                str(getattr(form.instance, f"{name}_id")): getattr(form.instance, name)
                for form in self.forms
                if form.instance.pk and getattr(form.instance, f"{name}_id")
            }
            for form in self.forms:
                widget = getattr(form.fields[name].widget, "widget", form.fields[name].widget)
                if isinstance(widget, PreloadedAutocompleteSelect):
                    widget.known = known


class PreloadedAutocompleteInlineMixin:
    """An inline whose autocomplete fields cost one query for all rows (they are loaded with
    the rows, `select_related`), so the form opens in the same number of queries however many
    authors, topics or curated links an article has."""

    formset = PreloadedFormSet

    def get_queryset(self, request):
        # Every row names its objects (its string shows the article and the author or link).
        related = [f.name for f in self.model._meta.fields if f.many_to_one]
        return super().get_queryset(request).select_related(*related)

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.preloaded_fields = tuple(self.autocomplete_fields)
        return formset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.autocomplete_fields:
            kwargs["widget"] = PreloadedAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ArticleAuthorInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = ArticleAuthor
    fields = ["author", "order"]
    autocomplete_fields = ["author"]
    extra = 0
    min_num = 0


class ArticleTopicInline(PreloadedAutocompleteInlineMixin, admin.TabularInline):
    model = ArticleTopic
    fields = ["topic"]
    autocomplete_fields = ["topic"]
    extra = 0


class SourceInline(admin.StackedInline):
    model = Source
    fields = [("title", "order"), ("url", "publisher"), ("published_on", "accessed_on"), "note"]
    extra = 0


class DocumentInline(admin.TabularInline):
    """Uploaded documents, e.g. the full report as a PDF (page count and size are read)."""

    model = ArticleDocument
    fields = ["title", "file", "order", "page_count", "size"]
    readonly_fields = ["page_count", "size"]
    extra = 0


class ArticleAdminForm(RevisionFormMixin, WorkflowFormMixin, forms.ModelForm):
    class Meta:
        model = Article
        fields = [
            "title", "language", "slug", "dek", "summary", "body", "article_type", "hero_image",
            "image_credit", "image_credit_url", "image_licence", "published_at", "featured",
            "licence", "canonical_url", "seo_title", "seo_description",
            "social_image", "related_block_size", "related_curated_only",
        ]  # fmt: skip
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 3}),
            "seo_description": forms.Textarea(attrs={"rows": 2}),
        }

    def clean(self):
        """The policy's answers as form errors (the service enforces them again)."""
        cleaned = super().clean()
        user = self.request_user
        new_status = cleaned.get("status", self.instance.status)
        original = Article(
            status=self.initial.get("status", Article.Status.DRAFT),
            created_by_id=self.instance.created_by_id or user.pk,
        )
        if not policy.may_change_status(user, original, new_status):
            self.add_error("status", NOT_ALLOWED)
        if (
            "published_at" in self.changed_data
            and Article.Status.PUBLISHED in (new_status, original.status)
            and not policy.may_publish(user)
        ):
            self.add_error("published_at", "Only publishers may change the publication time.")
        if new_status == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()
        self._check_the_step(user, cleaned)
        self._check_one_translation_per_language(cleaned)
        return cleaned

    def _check_one_translation_per_language(self, cleaned):
        article = self.instance
        language = cleaned.get("language")
        if language and language != article.language and article.translation_group:
            taken = Article.objects.translations_of(article).filter(language=language)
            if taken.exists():
                self.add_error(
                    "language", f"“{taken.first()}” is already this article's translation."
                )

    def _check_the_step(self, user, cleaned):
        """The workflow button pressed (`_publish`, …) is in the submitted data."""
        article = self.instance
        live = article.working_copy_of if article.working_copy_of_id else article
        if ("_publish" in self.data or "_unpublish" in self.data) and not policy.may_publish(
            user, live if live.pk else None
        ):
            self.add_error(None, NOT_ALLOWED)
        if "_request_changes" in self.data:
            if not policy.may_request_changes(user, article):
                self.add_error(
                    None, "Only a Publisher may request changes to an article in review."
                )
            elif not (cleaned.get("review_comment") or "").strip():
                self.add_error("review_comment", "Say what should change: the author gets it.")


class StatusFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [*Article.Status.choices, ("scheduled", "Scheduled (future)")]

    def queryset(self, request, queryset):
        if self.value() == "scheduled":
            return queryset.scheduled()
        if self.value() == Article.Status.PUBLISHED:
            return queryset.published()
        if self.value():
            return queryset.filter(status=self.value())
        return queryset


@admin.register(Article)
class ArticleAdmin(
    ArticleTranslationAdminMixin,
    ArticleWorkflowAdminMixin,
    ArticleRevisionAdminMixin,
    SimpleHistoryAdmin,
):
    form = ArticleAdminForm
    list_display = ["title", "language", "state", "byline", "published", "updated"]
    list_filter = [StatusFilter, "language", "article_type", "featured", "topics", "published_at"]
    search_fields = ["title"]  # and the body, dek, summary, authors: see get_search_results
    search_help_text = "Title, subtitle, summary, body and author names."
    date_hierarchy = "published_at"
    autocomplete_fields = ["hero_image", "social_image"]
    readonly_fields = ["hero_preview", "reading_time", "updated_at", "preview_link", "seo_preview"]
    # Other apps add theirs (the related app: curated links) by subclassing this admin.
    inlines = [ArticleAuthorInline, ArticleTopicInline, SourceInline, DocumentInline]
    actions = ["submit_for_review", "publish", "unpublish", "archive"]
    fieldsets = [
        (None, {"fields": ["title", "language", "slug", "dek", "summary", "body", "article_type"]}),
        (
            "Hero image",
            {
                "fields": [
                    "hero_image",
                    "hero_preview",
                    ("image_credit", "image_credit_url", "image_licence"),
                ]
            },
        ),
        (
            "Publication",
            {"fields": ["published_at", "featured", "preview_link", "reading_time", "updated_at"]},
        ),
        (
            "Search engines and social media",
            {
                "classes": ["collapse"],
                "fields": ["seo_title", "seo_description", "social_image", "seo_preview"],
            },
        ),
        (
            "Related articles",
            {"classes": ["collapse"], "fields": ["related_block_size", "related_curated_only"]},
        ),
        ("Syndication", {"classes": ["collapse"], "fields": ["licence", "canonical_url"]}),
    ]
    review_fieldset = ("Review", {"fields": ["review_comment", "publish_changes_at"]})

    def get_queryset(self, request):
        queryset = super().get_queryset(request).prefetch_related("article_authors__author")
        return policy.visible_in_admin(request.user, queryset).originals()

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.is_working_copy:
            # The publication time belongs to the live article.
            fieldsets = [
                (name, {**options, "fields": [f for f in options["fields"] if f != "published_at"]})
                for name, options in fieldsets
            ]
        if obj is not None and policy.may_publish(request.user, obj):
            fieldsets = [*fieldsets[:-1], self.review_fieldset, fieldsets[-1]]
        return fieldsets

    def get_search_results(self, request, queryset, search_term):
        """The whole text, not just the title; the related-article picker searches every
        published article for anyone who writes (Contributors too)."""
        if self._picking_related(request):
            queryset = Article.objects.published()
        return search.matching(queryset, search_term), False

    @staticmethod
    def _picking_related(request):
        return (
            request.GET.get("model_name") == "relatedlink"
            and request.GET.get("field_name") == "to_article"
            and policy.may_pick_related(request.user)
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.request_user = request.user
        return form

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return super().has_change_permission(request)
        return policy.may_edit(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is None:
            return super().has_delete_permission(request)
        return policy.may_delete(request.user, obj)

    def has_publish_permission(self, request):
        return policy.may_publish(request.user)

    def delete_model(self, request, obj):
        services.delete_article(article=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset.order_by("pk"):
            if not policy.may_delete(request.user, article):
                raise PermissionDenied
            self.delete_model(request, article)

    @admin.display(description="State", ordering="status")
    def state(self, article):
        if article.is_scheduled:
            return format_html(
                "Scheduled for {}",
                timezone.localtime(article.published_at).strftime("%d %b %Y %H:%M"),
            )
        return article.get_status_display()

    @admin.display(description="Published", ordering="published_at")
    def published(self, article):
        return _short_date(article.published_at)

    @admin.display(description="Updated", ordering="updated_at")
    def updated(self, article):
        return _short_date(article.updated_at)

    @admin.display(description="Authors")
    def byline(self, article):
        return ", ".join(link.author.name for link in article.article_authors.all())

    @admin.display(description="Current hero image")
    def hero_preview(self, article):
        return image_thumbnail(article.hero_image, width=240)

    @admin.display(description="Preview")
    def preview_link(self, article):
        if not article.pk:
            return "Save the article to preview it."
        url = reverse("articles:article-preview", kwargs={"pk": article.pk})
        return format_html('<a href="{}" target="_blank">Preview as a reader would see it</a>', url)

    @admin.display(description="How it looks in search results and when shared")
    def seo_preview(self, article):
        """Filled in as the editor types (static/admin/articles/desk.js)."""
        return format_html(
            '<div class="desk-previews" data-site="{}">'
            '<div class="desk-snippet" aria-live="polite"></div>'
            '<div class="desk-social-card" aria-live="polite"></div></div>',
            settings.SITE_URL,
        )

    def _apply(self, request, queryset, service, done):
        count = 0
        for article in queryset:
            try:
                service(article=article, user=request.user)
            except PermissionDenied as error:
                self.message_user(request, f"{article}: {error}", messages.ERROR)
            else:
                count += 1
        self.message_user(request, f"{count} article(s) {done}.", messages.SUCCESS)

    @admin.action(description="Submit for review")
    def submit_for_review(self, request, queryset):
        self._apply(request, queryset, services.submit_for_review, "submitted for review")

    @admin.action(
        description="Publish (or schedule at the set publication time)", permissions=["publish"]
    )
    def publish(self, request, queryset):
        self._apply(request, queryset, services.publish_article, "published or scheduled")

    @admin.action(description="Unpublish (back to draft)", permissions=["publish"])
    def unpublish(self, request, queryset):
        self._apply(request, queryset, services.unpublish_article, "unpublished")

    @admin.action(description="Archive", permissions=["publish"])
    def archive(self, request, queryset):
        self._apply(request, queryset, services.archive_article, "archived")


@admin.register(LegacyPath)
class LegacyPathAdmin(admin.ModelAdmin):
    list_display = ["path", "article", "created_at"]
    search_fields = ["path", "article__title"]
    autocomplete_fields = ["article"]

    def save_model(self, request, obj, form, change):
        services.save_legacy_path(legacy_path=obj, user=request.user)

    def delete_model(self, request, obj):
        services.delete_legacy_path(legacy_path=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
