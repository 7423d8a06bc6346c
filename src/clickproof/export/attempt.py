"""Why an export attempt (or a chunk of one) stops early."""

from __future__ import annotations


class LeaseLostError(Exception):
    """Another attempt owns the job (or chunk) now; this one stops without publishing anything."""


class StopRequestedError(Exception):
    """The process is shutting down: the attempt hands its work back for a later one."""
