"""The partition calendar: weeks run Tuesday..Monday, so one NFL week is one partition."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the partitions are declared from the constants when the definitions load
    import pandas as pd

WEEK = dt.timedelta(days=7)


def week_of(day: dt.date) -> dt.date:
    """The Tuesday starting the partition week of `day`."""
    return day - dt.timedelta(days=(day.weekday() - 1) % 7)


def week_start(dates) -> pd.Series:
    """The Tuesday starting the partition week of each date."""
    import pandas as pd

    dates = pd.to_datetime(pd.Series(dates)).dt.normalize()
    return dates - pd.to_timedelta((dates.dt.weekday - 1) % 7, unit="D")


def weeks_covering(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every week start from the week of `first` through the week of `last`."""
    start, end = week_of(first), week_of(last)
    return [start + i * WEEK for i in range((end - start).days // 7 + 1)]
