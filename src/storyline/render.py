"""Render a story brief for people: Markdown for a terminal, or one self-contained HTML page.

Both are pure functions of the brief dict and the article bodies its spans cite, so the
brief stays the single source of truth and the page can be saved and opened offline (no
template engine, no external resources). Every string from an article or the brief is
untrusted web text: the HTML escapes all of it and the Markdown defuses what could break
its structure. A citation mark's hover text is cut from the body as ``body[start:end]``;
when a body is missing the mark simply has no hover text.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlsplit

from .pictures import brief_articles, coverage_svg, source_anchors, timeline_svg

__all__ = ["BRIEF_CSS", "mark_spans", "render_brief_html", "render_html", "render_markdown"]

TOP_ENTITIES = 20
_STATUSES = (("conflict", "Conflict", "Where sources disagree"),
             ("corroborated", "Corroborated", "Corroborated"),
             ("single-source", "Single source", "Single source"))
_TYPES = {"PERSON": "person", "ORG": "organisation", "GPE": "place", "LOC": "location",
          "FAC": "facility", "EVENT": "event", "NORP": "group", "OTHER": "other"}
_MD_INLINE = re.compile(r"([\\`*_\[\]<])")
_MD_BLOCK = re.compile(r"^([#>+\-=|~]|\d+(?=[.)]))")


class _Citer:
    """Citation numbers, labels and cited text for the spans of one brief."""

    def __init__(self, brief: dict, bodies: Mapping[str, str]):
        self.sources = [s for s in brief.get("sources") or () if isinstance(s, dict)]
        self.bodies = bodies
        self.number: dict[str, int] = {}
        for n, src in enumerate(self.sources, 1):
            self.number.setdefault(src.get("article_id"), n)
            for dup in src.get("duplicates") or ():
                self.number.setdefault(dup, n)

    def text(self, span: dict | None) -> str | None:
        """``body[start:end]`` for a span, or None when it cannot be cut."""
        span = span if isinstance(span, dict) else {}
        body, start, end = self.bodies.get(span.get("article_id")), span.get("start"), span.get("end")
        ok = isinstance(body, str) and isinstance(start, int) and isinstance(end, int)
        return body[start:end] if ok and 0 <= start <= end <= len(body) else None

    def groups(self, spans: Iterable, ids: Iterable = ()) -> dict[int | None, list[dict]]:
        """Spans (then bare article ids) by citation number, first seen first; None = unknown."""
        out: dict[int | None, list[dict]] = {}
        for span in spans:
            if isinstance(span, dict):
                group = out.setdefault(self.number.get(span.get("article_id")), [])
                if span not in group:
                    group.append(span)
        for aid in ids:
            out.setdefault(self.number.get(aid), [])
        return out


def _label(src: dict) -> str:
    if src.get("label"):
        return str(src["label"])
    try:
        host = urlsplit(src.get("url") or "").hostname
    except ValueError:
        host = None
    return str(src.get("outlet") or host or src.get("title") or src.get("article_id") or "?")


def _href(url: object) -> str | None:
    """The URL if it is a plain http(s) link, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _day(value: object) -> str:
    value = str(value or "")
    return value[:10] if re.match(r"\d{4}-\d\d-\d\d", value) else value


def _own(item: dict) -> dict | None:
    return item.get("citation") or item.get("span")


def _text(item: dict, citer: _Citer) -> str:
    return str(item.get("text") or citer.text(_own(item)) or "")


def _cited(item: dict) -> tuple[list, list]:
    """The spans an item cites (its own first) and any bare supporting article ids."""
    extra = item.get("support_spans") or item.get("also_in") or item.get("evidence") or ()
    return [_own(item), *extra], list(item.get("support") or ())


def _source(src: dict) -> tuple[str, str, str, str | None, str]:
    """(label, title when it adds to the label, day, safe url, '+N copies' or '')."""
    label, dups = _label(src), len(src.get("duplicates") or ())
    title = str(src.get("title") or "") if src.get("title") != label else ""
    return (label, title, _day(src.get("published")), _href(src.get("url")),
            f"+{_count(dups, 'copy', 'copies')}" if dups else "")


def _overview(citer: _Citer) -> list[str]:
    n = len(citer.sources)
    copies = sum(len(s.get("duplicates") or ()) for s in citer.sources)
    parts = [_count(n, "source") + (f" (+{_count(copies, 'copy', 'copies')})" if copies else "")]
    labels = list(dict.fromkeys(_label(s) for s in citer.sources))
    if labels:
        more = f" and {len(labels) - 6} more" if len(labels) > 6 else ""
        parts.append(", ".join(labels[:6]) + more)
    dates = sorted(_day(s.get("published")) for s in citer.sources if s.get("published"))
    if dates:
        parts.append(dates[0] if dates[0] == dates[-1] else f"{dates[0]} – {dates[-1]}")
    return parts


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _speakers(brief: dict) -> list[tuple[str, list[dict]]]:
    """Quotes grouped by speaker, most quoted first; unattributed last."""
    names = {e.get("id"): e.get("name") for e in brief.get("entities") or ()}
    groups: dict[object, tuple[str, list[dict]]] = {}
    for q in brief.get("quotes") or ():
        name = q.get("speaker") or names.get(q.get("speaker_entity"))
        key = (q.get("speaker_entity") or name) if name else None
        groups.setdefault(key, (str(name or "Unattributed"), []))[1].append(q)
    known = sorted((g for k, g in groups.items() if k is not None), key=lambda g: -len(g[1]))
    return known + ([groups[None]] if None in groups else [])


def _facts(brief: dict) -> list[tuple[str, str, str, list[dict]]]:
    facts = list(brief.get("facts") or ())
    return [(status, badge, head, [f for f in facts if f.get("status") == status])
            for status, badge, head in _STATUSES]


def _fact_note(fact: dict) -> str:
    if fact.get("status") == "conflict" and fact.get("disagreement"):
        return "sources disagree: " + "; ".join(map(str, fact["disagreement"]))
    if fact.get("status") == "corroborated" and fact.get("outlets"):
        return "reported by " + ", ".join(map(str, fact["outlets"]))
    return ""


def _entities(brief: dict) -> tuple[list[dict], int]:
    ents = sorted(brief.get("entities") or (), key=lambda e: (
        -len(e.get("mentions") or ()), -(e.get("articles") or 0), str(e.get("name"))))
    return ents[:TOP_ENTITIES], max(0, len(ents) - TOP_ENTITIES)


def _quote_words(q: dict, text: str) -> tuple[str, str]:
    """(prefix, words) for a quote: curly quotes for direct speech, a label otherwise."""
    kind = q.get("kind")
    if kind == "indirect":
        return "(reported)", text
    return ("(partial)" if kind == "partial" else ""), f"“{text}”"


# -- Markdown -----------------------------------------------------------------------------

def _md(text: object) -> str:
    """One line of text with the characters that could start Markdown structure escaped."""
    text = _MD_INLINE.sub(r"\\\1", " ".join(str(text or "").split()))
    return _MD_BLOCK.sub(lambda m: m[1] + "\\" if m[1][0].isdigit() else "\\" + m[1], text)


def _md_marks(citer: _Citer, item: dict) -> str:
    nums = [str(n) if n else "?" for n in citer.groups(*_cited(item))]
    return f" [{', '.join(nums)}]" if nums else ""


def render_markdown(brief: dict, bodies: Mapping[str, str]) -> str:
    """The brief as Markdown: summary, quotes by speaker, timeline (and its background when
    there is any), facts, entities, sources."""
    c = _Citer(brief, bodies)
    out = [f"# {_md(brief.get('title') or brief.get('story_id') or 'Untitled story')}", "",
           " · ".join(_md(p) for p in _overview(c)), ""]

    def section(title: str, lines: list[str]) -> None:
        lines = lines[:-1] if lines[-1:] == [""] else lines
        out.extend([f"## {title}", "", *(lines or ["_None._"]), ""])

    section("Summary", [f"- {_md(_text(s, c))}{_md_marks(c, s)}" for s in brief.get("summary") or ()])

    lines: list[str] = []
    for name, group in _speakers(brief):
        lines += [f"### {_md(name)}", ""]
        for q in group:
            prefix, words = _quote_words(q, _md(_text(q, c)))
            lines.append(f"- {prefix + ' ' if prefix else ''}{words}{_md_marks(c, q)}")
        lines.append("")
    section("Who said what", lines)

    def dated(t: dict) -> str:
        return (f"- **{_md(t.get('date'))}**"
                + (f" ({_md(t['expression'])})" if t.get("expression") else "")
                + f" {_md(_text(t, c))}{_md_marks(c, t)}")

    section("Timeline", [dated(t) for t in brief.get("timeline") or ()])
    if brief.get("background"):
        section("Background", [dated(t) for t in brief["background"]])

    lines = []
    for _status, _badge, head, group in _facts(brief):
        if group:
            lines += [f"### {head}", ""]
            for f in group:
                note = _fact_note(f)
                note = f" — {_md(note)}" if note else ""
                lines.append(f"- {_md(_text(f, c))}{_md_marks(c, f)}{note}")
            lines.append("")
    section("Facts", lines)

    ents, more = _entities(brief)
    lines = []
    for e in ents:
        aliases = [str(a) for a in e.get("aliases") or () if a != e.get("name")]
        lines.append(f"- **{_md(e.get('name'))}** ({_TYPES.get(e.get('type'), 'other')}"
                     + (f"; also {_md(', '.join(aliases))}" if aliases else "") + ")"
                     + f" — {_count(len(e.get('mentions') or ()), 'mention')}"
                     + (f" in {_count(e['articles'], 'article')}" if e.get("articles") else ""))
    section("People, organisations and places", lines + ([f"- …and {more} more"] if more else []))

    lines = []
    for n, src in enumerate(c.sources, 1):
        label, title, day, url, dups = _source(src)
        if url:
            url = f"<{url}>" if not re.search(r"[\s<>]", url) else _md(url)
        bits = [f"— {_md(title)}" if title else "", f"({_md(day)})" if day else "", url,
                f"({dups})" if dups else ""]
        lines.append(f"- [{n}] {_md(label)}" + "".join(f" {b}" for b in bits if b))
    section("Sources", lines)
    return "\n".join(out).rstrip() + "\n"


# -- HTML ---------------------------------------------------------------------------------

def _e(text: object) -> str:
    return html.escape(str(text if text is not None else ""), quote=True)


def _html_marks(citer: _Citer, item: dict) -> str:
    marks = []
    for n, group in citer.groups(*_cited(item)).items():
        if n is None:
            marks.append('<span class="cite missing" title="source not in this brief">?</span>')
            continue
        texts = list(dict.fromkeys(t for t in map(citer.text, group) if t))
        tip = ""
        if texts:
            said = "<br>".join(f"“{_e(t)}”" for t in texts)
            by = _e(_label(citer.sources[n - 1]))
            tip = f'<span class="tip" role="tooltip">{said} <span class="by">— {by}</span></span>'
        aid = group[0].get("article_id") if group else citer.sources[n - 1].get("article_id")
        spans = json.dumps([[s.get("article_id"), s.get("start"), s.get("end")] for s in group
                            if citer.text(s) is not None])
        marks.append(f'<a class="cite" href="#src-{n}" data-article="{_e(aid)}" '
                     f'data-spans="{_e(spans)}" tabindex="0">{n}{tip}</a>')
    return f'<sup class="marks">{"".join(marks)}</sup>' if marks else ""


BRIEF_CSS = """
body{margin:0;color:#1f2328;background:#fff;font:17px/1.6 Georgia,"Times New Roman",serif}
main{max-width:46rem;margin:0 auto;padding:2rem 1.25rem 4rem}
h1{font-size:1.9rem;line-height:1.25;margin:0 0 .4rem}
h2{font:700 .95rem/1.3 system-ui,sans-serif;text-transform:uppercase;letter-spacing:.06em;color:#5f6670;
border-top:1px solid #e2e4e8;padding-top:1.2rem;margin:2.2rem 0 .8rem}
h3{font:600 1rem/1.3 system-ui,sans-serif;margin:1.2rem 0 .3rem}
.meta,.marks,.kind,.badge,.note,.aside,table,.sources{font-family:system-ui,sans-serif}
.meta,.note,.aside,.none,time{color:#5f6670}.meta{font-size:.92rem}.note{display:block;font-size:.88rem}
ul{padding-left:1.2rem}main li{position:relative;margin:.4rem 0}
.marks{font-size:.7rem;line-height:0;white-space:nowrap}
.cite{display:inline-block;margin-left:.2em;padding:0 .35em;border-radius:.6em;background:#e6eefa;color:#1a56a8;
text-decoration:none;cursor:help;line-height:1.5}
.cite:focus{outline:2px solid #1a56a8;outline-offset:1px}.cite.missing{background:#eee;color:#5f6670}
.tip{display:none;position:absolute;z-index:10;left:0;right:0;top:100%;margin-top:.15rem;padding:.5rem .7rem;
border-radius:.4rem;background:#24292f;color:#fff;font:400 .85rem/1.45 system-ui,sans-serif;white-space:normal;
text-align:left;box-shadow:0 2px 10px rgba(0,0,0,.25);pointer-events:none}
.cite:hover .tip,.cite:focus-visible .tip{display:block}.tip .by{color:#c9d1d9}
.kind{font-size:.72rem;font-weight:700;text-transform:uppercase;color:#5f6670;margin-right:.35em}
.facts,.sources{list-style:none;padding:0}.fact{border-left:4px solid;padding:.15rem 0 .15rem .75rem}
.badge{display:inline-block;font-size:.7rem;font-weight:700;text-transform:uppercase;letter-spacing:.04em;
padding:0 .45rem;border-radius:.3rem;margin-right:.45rem;vertical-align:.1em}
.fact.conflict{border-color:#c0392b}.fact.conflict .badge{background:#fbe3df;color:#93241a}
.fact.corroborated{border-color:#2e7d32}.fact.corroborated .badge{background:#e1f2e2;color:#1b5e20}
.fact.single-source{border-color:#9aa0a6}.fact.single-source .badge{background:#eceef0;color:#3c4043}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #e2e4e8;vertical-align:top}
.sources{font-size:.92rem}.sources li:target,.timeline li:target{background:#fff5cc}
.pictured{margin:1rem 0;font-family:system-ui,sans-serif}.pictured svg{display:block;max-width:100%;height:auto}
.pictured figcaption{font-size:.85rem;color:#5f6670}.pictured a:focus{outline:2px solid #1a56a8}.num{font-weight:700;color:#1a56a8}
@media print{body{font-size:11pt}main{max-width:none;padding:0}.tip{display:none!important}
.cite{background:none;color:inherit}a{color:inherit}.sources a::after{content:" (" attr(href) ")";font-size:.85em}}
"""


def mark_spans(body: str, marks: Iterable[tuple]) -> str:
    """``body`` as escaped HTML with each mark ``(start, end, class, key[, title])`` wrapped
    in a span. Marks may overlap: each run of text between two mark edges becomes one
    ``<span class="…" data-c="…" title="…">`` carrying the classes, keys and titles of
    every mark over it, so a script can light up one mark as ``[data-c~="key"]``."""
    marks = [m for m in marks if 0 <= m[0] < m[1] <= len(body)]
    edges = sorted({0, len(body), *(m[0] for m in marks), *(m[1] for m in marks)})
    opening: dict[int, list[int]] = {}
    for i, m in enumerate(marks):
        opening.setdefault(m[0], []).append(i)
    active: set[int] = set()
    out = []
    for a, b in zip(edges, edges[1:]):
        active = {i for i in active if marks[i][1] > a} | set(opening.get(a, ()))
        text = _e(body[a:b])
        if not active:
            out.append(text)
            continue
        on = sorted(active)
        classes = " ".join(dict.fromkeys(marks[i][2] for i in on))
        keys = " ".join(dict.fromkeys(marks[i][3] for i in on if marks[i][3]))
        titles = " · ".join(dict.fromkeys(marks[i][4] for i in on if len(marks[i]) > 4 and marks[i][4]))
        title = f' title="{_e(titles)}"' if titles else ""
        out.append(f'<span class="{_e(classes)}" data-c="{_e(keys)}"{title}>{text}</span>')
    return "".join(out)


def _cited_by_article(brief: dict) -> dict[str, set[tuple[int, int]]]:
    """(start, end) of every span a citation mark points at, by article: what a source's
    text marks so that a mark can light it up."""
    cited: dict[str, set[tuple[int, int]]] = {}
    for key in ("summary", "quotes", "timeline", "background", "facts"):
        for item in brief.get(key) or ():
            for span in _cited(item)[0]:
                if isinstance(span, dict) and isinstance(span.get("start"), int):
                    cited.setdefault(span.get("article_id"), set()).add((span["start"], span["end"]))
    return cited


def _source_texts(c: _Citer, cited: dict[str, set[tuple[int, int]]], src: dict) -> str:
    """The cited articles of one source (original, then cited copies), every cited span
    marked with key ``start-end``."""
    out = []
    for aid in [src.get("article_id"), *(src.get("duplicates") or ())]:
        body = c.bodies.get(aid)
        if body is None or (aid != src.get("article_id") and aid not in cited):
            continue
        marks = [(s, e, "cited", f"{s}-{e}") for s, e in sorted(cited.get(aid, ()))]
        label = "Text" if aid == src.get("article_id") else f"Text of the copy {aid}"
        out.append(f'<details class="source-text" data-article="{_e(aid)}"><summary>{_e(label)}'
                   f'</summary><div class="body">{mark_spans(body, marks)}</div></details>')
    return "".join(out)


def _figure(svg: str, caption: str) -> list[str]:
    return [f'<figure class="pictured">{svg}<figcaption>{_e(caption)}</figcaption></figure>'] if svg else []


def render_brief_html(brief: dict, bodies: Mapping[str, str], *, texts: bool = False,
                      article_href: str | None = None,
                      articles: Iterable[Mapping] | None = None) -> str:
    """The brief as an HTML fragment (header and sections), for a page of its own or the
    server's story page. ``texts`` adds each source's text under it with the cited spans
    marked, so a script can show where a citation comes from; ``article_href`` (with
    ``{id}``) links each source to its article page. ``articles`` (dicts with ``id``,
    ``outlet``, ``published``, ``duplicate_of``) are what the coverage picture draws; without
    them it draws the brief's sources, whose copies carry no date of their own."""
    c = _Citer(brief, bodies)
    title = brief.get("title") or brief.get("story_id") or "Untitled story"
    coverage = coverage_svg(brief_articles(brief) if articles is None else articles,
                            source_anchors(brief))
    out = [f"<header><h1>{_e(title)}</h1>",
           f'<p class="meta">{" · ".join(map(_e, _overview(c)))}</p>',
           *_figure(coverage, "Reports per outlet per day; each mark links to its source below."),
           "</header>"]

    def section(sid: str, head: str, body: list[str], wrap: tuple[str, str] | None = None) -> None:
        if body and wrap:
            body = [f'<{wrap[0]} class="{wrap[1]}">', *body, f"</{wrap[0]}>"]
        out.extend([f'<section id="{sid}">', f"<h2>{head}</h2>",
                    *(body or ['<p class="none">None.</p>']), "</section>"])

    section("summary", "Summary", [f"<li>{_e(_text(s, c))}{_html_marks(c, s)}</li>"
                                   for s in brief.get("summary") or ()], ("ul", "summary"))

    body = []
    for name, group in _speakers(brief):
        body += [f'<div class="speaker"><h3>{_e(name)}</h3>', '<ul class="quotes">']
        for q in group:
            prefix, words = _quote_words(q, _e(_text(q, c)))
            kind = f'<span class="kind">{prefix.strip("()")}</span>' if prefix else ""
            body.append(f'<li class="quote {_e(q.get("kind"))}">{kind}<span class="q">{words}</span>'
                        f"{_html_marks(c, q)}</li>")
        body += ["</ul>", "</div>"]
    section("quotes", "Who said what", body)

    def dated(t: dict, tid: str = "") -> str:
        return (f'<li{tid}><time datetime="{_e(t.get("date"))}">{_e(t.get("date"))}</time> '
                + (f'<span class="aside">({_e(t["expression"])})</span> ' if t.get("expression") else "")
                + f"{_e(_text(t, c))}{_html_marks(c, t)}</li>")

    section("timeline", "Timeline", [dated(t, f' id="tl-{n}"') for n, t in enumerate(brief.get("timeline") or (), 1)],
            ("ul", "timeline"))
    if (picture := timeline_svg(brief)):
        at = out.index('<section id="timeline">') + 2
        out[at:at] = _figure(picture, "The dated events; each mark links to its entry below.")
    if brief.get("background"):
        section("background", "Background", [dated(t) for t in brief["background"]],
                ("ul", "timeline background"))

    body = []
    for status, badge, head, group in _facts(brief):
        if group:
            body += [f"<h3>{head}</h3>", '<ul class="facts">']
            body += [f'<li class="fact {status}"><span class="badge">{badge}</span>{_e(_text(f, c))}'
                     + _html_marks(c, f)
                     + (f'<span class="note">{_e(n[:1].upper() + n[1:])}</span>'
                        if (n := _fact_note(f)) else "")
                     + "</li>" for f in group]
            body.append("</ul>")
    section("facts", "Facts", body)

    ents, more = _entities(brief)
    rows = [f"<tr><td>{_e(e.get('name'))}</td><td>{_TYPES.get(e.get('type'), 'other')}</td>"
            f"<td>{_e(', '.join(str(a) for a in e.get('aliases') or () if a != e.get('name')))}</td>"
            f"<td>{len(e.get('mentions') or ())}</td><td>{_e(e.get('articles', ''))}</td></tr>"
            for e in ents]
    head = "".join(f"<th>{h}</th>" for h in ("Name", "Type", "Also called", "Mentions", "Articles"))
    section("entities", "People, organisations and places", [
        f"<table><thead><tr>{head}</tr></thead>", "<tbody>", *rows, "</tbody></table>",
        *([f'<p class="none">…and {more} more.</p>'] if more else [])] if rows else [])

    items = []
    cited = _cited_by_article(brief) if texts else {}
    for n, src in enumerate(c.sources, 1):
        label, title, day, url, dups = _source(src)
        page = (f' <a class="page" href="{_e(article_href.format(id=quote(str(src.get("article_id")), safe="")))}">'
                "article page</a>") if article_href else ""
        items.append(f'<li id="src-{n}"><span class="num">[{n}]</span> '
                     + (f'<a href="{_e(url)}" rel="noopener">{_e(label)}</a>' if url else _e(label))
                     + (f" — <cite>{_e(title)}</cite>" if title else "")
                     + (f' <time datetime="{_e(day)}">{_e(day)}</time>' if day else "")
                     + (f' <span class="aside">({dups})</span>' if dups else "") + page
                     + (_source_texts(c, cited, src) if texts else "") + "</li>")
    section("sources", "Sources", items, ("ol", "sources"))
    return "\n".join(out)


def render_html(brief: dict, bodies: Mapping[str, str],
                articles: Iterable[Mapping] | None = None) -> str:
    """The brief as one self-contained HTML page whose citation marks show the cited text
    (``articles``: as for :func:`render_brief_html`)."""
    title = brief.get("title") or brief.get("story_id") or "Untitled story"
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>", f"<style>{BRIEF_CSS}</style>", "</head>", "<body>", "<main>",
        render_brief_html(brief, bodies, articles=articles), "</main>", "</body>", "</html>"]) + "\n"
