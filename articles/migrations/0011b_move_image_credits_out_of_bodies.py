"""Move "Image source: …" lines that page-text imports left at the top of bodies onto the
article (`image_credit`, `image_credit_url`), so descriptions, feeds and citations never
start with a credit. The page shows the credit from there as before. Reversing keeps the credits on the articles.
Bodies change without a revision: the text readers see stays the same."""

from django.db import migrations

from articles.credits import split_leading_credit

BATCH = 500


def move_credits_out_of_bodies(apps, schema_editor):
    Article = apps.get_model("articles", "Article")
    candidates = Article.objects.filter(body__icontains="image ").only(
        "pk", "body", "image_credit", "image_credit_url"
    )
    changed = []
    for article in candidates.iterator(chunk_size=BATCH):
        credit, url, body = split_leading_credit(article.body)
        if not credit:
            continue
        article.body = body
        if not article.image_credit:
            article.image_credit, article.image_credit_url = credit[:200], url[:200]
        changed.append(article)
        if len(changed) >= BATCH:
            Article.objects.bulk_update(changed, ["body", "image_credit", "image_credit_url"])
            changed = []
    Article.objects.bulk_update(changed, ["body", "image_credit", "image_credit_url"])


def sync_roles(apps, schema_editor):
    """The roles may now edit an article's documents (`articles.roles`)."""
    from articles.roles import sync_roles

    sync_roles(apps)


class Migration(migrations.Migration):
    dependencies = [("articles", "0011_reader_second_edition")]

    operations = [
        migrations.RunPython(move_credits_out_of_bodies, migrations.RunPython.noop),
        migrations.RunPython(sync_roles, migrations.RunPython.noop),
    ]
