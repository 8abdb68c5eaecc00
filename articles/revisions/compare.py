"""Comparing revisions: field changes, a word diff of the body, inline changes."""

import re
from dataclasses import dataclass, field
from datetime import datetime
from difflib import SequenceMatcher

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape
from django.utils.safestring import mark_safe

from ..models import (
    Article,
    Image,
)
from ..sanitize import html_to_text
from .capture import (
    CONTENT_FIELDS,
    INLINES,
    resolved_state,
)


@dataclass
class FieldChange:
    name: str
    label: str
    old: object
    new: object


@dataclass
class InlineChange:
    change: str  # added, removed, changed, reordered
    text: str


@dataclass
class Comparison:
    older: object
    newer: object
    fields: list = field(default_factory=list)
    body_diff: str | None = None
    inlines: dict = field(default_factory=dict)

    @property
    def has_changes(self):
        return bool(self.fields or self.body_diff or self.inlines)


def word_diff(old_text, new_text):
    """HTML of the new text with inserted words in <ins> and deleted words in <del>."""
    old_words, new_words = re.split(r"(\s+)", old_text), re.split(r"(\s+)", new_text)
    parts = []
    matcher = SequenceMatcher(None, old_words, new_words, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(escape("".join(new_words[b1:b2])))
            continue
        if op in {"delete", "replace"}:
            parts.append(f"<del>{escape(''.join(old_words[a1:a2]))}</del>")
        if op in {"insert", "replace"}:
            parts.append(f"<ins>{escape(''.join(new_words[b1:b2]))}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 (every word is escaped above)


def _display(name, value, images):
    if value in (None, ""):
        return "—"
    if name == "hero_image":
        return images.get(value, f"Image {value} (deleted)")
    if name == "status":
        return Article.Status(value).label
    if name == "article_type":
        return Article.Type(value).label
    if isinstance(value, datetime):
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    return value


def field_changes(old_values, new_values):
    """Changed fields between two dicts of article values (body excluded; it gets a word diff)."""
    names = [n for n in CONTENT_FIELDS if n != "body" and old_values[n] != new_values[n]]
    image_ids = {v for n in names if n == "hero_image" for v in (old_values[n], new_values[n])}
    images = {pk: str(image) for pk, image in Image.objects.in_bulk(image_ids - {None}).items()}
    return [
        FieldChange(
            name,
            str(Article._meta.get_field(name).verbose_name).capitalize(),
            _display(name, old_values[name], images),
            _display(name, new_values[name], images),
        )
        for name in names
    ]


def _values(row):
    return {name: getattr(row, Article._meta.get_field(name).attname) for name in CONTENT_FIELDS}


def _row_text(kind, row):
    details = [
        f"{name.replace('_', ' ')}: {row[name]}" for name in kind.fields[1:] if row.get(name)
    ]
    if kind.name != "sources":
        return row["label"]
    return row["label"] + (f" ({'; '.join(details)})" if details else "")


def inline_changes(old_state, new_state):
    """Per kind of inline: rows added, removed, changed and a change of order."""
    result = {}
    for kind in INLINES:
        old_rows = {row[kind.key]: row for row in old_state.get(kind.name, [])}
        new_rows = {row[kind.key]: row for row in new_state.get(kind.name, [])}
        changes = [
            InlineChange("removed", _row_text(kind, row))
            for key, row in old_rows.items()
            if key not in new_rows
        ]
        changes += [
            InlineChange("added", _row_text(kind, row))
            for key, row in new_rows.items()
            if key not in old_rows
        ]
        content = [f for f in kind.fields if f not in {"order", kind.key}]
        for key in old_rows.keys() & new_rows.keys():
            old, new = old_rows[key], new_rows[key]
            diffs = [
                f"{name.replace('_', ' ')}: “{old.get(name) or '—'}” → “{new.get(name) or '—'}”"
                for name in content
                if old.get(name) != new.get(name)
            ]
            if diffs:
                changes.append(InlineChange("changed", f"{new['label']}: {'; '.join(diffs)}"))
        if kind.ordered:
            common_old = [row["label"] for key, row in old_rows.items() if key in new_rows]
            common_new = [row["label"] for key, row in new_rows.items() if key in old_rows]
            if common_old != common_new:
                changes.append(
                    InlineChange("reordered", f"{', '.join(common_old)} → {', '.join(common_new)}")
                )
        if changes:
            result[kind.label] = changes
    return result


def compare_revisions(older, newer, *, as_given=False):
    """What changed from revision `older` to revision `newer` (either order is accepted:
    the earlier one is `older`), or, `as_given`, from the first to the second whatever
    their dates (what a restore would change; a working copy against its live version)."""
    later = (older.history_date, older.history_id) > (newer.history_date, newer.history_id)
    if later and not as_given:
        older, newer = newer, older
    comparison = Comparison(older=older, newer=newer)
    comparison.fields = field_changes(_values(older), _values(newer))
    if older.body != newer.body:
        comparison.body_diff = word_diff(html_to_text(older.body), html_to_text(newer.body))
    comparison.inlines = inline_changes(resolved_state(older), resolved_state(newer))
    return comparison


def conflict_changes(current, submitted_values):
    """Field diffs between the stored article and what a stale form submitted."""
    current_values = {
        name: getattr(current, Article._meta.get_field(name).attname) for name in CONTENT_FIELDS
    }
    submitted = {**current_values, **submitted_values}
    body_diff = None
    if submitted["body"] != current_values["body"]:
        body_diff = word_diff(
            html_to_text(current_values["body"]), html_to_text(submitted["body"] or "")
        )
    return field_changes(current_values, submitted), body_diff
