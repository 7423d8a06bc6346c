"""Fold the filter's own bounds on created_time into the export window.

The window (start <= created_time < end) is what the index scan ranges over. A filter such as
``{"created_time": {"$gte": T}}`` ANDed at the top level bounds the same column; a database given
two lower bounds may range over the looser one (SQLite does) and then test every row of the
window, and extra range terms also skew its choice between indexes. So such conditions move
into the window, exactly: instants are stored with microsecond precision, so ``> T`` is
``>= T + 1 µs`` and ``<= T`` is ``< T + 1 µs``. What remains of the filter applies unchanged.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from clickproof.domain.fields import Family
from clickproof.query.ast import And, Compare, Node, Op

MICROSECOND = timedelta(microseconds=1)
_FOLDABLE = (Op.GT, Op.GTE, Op.LT, Op.LTE, Op.EQ)


def fold_window(node: Node | None, start: datetime, end: datetime) -> tuple[datetime, datetime, Node | None]:
    """The narrowed window and the rest of the filter (None when nothing is left)."""
    if isinstance(node, Compare) and _foldable(node):
        start, end = _narrow(node, start, end)
        return start, max(start, end), None
    if not isinstance(node, And):
        return start, end, node
    rest: list[Node] = []
    for child in node.children:
        start, end, remaining = fold_window(child, start, end)
        if remaining is not None:
            rest.append(remaining)
    end = max(start, end)
    if not rest:
        return start, end, None
    return start, end, rest[0] if len(rest) == 1 else And(tuple(rest))


def _foldable(node: Compare) -> bool:
    return (
        node.field.family is Family.STANDARD
        and node.field.name == "created_time"
        and node.op in _FOLDABLE
        and isinstance(node.value, datetime)
    )


def _narrow(node: Compare, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    value = node.value
    assert isinstance(value, datetime)
    if node.op is Op.GT:
        start = max(start, value + MICROSECOND)
    elif node.op in (Op.GTE, Op.EQ):
        start = max(start, value)
    if node.op is Op.LT:
        end = min(end, value)
    elif node.op in (Op.LTE, Op.EQ):
        end = min(end, value + MICROSECOND)
    return start, end
