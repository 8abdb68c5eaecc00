"""How to cite an article: Chicago and APA for the page, BibTeX, RIS and CSL-JSON to download.

One function, `citation_formats(article)`, serves the page, the downloads and the API.
It reads `article.ordered_authors` (prefetched by `for_listing()`) and makes no query of its own.
"""

import html
import re
from dataclasses import dataclass

from anyascii import anyascii
from django.conf import settings
from django.utils import timezone
from django.utils.html import escape, strip_tags
from django.utils.safestring import mark_safe

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
BIBTEX_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
NAME_PARTICLES = {"van", "von", "der", "den", "de", "del", "della", "di", "da", "du", "la", "le", "al", "el", "bin", "ibn"}  # fmt: skip
NAME_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv"}
CHICAGO_MAX_AUTHORS = 10  # Chicago 17th ed. 14.76: more than ten, list seven and "et al."
CHICAGO_LISTED_WHEN_TRUNCATED = 7
APA_MAX_AUTHORS = 20  # APA 7th ed. 9.8: 21 or more, list 19, an ellipsis, then the last
CSL_TYPES = {"report": "report"}


@dataclass(frozen=True)
class PersonName:
    """A name split the way citation styles need it; `literal` for one-word names and bodies."""

    given: str = ""
    family: str = ""
    suffix: str = ""
    literal: str = ""

    @classmethod
    def parse(cls, full_name):
        name = " ".join((full_name or "").split())
        if "," in name:  # "Family, Given" as some sources write it
            family, _, given = name.partition(",")
            if family.strip() and given.strip():
                return cls(given=given.strip(), family=family.strip())
        words = name.split(" ")
        suffix = ""
        if len(words) > 2 and words[-1].lower() in NAME_SUFFIXES:
            suffix = words.pop()
        if len(words) < 2:
            return cls(literal=name)
        start = len(words) - 1
        while start > 1 and words[start - 1].lower() in NAME_PARTICLES:
            start -= 1
        return cls(given=" ".join(words[:start]), family=" ".join(words[start:]), suffix=suffix)

    @property
    def natural(self):
        """Given Family, Suffix."""
        if self.literal:
            return self.literal
        text = f"{self.given} {self.family}"
        return f"{text}, {self.suffix}" if self.suffix else text

    @property
    def inverted(self):
        """Family, Given, Suffix."""
        if self.literal:
            return self.literal
        text = f"{self.family}, {self.given}"
        return f"{text}, {self.suffix}" if self.suffix else text

    @property
    def initials(self):
        """APA initials: "Jean-Paul Marie" -> "J.-P. M."."""
        parts = []
        for word in self.given.split():
            pieces = [piece for piece in word.split("-") if piece]
            parts.append("-".join(f"{piece[0]}." for piece in pieces))
        return " ".join(parts)

    @property
    def apa(self):
        if self.literal:
            return self.literal
        text = f"{self.family}, {self.initials}"
        return f"{text}, {self.suffix}" if self.suffix else text

    def csl(self):
        if self.literal:
            return {"literal": self.literal}
        data = {"family": self.family, "given": self.given}
        if self.suffix:
            data["suffix"] = self.suffix
        return data


@dataclass(frozen=True)
class CitationData:
    title: str
    authors: list
    date: object  # datetime.date or None
    url: str
    site: str
    article_type: str
    summary: str
    keywords: list
    slug: str


def citation_data(article):
    published = article.published_at and timezone.localtime(article.published_at).date()
    return CitationData(
        title=" ".join(article.title.split()),
        authors=[PersonName.parse(author.name) for author in article.ordered_authors],
        date=published or None,
        url=article.public_url,
        site=settings.SITE_NAME,
        article_type=article.get_article_type_display(),
        summary=" ".join(article.excerpt.split()),
        keywords=[topic.name for topic in article.topic_list],
        slug=article.slug,
    )


def citation_formats(article):
    """Every citation of `article`: `chicago`, `apa`, `bibtex`, `ris` (str) and `csl` (dict)."""
    data = citation_data(article)
    return {
        "chicago": _strip_tags(chicago_html(data)),
        "apa": _strip_tags(apa_html(data)),
        "bibtex": bibtex(data),
        "ris": ris(data),
        "csl": csl_json(data),
    }


def citation_html(article):
    """Chicago and APA with their italics, for the page."""
    data = citation_data(article)
    return {"chicago": mark_safe(chicago_html(data)), "apa": mark_safe(apa_html(data))}


# Chicago (notes and bibliography, bibliography entry for web content)


def _join_with_and(items, serial_comma=True):
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} and {items[1]}"
    comma = "," if serial_comma else ""
    return ", ".join(items[:-1]) + f"{comma} and {items[-1]}"


def _end_sentence(text, mark="."):
    return text if text.endswith((".", "?", "!")) else text + mark


def _long_date(day):
    return f"{MONTHS[day.month - 1]} {day.day}, {day.year}"


def chicago_html(data):
    parts = []
    if data.authors:
        names = data.authors
        if len(names) > CHICAGO_MAX_AUTHORS:
            listed = [names[0].inverted] + [
                n.natural for n in names[1:CHICAGO_LISTED_WHEN_TRUNCATED]
            ]
            byline = ", ".join(listed) + ", et al."
        elif len(names) == 2:
            byline = f"{names[0].inverted}, and {names[1].natural}"
        else:
            byline = _join_with_and([names[0].inverted] + [n.natural for n in names[1:]])
        parts.append(escape(_end_sentence(byline)))
    parts.append(f"“{escape(_end_sentence(data.title))}”")
    date = _long_date(data.date) if data.date else "n.d."
    parts.append(f"<i>{escape(data.site)}</i>, {date}.")
    parts.append(escape(f"{data.url}."))
    return " ".join(parts)


# APA 7th edition (web page on a news or organisational website)


def _apa_byline(names):
    rendered = [name.apa for name in names]
    if len(rendered) > APA_MAX_AUTHORS:
        return ", ".join(rendered[: APA_MAX_AUTHORS - 1]) + ", . . . " + rendered[-1]
    if len(rendered) == 1:
        return rendered[0]
    return ", ".join(rendered[:-1]) + ", & " + rendered[-1]


def apa_html(data):
    if data.date:
        date = f"({data.date.year}, {MONTHS[data.date.month - 1]} {data.date.day})."
    else:
        date = "(n.d.)."
    title = f"<i>{escape(_end_sentence(data.title))}</i>"
    if data.authors:
        head = f"{escape(_end_sentence(_apa_byline(data.authors)))} {date} {title}"
    else:  # APA 9.12: with no author, the title moves to the author position
        head = f"{title} {date}"
    return f"{head} {escape(data.site)}. {escape(data.url)}"


# BibTeX (works with BibTeX and biblatex; UTF-8)

_BIBTEX_SPECIALS = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_BIBTEX_SPECIALS_RE = re.compile(r"[\\{}&%$#_~^]")


def _bibtex_escape(text):
    return _BIBTEX_SPECIALS_RE.sub(lambda match: _BIBTEX_SPECIALS[match.group()], text)


def _bibtex_name(name):
    if name.literal:  # braces keep a one-word name or body from being split
        return "{" + _bibtex_escape(name.literal) + "}"
    family = _bibtex_escape(name.family)
    given = _bibtex_escape(name.given)
    if name.suffix:
        return f"{family}, {_bibtex_escape(name.suffix)}, {given}"
    return f"{family}, {given}"


def bibtex_key(data):
    who = data.authors[0].family or data.authors[0].literal if data.authors else data.site
    who_ascii = re.sub(r"[^a-z0-9]", "", anyascii(who).lower()) or "anon"
    year = str(data.date.year) if data.date else "nd"
    words = [w for w in re.findall(r"[a-z0-9]+", anyascii(data.title).lower()) if len(w) > 3]
    return f"{who_ascii}{year}{words[0] if words else ''}"


def bibtex(data):
    fields = []
    if data.authors:
        fields.append(("author", " and ".join(_bibtex_name(n) for n in data.authors)))
    fields.append(("title", "{" + _bibtex_escape(data.title) + "}"))
    fields.append(("howpublished", _bibtex_escape(data.site)))
    fields.append(("organization", _bibtex_escape(data.site)))
    if data.date:
        fields.append(("year", str(data.date.year)))
        fields.append(("month", BIBTEX_MONTHS[data.date.month - 1]))
        fields.append(("date", data.date.isoformat()))
    fields.append(("url", data.url))
    fields.append(("note", _bibtex_escape(data.article_type)))
    if data.keywords:
        fields.append(("keywords", _bibtex_escape(", ".join(data.keywords))))
    lines = []
    for name, value in fields:
        rendered = value if name == "month" else "{" + value + "}"
        lines.append(f"  {name} = {rendered}")
    return f"@misc{{{bibtex_key(data)},\n" + ",\n".join(lines) + "\n}\n"


# RIS (Research Information Systems), CRLF line ends as the format expects


def _ris_clean(text):
    return " ".join(str(text).split())


def ris(data):
    lines = [("TY", "ELEC")]
    lines += [("AU", _ris_clean(name.inverted)) for name in data.authors]
    lines.append(("TI", _ris_clean(data.title)))
    lines.append(("T2", _ris_clean(data.site)))
    lines.append(("PB", _ris_clean(data.site)))
    if data.date:
        lines.append(("PY", str(data.date.year)))
        lines.append(("DA", data.date.strftime("%Y/%m/%d")))
    lines.append(("UR", data.url))
    if data.summary:
        lines.append(("AB", _ris_clean(data.summary)))
    lines += [("KW", _ris_clean(keyword)) for keyword in data.keywords]
    lines.append(("M3", _ris_clean(data.article_type)))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}\r\n" for tag, value in lines)


# CSL-JSON (Citation Style Language), one item


def csl_json(data):
    # The site is the container of a web page and the publisher of a report, never both
    # (styles print each: "Review, Review"); the type of article is no genre ("[Analysis]").
    csl_type = CSL_TYPES.get(data.article_type.lower(), "webpage")
    item = {"id": data.slug, "type": csl_type, "title": data.title}
    item["publisher" if csl_type == "report" else "container-title"] = data.site
    item["URL"] = data.url
    if data.authors:
        item["author"] = [name.csl() for name in data.authors]
    if data.date:
        item["issued"] = {"date-parts": [[data.date.year, data.date.month, data.date.day]]}
    if data.summary:
        item["abstract"] = data.summary
    if data.keywords:
        item["keyword"] = ", ".join(data.keywords)
    return item


def _strip_tags(html_text):
    return html.unescape(strip_tags(html_text))
