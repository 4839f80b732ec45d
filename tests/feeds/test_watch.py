"""Following a local news site through the CLI, as a user would: ``feeds import``, then
``watch --once`` three times, against a recorded site served on 127.0.0.1 from its own
process (``bench/newssite.py``: held-out evaluation articles inside outlet boilerplate)."""

import json
from pathlib import Path

import pytest

from bench.newssite import NewsSite, build_site
from storyline.clean import boilerplate_reason

from ..conftest import run_cli

pytestmark = pytest.mark.slow
#: The site's slow page answers after this long; watch gives up after FETCH_SECONDS.
SLOW_SECONDS = 12
FETCH_SECONDS = "4"


def _watch(db: Path):
    return run_cli("watch", "--once", "--allow-private", "--fetch-seconds", FETCH_SECONDS,
                   db=db)


def _archive(db: Path) -> dict:
    from storyline import Library

    with Library(db) as lib:
        return {a.id: a for a in lib.articles()}


def _stories(db: Path) -> dict:
    """url path of each article -> its story."""
    from storyline import Library

    with Library(db) as lib:
        found = {}
        for article in lib.articles():
            detail = lib.article_detail(article.id, annotation=False)
            found[article.url.split("/", 3)[3]] = detail.story_id
        return found


@pytest.fixture(scope="module")
def followed(tmp_path_factory):
    """The site, and what each step printed and requested."""
    root = tmp_path_factory.mktemp("site")
    manifest = build_site(root / "site", slow_seconds=SLOW_SECONDS)
    db = root / "archive.db"
    steps = {}
    with NewsSite(root / "site") as site:
        steps["import"] = run_cli("feeds", "import", str(site.opml_path()), db=db)
        for number in (1, 2, 3):
            before = len(site.requests())
            steps[number] = (_watch(db), site.requests()[before:], _archive(db))
        steps["feeds"] = run_cli("feeds", "--json", db=db)
        before = len(site.requests())
        steps["refused"] = (run_cli("fetch", site.url("/herald/unseen.html"), db=db),
                            site.requests()[before:])
        yield manifest, site, db, steps


def _path(request: dict) -> str:
    return request["path"].lstrip("/")


def _pages(manifest, **flags) -> list[str]:
    return [p.lstrip("/") for p, page in manifest.pages.items()
            if all(bool(page.get(k)) == v for k, v in flags.items())]


def test_import_subscribes_every_feed(followed):
    manifest, site, db, steps = followed
    assert steps["import"].returncode == 0, steps["import"].stderr
    assert b"6 feeds subscribed" in steps["import"].stderr


def test_round_one_stores_every_allowed_article_without_boilerplate(followed):
    manifest, site, db, steps = followed
    result, requests, archive = steps[1]
    assert result.returncode == 1  # the flaky feed, the gone feed, the slow and huge pages
    by_path = {a.url.split("/", 3)[3]: a for a in archive.values()}
    wanted = [p for p in _pages(manifest, disallowed=False, slow=False, huge=False)
              if not p.startswith("flaky/")]
    assert wanted and set(wanted) <= set(by_path)
    for path in wanted:
        body = by_path[path].body
        for paragraph in manifest.paragraphs("/" + path):
            if boilerplate_reason(paragraph) or len(paragraph.split()) < 4:
                continue  # a caption, a "share this story" or "Google" line of the source itself
            assert " ".join(paragraph.split()) in " ".join(body.split()), (path, paragraph)
    phrases = manifest.boilerplate
    assert len(phrases) >= 10
    for article in archive.values():
        assert not [p for p in phrases if p in article.body], article.url


def test_round_one_groups_each_incident_across_outlets(followed):
    manifest, site, db, steps = followed
    stories = _stories(db)
    outlets: dict[str, set] = {}
    for path, page in manifest.pages.items():
        if page.get("incident") and path.lstrip("/") in stories:
            outlets.setdefault(page["incident"], set()).add(page["outlet"])
    reported_twice = [i for i, names in outlets.items() if len(names) == 2]
    assert len(reported_twice) >= 5
    for incident in reported_twice:
        paths = [p.lstrip("/") for p in manifest.pages_of_incident(incident)
                 if p.lstrip("/") in stories]
        assert len({stories[p] for p in paths}) == 1, incident


def test_round_one_is_polite(followed):
    manifest, site, db, steps = followed
    result, requests, archive = steps[1]
    paths = [_path(r) for r in requests]
    assert paths.count("robots.txt") == 1
    assert not set(_pages(manifest, disallowed=True)) & set(paths)
    assert all("storyline/" in r["headers"].get("User-Agent", "") for r in requests)
    assert max(r["in_flight"] for r in requests) <= 2
    stderr = result.stderr.decode()
    for path in _pages(manifest, slow=True) + _pages(manifest, huge=True):
        assert path in stderr
    assert "--fetch-seconds" in stderr and "--max-page-mb" in stderr
    assert "Traceback" not in stderr
    summary = result.stdout.decode().strip().splitlines()[-1]
    assert summary.startswith("6 feeds: ") and "pages fetched" in summary


def test_round_two_asks_conditionally_and_fetches_nothing_stored(followed):
    manifest, site, db, steps = followed
    first, second = steps[1][2], steps[2][2]
    result, requests, archive = steps[2]
    feeds = [r for r in requests if r["path"] in manifest.feeds]
    answered_before = {r["path"] for r in steps[1][1] if r["status"] == 200}
    for request in feeds:
        if request["path"] in answered_before:
            assert "If-None-Match" in request["headers"], request["path"]
    assert "/gone/feed.xml" not in {r["path"] for r in requests}
    stored_paths = {a.url.split("/", 3)[3] for a in first.values()}
    assert not stored_paths & {_path(r) for r in requests}
    for article_id, article in first.items():
        assert second[article_id].body == article.body
        assert second[article_id].revision == article.revision


def test_round_three_changes_nothing(followed):
    manifest, site, db, steps = followed
    result, requests, archive = steps[3]
    assert archive.keys() == steps[2][2].keys()
    assert all(r["status"] == 304 for r in requests if r["path"] in manifest.feeds)
    assert "0 new articles" in result.stdout.decode()


def test_feeds_json_shows_gone_and_recovered_health(followed):
    manifest, site, db, steps = followed
    feeds = {f["url"].split("/", 3)[3]: f for f in json.loads(steps["feeds"].stdout)}
    gone = feeds["gone/feed.xml"]
    assert (gone["state"], gone["last_status"]) == ("gone", 410) and gone["next_check"] is None
    flaky = feeds["flaky/feed.xml"]
    assert flaky["state"] == "active" and flaky["consecutive_errors"] == 0
    assert flaky["articles"] == 2 and flaky["last_status"] in (200, 304)
    assert "moved/feed.xml" not in feeds and "courier-sports/atom.xml" in feeds
    assert feeds["herald/rss.xml"]["category"] == "Local"
    assert feeds["herald/rss.xml"]["articles"] == len(
        [p for p in _pages(manifest, disallowed=False, slow=False) if p.startswith("herald/")])


def test_fetch_refuses_loopback_without_allow_private(followed):
    manifest, site, db, steps = followed
    result, requests = steps["refused"]
    assert result.returncode == 1
    assert b"loopback address" in result.stderr and b"--allow-private" in result.stderr
    assert requests == []


def test_fetched_pages_export_as_a_warc_that_ingest_reads_back(followed, tmp_path):
    manifest, site, db, steps = followed
    warc = tmp_path / "pages.warc.gz"
    exported = run_cli("export", "--warc", str(warc), db=db)
    assert exported.returncode == 0, exported.stderr
    count = int(exported.stderr.split()[0])
    fetched = [a for a in steps[3][2].values() if not a.url.split("/", 3)[3].startswith(
        ("courier/", "courier-sports/"))]  # full-content entries have no page of their own
    assert count >= len(fetched) >= 10  # a page two entries point to is kept for each
    again = run_cli("ingest", "--no-annotate", str(warc), db=tmp_path / "again.db")
    assert again.returncode == 0, again.stderr
    assert int(again.stdout.split()[0]) >= len(fetched)


def test_watch_runs_until_sigterm_and_keeps_what_it_committed(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    build_site(tmp_path / "site", slow_seconds=1)
    db = tmp_path / "a.db"
    with NewsSite(tmp_path / "site") as site:
        assert run_cli("feeds", "add", site.url("/courier/atom.xml"), db=db).returncode == 0
        env = {k: v for k, v in os.environ.items() if k != "STORYLINE_DB"}
        with subprocess.Popen([sys.executable, "-m", "storyline", "--db", str(db), "watch",
                               "--allow-private", "--host-delay", "0"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env) as proc:
            try:
                line = proc.stdout.readline().decode()  # the first round's closing line
                assert line.startswith("1 feed: ") and "new articles" in line
                time.sleep(0.5)
                proc.send_signal(signal.SIGTERM)
                assert proc.wait(timeout=30) == 0
                assert b"stopping after the current batch" in proc.stderr.read()
            finally:
                proc.kill()
    assert len(_archive(db)) >= 6
