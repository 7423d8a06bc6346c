"""The objects a long-running process makes at start (modules, routes and their schemas, the
OpenAPI seed, fonts, templates, SQLAlchemy's tables) live as long as it does. Python's full
garbage collection walks every one of them each time, with the interpreter lock held: with the
API's 200,000 startup objects, one pass took 190 to 540 ms on the 2-core machine (bench/README.md)
and every request in flight waited for it. Moved to the permanent generation once started, they
are never walked again; what requests allocate is collected as before. The price: a startup
object that later becomes garbage in a reference cycle stays in memory (at most what start-up
made); objects freed by reference counting are freed as ever."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Collect what start-up left as garbage, then exempt every surviving object from later
    collections; returns how many objects are exempt. For `clickproof serve` and `worker`, once
    everything they keep for their lifetime is built."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
