"""The admin's side of translations: "Translate" (a linked draft in another language, from
the change list or the article's form), the translation's state in the form, and what
changed in the source since the translation was last brought up to date, side by side with
the translation."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from . import languages, services
from .models import Article


def _change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


class ArticleTranslationAdminMixin:
    translation_fieldset = ("Translations", {"fields": ["translation_status"]})

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/translate/<str:language>/",
                view(self.translate_view),
                name="articles_article_translate",
            ),
            path(
                "<path:object_id>/translation/changes/",
                view(self.translation_changes_view),
                name="articles_article_translation_changes",
            ),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or obj.is_working_copy:
            return fieldsets
        return [*fieldsets, self.translation_fieldset]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "translation_status"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not self.has_add_permission(request):
            return actions
        for code in languages.codes():
            name = f"translate_into_{code}"
            description = f"Translate into {languages.name_of(code)} ({code})"
            actions[name] = (self._translate_action(code), name, description)
        return actions

    def _translate_action(self, language):
        def translate(modeladmin, request, queryset):
            for article in queryset.order_by("pk"):
                self._translate(request, article, language)

        return translate

    def _translate(self, request, article, language):
        try:
            draft = services.translate_article(source=article, language=language, user=request.user)
        except (ValidationError, PermissionDenied) as error:
            text = "; ".join(getattr(error, "messages", [str(error)]))
            self.message_user(request, f"{article}: {text}", messages.ERROR)
            return None
        self.message_user(
            request,
            format_html(
                'Translation draft of “{}” started: <a href="{}">{}</a>.',
                article,
                _change_url(draft),
                draft.get_language_display(),
            ),
            messages.SUCCESS,
        )
        return draft

    @admin.display(description="Translations")
    def translation_status(self, article):
        if not article.pk:
            return "Save the article to translate it."
        parts = []
        source = article.translation_source
        if source is not None:
            parts.append(
                format_html(
                    'Translation of <a href="{}">{}</a> ({}).',
                    _change_url(source),
                    source,
                    source.language,
                )
            )
            if article.translation_outdated:
                url = reverse("admin:articles_article_translation_changes", args=[article.pk])
                parts.append(
                    format_html(
                        '<strong class="translation-outdated">Translation outdated:</strong> '
                        'the source changed since. <a href="{}">See what changed, side by '
                        "side</a>.",
                        url,
                    )
                )
            else:
                parts.append(format_html("{}", "Up to date with its source."))
        group = list(
            Article.objects.translations_of(article).only("pk", "title", "language", "status")
        )
        if group:
            parts.append(
                format_html(
                    "In other languages: {}.",
                    format_html_join(
                        ", ",
                        '<a href="{}" lang="{}">{}</a> ({}, {})',
                        (
                            (
                                _change_url(a),
                                a.language,
                                a.title,
                                a.language,
                                a.get_status_display(),
                            )
                            for a in group
                        ),
                    ),
                )
            )
        missing = [
            code
            for code in languages.codes()
            if code != article.language and code not in {a.language for a in group}
        ]
        if missing:
            parts.append(
                format_html(
                    "Translate into: {}",
                    format_html_join(
                        " · ",
                        '<a class="button" href="{}">{}</a>',
                        (
                            (
                                reverse(
                                    "admin:articles_article_translate", args=[article.pk, code]
                                ),
                                languages.name_of(code),
                            )
                            for code in missing
                        ),
                    ),
                )
            )
        return format_html_join("", "<p>{}</p>", ((part,) for part in parts))

    def translate_view(self, request, object_id, language):
        article = self._article_or_404(request, object_id)
        if language not in languages.codes():
            raise PermissionDenied("Not one of the site's languages.")
        if request.method == "POST":
            draft = self._translate(request, article, language)
            return HttpResponseRedirect(_change_url(draft or article))
        context = self._context(
            request,
            article,
            title=f"Translate “{article}” into {languages.name_of(language)}",
            language=language,
            language_name=languages.name_of(language),
        )
        return TemplateResponse(request, "admin/articles/article/translate.html", context)

    def translation_changes_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        if request.method == "POST":
            try:
                services.mark_translation_current(article=article, user=request.user)
            except (ValidationError, PermissionDenied) as error:
                text = "; ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, text, messages.ERROR)
            else:
                self.message_user(request, "Marked as up to date with the source.")
            return HttpResponseRedirect(_change_url(article))
        context = self._context(
            request,
            article,
            title=f"What changed in the source of “{article}”",
            source=article.translation_source,
            comparison=services.translation_changes(article),
            older_label="When last translated",
            newer_label="The source now",
            may_mark=self.has_change_permission(request, article),
        )
        return TemplateResponse(request, "admin/articles/article/translation_changes.html", context)
