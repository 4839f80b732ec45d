"""The polling arithmetic: intervals as people write them, adaptation to a feed's pace, the
server's freshness headers, and backing off from errors without ever stopping."""

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings, strategies as st

from storyline.feeds.schedule import (
    DEFAULT_INTERVAL, MAX_BACKOFF, MAX_INTERVAL, MAX_RETRY_AFTER, MIN_INTERVAL, backoff,
    cache_seconds, next_interval, parse_interval, parse_retry_after, publishing_interval)

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, seconds", [
    ("30m", 1800), ("2h", 7200), ("1d", 86400), ("900s", 900), ("45", 2700),
    ("1h30m", 5400), ("1d2h3m4s", 93784), (" 2H ", 7200), ("1h 30m", 5400), ("5m", 300)])
def test_intervals_as_written(text, seconds):
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["", "m", "1x", "1.5h", "-5m", "30m1h", "1h1h", "every hour",
                                  "٣٠m", "1e3"])
def test_what_is_no_interval_says_how_to_write_one(text):
    with pytest.raises(ValueError, match="not an interval.*30m, 2h, 1d"):
        parse_interval(text)


@pytest.mark.parametrize("text", ["90s", "4m", "4m59s", "0", "1"])
def test_an_interval_below_the_minimum_says_the_minimum(text):
    with pytest.raises(ValueError, match="at most every 5 minutes"):
        parse_interval(text)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=12), st.text("0123456789dhms ", max_size=12)))
def test_parse_interval_only_ever_raises_value_error(text):
    try:
        assert parse_interval(text) >= MIN_INTERVAL
    except ValueError:
        pass


def _hourly(count, start=NOW):
    return [start - timedelta(hours=i) for i in range(count)]


def test_publishing_interval_is_the_median_recent_gap():
    assert publishing_interval([]) is None
    assert publishing_interval([NOW]) is None
    assert publishing_interval([NOW, NOW]) is None
    assert publishing_interval(_hourly(5)) == 3600
    bursty = _hourly(6) + [NOW - timedelta(hours=5, minutes=1)]
    assert publishing_interval(bursty) == 3600
    old_daily = [NOW - timedelta(days=30 + i) for i in range(20)]
    assert publishing_interval(_hourly(10) + old_daily) == 3600


def test_publishing_interval_takes_naive_times_as_utc():
    naive = [NOW.replace(tzinfo=None), (NOW - timedelta(hours=2)).replace(tzinfo=None)]
    aware = NOW - timedelta(hours=4)
    assert publishing_interval(naive + [aware]) == 7200


def test_next_interval_explicit_every_wins_clamped():
    assert next_interval(every=3600, published=_hourly(10), cache_seconds=None) == 3600
    assert next_interval(every=10, published=[], cache_seconds=None) == MIN_INTERVAL
    assert next_interval(every=10**9, published=[], cache_seconds=None) == MAX_INTERVAL


def test_next_interval_adapts_to_half_the_publishing_pace():
    assert next_interval(every=None, published=[], cache_seconds=None) == DEFAULT_INTERVAL
    assert next_interval(every=None, published=_hourly(10), cache_seconds=None) == 1800
    weekly = [NOW - timedelta(weeks=i) for i in range(5)]
    assert next_interval(every=None, published=weekly, cache_seconds=None) == MAX_INTERVAL
    minutely = [NOW - timedelta(minutes=i) for i in range(5)]
    assert next_interval(every=None, published=minutely, cache_seconds=None) == MIN_INTERVAL


def test_next_interval_the_servers_freshness_is_a_floor_capped_daily():
    assert next_interval(every=None, published=[], cache_seconds=7200) == 7200
    assert next_interval(every=600, published=[], cache_seconds=3600) == 3600
    assert next_interval(every=None, published=[], cache_seconds=60) == DEFAULT_INTERVAL
    assert next_interval(every=None, published=[], cache_seconds=10**8) == MAX_INTERVAL
    assert next_interval(every=None, published=[], cache_seconds=float("nan")) == DEFAULT_INTERVAL


_moments = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1),
                        timezones=st.one_of(st.none(), st.timezones()))
_seconds = st.one_of(st.none(), st.floats(allow_nan=True), st.integers(-10**12, 10**12))


@settings(max_examples=100, deadline=None)
@given(every=st.one_of(st.none(), st.integers(-10**12, 10**12)),
       published=st.lists(_moments, max_size=15), cache=_seconds)
def test_next_interval_is_always_within_bounds(every, published, cache):
    seconds = next_interval(every=every, published=published, cache_seconds=cache)
    assert MIN_INTERVAL <= seconds <= MAX_INTERVAL


def test_cache_control_max_age():
    assert cache_seconds({"Cache-Control": "public, max-age=3600"}, NOW) == 3600
    assert cache_seconds({"cache-control": "s-maxage=600, max-age=60"}, NOW) == 600
    assert cache_seconds({"Cache-Control": 'max-age="120"'}, NOW) == 120
    assert cache_seconds({"Cache-Control": "no-cache, max-age=3600"}, NOW) is None
    assert cache_seconds({"Cache-Control": "no-store"}, NOW) is None
    assert cache_seconds({"Cache-Control": "max-age=banana"}, NOW) is None
    assert cache_seconds({"Cache-Control": "max-age=0"}, NOW) is None


def test_expires_less_now():
    future = {"Expires": "Wed, 01 May 2024 14:00:00 GMT"}
    assert cache_seconds(future, NOW) == 7200
    assert cache_seconds(future, NOW.replace(tzinfo=None)) == 7200
    assert cache_seconds({"Expires": "Wed, 01 May 2024 10:00:00 GMT"}, NOW) is None
    assert cache_seconds({"Expires": "0"}, NOW) is None
    assert cache_seconds({"Expires": "-1"}, NOW) is None


def test_rss_ttl_in_minutes_and_the_longest_wins():
    assert cache_seconds({}, NOW) is None
    assert cache_seconds({}, NOW, ttl_minutes=60) == 3600
    assert cache_seconds({}, NOW, ttl_minutes=" 15 ") == 900
    assert cache_seconds({}, NOW, ttl_minutes="soon") is None
    headers = {"Cache-Control": "max-age=600", "Expires": "Wed, 01 May 2024 13:00:00 GMT"}
    assert cache_seconds(headers, NOW, ttl_minutes=30) == 3600
    assert cache_seconds({"Cache-Control": "no-cache"}, NOW, ttl_minutes=30) == 1800


@settings(max_examples=150, deadline=None)
@given(headers=st.dictionaries(
           st.one_of(st.sampled_from(["Cache-Control", "cache-control", "Expires", "EXPIRES"]),
                     st.text(max_size=8)),
           st.one_of(st.text(max_size=40), st.integers(-10**400, 10**400).map("max-age={}".format),
                     st.builds("Wed, {} May {} 12:00:00 {}".format, st.integers(-99, 99),
                               st.integers(-10**6, 10**6), st.text(max_size=6)))),
       now=_moments,
       ttl=st.one_of(st.none(), st.text(max_size=12), st.integers(-10**400, 10**400)))
def test_cache_seconds_never_raises(headers, now, ttl):
    seconds = cache_seconds(headers, now, ttl)
    assert seconds is None or seconds > 0


def test_backoff_doubles_to_a_day():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [1800, 3600, 7200, 14400]
    assert backoff(6) == 57600 and backoff(7) == MAX_BACKOFF and backoff(10**6) == MAX_BACKOFF
    assert backoff(1, base=60) == 60


def test_backoff_honours_retry_after_up_to_a_week():
    assert backoff(1, retry_after=7200) == 7200
    assert backoff(3, retry_after=60) == 7200
    assert backoff(1, retry_after=10**9) == MAX_RETRY_AFTER
    assert backoff(1, retry_after=float("nan")) == 1800


def test_backoff_is_for_errors():
    with pytest.raises(ValueError):
        backoff(0)


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 10**6), base=st.floats(1, 10**6),
       retry_after=st.one_of(st.none(), st.floats(0, 10**9)))
def test_backoff_is_monotone_and_bounded(n, base, retry_after):
    now, later = backoff(n, base=base, retry_after=retry_after), backoff(
        n + 1, base=base, retry_after=retry_after)
    assert now <= later <= max(MAX_BACKOFF, retry_after or 0)


def test_retry_after():
    assert parse_retry_after(None, NOW) is None
    assert parse_retry_after("120", NOW) == 120
    assert parse_retry_after(" 0 ", NOW) == 0
    assert parse_retry_after("-5", NOW) == 0
    assert parse_retry_after("Wed, 01 May 2024 12:30:00 GMT", NOW) == 1800
    assert parse_retry_after("Wed, 01 May 2024 11:30:00 GMT", NOW) == 0
    assert parse_retry_after("later, please", NOW) is None
    assert parse_retry_after("1.5", NOW) is None


@settings(max_examples=100, deadline=None)
@given(value=st.one_of(st.none(), st.text(max_size=40), st.integers(-10**500, 10**500).map(str)),
       now=_moments)
def test_parse_retry_after_never_raises(value, now):
    seconds = parse_retry_after(value, now)
    assert seconds is None or seconds >= 0
