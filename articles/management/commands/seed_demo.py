"""Fill an empty database with a small, realistic set of published analysis."""

import random
from datetime import date, timedelta
from io import BytesIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw

from articles import services
from articles.models import Article, Author, Image, Topic
from articles.revisions import command_user

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "demo-password-only-for-dev"

AUTHORS = [
    (
        "Lena Hartmann",
        "Senior Fellow, Energy Security",
        "Lena Hartmann writes on gas transit, "
        "pipeline politics and the energy transition around the Caspian basin.",
    ),
    (
        "Tamar Beridze",
        "Fellow, South Caucasus",
        "Tamar Beridze follows peace negotiations, "
        "border delimitation and connectivity projects in the South Caucasus.",
    ),
    (
        "Daniyar Seitkali",
        "Research Associate, Central Asia",
        "Daniyar Seitkali studies trade "
        "corridors, water management and regional institutions in Central Asia.",
    ),
    (
        "Marina Sokolova",
        "Visiting Scholar",
        "Marina Sokolova researches maritime law and the legal status of the Caspian Sea.",
    ),
]

# How pages in other languages show some names.
NAMES_BY_LANGUAGE = {
    "Marina Sokolova": {"ru": "Марина Соколова"},
    "Energy": {"ru": "Энергетика", "az": "Enerji"},
    "Security": {"ru": "Безопасность", "az": "Təhlükəsizlik"},
}

TOPICS = [
    ("Energy", Topic.Kind.TOPIC, "Oil, gas, power grids and the energy transition."),
    ("Connectivity", Topic.Kind.TOPIC, "Ports, railways, pipelines and the Middle Corridor."),
    ("Security", Topic.Kind.TOPIC, "Conflict, defence and regional security arrangements."),
    ("South Caucasus", Topic.Kind.REGION, "Armenia, Azerbaijan and Georgia."),
    ("Central Asia", Topic.Kind.REGION, "Kazakhstan, Kyrgyzstan, Tajikistan, Turkmenistan, Uzbekistan."),
]  # fmt: skip

ARTICLES = [
    {
        "title": "Why the Middle Corridor Needs More Than New Rails",
        "dek": "Ports, customs and tariffs decide whether freight shifts south of Russia.",
        "type": Article.Type.ANALYSIS,
        "authors": [2, 1],
        "topics": ["Connectivity", "Central Asia", "South Caucasus"],
        "credit": ("Port authority press office (2024)", "https://example.org/port"),
        "days_ago": 3,
        "paragraphs": [
            "Freight volumes on the Trans-Caspian route have grown quickly since 2022, but the "
            "route still carries a small share of the trade between China and Europe.",
            "The bottlenecks are rarely the rails themselves. Ferries across the Caspian run on "
            "irregular schedules, port cranes are scarce, and each border adds its own paperwork.",
            "A single digital transit document, shared tariffs and guaranteed ferry slots would do "
            "more for shippers than another headline rail project.",
        ],
    },
    {
        "title": "Gas Transit After 2025: Who Fills the Southern Pipelines?",
        "dek": "Supply contracts expire, demand in Europe shifts, and producers weigh their options.",
        "type": Article.Type.REPORT,
        "authors": [0],
        "topics": ["Energy", "South Caucasus"],
        "credit": ("Energy ministry photo service (2023)", ""),
        "days_ago": 10,
        "paragraphs": [
            "The pipelines that carry Caspian gas west were sized for a market that has changed.",
            "European buyers now sign shorter contracts, while producers want long commitments "
            "before they invest in new fields.",
            "Expanding capacity in stages, tied to firm bookings, is the compromise most likely to "
            "hold.",
        ],
    },
    {
        "title": "Drawing the Line: Border Commissions in the South Caucasus",
        "dek": "Technical work on maps and markers is where peace agreements become real.",
        "type": Article.Type.COMMENTARY,
        "authors": [1],
        "topics": ["Security", "South Caucasus"],
        "credit": ("Government press service (2024)", "https://example.org/press"),
        "days_ago": 17,
        "paragraphs": [
            "Border commissions rarely make headlines, yet they settle the questions that matter "
            "most to villages along a disputed line.",
            "Progress has come section by section, with legal bases agreed before any marker is set.",
            "International observers can help by funding surveys and keeping records public.",
        ],
    },
    {
        "title": "Water, Power and Cotton: The Trade-offs Facing Central Asia",
        "dek": "Upstream hydropower and downstream agriculture need a shared plan.",
        "type": Article.Type.ANALYSIS,
        "authors": [2],
        "topics": ["Energy", "Central Asia"],
        "credit": ("Regional water agency (2022)", ""),
        "days_ago": 24,
        "paragraphs": [
            "Every summer the same rivers must irrigate fields and every winter they must turn "
            "turbines.",
            "Barter agreements on water and electricity have worked in good years and failed in "
            "dry ones.",
            "A regional market for electricity would let each country sell what it has in surplus.",
        ],
    },
    {
        "title": "Правовой статус Каспия: пять лет после конвенции",
        "language": "ru",
        "dek": "Конвенция 2018 года закрепила принципы; дно моря всё ещё делят.",
        "type": Article.Type.ANALYSIS,
        "authors": [3, 0],
        "topics": ["Security", "Energy"],
        "credit": ("Архивное фото (2018)", ""),
        "days_ago": 31,
        "paragraphs": [
            "Конвенция о правовом статусе Каспийского моря оставила раздел морского дна "
            "двусторонним соглашениям.",
            "Несколько таких соглашений уже вступили в силу, но южный участок остаётся открытым.",
            "Пока он не урегулирован, месторождения на линиях раздела не будут разрабатываться.",
        ],
    },
    {
        "title": "Event Summary: Roundtable on Regional Energy Markets",
        "dek": "Officials and analysts discussed grid links and cross-border power trade.",
        "type": Article.Type.EVENT_SUMMARY,
        "authors": [0, 2, 1],
        "topics": ["Energy", "Connectivity"],
        "credit": None,
        "days_ago": 40,
        "paragraphs": [
            "Participants agreed that interconnectors are the cheapest way to add reliable capacity.",
            "Disagreement remained over who should pay for grid upgrades at borders.",
            "A follow-up working group will report on common technical standards.",
        ],
    },
]

RELATED = [(0, 5), (0, 1), (1, 4), (2, 4), (3, 5)]


def demo_picture(seed, size=(1600, 900)):
    """A generated landscape-like picture: sky, water and hills in colours chosen by `seed`."""
    rng = random.Random(seed)
    picture = PILImage.new("RGB", size, (rng.randint(90, 160), rng.randint(140, 200), 230))
    draw = ImageDraw.Draw(picture)
    width, height = size
    for i in range(5):
        top = int(height * (0.45 + i * 0.08))
        shade = (rng.randint(20, 80), rng.randint(60, 120) + i * 10, rng.randint(40, 110))
        points = [(0, height), (0, top)]
        points += [(x, top + rng.randint(-60, 60)) for x in range(0, width + 200, 200)]
        points += [(width, height)]
        draw.polygon(points, fill=shade)
    buffer = BytesIO()
    picture.save(buffer, "JPEG", quality=85)
    return ContentFile(buffer.getvalue(), name=f"demo-{seed}.jpg")


class Command(BaseCommand):
    help = "Create demo authors, topics, images and published articles (safe to run again)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--with-demo-editor",
            action="store_true",
            help=f"Also create the superuser '{DEMO_USERNAME}' (development only, DEBUG on).",
        )

    def handle(self, *args, with_demo_editor=False, **options):
        if with_demo_editor:
            self.create_demo_editor()
        if Article.objects.filter(import_key__startswith="demo:").exists():
            self.stdout.write("Demo content is already there.")
            return
        user = command_user()
        with services.writing(user=user, reason="Demo content"):
            self.create_demo_content(user)
        # Related suggestions are background work; compute them now for a complete demo.
        call_command("worker", "--once")

    def create_demo_content(self, user):
        authors = [
            services.save_author(
                author=Author(name=name, role=role, bio=bio, names=NAMES_BY_LANGUAGE.get(name, {})),
                user=user,
            )
            for name, role, bio in AUTHORS
        ]
        topics = {
            name: services.save_topic(
                topic=Topic(
                    name=name,
                    kind=kind,
                    description=description,
                    names=NAMES_BY_LANGUAGE.get(name, {}),
                ),
                user=user,
            )
            for name, kind, description in TOPICS
        }
        now = timezone.now()
        articles = []
        for index, spec in enumerate(ARTICLES):
            hero = None
            if spec["credit"]:
                hero = services.save_image(
                    image=Image(
                        file=demo_picture(index),
                        alt_text=f"Illustration for “{spec['title']}”: hills above open water",
                        caption=spec["dek"],
                        credit=spec["credit"][0],
                        credit_url=spec["credit"][1],
                        licence="All rights reserved",
                    ),
                    user=user,
                )
            source = {
                "order": 1,
                "title": f"Background statistics for {spec['title'].lower()}",
                "url": "https://example.org/statistics",
                "publisher": "Regional Statistics Office",
                "published_on": date(2024, 5, 1),
                "accessed_on": date(2025, 1, 15),
            }
            article = services.create_article(
                user=user,
                fields={
                    "title": spec["title"],
                    "language": spec.get("language", "en"),
                    "dek": spec["dek"],
                    "summary": spec["paragraphs"][0],
                    "body": "".join(f"<p>{paragraph}</p>" for paragraph in spec["paragraphs"]),
                    "article_type": spec["type"],
                    "hero_image": hero,
                    "status": Article.Status.PUBLISHED,
                    "published_at": now - timedelta(days=spec["days_ago"]),
                    "import_key": f"demo:{index}",
                },
                inlines={
                    "authors": [
                        {"author": authors[author_index], "order": order}
                        for order, author_index in enumerate(spec["authors"])
                    ],
                    "topics": [{"topic": topics[name]} for name in spec["topics"]],
                    "sources": [source],
                },
            )
            articles.append(article)
        links = {}
        for order, (source, target) in enumerate(RELATED):
            links.setdefault(source, []).append({"to_article": articles[target], "order": order})
        for source, rows in links.items():
            services.replace_inline_rows(articles[source], "related", rows)
        self.translate_demo_article(articles[0], user)
        services.create_article(
            user=user,
            fields={
                "title": "Draft: Notes on the Next Ministerial Meeting",
                "body": "<p>Not ready for readers.</p>",
                "import_key": "demo:draft",
            },
        )
        self.stdout.write(self.style.SUCCESS(f"Created {len(articles)} demo articles and a draft."))

    def translate_demo_article(self, source, user):
        """The first article in Russian, through the admin's "Translate" service, published."""
        translation = services.translate_article(source=source, language="ru", user=user)
        translation.title = "Среднему коридору нужны не только новые рельсы"
        translation.dek = "Порты, таможня и тарифы решают, уйдут ли грузы южнее России."
        translation.summary = (
            "Объёмы грузов на Транскаспийском маршруте быстро растут с 2022 года, но маршрут "
            "всё ещё перевозит малую долю торговли между Китаем и Европой."
        )
        translation.body = (
            f"<p>{translation.summary}</p>"
            "<p>Узкие места — это порты и таможенные процедуры, а не сами рельсы.</p>"
        )
        translation.status = Article.Status.PUBLISHED
        translation.published_at = source.published_at
        services.save_article(
            article=translation,
            user=user,
            edited_version=translation.version,
            published_at_given=True,
            reason="Translated",
        )

    def create_demo_editor(self):
        if not settings.DEBUG:
            raise CommandError("The demo editor is for development only (set DJANGO_DEBUG=1).")
        user, created = get_user_model().objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
            user.groups.add(Group.objects.get(name="Publisher"))
            self.stdout.write(f"Created demo editor '{DEMO_USERNAME}'.")
