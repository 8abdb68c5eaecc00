"""What every importer yields, the import report, and the one writer that turns items into content.

Parsers (WXR, page text, JSON) only read; they produce `ArticleItem` and `ImageItem` objects.
`ContentWriter` writes each item atomically (its own transaction or savepoint), keyed by its
source identifier, so a re-run changes nothing, a changed item becomes a revision with the
reason "import", and a bad item is reported and skipped without leaving anything half-written.
"""

import urllib.error
import urllib.request
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage, default_storage
from django.db import DatabaseError, models, transaction
from django.db.models import Q
from django.utils.functional import empty
from simple_history.utils import bulk_create_with_history

from articles.images import validate_image_file
from articles.models import (
    Article,
    ArticleAuthor,
    ArticleTopic,
    Author,
    Image,
    LegacyPath,
    PublicCorrection,
    Source,
    Topic,
    unique_slug,
)
from articles.sanitize import sanitize_html
from related.models import PendingRelatedLink, RelatedLink

CHANGE_REASON = "import"
OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")
DOWNLOAD_TIMEOUT_SECONDS = 10


class ImportFileError(Exception):
    """A whole input file is refused (unsafe, malformed, unknown format); nothing of it is written."""


class ItemError(Exception):
    """One item cannot be imported; it is reported and skipped."""


# --- Items ----------------------------------------------------------------------------------


@dataclass
class AuthorItem:
    key: str
    name: str
    lookup: dict | None = None  # a full record found this way (JSON: by slug), kept in sync
    fields: dict = field(default_factory=dict)
    photo_key: str | None = None
    position: str = ""


@dataclass
class TopicItem:
    key: str
    name: str
    lookup: dict | None = None
    fields: dict = field(default_factory=dict)
    position: str = ""


@dataclass
class ImageItem:
    key: str
    position: str
    fields: dict  # alt_text, caption, credit, …
    lookup: dict | None = None  # default: {"import_key": key}
    candidates: list[Path] = field(default_factory=list)  # local files to try, in order
    url: str = ""  # downloaded when no local file exists
    label: str = ""  # the file as the source names it, for messages
    storage_name: str = ""  # keep exactly this name in storage (JSON round trip)


@dataclass
class RelatedRef:
    title: str
    key: str = ""  # import key of the target, if known
    slug: str = ""  # slug of the target, if known (JSON)
    order: int | None = None  # default: the position in the list


@dataclass
class ArticleItem:
    key: str
    position: str
    fields: dict  # Article field values (title, status, published_at, body, …)
    lookup: dict | None = None  # default: {"import_key": key}
    slug: str = ""  # wanted slug; empty: made from the title on creation, kept on update
    authors: list[AuthorItem] = field(default_factory=list)
    topics: list[TopicItem] = field(default_factory=list)
    hero_key: str | None = None  # key of an ImageItem written before this article
    legacy_paths: list[str] = field(default_factory=list)
    related: list[RelatedRef] | None = None  # None: the source says nothing about related links
    sources: list[dict] | None = None  # None: leave the article's sources alone
    corrections: list[dict] | None = None
    keep_on_update: tuple[str, ...] = ()  # fields only set on creation (e.g. a made-up date)
    warnings: list[str] = field(default_factory=list)


@dataclass
class Rejected:
    """An item a parser could not turn into content: reported, never written."""

    kind: str
    outcome: str  # "failed" or "skipped"
    position: str
    reason: str


# --- Report ---------------------------------------------------------------------------------


@dataclass
class ImportReport:
    dry_run: bool = False
    counts: dict = field(default_factory=dict)  # kind -> Counter(outcome)
    failures: list[tuple[str, str]] = field(default_factory=list)  # (position, reason)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    ignored: Counter = field(default_factory=Counter)  # what the source had that is not content
    notes: list[str] = field(default_factory=list)

    def add(self, kind, outcome, position="", reason=""):
        self.counts.setdefault(kind, Counter())[outcome] += 1
        if outcome == "failed":
            self.failures.append((position, reason))
        elif outcome == "skipped":
            self.skipped.append((position, reason))

    def warn(self, position, message):
        self.warnings.append((position, message))

    def total(self, outcome):
        return sum(counter[outcome] for counter in self.counts.values())

    def as_text(self):
        lines = ["Import report" + (" (dry run: nothing was written)" if self.dry_run else "")]
        totals = ", ".join(f"{self.total(o)} {o}" for o in OUTCOMES)
        lines.append(f"  all items: {totals}")
        for kind in sorted(self.counts):
            counts = ", ".join(f"{self.counts[kind][o]} {o}" for o in OUTCOMES)
            lines.append(f"  {kind}s: {counts}")
        if self.ignored:
            ignored = ", ".join(f"{n} {what}" for what, n in sorted(self.ignored.items()))
            lines.append(f"  ignored: {ignored}")
        for title, rows in (
            ("Failed", self.failures),
            ("Skipped", self.skipped),
            ("Warnings", self.warnings),
        ):
            if rows:
                lines.append(f"{title}:")
                lines.extend(f"  {position}: {reason}" for position, reason in rows)
        if self.notes:
            lines.append("Notes:")
            lines.extend(f"  {note}" for note in self.notes)
        return "\n".join(lines)


# --- Media ----------------------------------------------------------------------------------


@contextmanager
def scratch_media():
    """Send every file write to memory for the duration (dry runs write no files)."""
    if default_storage._wrapped is empty:
        default_storage._setup()
    original = default_storage._wrapped
    default_storage._wrapped = InMemoryStorage(
        location=str(settings.MEDIA_ROOT), base_url=settings.MEDIA_URL
    )
    try:
        yield
    finally:
        default_storage._wrapped = original


def _download(url):
    if not url.lower().startswith(("http://", "https://")):
        raise OSError("not an http(s) address")
    limit = settings.IMAGE_MAX_UPLOAD_BYTES
    request = urllib.request.Request(url, headers={"User-Agent": "cpc-site importer"})
    with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
        data = response.read(limit + 1)
    if len(data) > limit:
        raise OSError("larger than the upload limit")
    return data


def _open_image_source(item):
    """The file for an image item: a local candidate, else a download; ItemError when neither."""
    for candidate in item.candidates:
        if candidate.is_file():
            return File(candidate.open("rb"), name=candidate.name)
    tried = []
    if item.candidates:
        tried.append(f"no file at {', '.join(str(c) for c in item.candidates)}")
    else:
        tried.append("no --media-dir given")
    if item.url:
        try:
            data = _download(item.url)
        except (OSError, ValueError, urllib.error.URLError) as error:
            reason = getattr(error, "reason", error)
            tried.append(f"download of {item.url} failed ({reason})")
        else:
            name = PurePosixPath(urllib.request.urlparse(item.url).path).name or "image"
            return ContentFile(data, name=name)
    raise ItemError(f"image file missing: {item.label or item.key} ({'; '.join(tried)})")


# --- Writer ---------------------------------------------------------------------------------


def _same(current, wanted):
    if isinstance(current, models.Model) or isinstance(wanted, models.Model):
        return getattr(current, "pk", current) == getattr(wanted, "pk", wanted)
    return current == wanted


class ContentWriter:
    """Writes items; one transaction per item; remembers authors, topics and images by key."""

    def __init__(self, *, report, user=None, on_existing="update", after_publish=None):
        self.report = report
        self.user = user
        self.on_existing = on_existing
        self.after_publish = after_publish
        self._cache = {}  # (model, key) -> instance, only for committed items
        self._staged = {}  # entries made by the item being written
        self._known_keys = None  # import keys of existing articles, for the current batch
        self._existing = {}  # those articles, read with their inline rows
        self._pending_links_exist = True

    def prepare_batch(self, items):
        """Look up a batch's existing articles and pending links at once (fewer queries)."""
        keys = [i.key for i in items if isinstance(i, ArticleItem) and not i.lookup]
        existing = Article.objects.filter(import_key__in=keys).prefetch_related(
            "article_authors", "article_topics", "legacy_paths"
        )
        self._existing = {article.import_key: article for article in existing}
        self._known_keys = set(self._existing)
        self._pending_links_exist = PendingRelatedLink.objects.exists()

    # New articles of a batch, written together (the first import of a large export)

    def write_new_articles(self, items):
        """Create the batch's new, plain articles with a few bulk queries; return those written.

        All or nothing: if any of them fails, none is written and the caller writes each
        item on its own (its own savepoint), so the bad one is reported with its reason.
        """
        fresh = [
            i
            for i in items
            if isinstance(i, ArticleItem)
            and not i.lookup
            and self._known_keys is not None
            and i.key not in self._known_keys
            and i.related is None
            and i.sources is None
            and i.corrections is None
        ]
        if len({i.key for i in fresh}) != len(fresh) or len(fresh) < 2:
            return set()
        self._staged = {}
        try:
            with transaction.atomic():
                written = self._bulk_new_articles(fresh)
        except (ItemError, ValidationError, DatabaseError, ValueError, TypeError):
            self._staged = {}
            return set()
        self._cache.update(self._staged)
        self._staged = {}
        for item, article in written:
            self._known_keys.add(item.key)
            self.report.add("article", "created", item.position)
            for message in item.warnings:
                self.report.warn(item.position, message)
            if article.status == Article.Status.PUBLISHED and self.after_publish:
                self.after_publish(article)
        return {id(item) for item, _ in written}

    def _bulk_new_articles(self, items):
        from articles.revisions import INLINES

        prepared, slugs = [], set()
        for item in items:
            authors = list(
                {a.pk: a for a in map(self._author, _unique_by_key(item.authors))}.values()
            )
            topics = list({t.pk: t for t in map(self._topic, _unique_by_key(item.topics))}.values())
            wanted = dict(item.fields)
            wanted["hero_image"] = self.image_for(item.hero_key)
            article = Article(**{"import_key": item.key, **wanted})
            article.slug = unique_slug(Article, item.slug or wanted.get("title", ""))
            if article.slug in slugs:
                raise ItemError("two new articles want the same address")
            slugs.add(article.slug)
            _validate(article)
            article.derive_fields()
            prepared.append((item, article, authors, topics))
        Article.objects.bulk_create([article for _, article, _, _ in prepared])
        inline_rows, author_links, topic_links = [], [], []
        for _, article, authors, topics in prepared:
            links = [
                ArticleAuthor(article=article, author=a, order=n) for n, a in enumerate(authors)
            ]
            tagged = [ArticleTopic(article=article, topic=t) for t in topics]
            author_links.extend(links)
            topic_links.extend(tagged)
            inline_rows.append({ArticleAuthor: links, ArticleTopic: tagged})
        self._bulk_create(ArticleAuthor, author_links)
        self._bulk_create(ArticleTopic, topic_links)
        self._bulk_legacy_paths(prepared)
        if self._pending_links_exist:
            for _, article, _, _ in prepared:
                self._resolve_pending_links(article)
        # One revision per article, with its inline rows, as `articles.revisions` records them.
        history = Article.history.bulk_history_create(
            [article for _, article, _, _ in prepared],
            default_user=self.user,
            default_change_reason=CHANGE_REASON,
        )
        if any(row.pk is None for row in history):
            raise ValueError("the database did not return the revision ids")
        for row, rows in zip(history, inline_rows, strict=True):
            row.inline_state = _inline_state(INLINES, rows)
        Article.history.model.objects.bulk_update(history, ["inline_state"])
        return [(item, article) for item, article, _, _ in prepared]

    def _bulk_legacy_paths(self, prepared):
        wanted = {}
        for item, article, _, _ in prepared:
            for path in self._missing_legacy_paths(article, item, new=True):
                wanted.setdefault(path, (item, article))
        taken = LegacyPath.objects.filter(path__in=wanted).select_related("article")
        for other in taken:
            item, _ = wanted.pop(other.path)
            self.report.warn(
                item.position, f"old address {other.path} already redirects to “{other.article}”"
            )
        LegacyPath.objects.bulk_create(
            LegacyPath(path=path, article=article) for path, (_, article) in sorted(wanted.items())
        )

    # Public entry points: each item in its own transaction.

    def write_image(self, item):
        return self._run("image", item.position, self._write_image, item)

    def write_article(self, item):
        article = self._run("article", item.position, self._write_article, item)
        for message in item.warnings:
            self.report.warn(item.position, message)
        return article

    def _run(self, kind, position, write, *args):
        self._staged = {}
        try:
            with transaction.atomic():
                outcome, instance, reason = write(*args)
        except ItemError as error:
            self.report.add(kind, "failed", position, str(error))
            return None
        except ValidationError as error:
            self.report.add(kind, "failed", position, validation_text(error))
            return None
        except (DatabaseError, ValueError, TypeError) as error:
            self.report.add(kind, "failed", position, f"{type(error).__name__}: {error}")
            return None
        finally:
            staged, self._staged = self._staged, {}
        self._cache.update(staged)
        self.report.add(kind, outcome, position, reason)
        if (
            kind == "article"
            and outcome in ("created", "updated")
            and instance.status == Article.Status.PUBLISHED
            and self.after_publish
        ):
            self.after_publish(instance)
        return instance

    def _remember(self, model, key, instance):
        self._staged[(model, key)] = instance
        return instance

    def _cached(self, model, key):
        return self._staged.get((model, key)) or self._cache.get((model, key))

    def _stamp(self, instance):
        instance._history_user = self.user
        instance._change_reason = CHANGE_REASON
        return instance

    # Images

    def image_for(self, key):
        if key is None:
            return None
        image = self._cached(Image, key)
        if image is None:
            image = Image.objects.filter(Q(import_key=key) | Q(file=key)).order_by("pk").first()
        return image

    def _write_image(self, item):
        lookup = item.lookup or {"import_key": item.key}
        image = Image.objects.filter(**lookup).first()
        if image is not None:
            self._remember(Image, item.key, image)
            if self.on_existing == "skip":
                return "skipped", image, "already imported (--on-existing skip)"
            changed = {k: v for k, v in item.fields.items() if not _same(getattr(image, k), v)}
            if not changed:
                return "unchanged", image, ""
            for name, value in changed.items():
                setattr(image, name, value)
            image.full_clean(exclude=["file"])
            self._stamp(image).save()
            return "updated", image, ""
        image = Image(**{"import_key": item.key, **item.fields})
        if item.storage_name and default_storage.exists(item.storage_name):
            image.file = item.storage_name  # already in place (same media storage)
        else:
            source = _open_image_source(item)
            try:
                validate_image_file(source)
                if item.storage_name:
                    image.file = default_storage.save(item.storage_name, source)
                else:
                    image.file.save(source.name, source, save=False)
            finally:
                source.close()
        image.full_clean(exclude=["file"])
        self._stamp(image).save()
        return "created", self._remember(Image, item.key, image), ""

    # Authors and topics: found by key, else by slug or name, else created

    def write_author(self, item):
        return self._run("author", item.position, self._write_named, Author, item)

    def write_topic(self, item):
        return self._run("topic", item.position, self._write_named, Topic, item)

    def _write_named(self, model, item):
        instance, outcome = self._sync_named(model, item)
        return outcome, instance, ""

    def _author(self, item):
        return self._sync_named(Author, item)[0]

    def _topic(self, item):
        return self._sync_named(Topic, item)[0]

    def _sync_named(self, model, item):
        """An author or topic: found by lookup (slug), else by key or name, else created."""
        instance = self._cached(model, item.key)
        if instance is None:
            if item.lookup:
                found = model.objects.filter(**item.lookup)
            else:
                found = model.objects.filter(Q(import_key=item.key) | Q(name__iexact=item.name))
            instance = found.order_by("pk").first()
        extra = dict(item.fields)
        if getattr(item, "photo_key", None) is not None:
            extra["photo"] = self.image_for(item.photo_key)
        if instance is None:
            instance = model(**{"name": item.name, "import_key": item.key, **extra})
            if item.lookup and "slug" in item.lookup:
                instance.slug = item.lookup["slug"]
            instance.full_clean(exclude=["slug", "photo"], validate_unique=False)
            self._stamp(instance).save()
            return self._remember(model, item.key, instance), "created"
        outcome = "unchanged"
        if item.lookup:  # a full record (JSON): keep every field in step
            wanted = {"name": item.name, **extra}
            changed = {k: v for k, v in wanted.items() if not _same(getattr(instance, k), v)}
            if changed and self.on_existing == "skip":
                outcome = "skipped"
            elif changed:
                for name, value in changed.items():
                    setattr(instance, name, value)
                self._stamp(instance).save()
                outcome = "updated"
        return self._remember(model, item.key, instance), outcome

    # Articles

    def _write_article(self, item):
        """Write the article and its inline rows, then record ONE revision ("import")."""
        from articles.revisions import collecting, record_revision

        with collecting() as touched:
            outcome, article = self._write_article_rows(item)
        if outcome in ("created", "updated"):
            record_revision(article=article, user=self.user, reason=CHANGE_REASON)
        for other in Article.objects.filter(pk__in=touched - {article.pk}).order_by("pk"):
            record_revision(article=other, user=self.user, reason=CHANGE_REASON)
        reason = "already imported (--on-existing skip)" if outcome == "skipped" else ""
        return outcome, article, reason

    def _write_article_rows(self, item):
        lookup = item.lookup or {"import_key": item.key}
        known = self._known_keys
        if item.lookup or known is None:
            article = Article.objects.filter(**lookup).first()
        elif item.key in self._existing:
            article = self._existing.pop(item.key)  # read with the batch
        elif item.key in known:
            article = Article.objects.filter(**lookup).first()
        else:
            article = None
        if known is not None and not item.lookup:
            known.add(item.key)  # a repeated key in the same batch is looked up
        if article is not None and self.on_existing == "skip":
            return "skipped", article
        authors = [self._author(a) for a in _unique_by_key(item.authors)]
        authors = list({a.pk: a for a in authors}.values())
        topics = list({t.pk: t for t in map(self._topic, _unique_by_key(item.topics))}.values())
        wanted = dict(item.fields)
        if "body" in wanted:
            wanted["body"] = sanitize_html(wanted["body"])
        wanted["hero_image"] = self.image_for(item.hero_key)
        if article is None:
            article = Article(**{"import_key": item.key, **wanted})
            article.slug = unique_slug(Article, item.slug or wanted.get("title", ""))
            _validate(article)
            article.save_without_historical_record()
            self._set_authors(article, authors)
            self._set_topics(article, topics)
            self._set_children(article, item)
            self._add_legacy_paths(article, item, new=True)
            self._set_related(article, item.related)
            self._resolve_pending_links(article)
            return "created", article

        for name in item.keep_on_update:
            wanted.pop(name, None)
        changed = {k: v for k, v in wanted.items() if not _same(getattr(article, k), v)}
        old_slug = article.slug
        if item.slug and item.slug != article.slug:
            slug = unique_slug(Article, item.slug, instance=article)
            if slug != article.slug:
                changed["slug"] = slug
        authors_changed = [link.author_id for link in article.article_authors.all()] != [
            a.pk for a in authors
        ]
        topics_changed = {link.topic_id for link in article.article_topics.all()} != {
            t.pk for t in topics
        }
        children_changed = self._children_differ(article, item)
        related_changed = item.related is not None and self._related_differs(article, item.related)
        new_paths = self._missing_legacy_paths(article, item)
        if not (
            changed
            or authors_changed
            or topics_changed
            or children_changed
            or related_changed
            or new_paths
        ):
            return "unchanged", article
        for name, value in changed.items():
            setattr(article, name, value)
        if changed:
            _validate(article)
            article.save_without_historical_record()
        if authors_changed:
            self._set_authors(article, authors, replace=True)
        if topics_changed:
            self._set_topics(article, topics, replace=True)
        if children_changed:
            self._set_children(article, item, replace=True)
        if "slug" in changed:
            from articles.services import remember_old_slug

            remember_old_slug(article=article, old_slug=old_slug)
        self._add_legacy_paths(article, item)
        if related_changed:
            self._set_related(article, item.related, replace=True)
        if "title" in changed:
            self._resolve_pending_links(article)
        return "updated", article

    def _set_authors(self, article, authors, replace=False):
        if replace:
            for link in article.article_authors.all():
                self._stamp(link).delete()
        self._bulk_create(
            ArticleAuthor,
            [ArticleAuthor(article=article, author=a, order=n) for n, a in enumerate(authors)],
        )

    def _set_topics(self, article, topics, replace=False):
        if replace:
            for link in article.article_topics.all():
                self._stamp(link).delete()
        self._bulk_create(ArticleTopic, [ArticleTopic(article=article, topic=t) for t in topics])

    def _bulk_create(self, model, rows):
        """Insert rows and their history rows in two queries (the revision is recorded once)."""
        if rows:
            bulk_create_with_history(
                rows, model, default_user=self.user, default_change_reason=CHANGE_REASON
            )

    # Sources and public corrections (JSON carries them; other formats leave them alone)

    def _children_differ(self, article, item):
        if item.sources is not None:
            current = [_row(s, item.sources) for s in article.sources.all()]
            if current != item.sources:
                return True
        if item.corrections is not None:
            current = [_row(c, item.corrections) for c in article.corrections.all()]
            if current != item.corrections:
                return True
        return False

    def _set_children(self, article, item, replace=False):
        for model, rows, manager in (
            (Source, item.sources, article.sources),
            (PublicCorrection, item.corrections, article.corrections),
        ):
            if rows is None:
                continue
            if replace:
                for child in manager.all():
                    self._stamp(child).delete()
            for row in rows:
                child = model(article=article, **row)
                child.full_clean(exclude=["article"])
                self._stamp(child).save()

    # Old addresses

    def _missing_legacy_paths(self, article, item, *, new=False):
        current = article.get_absolute_url()
        paths = {p for p in item.legacy_paths if p and p != "/" and p != current}
        if not paths or new:
            return paths
        return paths - {legacy.path for legacy in article.legacy_paths.all()}

    def _add_legacy_paths(self, article, item, *, new=False):
        missing = self._missing_legacy_paths(article, item, new=new)
        if not missing:
            return
        taken = LegacyPath.objects.filter(path__in=missing).select_related("article")
        for other in taken:
            self.report.warn(
                item.position, f"old address {other.path} already redirects to “{other.article}”"
            )
        free = sorted(missing - {other.path for other in taken})
        LegacyPath.objects.bulk_create(LegacyPath(path=path, article=article) for path in free)

    # Related links: curated links when the target exists, pending links until it does

    def _find_target(self, article, ref):
        candidates = Article.objects.exclude(pk=article.pk).order_by("pk")
        if ref.slug:
            found = candidates.filter(slug=ref.slug).first()
            if found:
                return found
        if ref.key:
            found = candidates.filter(import_key=ref.key).first()
            if found:
                return found
        return candidates.filter(title__iexact=ref.title).first() if ref.title else None

    def _wanted_related(self, article, refs):
        links, pending = [], []
        for index, ref in enumerate(refs):
            order = index if ref.order is None else ref.order
            target = self._find_target(article, ref)
            if target is not None:
                links.append((target.pk, order))
            else:
                key = f"slug:{ref.slug}" if ref.slug else ref.key
                pending.append((ref.title, key, order))
        return links, pending

    def _related_differs(self, article, refs):
        links, pending = self._wanted_related(article, refs)
        current_links = list(
            RelatedLink.objects.filter(from_article=article)
            .order_by("order", "pk")
            .values_list("to_article_id", "order")
        )
        current_pending = list(
            PendingRelatedLink.objects.filter(from_article=article)
            .order_by("order", "pk")
            .values_list("target_title", "target_key", "order")
        )
        return current_links != sorted(links, key=lambda x: x[1]) or current_pending != pending

    def _set_related(self, article, refs, replace=False):
        if refs is None:
            return
        if replace:
            for link in RelatedLink.objects.filter(from_article=article):
                self._stamp(link).delete()
            PendingRelatedLink.objects.filter(from_article=article).delete()
        links, pending = self._wanted_related(article, refs)
        for target_id, order in links:
            self._stamp(
                RelatedLink(from_article=article, to_article_id=target_id, order=order)
            ).save()
        for title, key, order in pending:
            self._pending_links_exist = True
            PendingRelatedLink.objects.create(
                from_article=article, target_title=title[:300], target_key=key[:300], order=order
            )

    def _resolve_pending_links(self, article):
        """Links that waited for this article (by title, key or slug) become curated links."""
        if not self._pending_links_exist:
            return
        query = Q(target_title__iexact=article.title) | Q(target_key=f"slug:{article.slug}")
        if article.import_key:
            query |= Q(target_key=article.import_key)
        for pending in PendingRelatedLink.objects.filter(query).exclude(from_article=article):
            exists = RelatedLink.objects.filter(
                from_article_id=pending.from_article_id, to_article=article
            ).exists()
            if not exists:
                self._stamp(
                    RelatedLink(
                        from_article_id=pending.from_article_id,
                        to_article=article,
                        order=pending.order,
                    )
                ).save()
            pending.delete()


def _inline_state(kinds, rows_by_model):
    """A revision's inline snapshot from rows in memory, ordered as each kind orders them."""

    def value(obj, path):
        for name in path.split("__"):
            obj = getattr(obj, name)
        return obj

    state = {}
    for kind in kinds:
        rows = sorted(
            rows_by_model.get(kind.model, []),
            key=lambda obj: tuple(value(obj, path) for path in kind.order_by),
        )
        state[kind.name] = [kind.snapshot(obj) for obj in rows]
    return state


def _unique_by_key(items):
    return list({item.key: item for item in items}.values())


def _row(instance, rows):
    names = rows[0].keys() if rows else ()
    return {name: getattr(instance, name) for name in names}


def _validate(article):
    """Field rules in Python; uniqueness and constraints are the database's (one query less)."""
    article.full_clean(
        exclude=["slug", "body", "hero_image", "created_by"],
        validate_unique=False,
        validate_constraints=False,
    )
    if article.status == Article.Status.PUBLISHED and article.published_at is None:
        raise ItemError("a published article needs a publication date")


def validation_text(error):
    if hasattr(error, "message_dict"):
        return "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in error.message_dict.items()
        )
    return " ".join(error.messages)
