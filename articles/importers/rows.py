"""Articles from a spreadsheet (CSV) or a script (JSON Lines): one row or line per article.

Columns (keys in JSONL), all optional but `title`:

    id            the row's identity in the source (default: source_url, else the title)
    title         the article's title
    authors       names separated by “;” (in byline order)
    date          publication date, ISO 8601 (2024-05-02 or 2024-05-02T09:30:00+04:00)
    topics        names separated by “;”
    summary       plain text
    body_html     the body as HTML (sanitised), or
    body_text     the body as plain text (paragraphs at blank lines)
    image         hero image: a path inside --media-dir, or an http(s) address
    image_alt     its alt text (default: the title)
    credit        its credit line (e.g. “president.az (2019)”)
    source_url    where the article was published before (its old address redirects here)
    status        published (default) or draft

In JSONL, `authors` and `topics` may also be lists. A row is "the same item" as an earlier
import when its `id` (else `source_url`, else title) is the same.
"""

import csv
import json
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

from anyascii import anyascii
from django.utils.text import slugify

from .base import (
    ArticleItem,
    AuthorItem,
    ImportFileError,
    ItemError,
    Rejected,
    TopicItem,
    clean_title,
)
from .bodies import body_from_html, body_from_text
from .common import image_item, parse_datetime, text

COLUMNS = (
    "id", "title", "authors", "date", "topics", "summary", "body_html", "body_text", "image",
    "image_alt", "credit", "source_url", "status",
)  # fmt: skip
STATUSES = {"published": "published", "draft": "draft", "": "published"}


def _names(value):
    if isinstance(value, list):
        return [text(v, 200) for v in value if text(v)]
    return [n.strip()[:200] for n in text(value).split(";") if n.strip()]


def _slug_key(value):
    return slugify(anyascii(value))[:200]


class RowsFile:
    def __init__(self, path, *, kind, media_dir=None):
        self.path = Path(path)
        self.media = media_dir
        self.ignored = Counter()
        self.items, self.images = [], []
        rows = self._csv_rows() if kind == "csv" else self._jsonl_rows()
        for number, row in rows:
            position = f"{self.path.name}, {'row' if kind == 'csv' else 'line'} {number}"
            if not isinstance(row, dict):
                self.items.append(Rejected("article", "failed", position, "not an object"))
                continue
            try:
                self.items.append(self._article(row, position))
            except ItemError as error:
                self.items.append(Rejected("article", "failed", position, str(error)))

    @property
    def post_count(self):
        return len(self.items)

    def _csv_rows(self):
        try:
            with self.path.open(encoding="utf-8-sig", newline="") as handle:
                sample = handle.read(8192)
                handle.seek(0)
                try:
                    dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
                except csv.Error:
                    dialect = csv.excel
                reader = csv.DictReader(handle, dialect=dialect)
                header = [(h or "").strip().lower() for h in reader.fieldnames or []]
                if "title" not in header:
                    raise ImportFileError(f"{self.path}: a CSV file needs a “title” column")
                unknown = sorted(set(header) - set(COLUMNS) - {""})
                if unknown:
                    raise ImportFileError(
                        f"{self.path}: unknown columns {', '.join(unknown)} "
                        f"(known: {', '.join(COLUMNS)})"
                    )
                reader.fieldnames = header
                return [(n, row) for n, row in enumerate(reader, start=2)]
        except UnicodeDecodeError as error:
            raise ImportFileError(f"{self.path}: not UTF-8 text (byte {error.start})") from None
        except csv.Error as error:
            raise ImportFileError(f"{self.path}: unreadable CSV ({error})") from None

    def _jsonl_rows(self):
        rows = []
        try:
            with self.path.open(encoding="utf-8-sig") as handle:
                for number, line in enumerate(handle, start=1):
                    if line.strip():
                        try:
                            rows.append((number, json.loads(line)))
                        except json.JSONDecodeError as error:
                            raise ImportFileError(
                                f"{self.path}: line {number} is not JSON ({error.msg}, column "
                                f"{error.colno})"
                            ) from None
        except UnicodeDecodeError as error:
            raise ImportFileError(f"{self.path}: not UTF-8 text (byte {error.start})") from None
        return rows

    def _article(self, row, position):
        title = clean_title(text(row.get("title")))
        if not title:
            raise ItemError("no title")
        position = f"{position} (“{title[:60]}”)"
        status = text(row.get("status")).lower()
        if status not in STATUSES:
            raise ItemError(f"status “{status}” (use published or draft)")
        published_at = parse_datetime(row.get("date"))
        if STATUSES[status] == "published" and published_at is None:
            raise ItemError("a published article needs a date")
        if text(row.get("body_html")):
            body = body_from_html(row["body_html"])
        else:
            body = body_from_text(text(row.get("body_text")))
        source_url = text(row.get("source_url"))
        identity = text(str(row.get("id") or "")) or source_url or _slug_key(title)
        key = f"rows:{identity}"[:300]
        hero_key = None
        if text(row.get("image")):
            hero_key = f"{key}:image"[:300]
            self.images.append(
                image_item(
                    key=hero_key,
                    position=f"{position}, image",
                    reference=text(row["image"]),
                    media=self.media,
                    fields={
                        "alt_text": (text(row.get("image_alt")) or title)[:300],
                        "credit": text(row.get("credit"), 200),
                    },
                )
            )
        legacy = []
        if source_url:
            parts = urlsplit(source_url)
            if parts.path not in ("", "/") and not parts.query:
                legacy.append(unquote(parts.path))
        return ArticleItem(
            key=key,
            position=position,
            fields={
                "title": title[:300],
                "status": STATUSES[status],
                "published_at": published_at,
                "body": body,
                "summary": text(row.get("summary")),
            },
            authors=[
                AuthorItem(key=f"rows:author:{_slug_key(n)}", name=n)
                for n in _names(row.get("authors"))
            ],
            topics=[
                TopicItem(key=f"rows:topic:{_slug_key(n)}", name=n)
                for n in _names(row.get("topics"))
            ],
            hero_key=hero_key,
            legacy_paths=legacy,
        )
