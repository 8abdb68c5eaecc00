"""Services for articles: create, save, the publishing workflow, delete, undelete, restore.

Every writer (the admin form and actions, restore and undelete views, importers, management
commands, other apps, the shell) calls these; each runs in one unit of work (`writing`).
"""

from contextlib import contextmanager

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from .. import changes, revisions
from ..models import Article, Autosave, Image, LegacyPath, unique_slug
from ..policy import NOT_ALLOWED, policy
from ..search import search_vectors_after
from . import notifications
from .content import save_new_with_free_slug
from .writing import latest_editor, writing

Status = Article.Status
# Bookkeeping an edit form cannot know better than the locked row (see `save_article`).
ROW_BOOKKEEPING = [
    "version", "created_at", "created_by", "import_key", "modified_at", "feed_state", "feed_slug",
]  # fmt: skip


class StaleEdit(Exception):
    """The article changed since the editor opened it (or the editor named no version)."""

    def __init__(self, article, message=None):
        self.article = article
        self.editor, self.saved_at = latest_editor(article.pk)
        super().__init__(message or "This article was saved by someone else meanwhile.")


def _deny(message):
    raise PermissionDenied(message)


def default_publication_time(article, now):
    """When an article is published without an explicit time: an article already published
    keeps its date; a future date is kept (it schedules); anything else means now."""
    if article.published_at is not None and (
        article.status == Status.PUBLISHED or article.published_at > now
    ):
        return article.published_at
    return now


def _copy_fields(target, source, names):
    for name in names:
        attname = Article._meta.get_field(name).attname
        setattr(target, attname, getattr(source, attname))


def _refresh(caller_copy, saved):
    """Give the caller's instance the saved values (services work on the locked row)."""
    if caller_copy is not saved:
        for model_field in Article._meta.concrete_fields:
            setattr(caller_copy, model_field.attname, getattr(saved, model_field.attname))


# --- Inline rows -----------------------------------------------------------------------------


def replace_inline_rows(article, name, rows):
    """Make the article's inline rows of kind `name` exactly `rows` (dicts of field values;
    related objects or their ids). Rows that stay keep their identity; nothing changes when
    they already match."""
    kind = next(kind for kind in revisions.INLINES if kind.name == name)
    wanted = [_attvalues(kind, row) for row in rows]
    existing = list(kind.rows(article.pk))
    current = [
        {k: v for k, v in kind.snapshot(obj).items() if k not in ("id", "label")}
        for obj in existing
    ]
    if [_comparable(kind, row) for row in wanted] == [_comparable(kind, row) for row in current]:
        return False
    if kind.key == "id":
        keep = {}
    else:
        key = kind.model._meta.get_field(kind.key).attname
        keep = {getattr(obj, key): obj for obj in existing}
        keep = {value: keep[value] for value in (row[key] for row in wanted) if value in keep}
    for obj in existing:
        if obj not in keep.values():
            obj.delete()
    for row in wanted:
        obj = keep.get(row.get(kind.model._meta.get_field(kind.key).attname)) if keep else None
        if obj is None:
            obj = kind.model(**{f"{kind.fk}_id": article.pk})
        elif all(getattr(obj, k) == v for k, v in row.items()):
            continue
        for attname, value in row.items():
            setattr(obj, attname, value)
        obj.full_clean(exclude=[kind.fk], validate_unique=False, validate_constraints=False)
        obj.save()
    return True


def _attvalues(kind, row):
    values = {}
    for name in kind.fields:
        model_field = kind.model._meta.get_field(name)
        value = row.get(name, model_field.get_default())
        if model_field.is_relation and value is not None and hasattr(value, "pk"):
            value = value.pk
        values[model_field.attname] = value
    return values


def _comparable(kind, row):
    return tuple(
        (name, str(value) if value is not None else None)
        for name, value in sorted(row.items())
        if name != "label"
    )


# --- Creating and saving ---------------------------------------------------------------------


def create_article(*, user, article=None, fields=None, inlines=None, write_inlines=None, reason=""):
    """A new article (given as an unsaved instance or as field values), with its inline rows."""
    with writing(user=user, reason=reason) as unit:
        if not policy.may_add(user):
            _deny("You may not write articles.")
        article = article or Article(**(fields or {}))
        if article.status != Status.DRAFT and not policy.may_change_status(
            user, Article(status=Status.DRAFT), article.status
        ):
            _deny(NOT_ALLOWED)
        if article.status == Status.PUBLISHED and article.published_at is None:
            article.published_at = timezone.now()
        if article.created_by_id is None and getattr(user, "pk", None):
            article.created_by = user
        with search_vectors_after([article]):
            save_new_with_free_slug(article)
            unit.adopt(article)
            if write_inlines is not None:
                write_inlines(article)
            for name, rows in (inlines or {}).items():
                replace_inline_rows(article, name, rows)
        unit.touch(article, reason=reason)
        if getattr(user, "pk", None):
            Autosave.objects.filter(user=user, article__isnull=True).delete()
    return article


def create_articles(*, user, articles, inline_rows, reason="", search_later=None):
    """Many new articles at once (imports): a few bulk queries, and still one revision and
    one change-log event per article. `inline_rows[i]` holds the unsaved inline rows of
    `articles[i]` by model ({ArticleAuthor: [...], ...}); they are inserted with their history.
    `search_later`: computes their search vectors after the commit (`search_vectors_after`)."""
    with writing(user=user, reason=reason) as unit:
        if not policy.may_add(user):
            _deny("You may not write articles.")
        draft = Article(status=Status.DRAFT)
        if any(not policy.may_change_status(user, draft, a.status) for a in articles):
            _deny(NOT_ALLOWED)
        for article in articles:
            if article.created_by_id is None and getattr(user, "pk", None):
                article.created_by = user
            article.derive_fields()
        by_model = {}
        for rows in inline_rows:
            for model, objs in rows.items():
                by_model.setdefault(model, []).extend(objs)
        with search_vectors_after(articles, later=search_later):
            Article.objects.bulk_create(articles)
            for model, objs in by_model.items():
                if objs:
                    bulk_create_with_history(
                        objs, model, default_user=user, default_change_reason=reason or None
                    )
        now = timezone.now()
        history = [
            revisions.revision_row(
                article,
                history_type="+",
                state=revisions.state_from_rows(rows),
                user=user,
                reason=reason,
                when=now,
            )
            for article, rows in zip(articles, inline_rows, strict=True)
        ]
        history = Article.history.model.objects.bulk_create(history)
        for article, row in zip(articles, history, strict=True):
            unit.touch(article, reason=reason, revision=row)
    return articles


def save_article(
    *,
    article,
    user,
    edited_version,
    inlines=None,
    write_inlines=None,
    reason="",
    correction="",
    published_at_given=False,
):
    """Save an existing article whose new field values are set on `article`.

    `edited_version` is the version the editor started from: a different (or missing) one is
    refused with `StaleEdit`, never silently overwritten. `published_at_given`: the editor set
    the publication time explicitly (a publisher may back-date or schedule); otherwise the
    usual rule applies (`default_publication_time`). `correction`: show the change note to
    readers as a public correction (only for an article they can already see).
    """
    with writing(user=user, reason=reason) as unit:
        current = unit.lock_one(article.pk)
        if edited_version is None or int(edited_version) != current.version:
            raise StaleEdit(current)
        if not policy.may_change_directly(user, current):
            _deny(
                "You may not edit this article."
                if not policy.may_edit(user, current)
                else "Readers can see this article: edit its working copy instead."
            )
        if article.status != current.status and not policy.may_change_status(
            user, current, article.status
        ):
            _deny(NOT_ALLOWED)
        if article.status == Status.PUBLISHED and not published_at_given:
            article.published_at = default_publication_time(current, timezone.now())
        if (
            article.published_at != current.published_at
            and Status.PUBLISHED in (article.status, current.status)
            and not policy.may_publish(user, current)
        ):
            _deny("Only publishers may change the publication time.")
        if correction and not revisions.public_correction_due(
            was_status=current.status, was_published_at=current.published_at
        ):
            raise ValidationError(
                "Only an article readers can already see gets a public correction notice."
            )
        _copy_fields(article, current, ROW_BOOKKEEPING)
        article.save()
        unit.adopt(article)
        if write_inlines is not None:
            write_inlines(article)
        for name, rows in (inlines or {}).items():
            replace_inline_rows(article, name, rows)
        remember_old_slug(article=article, old_slug=current.slug)
        unit.touch(article, reason=reason, correction=correction.strip() or None)
        Autosave.objects.filter(
            user=user, article_id=article.working_copy_of_id or article.pk
        ).delete()
    return article


@contextmanager
def changing_articles(*, articles, user, reason=""):
    """Change rows that belong to these articles (another app's inline rows, e.g. curated
    links): locks them, checks the user may edit each, and revises them at the end."""
    with writing(user=user, reason=reason) as unit:
        locked = unit.lock([a.pk for a in articles])
        if len(locked) != len({a.pk for a in articles}):
            raise Article.DoesNotExist("An article was deleted meanwhile.")
        for article in locked.values():
            if not policy.may_change_directly(user, article):
                _deny(
                    "Readers can see this article: change it through its working copy."
                    if policy.may_edit(user, article)
                    else "You may not edit this article."
                )
        yield [locked[a.pk] for a in articles]
        for article in locked.values():
            unit.touch(article, reason=reason)


def remember_old_slug(*, article, old_slug):
    """Keep an article's previous address answering with a redirect to the new one."""
    if old_slug and old_slug != article.slug:
        old_path = article.get_absolute_url().replace(f"/{article.slug}/", f"/{old_slug}/")
        legacy = LegacyPath.objects.filter(path=old_path).first() or LegacyPath(path=old_path)
        legacy.article = article
        legacy.save()
        for stale in LegacyPath.objects.filter(path=article.get_absolute_url()):
            stale.delete()


# --- The publishing workflow -----------------------------------------------------------------


def _change_status(*, article, user, status, reason, at=None):
    with writing(user=user, reason=reason) as unit:
        current = unit.lock_one(article.pk)
        if not policy.may_change_status(user, current, status):
            _deny(NOT_ALLOWED)
        if not policy.may_edit(user, current):
            _deny("You may not edit this article.")
        if current.working_copy_of_id is not None:
            raise ValidationError("A working copy is published through its live article.")
        now = timezone.now()
        if status == Status.PUBLISHED:
            current.published_at = at if at is not None else default_publication_time(current, now)
            reason = reason or ("Scheduled" if current.published_at > now else "Published")
            current.review_note = ""
        was_public = current.status in (Status.PUBLISHED, Status.ARCHIVED)
        current.status = status
        if was_public and status not in (Status.PUBLISHED, Status.ARCHIVED):
            _take_back_working_copy(unit, current)
        current.save()
        unit.touch(current, reason=reason)
        if status == Status.PUBLISHED and current.published_at <= now:
            notifications.after_commit(notifications.published, current, user)
    _refresh(article, current)
    return current


def _take_back_working_copy(unit, article):
    """An article readers can no longer see is edited directly again: its working copy's
    changes (nobody's work is lost) become the article's, and the copy goes."""
    copy = Article.objects.filter(working_copy_of=article).first()
    if copy is None:
        return
    copy = unit.lock_one(copy.pk)
    for name in revisions.CONTENT_FIELDS:
        if name not in ("status", "published_at"):
            attname = Article._meta.get_field(name).attname
            setattr(article, attname, getattr(copy, attname))
    state = revisions.inline_state(copy)
    for kind in revisions.INLINES:
        replace_inline_rows(article, kind.name, state.get(kind.name, []))
    unit.delete(copy)


def publish_article(*, article, user, at=None, reason=""):
    """Publish now, or at `at` (a future time schedules the article, a past one back-dates it)."""
    if not policy.may_publish(user):
        _deny(NOT_ALLOWED)
    return _change_status(article=article, user=user, status=Status.PUBLISHED, reason=reason, at=at)


def unpublish_article(*, article, user, reason="Unpublished"):
    return _change_status(article=article, user=user, status=Status.DRAFT, reason=reason)


def archive_article(*, article, user):
    return _change_status(article=article, user=user, status=Status.ARCHIVED, reason="Archived")


def publish_due_articles(*, limit=200):
    """Log the `published` event of scheduled articles whose time has come (see
    `articles.changes`). Articles someone is editing right now are left to their editor."""
    ids = list(changes.due_articles().order_by("pk").values_list("pk", flat=True)[:limit])
    if not ids:
        return 0
    with writing(user=revisions.system_user(), reason="Publication time reached") as unit:
        locked = unit.lock(ids, skip_locked=True)
        for article in locked.values():
            if article.is_live:
                unit.touch(article)
    return len(locked)


# --- Deleting, undeleting, restoring ---------------------------------------------------------


def _articles_linking_to(article_id):
    """Articles with inline rows pointing at this one (curated related links)."""
    found = set()
    for kind in revisions.INLINES:
        if kind.target is not None and kind.target[1] is Article:
            found.update(
                kind.model._default_manager.filter(**{kind.target[0]: article_id}).values_list(
                    f"{kind.fk}_id", flat=True
                )
            )
    return found - {article_id}


def delete_article(*, article, user, reason=""):
    """Delete an article; its last revision keeps everything for an undelete."""
    with writing(user=user, reason=reason or "Deleted") as unit:
        linking = _articles_linking_to(article.pk)
        locked = unit.lock([article.pk, *linking])
        current = locked.get(article.pk)
        if current is None:
            raise Article.DoesNotExist("This article is already deleted.")
        if not policy.may_delete(user, current):
            _deny("You may not delete this article.")
        unit.delete(current)
        for other in locked.values():
            if other.pk != article.pk:
                unit.touch(other, reason=f"Link to deleted “{current.title}” removed")


def undelete_article(*, article_id, user):
    """Bring a deleted article back with its fields and inline rows, as a new revision."""
    history = Article.history.model
    with writing(user=user) as unit:
        deletion = revisions.deleted_articles().filter(id=article_id).first()
        if deletion is not None:  # a concurrent undelete waits here, then finds nothing
            history.objects.select_for_update().filter(history_id=deletion.history_id).first()
            deletion = revisions.deleted_articles().filter(id=article_id).first()
        if deletion is None:
            raise Article.DoesNotExist("This article is not deleted.")
        deletion = history.objects.select_related("history_user").get(
            history_id=deletion.history_id
        )
        article = deletion.instance
        if not policy.may_undelete(user, article):
            _deny("You may not restore this article.")
        if Article.objects.filter(slug=article.slug).exists():
            article.slug = unique_slug(Article, article.title, fallback="article")
        if not revisions.revive(Image, article.hero_image_id):
            article.hero_image_id = None
        article.save(force_insert=True)
        unit.adopt(article)
        skipped = revisions.restore_inlines(article, revisions.resolved_state(deletion))
        unit.touch(article, reason=revisions.undelete_reason(deletion))
    return revisions.RestoreResult(article, unit.revisions.get(article.pk), skipped)


def restore_revision(*, revision, user, restore_status=False):
    """Bring back a revision's fields and inline rows, as a new revision. The article keeps its
    current status and publication time unless `restore_status`."""
    reason = revisions.restore_reason(revision)
    with writing(user=user, reason=reason) as unit:
        article = unit.lock_one(revision.id)
        if not policy.may_restore(user, article, revision, restore_status=restore_status):
            _deny("You may not restore this revision.")
        old_slug = article.slug
        revisions.apply_revision_fields(article, revision, restore_status=restore_status)
        article.save()
        skipped = revisions.restore_inlines(article, revisions.resolved_state(revision))
        remember_old_slug(article=article, old_slug=old_slug)
        unit.touch(article, reason=reason)
    return revisions.RestoreResult(article, unit.revisions.get(article.pk), skipped)
