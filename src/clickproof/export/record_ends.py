"""Turns the LF record ends of a CSV stream into CRLF, leaving newlines inside quoted cells alone.

PostgreSQL's COPY writes LF; our CSV files end records with CRLF (RFC 4180) on every database.
A newline ends a record exactly when the quotes seen so far are balanced: inside a quoted cell a
quote is always doubled, so the parity of the quote count tells whether we are in a cell.
"""

from __future__ import annotations


class RecordEnds:
    def __init__(self) -> None:
        self.in_quotes = False
        self.records = 0

    def convert(self, chunk: bytes) -> bytes:
        parts = chunk.split(b"\n")
        output: list[bytes] = []
        in_quotes = self.in_quotes
        records = 0
        for part in parts[:-1]:
            if part.count(b'"') & 1:
                in_quotes = not in_quotes
            output.append(part)
            if in_quotes:
                output.append(b"\n")
            else:
                output.append(b"\r\n")
                records += 1
        tail = parts[-1]
        if tail.count(b'"') & 1:
            in_quotes = not in_quotes
        output.append(tail)
        self.in_quotes = in_quotes
        self.records += records
        return b"".join(output)
