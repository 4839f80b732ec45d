"""Feed polling benchmark: one round over a local site of 200 feeds and 5,000 pages, then
a second round when nothing changed.

The site (``bench/newssite.py``: evaluation articles as pages, RSS link-only and Atom
full-content feeds, ETags) is served from its own process on 127.0.0.1; ``storyline feeds
import`` subscribes to its OPML and ``storyline watch --once --allow-private --host-delay 0``
runs each round as a user would (one site on one host: the politeness delay is a setting,
not the fetcher's speed). Figures: pages and articles per second, requests per new
article, peak memory of the process tree, and the second round's time (every feed a 304).
The peer is a plain loop: httpx and feedparser fetching the same feeds and pages one at a
time, storing nothing. Results go to ``bench/results/watch.md`` and ``.json``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence

from bench import harness
from bench.newssite import NewsSite, build_bench_site


def plain_loop(site: NewsSite, feeds: Sequence[str]) -> dict:
    """The peer: every feed, then every link of it, one GET at a time."""
    import feedparser
    import httpx

    started, pages, requests = time.perf_counter(), 0, 0
    with httpx.Client(timeout=30) as client:
        for path in feeds:
            parsed = feedparser.parse(client.get(site.url(path)).content)
            requests += 1
            for entry in parsed.entries:
                if entry.get("content"):
                    continue
                client.get(entry.link)
                requests += 1
                pages += 1
    return {"seconds": time.perf_counter() - started, "pages": pages, "requests": requests}


def main(argv: Sequence[str] | None = None) -> int:
    parser = harness.parser(__doc__, data_help=None)
    harness.planned(parser, "--feeds", harness.size, "feeds on the site", 200, 40, 6)
    harness.planned(parser, "--pages", harness.size, "pages on the site", 5000, 500, 60)
    args, options = harness.parse(parser, argv, "watch")

    def body(say) -> None:
        out = options.out
        out.mkdir(parents=True, exist_ok=True)
        with harness.fresh_workdir(out) as work:
            manifest = build_bench_site(work / "site", feeds=args.feeds, pages=args.pages)
            db = work / "archive.db"
            with NewsSite(work / "site") as site:
                result = harness.run_child(harness.storyline_cli(
                    "--db", db, "feeds", "import", site.opml_path()), work / "log-import")
                harness.fail_on(result, "feeds import")
                rounds = []
                for number in (1, 2):
                    say(f"round {number} over {args.feeds} feeds")
                    before = len(site.requests())
                    result = harness.run_child(harness.storyline_cli(
                        "--db", db, "watch", "--once", "--allow-private", "--host-delay", "0",
                        "--quiet"), work / f"log-{number}")
                    harness.fail_on(result, f"round {number}", allowed=(0, 1))
                    requests = site.requests()[before:]
                    articles = harness.query(db, "SELECT count(*) FROM articles")[0]
                    pages = sum(1 for r in requests if r["path"] not in manifest.feeds
                                and r["path"] != "/robots.txt")
                    rounds.append({"round": number, "seconds": result.seconds,
                                   "peak_rss_mb": result.peak_rss_mb, "requests": len(requests),
                                   "pages": pages, "articles": articles,
                                   "not_modified": sum(r["status"] == 304 for r in requests),
                                   "max_in_flight": max((r["in_flight"] for r in requests),
                                                        default=0)})
                say("peer: a plain httpx + feedparser loop")
                peer = plain_loop(site, sorted(manifest.feeds))
        first, second = rounds
        new = max(1, first["articles"])
        rows = [
            ["round 1 (storyline watch)", f"{first['seconds']:.1f}", f"{first['pages']:,}",
             f"{first['pages'] / first['seconds']:.1f}", f"{first['articles']:,}",
             f"{first['articles'] / first['seconds']:.1f}", f"{first['requests'] / new:.2f}",
             f"{first['peak_rss_mb']:.0f}", str(first["max_in_flight"])],
            ["round 2, nothing changed", f"{second['seconds']:.1f}", f"{second['pages']:,}", "-",
             f"{second['articles'] - first['articles']:,}", "-",
             f"{second['not_modified']:,} of {second['requests']:,} are 304",
             f"{second['peak_rss_mb']:.0f}", str(second["max_in_flight"])],
            ["peer: httpx + feedparser loop, fetch only", f"{peer['seconds']:.1f}",
             f"{peer['pages']:,}", f"{peer['pages'] / peer['seconds']:.1f}", "0", "-", "-", "-",
             "1"],
        ]
        table = harness.markdown_table(
            ["system", "seconds", "pages", "pages/s", "articles", "articles/s",
             "requests per new article", "peak RSS MB", "max in flight"], rows,
            text=("system",))
        env = harness.machine(harness.git_commit())
        notes = harness.bullets([
            f"{args.feeds} feeds and {args.pages:,} pages on one local host "
            "(bench/newssite.py); round 1 fetches every link-only entry's page, reads "
            "full-content entries as they are, extracts, cleans, de-duplicates, annotates and "
            "groups everything (the whole `watch` command, one process tree).",
            "`--host-delay 0`: the default 1 s between two requests to one host would make "
            "this a measure of the delay; at most 2 requests are in flight to the host either way.",
            "The peer only fetches (and parses feeds): it extracts, annotates and stores "
            "nothing, so it bounds the network part from below.",
        ])
        harness.publish(options, harness.document(
            harness.reproduce_line(env), "# Feed polling", table, notes),
            {"rounds": rounds, "peer": peer, "feeds": args.feeds, "pages": args.pages,
             "environment": env})

    return harness.main(body)


if __name__ == "__main__":
    sys.exit(main())
