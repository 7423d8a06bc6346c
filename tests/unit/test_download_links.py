import pytest

from clickproof.errors import InvalidLinkError, LinkExpiredError
from clickproof.services.download_links import LinkClaims, LinkSigner

SIGNER = LinkSigner(b"k" * 32, "http://h")
CLAIMS = LinkClaims("a" * 24, "f.csv", 3, 2_000)


def _parts(url: str) -> dict[str, str]:
    query = url.split("?", 1)[1]
    return dict(p.split("=", 1) for p in query.split("&"))


def test_round_trip() -> None:
    parts = _parts(SIGNER.url(CLAIMS))
    claims = SIGNER.verify(
        job_id=CLAIMS.job_id,
        file_name="f.csv",
        tid=parts["tid"],
        expires=parts["expires"],
        signature=parts["signature"],
        now=1_000,
    )
    assert claims == CLAIMS


@pytest.mark.parametrize("change", ["job", "file", "tid", "expires", "signature", "key"])
def test_any_change_breaks_the_signature(change: str) -> None:
    parts = _parts(SIGNER.url(CLAIMS))
    kwargs = {
        "job_id": CLAIMS.job_id,
        "file_name": "f.csv",
        "tid": parts["tid"],
        "expires": parts["expires"],
        "signature": parts["signature"],
        "now": 1_000.0,
    }
    signer = SIGNER
    if change == "job":
        kwargs["job_id"] = "b" * 24
    elif change == "file":
        kwargs["file_name"] = "../secret.key"
    elif change == "tid":
        kwargs["tid"] = "4"
    elif change == "expires":
        kwargs["expires"] = "9999999999"
    elif change == "signature":
        kwargs["signature"] = ("0" if parts["signature"][0] != "0" else "1") + parts["signature"][1:]
    else:
        signer = LinkSigner(b"other", "http://h")
    with pytest.raises(InvalidLinkError):
        signer.verify(**kwargs)  # type: ignore[arg-type]


def test_expired() -> None:
    parts = _parts(SIGNER.url(CLAIMS))
    with pytest.raises(LinkExpiredError):
        SIGNER.verify(
            job_id=CLAIMS.job_id,
            file_name="f.csv",
            tid=parts["tid"],
            expires=parts["expires"],
            signature=parts["signature"],
            now=2_001,
        )


@pytest.mark.parametrize(
    ("tid", "expires", "signature"),
    [(None, "1", "x"), ("1", None, "x"), ("a", "1", "x"), ("1", "-1", "x"), ("1", "1", None)],
)
def test_incomplete(tid: str | None, expires: str | None, signature: str | None) -> None:
    with pytest.raises(InvalidLinkError):
        SIGNER.verify(job_id="a", file_name="f", tid=tid, expires=expires, signature=signature, now=0)
