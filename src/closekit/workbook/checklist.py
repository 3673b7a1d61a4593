"""The close checklist ticks itself, and tells the truth (domain.md §7; workbook.md "Checklist";
docs/close.md "The checklist").

A task whose ``Step`` ran without errors gets Status ``Done`` and ``Completed`` (UTC time) once its
``DependsOn`` tasks are all Done; a step that failed sets the task ``Blocked`` with the reason in
``Notes``. The order of the steps is an implicit dependency: a task whose step ran after a task
that is Blocked in this run (its step failed, or it waits for a Blocked task) is Blocked too
(``waiting for <task> (Blocked)``), as is a task whose ``DependsOn`` task is Blocked. An unknown
``DependsOn`` name and a cycle of ``DependsOn`` are findings, and the tasks they touch are never
ticked; a manual task typed Done over an unfinished dependency is a warning. Manual tasks (no
Step) and tasks of steps that did not run are never written. The result is a set of cell updates,
written by the sheet adapter in the same atomic write as the output sheets.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass, field

from closekit.core import findings as fnd
from closekit.core import parsing
from closekit.sheetio.base import a1
from closekit.sources.tables import RawTable
from closekit.workbook import schema
from closekit.workbook.book import CloseBook

DONE, BLOCKED = "Done", "Blocked"
_ORDER = {step: i for i, step in enumerate(schema.STEPS)}


@dataclass(frozen=True)
class StepOutcome:
    ran: bool
    clean: bool
    reason: str = ""


@dataclass
class Plan:
    """What this run makes of the Checklist: new Status and Notes by sheet row, the tasks ticked
    Done, the steps whose task is Blocked, and the findings."""

    status: dict[int, str] = field(default_factory=dict)
    notes: dict[int, str] = field(default_factory=dict)
    ticked: list[str] = field(default_factory=list)
    blocked_steps: set[str] = field(default_factory=set)
    findings: list[dict] = field(default_factory=list)


def _is(value: str | None, status: str) -> bool:
    return (value or "").strip().casefold() == status.casefold()


def _cycles(deps: dict[str, list[str]]) -> list[list[str]]:
    """Each cycle of the DependsOn graph once (a strongly connected component of more than one task,
    or a task that depends on itself), as the path ``[a, b, ..., a]``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def strong(v: str) -> None:  # Tarjan, iteratively (a Checklist of thousands of rows must not recurse)
        work = [(v, iter(deps.get(v, ())))]
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(deps.get(child, ()))))
                elif child in on:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                members = []
                while True:
                    top = stack.pop()
                    on.discard(top)
                    members.append(top)
                    if top == node:
                        break
                if len(members) > 1 or node in deps.get(node, ()):
                    found.append(_path(set(members), deps))

    for name in deps:
        if name not in index:
            strong(name)
    return found


def _path(members: set[str], deps: dict[str, list[str]]) -> list[str]:
    """A cycle through the first member (in the Checklist's order) that stays inside ``members``."""
    start = next(name for name in deps if name in members)
    if start in deps.get(start, ()):
        return [start, start]
    seen = {start: [start]}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for child in deps.get(node, ()):
            if child == start:
                return [*seen[node], start]
            if child in members and child not in seen:
                seen[child] = [*seen[node], child]
                queue.append(child)
    return [start, start]  # unreachable: every member of a component reaches the others


def plan(book: CloseBook, outcomes: dict[str, StepOutcome]) -> Plan:
    """The Checklist after this run's ``outcomes`` (pure: no sheet, no clock)."""
    out = Plan()
    tasks = book.checklist
    names = {task.task for _, task in tasks}
    deps: dict[str, list[str]] = {}
    unknown: set[str] = set()
    for row, task in tasks:
        mine = parsing.split_list(task.depends_on)
        deps.setdefault(task.task, []).extend(d for d in mine if d in names)
        for d in mine:
            if d in names:
                continue
            unknown.add(task.task)
            near = difflib.get_close_matches(d, sorted(names), n=1)
            hint = f" (did you mean {near[0]!r}?)" if near else ""
            held = " it is not ticked until DependsOn names tasks of the Checklist;" if task.step else ""
            out.findings.append(
                fnd.finding(
                    "checklist-unknown-dependency",
                    "Checklist",
                    f"task {task.task!r} depends on {d!r}, which is not a task of the Checklist{hint}:{held} "
                    f"type the dependency's Task exactly as the Checklist names it",
                    row=row,
                    column="DependsOn",
                    severity=fnd.Severity.WARNING,
                )
            )
    first_row = {}
    for row, task in tasks:
        first_row.setdefault(task.task, row)
    in_cycle: set[str] = set()
    for cycle in _cycles(deps):
        in_cycle.update(cycle)
        shown = " -> ".join(repr(name) for name in cycle)
        out.findings.append(
            fnd.finding(
                "checklist-cycle",
                "Checklist",
                f"the tasks {shown} depend on each other (a cycle): none of them can be done first, so "
                f"closekit ticks none of them Done",
                row=first_row[cycle[0]],
                column="DependsOn",
                severity=fnd.Severity.WARNING,
            )
        )

    def ran(task: schema.ChecklistRow) -> StepOutcome | None:
        outcome = outcomes.get(task.step or "")
        return outcome if outcome is not None and outcome.ran else None

    current = {task.task: (task.status or "") for _, task in tasks}  # the Status each task will show
    running = [(row, task) for row, task in tasks if ran(task) is not None]
    blocked: dict[int, str] = {}  # row -> Notes, tasks Blocked in this run
    for row, task in running:
        outcome = ran(task)
        if not outcome.clean:
            blocked[row] = outcome.reason
            current[task.task] = BLOCKED
    changed = True
    while changed:  # Blocked spreads down the step order and along DependsOn, until it stops
        changed = False
        # the first Blocked task of the run in the step order: the one every later step waits for
        first = min(((_ORDER[t.step], r, t.task) for r, t in running if r in blocked), default=None)
        for row, task in running:
            if row in blocked:
                continue
            why = next((d for d in deps.get(task.task, ()) if _is(current.get(d), BLOCKED)), None)
            if why is None and first is not None and first[0] < _ORDER[task.step]:
                why = first[2]
            if why is not None:
                blocked[row] = f"waiting for {why} (Blocked)"
                current[task.task] = BLOCKED
                changed = True
    changed = True
    while changed:  # Done once every dependency is Done (in any row order)
        changed = False
        for row, task in running:
            if row in blocked or row in out.status:
                continue
            if task.task in in_cycle or task.task in unknown:
                continue
            if all(_is(current.get(d), DONE) for d in deps.get(task.task, ())):
                out.status[row] = DONE
                current[task.task] = DONE
                out.ticked.append(task.task)
                changed = True
    for row, note in blocked.items():
        out.status[row] = BLOCKED
        out.notes[row] = note
    out.blocked_steps = {task.step for row, task in running if row in blocked}
    for row, task in tasks:
        if task.step or not _is(task.status, DONE):
            continue
        for d in deps.get(task.task, ()):
            if not _is(current.get(d), DONE):
                out.findings.append(
                    fnd.finding(
                        "checklist-done-early",
                        "Checklist",
                        f"task {task.task!r} is typed Done while {d!r} is {current.get(d) or 'empty'}",
                        row=row,
                        column="Status",
                        severity=fnd.Severity.WARNING,
                    )
                )
                break
    out.ticked = [task.task for row, task in tasks if row in out.status and out.status[row] == DONE]
    return out


def tick(
    book: CloseBook, sheet: RawTable | None, outcomes: dict[str, StepOutcome], now: dt.datetime
) -> tuple[dict[str, object], list[dict], list[str]]:
    """(cell updates for the Checklist sheet by A1 reference, findings, tasks ticked)."""
    if sheet is None or not book.checklist:
        return {}, [], []
    numbers = sheet.meta.get("column_numbers", {})
    by_key = {parsing.header_key(name): number for name, number in numbers.items()}
    status_col, completed_col, notes_col = (by_key.get(k) for k in ("status", "completed", "notes"))
    if status_col is None:
        return (
            {},
            [
                fnd.finding(
                    "bad-setting",
                    "Checklist",
                    "the Checklist sheet has no Status column, so closekit cannot tick its tasks",
                    row=1,
                    column="Status",
                    severity=fnd.Severity.WARNING,
                )
            ],
            [],
        )
    planned = plan(book, outcomes)
    updates: dict[str, object] = {}
    stamp = now.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    for row, status in planned.status.items():
        updates[a1(row, status_col)] = status
        if status == DONE and completed_col:
            updates[a1(row, completed_col)] = stamp
        if status == BLOCKED and notes_col:
            updates[a1(row, notes_col)] = planned.notes.get(row, "")
    return updates, planned.findings, planned.ticked
