"""The unit of work every service runs in: `with writing(user=…, reason=…) as unit:`.

Inside, a service locks what it changes, asks the policy, writes rows, and names the articles
it touched. When the block ends without an error, `Unit.finish()` (still in the transaction):

1. writes ONE revision per touched article whose fields or inline rows changed (raising its
   `version`, which makes every form opened on the older version stale), and the public
   corrections asked for;
2. appends the change-log rows (`articles.changes.record`): one event per affected article
   and audience, and a row per author, topic or image whose change readers see;
3. gives articles showing a changed author, topic or image their `updated` event (the first
   `FAN_OUT_INLINE` of them that are not locked by someone else; the rest on the task queue),
   and likewise the live articles whose related block shows an article that changed, so
   their change stamps (`modified_at`) move in the same commit (cached fragments key on it);
4. runs the `articles.hooks.on_write` callbacks (they enqueue suggestion refreshes, fan-out,
   image renditions and cache invalidation as job rows or on-commit work: never slow work in
   the transaction).

Lock order, the same in every service, so overlapping writes never deadlock:
(1) the author, topic or image being edited; (2) articles, `FOR NO KEY UPDATE`, in ascending
id, all those the service knows of at once (`Unit.lock`); (3) their inline rows (implicitly,
by writing them); (4) the change-log insert, which locks nothing. `FOR NO KEY UPDATE` does not
block the key-share locks that inserting a foreign key to an article takes, so adding a link
to an article never waits for an editor of that article. Articles found later (the fan-out)
are locked with `SKIP LOCKED`: what is busy is left to a task instead of waited for.
"""

from contextlib import contextmanager
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .. import changes, hooks, write_path
from ..models import Article, ContentChange, FeedState, PublicCorrection
from ..revisions.capture import inline_state, latest_revision, revision_due
from ..revisions.capture import write_revision as write_revision_row

Subject = ContentChange.Subject
Audience = ContentChange.Audience
# Articles showing a changed author, topic or image that get their event in the same
# transaction; more than that (an author of thousands of articles) go to the task queue.
FAN_OUT_INLINE = 500


@dataclass
class _Touch:
    article: Article
    reason: str | None = None
    correction: str | None = None
    shows_change: bool = False  # something it shows changed (an author's name)
    own: bool = False  # the service changed the article itself (fields, rows or state)
    revision: object = None  # a revision the service wrote itself (bulk imports)


@dataclass
class Unit:
    """What one service call locks, touches and deletes (see the module docstring)."""

    user: object
    reason: str = ""
    bulk: bool = False
    locked: dict = field(default_factory=dict)
    touched: dict = field(default_factory=dict)
    deleted: dict = field(default_factory=dict)  # id -> (article as it was, inline state)
    subjects: list = field(default_factory=list)
    deferred_fan_out: list = field(default_factory=list)  # (subject, object_id, since)
    revisions: dict = field(default_factory=dict)  # id -> history row written by finish()
    showing_deleted: set = field(default_factory=set)  # articles that showed a deleted one
    dependents_pending: bool = False  # some were busy or too many: a task tells them
    renditions_due: list = field(default_factory=list)  # (image id, file, focal x, focal y)

    def lock(self, ids, *, skip_locked=False):
        """Lock these articles (ascending id) and return {id: Article} of those locked."""
        wanted = sorted(set(ids) - set(self.locked))
        if wanted:
            rows = (
                Article.objects.select_for_update(no_key=True, skip_locked=skip_locked)
                .filter(pk__in=wanted)
                .order_by("pk")
            )
            self.locked.update({article.pk: article for article in rows})
        return {pk: self.locked[pk] for pk in ids if pk in self.locked}

    def lock_one(self, article_id):
        found = self.lock([article_id])
        if article_id not in found:
            raise Article.DoesNotExist(f"Article {article_id} does not exist.")
        return found[article_id]

    def adopt(self, article):
        """Work on this in-memory instance of a locked (or newly created) article."""
        self.locked[article.pk] = article
        return article

    def touch(self, article, *, reason=None, correction=None, shows_change=False, revision=None):
        """This article changed (or something it shows did): revision and change log at the end.
        `revision`: its revision is written already (bulk writers)."""
        self.adopt(article)
        entry = self.touched.setdefault(article.pk, _Touch(article))
        entry.revision = revision or entry.revision
        entry.article = article
        entry.reason = reason or entry.reason
        entry.correction = correction or entry.correction
        entry.shows_change = entry.shows_change or shows_change
        entry.own = entry.own or not shows_change

    def delete(self, article):
        """Delete a locked article, keeping its inline rows for its last revision."""
        state = inline_state(article)
        article_id = article.pk
        self.showing_deleted |= hooks.dependents_of([article_id])
        article.delete()
        article.pk = article.id = article_id
        self.touched.pop(article_id, None)
        self.deleted[article_id] = (article, state)

    def object_changed(self, subject, obj, showing, *, refresh=None):
        """An author, topic or image changed: readers see it where a live (or scheduled)
        article shows it. `showing`: queryset of the articles that show it. `refresh`: called
        with the ids of those articles locked here (drafts too), to update what they derive
        from `obj` (the search vectors derive from author names)."""
        published = showing.filter(status=Article.Status.PUBLISHED)
        if published.exists():
            live = published.filter(pk__in=showing.published()).exists()
            self.subjects.append((subject, obj.pk, Audience.PUBLIC if live else Audience.EMBARGO))
        reach = showing if refresh is not None else published
        ids = list(reach.order_by("pk").values_list("pk", flat=True).distinct()[:FAN_OUT_INLINE])
        if not ids:
            return
        since = timezone.now()
        locked = self.lock(ids, skip_locked=True)
        if refresh is not None:
            refresh(list(locked))
        for article in locked.values():
            if article.status == Article.Status.PUBLISHED:
                self.touch(article, shows_change=True)
        if len(locked) < len(ids) or len(ids) == FAN_OUT_INLINE:
            self.deferred_fan_out.append((subject, obj.pk, since))

    def tell_dependents(self):
        """Live articles showing an article changed here (their related block) get their
        `updated` event now, those not locked by someone else (never waited for: they are
        found after this unit's own locks); the rest, and bulk writes, by `log_dependents`."""
        if self.bulk:
            self.dependents_pending = bool(self.touched or self.deleted)
            return
        sources = [
            pk
            for pk, entry in self.touched.items()
            if entry.own and (entry.article.is_live or entry.article.feed_state == FeedState.LIVE)
        ]
        ids = hooks.dependents_of(sources) if sources else set()
        ids = sorted((ids | self.showing_deleted) - set(self.touched) - set(self.deleted))
        if not ids:
            return
        locked = self.lock(ids[:FAN_OUT_INLINE], skip_locked=True)
        for article in locked.values():
            if article.is_live:
                self.touch(article, shows_change=True)
        self.dependents_pending = len(locked) < len(ids)

    def finish(self):
        now = timezone.now()
        self.tell_dependents()
        summary = hooks.WriteSummary(user=self.user, bulk=self.bulk)
        logged = []
        for pk in sorted(self.touched):
            entry = self.touched[pk]
            article = entry.article
            row = entry.revision or self._revise(article, entry, now)
            if row is not None:
                summary.changed.add(pk)
            logged.append(
                changes.Touched(article, content_changed=row is not None or entry.shows_change)
            )
        for pk, (article, state) in sorted(self.deleted.items()):
            self.revisions[pk] = write_revision_row(
                article, history_type="-", state=state, user=self.user, reason=self.reason
            )
            summary.deleted.add(pk)
            logged.append(changes.Touched(article, content_changed=True, deleted=True))
        summary.events = changes.record(logged, subjects=self.subjects, now=now)
        summary.public = {e.object_id for e in summary.events if e.subject == Subject.ARTICLE}
        own = {pk for pk, entry in self.touched.items() if entry.own}
        summary.propagate = summary.public & (own | summary.changed | summary.deleted)
        summary.subjects = list(self.subjects)
        summary.deferred_fan_out = list(self.deferred_fan_out)
        summary.dependents_pending = self.dependents_pending
        summary.showing_deleted = self.showing_deleted - summary.deleted
        summary.renditions_due = list(self.renditions_due)
        hooks.run_write_callbacks(summary)
        return summary

    def _revise(self, article, entry, now):
        """Write the article's revision if it changed (raising its version first)."""
        due = revision_due(article)
        if due is None:
            if entry.correction:  # a notice about an earlier change: readers see it
                latest = latest_revision(article.pk)
                PublicCorrection(
                    article=article,
                    noted_at=now,
                    note=entry.correction,
                    history_id=latest.history_id if latest else None,
                ).save()
                entry.shows_change = True
            return None
        history_type, state = due
        article.version += 1
        article.updated_at = now
        Article.objects.filter(pk=article.pk).update(version=article.version, updated_at=now)
        row = write_revision_row(
            article,
            history_type=history_type,
            state=state,
            user=self.user,
            reason=self.reason or entry.reason,  # the note of the whole call comes first
            when=now,
        )
        self.revisions[article.pk] = row
        if entry.correction:
            PublicCorrection(
                article=article, noted_at=now, note=entry.correction, history_id=row.history_id
            ).save()
        return row


@contextmanager
def writing(*, user, reason="", bulk=False):
    """The unit of work of one service call (see the module docstring).

    Nested calls (a service calling another) share the outer unit: one revision per article
    and one set of change-log rows for the whole call. `bulk`: part of an import, whose
    follow-up work (suggestions) is done once at its end.
    """
    outer = write_path.current_unit()
    if outer is not None:
        yield outer
        return
    with transaction.atomic(), _acting_as(user):
        unit = Unit(user=user, reason=reason, bulk=bulk)
        token = write_path.enter(unit)
        try:
            yield unit
            unit.finish()
        finally:
            write_path.leave(token)


@contextmanager
def _acting_as(user):
    """Every history row written inside names `user`, as the admin's history middleware does."""
    previous = getattr(HistoricalRecords.context, "request", None)
    HistoricalRecords.context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is None:
            del HistoricalRecords.context.request
        else:
            HistoricalRecords.context.request = previous


def latest_editor(article_id):
    """(who, when) of the newest revision: for telling an editor their form is stale."""
    latest = latest_revision(article_id)
    return (latest.history_user if latest else None), (latest.history_date if latest else None)
