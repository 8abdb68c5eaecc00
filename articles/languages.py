"""The languages content is written in: BCP 47 codes from `CONTENT_LANGUAGES`, their names,
and the PostgreSQL text search configuration each one is stemmed with.

PostgreSQL ships stemmers for some languages only; the others (Azerbaijani, Kazakh…) are
searched with `simple`: words lower-cased and matched exactly, never stemmed by another
language's rules.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError

# Code: (name in the language itself, PostgreSQL text search configuration).
KNOWN_LANGUAGES = {
    "en": ("English", "english"),
    "ru": ("Русский", "russian"),
    "az": ("Azərbaycan dili", "simple"),
    "kk": ("Қазақ тілі", "simple"),
    "tr": ("Türkçe", "turkish"),
    "uz": ("Oʻzbekcha", "simple"),
    "tk": ("Türkmen dili", "simple"),
    "ka": ("ქართული", "simple"),
    "hy": ("Հայերեն", "simple"),
    "fa": ("فارسی", "simple"),
    "ar": ("العربية", "arabic"),
    "de": ("Deutsch", "german"),
    "fr": ("Français", "french"),
    "es": ("Español", "spanish"),
    "it": ("Italiano", "italian"),
    "zh": ("中文", "simple"),
}
BCP47 = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def codes():
    return list(settings.CONTENT_LANGUAGES)


def default_language():
    return settings.DEFAULT_CONTENT_LANGUAGE


def default_search_config():
    """The configuration of the default language (rows written without `derive_fields`)."""
    return search_config(default_language())


def choices():
    return [(code, f"{name_of(code)} ({code})") for code in codes()]


def _known(code):
    return KNOWN_LANGUAGES.get(code) or KNOWN_LANGUAGES.get(code.split("-")[0].lower())


def name_of(code):
    known = _known(code)
    return known[0] if known else code


def search_config(code):
    """The PostgreSQL text search configuration of a language (`simple` without a stemmer)."""
    known = _known(code or "")
    return known[1] if known else "simple"


def search_configs():
    """Every configuration the configured languages use, each with its languages."""
    grouped = {}
    for code in codes():
        grouped.setdefault(search_config(code), []).append(code)
    return grouped


KAZAKH_LETTERS = set("әғқңөұүһі")
AZERBAIJANI_LETTERS = set("əƏ")
TURKISH_LETTERS = set("ğışİ")


def guess_language(text):
    """A configured language for `text` from its script (importers' fallback when the source
    names none; a guess, which the import report says): Cyrillic is Russian, or Kazakh with
    Kazakh letters; Latin is Azerbaijani with ə, Turkish with ğ/ı/ş, else English. None
    when no configured language fits."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return None
    cyrillic = sum("\u0400" <= ch <= "\u04ff" for ch in letters)
    lowered = {ch.lower() for ch in letters}
    if cyrillic * 2 > len(letters):
        candidates = ["kk", "ru"] if lowered & KAZAKH_LETTERS else ["ru", "kk"]
    elif lowered & {"ə"}:
        candidates = ["az", "tr"]
    elif lowered & {"ğ", "ı", "ş"}:
        candidates = ["tr", "az"]
    else:
        candidates = ["en"]
    return next((code for code in candidates if code in codes()), None)


def validate_language(code):
    if code not in codes():
        raise ValidationError(
            f"“{code}” is not one of the site's languages ({', '.join(codes())}).",
            code="unknown_language",
        )


def validate_names(value):
    """Names by language: {"ru": "…"}, each key a BCP 47 code, each value a name."""
    if not isinstance(value, dict) or not all(
        isinstance(code, str) and BCP47.match(code) and isinstance(name, str) and name.strip()
        for code, name in value.items()
    ):
        raise ValidationError(
            'Give names by language code, e.g. {"ru": "Марина Соколова"}.', code="invalid_names"
        )


def check_settings(languages, default):
    """Refuse a misconfigured list at start-up (called by settings)."""
    bad = [code for code in languages if not BCP47.match(code)]
    if bad or not languages:
        raise ValueError(f"CONTENT_LANGUAGES must be BCP 47 codes, e.g. en,ru,az; got {bad}.")
    if default not in languages:
        raise ValueError(f"DEFAULT_CONTENT_LANGUAGE {default!r} is not in CONTENT_LANGUAGES.")


def interface_language(code):
    """The language of the reader interface around content in `code`: the content's own
    language when the site ships its strings, else the site's default."""
    available = {lang for lang, _ in settings.LANGUAGES}
    if code in available:
        return code
    base = (code or "").split("-")[0]
    return base if base in available else settings.LANGUAGE_CODE
