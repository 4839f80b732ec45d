"""Two pictures of a story, drawn on the server as inline SVG: its coverage over time
(reports per outlet per day) and its timeline (the brief's dated entries on a date axis).

Plain functions of plain data (the brief's dict, or the story's articles as dicts with
``id``, ``outlet``, ``published`` and ``duplicate_of``) returning an SVG string, or "" when
there is nothing to draw. The SVG needs no script, font or stylesheet (presentation
attributes only, so a page whose Content-Security-Policy forbids inline styles shows it),
reads without colour (an original report is a filled circle, a near-duplicate copy a
hollow square; a timeline event dated to the day a filled diamond, one dated only to a
month or year a hollow one; counts and dates are written out), and says what it shows in text
(``role="img"``, ``<title>``, ``<desc>``, and a ``<title>`` per mark). Each mark links to
the place in the page that cites it (``#src-N``: a source entry, ``#tl-N``: a timeline
entry). Sizes are bounded however large the story: at most ``MAX_OUTLETS`` rows and
``MAX_COLUMNS`` columns (days, else weeks, else months), at most a few marks per cell.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

__all__ = ["brief_articles", "coverage_svg", "parse_day", "source_anchors", "timeline_svg"]

MAX_OUTLETS = 8
MAX_COLUMNS = 40
MAX_PER_CELL = 3
MAX_MARKS = 240
MAX_ENTRIES = 60
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
INK, GREY, RULE = "#1f2328", "#57606a", "#d0d7de"
_DAY = re.compile(r"(\d{4})(?:-(\d\d)(?:-(\d\d))?)?")


def _e(text: object) -> str:
    return html.escape(str(text if text is not None else ""), quote=True)


def _count(n: int, one: str, many: str = "") -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def parse_day(value: object) -> date | None:
    """The first day a date of any precision can mean ("2021-03" -> 2021-03-01), or None."""
    m = _DAY.match(str(value or ""))
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2] or 1), int(m[3] or 1))
    except ValueError:
        return None


def source_anchors(brief: Mapping) -> dict[str, str]:
    """The page anchor of every article the brief's sources list (a copy: its original's)."""
    anchors: dict[str, str] = {}
    for n, src in enumerate(s for s in brief.get("sources") or () if isinstance(s, dict)):
        for aid in [src.get("article_id"), *(src.get("duplicates") or ())]:
            anchors.setdefault(str(aid), f"src-{n + 1}")
    return anchors


def brief_articles(brief: Mapping) -> list[dict]:
    """The story's articles as far as the brief's dict knows them: each source, and each
    copy under it with its original's outlet but no date of its own (so not drawn)."""
    out = []
    for src in brief.get("sources") or ():
        if not isinstance(src, dict):
            continue
        outlet = src.get("label") or src.get("outlet")
        out.append({"id": src.get("article_id"), "outlet": outlet,
                    "published": src.get("published"), "duplicate_of": None})
        out += [{"id": d, "outlet": outlet, "published": None,
                 "duplicate_of": src.get("article_id")} for d in src.get("duplicates") or ()]
    return out


def _columns(first: date, last: date) -> tuple[int, str, list[date]]:
    """(days per column, unit name, start day of each column) for a date range."""
    days = (last - first).days + 1
    if days <= MAX_COLUMNS:
        return 1, "day", [first + timedelta(d) for d in range(days)]
    if days <= 7 * MAX_COLUMNS:
        start = first - timedelta(first.weekday())
        return 7, "week", [start + timedelta(7 * w) for w in range((last - start).days // 7 + 1)]
    months, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        months.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    step = -(-len(months) // MAX_COLUMNS)
    return 30 * step, "month" if step == 1 else f"{step} months", months[::step]


def _column(day: date, starts: list[date]) -> int:
    lo = 0
    for i, start in enumerate(starts):
        if start <= day:
            lo = i
    return lo


def _legend(y: int, gap: int, items: list[tuple[str, int, str, str]]) -> str:
    """A picture's key: each (shape, x, title, label) as its mark with the label ``gap`` to
    its right, on the baseline ``y``."""
    return (f'<g class="pic-legend" font-size="11" fill="{GREY}">'
            + "".join(_mark(shape, x, y - 4, title, None) + f'<text x="{x + gap}" y="{y}">{label}</text>'
                      for shape, x, title, label in items) + "</g>")


def _mark(shape: str, x: float, y: float, title: str, href: str | None) -> str:
    if shape == "copy":
        body = (f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="#fff" '
                f'stroke="{INK}" stroke-width="1.6"/>')
    elif shape in ("entry", "entry approx"):
        fill, stroke = (INK, "#fff") if shape == "entry" else ("#fff", INK)
        body = (f'<path d="M{x:.1f} {y - 6:.1f}l6 6-6 6-6-6z" fill="{fill}" stroke="{stroke}" '
                'stroke-width="1.4"/>')
    else:
        body = f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{INK}"/>'
    inner = f"<title>{_e(title)}</title>{body}"
    if href:
        return f'<a class="mark {shape}" href="#{_e(href)}">{inner}</a>'
    return f'<g class="mark {shape}">{inner}</g>'


def _svg(kind: str, width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return "\n".join([
        f'<svg xmlns="http://www.w3.org/2000/svg" class="picture pic-{kind}" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'aria-labelledby="{kind}-title {kind}-desc" font-family="{_e(FONT)}" font-size="12" '
        f'fill="{INK}">',
        f'<title id="{kind}-title">{_e(title)}</title>',
        f'<desc id="{kind}-desc">{_e(desc)}</desc>', *body, "</svg>"])


def _range(first: date, last: date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"


def coverage_svg(articles: Iterable[Mapping], anchors: Mapping[str, str] | None = None,
                 *, width: int = 680) -> str:
    """Reports per outlet per day: one row per outlet (most reports first, at most
    ``MAX_OUTLETS``, the rest summarised), one mark per dated article on its day (filled
    circle: a report; hollow square: a near-duplicate copy), each linking to
    ``#anchors[id]``. Undated articles are counted in the description, not drawn."""
    anchors = anchors or {}
    items = [dict(a) for a in articles]
    dated = [(a, d) for a in items if (d := parse_day(a.get("published")))]
    if not dated:
        return ""
    undated = len(items) - len(dated)
    copies = sum(bool(a.get("duplicate_of")) for a, _ in dated)
    by_outlet: dict[str, list[tuple[dict, date]]] = {}
    for a, d in dated:
        by_outlet.setdefault(str(a.get("outlet") or "Unknown outlet"), []).append((a, d))
    outlets = sorted(by_outlet, key=lambda o: (-len(by_outlet[o]), o.casefold()))
    shown, hidden = outlets[:MAX_OUTLETS], outlets[MAX_OUTLETS:]
    first, last = min(d for _, d in dated), max(d for _, d in dated)
    step, unit, starts = _columns(first, last)

    cells: dict[tuple[int, int], list[tuple[dict, date]]] = {}
    for row, outlet in enumerate(shown):
        for a, d in sorted(by_outlet[outlet], key=lambda ad: (ad[1], bool(ad[0].get("duplicate_of")))):
            cells.setdefault((row, _column(d, starts)), []).append((a, d))
    per_cell = MAX_PER_CELL if sum(min(len(c), MAX_PER_CELL) for c in cells.values()) <= MAX_MARKS else 1

    label_w, top, row_h, axis_h = 150, 10, 26, 44
    plot_w = width - label_w - 36  # room for half an axis label past the last column
    col_w = plot_w / len(starts)
    rows_h = row_h * len(shown)
    height = top + rows_h + axis_h + (20 if hidden else 0)
    body = [f'<g class="pic-rows" font-size="12">']
    for row, outlet in enumerate(shown):
        y = top + row * row_h + row_h / 2
        name = outlet if len(outlet) <= 20 else outlet[:19].rstrip() + "…"
        body.append(f'<text x="{label_w - 8}" y="{y + 4:.1f}" text-anchor="end">'
                    f"<title>{_e(outlet)}: {_count(len(by_outlet[outlet]), 'report')}</title>"
                    f"{_e(name)}</text>")
        body.append(f'<line x1="{label_w}" y1="{y:.1f}" x2="{label_w + plot_w:.1f}" y2="{y:.1f}" '
                    f'stroke="{RULE}" stroke-dasharray="2 3"/>')
    body.append("</g>")
    marks = ['<g class="pic-marks">']
    for (row, col), group in sorted(cells.items()):
        cx = label_w + col_w * (col + 0.5)
        y0 = top + row * row_h + row_h / 2
        draw = group if len(group) <= per_cell else group[:max(1, per_cell - 1)]
        offsets = [0.0] if len(draw) == 1 else [(i - (len(draw) - 1) / 2) * 9 for i in range(len(draw))]
        for (a, d), dx in zip(draw, offsets):
            copy = bool(a.get("duplicate_of"))
            what = (f"near-duplicate copy {a.get('id')} (of {a.get('duplicate_of')})" if copy
                    else f"report {a.get('id')}")
            title = f"{a.get('outlet') or 'Unknown outlet'}, {d.isoformat()}: {what}"
            wide = col_w >= 9 * len(draw) + 2  # side by side, else one above another
            x, y = (cx + dx, y0) if wide else (cx, y0 + dx * 0.8)
            marks.append(_mark("copy" if copy else "report", x, y, title, anchors.get(str(a.get("id")))))
        if len(group) > len(draw):
            rest = len(group) - len(draw)
            marks.append(f'<text x="{cx + 6:.1f}" y="{y0 - 5:.1f}" font-size="10" fill="{GREY}">'
                         f"<title>{_count(rest, 'more article')} in this {unit}</title>+{rest}</text>")
    marks.append("</g>")
    body += marks
    axis_y = top + rows_h + 4
    body.append(f'<g class="pic-axis" fill="{GREY}" font-size="11">'
                f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + plot_w:.1f}" y2="{axis_y}" '
                f'stroke="{GREY}"/>')
    gap = 72 if step < 28 else 52  # px between labels: an ISO day, a month
    every = max(1, int(-(-gap // col_w)))
    ticks, end = list(range(0, len(starts), every)), len(starts) - 1
    if ticks[-1] != end:  # the last column is always labelled, its neighbour may give way
        ticks[-1 if len(ticks) > 1 and (end - ticks[-1]) * col_w < gap else len(ticks):] = [end]
    for t in ticks:
        x = label_w + col_w * (t + 0.5)
        text = starts[t].isoformat() if step < 28 else starts[t].strftime("%Y-%m")
        body.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="{GREY}"/>'
                    f'<text x="{x:.1f}" y="{axis_y + 17}" text-anchor="middle">{_e(text)}</text>')
    body.append(f'<text x="{label_w}" y="{axis_y + 34}">one column per {unit}</text></g>')
    legend_y = axis_y + 34
    body.append(_legend(legend_y, 8, [
        ("report", label_w + plot_w - 190, "report", "report"),
        ("copy", label_w + plot_w - 120, "near-duplicate copy", "near-duplicate copy")]))
    if hidden:
        rest = sum(len(by_outlet[o]) for o in hidden)
        body.append(f'<text class="pic-more" x="{label_w}" y="{legend_y + 20}" fill="{GREY}" font-size="11">'
                    f"and {_count(len(hidden), 'more outlet')} ({_count(rest, 'report')}) not shown"
                    "</text>")
    desc = (f"{_count(len(dated), 'dated article')} ({_count(copies, 'near-duplicate copy', 'near-duplicate copies')}) "
            f"from {_count(len(outlets), 'outlet')}, {_range(first, last)}"
            + (f"; {_count(len(hidden), 'outlet')} with {_count(sum(len(by_outlet[o]) for o in hidden), 'article')} not shown" if hidden else "")
            + (f"; {_count(undated, 'undated article')} not drawn" if undated else "") + ".")
    return _svg("coverage", width, int(height), "Coverage: reports per outlet per day", desc, body)


def timeline_svg(brief: Mapping, *, width: int = 680) -> str:
    """The brief's timeline entries as marks on a date axis (same date: stacked), each
    linking to its entry ``#tl-N`` in the page; background entries are counted in the
    description, not drawn. "" when no entry has a date."""
    entries = [(n, t, d) for n, t in enumerate(brief.get("timeline") or (), 1)
               if isinstance(t, dict) and (d := parse_day(t.get("date")))]
    if not entries:
        return ""
    shown, hidden = entries[:MAX_ENTRIES], entries[MAX_ENTRIES:]
    first, last = min(d for *_, d in shown), max(d for *_, d in shown)
    left, right, top = 20, 20, 14
    plot_w = width - left - right
    span = max(1, (last - first).days)
    stacks: dict[date, int] = {}
    for *_, d in shown:
        stacks[d] = stacks.get(d, 0) + 1
    tallest = min(max(stacks.values()), 8)
    axis_y = top + 14 * tallest + 8
    height = axis_y + 42 + (16 if hidden else 0)
    body = [f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="{GREY}"/>',
            '<g class="pic-marks">']
    placed: dict[date, int] = {}
    for n, t, d in shown:
        x = left + plot_w * ((d - first).days / span if last != first else 0.5)
        level = placed.get(d, 0)
        placed[d] = level + 1
        y = axis_y - 8 - 14 * min(level, tallest - 1)
        words = str(t.get("text") or "")
        words = words if len(words) <= 160 else words[:159] + "…"
        title = f"{t.get('date')}" + (f" ({t['expression']})" if t.get("expression") else "") + (
            f": {words}" if words else "")
        exact = bool(re.fullmatch(r"\d{4}-\d\d-\d\d", str(t.get("date"))[:10]))
        body.append(_mark("entry" if exact else "entry approx", x, y, title, f"tl-{n}"))
    body.append("</g>")
    ticks = [first] if first == last else [first + timedelta(round(span * i / 4)) for i in range(5)]
    body.append(f'<g class="pic-axis" fill="{GREY}" font-size="11">')
    for i, d in enumerate(dict.fromkeys(ticks)):
        x = left + plot_w * ((d - first).days / span if last != first else 0.5)
        anchor = "start" if i == 0 and first != last else "end" if d == last and first != last else "middle"
        body.append(f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 4}" stroke="{GREY}"/>'
                    f'<text x="{x:.1f}" y="{axis_y + 17}" text-anchor="{anchor}">{d.isoformat()}</text>')
    body.append("</g>")
    legend_y = axis_y + 34
    body.append(_legend(legend_y, 10, [
        ("entry", left + plot_w - 250, "event on a known day", "known day"),
        ("entry approx", left + plot_w - 160, "event in a month or year", "month or year only")]))
    if hidden:
        body.append(f'<text class="pic-more" x="{left}" y="{legend_y + 16}" fill="{GREY}" font-size="11">'
                    f"and {_count(len(hidden), 'more entry', 'more entries')} not shown</text>")
    background = len(brief.get("background") or ())
    undated = len(brief.get("timeline") or ()) - len(entries)
    desc = (f"{_count(len(entries), 'dated entry', 'dated entries')}, "
            f"{_range(min(d for *_, d in entries), max(d for *_, d in entries))}"
            + (f"; {_count(len(hidden), 'entry', 'entries')} not shown" if hidden else "")
            + (f"; {_count(undated, 'entry', 'entries')} without a usable date not drawn" if undated else "")
            + (f"; {_count(background, 'background entry', 'background entries')} (long before the story) listed apart, not drawn" if background else "")
            + ".")
    return _svg("timeline", width, int(height), "Timeline: the story's dated events", desc, body)
