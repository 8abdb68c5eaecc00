"""Whole-response caching for anonymous readers that is never stale.

Anonymous GETs of pages and of the API are stored in the shared cache (Redis when
`REDIS_URL` is set) under the current *content generation*: one cache key that is
replaced whenever the write path changes something readers can see (`invalidate_content()`,
called after the commit of such a change, see `cpc_site.apps`). A change therefore retires
every stored response at once, on every app server, with one cache write.

Why a generation counter and not surrogate keys: what a page shows is wide and hard to
enumerate (the home list, related blocks and suggestions, author and topic lists, feeds,
the sitemap, search results, API lists with filters). Surrogate keys must list every
object a response depends on, and one missed dependency is a stale page. A generation
cannot miss one. Content changes are rare next to reads (an editor saves a few times an
hour; readers read thousands of times a minute), so re-rendering after an edit is cheap.
A CDN in front gets short `s-maxage` values for the same reason.

Time also changes content: a scheduled article goes live at its `published_at` with no
write at all. Every stored entry therefore expires no later than the next scheduled
publication (read, with the generation, before the view runs). That moment is itself
cached under the generation, so a reschedule retires it too.

Never cached, never served from the shared cache: anything but GET/HEAD, requests with a
session cookie (editors see fresh pages), the admin and previews, and responses that set
cookies or say `private`/`no-store`. Partner keys are checked before the cache is read (by
`RESPONSE_CACHE_AUDIENCE`, the partner API's rule named in the settings): a key sees what its
*visibility class* sees, so its answers are cached per class, under the same generation and
expiry rules: a key without the embargo scope shares the anonymous entries, a key with it
has entries of its own; an answer only for one key (revisions) is never stored.

Two layers with Redis: each worker process also keeps the entries it served last in its own
memory (`RESPONSE_CACHE_LOCAL_BYTES`), so a hit costs no Redis round trip at all. That copy
stays never stale on every app server because (1) `invalidate_content()` sets the generation
and publishes it on a Redis channel in one MULTI/EXEC; (2) a worker subscribes to that
channel before it reads the generation from Redis, so no change after that read goes
unheard; (3) before every local lookup it reads the announcements waiting on its socket
(without blocking) and drops its copies when the generation moved; any error on the
subscription drops them too, and Redis is read again. The one case pub/sub cannot tell
apart from silence is a subscription that lost a message without an error yet (a network
drop neither end has noticed), so the generation a worker knows is trusted for at most
`RESPONSE_CACHE_LOCAL_TRUST_SECONDS` (1 s) after it last read it from Redis: one round trip
per second per worker.
"""

import functools
import hashlib
import math
import os
import threading
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from time import monotonic

from django.conf import settings
from django.core.cache import caches
from django.db.models import QuerySet
from django.http import HttpResponse
from django.middleware.gzip import re_accepts_gzip
from django.utils import timezone
from django.utils.cache import (
    get_conditional_response,
    patch_cache_control,
    patch_vary_headers,
)
from django.utils.http import http_date, parse_http_date_safe
from django.utils.module_loading import import_string
from django.utils.translation import get_language
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from . import cache_backend
from .cache_backend import RedisCache

GENERATION_KEY = "content-generation"
# The generation of fragments keyed by their article's own change stamp (`since`, below):
# replaced only when a change may have altered articles whose stamps have not moved yet.
STAMPED_GENERATION_KEY = "stamped-generation"
# The generation of what only one visibility class other than the public sees (e.g. an
# embargoed article's edit, which changes nothing anonymous readers can get).
AUDIENCE_GENERATION_KEY = "audience-generation:{}"
CONDITIONAL_HEADERS = ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")
# A response that varies on anything else is not stored (the key would not tell variants apart).
STORABLE_VARY = frozenset(
    {"accept", "accept-encoding", "cookie", "authorization", "x-api-key", "origin"}
)
# Not stored: per request (rate limits: `extra_response_headers`) or set when serving.
KEPT_HEADERS_SKIP = frozenset(
    {"set-cookie", "cache-control", "date", "ratelimit", "ratelimit-policy", "x-cache"}
)
# Says whether a response went through the shared cache: "hit" or "miss" (the benchmark
# counts them; a CDN or an operator can too).
CACHE_STATUS_HEADER = "X-Cache"
KEY_HEADERS = ("HTTP_AUTHORIZATION", "HTTP_X_API_KEY")
PUBLIC = "public"
# After a failed subscription (Redis down, or pub/sub refused by its ACL) a worker serves from
# Redis alone and tries again this much later, not on every request.
SUBSCRIBE_RETRY_SECONDS = 30


def _cache():
    return caches[settings.RESPONSE_CACHE_ALIAS]


def _now():
    # timezone.now, not time.time: it is the clock `Article.objects.published()` reads.
    return timezone.now().timestamp()


@dataclass(frozen=True)
class Generation:
    token: str
    changed_at: float

    @classmethod
    def parse(cls, value):
        token, _, changed_at = str(value).partition(":")
        try:
            return cls(token, float(changed_at))
        except ValueError:
            return None

    def __str__(self):
        return f"{self.token}:{self.changed_at}"


def current_generation(stored=None):
    """The content generation; a fresh one when none is stored (e.g. after an eviction)."""
    cache = _cache()
    generation = Generation.parse(stored if stored is not None else cache.get(GENERATION_KEY))
    if generation is None:
        cache.add(GENERATION_KEY, str(Generation(uuid.uuid4().hex, _now())), timeout=None)
        generation = Generation.parse(cache.get(GENERATION_KEY)) or Generation("none", _now())
    return generation


def invalidate_content(*, stamps_moved=False):
    """Retire every cached response and fragment.

    `stamps_moved`: the change moved the change stamp (`Article.modified_at`, written by the
    change log) of every article whose own fragments it alters, so fragments keyed by their
    article's stamp (`since`) stay: only the articles that changed are rendered again.
    """
    cache = _cache()
    if not stamps_moved:
        cache.set(STAMPED_GENERATION_KEY, uuid.uuid4().hex, timeout=None)
    generation = Generation(uuid.uuid4().hex, _now())
    if isinstance(cache, RedisCache):
        cache.set_and_publish(GENERATION_KEY, str(generation))
    else:
        cache.set(GENERATION_KEY, str(generation), timeout=None)
    local = local_response_cache()
    if local is not None:
        # At once, not when our own announcement comes back: this process's next request
        # (an editor's "view on site", a test) must not see its local copies.
        local.announce(generation)


def _renew_generation_after_outage():
    # Edits made while Redis was away could not retire what it kept: retire it all now.
    if isinstance(_cache(), RedisCache):
        invalidate_content()


cache_backend.recovery_callbacks.append(_renew_generation_after_outage)


@functools.cache
def _rule(setting):
    """A function of an app this module asks (named by a setting: it imports no app)."""
    return import_string(getattr(settings, setting))


def next_scheduled_change():
    """When the next scheduled change of public content happens (a datetime or None):
    `RESPONSE_CACHE_NEXT_PUBLICATION`, the articles app's rule."""
    return _rule("RESPONSE_CACHE_NEXT_PUBLICATION")()


def next_publication(generation):
    """Timestamp of the next scheduled publication (or None), cached under the generation."""
    cache = _cache()
    key = f"next-publication:{generation.token}"
    cached = cache.get(key)
    now = _now()
    if cached is not None and (cached[0] is None or cached[0] > now):
        return cached[0]
    return _store_next_publication(key, now)


def _store_next_publication(key, now):
    moment = next_scheduled_change()
    value = moment.timestamp() if moment else None
    timeout = max(settings.RESPONSE_CACHE_SECONDS, settings.FRAGMENT_CACHE_SECONDS, 1)
    if value is not None:
        timeout = min(timeout, max(1, math.floor(value - now)))
    _cache().set(key, (value,), timeout=timeout)
    return value


def cache_exempt_path(path):
    return path.startswith(tuple(settings.RESPONSE_CACHE_SKIP_PATHS))


def private_path(path):
    return path.startswith(tuple(settings.RESPONSE_CACHE_PRIVATE_PATHS))


def audience(request):
    """The visibility class of `request` ("public" for anonymous readers), None if personal."""
    request = getattr(request, "_request", request)  # the HttpRequest inside a DRF Request
    if "cache_audience" not in request.__dict__:
        keyed = any(header in request.META for header in KEY_HEADERS)
        if not keyed:
            request.cache_audience = PUBLIC
        else:
            # What a keyed request may share: "public" (what anonymous readers see), another
            # class name (e.g. "embargo"), or None (personal): `RESPONSE_CACHE_AUDIENCE`, the
            # partner API's rule, which checks the key (and counts it against its rate) first.
            request.cache_audience = _rule("RESPONSE_CACHE_AUDIENCE")(request)
    return request.cache_audience


def audience_tag(request):
    """`audience(request)` as cache keys spell it. A class other than the public carries its
    own generation, replaced by `invalidate_audience()`: its entries are then simply never
    looked up again. Read from the shared cache once per request (one round trip, for keyed
    requests of such a class only)."""
    klass = audience(request)
    if klass in (None, PUBLIC):
        return klass
    request = getattr(request, "_request", request)
    if "cache_audience_tag" not in request.__dict__:
        cache, key = _cache(), AUDIENCE_GENERATION_KEY.format(klass)
        token = cache.get(key)
        if token is None:  # never set, or evicted: a new one (old entries become unreachable)
            cache.add(key, uuid.uuid4().hex, timeout=None)
            token = cache.get(key) or uuid.uuid4().hex
        request.cache_audience_tag = f"{klass}.{token}"
    return request.cache_audience_tag


def invalidate_audience(klass):
    """Retire the cached answers only the visibility class `klass` gets (see `audience_tag`).

    What the public sees stays cached, unless the change brought the next scheduled
    publication forward (a new or an earlier schedule): public entries were stored to
    expire at the old moment and would outlive the new one, so they go too."""
    cache = _cache()
    cache.set(AUDIENCE_GENERATION_KEY.format(klass), uuid.uuid4().hex, timeout=None)
    known = cache.get(f"next-publication:{current_generation().token}")
    moment = next_scheduled_change()
    if moment is None:
        return
    if known is None or known[0] is None or moment.timestamp() < known[0]:
        invalidate_content()


def personal_request(request):
    """A request whose answer may depend on who asks: editors, and keys that are not valid
    (or over their rate) or ask for something that is not the partner API."""
    return settings.SESSION_COOKIE_NAME in request.COOKIES or audience(request) is None


def _cache_control(response):
    value = response.get("Cache-Control", "").lower()
    return {part.strip().split("=")[0] for part in value.split(",") if part.strip()}


def _conditional_response(request, response, generation):
    """A 304 when the client's copy is current, else `response`.

    If-Modified-Since is trusted only when the last content change came more than a second
    before it. A list's Last-Modified is its newest item, which does not move when an item is
    unpublished or deleted; and a change in the same second as the copy leaves an equal date.
    Either way a 304 would confirm a copy that still shows a withdrawn article. (ETags stay
    exact: they hash the content.)
    """
    since = parse_http_date_safe(request.META.get("HTTP_IF_MODIFIED_SINCE", ""))
    untrusted = since is not None and since - 1 <= generation.changed_at
    saved = request.META.pop("HTTP_IF_MODIFIED_SINCE") if untrusted else None
    try:
        return get_conditional_response(
            request,
            etag=response.get("ETag"),
            last_modified=parse_http_date_safe(response.get("Last-Modified", "")),
            response=response,
        )
    finally:
        if saved is not None:
            request.META["HTTP_IF_MODIFIED_SINCE"] = saved


class LocalResponseCache:
    """This process's copy of recent response entries, in front of the shared cache.

    Trusted only while subscribed to generation announcements and for
    `RESPONSE_CACHE_LOCAL_TRUST_SECONDS` after the generation was last read from Redis (see
    the module docstring). Shared by the threads of a worker, hence the lock.
    """

    def __init__(self):
        self.pid = os.getpid()
        self.lock = threading.Lock()
        self.pubsub = None
        self.generation = None
        self.confirmed_at = -math.inf
        # Bumped whenever the generation may have moved (an announcement, a new or lost
        # subscription): a read of Redis that began before the bump may be older than what
        # we know, so confirm() ignores it.
        self.changes = 0
        self.entries = OrderedDict()
        self.size = 0
        self.subscribe_after = -math.inf

    def get(self, key, now):
        """(entry, generation) when a fresh entry for `key` is held here, else None."""
        with self.lock:
            self._drain()
            if not self._trusted():
                return None
            entry = self.entries.get(key)
            if (
                entry is None
                or entry["generation"] != self.generation.token
                or entry["expires_at"] <= now
            ):
                return None
            self.entries.move_to_end(key)
            return entry, self.generation

    def subscribe(self):
        """Subscribe (once) before Redis is read; return the mark `confirm()` takes."""
        with self.lock:
            if self.pubsub is None and monotonic() >= self.subscribe_after:
                try:
                    self.pubsub = _cache().subscribe(GENERATION_KEY)
                except RedisError:
                    # The shared cache answers (or fails) as it would without us.
                    self.subscribe_after = monotonic() + SUBSCRIBE_RETRY_SECONDS
                self.changes += 1
            return self.changes

    def confirm(self, generation, mark):
        """Take `generation`, just read from Redis, as current (unless it may be outdated)."""
        with self.lock:
            if self.pubsub is None or self.changes != mark:
                return
            self._adopt(generation)
            self.confirmed_at = monotonic()

    def announce(self, generation):
        """This process has just set a new generation."""
        with self.lock:
            self._adopt(generation)

    def put(self, key, entry):
        """Keep `entry` (of the current generation), evicting the least recently used."""
        size = len(entry["content"])
        limit = settings.RESPONSE_CACHE_LOCAL_BYTES
        with self.lock:
            if self.generation is None or entry["generation"] != self.generation.token:
                return
            if size > limit:
                return
            replaced = self.entries.pop(key, None)
            if replaced is not None:
                self.size -= len(replaced["content"])
            self.entries[key] = entry
            self.size += size
            while self.size > limit:
                _, evicted = self.entries.popitem(last=False)
                self.size -= len(evicted["content"])

    def close(self):
        with self.lock:
            self._lose_subscription()

    def _trusted(self):
        return (
            self.pubsub is not None
            and self.generation is not None
            and monotonic() - self.confirmed_at < settings.RESPONSE_CACHE_LOCAL_TRUST_SECONDS
        )

    def _drain(self):
        if self.pubsub is None:
            return
        try:
            while (message := self.pubsub.get_message(timeout=0)) is not None:
                if message["type"] != "message":
                    # A subscribe reply: redis-py reconnected by itself (retries configured),
                    # and what was announced meanwhile is lost.
                    raise RedisConnectionError("the subscription was re-established")
                self._adopt(Generation.parse(message["data"].decode()))
        except RedisError:
            self._lose_subscription()

    def _adopt(self, generation):
        if generation != self.generation:
            self.generation = generation
            self.entries.clear()
            self.size = 0
            self.changes += 1

    def _lose_subscription(self):
        if self.pubsub is not None:
            self.pubsub.close()
            self.pubsub = None
        self._adopt(None)
        self.confirmed_at = -math.inf
        self.changes += 1


_local_response_cache = None
_local_response_cache_lock = threading.Lock()


def local_response_cache():
    """This process's LocalResponseCache, or None when it is off (not Redis, or no bytes)."""
    global _local_response_cache
    if settings.RESPONSE_CACHE_LOCAL_BYTES <= 0 or not isinstance(_cache(), RedisCache):
        return None
    local = _local_response_cache
    # A new one after a fork: the parent's subscription is not this process's.
    if local is None or local.pid != os.getpid():
        with _local_response_cache_lock:
            local = _local_response_cache
            if local is None or local.pid != os.getpid():
                local = _local_response_cache = LocalResponseCache()
    return local


def reset_local_response_cache():
    """Forget this process's local copies and subscription (tests, between settings)."""
    global _local_response_cache
    if _local_response_cache is not None:
        _local_response_cache.close()
    _local_response_cache = None


class ResponseCacheMiddleware:
    """Serve anonymous GETs from the cache; send headers right for a CDN.

    Sits above the session, auth and CSRF middleware so a hit costs no SQL (and, from this
    process's local copy, no cache round trip either). Answers conditional requests (304)
    for hits and misses alike.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path_info
        if cache_exempt_path(path):
            return self.get_response(request)
        if private_path(path):
            response = self.get_response(request)
            patch_cache_control(response, private=True, no_store=True)
            return response
        if personal_request(request) or request.method not in ("GET", "HEAD"):
            return self._personal(request)
        if settings.RESPONSE_CACHE_SECONDS <= 0:
            response = self.get_response(request)
            if _keyed(request):
                return self._private_headers(request, response)
            self._public_headers(response, settings.RESPONSE_CACHE_SECONDS)
            return response
        return self._shared(request)

    def _personal(self, request):
        return self._private_headers(request, self.get_response(request))

    @staticmethod
    def _private_headers(request, response):
        directives = _cache_control(response)
        if "no-store" not in directives:
            response.headers.pop("Cache-Control", None)
            patch_cache_control(response, private=True, no_cache=True)
        if request.method in ("GET", "HEAD"):
            patch_vary_headers(response, ["Cookie", "Authorization"])
        return response

    def _key(self, request):
        try:
            host = request.get_host()
        except Exception:  # DisallowedHost: let the inner stack answer it, uncached.
            return None
        meta = request.META
        raw = "\n".join(
            (
                request.scheme,
                host,
                request.get_full_path(),
                meta.get("HTTP_ACCEPT", ""),
                # GZipMiddleware only asks whether gzip is accepted: one variant each.
                "gzip" if re_accepts_gzip.search(meta.get("HTTP_ACCEPT_ENCODING", "")) else "",
                audience_tag(request),
            )
        )
        digest = hashlib.md5(raw.encode(), usedforsecurity=False).hexdigest()
        return f"response:{digest}"

    def _shared(self, request):
        cache = _cache()
        key = self._key(request)
        if key is None:
            return self.get_response(request)
        started = _now()
        local = local_response_cache()
        if local is not None:
            hit = local.get(key, started)
            if hit is not None:
                entry, generation = hit
                request.content_generation = generation
                return self._from_entry(request, entry, started, generation)
            # Before Redis is read: every change after that read is then announced to us.
            mark = local.subscribe()

        # One round trip: the generation and the entry. An entry of an older generation is
        # a miss (and is overwritten), so retired entries never pile up.
        found = cache.get_many([GENERATION_KEY, key])
        generation = current_generation(found.get(GENERATION_KEY))
        request.content_generation = generation
        if local is not None:
            local.confirm(generation, mark)
        entry = found.get(key)
        if (
            entry is not None
            and entry["generation"] == generation.token
            and entry["expires_at"] > started
        ):
            if local is not None:
                local.put(key, entry)
            return self._from_entry(request, entry, started, generation)

        next_publication_at = request.next_publication_at = next_publication(generation)
        conditional = {h: request.META.pop(h) for h in CONDITIONAL_HEADERS if h in request.META}
        try:
            response = self.get_response(request)
        finally:
            request.META.update(conditional)
        response[CACHE_STATUS_HEADER] = "miss"

        expires_at = started + settings.RESPONSE_CACHE_SECONDS
        if next_publication_at is not None:
            expires_at = min(expires_at, next_publication_at)
        if not self._storable(request, response):
            if _keyed(request):
                return self._private_headers(request, response)
            self._public_headers(response, expires_at - started)
            return response
        settled = started - generation.changed_at >= settings.RESPONSE_CACHE_SETTLE_SECONDS
        if not response.has_header("Last-Modified"):
            response["Last-Modified"] = http_date(math.ceil(started))
        ttl = math.floor(expires_at - _now())
        patch_vary_headers(response, ["Cookie", "Authorization"])
        if settled and ttl >= 1 and request.method == "GET":
            entry = {
                "status": response.status_code,
                "headers": [
                    (name, value)
                    for name, value in response.items()
                    if name.lower() not in KEPT_HEADERS_SKIP
                ],
                "content": response.content,
                "generation": generation.token,
                "expires_at": expires_at,
            }
            cache.set(key, entry, timeout=ttl)
            if local is not None:
                local.put(key, entry)
        if _keyed(request):
            self._private_headers(request, response)
        else:
            self._public_headers(response, max(0, expires_at - started))
        return _conditional_response(request, response, generation)

    def _storable(self, request, response):
        if response.status_code != 200 or response.streaming or response.cookies:
            return False
        directives = _cache_control(response)
        if _keyed(request):
            # Private to keys, but the same for every key of the class: the view says so.
            if getattr(response, "shared_audience", None) != audience(request):
                return False
            directives -= {"private", "must-revalidate", "max-age"}
        if directives & {"private", "no-store", "no-cache"}:
            return False
        vary = {v.strip().lower() for v in response.get("Vary", "").split(",") if v.strip()}
        if not vary <= STORABLE_VARY:
            return False
        return not ("cookie" in vary and request.COOKIES)

    def _from_entry(self, request, entry, now, generation):
        """The stored response (headers as stored, Vary included), with its remaining life."""
        response = HttpResponse(entry["content"], status=entry["status"])
        for name, value in entry["headers"]:
            response[name] = value
        response[CACHE_STATUS_HEADER] = "hit"
        seconds_left = max(0, int(entry["expires_at"] - now))
        response["Cache-Control"] = (
            f"public, max-age={min(settings.CACHE_CONTROL_MAX_AGE, seconds_left)}, "
            f"s-maxage={min(settings.CACHE_CONTROL_S_MAXAGE, seconds_left)}"
        )
        if _keyed(request):
            response["Cache-Control"] = "private, no-cache"
            for name, value in getattr(request, "extra_response_headers", {}).items():
                response[name] = value
        if not any(header in request.META for header in CONDITIONAL_HEADERS):
            return response
        return _conditional_response(request, response, generation)

    @staticmethod
    def _public_headers(response, seconds_left):
        """Public caching for a CDN, never longer than the entry itself may live."""
        if response.status_code not in (200, 301, 304, 404, 410):
            return
        if _cache_control(response) & {"private", "no-store", "no-cache"}:
            return
        seconds_left = max(0, int(seconds_left))
        patch_cache_control(
            response,
            public=True,
            max_age=min(settings.CACHE_CONTROL_MAX_AGE, seconds_left),
            s_maxage=min(settings.CACHE_CONTROL_S_MAXAGE, seconds_left),
        )
        patch_vary_headers(response, ["Cookie", "Authorization"])


def _keyed(request):
    return any(header in request.META for header in KEY_HEADERS)


# --- Fragments: parts of pages that stay cached while the whole-page cache is off ---


def fragments_enabled(request):
    return settings.FRAGMENT_CACHE_SECONDS > 0 and not personal_request(request)


def _fragment_key(name, keys, since=None):
    """A fragment's key. Fragments hold interface strings: one copy per language the page
    speaks. `since` is the change stamp of the one article the fragment shows (its
    `modified_at`, which the change log moves with every change readers can see of the
    article or of what it shows: authors, topics, image, related block): such a fragment
    outlives content generations, because a change it shows gives it a new key."""
    key = f"fragment:{name}:{get_language()}:" + ":".join(str(k) for k in keys)
    return key if since is None else f"{key}@{since.timestamp()}"


def _stamped_token(found):
    token = found.get(STAMPED_GENERATION_KEY)
    if token is None:  # never set, or evicted: older stamped fragments become unreachable
        _cache().add(STAMPED_GENERATION_KEY, uuid.uuid4().hex, timeout=None)
        token = _cache().get(STAMPED_GENERATION_KEY) or "none"
    return f"stamped.{token}"


def load_fragments(request, fragments):
    """Fetch fragments for this request in one round trip; True when all of them are cached.

    `fragments`: (name, keys) or (name, keys, since) for each. Views call it before loading
    what only a fragment miss needs (e.g. prefetches), and `{% cachedfragment %}` reads the
    result instead of asking the cache again.
    """
    if not fragments_enabled(request):
        return False
    memo = request.__dict__.setdefault("_fragments", {})
    stamped = request.__dict__.setdefault("_stamped_fragments", set())
    wanted = []
    for name, keys, *since in fragments:
        key = _fragment_key(name, keys, *since)
        wanted.append(key)
        if since and since[0] is not None:
            stamped.add(key)
    found = _cache().get_many([GENERATION_KEY, STAMPED_GENERATION_KEY, *wanted])
    generation = current_generation(found.get(GENERATION_KEY))
    request.content_generation = generation
    request.stamped_token = _stamped_token(found)
    now = _now()
    for key in wanted:
        entry = found.get(key)
        token = request.stamped_token if key in stamped else generation.token
        fresh = entry and entry[0] == token and entry[1] > now
        memo[key] = entry[2] if fresh else None
    complete = all(memo[key] is not None for key in wanted)
    if not complete and not hasattr(request, "next_publication_at"):
        # Read before rendering: what renders now may change at that moment.
        request.next_publication_at = next_publication(generation)
    return complete


def get_fragment(request, name, keys, since=None):
    memo = request.__dict__.setdefault("_fragments", {})
    key = _fragment_key(name, keys, since)
    if key not in memo:
        load_fragments(request, [(name, keys, since)])
    return memo.get(key)


def store_fragment(request, name, keys, html, *, started, since=None):
    _store_fragments(request, {_fragment_key(name, keys, since): html}, started=started)


def cached_count(request, object_list, *, ignore=("page",)):
    """The size of `object_list` (a queryset or a list) this request shows, as a fragment.

    Counting every published article grows with the archive (about 27 ms at 100,000), and a
    list's count changes only with content. Keyed by the path and the query parameters but
    `ignore`.
    """
    if not isinstance(object_list, QuerySet):
        return len(object_list)
    params = sorted((name, values) for name, values in request.GET.lists() if name not in ignore)
    digest = hashlib.md5(repr(params).encode(), usedforsecurity=False).hexdigest()
    keys = [request.path, digest, audience_tag(request)]
    return cached_value(request, "count", keys, object_list.count)


def cached_value(request, name, keys, compute):
    """What `compute()` returns (never None), kept as a fragment: for a value that changes
    only with content (a new generation) or at a scheduled publication (which no fragment
    outlives), such as a count or a list of choices."""
    if not fragments_enabled(request):
        return compute()
    value = get_fragment(request, name, keys)
    if value is None:
        started = _now()
        value = compute()
        store_fragment(request, name, keys, value, started=started)
    return value


def cached_items(request, name, objects, render_many, *, vary=(), since=None):
    """The representations of `objects` (e.g. API list items), cached one per object.

    `render_many(misses)` renders the objects not cached (and loads what they need), so a
    page of 20 cached items costs one cache round trip and no rendering. Keyed by the host
    (absolute URLs) and `vary` (e.g. a sparse-field selection); `since(obj)` gives an
    object's change stamp (see `_fragment_key`).
    """
    if not fragments_enabled(request):
        return list(render_many(objects))
    vary = [request.scheme, request.get_host(), audience_tag(request), *vary]
    keys = {
        obj.pk: _fragment_key(name, [*vary, obj.pk], since(obj) if since else None)
        for obj in objects
    }
    started = _now()
    load_fragments(
        request, [(name, [*vary, obj.pk], since(obj) if since else None) for obj in objects]
    )
    memo = request._fragments
    misses = [obj for obj in objects if memo[keys[obj.pk]] is None]
    if misses:
        rendered = dict(zip((obj.pk for obj in misses), render_many(misses), strict=True))
        for pk, item in rendered.items():
            memo[keys[pk]] = item
        _store_fragments(
            request, {keys[pk]: dict(item) for pk, item in rendered.items()}, started=started
        )
    return [memo[keys[obj.pk]] for obj in objects]


def _store_fragments(request, values, *, started):
    generation = getattr(request, "content_generation", None) or current_generation()
    expires_at = started + settings.FRAGMENT_CACHE_SECONDS
    if not hasattr(request, "next_publication_at"):
        request.next_publication_at = next_publication(generation)
    if request.next_publication_at is not None:
        expires_at = min(expires_at, request.next_publication_at)
    settled = started - generation.changed_at >= settings.RESPONSE_CACHE_SETTLE_SECONDS
    ttl = math.floor(expires_at - _now())
    if settled and ttl >= 1:
        stamped = request.__dict__.get("_stamped_fragments", ())
        stamped_token = getattr(request, "stamped_token", None)
        entries = {
            key: (
                stamped_token if key in stamped and stamped_token else generation.token,
                expires_at,
                value,
            )
            for key, value in values.items()
        }
        _cache().set_many(entries, ttl)
