"""Export every article, author, topic, image, source and related link as JSON."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importers.json_format import export_content


class Command(BaseCommand):
    help = (
        "Write the whole content as JSON (keyed by slugs and file paths); "
        "`import_articles` reads it back into any database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", help="File to write (default: standard output).")

    def handle(self, *args, **options):
        output = options["output"]
        if not output:
            counts = export_content(self.stdout)
            summary = _summary(counts)
            sys.stderr.write(f"Exported {summary}.\n")
            return
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"--output {output}: the folder does not exist.")
        partial = path.with_name(path.name + ".partial")
        with partial.open("w", encoding="utf-8") as stream:
            counts = export_content(stream)
        partial.replace(path)  # never leave a half-written export under the real name
        self.stdout.write(f"Exported {_summary(counts)} to {path}.")


def _summary(counts):
    return ", ".join(f"{n} {name}" for name, n in counts.items())
