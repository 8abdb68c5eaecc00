"""Article admin: revision list, compare, restore, deleted articles, change notes, and the
optimistic version check that refuses stale saves. Saving, restoring and undeleting go
through `articles.services`; who may do what, through `articles.policy`."""

from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format

from . import revisions, services
from .models import Article
from .policy import policy


@dataclass
class Conflict:
    editor: str
    saved_at: object
    fields: list
    body_diff: str | None


class RevisionFormMixin(forms.Form):
    """Fields the article form gets for revisions: a change note and the version it edits."""

    change_note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What changed and why. Kept in the revision history.",
    )
    public_correction = forms.BooleanField(
        required=False,
        label="Public correction",
        help_text="Show the change note to readers as “Updated 30 Nov 2026: your note” when "
        "this change is published. Only for articles readers can already see.",
    )
    edited_version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    # Which row the form was opened on: the live article, or its working copy.
    edited_object = forms.IntegerField(required=False, widget=forms.HiddenInput)

    conflict = None

    @property
    def readers_copy(self):
        """What readers see: the instance, or the live article of a working copy."""
        return self.instance.working_copy_of or self.instance

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edited_version"].initial = self.instance.version
        self.fields["edited_object"].initial = self.instance.pk

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            if "published_at" in cleaned and "published_at" not in self.changed_data:
                # The widget drops microseconds; an untouched field is no change.
                cleaned["published_at"] = self.instance.published_at
            if cleaned.get("edited_version") is None:
                # A form that does not say what it edited would overwrite blindly.
                raise ValidationError(
                    "This form does not say which version of the article it edits, so saving "
                    "it could overwrite someone else's changes. Open the article again and "
                    "redo your change.",
                    code="no_version",
                )
            self._refuse_a_copy_made_meanwhile(cleaned)
            self._refuse_stale_save(cleaned)
        if cleaned.get("public_correction"):
            if not (cleaned.get("change_note") or "").strip():
                self.add_error("change_note", "Write the note readers will see.")
            elif not revisions.public_correction_due(
                was_status=self.readers_copy.status,
                was_published_at=self.readers_copy.published_at,
            ):
                self.add_error(
                    "public_correction",
                    "Only an article readers can already see gets a public correction notice.",
                )
        return cleaned

    def _refuse_a_copy_made_meanwhile(self, cleaned):
        """Opened on the live article, saved after someone else started its working copy:
        the rows of the form are the live article's, not the copy's (they are shown anew)."""
        opened_on = cleaned.get("edited_object")
        if not (self.instance.working_copy_of_id and opened_on == self.instance.working_copy_of_id):
            return
        if getattr(self, "copy_made_for_this_save", False):
            return
        self.data = self.data.copy()
        self.data[self.add_prefix("edited_object")] = self.instance.pk
        raise ValidationError(
            "Someone started this article's working copy while you were editing. Your text is "
            "in the form below; check the authors, topics, sources and related articles (they "
            "show the working copy's now), then save again.",
            code="copy_started",
        )

    def _refuse_stale_save(self, cleaned):
        submitted = cleaned.get("edited_version")
        current = Article.objects.select_for_update().filter(pk=self.instance.pk).first()
        if current is None or submitted == current.version:
            return
        latest = revisions.latest_revision(current.pk)
        editor = revisions.user_label(latest.history_user if latest else None)
        saved_at = latest.history_date if latest else current.updated_at
        submitted_values = {
            name: value.pk if isinstance(value, models.Model) else value
            for name, value in cleaned.items()
            if name in revisions.CONTENT_FIELDS
        }
        changes, body_diff = revisions.conflict_changes(current, submitted_values)
        self.conflict = Conflict(editor, saved_at, changes, body_diff)
        # Saving again after reading the diff is a deliberate overwrite of that version.
        self.data = self.data.copy()
        self.data[self.add_prefix("edited_version")] = current.version
        when = date_format(timezone.localtime(saved_at), "j M Y, H:i")
        raise ValidationError(
            f"{editor} saved this article at {when} while you were editing it. Your changes "
            "have not been saved; they are still in the form below. Compare them with the "
            "current version, then save again to replace it.",
            code="stale",
        )


class ArticleRevisionAdminMixin:
    """Revisions of articles in the admin; ArticleAdmin inherits it."""

    revisions_per_page = 50
    change_form_template = "admin/articles/article/revision_change_form.html"
    change_list_template = "admin/articles/article/revision_change_list.html"
    revision_fieldset = (
        "Revision",
        {"fields": ["change_note", "public_correction", "edited_version"]},
    )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("deleted/", view(self.deleted_view), name="articles_article_deleted"),
            path(
                "deleted/<int:article_id>/restore/",
                view(self.undelete_view),
                name="articles_article_undelete",
            ),
            path(
                "<path:object_id>/revisions/compare/",
                view(self.compare_view),
                name="articles_article_compare",
            ),
            path(
                "<path:object_id>/revisions/<int:history_id>/restore/",
                view(self.restore_view),
                name="articles_article_restore",
            ),
            *super().get_urls(),
        ]

    def get_fieldsets(self, request, obj=None):
        return [*super().get_fieldsets(request, obj), self.revision_fieldset]

    # --- Saving: the form and its inline formsets in one service call -------------------

    def save_model(self, request, obj, form, change):
        """Nothing yet: `save_related` saves the article and its inline rows together."""

    def save_related(self, request, form, formsets, change):
        def write_inlines(article):
            form.save_m2m()
            for formset in formsets:
                self.save_formset(request, form, formset, change=change)

        note = (form.cleaned_data.get("change_note") or "").strip()
        if not change:
            services.create_article(
                article=form.instance, user=request.user, write_inlines=write_inlines, reason=note
            )
            return
        services.save_article(
            article=form.instance,
            user=request.user,
            edited_version=form.cleaned_data.get("edited_version"),
            write_inlines=write_inlines,
            reason=note,
            correction=note if form.cleaned_data.get("public_correction") else "",
            published_at_given="published_at" in form.changed_data,
        )

    # --- Views ---------------------------------------------------------------------------

    def _article_or_404(self, request, object_id):
        article = self.get_object(request, object_id)
        if article is None:
            raise Http404("No such article.")
        if not self.has_view_or_change_permission(request, article):
            raise PermissionDenied
        return article

    def _context(self, request, article=None, **extra):
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": article,
            "article": article,
            **extra,
        }

    def history_view(self, request, object_id, extra_context=None):
        """All revisions of one article, newest first, paginated (constant queries)."""
        article = self._article_or_404(request, object_id)
        paginator = Paginator(revisions.revision_list(article), self.revisions_per_page)
        page = paginator.get_page(request.GET.get("p"))
        context = self._context(
            request,
            article,
            title=f"Revisions of “{article}”",
            page=page,
            can_restore=self.has_change_permission(request, article),
            **(extra_context or {}),
        )
        return TemplateResponse(request, "admin/articles/article/revision_list.html", context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        url = reverse("admin:articles_article_restore", args=[object_id, version_id])
        return HttpResponseRedirect(url)

    def compare_view(self, request, object_id):
        article = self._article_or_404(request, object_id)
        try:
            ids = [int(request.GET["a"]), int(request.GET["b"])]
            first, second = (revisions.get_revision(article.pk, pk) for pk in ids)
        except (KeyError, ValueError, Article.history.model.DoesNotExist) as error:
            raise Http404("Pick two revisions of this article to compare.") from error
        comparison = revisions.compare_revisions(first, second)
        context = self._context(
            request,
            article,
            title=f"Compare revisions of “{article}”",
            comparison=comparison,
            can_restore=self.has_change_permission(request, article),
        )
        return TemplateResponse(request, "admin/articles/article/revision_compare.html", context)

    def restore_view(self, request, object_id, history_id):
        article = self._article_or_404(request, object_id)
        if not self.has_change_permission(request, article):
            raise PermissionDenied
        try:
            revision = revisions.get_revision(article.pk, history_id)
        except Article.history.model.DoesNotExist as error:
            raise Http404("No such revision.") from error
        if request.method == "POST":
            try:
                result = services.restore_revision(
                    revision=revision,
                    user=request.user,
                    restore_status=bool(request.POST.get("restore_status")),
                )
            except PermissionDenied as error:
                self.message_user(request, str(error), messages.ERROR)
                return HttpResponseRedirect(request.path)
            self._report_restore(request, result, revisions.restore_reason(revision))
            return HttpResponseRedirect(reverse("admin:articles_article_change", args=[article.pk]))
        current = revisions.latest_revision(article.pk)
        context = self._context(
            request,
            article,
            title=f"Restore a revision of “{article}”",
            revision=revision,
            # From what is there now to what the restore brings: "added" is what comes back.
            comparison=(
                revisions.compare_revisions(current, revision, as_given=True) if current else None
            ),
            older_label="Now",
            newer_label="After the restore",
            keeps_status=article.status != revision.status,
            may_change_status=policy.may_change_status(request.user, article, revision.status),
        )
        return TemplateResponse(request, "admin/articles/article/revision_restore.html", context)

    def deleted_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        deleted = policy.visible_in_admin(request.user, revisions.deleted_articles())
        paginator = Paginator(deleted, self.revisions_per_page)
        context = self._context(
            request,
            title="Deleted articles",
            page=paginator.get_page(request.GET.get("p")),
            can_restore=self.has_add_permission(request),
        )
        return TemplateResponse(request, "admin/articles/article/deleted_articles.html", context)

    def undelete_view(self, request, article_id):
        if request.method != "POST":
            return HttpResponseRedirect(reverse("admin:articles_article_deleted"))
        try:
            result = services.undelete_article(article_id=article_id, user=request.user)
        except Article.DoesNotExist as error:
            raise Http404(str(error)) from error
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
            return HttpResponseRedirect(reverse("admin:articles_article_deleted"))
        self._report_restore(request, result, f"Restored “{result.article}”")
        return HttpResponseRedirect(
            reverse("admin:articles_article_change", args=[result.article.pk])
        )

    def _report_restore(self, request, result, done):
        if result.revision is None:
            self.message_user(request, "The article already matched that revision.")
        else:
            self.message_user(request, f"{done}.", messages.SUCCESS)
        for item in result.skipped:
            self.message_user(request, f"Could not bring back {item}.", messages.WARNING)
