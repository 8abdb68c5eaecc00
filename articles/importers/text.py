"""Page-text exports: the text of one published article page per file.

Layout (blank lines between blocks do not matter):

    Site name
    the article title in lower case
    The Article Title
    Author: First Author and Second Author     (one or more lines; "and", "&", "," separate)
    Date: 2024-05-02                             (optional; otherwise the time of import)
    Image source: example.org (2024)             (optional)
    Body paragraph…                              (paragraphs are separated by blank lines)
    Related Articles
    Title of a related article
    Its one-line excerpt                         (title and excerpt pairs)

The article is keyed by its title ("text:<slug>"), so importing the same page again changes
nothing and an edited page updates the article. Related articles become curated links when an
article of that title exists, or pending links that turn into curated links when it is imported
later, so the order of imports does not matter.

The "Image source" credit is data, never body text. When --media-dir holds an image named
after the text file (`page.txt` → `page.jpg|jpeg|png|webp|gif`), it becomes the hero image with
that credit. Without a file no placeholder image is made: the credit is kept on the article
(`Article.image_credit`), so the page still shows "Image source: …" and an editor can add the
image later.
"""

import html
import re
from datetime import datetime, time
from pathlib import Path

from anyascii import anyascii
from django.utils import timezone
from django.utils.text import slugify

from ..credits import CREDIT_LINE
from ..languages import guess_language
from .base import ArticleItem, AuthorItem, ImageItem, ItemError, RelatedRef, clean_title

AUTHOR_LINE = re.compile(r"^authors?\s*:\s*(.+)$", re.I)
DATE_LINE = re.compile(r"^(?:date|published)\s*:\s*(.+)$", re.I)
RELATED_HEADING = re.compile(r"^related\s+articles\s*:?$", re.I)
NAME_SEPARATORS = re.compile(r"\s*(?:,|;|&|\band\b)\s*", re.I)
DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%d %B %Y", "%b %d, %Y", "%d %b %Y")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".webp", ".gif")


def looks_like_page_text(head):
    return any(AUTHOR_LINE.match(line.strip()) for line in head.splitlines()[:40])


def article_key(title):
    return f"text:{slugify(anyascii(title))[:280]}"


def author_key(name):
    return f"text:author:{slugify(anyascii(name))[:270]}"


def _blocks(lines):
    """Groups of consecutive non-blank lines, with the line number where each starts."""
    block, start = [], 0
    for number, line in enumerate(lines, start=1):
        if line.strip():
            if not block:
                start = number
            block.append(line.strip())
        elif block:
            yield start, block
            block = []
    if block:
        yield start, block


def read_page_text(path, *, media_dir=None):
    """Return (hero ImageItem or None, ArticleItem) for one page-text file."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise ItemError(f"not UTF-8 text (byte {error.start})") from None
    lines = text.splitlines()
    header = [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]
    author_at = next((i for i, (_, line) in enumerate(header) if AUTHOR_LINE.match(line)), None)
    if author_at is None or author_at == 0:
        raise ItemError(
            f"{path.name}: no “Author:” line after the title (see the page-text layout)"
        )
    title = clean_title(header[author_at - 1][1])
    position = f"{path.name} (“{title[:60]}”)"
    authors, credit, published_at, cursor = [], "", None, author_at
    while cursor < len(header):
        number, line = header[cursor]
        if match := AUTHOR_LINE.match(line):
            authors.extend(n.strip() for n in NAME_SEPARATORS.split(match.group(1)) if n.strip())
        elif match := CREDIT_LINE.match(line):
            credit = match.group(1).strip()
        elif match := DATE_LINE.match(line):
            published_at = _parse_date(match.group(1).strip(), path.name, number)
        else:
            break
        cursor += 1
    body_from = header[cursor][0] if cursor < len(header) else len(lines) + 1
    paragraphs, related = [], []
    in_related = False
    for _start, block in _blocks(lines[body_from - 1 :]):
        joined = " ".join(block)
        if not in_related and len(block) == 1 and RELATED_HEADING.match(joined):
            in_related = True
        elif in_related:
            related.append(block)
        else:
            paragraphs.append(joined)
    refs = _related_refs(related)

    hero_image, hero_key = None, None
    image_file = _image_file(path, media_dir)
    body = "".join(f"<p>{html.escape(p, quote=False)}</p>" for p in paragraphs)
    if image_file is not None:
        hero_key = f"{article_key(title)}:hero"
        hero_image = ImageItem(
            key=hero_key,
            position=f"{path.name}, hero image {image_file.name}",
            fields={"alt_text": title[:300], "credit": credit[:200]},
            candidates=[image_file.name],
            media_dir=Path(media_dir),
            label=image_file.name,
        )
    language = guess_language(" ".join([title, *paragraphs]))
    item = ArticleItem(
        key=article_key(title),
        position=position,
        fields={
            "title": title,
            "status": "published",
            "published_at": published_at or timezone.now(),
            "body": body,
            # Without an image file the credit stays with the article (never in the body).
            "image_credit": "" if image_file is not None else credit[:200],
            **({"language": language} if language else {}),
        },
        authors=[AuthorItem(key=author_key(name), name=name) for name in authors],
        hero_key=hero_key,
        related=refs,
        # The language is a guess: once an editor could correct it, a new import keeps theirs.
        keep_on_update=("language",) if published_at else ("published_at", "language"),
        warnings=[f"language guessed from the text's script: {language}"] if language else [],
    )
    return hero_image, item


def _related_refs(blocks):
    """Title and excerpt pairs; a title is a one-line block, the excerpt the block after it."""
    refs, expecting_title = [], True
    for block in blocks:
        if expecting_title:
            refs.append(RelatedRef(title=" ".join(block), key=article_key(" ".join(block))))
            expecting_title = False
        else:
            expecting_title = True
    return refs


def _image_file(path, media_dir):
    if not media_dir:
        return None
    for suffix in IMAGE_SUFFIXES:
        for candidate in (path.stem + suffix, path.stem + suffix.upper()):
            found = Path(media_dir) / candidate
            if found.is_file():
                return found
    return None


def _parse_date(value, name, number):
    for date_format in DATE_FORMATS:
        try:
            day = datetime.strptime(value, date_format).date()  # noqa: DTZ007 (a calendar date)
        except ValueError:
            continue
        return timezone.make_aware(datetime.combine(day, time(12, 0)))
    raise ItemError(f"{name}, line {number}: unreadable date “{value}”")
