"""Evidence PDFs rendered in child processes, for processes that run several worker threads.

Rendering a certificate is Python work: worker threads of one process would take turns on the
interpreter lock. A process with N worker threads therefore renders in a pool of N child
processes (clickproof/process_pool.py); each worker thread keeps streaming activities from the
database and writing zip entries, and hands the records over in batches, a bounded number in
flight, results in order. The bytes are the same as rendering in the thread (the renderer is
deterministic).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import partial

from clickproof.domain.activity import Activity
from clickproof.evidence.pdf_seal import sealer_for
from clickproof.evidence.record import EvidenceContext, ExportScope, KeyNames, build_record
from clickproof.evidence.signing import SigningKey
from clickproof.export.pdf_renderer import EvidencePdfRenderer
from clickproof.process_pool import SpawnPool

BATCH = 32
IN_FLIGHT = 3  # batches per calling thread: one rendering, the next ones queued

Pair = tuple[Activity, EvidenceContext]

_child_renderer: list[EvidencePdfRenderer] = []  # the one renderer of a pool's child process


def render_pairs(
    renderer: EvidencePdfRenderer,
    pairs: Iterable[Pair],
    scope: ExportScope | None,
    timestamp: int,
    key: KeyNames | None = None,
    seal: SigningKey | None = None,
) -> Iterator[tuple[str, bytes]]:
    """(activity id, evidence PDF) for each pair, in order, in this thread; `scope` None: not
    part of an export (the single-record route); `key`: the site's evidence key, printed;
    `seal`: that key, to seal each PDF with (None: unsealed)."""
    sealer = None if seal is None else sealer_for(seal)
    for activity, context in pairs:
        record = build_record(activity, context, export=scope, drawable=renderer.drawable, key=key)
        yield activity.id, renderer.render(record, timestamp=timestamp, sealer=sealer)


def _child_start() -> None:
    _child_renderer.append(EvidencePdfRenderer())


def _child_render(
    scope: ExportScope, timestamp: int, key: KeyNames | None, seal: SigningKey | None, pairs: list[Pair]
) -> list[tuple[str, bytes]]:
    return list(render_pairs(_child_renderer[0], pairs, scope, timestamp, key, seal))


class RenderPool(SpawnPool):
    def __init__(self, processes: int) -> None:
        super().__init__(processes, initializer=_child_start)

    def render(
        self,
        pairs: Iterable[Pair],
        scope: ExportScope,
        timestamp: int,
        key: KeyNames | None = None,
        seal: SigningKey | None = None,
    ) -> Iterator[tuple[str, bytes]]:
        """(activity id, evidence PDF) for each pair, in order, rendered in the pool (`seal`
        travels to the child processes with each batch, over their pipes)."""
        return self.map_batches(partial(_child_render, scope, timestamp, key, seal), pairs, BATCH, IN_FLIGHT)
