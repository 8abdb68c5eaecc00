"""Search vectors of a large import's new articles, computed beside the import.

Computing an article's vectors (its whole body stemmed) is most of the database's work in an
import, and the importer's own Python work is most of the rest: done one after the other on
a 2-core machine they take twice as long as side by side. So each batch's new articles are
handed, once their batch has committed, to a thread that computes their vectors on its own
database connection while the importer reads and writes the next batch. Until then (a
fraction of a second) those articles are not found by search. `finish()` waits for the last
batch: when the import returns, every vector is there. Inside a transaction (a dry run, a
test) the rows would be invisible to another connection: the writer computes them itself.
"""

import logging
import queue
import threading

from django.db import connection, transaction

from articles.search import refresh_search_vectors

logger = logging.getLogger(__name__)


VECTORS_THREAD = "import-search-vectors"


class SearchVectorsBeside:
    def __init__(self):
        self._pending = queue.Queue()
        self._failed = []
        # Started with the first batch's vectors: the import forks its reading process
        # (`ahead`) before, and a fork is safest with no other thread running.
        self._thread = None

    def __call__(self, article_ids):
        """Compute these committed articles' vectors (called on the batch's commit)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=VECTORS_THREAD)
            self._thread.start()
        self._pending.put(list(article_ids))

    def _run(self):
        try:
            while (ids := self._pending.get()) is not None:
                try:
                    with transaction.atomic():
                        refresh_search_vectors(ids)
                except Exception:  # computed again by finish(), on the importer's connection
                    logger.exception("Search vectors of imported articles failed")
                    self._failed.extend(ids)
        finally:
            connection.close()  # this thread's own connection

    def finish(self):
        """Wait for the vectors of every batch handed over (those that failed are computed
        here, on the importer's connection)."""
        if self._thread is not None:
            self._pending.put(None)
            self._thread.join()
        if self._failed:
            with transaction.atomic():
                refresh_search_vectors(sorted(self._failed))
