"""The article form as an editor's desk: workflow buttons, working copies, autosave.

- The buttons offered are the steps the user may take (`workflow_buttons`): Save draft,
  Submit for review, Publish / Schedule (Publishers), Request changes (Publishers, in review),
  Unpublish. The first button in the form is always "Save draft", so Enter in a text field
  saves the draft and nothing else.
- A public article opens with its working copy (`articles.services.working_copies`): the form
  edits the copy, readers keep the live version until a Publisher publishes the copy. When an
  article has no copy yet, the first save makes one; the rows the form shows (the live
  article's authors, sources, links) are mapped to the copy's rows before the formsets bind.
- Autosave: the page posts the form every few seconds while it changes (`autosave_view`), into
  one slot per editor and article; the form offers it back when it is newer than the article.
"""

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html

from . import revisions, services
from .models import Article, Autosave
from .policy import PUBLIC_STATES, policy
from .sanitize import accessibility_warnings

Status = Article.Status
ACTIONS = ("_save", "_submit", "_publish", "_request_changes", "_unpublish")
AUTOSAVE_SKIP = {"csrfmiddlewaretoken", "edited_version"}


class WorkflowFormMixin(forms.Form):
    """Fields the article form gets for the workflow (beyond the article's own)."""

    review_comment = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Review comment",
        help_text="For “Request changes”: what the author should change. They get it by e-mail.",
    )
    publish_changes_at = forms.SplitDateTimeField(
        required=False,
        label="Publish these changes at",
        help_text="Leave empty to publish the changes at once.",
        widget=forms.SplitDateTimeWidget(
            date_attrs={"type": "date"}, time_attrs={"type": "time", "step": "1"}
        ),
    )


def live_of(article):
    """The article readers see: itself, or the live article of a working copy."""
    return getattr(article, "live", None) or article.working_copy_of or article


class ArticleWorkflowAdminMixin:
    """ArticleAdmin inherits it (after the revision mixin)."""

    change_form_template = "admin/articles/article/workflow_change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("autosave/", view(self.autosave_view), name="articles_article_autosave_new"),
            path("link-search/", view(self.link_search_view), name="articles_article_link_search"),
            path(
                "<path:object_id>/autosave/",
                view(self.autosave_view),
                name="articles_article_autosave",
            ),
            path(
                "<path:object_id>/working-copy/discard/",
                view(self.discard_view),
                name="articles_article_discard",
            ),
            path(
                "<path:object_id>/working-copy/compare/",
                view(self.compare_live_view),
                name="articles_article_compare_live",
            ),
            *super().get_urls(),
        ]

    # --- Which object the form edits -------------------------------------------------------

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        request.editing_form = True
        return super().changeform_view(request, object_id, form_url, extra_context)

    def get_object(self, request, object_id, from_field=None):
        article = super().get_object(request, object_id, from_field)
        if article is None or not getattr(request, "editing_form", False):
            return article
        if article.is_working_copy:
            raise Http404("A working copy is edited through its live article.")
        copy = Article.objects.filter(working_copy_of=article).first()
        if copy is None and request.method == "POST" and self._edits_go_to_a_copy(request, article):
            copy, request.working_copy_rows = services.start_working_copy(
                article=article, user=request.user
            )
        if copy is None:
            return article
        copy.live = article
        opened_on = request.POST.get("edited_object", "") if request.method == "POST" else ""
        request.rows_of_another_object = opened_on == str(article.pk) and not hasattr(
            request, "working_copy_rows"
        )
        return copy

    def _edits_go_to_a_copy(self, request, article):
        if article.status not in PUBLIC_STATES:
            return False
        publishing_now = "_publish" in request.POST and policy.may_publish(request.user, article)
        return not publishing_now and policy.may_edit(request.user, article)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.copy_made_for_this_save = hasattr(request, "working_copy_rows")
        return form

    def get_formset_kwargs(self, request, obj, inline, prefix):
        """Rows of the live article the form was opened with stand for the copy's rows."""
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if getattr(request, "rows_of_another_object", False):
            # Opened on the live article, but a copy exists now: show the copy's rows.
            kwargs.pop("data", None)
            kwargs.pop("files", None)
            return kwargs
        rows = getattr(request, "working_copy_rows", {}).get(inline.model)
        if rows and "data" in kwargs:
            data = kwargs["data"].copy()
            fk = inline.fk_name or next(
                f.name for f in inline.model._meta.fields if f.related_model is Article
            )
            for key in list(data):
                if not key.startswith(f"{prefix}-"):
                    continue
                if key.endswith("-id") and data[key].isdigit() and int(data[key]) in rows:
                    data[key] = str(rows[int(data[key])])
                elif key.endswith(f"-{fk}"):
                    data[key] = str(obj.pk)
            kwargs["data"] = data
        return kwargs

    # --- Saving: the form, then the step the button asked for ------------------------------

    def save_related(self, request, form, formsets, change):
        """The save and the step of the button, in one unit of work: one revision."""
        article = form.instance
        action = next((name for name in ACTIONS if name in request.POST), "_save")
        note = (form.cleaned_data.get("change_note") or "").strip()
        with services.writing(user=request.user, reason=note):
            super().save_related(request, form, formsets, change)  # the save itself
            try:
                self._take_step(request, article, action, form.cleaned_data, note)
            except (ValidationError, services.StaleEdit) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        for warning in accessibility_warnings(article.body):
            messages.warning(request, f"Accessibility: {warning}")

    def _take_step(self, request, article, action, data, note):
        user = request.user
        if action == "_submit":
            services.submit_for_review(article=article, user=user)
        elif action == "_request_changes":
            services.request_changes(article=article, user=user, note=data.get("review_comment"))
        elif action == "_unpublish":
            services.unpublish_article(article=live_of(article), user=user)
        elif action == "_publish" and article.is_working_copy:
            correction = note if data.get("public_correction") else ""
            services.publish_working_copy(
                live=article.working_copy_of,
                user=user,
                at=data.get("publish_changes_at"),
                reason=note,
                correction=correction,
                anyway=bool(request.POST.get("publish_anyway")),
            )
        elif action == "_publish" and article.status not in (Status.PUBLISHED,):
            services.publish_article(article=article, user=user, at=article.published_at)

    def response_add(self, request, obj, post_url_continue=None):
        return self._back_to_the_form(request, obj)

    def response_change(self, request, obj):
        return self._back_to_the_form(request, obj)

    def _back_to_the_form(self, request, obj):
        """Stay on the article after every save, with links to see it."""
        live = Article.objects.filter(pk=live_of(obj).pk).first()
        if live is None:
            return HttpResponseRedirect(reverse("admin:articles_article_changelist"))
        copy = Article.objects.filter(working_copy_of=live).first()
        preview = reverse("articles:article-preview", args=[(copy or live).pk])
        links = format_html('<a href="{}" target="_blank">Preview</a>', preview)
        if live.is_live:
            links = format_html(
                '{} · <a href="{}" target="_blank">View live</a>', links, live.get_absolute_url()
            )
        messages.info(request, format_html("Saved. {}", links))
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[live.pk]))

    def get_view_on_site_url(self, obj=None):
        """Live articles link to their page; anything else to its preview (never a 404)."""
        if obj is None or obj.pk is None:
            return None
        live = live_of(obj)
        if live.is_live and not obj.is_working_copy:
            return live.get_absolute_url()
        return reverse("articles:article-preview", args=[obj.pk])

    # --- What the form shows ----------------------------------------------------------------

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context.update(self.desk_context(request, obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def desk_context(self, request, obj):
        user = request.user
        live = live_of(obj) if obj is not None else None
        slot = Autosave.objects.filter(
            user=user, article=live if live is not None else None
        ).first()
        if slot is not None and obj is not None and slot.saved_at <= obj.updated_at:
            slot = None  # saved since: nothing to recover
        autosave_url = reverse(
            "admin:articles_article_autosave" if live else "admin:articles_article_autosave_new",
            args=[live.pk] if live else [],
        )
        return {
            "desk": {
                "buttons": workflow_buttons(user, obj),
                "live": live,
                "copy": obj if obj is not None and obj.is_working_copy else None,
                "public": live is not None and live.status in PUBLIC_STATES,
                "state": state_label(obj),
                "autosave_url": autosave_url,
                "autosave": slot,
                "autosave_data": json.dumps(slot.data) if slot else "",
                "link_search_url": reverse("admin:articles_article_link_search"),
                "may_publish": obj is not None and policy.may_publish(user, live),
            }
        }

    # --- Views of the desk -----------------------------------------------------------------

    @staticmethod
    def _live_or_404(object_id):
        article = Article.objects.originals().filter(pk=object_id).first()
        if article is None:
            raise Http404("No such article.")
        return article

    @staticmethod
    def _form_data(request):
        data = {}
        for key in request.POST:
            if key not in AUTOSAVE_SKIP and not key.startswith("_"):
                values = request.POST.getlist(key)
                data[key] = values if len(values) > 1 else values[0]
        return data

    def autosave_view(self, request, object_id=None):
        if request.method != "POST":
            return JsonResponse({"error": "POST the form."}, status=405)
        article = self._live_or_404(object_id) if object_id else None
        try:
            slot = services.autosave(
                article=article, user=request.user, data=self._form_data(request)
            )
        except PermissionDenied:
            return JsonResponse({"error": "You may not edit this article."}, status=403)
        when = date_format(timezone.localtime(slot.saved_at), "H:i:s")
        return JsonResponse({"saved_at": slot.saved_at.isoformat(), "label": f"Draft kept {when}"})

    def link_search_view(self, request):
        """Published articles by title, for the body editor's internal-link picker."""
        if not policy.may_pick_related(request.user):
            raise PermissionDenied
        term = " ".join(request.GET.get("q", "").split())[:100]
        found = Article.objects.published().filter(title__icontains=term) if term else []
        return JsonResponse(
            {
                "results": [
                    {"title": a.title, "url": a.get_absolute_url()}
                    for a in list(found.only("title", "slug")[:10])
                    if term
                ]
            }
        )

    def discard_view(self, request, object_id):
        """GET asks for confirmation; POST discards the working copy."""
        live = self._live_or_404(object_id)
        if not policy.may_edit(request.user, live):
            raise PermissionDenied
        if request.method != "POST":
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "original": live,
                "article": live,
                "title": f"Discard the working copy of “{live}”?",
            }
            return TemplateResponse(request, "admin/articles/article/discard.html", context)
        try:
            services.discard_working_copy(live=live, user=request.user)
        except PermissionDenied as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "The working copy is discarded; the live version stays.")
        return HttpResponseRedirect(reverse("admin:articles_article_change", args=[live.pk]))

    def compare_live_view(self, request, object_id):
        live = self._live_or_404(object_id)
        copy = Article.objects.filter(working_copy_of=live).first()
        if copy is None or not policy.may_edit(request.user, live):
            raise Http404("This article has no working copy.")
        comparison = revisions.compare_revisions(
            revisions.latest_revision(live.pk), revisions.latest_revision(copy.pk), as_given=True
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": live,
            "article": live,
            "title": f"The working copy of “{live}” compared with the live version",
            "comparison": comparison,
            "older_label": "Live",
            "newer_label": "Working copy",
        }
        return TemplateResponse(request, "admin/articles/article/revision_compare.html", context)


def state_label(article):
    """What the form says about where the article stands."""
    if article is None:
        return "New article"
    if article.is_working_copy:
        live = article.working_copy_of
        state = {
            Status.DRAFT: "Working copy (draft)",
            Status.IN_REVIEW: "Working copy, in review",
            Status.CHANGES_REQUESTED: "Working copy, changes requested",
        }[article.status]
        if article.changes_publish_at:
            when = date_format(timezone.localtime(article.changes_publish_at), "j M Y H:i")
            state = f"Working copy, approved: published at {when}"
        return (
            f"{state} of a {'live' if live.is_live else live.get_status_display().lower()} article"
        )
    if article.is_scheduled:
        when = date_format(timezone.localtime(article.published_at), "j M Y H:i")
        return f"Scheduled for {when}"
    return article.get_status_display()


def workflow_buttons(user, article):
    """(name, label, is_primary) of the steps this user may take on this article (or on a new
    one). "Save draft" comes first: it is what Enter in a text field does."""
    if article is None:
        buttons = [("_save", "Save draft", True), ("_submit", "Submit for review", False)]
        if policy.may_publish(user):
            buttons.append(("_publish", "Publish or schedule", False))
        return buttons
    live = live_of(article)
    buttons = [("_save", "Save draft", True)]
    if article.status in (Status.DRAFT, Status.CHANGES_REQUESTED) or (
        not article.is_working_copy and article.status in PUBLIC_STATES
    ):
        buttons.append(("_submit", "Submit for review", False))
    if policy.may_publish(user, live):
        if article.status in PUBLIC_STATES and not article.is_working_copy:
            buttons.append(("_publish", "Save and publish now", False))
        else:
            label = "Approve and publish" if article.status == Status.IN_REVIEW else "Publish"
            buttons.append(("_publish", f"{label} (or schedule)", False))
        if policy.may_request_changes(user, article):
            buttons.append(("_request_changes", "Request changes", False))
        if live.status == Status.PUBLISHED:
            buttons.append(("_unpublish", "Unpublish", False))
    return buttons
