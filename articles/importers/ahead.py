"""Reading done ahead in a second process while this one writes (large imports).

About half of the importer's own work needs no database: parsing each post and cleaning its
body, reading, checking and re-encoding each image file. For a large import a forked child
process does that part and hands the results over (pickled, a chunk at a time, through a
pipe) while this process writes them, so both cores of a small machine work. The pipe
blocks the child when it is a couple of chunks ahead: memory stays bounded. The results are
the same as when this process does it all itself, which it does for small imports, on a
one-core machine, and where processes cannot be forked.

Image files are read by one child per core (up to `IMAGE_READERS`), each taking every n-th
file: while they are read this process has little to do (one row per image), so a single
reader would leave a core idle.

The child only reads files and computes; it never uses the database connection it
inherited (it leaves with `os._exit`, as multiprocessing's children do, closing nothing).
"""

import itertools
import multiprocessing
import os
import threading
import traceback
from functools import partial

from django.core.exceptions import ValidationError

from .base import ItemError
from .vectors import VECTORS_THREAD

AHEAD_FROM = 200  # items: below this, starting a process costs more than it saves
CHUNK = 50  # results per message
IMAGE_READERS = 4  # at most, one per core


class AheadError(Exception):
    """The reading process failed (its traceback is the message)."""


def worth_it(count):
    """Whether reading `count` items is worth a second process. Not while the import's
    search vectors are computed beside it (a later file of the same import): a child forked
    then could inherit a lock that thread held, and wait on it forever."""
    return (
        count >= AHEAD_FROM
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and not any(thread.name == VECTORS_THREAD for thread in threading.enumerate())
    )


def read_ahead(produce, count):
    """Iterate over `produce()` (a generator function), run in a child process when `count`
    items are expected (`worth_it`). Stop early with `.close()`."""
    if not worth_it(count):
        yield from produce()
        return
    yield from _read_in_children([produce])


def read_ahead_shared(produce, count):
    """Iterate over `produce(part, parts)` for part in 0..parts-1 taken in turns, one item
    from each: one child process per core when `count` items are expected (`worth_it`), each
    producing every `parts`-th item (`every_nth`). Stop early with `.close()`."""
    if not worth_it(count):
        yield from produce(0, 1)
        return
    parts = min(os.cpu_count() or 1, IMAGE_READERS)
    yield from _read_in_children([partial(produce, part, parts) for part in range(parts)])


def every_nth(items, part, parts):
    """The items of `items` at positions part, part + parts, part + 2 * parts, …"""
    return itertools.islice(items, part, None, parts)


def _read_in_children(producers):
    """The items of each producer, run in a child process each, taken in turns (one item from
    each, until one runs out: the producers of `read_ahead_shared` differ by one at most)."""
    context = multiprocessing.get_context("fork")
    children, receivers = [], []
    try:
        for produce in producers:
            receiver, sender = context.Pipe(duplex=False)
            child = context.Process(
                target=_produce, args=(produce, sender), name="import-reader", daemon=True
            )
            child.start()
            sender.close()
            children.append(child)
            receivers.append(receiver)
        results = [
            _received(receiver, child) for receiver, child in zip(receivers, children, strict=True)
        ]
        for turn in itertools.cycle(results):
            try:
                yield next(turn)
            except StopIteration:
                break
        for rest in results:  # none is expected: a producer that fails says so here
            yield from rest
    finally:
        for receiver in receivers:
            receiver.close()
        for child in children:
            if child.is_alive():
                child.terminate()
            child.join()


def _received(receiver, child):
    while True:
        try:
            kind, payload = receiver.recv()
        except EOFError:
            raise AheadError(f"the reading process ended (exit code {child.exitcode})") from None
        if kind == "error":
            raise AheadError(payload)
        if kind == "done":
            return
        yield from payload


def _produce(produce, sender):
    try:
        chunk = []
        for result in produce():
            chunk.append(result)
            if len(chunk) == CHUNK:
                sender.send(("items", chunk))
                chunk = []
        sender.send(("items", chunk))
        sender.send(("done", None))
    except BrokenPipeError:
        pass  # the importer stopped reading (it failed, or is done)
    except BaseException:
        sender.send(("error", traceback.format_exc()))
    finally:
        sender.close()


class ImageFiles:
    """Image files read ahead (`read(item)` in the child) for the items of `items` whose key is
    in `keys`, in the order the writer asks for them: `pop(item)` returns what `read(item)`
    returned or raises what it raised; an item that was not read ahead is read here."""

    def __init__(self, items, keys, read):
        self._read = read
        self._keys = set(keys)  # a copy: `pop` takes keys out, the reading processes read them all
        self._results = read_ahead_shared(
            lambda part, parts: (
                (i.key, *_attempt(read, i))
                for i in every_nth((i for i in items if i.key in keys), part, parts)
            ),
            len(keys),
        )

    def pop(self, item):
        if item.key not in self._keys:
            return self._read(item)
        self._keys.discard(item.key)
        for key, cleaned, error in self._results:  # earlier ones were not wanted after all
            if key == item.key:
                if error is not None:
                    raise error
                return cleaned
        return self._read(item)

    def close(self):
        self._results.close()


def _attempt(read, item):
    try:
        return read(item), None
    except (ItemError, ValidationError) as error:
        return None, error
