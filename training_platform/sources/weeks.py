"""The partition calendar: weeks run Tuesday..Monday, so one NFL week is one partition."""

from __future__ import annotations

import datetime as dt

import pandas as pd

WEEK_ANCHOR = dt.date(1999, 9, 7)  # a Tuesday: the week of nflverse's first game
WEEK = dt.timedelta(days=7)


def week_start(dates) -> pd.Series:
    """The Tuesday starting the partition week of each date."""
    dates = pd.to_datetime(pd.Series(dates)).dt.normalize()
    return dates - pd.to_timedelta((dates.dt.weekday - 1) % 7, unit="D")


def weeks_covering(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every week start from the week of `first` through the week of `last`."""
    start = week_start([first]).iloc[0].date()
    end = week_start([last]).iloc[0].date()
    return [start + i * WEEK for i in range((end - start).days // 7 + 1)]
