"""Moving content in and out: WordPress WXR and REST JSON, Ghost JSON, CSV and JSON Lines,
page-text exports and the site's own JSON.

`run_import()` reads and checks every input file before writing anything (a malformed, unsafe
or unknown file is refused as a whole, and every refused file of a folder is named), then writes the items in batches of 100 per commit. Each item is atomic
on its own (its own transaction, or savepoint inside the batch): a bad item is rolled back
alone and reported, the others are kept. New articles of a batch are first tried together
with bulk queries (one revision each); if any of them fails they are written one by one. A
dry run does the same work inside one transaction that is rolled back, with file writes kept
in memory, so it prints exactly the report a real run would.
"""

import gc
import json
from contextlib import closing, contextmanager
from pathlib import Path

from django.db import connection, transaction

from articles import hooks
from articles.revisions import command_user

from .ahead import ImageFiles, read_ahead, worth_it
from .base import (
    ContentWriter,
    ImportFileError,
    ImportReport,
    ItemError,
    Rejected,
    scratch_media,
)
from .ghost import GhostFile, looks_like_ghost
from .json_format import FORMAT, JsonFile
from .media import MediaFolder
from .rows import COLUMNS, RowsFile
from .text import looks_like_page_text, read_page_text
from .vectors import SearchVectorsBeside
from .wp_rest import WpRestFile
from .wxr import WxrFile

FORMATS = ("wxr", "wp-rest", "ghost", "csv", "jsonl", "text", "json")
COMMIT_EVERY = 100  # items per database commit
SUFFIXES = {".xml", ".wxr", ".txt", ".text", ".json", ".csv", ".jsonl", ".ndjson"}

__all__ = ["FORMATS", "ImportFileError", "detect_format", "run_import"]


class _DryRunRollback(Exception):
    pass


def detect_format(path):
    """The format of a file, from its content (the name's suffix is not trusted)."""
    with Path(path).open("rb") as handle:
        head = handle.read(8192).decode("utf-8", errors="replace")
    head = head.lstrip("\ufeff \t\r\n")
    if head.startswith("<"):
        return "wxr"  # the WXR reader refuses any other XML with a clear message
    if head.startswith("["):
        return "wp-rest"  # the REST reader refuses any other list with a clear message
    if head.startswith("{"):
        return _detect_json(path, head)
    first_line = head.splitlines()[0] if head else ""
    header = {
        c.strip().strip('"').lower()
        for c in first_line.replace(";", ",").replace("\t", ",").split(",")
    }
    if "title" in header and header <= set(COLUMNS) | {""}:
        return "csv"
    if "title" in header and any(separator in first_line for separator in ",;\t"):
        unknown = ", ".join(sorted(header - set(COLUMNS) - {""}))
        raise ImportFileError(
            f"{path}: a CSV file with unknown columns {unknown} (known: {', '.join(COLUMNS)})"
        )
    if looks_like_page_text(head):
        return "text"
    raise ImportFileError(
        f"{path}: unknown format (not a WordPress export or REST JSON, a Ghost or site JSON "
        "export, a CSV with a “title” column, JSON Lines, or a page text with an “Author:” "
        "line); pass --format"
    )


def _detect_json(path, head):
    first_line = head.splitlines()[0]
    try:
        record = json.loads(first_line)
    except json.JSONDecodeError:
        record = None
    if isinstance(record, dict):  # one object on the first line: JSON Lines, or a one-line file
        if record.get("format") == FORMAT:
            return "json"
        if looks_like_ghost(record):
            return "ghost"
        if "title" in record:
            return "jsonl"
    if f'"{FORMAT}"' in head:
        return "json"
    if '"db"' in head or ('"meta"' in head and '"data"' in head):
        return "ghost"
    raise ImportFileError(
        f'{path}: JSON, but neither a site export ("format": "{FORMAT}"), a Ghost export '
        "(“db”), a WordPress REST post list nor JSON Lines (one article object per line)"
    )


def expand_paths(paths):
    files = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(
                sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
            )
        elif path.is_file():
            files.append(path)
        else:
            raise ImportFileError(f"{path}: no such file or folder")
    return files


def read_sources(paths, *, fmt="auto", media_dir=None):
    """(kind, source) for every file; ImportFileError naming every refused file."""
    media = MediaFolder(media_dir)
    sources, refused = [], []
    for path in expand_paths(paths):
        try:
            kind = detect_format(path) if fmt == "auto" else fmt
            sources.append((kind, _open(kind, path, media)))
        except ImportFileError as error:
            refused.append(str(error))
        except OSError as error:
            refused.append(f"{path}: cannot be read ({error.strerror or error})")
    if len(refused) == 1:
        raise ImportFileError(refused[0])
    if refused:
        raise ImportFileError(
            f"{len(refused)} files refused:\n" + "\n".join(f"  {r}" for r in refused)
        )
    return _unique_page_texts(sources)


def _open(kind, path, media):
    if kind == "wxr":
        source = WxrFile(path, media_dir=media)
        source.scan()
        return source
    if kind == "json":
        return JsonFile(path, media_dir=media.path)
    if kind == "ghost":
        return GhostFile(path, media_dir=media)
    if kind == "wp-rest":
        return WpRestFile(path, media_dir=media)
    if kind in ("csv", "jsonl"):
        return RowsFile(path, kind=kind, media_dir=media)
    try:
        return read_page_text(path, media_dir=media.path)
    except ItemError as error:
        return Rejected("article", "failed", path.name, str(error))


def _unique_page_texts(sources):
    """Two page texts with the same title would be one article: the later one is refused."""
    seen, unique = {}, []
    for kind, source in sources:
        if kind == "text" and not isinstance(source, Rejected):
            item = source[1]
            if item.key in seen:
                source = Rejected(
                    "article", "failed", item.position, f"same title as {seen[item.key]}"
                )
            else:
                seen[item.key] = item.position
        unique.append((kind, source))
    return unique


def run_import(
    paths,
    *,
    fmt="auto",
    dry_run=False,
    username=None,
    media_dir=None,
    on_existing="update",
    progress=None,
):
    """Import every file in `paths` and return the ImportReport."""
    report = ImportReport(dry_run=dry_run)
    sources = read_sources(paths, fmt=fmt, media_dir=media_dir)
    total = sum(1 if kind == "text" else s.post_count for kind, s in sources)
    writer = ContentWriter(report=report, on_existing=on_existing)
    counter = _Progress(total, progress)
    if not dry_run:
        beside = None
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            beside = writer.search_later = SearchVectorsBeside()
        try:
            with _batch_garbage_collected():
                _write_all(writer, sources, counter, username)
        finally:
            if beside is not None:
                beside.finish()
        published = sorted(set(writer.published))
        if published:
            hooks.run_import_callbacks(published)
        return report
    with scratch_media(), _batch_garbage_collected():
        try:
            with transaction.atomic():
                _write_all(writer, sources, counter, username)
                raise _DryRunRollback
        except _DryRunRollback:
            pass
    return report


@contextmanager
def _batch_garbage_collected():
    """Let `_collect_batch_garbage` collect each batch's garbage cheaply.

    A batch leaves reference cycles behind (model instances, and the querysets and prefetch
    caches that point back at them) that only a full collection frees. Python runs one
    rarely, the more rarely the more objects are alive, so a large import's memory grew with
    every batch (a re-run of 10,000 posts: 17 MB by its end). A full collection looks at
    every object: the ~180,000 alive when the import starts (Django's modules, the sources
    read) would make each take 0.15 s; they live until the end, so they are frozen out of
    collections meanwhile.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _collect_batch_garbage():
    """Free the reference cycles of the batch just written (`_batch_garbage_collected`)."""
    gc.collect()


def _batches(items):
    """Groups of items committed together; each item still has its own savepoint, so a bad
    item rolls back alone (one commit per item would make large imports several times slower).
    """
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == COMMIT_EVERY:
            yield batch
            batch = []
    if batch:
        yield batch


class _Progress:
    def __init__(self, total, callback):
        self.total, self.done, self.callback = total, 0, callback

    def step(self):
        self.done += 1
        if self.callback:
            self.callback(self.done, self.total)


def _write_all(writer, sources, counter, username):
    """Write as `username` (else the system user, the project's rule for commands)."""
    writer.user = command_user(username)
    _write_sources(writer, sources, counter)


def _write_sources(writer, sources, counter):
    for kind, source in sources:
        if kind == "wxr":
            _write_wxr(writer, source, counter)
        elif kind == "json":
            _write_json(writer, source, counter)
        elif kind == "text":
            _write_text(writer, source, counter)
        else:
            _write_listed(writer, source, counter)


def _reject(writer, rejected):
    writer.report.add(rejected.kind, rejected.outcome, rejected.position, rejected.reason)


def _write_wxr(writer, source, counter):
    for what, count in source.ignored.items():
        writer.report.ignored[what] += count
    missing = _write_images(writer, source.image_items())

    def image_url(key):
        image = writer.image_for(key)
        return image.file.url if image is not None and image.file else None

    with closing(read_ahead(source.articles, source.post_count)) as items:
        for batch in _batches(source.point_images(item, image_url) for item in items):
            for item in batch:
                if not isinstance(item, Rejected) and item.hero_key in missing:
                    item.warnings.append(
                        "imported without its featured image (see the failed image)"
                    )
            _write_batch(writer, batch, counter)


def _write_images(writer, images):
    """Write images, COMMIT_EVERY per commit (each in its own savepoint); the keys that failed.
    Many new images have their files read ahead, in other processes (`ahead.ImageFiles`).
    `images` is iterated more than once, and not held in a list: a WXR file makes its items
    as they are iterated."""
    if worth_it(len(images)):
        writer.image_files = ImageFiles(
            images, writer.image_keys_to_read(images), writer.image_reader()
        )
    missing = set()
    try:
        for batch in _batches(images):
            with transaction.atomic():
                writer.prepare_images(batch)
                done = writer.write_new_images(batch)
                for image in batch:
                    if image.key in done:
                        if not done[image.key]:
                            missing.add(image.key)
                    elif writer.write_image(image) is None:
                        missing.add(image.key)
            _collect_batch_garbage()
    finally:
        if writer.image_files is not None:
            writer.image_files.close()
            writer.image_files = None
    return missing


def _write_listed(writer, source, counter):
    """Ghost, REST, CSV and JSONL: hero images first, then the articles in batches."""
    for what, count in source.ignored.items():
        writer.report.ignored[what] += count
    missing = _write_images(writer, {image.key: image for image in source.images}.values())
    for batch in _batches(source.items):
        for item in batch:
            if not isinstance(item, Rejected) and item.hero_key in missing:
                item.hero_key = None
                item.warnings.append("imported without its hero image (see the failed image)")
        _write_batch(writer, batch, counter)


def _write_batch(writer, batch, counter):
    """New articles together when they all succeed, else (and all others) one by one."""
    with transaction.atomic():
        writer.prepare_batch(batch)
        written = writer.write_new_articles(batch)
        for item in batch:
            if isinstance(item, Rejected):
                _reject(writer, item)
            elif id(item) not in written:
                writer.write_article(item)
            counter.step()
    _collect_batch_garbage()


def _write_text(writer, source, counter):
    if isinstance(source, Rejected):
        _reject(writer, source)
    else:
        hero, item = source
        if hero is not None and writer.write_image(hero) is None:
            item.hero_key = None
            item.warnings.append("imported without its hero image (see the failed image)")
        writer.write_article(item)
    counter.step()


def _write_json(writer, source, counter):
    for image in source.images():
        if isinstance(image, Rejected):
            _reject(writer, image)
        else:
            writer.write_image(image)
    for author in source.authors():
        writer.write_author(author)
    for topic in source.topics():
        writer.write_topic(topic)
    for batch in _batches(source.articles()):
        _write_batch(writer, batch, counter)
