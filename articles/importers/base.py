"""What every importer yields, the import report, and the one writer that turns items into content.

Parsers (WXR, page text, JSON) only read; they produce `ArticleItem` and `ImageItem` objects.
`ContentWriter` writes each item through the write path (`articles.services`: its own
transaction or savepoint), keyed by its source identifier, so a re-run changes nothing, a
changed item becomes a revision with the reason "import", and a bad item is reported and
skipped without leaving anything half-written.
"""

import re
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, InMemoryStorage, default_storage
from django.db import DatabaseError, models, transaction
from django.db.models import Q
from django.utils.functional import empty
from simple_history.utils import bulk_create_with_history

from articles import hooks, services
from articles.images import clean_upload, validate_image_file
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
    unique_slugs,
)
from articles.policy import policy
from articles.sanitize import sanitize_html

from .media import MediaError, MediaFolder, download

CHANGE_REASON = "import"
OUTCOMES = ("created", "updated", "unchanged", "skipped", "failed")


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
    parent: "TopicItem | None" = None  # a category's parent (written first)


@dataclass
class ImageItem:
    key: str
    position: str
    fields: dict  # alt_text, caption, credit, …
    lookup: dict | None = None  # default: {"import_key": key}
    candidates: list[str] = field(default_factory=list)  # names inside media_dir, in order
    media_dir: MediaFolder | Path | None = None  # --media-dir; files are only read inside it
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
    language: str = ""  # the source's language code, if it gives one (not written here)
    previous_key: str = ""  # the key earlier versions of the importer gave this item


@dataclass
class Rejected:
    """An item a parser could not turn into content: reported, never written."""

    kind: str
    outcome: str  # "failed" or "skipped"
    position: str
    reason: str


INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad]")


def clean_title(value):
    """A title without zero-width and other invisible characters, spaces collapsed (two titles
    that look the same are the same)."""
    return " ".join(INVISIBLE.sub("", value or "").split())


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


def _open_image_source(item):
    """The file for an image item: from --media-dir (confined to it), else a safe download;
    ItemError (naming the file as the source does) when neither works."""
    folder = (
        item.media_dir if isinstance(item.media_dir, MediaFolder) else MediaFolder(item.media_dir)
    )
    found = folder.find(*item.candidates) if folder and item.candidates else None
    if found is not None:
        return File(found.open("rb"), name=found.name)
    tried = []
    if not folder:
        tried.append("no --media-dir given")
    elif item.candidates:
        tried.append("not found in --media-dir")
    if item.url:
        try:
            data, name = download(item.url)
        except MediaError as error:
            tried.append(str(error))
        else:
            return ContentFile(data, name=name)
    elif not item.candidates:
        tried.append("the source names no file")
    raise ItemError(f"image file missing: {item.label or item.key} ({'; '.join(tried)})")


class StoredImageFile(NamedTuple):
    """An image file read, re-encoded and stored (what `_new_image` needs of it)."""

    name: str
    image_size: tuple[int, int]
    content_hash: str


def read_image_file(item, *, store=False):
    """The item's file checked and re-encoded like an upload (`articles.images.clean_upload`),
    its fields checked first; with `store`, also stored (a StoredImageFile). No database, so
    large imports do it ahead in a second process."""
    Image(**{"import_key": item.key, **item.fields}).full_clean(
        exclude=["file"], validate_unique=False
    )
    source = _open_image_source(item)
    try:
        validate_image_file(source)
        cleaned = clean_upload(source)
    except OSError as error:
        raise ItemError(f"unreadable image ({type(error).__name__})") from None
    finally:
        source.close()
    if not store:
        return cleaned
    return StoredImageFile(
        _store_image_file(item, cleaned), cleaned.image_size, cleaned.content_hash
    )


def _store_image_file(item, cleaned):
    field = Image._meta.get_field("file")
    instance = Image(**{"import_key": item.key, **item.fields})
    name = field.generate_filename(instance, cleaned.name)
    try:
        return field.storage.save(name, cleaned, max_length=field.max_length)
    except OSError as error:
        raise ItemError(f"the image cannot be stored ({type(error).__name__})") from None


# --- Writer ---------------------------------------------------------------------------------


def _current(instance, name):
    """A field's value, a foreign key as its id (no query for the object)."""
    field = instance._meta.get_field(name)
    return getattr(instance, field.attname if field.many_to_one else name)


def _same(current, wanted):
    if isinstance(current, models.Model) or isinstance(wanted, models.Model):
        return getattr(current, "pk", current) == getattr(wanted, "pk", wanted)
    return current == wanted


def related_handler():
    """The related app's import handler (`articles.hooks.register_import_handler`), if any."""
    return hooks.import_handlers.get("related")


class ContentWriter:
    """Writes items through the write path (`articles.services`): one service call (one
    transaction or savepoint) per item; remembers authors, topics and images by key."""

    def __init__(self, *, report, user=None, on_existing="update"):
        self.report = report
        self.user = user
        self.on_existing = on_existing
        self._cache = {}  # (model, key) -> instance, only for committed items
        self._staged = {}  # entries made by the item being written
        self._known_keys = None  # import keys of existing articles, for the current batch
        self._images_known = set()  # image keys looked up for the current batch
        self._images_found = {}  # those already imported
        self._existing = {}  # those articles, read with their inline rows
        self.search_later = None  # computes new articles' search vectors after commit
        self.image_files = None  # files read ahead (`ahead.ImageFiles`), else read as needed
        self.published = []  # ids of the published articles created or updated (not the
        # articles themselves: a large import would hold every body in memory)

    def prepare_batch(self, items):
        """Look up a batch's existing articles at once (fewer queries).

        An article imported under an item's earlier key (`previous_key`, e.g. a WXR GUID alone)
        is that item's article, once: its key is brought up to date by the update.
        """
        articles = [i for i in items if isinstance(i, ArticleItem) and not i.lookup]
        keys = [i.key for i in articles] + [i.previous_key for i in articles if i.previous_key]
        existing = Article.objects.filter(import_key__in=keys).prefetch_related(
            "article_authors", "article_topics", "legacy_paths"
        )
        found = {article.import_key: article for article in existing}
        self._existing = {i.key: found.pop(i.key) for i in articles if i.key in found}
        for item in articles:
            if item.key not in self._existing and item.previous_key in found:
                self._existing[item.key] = found.pop(item.previous_key)
        self._known_keys = set(self._existing)
        handler = related_handler()
        if handler is not None:
            handler.start_batch()

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
            self._note_written(article)
            self._known_keys.add(item.key)
            self.report.add("article", "created", item.position)
            for message in item.warnings:
                self.report.warn(item.position, message)
        return {id(item) for item, _ in written}

    def _bulk_new_articles(self, items):
        with services.writing(user=self.user, reason=CHANGE_REASON, bulk=True):
            prepared = []
            slugs = unique_slugs(Article, [i.slug or i.fields.get("title", "") for i in items])
            for item, slug in zip(items, slugs, strict=True):
                authors = list(
                    {a.pk: a for a in map(self._author, _unique_by_key(item.authors))}.values()
                )
                topics = list(
                    {t.pk: t for t in map(self._topic, _unique_by_key(item.topics))}.values()
                )
                wanted = dict(item.fields)
                wanted["hero_image"] = self.image_for(item.hero_key)
                article = Article(**{"import_key": item.key, **wanted})
                article.slug = slug
                _validate(article)
                rows = {
                    ArticleAuthor: [
                        ArticleAuthor(article=article, author=a, order=n)
                        for n, a in enumerate(authors)
                    ],
                    ArticleTopic: [ArticleTopic(article=article, topic=t) for t in topics],
                }
                prepared.append((item, article, rows))
            services.create_articles(
                user=self.user,
                articles=[article for _, article, _ in prepared],
                inline_rows=[rows for _, _, rows in prepared],
                reason=CHANGE_REASON,
                search_later=self.search_later,
            )
            self._bulk_legacy_paths(prepared)
            for _, article, _ in prepared:
                self._resolve_pending_links(article)
        return [(item, article) for item, article, _ in prepared]

    def _bulk_legacy_paths(self, prepared):
        wanted = {}
        for item, article, _ in prepared:
            for path in self._missing_legacy_paths(article, item, new=True):
                wanted.setdefault(path, (item, article))
        taken = LegacyPath.objects.filter(path__in=wanted).select_related("article")
        for other in taken:
            item, _ = wanted.pop(other.path)
            self.report.warn(
                item.position, f"old address {other.path} already redirects to “{other.article}”"
            )
        shadowing = LegacyPath.article_addresses(wanted)
        for path in sorted(shadowing):
            self.report.warn(
                wanted[path][0].position,
                f"old address {path} is an existing article's address: not redirected",
            )
        LegacyPath.objects.bulk_create(
            LegacyPath(path=path, article=article)
            for path, (_, article) in sorted(wanted.items())
            if path not in shadowing
        )

    # Public entry points: each item in its own transaction.

    def write_image(self, item):
        image = self._unchanged_image(item)
        if image is not None:  # nothing to write: no savepoint, no service call
            self._cache[(Image, item.key)] = _light(image)
            self.report.add("image", "unchanged", item.position)
            return image
        return self._run("image", item.position, self._write_image, item)

    def write_article(self, item):
        article = self._unchanged(item)
        if article is not None:  # nothing to write: no savepoint, no service call
            self.report.add("article", "unchanged", item.position)
        else:
            article = self._run("article", item.position, self._write_article, item)
        for message in item.warnings:
            self.report.warn(item.position, message)
        return article

    def _run(self, kind, position, write, *args):
        self._staged = {}
        try:
            with services.writing(user=self.user, reason=CHANGE_REASON, bulk=True):
                outcome, instance, reason = write(*args)
        except ItemError as error:
            self.report.add(kind, "failed", position, str(error))
            return None
        except ValidationError as error:
            self.report.add(kind, "failed", position, validation_text(error))
            return None
        except PermissionDenied as error:
            self.report.add(kind, "failed", position, f"not allowed: {error}")
            return None
        except SuspiciousOperation:
            self.report.add(kind, "failed", position, "refused file name")
            return None
        except services.StaleEdit:
            self.report.add(
                kind, "failed", position, "changed by someone else during the import; run it again"
            )
            return None
        except (DatabaseError, ValueError, TypeError) as error:
            self.report.add(kind, "failed", position, f"{type(error).__name__}: {error}")
            return None
        finally:
            staged, self._staged = self._staged, {}
        self._cache.update(staged)
        self.report.add(kind, outcome, position, reason)
        if kind == "article" and outcome in ("created", "updated"):
            self._note_written(instance)
        return instance

    def _note_written(self, article):
        if article.status == Article.Status.PUBLISHED:
            self.published.append(article.pk)

    def _remember(self, model, key, instance):
        light = model is Image and instance.pk is not None
        self._staged[(model, key)] = _light(instance) if light else instance
        return instance

    def _cached(self, model, key):
        found = self._staged.get((model, key)) or self._cache.get((model, key))
        if isinstance(found, tuple):  # an image kept light
            pk, file, import_key, width, height = found
            # With its size given, the instance does not open its file to measure it.
            return Image(pk=pk, file=file, import_key=import_key, width=width, height=height)
        return found

    def _stamp(self, instance):
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

    def prepare_images(self, items):
        """Look up a batch's images imported before at once (one query, not one per image)."""
        keys = [item.key for item in items if not item.lookup]
        self._images_known = set(keys)
        self._images_found = {i.import_key: i for i in Image.objects.filter(import_key__in=keys)}

    def image_keys_to_read(self, items):
        """The keys of the items whose file `write_new_images` will read: those not imported
        before (one query per 1,000). A re-run reads no image file."""
        keys = [item.key for item in items if not item.lookup and not item.storage_name]
        known = set()
        for start in range(0, len(keys), 1000):
            known.update(
                Image.objects.filter(import_key__in=keys[start : start + 1000]).values_list(
                    "import_key", flat=True
                )
            )
        return set(keys) - known

    def image_reader(self):
        """How a second process reads image files ahead: with local media it stores them too
        (opening a new file is most of storing it); an S3 client is not to be shared across a
        fork, and a dry run's files are kept in this process's memory, so those store here."""
        local = isinstance(Image._meta.get_field("file").storage, FileSystemStorage)
        return partial(read_image_file, store=local)

    def write_new_images(self, items):
        """Create the batch's new images with two queries (rows and history).

        Returns {key: True when written, False when it failed (reported here)}; the others
        (already imported, or all of them if the insert fails) are left to `write_image`.
        """
        fresh = [
            item
            for item in items
            if not item.lookup
            and not item.storage_name
            and item.key in self._images_known
            and item.key not in self._images_found
        ]
        # A single new image goes this way too when its file was stored ahead (else the
        # one-by-one path would store it a second time).
        fewest = 1 if self.image_files is not None else 2
        if len({item.key for item in fresh}) != len(fresh) or len(fresh) < fewest:
            return {}
        if not policy.may_change(self.user, Image(), "add"):
            return {}
        images, outcome = [], {}
        for item in fresh:
            try:
                images.append((item, self._new_image(item)))
            except ItemError as error:
                self.report.add("image", "failed", item.position, str(error))
                outcome[item.key] = False
            except ValidationError as error:
                self.report.add("image", "failed", item.position, validation_text(error))
                outcome[item.key] = False
        try:
            with (
                transaction.atomic(),
                services.writing(user=self.user, reason=CHANGE_REASON, bulk=True) as unit,
            ):
                bulk_create_with_history(
                    [image for _, image in images],
                    Image,
                    default_user=self.user,
                    default_change_reason=CHANGE_REASON,
                )
                # Renditions are made by the worker after the commit, as for an upload: pages
                # show the original meanwhile.
                unit.renditions_due.extend(
                    (image.pk, image.file.name, image.focal_x, image.focal_y) for _, image in images
                )
        except DatabaseError:
            return outcome
        for item, image in images:
            self._cache[(Image, item.key)] = _light(image)
            self.report.add("image", "created", item.position)
            outcome[item.key] = True
        return outcome

    def _new_image(self, item):
        """An unsaved Image with its file stored (its renditions are made after the commit)."""
        if self.image_files is not None:
            file = self.image_files.pop(item)
        else:
            file = read_image_file(item)
        name = file.name if isinstance(file, StoredImageFile) else _store_image_file(item, file)
        # Built with its file and size at once: assigning a file afterwards measures it again.
        image = Image(
            import_key=item.key,
            **item.fields,
            file=name,
            width=file.image_size[0],
            height=file.image_size[1],
            content_hash=file.content_hash,
        )
        return self._stamp(image)

    def _unchanged_image(self, item):
        """The image of an item imported before and unchanged since (read with its batch)."""
        if item.lookup or self.on_existing != "update" or item.key not in self._images_known:
            return None
        image = self._images_found.get(item.key)
        if image is None or any(not _same(getattr(image, k), v) for k, v in item.fields.items()):
            return None
        return image

    def _write_image(self, item):
        lookup = item.lookup or {"import_key": item.key}
        if not item.lookup and item.key in self._images_known:
            image = self._images_found.get(item.key)
        else:
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
            services.save_image(image=self._stamp(image), user=self.user)
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
                else:  # re-encoded and renamed like an upload (stored by the service)
                    image.file = clean_upload(source)
            finally:
                source.close()
        image.full_clean(exclude=["file"], validate_unique=False)  # the key was looked up
        services.save_image(image=self._stamp(image), user=self.user)
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
        return self._settled(Author, item) or self._sync_named(Author, item)[0]

    def _topic(self, item):
        return self._settled(Topic, item) or self._sync_named(Topic, item)[0]

    def _settled(self, model, item):
        """The author or topic of an earlier item that `_sync_named` would leave as it is (the
        same byline or category on thousands of posts), else None."""
        if item.lookup or getattr(item, "photo_key", None) is not None:
            return None
        instance = self._cached(model, item.key)
        if instance is None or (
            getattr(item, "parent", None) is not None and instance.parent_id is None
        ):
            return None
        return instance

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
        parent = getattr(item, "parent", None)
        if parent is not None:
            extra["parent"] = self._topic(parent)
        if instance is None:
            instance = model(**{"name": item.name, "import_key": item.key, **extra})
            if item.lookup and "slug" in item.lookup:
                instance.slug = item.lookup["slug"]
            instance.full_clean(exclude=["slug", "photo", "parent"], validate_unique=False)
            services.save_object(obj=self._stamp(instance), user=self.user)
            return self._remember(model, item.key, instance), "created"
        outcome = "unchanged"
        if parent is not None and instance.parent_id is None and instance.pk != extra["parent"].pk:
            instance.parent = extra["parent"]  # a hierarchy the site did not have yet
            services.save_object(obj=self._stamp(instance), user=self.user)
            outcome = "updated"
        if item.lookup:  # a full record (JSON): keep every field in step
            wanted = {"name": item.name, **extra}
            changed = {k: v for k, v in wanted.items() if not _same(getattr(instance, k), v)}
            if changed and self.on_existing == "skip":
                outcome = "skipped"
            elif changed:
                for name, value in changed.items():
                    setattr(instance, name, value)
                instance.full_clean(exclude=["slug", "photo"], validate_unique=False)
                services.save_object(obj=self._stamp(instance), user=self.user)
                outcome = "updated"
        return self._remember(model, item.key, instance), outcome

    # Articles

    def _write_article(self, item):
        """Write the article and its inline rows through the article services."""
        outcome, article = self._write_article_rows(item)
        reason = "already imported (--on-existing skip)" if outcome == "skipped" else ""
        return outcome, article, reason

    def _find_existing(self, item):
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
        return article

    def _unchanged(self, item):
        """The article of an item imported before and unchanged since, read with its batch and
        compared with what is known already (settled authors and topics), else None."""
        if not isinstance(item, ArticleItem) or item.lookup or self.on_existing != "update":
            return None
        article = self._existing.get(item.key)
        if article is None or article.import_key != item.key:
            return None
        authors = [self._settled(Author, a) for a in _unique_by_key(item.authors)]
        topics = [self._settled(Topic, t) for t in _unique_by_key(item.topics)]
        if None in authors or None in topics:
            return None
        authors = list({a.pk: a for a in authors}.values())
        topics = list({t.pk: t for t in topics}.values())
        if any(self._changes(article, item, self._wanted(item), authors, topics)):
            return None
        self._find_existing(item)  # taken from the batch, as a write would
        return article

    def _wanted(self, item):
        wanted = dict(item.fields)
        if "body" in wanted:
            wanted["body"] = sanitize_html(wanted["body"])
        wanted["hero_image"] = self.image_for(item.hero_key)
        return wanted

    def _write_article_rows(self, item):
        article = self._find_existing(item)
        if article is not None and self.on_existing == "skip":
            return "skipped", article
        authors = [self._author(a) for a in _unique_by_key(item.authors)]
        authors = list({a.pk: a for a in authors}.values())
        topics = list({t.pk: t for t in map(self._topic, _unique_by_key(item.topics))}.values())
        wanted = self._wanted(item)
        if article is None:
            return "created", self._create_article(item, wanted, authors, topics)
        if not item.lookup and article.import_key != item.key:
            wanted["import_key"] = item.key  # found under its earlier key
        return self._update_article(article, item, wanted, authors, topics)

    def _create_article(self, item, wanted, authors, topics):
        article = Article(**{"import_key": item.key, **wanted})
        article.slug = unique_slug(Article, item.slug or wanted.get("title", ""))
        _validate(article)

        def write_inlines(article):
            self._set_authors(article, authors)
            self._set_topics(article, topics)
            self._set_children(article, item)
            self._add_legacy_paths(article, item, new=True)
            self._set_related(article, item.related)
            self._resolve_pending_links(article)

        return services.create_article(
            article=article, user=self.user, write_inlines=write_inlines, reason=CHANGE_REASON
        )

    def _changes(self, article, item, wanted, authors, topics):
        """(changed fields, authors changed, topics changed, sources or corrections changed,
        related links changed, old addresses to add) of an article the item updates."""
        for name in item.keep_on_update:
            wanted.pop(name, None)
        changed = {k: v for k, v in wanted.items() if not _same(_current(article, k), v)}
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
        handler = related_handler()
        related_changed = (
            item.related is not None
            and handler is not None
            and handler.differs(article, item.related)
        )
        return (
            changed,
            authors_changed,
            topics_changed,
            self._children_differ(article, item),
            related_changed,
            self._missing_legacy_paths(article, item),
        )

    def _update_article(self, article, item, wanted, authors, topics):
        changes = self._changes(article, item, wanted, authors, topics)
        if not any(changes):
            return "unchanged", article
        changed, authors_changed, topics_changed, children_changed, related_changed, _ = changes
        for name, value in changed.items():
            setattr(article, name, value)
        if changed:
            _validate(article)

        def write_inlines(article):
            if "import_key" in changed:  # bookkeeping the service keeps from the row
                Article.objects.filter(pk=article.pk).update(import_key=changed["import_key"])
                article.import_key = changed["import_key"]
            if authors_changed:
                self._set_authors(article, authors, replace=True)
            if topics_changed:
                self._set_topics(article, topics, replace=True)
            if children_changed:
                self._set_children(article, item, replace=True)
            self._add_legacy_paths(article, item)
            if related_changed:
                self._set_related(article, item.related, replace=True)
            if "title" in changed:
                self._resolve_pending_links(article)

        article = services.save_article(
            article=article,
            user=self.user,
            edited_version=article.version,
            write_inlines=write_inlines,
            reason=CHANGE_REASON,
            published_at_given=True,
        )
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
        for path in sorted(missing - {other.path for other in taken}):
            self._save_legacy_path(item, LegacyPath(path=path, article=article))

    def _save_legacy_path(self, item, legacy):
        if legacy.shadows_an_article():
            self.report.warn(
                item.position,
                f"old address {legacy.path} is an existing article's address: not redirected",
            )
            return
        legacy.save()

    # Related links: the related app's handler, when that app is installed

    def _set_related(self, article, refs, replace=False):
        handler = related_handler()
        if refs is not None and handler is not None:
            handler.write(article, refs, replace=replace, stamp=self._stamp)

    def _resolve_pending_links(self, article):
        """Links that waited for this article (by title, key or slug) become curated links:
        the articles that got one are revised too."""
        handler = related_handler()
        if handler is None:
            return
        linked = handler.resolve_pending(article, stamp=self._stamp)
        unit = services.current_unit()
        for other in unit.lock(sorted(linked)).values():
            unit.touch(other, reason=CHANGE_REASON)


def _light(image):
    """What later items need of an image (its id, file and size) as a tuple, not a model instance
    with its renditions: a large import keeps one of these per image (`_cached` rebuilds it)."""
    return (image.pk, image.file.name, image.import_key, image.width, image.height)


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
