"""Every limit in one place; tests shrink them to force the edges."""

from __future__ import annotations

MAX_REQUEST_BYTES = 64 * 1024
MAX_SORT_KEYS = 3
MAX_SELECT_NAMES = 200
MAX_FIELD_NAME_LENGTH = 256
MAX_FILTER_DEPTH = 8
MAX_FILTER_NODES = 200
MAX_IN_VALUES = 1000
MAX_FILTER_STRING = 1024
MAX_LEGACY_FILTER_LENGTH = 8192
DEFAULT_PER_PAGE = 25
MAX_PER_PAGE = 100
CSV_BATCH_ROWS = 8192
IN_PROCESS_EXPORT_ROWS = 50_000  # SQLite exports up to this size skip the ADBC child process
PROGRESS_EVERY_ROWS = 50_000
MAX_ERROR_ECHO = 200
MAX_VERSION_BODY_BYTES = 4 * 1024 * 1024
MAX_IMPORT_BYTES = 64 * 1024 * 1024
# Tenant data a public caller can add (docs/security.md): per send, per site, per export.
MAX_SEND_FAMILY_KEYS = 100  # keys of `cus` or `rnd` in one send
MAX_SEND_FAMILY_BYTES = 16 * 1024  # `cus` or `rnd` of one send, as JSON
MAX_SITE_FAMILY_KEYS = 500  # distinct custom (or render) keys of one site
MAX_EXPORT_COLUMNS = 600  # columns of one export's CSV
