"""The suite helpers work on remote objects and, for the bench's in-process baseline, on real ones."""

from __future__ import annotations

from grader.testing import exception_mro, remote_mro
from grader.worker import rpc


class Rejected(ValueError):
    pass


def test_remote_mro_of_an_in_process_object_is_its_type_names() -> None:
    assert remote_mro(Rejected("x")) == ("Rejected", "ValueError", "Exception", "BaseException")


def test_exception_mro_prefers_the_names_sent_by_the_worker() -> None:
    ep = rpc.Endpoint(None, serve_ops=rpc.HARNESS_SERVES, public_attrs_only=True)  # type: ignore[arg-type]
    crossed = ep.decode_exception(ep.encode_exception(Rejected("bad upload")))
    assert exception_mro(crossed)[:2] == ("Rejected", "ValueError")
    assert exception_mro(Rejected("in process"))[:2] == ("Rejected", "ValueError")
    assert exception_mro(KeyError("k"))[0] == "KeyError"
