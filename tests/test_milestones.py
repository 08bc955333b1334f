"""Milestones: slippage, status rule and next milestones (worked by hand)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from metrics_data import MILESTONE_COLUMNS

from pmoreports.metrics import glossary as g
from pmoreports.metrics.milestones import (
    AT_RISK,
    DONE,
    LATE,
    MILESTONE_STATUS,
    ON_TRACK,
    REASON,
    as_of_date,
    milestone_status,
    next_milestones,
)
from pmoreports.workbook import columns as col

D = dt.date
STATUS = D(2024, 3, 1)  # reporting March 2024: as of 2024-03-31


def table(rows: list[list[object]]) -> pd.DataFrame:
    return milestone_status(pd.DataFrame(rows, columns=MILESTONE_COLUMNS), STATUS)


def test_as_of_is_the_last_day_of_the_status_month() -> None:
    assert as_of_date(STATUS) == D(2024, 3, 31)
    assert as_of_date("2024-02-01") == D(2024, 2, 29)


def test_status_and_slippage() -> None:
    """As of 2024-03-31:
    M1 done 3 days late (actual 02-03 vs baseline 01-31): done, +3;
    M2 done early (actual 02-25 vs 03-01): done, -5;
    M3 baseline 03-15, not done, forecast 04-10: late, +26 (forecast 04-10 - 03-15);
    M4 baseline 03-20, not done, no forecast: late; it cannot finish before 03-31,
       so slippage = 03-31 - 03-20 = 11;
    M5 baseline 04-30, forecast 05-15: at risk, +15;
    M6 baseline 05-31, forecast 05-20: on track, -11;
    M7 baseline 06-30, no forecast: on track, 0.
    """
    t = table(
        [
            ["M1", D(2024, 1, 31), None, D(2024, 2, 3)],
            ["M2", D(2024, 3, 1), D(2024, 3, 1), D(2024, 2, 25)],
            ["M3", D(2024, 3, 15), D(2024, 4, 10), None],
            ["M4", D(2024, 3, 20), None, None],
            ["M5", D(2024, 4, 30), D(2024, 5, 15), None],
            ["M6", D(2024, 5, 31), D(2024, 5, 20), None],
            ["M7", D(2024, 6, 30), None, None],
        ]
    )
    assert t[MILESTONE_STATUS].tolist() == [DONE, DONE, LATE, LATE, AT_RISK, ON_TRACK, ON_TRACK]
    assert t[g.SLIPPAGE_DAYS].tolist() == [3, -5, 26, 11, 15, -11, 0]


def test_stale_forecast_in_the_past_counts_as_today() -> None:
    """Baseline 04-15 (ahead), forecast 03-10 already passed, not done: the milestone
    can finish 03-31 at the earliest -> effective 03-31, on track, slippage -15."""
    t = table([["M", D(2024, 4, 15), D(2024, 3, 10), None]])
    assert t[MILESTONE_STATUS].iloc[0] == ON_TRACK
    assert t[g.SLIPPAGE_DAYS].iloc[0] == -15


def test_missing_baseline() -> None:
    t = table([["A", None, D(2024, 3, 5), None], ["B", None, D(2024, 5, 5), None]])
    assert t[MILESTONE_STATUS].tolist() == [LATE, ON_TRACK]
    assert t[g.SLIPPAGE_DAYS].isna().all()
    assert t[REASON].tolist() == [g.NO_BASELINE, g.NO_BASELINE]


def test_next_milestones_after_status_date() -> None:
    t = table(
        [
            ["Done", D(2024, 2, 1), None, D(2024, 2, 1)],
            ["Late", D(2024, 3, 10), None, None],
            ["June", D(2024, 6, 1), None, None],
            ["April", D(2024, 4, 20), None, None],
            ["May (slipped from April)", D(2024, 4, 1), D(2024, 5, 2), None],
        ]
    )
    upcoming = next_milestones(t, STATUS, n=2)
    assert upcoming[col.MILESTONE].tolist() == ["April", "May (slipped from April)"]
    assert len(next_milestones(t, STATUS)) == 3


def test_empty_milestones() -> None:
    t = table([])
    assert t.empty
    assert next_milestones(t, STATUS).empty
