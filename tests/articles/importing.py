"""Running `import_articles` in tests: the report, whatever the exit status for failed items."""

from io import StringIO

from django.core.management import call_command
from django.core.management.base import CommandError


def run_import(*paths, **options):
    """The printed report; items that failed (exit status 2) are in it, not raised."""
    out = StringIO()
    try:
        call_command("import_articles", *map(str, paths), stdout=out, stderr=StringIO(), **options)
    except CommandError as error:
        if error.returncode != 2:
            raise
    return out.getvalue()


def import_status(*paths, **options):
    """(exit status, report, stderr) of an import."""
    out, err = StringIO(), StringIO()
    try:
        call_command("import_articles", *map(str, paths), stdout=out, stderr=err, **options)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), err.getvalue()


def table_counts():
    """Rows in every table of the database (a refused import must change none of them)."""
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts
