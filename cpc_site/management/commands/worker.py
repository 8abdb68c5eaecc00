"""Run background jobs: the task queue (django-tasks, database backend) and periodic duties.

`manage.py worker` claims jobs with `SELECT … FOR UPDATE SKIP LOCKED` (any number of workers
may run side by side, on any machine), and every few seconds runs the periodic duties named
in `WORKER_PERIODIC_TASKS` (scheduled articles going live, webhooks, for example). `--once`
drains the queue, runs every duty once and exits (tests, cron). With another tasks backend
(RQ, Celery: their own workers run the jobs) it runs the periodic duties only.
"""

import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils.crypto import get_random_string
from django.utils.module_loading import import_string
from django_tasks_db.management.commands.db_worker import Worker

DATABASE_BACKEND = "django_tasks_db.DatabaseBackend"


def drain(worker_id="inline"):
    """Run every job that is ready now, in this process."""
    Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


class Command(BaseCommand):
    help = "Run background jobs and periodic duties (scheduled publications, retries)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain, run duties once, exit.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds to wait when idle (default 1)."
        )

    def handle(self, *args, once=False, interval=1.0, **options):
        self.running = True
        worker_id = get_random_string(32)
        duties = [(import_string(path), every) for path, every in settings.WORKER_PERIODIC_TASKS]
        last_run = dict.fromkeys(range(len(duties)), 0.0)
        jobs_here = settings.TASKS["default"]["BACKEND"] == DATABASE_BACKEND
        if not once:
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
            self.stdout.write(f"Worker {worker_id[:8]} running; Ctrl+C to stop.")
        while self.running:
            close_old_connections()
            if jobs_here:
                drain(worker_id)
            now = time.monotonic()
            for index, (duty, every) in enumerate(duties):
                if once or now - last_run[index] >= every:
                    last_run[index] = now
                    duty.call() if hasattr(duty, "call") else duty()
            if once:
                if jobs_here:
                    drain(worker_id)
                return
            time.sleep(interval)

    def stop(self, signum, frame):
        self.running = False
