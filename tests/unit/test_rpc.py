"""The wire codec: exact built-in values round-trip; everything else is a reference."""

from __future__ import annotations

import json
import math
import socket
import struct
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grader.worker import rpc

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**200), max_value=2**200),
    st.floats(allow_nan=False),
    st.text(),
    st.binary(),
)
hashables = st.recursive(
    scalars, lambda inner: st.tuples(inner, inner) | st.frozensets(inner, max_size=3), max_leaves=8
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(hashables, inner, max_size=3)
        | st.sets(hashables, max_size=3)
        | st.frozensets(hashables, max_size=3)
    ),
    max_leaves=20,
)


_SOCKETS: list[socket.socket] = []


def endpoint() -> rpc.Endpoint:
    left, right = socket.socketpair()
    _SOCKETS.extend((left, right))
    return rpc.Endpoint(left, serve_ops=rpc.HARNESS_SERVES, public_attrs_only=True)


@pytest.fixture(autouse=True, scope="module")
def _close_sockets() -> Any:
    yield
    for sock in _SOCKETS:
        sock.close()


def same(a: Any, b: Any) -> bool:
    """Equal and of exactly the same types, all the way down."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return bool(a == b)


@given(values)
def test_plain_values_round_trip_with_their_exact_types(value: Any) -> None:
    ep = endpoint()
    wire = json.loads(json.dumps(ep.encode(value), allow_nan=False))
    assert same(ep.decode(wire), value)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_special_floats_cross(value: float) -> None:
    ep = endpoint()
    decoded = ep.decode(json.loads(json.dumps(ep.encode(value), allow_nan=False)))
    assert type(decoded) is float
    assert (math.isnan(decoded) and math.isnan(value)) or decoded == value


def test_builtin_classes_cross_by_value() -> None:
    ep = endpoint()
    assert ep.decode(ep.encode((ValueError, int))) == (ValueError, int)


class IntLike(int):
    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = int.__hash__


@pytest.mark.parametrize("value", [IntLike(3), object(), lambda: 1, iter([1])])
def test_other_values_cross_by_reference(value: object) -> None:
    ep = endpoint()
    encoded = ep.encode(value)
    assert set(encoded) - {"c"} == {"$r", "mro"}
    assert ("c" in encoded) is callable(value)
    assert ep._exported[encoded["$r"]] is value


def test_a_remote_is_never_equal_to_a_plain_value() -> None:
    ep = endpoint()
    remote = ep.decode({"$r": 5, "mro": ["Liar", "int"]})
    assert remote != 5
    assert not remote.__eq__(5)
    assert remote == remote
    assert rpc.remote_type_mro(remote) == ("Liar", "int")
    assert ep.decode({"$r": 5, "mro": []}) is remote  # one proxy per reference


@pytest.mark.parametrize(
    "wire",
    [
        {"$x": 1},
        {"$o": 99},
        {"$I": 5},
        {"$F": "1.5"},
        {"$B": "open"},
        {"$d": [[1]]},
        {"a": 1, "b": 2, "c": 3},
        {"$b": "not base64!"},
    ],
)
def test_malformed_values_are_protocol_errors(wire: Any) -> None:
    with pytest.raises((rpc.ProtocolError, ValueError)):
        endpoint().decode(wire)


def test_nesting_is_capped() -> None:
    deep: Any = 1
    for _ in range(rpc.MAX_DEPTH + 5):
        deep = [[deep]]
    with pytest.raises(rpc.ProtocolError):
        endpoint().encode(deep)
    with pytest.raises(rpc.ProtocolError):
        endpoint().decode(json.loads(json.dumps(deep)))


def test_oversized_frames_are_refused_on_both_sides() -> None:
    left, right = socket.socketpair()
    _SOCKETS.extend((left, right))
    with pytest.raises(rpc.ProtocolError):
        rpc.send_frame(left, b"x" * (rpc.MAX_FRAME_BYTES + 1))
    left.sendall(struct.pack(">I", rpc.MAX_FRAME_BYTES + 1))
    with pytest.raises(rpc.ProtocolError):
        rpc.recv_frame(right)


def test_closed_channel_is_reported() -> None:
    left, right = socket.socketpair()
    _SOCKETS.append(right)
    left.close()
    with pytest.raises(rpc.ChannelClosed):
        rpc.recv_frame(right)


def test_exceptions_keep_builtin_types_and_public_fields() -> None:
    ep = endpoint()

    class UploadRejected(ValueError):
        def __init__(self, reason: str) -> None:
            super().__init__(f"rejected: {reason}")
            self.reason = reason
            self._secret = "hidden"

    custom = ep.decode_exception(ep.encode_exception(UploadRejected("too_large")))
    assert isinstance(custom, ValueError)
    assert isinstance(custom, rpc.RemoteException)
    assert type(custom).__name__ == "UploadRejected"
    assert custom.reason == "too_large"  # type: ignore[attr-defined]
    assert not hasattr(custom, "_secret")
    assert "UploadRejected" in custom.remote_mro  # type: ignore[attr-defined]

    builtin = ep.decode_exception(ep.encode_exception(KeyError("k")))
    assert type(builtin) is KeyError
    assert builtin.args == ("k",)


@pytest.mark.parametrize("exc", [SystemExit(0), KeyboardInterrupt(), GeneratorExit()])
def test_base_exceptions_never_become_real_ones_on_the_harness(exc: BaseException) -> None:
    ep = endpoint()
    decoded = ep.decode_exception(ep.encode_exception(exc))
    assert isinstance(decoded, rpc.RemoteException)
    assert not isinstance(decoded, (SystemExit, KeyboardInterrupt, GeneratorExit))


def test_harness_refuses_private_attributes_and_other_ops() -> None:
    ep = endpoint()

    def callback() -> int:
        return 1

    ref = ep.export(callback)
    with pytest.raises(PermissionError):
        ep._perform({"op": "getattr", "target": ref, "name": "__globals__"})
    with pytest.raises(PermissionError):
        ep._perform({"op": "setattr", "target": ref, "name": "x", "value": 1})
    with pytest.raises(PermissionError):
        ep._perform({"op": "import", "target": ref, "name": "os"})
    assert ep._perform({"op": "call", "target": ref, "args": [], "kwargs": {"$d": []}}) == 1


class MirroredClock:
    """A harness clock the worker reads without a round trip (rpc.Mirror)."""

    __rpc_mirror__ = ("__call__", "now")

    def __init__(self, now: float) -> None:
        self.t = now

    def __rpc_value__(self) -> float:
        return self.t

    def __call__(self) -> float:
        return self.t

    def now(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


class WorkerRoot:
    """What a submission does with the clock it is handed."""

    def read(self, clock: Any, times: int) -> list[Any]:
        return [clock() for _ in range(times)] + [clock.now()]

    def sleep_then_read(self, clock: Any, seconds: float) -> list[Any]:
        before = clock()
        clock.advance(seconds)  # a callback that moves the harness's time
        return [before, clock(), clock.now()]

    def keep_method(self, clock: Any) -> Any:
        self.now_method = clock.now
        return self.now_method()

    def call_kept_method(self) -> Any:
        return self.now_method()

    def now_with_an_argument(self, clock: Any) -> Any:
        try:
            return clock.now(1)
        except TypeError as exc:
            return type(exc).__name__

    def forge(self, clock: Any) -> Any:
        object.__getattribute__(clock, "_rpc_mirror").value = 0.0  # its own copy only
        self.kept = clock
        return clock()

    def read_kept(self) -> Any:
        return self.kept()


def connected_pair() -> tuple[rpc.Endpoint, rpc.Endpoint]:
    import threading

    left, right = socket.socketpair()
    _SOCKETS.extend((left, right))
    harness = rpc.Endpoint(left, serve_ops=rpc.HARNESS_SERVES, public_attrs_only=True)
    worker = rpc.Endpoint(right, serve_ops=rpc.WORKER_SERVES, public_attrs_only=False, root=WorkerRoot())
    threading.Thread(target=worker.serve_forever, daemon=True).start()
    return harness, worker


def call(harness: rpc.Endpoint, name: str, *args: Any) -> Any:
    return harness.request("callattr", target=0, name=name, args=list(args), kwargs={})


def test_a_mirrored_clock_is_read_in_the_worker_and_follows_the_harness() -> None:
    harness, _worker = connected_pair()
    clock = MirroredClock(10.0)
    assert call(harness, "read", clock, 50) == [10.0] * 51
    assert harness.round_trips == 1  # 51 readings, no callback
    clock.advance(2.5)  # the test moves time between calls
    assert call(harness, "read", clock, 2) == [12.5] * 3
    assert call(harness, "sleep_then_read", clock, 1.5) == [12.5, 14.0, 14.0]
    assert harness.round_trips == 5  # clock.advance(...) is the only callback: a lookup and a call


def test_an_unmirrored_object_is_called_every_time() -> None:
    class Plain:
        def __init__(self) -> None:
            self.calls = 0

        def __call__(self) -> float:
            self.calls += 1
            return 1.0

        def now(self) -> float:
            return self()

    harness, _worker = connected_pair()
    plain = Plain()
    assert call(harness, "read", plain, 3) == [1.0] * 4
    assert plain.calls == 4 and harness.round_trips == 6  # 3 calls, and `now` is looked up, then called


def test_the_worker_changes_only_its_own_copy() -> None:
    harness, _worker = connected_pair()
    clock = MirroredClock(7.0)
    assert call(harness, "forge", clock) == 0.0
    assert clock.t == 7.0  # the harness's time, which the oracle reads, did not move
    clock.advance(1.0)
    assert call(harness, "read_kept") == 8.0  # and the next message puts the harness's value back


def test_a_value_that_stops_being_a_number_ends_the_mirror() -> None:
    harness, _worker = connected_pair()
    clock = MirroredClock(1.0)
    assert call(harness, "read", clock, 1) == [1.0, 1.0]
    clock.t = float("inf")  # not mirrored: calls go to the harness again
    assert call(harness, "read", clock, 1) == [math.inf, math.inf]
    assert harness.round_trips == 5  # the second call: a call, a lookup of `now` and its call


def test_the_harness_never_takes_a_mirrored_value_from_the_worker() -> None:
    ep = endpoint()
    proxy = ep.decode({"$r": 5, "mro": ["Clock"], "m": ["__call__"], "v": 1.0})
    assert object.__getattribute__(proxy, "_rpc_mirror") is None


def test_a_kept_mirrored_method_follows_the_mirror_and_its_end() -> None:
    harness, _worker = connected_pair()
    clock = MirroredClock(3.0)
    assert call(harness, "keep_method", clock) == 3.0
    clock.advance(1.0)
    assert call(harness, "call_kept_method") == 4.0
    assert harness.round_trips == 2
    clock.t = math.nan  # mirroring ends: the kept method asks the harness from now on
    result = call(harness, "call_kept_method")
    assert math.isnan(result) and harness.round_trips == 5  # the call, a lookup of `now`, its call


def test_a_mirrored_method_called_with_arguments_is_the_harness_method() -> None:
    harness, _worker = connected_pair()
    assert call(harness, "now_with_an_argument", MirroredClock(1.0)) == "TypeError"
