"""The web pages of `storyline serve` in a real browser: headless Chromium (Debian's
package, driven by Playwright) against the real server (uvicorn on a free port) over an
archive holding the seed pair.

What only a browser can check: that the pages show what the brief holds, that clicking a
citation mark runs storyline.js and lights up the cited sentence in its source, and that
hostile text in an article shows as text and never runs.
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import expect, sync_playwright

from storyline import Library
from storyline.server import create_app

from .conftest import EXAMPLES, ROOT, write_jsonl

ARTIFACTS = ROOT / "test-artifacts" / "browser"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
MISSING_CHROMIUM = ("Chromium is not installed, and the browser tests need it: run "
                    "`apt-get install -y chromium` (as root; or `make test`, which installs it)")
XSS_SCRIPT = "<script>window.__pwned = 1</script>"
XSS_IMG = '<img src=x onerror="window.__pwned = 2">'
XSS_WORD = "quuxberry"  # a word only the hostile article holds, to search for
XSS_RECORD = {
    "id": "xss-1", "outlet": "Hostile Gazette", "published": "2021-03-20",
    "title": f"Allotment show {XSS_SCRIPT} judged {XSS_IMG}",
    "text": (f"The {XSS_WORD} marrow won first prize at the allotment show. {XSS_SCRIPT}\n\n"
             f"Judges said the {XSS_WORD} entry was the largest they had seen. {XSS_IMG}\n\n"
             "The show raised money for the village hall roof."),
}


def chromium_path() -> str | None:
    """Debian's chromium: Playwright's own browser downloads need a network we lack."""
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


class LiveServer:
    """The real app under uvicorn in a thread, so the browser talks HTTP to a real socket."""

    def __init__(self, app):
        config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """The seed pair (one story), then a hostile article in a second ingest; the library
    stays open so tests can read the bodies the page should show."""
    tmp = tmp_path_factory.mktemp("browser")
    with Library(tmp / "news.db") as lib:
        lib.ingest([EXAMPLES / "seed-pair.jsonl"])
        story_id = lib.stories()[0].story_id
        lib.ingest([write_jsonl(tmp / "xss.jsonl", [XSS_RECORD])])
        yield lib, story_id


@pytest.fixture(scope="module")
def base_url(archive):
    lib, _ = archive
    with LiveServer(create_app(lib.store.path)) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        pytest.fail(MISSING_CHROMIUM, pytrace=False)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _failed_response(page, response) -> None:
    if response.status >= 400:
        page.problems.append(f"HTTP {response.status}: {response.url}")


def _console_error(page, msg) -> None:
    # a failed load is reported, with its URL, by _failed_response
    if msg.type == "error" and not msg.text.startswith("Failed to load resource"):
        page.problems.append(f"console: {msg.text}")


@pytest.fixture
def page(browser, base_url):
    """A fresh page whose script errors, console errors (a CSP refusal is one) and failed
    requests are kept in ``page.problems``, for the tests to assert there are none."""
    context = browser.new_context(base_url=base_url, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(5000)
    page.problems = []
    page.on("pageerror", lambda error: page.problems.append(f"script error: {error}"))
    page.on("console", lambda msg: _console_error(page, msg))
    page.on("response", lambda response: _failed_response(page, response))
    yield page
    context.close()


def brief_of(archive) -> dict:
    lib, story_id = archive
    return json.loads(lib.brief_json(story_id))


def squash(text: str) -> str:
    """Whitespace as a reader sees it: the browser folds runs of it in normal text."""
    return " ".join(text.split())


def quote_words(text: str) -> str:
    """A quote's words as the page shows them, without the curly quotes of direct speech."""
    return squash(text.removeprefix("“").removesuffix("”"))


def own_text(item) -> str:
    """The visible text of a brief line without its citation marks (which follow it)."""
    full, marks = item.inner_text(), item.locator("sup.marks").inner_text()
    assert full.endswith(marks), (full, marks)
    return squash(full[: len(full) - len(marks)])


def highlighted_text(page) -> str:
    """The lit-up source text, joined in page order; textContent, as the offsets count it."""
    return "".join(page.locator(".source-text .cited.hl").all_text_contents())


def cited_texts(lib, mark) -> list[str]:
    """The body slices a citation mark's data-spans point at."""
    spans = json.loads(mark.get_attribute("data-spans"))
    assert spans, "a citation mark without spans"
    return [lib.article(aid).body[start:end] for aid, start, end in spans]


def check_highlight(page, lib, mark) -> None:
    """After clicking ``mark``: its source's text is open, the cited sentence is lit up and
    on screen, and the mark is the one active mark."""
    spans = json.loads(mark.get_attribute("data-spans"))
    for aid in {aid for aid, _, _ in spans}:
        details = page.locator(f'details.source-text[data-article="{aid}"]')
        expect(details).to_have_count(1)
        assert details.evaluate("el => el.open"), f"the text of {aid} was not opened"
    lit = page.locator(".source-text .cited.hl")
    expect(lit.first).to_be_visible()
    expect(lit.first).to_be_in_viewport()
    assert highlighted_text(page) in cited_texts(lib, mark)
    expect(mark).to_have_class(re.compile(r"\bactive\b"))
    expect(page.locator(".cite.active")).to_have_count(1)


def assert_no_problems(page) -> None:
    assert page.problems == [], page.problems


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (and proof that it is one)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", head[16:24])


# -- tests -------------------------------------------------------------------------------

def test_chromium_is_installed():
    """Fail, not skip: a skipped browser suite hides that the web pages went untested."""
    if chromium_path() is None:
        pytest.fail(MISSING_CHROMIUM, pytrace=False)


def test_home_lists_the_story_and_opens_it(page, archive):
    lib, story_id = archive
    story = next(s for s in lib.stories() if s.story_id == story_id)
    assert story.articles == 2
    page.goto("/")
    item = page.locator("li.story").filter(has=page.locator(f'a[href="/stories/{story_id}"]'))
    expect(item).to_have_count(1)
    expect(item.locator(".count")).to_have_text("2 sources")
    expect(item.locator("a.title")).to_have_text(story.title)
    item.locator("a.title").click()
    page.wait_for_url(f"**/stories/{story_id}")
    expect(page.locator("article.brief h1")).to_have_text(brief_of(archive)["title"])
    assert_no_problems(page)


def test_story_page_shows_the_summary_of_the_brief(page, archive):
    _, story_id = archive
    want = [squash(s["text"]) for s in brief_of(archive)["summary"]]
    assert want, "the seed brief has no summary"
    page.goto(f"/stories/{story_id}")
    items = page.locator("#summary ul.summary > li")
    expect(items).to_have_count(len(want))
    assert [own_text(li) for li in items.all()] == want
    for li in items.all():  # every summary line cites its source
        expect(li.locator("a.cite").first).to_be_visible()
    assert_no_problems(page)


def test_story_page_groups_quotes_by_speaker(page, archive):
    _, story_id = archive
    quotes = brief_of(archive)["quotes"]
    speakers = {q["speaker"] for q in quotes if q.get("speaker")}
    assert "Sadiq Khan" in speakers
    page.goto(f"/stories/{story_id}")
    headings = page.locator("#quotes .speaker > h3").all_inner_texts()
    assert "Sadiq Khan" in headings
    assert set(headings) >= speakers
    assert len(headings) == len(set(headings)), f"a speaker is split in two: {headings}"
    for name in ("Sadiq Khan", "Helen Ball"):
        said = squash(next(q["text"] for q in quotes if q.get("speaker") == name))
        group = page.locator("#quotes .speaker").filter(
            has=page.get_by_role("heading", name=name, exact=True))
        expect(group).to_have_count(1)
        assert said in [quote_words(t) for t in group.locator("li.quote .q").all_inner_texts()]
        others = page.locator("#quotes .speaker").filter(
            has_not=page.get_by_role("heading", name=name, exact=True))
        assert said not in [quote_words(t) for t in others.locator("li.quote .q").all_inner_texts()]
    assert_no_problems(page)


def test_citation_mark_highlights_the_cited_sentence(page, archive, capsys):
    lib, story_id = archive
    page.goto(f"/stories/{story_id}")
    page.wait_for_load_state("load")  # storyline.js is deferred
    expect(page.locator(".cited.hl")).to_have_count(0)
    expect(page.locator("details.source-text[open]")).to_have_count(0)

    first = page.locator("#summary li").nth(0).locator("a.cite").first
    first.click()
    check_highlight(page, lib, first)
    assert page.url.endswith(f"/stories/{story_id}"), "the mark's link was followed"
    first_lit = highlighted_text(page)

    # another mark, citing another sentence: the highlight moves, the old one is cleared
    second = page.locator("#summary li").nth(1).locator("a.cite").first
    second.click()
    check_highlight(page, lib, second)
    assert highlighted_text(page) != first_lit
    expect(first).not_to_have_class(re.compile(r"\bactive\b"))

    # back to the first: the state is the first click's again, and the page shows it
    first.click()
    check_highlight(page, lib, first)
    assert highlighted_text(page) == first_lit
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "story-page.png"
    shot.unlink(missing_ok=True)
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000, "the screenshot is next to empty"
    width, height = png_size(shot)
    assert width == 1100 and height > 900, "not a full-page screenshot"
    with capsys.disabled():  # shown in a quiet run too: it is where to look
        print(f"\nstory page screenshot: {shot}")
    assert_no_problems(page)


@pytest.mark.parametrize("where", ["article", "search", "home"])
def test_hostile_text_shows_as_text_and_never_runs(page, where):
    url = {"article": f"/articles/{XSS_RECORD['id']}", "search": f"/search?q={XSS_WORD}",
           "home": "/"}[where]
    page.goto(url)
    main = page.locator("main")
    expect(main).to_contain_text(XSS_SCRIPT)
    expect(main).to_contain_text(XSS_IMG)
    assert page.evaluate("typeof window.__pwned") == "undefined"
    # escaped, not merely blocked by the CSP: no element came out of the text
    assert page.locator("main script, main img").count() == 0
    assert_no_problems(page)


def test_next_line_mark_is_clickable_after_a_click(page, archive):
    """What a reader does: click a line's mark, then the next line's mark."""
    _, story_id = archive
    page.goto(f"/stories/{story_id}")
    page.locator("#summary li").nth(0).locator("a.cite").first.click()
    second = page.locator("#summary li").nth(1).locator("a.cite").first
    second.click(timeout=2000)
    expect(second).to_have_class(re.compile(r"\bactive\b"))


def _follow_mark(page, mark) -> None:
    """Click a picture's mark: the page goes to its link's target, which exists."""
    href = mark.get_attribute("href")
    assert href and href.startswith("#"), href
    mark.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    target = page.locator(href)
    expect(target).to_have_count(1)
    expect(target).to_be_in_viewport()
    assert page.evaluate("location.hash") == href
    assert page.evaluate("document.querySelector(':target').id") == href[1:]


@pytest.mark.parametrize("where", ["story page", "html brief"])
def test_pictures_render_and_their_marks_lead_to_the_citation(page, archive, tmp_path, where):
    lib, story_id = archive
    if where == "story page":
        page.goto(f"/stories/{story_id}")
    else:  # the self-contained file `storyline brief ID --format html` writes
        path = tmp_path / "brief.html"
        path.write_text(lib.brief(story_id).to_html(), encoding="utf-8")
        page.goto(path.as_uri())
    brief = brief_of(archive)
    for kind in ("coverage", "timeline"):
        svg = page.locator(f"svg.picture.pic-{kind}")
        expect(svg).to_have_count(1)
        expect(svg).to_be_visible()
        box = svg.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 30, (kind, box)
        assert svg.get_attribute("role") == "img"
        assert svg.locator("desc").text_content()
    coverage = page.locator("svg.picture.pic-coverage a.mark")
    expect(coverage).to_have_count(len(brief["sources"]))
    assert coverage.first.bounding_box()["width"] > 0
    _follow_mark(page, coverage.last)
    expect(page.locator(":target")).to_contain_text(brief["sources"][-1]["label"])
    timeline = page.locator("svg.picture.pic-timeline a.mark")
    expect(timeline).to_have_count(len(brief["timeline"]))
    page.evaluate("window.scrollTo(0, 0)")
    timeline.first.scroll_into_view_if_needed()
    _follow_mark(page, timeline.first)
    entry = page.locator(":target")
    expect(entry).to_contain_text(brief["timeline"][0]["date"])
    expect(entry).to_contain_text(squash(brief["timeline"][0]["text"])[:40])
    assert_no_problems(page)


def test_story_page_shows_what_is_new_since_the_last_visit(page, archive):
    """The last visit is kept in the browser: none on a first visit (nothing shown, the
    visit remembered); an older one shows the story's updates since, from the API."""
    _, story_id = archive
    key = f"storyline:visited:{story_id}"
    page.goto(f"/stories/{story_id}")
    page.evaluate(f"window.localStorage.removeItem({json.dumps(key)})")
    page.reload()
    expect(page.locator("#whats-new")).to_be_hidden()
    assert page.evaluate(f"window.localStorage.getItem({json.dumps(key)})")
    page.evaluate(f"window.localStorage.setItem({json.dumps(key)}, '2000-01-01T00:00:00Z')")
    page.reload()
    box = page.locator("#whats-new")
    expect(box).to_be_visible()
    items = box.locator("ul.news > li")
    expect(items.first).to_be_visible()
    labels = [li.locator("strong").inner_text() for li in items.all()]
    assert labels.count("New source: ") == 2  # both outlets are new since 2000
    expect(box.locator(".when")).to_contain_text("changes since")
    assert page.evaluate(f"window.localStorage.getItem({json.dumps(key)})") != \
        "2000-01-01T00:00:00Z"
    assert_no_problems(page)
