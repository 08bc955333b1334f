"""Restatements: what a project's new workbook changed in what was already reported.

A project manager sends a new workbook every month: the previous one rolled forward
with one more month of actuals and progress. Anything else that changed in the months
already reported, or in the baseline, rewrites history and must be seen:
:func:`find_restatements` compares the previous period's inputs (a
:class:`~pmoreports.workbook.model.ProjectData`) with the new ones and returns one
:class:`Restatement` per changed value, each naming the cell of the new workbook, the old
and the new value, a stable ``code`` and a severity (``major`` or ``minor``, see
:data:`RULES`).

"Reported months" are the months up to the previous workbook's status date. What is
compared:

- actual cost (Actuals) and cumulative progress (Progress) of each reported month;
- the time-phased budget (the baseline, Budget) of every month: a change is *minor*
  when changes were approved on the Changes sheet since the previous workbook and the
  BAC moved by their cost impact (or not at all: changes funded from contingency), else
  *major*; a BAC that moved by another amount than the newly approved changes is a
  finding of its own, as are moved baseline dates on the Project sheet;
- approved changes: one that disappeared, or whose cost impact changed;
- milestones: baseline dates moved, milestones removed, actual dates rewritten;
- WBS elements and cost categories removed, or renamed (a new name carrying exactly the
  old budget), and month columns of reported months removed.

Amounts are compared to half a cent, progress to 0.005 percentage points.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

import pandas as pd

from ..errors import MAJOR, MINOR, Issue, register_code
from . import columns as C
from .model import ProjectData
from .schema import SCHEMA

__all__ = [
    "MAJOR",
    "MAX_PER_RULE",
    "MINOR",
    "RULES",
    "Restatement",
    "Rule",
    "find_restatements",
    "not_comparable",
]

MONEY_TOLERANCE: Final = 0.005
"""Amounts closer than this (half a cent) are the same amount."""
PROGRESS_TOLERANCE: Final = 0.00005
"""Progress fractions closer than this (0.005 percentage points) are the same."""
MAX_PER_RULE: Final = 500
"""At most this many findings of one rule are listed per workbook; one more finding
counts the rest and sums their change (a rebaseline of a large project changes
thousands of cells)."""


@dataclass(frozen=True)
class Rule:
    """One kind of restatement: a stable ``code``, its severity and what it means."""

    code: str
    severity: str
    title: str


RULES: Final[Mapping[str, Rule]] = {
    r.code: r
    for r in (
        Rule("DQ-RESTATED-ACTUAL", MAJOR, "actual cost of a reported month changed"),
        Rule("DQ-RESTATED-PROGRESS", MAJOR, "progress of a reported month changed"),
        Rule("DQ-BASELINE-CHANGED", MAJOR, "budget (baseline) changed without a matching approved change"),
        Rule("DQ-BASELINE-CHANGED-APPROVED", MINOR, "budget (baseline) changed, matching changes approved since"),
        Rule("DQ-BAC-MISMATCH", MAJOR, "BAC changed by a different amount than the changes approved since"),
        Rule("DQ-BASELINE-DATES-MOVED", MAJOR, "baseline start or finish moved without an approved change"),
        Rule("DQ-BASELINE-DATES-MOVED-APPROVED", MINOR, "baseline start or finish moved, with changes approved since"),
        Rule("DQ-APPROVED-CHANGE-ALTERED", MAJOR, "an approved change was removed, or its cost impact changed"),
        Rule("DQ-MILESTONE-BASELINE-MOVED", MAJOR, "a milestone's baseline date moved"),
        Rule("DQ-MILESTONE-REMOVED", MINOR, "a milestone was removed"),
        Rule("DQ-MILESTONE-ACTUAL-CHANGED", MINOR, "a milestone's recorded actual date changed"),
        Rule("DQ-WBS-REMOVED", MAJOR, "a WBS element was removed"),
        Rule("DQ-WBS-RENAMED", MINOR, "a WBS element was renamed"),
        Rule("DQ-CATEGORY-REMOVED", MAJOR, "a cost category was removed"),
        Rule("DQ-CATEGORY-RENAMED", MINOR, "a cost category was renamed"),
        Rule("DQ-MONTH-REMOVED", MAJOR, "the column of a reported month was removed"),
    )
}
"""Every restatement rule by code. Severities follow the data-quality scheme: *major*
changes what was reported (costs, progress, the baseline) without approval; *minor* is
a change the reader should know of that change control explains, or one that moves no
money. Each is registered in :data:`~pmoreports.errors.FINDING_CODES`."""

for _rule in RULES.values():
    register_code(_rule.code, _rule.severity, _rule.title)


@dataclass(frozen=True)
class Restatement:
    """One value the new workbook changed in what was already reported.

    ``cell`` is the A1 reference in the new workbook's ``sheet`` (``""`` when the value
    is no longer there); ``item`` names the value (``"1 Design / Labour, 2026-08"``);
    ``old`` and ``new`` are display texts; ``change`` is the signed change in money
    (new - old, project currency) when the value is money, else ``None``.
    """

    code: str
    severity: str
    sheet: str
    cell: str
    item: str
    old: str
    new: str
    message: str
    change: float | None = None

    @property
    def title(self) -> str:
        """The rule's plain-words title."""
        return RULES[self.code].title if self.code in RULES else self.code

    def to_issue(self, file: str = "") -> Issue:
        """The finding as a data-quality :class:`~pmoreports.errors.Issue` (its registered severity)."""
        return Issue.of(self.code, file, self.sheet, self.cell, self.message, self.new, f"{self.old} as reported")

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (with the rule's title)."""
        return asdict(self) | {"title": self.title}

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Restatement:
        """Inverse of :meth:`to_dict` (unknown keys are ignored)."""
        change = values.get("change")
        return cls(
            **{k: str(values.get(k) or "") for k in ("code", "severity", "sheet", "cell", "item", "old", "new")},
            message=str(values.get("message") or ""),
            change=None if change is None else float(change),
        )


def not_comparable(previous: ProjectData, current: ProjectData) -> str | None:
    """Why ``previous`` cannot be compared with ``current`` (another project, or a later
    status month), or None when it can (two versions of one month's workbook can be)."""
    old, new = previous.info, current.info
    if old.project_id != new.project_id:
        return f"it is project {old.project_id!r}, not {new.project_id!r}"
    if old.status_date > new.status_date:
        return f"it reports {old.status_date:%Y-%m}, which is after {new.status_date:%Y-%m}"
    return None


def find_restatements(previous: ProjectData, current: ProjectData) -> list[Restatement]:
    """Every change ``current`` makes to what ``previous`` reported (see the module doc).

    Findings come rule by rule in :data:`RULES` order, cells in sheet order; each rule
    lists at most :data:`MAX_PER_RULE` findings plus one that counts the rest.
    """
    cmp = _Comparison(previous, current)
    findings = [
        *cmp.months_removed(),
        *cmp.structure(),
        *cmp.grid_cells(SCHEMA.actuals.name, "DQ-RESTATED-ACTUAL"),
        *cmp.grid_cells(SCHEMA.progress.name, "DQ-RESTATED-PROGRESS"),
        *cmp.budget(),
        *cmp.baseline_dates(),
        *cmp.approved_changes(),
        *cmp.milestones(),
    ]
    order = list(RULES)
    findings.sort(key=lambda f: order.index(f.code))
    return _capped(findings)


# -- the comparison ---------------------------------------------------------------------------


_GRID_KEYS: Final = {
    SCHEMA.budget.name: (C.WBS, C.CATEGORY),
    SCHEMA.actuals.name: (C.WBS, C.CATEGORY),
    SCHEMA.progress.name: (C.WBS,),
}


class _Comparison:
    """The previous and current inputs, with the previous keys mapped to renamed ones."""

    def __init__(self, previous: ProjectData, current: ProjectData) -> None:
        self.prev, self.cur = previous, current
        self.reported = pd.Timestamp(previous.info.status_date)
        self.currency = current.info.currency
        self.wbs_map: dict[str, str] = {}
        self.cat_map: dict[str, str] = {}
        self.gone_wbs: set[str] = set()
        self.gone_cats: set[str] = set()
        self.gone_months: dict[str, set[pd.Timestamp]] = {}

    # -- frames -----------------------------------------------------------------------------

    def frame(self, sheet: str, which: str) -> pd.DataFrame:
        """A grid of the previous (keys renamed to today's) or the current inputs."""
        data = self.prev if which == "prev" else self.cur
        frame = {SCHEMA.budget.name: data.budget, SCHEMA.actuals.name: data.actuals}.get(sheet, data.progress)
        if which == "prev" and (self.wbs_map or self.cat_map):
            frame = frame.assign(**{C.WBS: frame[C.WBS].map(lambda w: self.wbs_map.get(w, w))})
            if C.CATEGORY in frame:
                frame = frame.assign(**{C.CATEGORY: frame[C.CATEGORY].map(lambda c: self.cat_map.get(c, c))})
        return frame

    def money(self, value: float) -> str:
        return f"{self.currency} {value:,.2f}".replace(".00", "")

    # -- rules ------------------------------------------------------------------------------

    def months_removed(self) -> list[Restatement]:
        """Month columns of reported months that the new workbook no longer has."""
        out = []
        for sheet in (SCHEMA.actuals.name, SCHEMA.progress.name, SCHEMA.budget.name):
            before = set(self.frame(sheet, "prev")[C.MONTH].unique())
            if sheet != SCHEMA.budget.name:
                before = {m for m in before if m <= self.reported}
            gone = sorted(before - set(self.frame(sheet, "cur")[C.MONTH].unique()))
            self.gone_months[sheet] = set(gone)
            out += [
                _finding(
                    "DQ-MONTH-REMOVED",
                    sheet,
                    "",
                    f"{m:%Y-%m}",
                    "a column",
                    "no column",
                    f"the {m:%Y-%m} column was removed from {sheet}; its values were reported and are now lost "
                    "(put the column back)",
                )
                for m in gone
            ]
        return out

    def structure(self) -> list[Restatement]:
        """WBS elements and cost categories removed or renamed (rename: the only new name
        whose budget is exactly the old one's); records the renames for the cell rules."""
        out = []
        for level, noun in ((f.key, _noun(f.header)) for f in SCHEMA.budget.row_fields):
            prev_b, cur_b = self.prev.budget, self.cur.budget
            before = set(prev_b[level]) | (set(self.prev.progress[C.WBS]) if level == C.WBS else set())
            after = set(cur_b[level]) | (set(self.cur.progress[C.WBS]) if level == C.WBS else set())
            removed, added = sorted(before - after), sorted(after - before)
            other = C.CATEGORY if level == C.WBS else C.WBS
            for old in removed:
                shape = _budget_shape(prev_b[prev_b[level] == old], other)
                twins = [new for new in added if _same_shape(shape, _budget_shape(cur_b[cur_b[level] == new], other))]
                if len(twins) == 1:
                    new = twins[0]
                    added.remove(new)
                    (self.wbs_map if level == C.WBS else self.cat_map)[old] = new
                    out.append(
                        _finding(
                            "DQ-WBS-RENAMED" if level == C.WBS else "DQ-CATEGORY-RENAMED",
                            SCHEMA.budget.name,
                            self._label_cell(level, new),
                            new,
                            repr(old),
                            repr(new),
                            f"{noun} {old!r} is now called {new!r} (same budget); reports before and after "
                            "the rename are compared under the new name",
                        )
                    )
                    continue
                (self.gone_wbs if level == C.WBS else self.gone_cats).add(old)
                bac = float(prev_b.loc[prev_b[level] == old, C.VALUE].sum())
                spent = self.prev.actuals
                ac = float(spent.loc[(spent[level] == old) & (spent[C.MONTH] <= self.reported), C.VALUE].sum())
                out.append(
                    _finding(
                        "DQ-WBS-REMOVED" if level == C.WBS else "DQ-CATEGORY-REMOVED",
                        SCHEMA.budget.name,
                        "",
                        old,
                        f"budget {self.money(bac)}, actual cost {self.money(ac)}",
                        "no row",
                        f"{noun} {old!r} was removed: its budget ({self.money(bac)}) and the actual cost "
                        f"reported against it ({self.money(ac)}) are no longer in the workbook",
                        change=-bac,
                    )
                )
        return out

    def _label_cell(self, level: str, name: str) -> str:
        sheet = SCHEMA.budget.name
        for key in self.cur.cells.grid_rows.get(sheet, {}):
            if (key[0] if level == C.WBS else key[1]) == name:
                return self.cur.cells.grid_cell(sheet, key)
        return ""

    def _gone(self, key: tuple[str, ...]) -> bool:
        return key[0] in self.gone_wbs or (len(key) > 1 and key[1] in self.gone_cats)

    def changed_cells(self, sheet: str, *, reported_only: bool) -> pd.DataFrame:
        """Cells of ``sheet`` whose value differs: key columns, month, old, new (blank = 0;
        a row no longer on the sheet reads as 0 with no cell)."""
        keys = list(_GRID_KEYS[sheet])
        prev, cur = self.frame(sheet, "prev"), self.frame(sheet, "cur")
        if reported_only:
            prev = prev[prev[C.MONTH] <= self.reported]
        both = prev.merge(cur, on=[*keys, C.MONTH], how="left", suffixes=("_old", "_new"))
        both = both[~both[C.MONTH].isin(self.gone_months.get(sheet, set()))]
        if not reported_only:  # the budget of months or rows that are new counts too
            extra = cur.merge(prev[[*keys, C.MONTH]], on=[*keys, C.MONTH], how="left", indicator=True)
            extra = extra[extra["_merge"] == "left_only"].drop(columns="_merge")
            both = pd.concat(
                [both, extra.rename(columns={C.VALUE: f"{C.VALUE}_new"}).assign(**{f"{C.VALUE}_old": 0.0})],
                ignore_index=True,
            )
        both = both.assign(old=both[f"{C.VALUE}_old"].fillna(0.0), new=both[f"{C.VALUE}_new"].fillna(0.0))
        tolerance = PROGRESS_TOLERANCE if sheet == SCHEMA.progress.name else MONEY_TOLERANCE
        changed = both[(both["old"] - both["new"]).abs() > tolerance]
        gone = [self._gone(tuple(str(v) for v in key)) for key in changed[keys].itertuples(index=False)]
        return changed[[not g for g in gone]]

    def grid_cells(self, sheet: str, code: str) -> list[Restatement]:
        """Actual cost or progress of reported months that changed."""
        changed = self.changed_cells(sheet, reported_only=True)
        progress = sheet == SCHEMA.progress.name
        what = "cumulative progress" if progress else "actual cost"
        show: Callable[[float], str] = (lambda v: f"{v:.2%}".replace(".00%", "%")) if progress else self.money
        out = []
        for row in changed.itertuples(index=False):
            key, month, old, new = self._row(row, sheet)
            out.append(
                _finding(
                    code,
                    sheet,
                    self.cur.cells.grid_cell(sheet, key, month.date()),
                    f"{' / '.join(key)}, {month:%Y-%m}",
                    show(old),
                    show(new),
                    f"{what} of {' / '.join(key)} in {month:%Y-%m} was {show(old)} in the "
                    f"{self.reported:%Y-%m} report and is now {show(new)}; a reported month was changed "
                    "(book a correction in the current month, or explain it)",
                    change=None if progress else new - old,
                )
            )
        return out

    def _row(self, row: Any, sheet: str) -> tuple[tuple[str, ...], pd.Timestamp, float, float]:
        fields = row._asdict()
        key = tuple(str(fields[k]) for k in _GRID_KEYS[sheet])
        return key, pd.Timestamp(fields[C.MONTH]), float(fields["old"]), float(fields["new"])

    def newly_approved(self) -> dict[str, float]:
        """Changes approved in the new workbook that were not approved in the previous one."""
        before, after = _approved(self.prev.changes), _approved(self.cur.changes)
        return {cid: cost for cid, cost in after.items() if cid not in before}

    def covered(self) -> tuple[bool, float, float, dict[str, float]]:
        """Whether changes approved since explain the budget: (covered, BAC change, their
        cost impact, the changes). Covered: some were approved and the BAC moved by their
        cost impact, or not at all."""
        new = self.newly_approved()
        approved = float(sum(new.values()))
        delta = float(self.cur.budget[C.VALUE].sum() - self.prev.budget[C.VALUE].sum())
        matched = abs(delta) <= MONEY_TOLERANCE or abs(delta - approved) <= MONEY_TOLERANCE
        return bool(new) and matched, delta, approved, new

    def budget(self) -> list[Restatement]:
        """Changed budget cells (major unless approved changes explain them) and a BAC that
        moved by another amount than the changes approved since."""
        covered, delta, approved, new = self.covered()
        ids = ", ".join(sorted(new)) or "none"
        out = []
        code = "DQ-BASELINE-CHANGED-APPROVED" if covered else "DQ-BASELINE-CHANGED"
        why = (
            f"changes approved since the {self.reported:%Y-%m} report: {ids}"
            if covered
            else "no approved change on the Changes sheet explains it"
        )
        for row in self.changed_cells(SCHEMA.budget.name, reported_only=False).itertuples(index=False):
            key, month, old, new_value = self._row(row, SCHEMA.budget.name)
            out.append(
                _finding(
                    code,
                    SCHEMA.budget.name,
                    self.cur.cells.grid_cell(SCHEMA.budget.name, key, month.date()),
                    f"{' / '.join(key)}, {month:%Y-%m}",
                    self.money(old),
                    self.money(new_value),
                    f"budget of {' / '.join(key)} in {month:%Y-%m} was {self.money(old)} and is now "
                    f"{self.money(new_value)}; {why}",
                    change=new_value - old,
                )
            )
        if abs(delta) > MONEY_TOLERANCE and abs(delta - approved) > MONEY_TOLERANCE:
            old_bac = float(self.prev.budget[C.VALUE].sum())
            out.append(
                _finding(
                    "DQ-BAC-MISMATCH",
                    SCHEMA.budget.name,
                    "",
                    "BAC (Budget total)",
                    self.money(old_bac),
                    self.money(old_bac + delta),
                    f"the BAC changed by {self.money(delta)} since the {self.reported:%Y-%m} report, but the "
                    f"changes approved since ({ids}) add {self.money(approved)}",
                    change=delta,
                )
            )
        return out

    def baseline_dates(self) -> list[Restatement]:
        """Baseline start or finish moved on the Project sheet."""
        covered = bool(self.newly_approved())
        out = []
        for key, label in (("baseline_start", "baseline start"), ("baseline_finish", "baseline finish")):
            old, new = getattr(self.prev.info, key), getattr(self.cur.info, key)
            if old != new:
                code = "DQ-BASELINE-DATES-MOVED-APPROVED" if covered else "DQ-BASELINE-DATES-MOVED"
                out.append(
                    _finding(
                        code,
                        SCHEMA.project.name,
                        self.cur.cells.field_cell(key),
                        label,
                        f"{old:%Y-%m}",
                        f"{new:%Y-%m}",
                        f"the {label} moved from {old:%Y-%m} to {new:%Y-%m}"
                        + ("" if covered else "; no change was approved since the last report"),
                    )
                )
        return out

    def approved_changes(self) -> list[Restatement]:
        """Approved changes that disappeared, or whose cost impact changed."""
        before, after = _approved(self.prev.changes), _approved(self.cur.changes)
        rows = _index(self.cur.changes, C.CHANGE_ID)
        sheet = SCHEMA.changes.name
        out = []
        for cid, cost in before.items():
            if cid not in after:
                where = rows.get(cid)
                status = "removed" if where is None else f"now {self.cur.changes[C.STATUS].iloc[where]}"
                out.append(
                    _finding(
                        "DQ-APPROVED-CHANGE-ALTERED",
                        sheet,
                        "" if where is None else self.cur.cells.table_cell(sheet, where, C.STATUS),
                        cid,
                        f"approved, {self.money(cost)}",
                        status,
                        f"change {cid} was approved ({self.money(cost)}) in the {self.reported:%Y-%m} report "
                        f"and is {status}",
                        change=-cost,
                    )
                )
            elif abs(after[cid] - cost) > MONEY_TOLERANCE:
                out.append(
                    _finding(
                        "DQ-APPROVED-CHANGE-ALTERED",
                        sheet,
                        self.cur.cells.table_cell(sheet, rows[cid], C.COST_IMPACT),
                        cid,
                        self.money(cost),
                        self.money(after[cid]),
                        f"the cost impact of approved change {cid} was {self.money(cost)} and is now "
                        f"{self.money(after[cid])}",
                        change=after[cid] - cost,
                    )
                )
        return out

    def milestones(self) -> list[Restatement]:
        """Milestone baseline dates moved, milestones removed, recorded actual dates changed."""
        prev, cur = self.prev.milestones, self.cur.milestones
        rows = _index(cur, C.MILESTONE)
        sheet = SCHEMA.milestones.name
        reported_end = (self.reported + pd.offsets.MonthEnd(0)).normalize()
        out = []
        for _, old in prev.iterrows():
            name = str(old[C.MILESTONE])
            where = rows.get(name)
            if where is None:
                out.append(
                    _finding(
                        "DQ-MILESTONE-REMOVED",
                        sheet,
                        "",
                        name,
                        _date(old[C.BASELINE_DATE]),
                        "no row",
                        f"milestone {name!r} (baseline {_date(old[C.BASELINE_DATE])}) was removed",
                    )
                )
                continue
            new = cur.iloc[where]
            if _date(old[C.BASELINE_DATE]) != _date(new[C.BASELINE_DATE]):
                out.append(
                    _finding(
                        "DQ-MILESTONE-BASELINE-MOVED",
                        sheet,
                        self.cur.cells.table_cell(sheet, where, C.BASELINE_DATE),
                        name,
                        _date(old[C.BASELINE_DATE]),
                        _date(new[C.BASELINE_DATE]),
                        f"the baseline date of milestone {name!r} moved from {_date(old[C.BASELINE_DATE])} to "
                        f"{_date(new[C.BASELINE_DATE])}; a baseline moves only by an approved change (slippage "
                        "is measured against it)",
                    )
                )
            recorded = old[C.ACTUAL_DATE]
            if pd.notna(recorded) and recorded <= reported_end and _date(recorded) != _date(new[C.ACTUAL_DATE]):
                out.append(
                    _finding(
                        "DQ-MILESTONE-ACTUAL-CHANGED",
                        sheet,
                        self.cur.cells.table_cell(sheet, where, C.ACTUAL_DATE),
                        name,
                        _date(recorded),
                        _date(new[C.ACTUAL_DATE]),
                        f"milestone {name!r} was reported done on {_date(recorded)}; the date is now "
                        f"{_date(new[C.ACTUAL_DATE])}",
                    )
                )
        return out


# -- helpers ----------------------------------------------------------------------------------


def _finding(
    code: str, sheet: str, cell: str, item: str, old: str, new: str, message: str, change: float | None = None
) -> Restatement:
    return Restatement(code, RULES[code].severity, sheet, cell, item, old, new, message, change)


def _budget_shape(frame: pd.DataFrame, other: str) -> pd.Series:
    """A WBS element's (or category's) budget by the other key and month, nonzero cells only."""
    shape = frame.groupby([other, C.MONTH])[C.VALUE].sum()
    return shape[shape.abs() > MONEY_TOLERANCE]


def _same_shape(a: pd.Series, b: pd.Series) -> bool:
    if len(a) == 0 or len(a) != len(b) or not a.index.equals(b.index):
        return False
    return bool(((a - b).abs() <= MONEY_TOLERANCE).all())


def _approved(changes: pd.DataFrame) -> dict[str, float]:
    approved = changes[changes[C.STATUS].astype(str) == "approved"]
    return {str(cid): float(cost) for cid, cost in zip(approved[C.CHANGE_ID], approved[C.COST_IMPACT], strict=True)}


def _index(frame: pd.DataFrame, key: str) -> dict[str, int]:
    """Position of each record of a table by its key (the first, if repeated)."""
    out: dict[str, int] = {}
    for i, value in enumerate(frame[key].astype(str)):
        out.setdefault(value, i)
    return out


def _date(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "none"
    return f"{pd.Timestamp(value):%Y-%m-%d}"


def _noun(header: str) -> str:
    """A column header inside a sentence: ``Cost category`` -> ``cost category`` (acronyms kept)."""
    return header if header.split()[0].isupper() else header.lower()


def _capped(findings: Sequence[Restatement]) -> list[Restatement]:
    """At most :data:`MAX_PER_RULE` findings per rule, then one that counts the rest."""
    out: list[Restatement] = []
    by_code: dict[str, list[Restatement]] = {}
    for f in findings:
        by_code.setdefault(f.code, []).append(f)
    for code, group in by_code.items():
        out += group[:MAX_PER_RULE]
        rest = group[MAX_PER_RULE:]
        if rest:
            total = _sum(f.change for f in rest)
            summed = "" if total is None else f"; together they change the total by {total:,.2f}"
            first = rest[0]
            out.append(
                Restatement(
                    code,
                    first.severity,
                    first.sheet,
                    "",
                    f"{len(rest):,} more",
                    "",
                    "",
                    f"and {len(rest):,} more findings of this kind (only the first {MAX_PER_RULE} are listed){summed}",
                    total,
                )
            )
    return out


def _sum(values: Iterable[float | None]) -> float | None:
    numbers = [v for v in values if v is not None]
    return float(sum(numbers)) if numbers else None
