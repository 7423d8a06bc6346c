import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from clickproof.export.record_ends import RecordEnds

cells = st.text(alphabet=st.sampled_from('ab,"\n\r é'), max_size=8)
rows = st.lists(st.lists(cells, min_size=1, max_size=4), max_size=20)


def _csv(data: list[list[str]], terminator: str) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=terminator, quoting=csv.QUOTE_ALL).writerows(data)
    return buffer.getvalue().encode()


@settings(max_examples=300, deadline=None)
@given(rows, st.lists(st.integers(min_value=1, max_value=50), max_size=30))
def test_record_ends_become_crlf_wherever_the_chunks_split(data: list[list[str]], cuts: list[int]) -> None:
    source = _csv(data, "\n")
    chunks: list[bytes] = []
    position = 0
    for cut in cuts:
        chunks.append(source[position : position + cut])
        position += cut
    chunks.append(source[position:])
    ends = RecordEnds()
    converted = b"".join(ends.convert(c) for c in chunks)
    assert converted == _csv(data, "\r\n")
    assert ends.records == len(data)
