"""Named failpoints for fault-injection tests, set by CLICKPROOF_FAILPOINTS.

Format: ``name=action[,name=action…]`` where action is ``sleep:SECONDS``, ``exit`` (the process
dies at once, as under SIGKILL) or ``raise`` (an exception at that point). Unset in production:
every failpoint is then a dictionary lookup that finds nothing.
"""

from __future__ import annotations

import os
import time
from functools import cache


class FailpointError(RuntimeError):
    pass


@cache
def _actions() -> dict[str, str]:
    raw = os.environ.get("CLICKPROOF_FAILPOINTS", "")
    actions: dict[str, str] = {}
    for item in raw.split(","):
        name, _, action = item.strip().partition("=")
        if name and action:
            actions[name] = action
    return actions


def failpoint(name: str) -> None:
    action = _actions().get(name)
    if action is None:
        return
    if action.startswith("sleep:"):
        time.sleep(float(action.removeprefix("sleep:")))
    elif action == "exit":
        os._exit(137)
    elif action == "raise":
        raise FailpointError(name)
