"""A real RFC 3161 timestamp authority on loopback for tests: OpenSSL's `openssl ts -reply`
behind a small HTTP server, with a self-issued RSA certificate for time stamping."""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_CONFIG = """
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {directory}
serial = $dir/serial
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


@dataclass
class TimestampAuthority:
    url: str
    certificate_pem: bytes
    directory: Path
    requests: int = 0
    refuse: bool = False  # answer 500, as a TSA that is down


def _certificate(directory: Path, name: str) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM)
    (directory / "tsa.pem").write_bytes(pem)
    (directory / "tsa.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    (directory / "serial").write_text("01\n")
    (directory / "tsa.cnf").write_text(_CONFIG.format(directory=directory))
    return pem


@contextmanager
def timestamp_authority(name: str = "clickproof test TSA") -> Iterator[TimestampAuthority]:
    with tempfile.TemporaryDirectory() as temporary:
        directory = Path(temporary)
        authority = TimestampAuthority("", _certificate(directory, name), directory)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with lock:
                    authority.requests += 1
                    if authority.refuse:
                        self.send_error(500)
                        return
                    (directory / "query.tsq").write_bytes(query)
                    subprocess.run(
                        [
                            "openssl",
                            "ts",
                            "-reply",
                            "-config",
                            str(directory / "tsa.cnf"),
                            "-queryfile",
                            str(directory / "query.tsq"),
                            "-out",
                            str(directory / "reply.tsr"),
                        ],
                        check=True,
                        capture_output=True,
                    )
                    reply = (directory / "reply.tsr").read_bytes()
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        authority.url = f"http://127.0.0.1:{server.server_address[1]}/tsa"
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield authority
        finally:
            server.shutdown()
            server.server_close()
