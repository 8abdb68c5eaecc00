"""Image credits and licences as data: what a page shows as "Image source: …", the licence
names that have a deed URL, and the credit lines old imports left at the top of bodies."""

import html
import re
from dataclasses import dataclass

from .sanitize import html_to_text

# "Image source: president.az (2019)" (also "Image credit:"), as page texts write it.
CREDIT_LINE = re.compile(r"^\s*image\s+(?:source|credit)\s*:\s*(.+?)\s*$", re.I | re.S)
# A body's first paragraph when it is such a line (what the page-text importer used to write).
LEADING_CREDIT_PARAGRAPH = re.compile(
    r"^\s*<p>\s*image\s+(?:source|credit)\s*:(?P<credit>.*?)</p>", re.I | re.S
)
PARAGRAPH = re.compile(r"<p\b[^>]*>(.*?)</p>", re.I | re.S)
HREF = re.compile(r'href="([^"]+)"', re.I)

# Creative Commons licence names ("CC BY-ND 4.0", "CC-BY 4.0", "CC0 1.0") → deed URLs.
CC_LICENCE = re.compile(
    r"^(?:creative\s+commons\s+|cc[\s-]?)(?P<terms>by(?:[\s-](?:nc|sa|nd))*)\s*(?P<version>[1-4]\.0)$",
    re.I,
)
CC_ZERO = re.compile(r"^cc[\s-]?0(?:\s+1\.0)?$|^cc\s+zero$", re.I)
PUBLIC_DOMAIN_MARK = re.compile(r"^public\s+domain(?:\s+mark)?(?:\s+1\.0)?$", re.I)


def licence_url(licence):
    """The URL of a licence: itself when it is one, a Creative Commons deed for CC names,
    else None (free text such as "All rights reserved" stays a copyright notice)."""
    licence = (licence or "").strip()
    if licence.startswith(("https://", "http://")):
        return licence
    if CC_ZERO.match(licence):
        return "https://creativecommons.org/publicdomain/zero/1.0/"
    if PUBLIC_DOMAIN_MARK.match(licence):
        return "https://creativecommons.org/publicdomain/mark/1.0/"
    if match := CC_LICENCE.match(licence):
        terms = re.sub(r"[\s-]+", "-", match["terms"].lower())
        return f"https://creativecommons.org/licenses/{terms}/{match['version']}/"
    return None


def web_link(url):
    """A URL fit for an href (http or https only: imports skip form validation)."""
    return url if (url or "").startswith(("https://", "http://")) else ""


@dataclass(frozen=True)
class Credit:
    """The credit of an article's picture, from the image or, without one, the article."""

    text: str
    url: str = ""
    licence: str = ""

    @property
    def link(self):
        return web_link(self.url)

    @property
    def licence_url(self):
        return licence_url(self.licence)

    def __bool__(self):
        return bool(self.text)


def split_leading_credit(body):
    """(credit text, credit URL, body without it) when a body starts with a credit line."""
    match = LEADING_CREDIT_PARAGRAPH.match(body or "")
    if not match:
        return "", "", body
    inner = match["credit"]
    href = HREF.search(inner)
    text = " ".join(html_to_text(inner).split())
    return text, html.unescape(href.group(1)) if href else "", body[match.end() :].lstrip()


def first_real_paragraph(body):
    """The text of the first paragraph with words in it that is not an image credit line."""
    for inner in PARAGRAPH.findall(body or ""):
        text = " ".join(html_to_text(inner).split())
        if text and not CREDIT_LINE.match(text):
            return text
    if PARAGRAPH.search(body or ""):
        return ""
    blocks = (" ".join(block.split()) for block in html_to_text(body).split("\n\n"))
    return next((block for block in blocks if block and not CREDIT_LINE.match(block)), "")
