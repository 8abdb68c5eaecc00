"""The project's Redis cache backend: an accelerator, never a dependency.

Every cache call of the project goes through this backend (the response and fragment caches,
the local response layer's subscription, API throttles and partner usage counters, keyed
caching), so the rule lives here once: a Redis error (connection refused, a timeout, a reset
or half-open socket) never reaches the caller. A read is a miss, a write is dropped, a counter
counts in this process (the API throttles fail open to a per-process limit), and a
subscription raises `RedisError`, which its one caller handles.

Short connect and read timeouts (`REDIS_CONNECT_TIMEOUT_SECONDS`, `REDIS_TIMEOUT_SECONDS`)
bound what a hung Redis costs; a circuit breaker then stops asking it at all for
`REDIS_RETRY_SECONDS`, after which one request probes it again. The breaker logs once per
change of state (down, back up), not once per request.

When Redis answers again after an outage, the content generation is renewed (the wiring in
`cpc_site.caching` registers that): an edit made meanwhile could not retire what Redis kept.
"""

import logging
import threading
from time import monotonic

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

logger = logging.getLogger("cpc_site.cache")

SUBSCRIBE_TIMEOUT_SECONDS = 2
DEFAULT_RETRY_SECONDS = 5


class CircuitBreaker:
    """Closed (Redis is asked), open (it is not, until `retry_at`), half-open (one probe).

    Thread-safe: the threads of a worker share it; only one of them probes a dead Redis.
    """

    CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"

    def __init__(self, name, retry_seconds=DEFAULT_RETRY_SECONDS):
        self.name = name
        self.retry_seconds = retry_seconds
        self.state = self.CLOSED
        self.retry_at = 0.0
        self.lock = threading.Lock()

    def allow(self):
        """Whether a call may go to Redis now."""
        if self.state == self.CLOSED:
            return True
        with self.lock:
            if self.state == self.OPEN and monotonic() >= self.retry_at:
                self.state = self.HALF_OPEN
                return True
            return False

    def succeeded(self):
        if self.state == self.CLOSED:
            return
        with self.lock:
            if self.state == self.CLOSED:
                return
            self.state = self.CLOSED
        logger.warning("Cache %s answers again: caching resumes.", self.name)
        for callback in recovery_callbacks:
            try:
                callback()
            except RedisError:
                pass

    def released(self):
        """A probe ended without telling whether Redis answers: let the next call probe."""
        with self.lock:
            if self.state == self.HALF_OPEN:
                self.state = self.OPEN
                self.retry_at = monotonic()

    def failed(self, error):
        with self.lock:
            was = self.state
            self.state = self.OPEN
            self.retry_at = monotonic() + self.retry_seconds
        if was == self.CLOSED:
            logger.error(
                "Cache %s is unavailable (%s): serving uncached, retrying every %ss.",
                self.name,
                error,
                self.retry_seconds,
            )


class LocalCounters:
    """Counters of this process, used while Redis is away (a per-process rate limit)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.counters = {}

    def count(self, key, timeout):
        now = monotonic()
        with self.lock:
            if len(self.counters) > 10_000:
                self.counters = {k: v for k, v in self.counters.items() if v[1] > now}
            value, expires_at = self.counters.get(key, (0, now + timeout))
            if expires_at <= now:
                value, expires_at = 0, now + timeout
            self.counters[key] = (value + 1, expires_at)
            return value + 1


class _ReusedClientRedisCacheClient(RedisCacheClient):
    """Django builds a new redis.Redis object on every cache call (costly in redis-py 5+);
    build one per connection pool instead (a redis.Redis is thread-safe)."""

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def set_and_publish(self, key, value):
        # One MULTI/EXEC: no subscriber hears of the value before it can read it.
        with self.get_client(key, write=True).pipeline(transaction=True) as pipe:
            pipe.set(key, self._serializer.dumps(value))
            pipe.publish(key, value)
            pipe.execute()

    def count(self, key, timeout):
        # One round trip: create the counter with its expiry if missing, then add one.
        with self.get_client(key, write=True).pipeline(transaction=False) as pipe:
            pipe.set(key, 0, ex=timeout, nx=True)
            pipe.incr(key)
            return pipe.execute()[1]

    def subscribe(self, key):
        pubsub = self.get_client(key, write=True).pubsub()
        try:
            pubsub.subscribe(key)
            # Wait for Redis to confirm: only then is a later read sure to be followed by
            # every announcement made after it.
            reply = pubsub.get_message(timeout=SUBSCRIBE_TIMEOUT_SECONDS)
            if reply is None or reply["type"] != "subscribe":
                raise RedisConnectionError(f"no confirmation of the subscription to {key}")
        except BaseException:
            pubsub.close()
            raise
        return pubsub


_MISSING = object()
# Called (without arguments) when a Redis answers again after an outage.
recovery_callbacks = []
# One breaker and one set of fallback counters per server and process: Django gives each
# thread a backend object of its own, but an outage is the process's news, logged once.
_breakers = {}
_local_counters = {}
_shared_lock = threading.Lock()


def _shared(registry, server, factory):
    with _shared_lock:
        if server not in registry:
            registry[server] = factory()
        return registry[server]


def reset_breakers():
    """Forget every breaker and fallback counter (tests)."""
    with _shared_lock:
        _breakers.clear()
        _local_counters.clear()


class RedisCache(DjangoRedisCache):
    """Django's Redis cache that degrades instead of failing (see the module docstring).

    OPTIONS may add `retry_seconds` (how long the breaker stays open); the rest goes to
    redis-py's connection pool (`socket_connect_timeout`, `socket_timeout`, ...).
    """

    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        retry_seconds = float(options.pop("retry_seconds", DEFAULT_RETRY_SECONDS))
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._class = _ReusedClientRedisCacheClient
        server = self._servers[0]
        self.breaker = _shared(
            _breakers, server, lambda: CircuitBreaker(f"redis {server}", retry_seconds)
        )
        self.local_counters = _shared(_local_counters, server, LocalCounters)

    @property
    def available(self):
        """False while the breaker is open (Redis failed recently and is not retried yet)."""
        return self.breaker.state == CircuitBreaker.CLOSED

    def _guard(self, call, fallback):
        if not self.breaker.allow():
            return fallback() if callable(fallback) else fallback
        try:
            result = call()
        except RedisError as error:
            self.breaker.failed(error)
            return fallback() if callable(fallback) else fallback
        except BaseException:
            self.breaker.released()  # not Redis's answer (e.g. a value that cannot pickle)
            raise
        self.breaker.succeeded()
        return result

    # Django's cache API: a failure is a miss, a dropped write, or a local count.

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(RedisCache, self).add(key, value, timeout, version), False)

    def get(self, key, default=None, version=None):
        return self._guard(lambda: super(RedisCache, self).get(key, default, version), default)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._guard(lambda: super(RedisCache, self).set(key, value, timeout, version), None)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(lambda: super(RedisCache, self).touch(key, timeout, version), False)

    def delete(self, key, version=None):
        return self._guard(lambda: super(RedisCache, self).delete(key, version), False)

    def get_many(self, keys, version=None):
        return self._guard(lambda: super(RedisCache, self).get_many(keys, version), dict)

    def has_key(self, key, version=None):
        return self._guard(lambda: super(RedisCache, self).has_key(key, version), False)

    def incr(self, key, delta=1, version=None):
        result = self._guard(lambda: super(RedisCache, self).incr(key, delta, version), _MISSING)
        if result is _MISSING:
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._guard(
            lambda: super(RedisCache, self).set_many(data, timeout, version), lambda: list(data)
        )

    def delete_many(self, keys, version=None):
        return self._guard(lambda: super(RedisCache, self).delete_many(keys, version), False)

    def clear(self):
        return self._guard(lambda: super(RedisCache, self).clear(), False)

    # The project's additions.

    def set_and_publish(self, key, value):
        """Set `key` (no expiry) to the string `value` and publish it on a channel named
        like the key (prefix and version included). Dropped while Redis is away."""
        self._guard(
            lambda: self._cache.set_and_publish(self.make_and_validate_key(key), value), None
        )

    def count(self, key, timeout, *, local_fallback=True):
        """Add one to the counter `key` (created to live `timeout` seconds) and return it, in
        one round trip (rate limits and request counts). While Redis is away the count is
        this process's own, or None with `local_fallback=False`."""
        fallback = (lambda: self.local_counters.count(key, timeout)) if local_fallback else None
        return self._guard(
            lambda: self._cache.count(self.make_and_validate_key(key), timeout), fallback
        )

    def subscribe(self, key):
        """A redis-py PubSub subscribed to the channel that `set_and_publish(key, …)` uses;
        raises RedisError when Redis is away."""
        if not self.breaker.allow():
            raise RedisConnectionError("the cache is unavailable (circuit open)")
        try:
            pubsub = self._cache.subscribe(self.make_and_validate_key(key))
        except RedisError as error:
            self.breaker.failed(error)
            raise
        except BaseException:
            self.breaker.released()
            raise
        self.breaker.succeeded()
        return pubsub
