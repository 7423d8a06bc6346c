"""Named failpoints for fault-injection tests, set by CLICKPROOF_FAILPOINTS.

Format: ``name=action[@N][,name=action[@N]…]`` where action is ``sleep:SECONDS``, ``exit`` (the
process dies at once, as under SIGKILL), ``kill`` (the process sends itself SIGKILL), ``term``
(the process sends itself SIGTERM and waits until its shutdown has begun, then goes on: a
graceful shutdown arriving at that point) or
``raise`` (an exception at that point) or ``wait:PATH`` (block until the file PATH exists). With ``@N`` the action fires on the N-th time this
process reaches the failpoint only (counting from 1). Unset in production: every failpoint is
then a dictionary lookup that finds nothing.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections import Counter
from functools import cache
from pathlib import Path


class FailpointError(RuntimeError):
    pass


log = logging.getLogger("clickproof.failpoints")
_hits: Counter[str] = Counter()
_stopping = threading.Event()
_hits_lock = threading.Lock()


@cache
def _actions() -> dict[str, tuple[str, int | None]]:
    raw = os.environ.get("CLICKPROOF_FAILPOINTS", "")
    actions: dict[str, tuple[str, int | None]] = {}
    for item in raw.split(","):
        name, _, spec = item.strip().partition("=")
        action, at, nth = spec.partition("@")
        if name and action:
            actions[name] = (action, int(nth) if at else None)
    return actions


def shutdown_began() -> None:
    """Called when the process begins its graceful shutdown (a `term` failpoint waits for it)."""
    _stopping.set()


def failpoint(name: str) -> None:
    found = _actions().get(name)
    if found is None:
        return
    action, nth = found
    if nth is not None:
        with _hits_lock:
            _hits[name] += 1
            if _hits[name] != nth:
                return
    log.warning("failpoint.fired name=%s action=%s", name, action)
    if action.startswith("sleep:"):
        time.sleep(float(action.removeprefix("sleep:")))
    elif action.startswith("wait:"):
        gate = Path(action.removeprefix("wait:"))
        while not gate.exists():
            time.sleep(0.02)
    elif action == "exit":
        os._exit(137)
    elif action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(60)  # the signal is delivered at once; never go on
    elif action == "term":
        os.kill(os.getpid(), signal.SIGTERM)
        _stopping.wait(30)
    elif action == "raise":
        raise FailpointError(name)
