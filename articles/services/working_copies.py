"""Working copies of public articles (Wagtail's model), the review workflow, and autosave.

Readers see a published (or scheduled, or archived) article exactly as a Publisher last
published it. Anyone else who edits it changes a *working copy*: another article row that is
never public (`working_copy_of` points at the live article; its status is its review state),
with its own inline rows and revisions, so the admin edits, previews and compares it like any
article. Publishing the copy copies its fields and inline rows onto the live article as ONE
revision of it (through the write path: one change-log event), now or at a set time, and
deletes the copy (its revisions stay in the history). A copy remembers the live version it
started from: if the live article changed since, publishing it needs an explicit "publish
anyway" after comparing.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone

from .. import revisions
from ..models import Article, Autosave
from ..policy import NOT_ALLOWED, policy
from . import notifications
from .articles import (
    StaleEdit,
    _deny,
    remember_old_slug,
    replace_inline_rows,
)
from .writing import writing

Status = Article.Status
# What a working copy carries over to its live article (the workflow fields stay behind).
COPIED_FIELDS = [
    name for name in revisions.CONTENT_FIELDS if name not in ("status", "published_at")
]


def _copy_fields(target, source):
    for name in COPIED_FIELDS:
        attname = Article._meta.get_field(name).attname
        setattr(target, attname, getattr(source, attname))


def start_working_copy(*, article, user):
    """The working copy of a public article, made now if it has none. Returns (copy, map):
    `map` tells, per inline model, which row of the copy stands for which row of the live
    article ({model: {live row id: copy row id}}), for forms opened on the live article."""
    with writing(user=user, reason="Working copy started") as unit:
        live = unit.lock_one(article.pk)
        existing = Article.objects.filter(working_copy_of=live).first()
        if existing is not None:
            return unit.lock_one(existing.pk), {}
        if not policy.may_edit(user, live):
            _deny("You may not edit this article.")
        if live.status not in (Status.PUBLISHED, Status.ARCHIVED):
            raise ValueError("Only a public article is edited through a working copy.")
        copy = Article(
            working_copy_of=live,
            status=Status.DRAFT,
            published_at=live.published_at,
            version=live.version,
            based_on_version=live.version,
            created_by=user if getattr(user, "pk", None) else None,
        )
        _copy_fields(copy, live)
        copy.save()
        unit.adopt(copy)
        row_map = {}
        for kind in revisions.INLINES:
            for row in kind.rows(live.pk):
                live_id = row.pk
                row.pk = row.id = None
                setattr(row, f"{kind.fk}_id", copy.pk)
                row._state.adding = True
                row.save()
                row_map.setdefault(kind.model, {})[live_id] = row.pk
        unit.touch(copy, reason="Working copy started")
    # The copy carries the live version it copies (its first revision raised it): a form
    # opened on the live article saves into the new copy without being taken for stale.
    Article.objects.filter(pk=copy.pk).update(version=live.version)
    copy.version = live.version
    return copy, row_map


def submit_for_review(*, article, user):
    """A draft (or working copy) goes to the Publishers for review; they are told."""
    with writing(user=user, reason="Submitted for review") as unit:
        current = unit.lock_one(article.pk)
        if not policy.may_edit(user, current):
            _deny("You may not edit this article.")
        if current.status not in (Status.DRAFT, Status.CHANGES_REQUESTED):
            raise ValidationError("Only a draft can be submitted for review.")
        current.status = Status.IN_REVIEW
        current.save()
        unit.touch(current)
        notifications.after_commit(notifications.submitted, current, user)
    return current


def request_changes(*, article, user, note):
    """Send an article (or working copy) in review back to its author with a comment."""
    note = (note or "").strip()
    if not note:
        raise ValidationError("Say what should change: the author gets your comment.")
    with writing(user=user, reason=f"Changes requested: {note}") as unit:
        current = unit.lock_one(article.pk)
        if not policy.may_request_changes(user, current):
            _deny("Only a Publisher may request changes to an article in review.")
        current.status = Status.CHANGES_REQUESTED
        current.review_note = note
        current.save()
        unit.touch(current)
        notifications.after_commit(notifications.changes_requested, current, user)
    return current


def publish_working_copy(*, live, user, at=None, reason="", correction="", anyway=False):
    """Replace the live version by its working copy: now, or at `at` (the copy then waits,
    approved). `anyway`: publish although the live article changed since the copy began."""
    with writing(user=user, reason=reason or "Published changes") as unit:
        copy = Article.objects.filter(working_copy_of_id=live.pk).values_list("pk", flat=True)
        locked = unit.lock([live.pk, *copy])
        current = locked.get(live.pk)
        copy = next((a for a in locked.values() if a.working_copy_of_id == live.pk), None)
        if current is None or copy is None:
            raise Article.DoesNotExist("There is no working copy to publish.")
        if not policy.may_publish(user, current):
            _deny(NOT_ALLOWED)
        if copy.based_on_version != current.version and not anyway:
            raise StaleEdit(
                current,
                "The live article changed since this working copy was started: compare them, "
                "then publish anyway or discard the copy.",
            )
        if at is not None and at > timezone.now():
            copy.changes_publish_at = at
            copy.status = Status.IN_REVIEW
            copy.review_note = ""
            copy.save()
            unit.touch(
                copy, reason=f"Changes scheduled for {timezone.localtime(at):%d %b %Y %H:%M}"
            )
            return current
        taken = Article.objects.originals().exclude(pk=current.pk).filter(slug=copy.slug)
        if taken.exists():
            raise ValidationError(f"Another article has the address “{copy.slug}”.")
        old_slug = current.slug
        _copy_fields(current, copy)
        current.save()
        state = revisions.inline_state(copy)
        for kind in revisions.INLINES:
            replace_inline_rows(current, kind.name, state.get(kind.name, []))
        remember_old_slug(article=current, old_slug=old_slug)
        unit.touch(current, reason=reason or "Published changes", correction=correction or None)
        unit.delete(copy)
        notifications.after_commit(notifications.published, current, user)
    return current


def discard_working_copy(*, live, user):
    with writing(user=user, reason="Working copy discarded") as unit:
        copy = Article.objects.filter(working_copy_of_id=live.pk).first()
        if copy is None:
            return
        locked = unit.lock([live.pk, copy.pk])
        if not policy.may_edit(user, locked[live.pk]):
            _deny("You may not edit this article.")
        unit.delete(locked[copy.pk])


def publish_due_working_copies(*, limit=50):
    """Working copies approved for a time that has come replace their live versions. One
    whose live article changed meanwhile is sent back to review instead (its approver is told)."""
    due = Article.objects.filter(
        working_copy_of__isnull=False, changes_publish_at__lte=timezone.now()
    ).select_related("working_copy_of")
    published = 0
    for copy in due.order_by("changes_publish_at", "pk")[:limit]:
        try:
            publish_working_copy(
                live=copy.working_copy_of,
                user=revisions.system_user(),
                reason="Scheduled changes published",
            )
            published += 1
        except StaleEdit:
            with writing(user=revisions.system_user()) as unit:
                late = unit.lock_one(copy.pk)
                late.changes_publish_at = None
                late.review_note = "Not published at the set time: the live article changed."
                late.save()
                unit.touch(late)
    return published


def autosave(*, article, user, data):
    """Keep what the editor typed (one slot per editor and article; never a revision)."""
    if article is not None and not policy.may_edit(user, article):
        raise PermissionDenied("You may not edit this article.")
    if article is None and not policy.may_add(user):
        raise PermissionDenied("You may not write articles.")
    slot, _ = Autosave.objects.update_or_create(
        user=user, article=article, defaults={"data": data, "saved_at": timezone.now()}
    )
    return slot


def clear_autosave(*, article, user):
    Autosave.objects.filter(
        Q(article=article) if article else Q(article__isnull=True), user=user
    ).delete()
