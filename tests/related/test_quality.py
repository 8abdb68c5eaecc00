"""Suggestion quality on generated content with known topic clusters."""

import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from related.models import Suggestion
from tests.factories import make_article, make_author, make_topic

CLUSTERS = {
    "energy": "pipeline gas export oil refinery barrel crude liquefied terminal upstream offshore field",
    "security": "military naval drill border defence missile fleet garrison exercise deterrence troops",
    "trade": "corridor railway freight port container tariff logistics cargo transit customs shipping",
    "climate": "drought water level shoreline emissions desertification sturgeon ecology warming salinity",
    "diplomacy": "summit treaty negotiation envoy delegation convention ministerial accord dialogue sovereignty",
}
SHARED = "caspian region policy analysis regional central asia south caucasus government countries"
PER_CLUSTER = 12
NOISE = 15


def _sentence(rng, words, shared, own, common):
    picks = rng.sample(words, own) + rng.sample(shared, common)
    rng.shuffle(picks)
    return " ".join(picks).capitalize() + "."


def build_corpus(seed=7, *, tagged=True):
    """5 clusters × 12 articles plus noise, with realistic overlap between clusters.

    Each article uses a few of its cluster's words among more region-wide ones; its cluster
    topics and authors are present only sometimes; a quarter also carry another cluster's
    topic; two prolific fellows write across all clusters; noise articles share the
    region-wide words and the catch-all topic.
    """
    rng = random.Random(seed)
    now = timezone.now()
    shared = SHARED.split()
    catch_all = make_topic(name="Caspian Region")
    prolific = [make_author(name="Prolific fellow A"), make_author(name="Prolific fellow B")]
    topics = {
        name: [make_topic(name=f"{name} policy"), make_topic(name=f"{name} outlook")]
        for name in CLUSTERS
    }
    clusters = {}
    for name, vocabulary in CLUSTERS.items():
        words = vocabulary.split()
        authors = [make_author(name=f"{name} fellow {i}") for i in range(3)]
        others = [t for other, pair in topics.items() if other != name for t in pair]
        members = []
        for _ in range(PER_CLUSTER):
            article_topics, article_authors = [], []
            if tagged:
                article_topics = rng.sample(topics[name], rng.randint(0, 2))
                if rng.random() < 0.25:
                    article_topics.append(rng.choice(others))
                article_authors = rng.sample(authors, rng.randint(0, 1))
                if rng.random() < 0.3:
                    article_authors.append(rng.choice(prolific))
            if rng.random() < 0.5:
                article_topics.append(catch_all)
            members.append(
                make_article(
                    title=_sentence(rng, words, shared, 2, 3),
                    dek=_sentence(rng, words, shared, 2, 3),
                    summary=_sentence(rng, words, shared, 3, 4),
                    topics=article_topics,
                    authors=article_authors,
                    published_at=now - timedelta(days=rng.randint(1, 900)),
                )
            )
        clusters[name] = members
    for _ in range(NOISE):
        make_article(
            title=_sentence(rng, shared, shared, 2, 2),
            summary=_sentence(rng, shared, shared, 4, 2),
            topics=[catch_all],
            authors=[rng.choice(prolific)] if tagged else [],
            published_at=now - timedelta(days=rng.randint(1, 900)),
        )
    return clusters


def precision_at_3(clusters):
    cluster_of = {a.pk: name for name, members in clusters.items() for a in members}
    hits = total = 0
    for name, members in clusters.items():
        for article in members:
            top = (
                Suggestion.objects.filter(article=article)
                .order_by("rank")
                .values_list("suggested_id", flat=True)[:3]
            )
            hits += sum(cluster_of.get(pk) == name for pk in top)
            total += 3
    return hits / total


@pytest.mark.django_db
def test_suggestions_come_from_the_articles_own_cluster(capsys):
    clusters = build_corpus()
    call_command("rebuild_suggestions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    precision = precision_at_3(clusters)
    with capsys.disabled():
        print(f"\nprecision@3 on {connection.vendor}: {precision:.3f}")
    assert precision >= 0.85


@pytest.mark.django_db
def test_rebuilding_twice_stores_the_same_ranking():
    build_corpus(seed=11)
    call_command("rebuild_suggestions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    first = list(
        Suggestion.objects.order_by("article_id", "rank").values_list("article_id", "suggested_id")
    )
    call_command("rebuild_suggestions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    second = list(
        Suggestion.objects.order_by("article_id", "rank").values_list("article_id", "suggested_id")
    )
    assert first == second
    assert first


@pytest.mark.django_db
def test_text_similarity_alone_finds_the_cluster(capsys):
    """Without topics or authors in common, title/dek/summary words still rank the cluster first."""
    clusters = build_corpus(seed=3, tagged=False)
    call_command("rebuild_suggestions", stdout=open("/dev/null", "w"))  # noqa: SIM115
    precision = precision_at_3(clusters)
    with capsys.disabled():
        print(f"\ntext-only precision@3 on {connection.vendor}: {precision:.3f}")
    assert precision >= 0.8
