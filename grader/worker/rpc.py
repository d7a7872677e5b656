"""Framed JSON RPC between the trusted harness and the untrusted worker.

Standard library only: this file is copied into the sandbox image next to the
worker shim. Both ends run the same `Endpoint`; what differs is the policy of
what each end agrees to do for its peer.

Wire format: a 4-byte big-endian length, then that many bytes of UTF-8 JSON.
Values of exact built-in types cross by value (tagged where JSON is ambiguous);
anything else crosses by reference and appears on the other side as a `Remote`.
Never pickle: decoding a frame must not run code chosen by the peer.
"""

from __future__ import annotations

import base64
import builtins
import itertools
import json
import socket
import struct
import time
import types
import weakref
from collections.abc import Callable, Iterator, Mapping
from typing import Any

MAX_FRAME_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64
MAX_MESSAGE_CHARS = 2000
SMALL_INT = 2**63
_HEADER = struct.Struct(">I")
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


class ProtocolError(Exception):
    """The peer broke the protocol (bad frame, bad JSON, unknown reference)."""


class ChannelClosed(ProtocolError):
    """The peer closed the channel (the process died or exited)."""


class ChannelTimeout(ProtocolError):
    """No answer from the peer before the deadline."""


class RemoteException(Exception):
    """An exception raised on the other side whose type is not a built-in one.

    Carries `remote_type`, `remote_module`, `remote_mro` (names, most derived first)
    and the exception's public attributes of plain types.
    """

    remote_type: str = ""
    remote_module: str = ""
    remote_mro: tuple[str, ...] = ()


# ---------------------------------------------------------------- framing


def send_frame(sock: socket.socket, payload: bytes) -> None:
    if len(payload) > MAX_FRAME_BYTES:
        raise ProtocolError(f"frame of {len(payload)} bytes exceeds {MAX_FRAME_BYTES}")
    sock.sendall(_HEADER.pack(len(payload)) + payload)


def _recv_exact(sock: socket.socket, size: int) -> bytes:
    chunks = []
    remaining = size
    while remaining:
        try:
            chunk = sock.recv(min(remaining, 1 << 20))
        except TimeoutError as exc:
            raise ChannelTimeout("no answer before the deadline") from exc
        except OSError as exc:
            raise ChannelClosed(f"channel error: {exc}") from exc
        if not chunk:
            raise ChannelClosed("peer closed the channel")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def recv_frame(sock: socket.socket) -> bytes:
    (size,) = _HEADER.unpack(_recv_exact(sock, _HEADER.size))
    if size > MAX_FRAME_BYTES:
        raise ProtocolError(f"peer announced a frame of {size} bytes (cap {MAX_FRAME_BYTES})")
    return _recv_exact(sock, size)


# ---------------------------------------------------------------- helpers


def type_names(tp: type) -> list[str]:
    """Qualified names of a type's MRO, most derived first, without `object`."""
    names = []
    for klass in tp.__mro__:
        if klass is object:
            continue
        names.append(str(getattr(klass, "__name__", "?")))
    return names


def _truncate(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    return text if len(text) <= limit else text[:limit] + f"... [{len(text) - limit} more chars]"


def _safe_str(value: object) -> str:
    try:
        return _truncate(str(value))
    except Exception:
        return "<unprintable>"


def _builtin_exception(name: str) -> type[BaseException] | None:
    candidate = getattr(builtins, name, None)
    if isinstance(candidate, type) and issubclass(candidate, BaseException):
        return candidate
    return None


_remote_exception_types: dict[tuple[str, str, type], type[RemoteException]] = {}


def _remote_exception_type(name: str, module: str, base: type[BaseException]) -> type:
    key = (module, name, base)
    if key not in _remote_exception_types:
        bases: tuple[type, ...] = (RemoteException,)
        if base is not Exception:
            bases = (RemoteException, base)
        safe_name = name if name.isidentifier() else "RemoteError"
        _remote_exception_types[key] = type(safe_name, bases, {"__module__": "remote"})
    return _remote_exception_types[key]


# ---------------------------------------------------------------- remote objects


class Remote:
    """A reference to an object that lives on the other side of the channel.

    Every use is one round trip. Equality and hashing are by identity of the
    reference: the peer is never asked whether two things are equal.
    """

    __slots__ = ("__weakref__", "_rpc_callable", "_rpc_endpoint", "_rpc_id", "_rpc_mirror", "_rpc_type")

    def __init__(
        self,
        endpoint: Endpoint,
        ref_id: int,
        type_mro: list[str],
        is_callable: bool = False,
        mirror: Mirror | None = None,
    ) -> None:
        object.__setattr__(self, "_rpc_endpoint", endpoint)
        object.__setattr__(self, "_rpc_id", ref_id)
        object.__setattr__(self, "_rpc_type", tuple(type_mro))
        object.__setattr__(self, "_rpc_callable", is_callable)
        object.__setattr__(self, "_rpc_mirror", mirror)

    def _rpc(self, op: str, **fields: Any) -> Any:
        endpoint: Endpoint = object.__getattribute__(self, "_rpc_endpoint")
        return endpoint.invoke(op, target=object.__getattribute__(self, "_rpc_id"), **fields)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_rpc_"):
            raise AttributeError(name)
        mirror: Mirror | None = object.__getattribute__(self, "_rpc_mirror")
        if mirror is not None and name in mirror.methods:
            return MirroredMethod(self, mirror, name)
        endpoint: Endpoint = object.__getattribute__(self, "_rpc_endpoint")
        key = (object.__getattribute__(self, "_rpc_type"), name)
        if key in endpoint.callable_attributes:
            return DeferredAttribute(self, name)
        value = self._rpc("getattr", name=name)
        if endpoint.defer_calls and type(value) is Remote and object.__getattribute__(value, "_rpc_callable"):
            endpoint.remember_callable(key)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        self._rpc("setattr", name=name, value=value)

    def __delattr__(self, name: str) -> None:
        self._rpc("delattr", name=name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        mirror: Mirror | None = object.__getattribute__(self, "_rpc_mirror")
        if mirror is not None and not args and not kwargs and "__call__" in mirror.methods:
            return mirror.value
        return self._rpc("call", args=list(args), kwargs=kwargs)

    def __len__(self) -> int:
        result = self._rpc("len")
        if type(result) is not int:
            raise TypeError("remote __len__ did not return an int")
        return result

    def __bool__(self) -> bool:
        result = self._rpc("bool")
        if type(result) is not bool:
            raise TypeError("remote __bool__ did not return a bool")
        return result

    def __contains__(self, item: Any) -> bool:
        result = self._rpc("contains", value=item)
        if type(result) is not bool:
            raise TypeError("remote __contains__ did not return a bool")
        return result

    def __iter__(self) -> Iterator[Any]:
        iterator = self._rpc("iter")
        if not isinstance(iterator, Remote):
            raise TypeError("remote __iter__ did not return an iterator")
        return _RemoteIterator(iterator)

    def __next__(self) -> Any:
        return self._rpc("next")

    def __getitem__(self, key: Any) -> Any:
        return self._rpc("getitem", value=key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._rpc("setitem", key=key, value=value)

    def __delitem__(self, key: Any) -> None:
        self._rpc("delitem", value=key)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __hash__(self) -> int:
        return hash(("remote", object.__getattribute__(self, "_rpc_id")))

    def __repr__(self) -> str:
        mro = object.__getattribute__(self, "_rpc_type")
        name = mro[0] if mro else "object"
        # What it stands for, as a reviewer reads it in a failure message: `LRUCache(…)`.
        return f"{name}(\u2026)"


class Mirror:
    """The worker's copy of a harness object's value that only the harness changes (a fake clock's
    time): the harness sends it with the object and again, when it changed, with every message, so
    the object's zero-argument methods named in `methods` answer in the worker without a round trip.

    The harness opts an object in with two class attributes: `__rpc_mirror__`, the names of those
    methods, and `__rpc_value__()`, the value they all return (an int or a float). The submission
    can change its copy, which changes only what it reads itself, as computing another number
    would; the harness's value, which the test's oracle reads, stays where the test put it.
    """

    __slots__ = ("methods", "value")

    def __init__(self, methods: frozenset[str], value: int | float) -> None:
        self.methods = methods
        self.value = value


class MirroredMethod:
    """`clock.now` on a mirrored object: called with no arguments, the mirrored value; otherwise
    the remote method, as for any other object."""

    __slots__ = ("_rpc_mirror", "_rpc_name", "_rpc_owner")

    def __init__(self, owner: Remote, mirror: Mirror, name: str) -> None:
        self._rpc_owner = owner
        self._rpc_mirror = mirror
        self._rpc_name = name

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not args and not kwargs and self._rpc_name in self._rpc_mirror.methods:
            return self._rpc_mirror.value
        # As for any other object: look the method up in the harness, then call it.
        return self._rpc_owner._rpc("getattr", name=self._rpc_name)(*args, **kwargs)

    def __repr__(self) -> str:
        return f"{self._rpc_owner!r}.{self._rpc_name}"


def mirror_methods(kind: type) -> frozenset[str] | None:
    """The methods a harness object's class mirrors (see Mirror), or None."""
    names = getattr(kind, "__rpc_mirror__", None)
    if type(names) is not tuple or not names or not all(type(n) is str for n in names):
        return None
    return frozenset(names)


def _mirror_value(value: object) -> int | float | None:
    snapshot = value.__rpc_value__()  # type: ignore[attr-defined]
    if type(snapshot) is int and -SMALL_INT < snapshot < SMALL_INT:
        return snapshot
    if type(snapshot) is float and snapshot == snapshot and snapshot not in (float("inf"), float("-inf")):
        return snapshot
    return None


class DeferredAttribute:
    """`remote.name` where `name` was a function, method or class on this type before.

    Looked up only when used, so that `remote.name(args)` is one `callattr`
    round trip (the peer looks the attribute up and calls it) instead of a
    `getattr` and a `call`. A call behaves exactly as before: the lookup still
    happens in the peer, at call time, on the object itself. Any other use
    (an attribute of it, passing it on) looks it up first.
    """

    __slots__ = ("_rpc_name", "_rpc_owner", "_rpc_value")

    def __init__(self, owner: Remote, name: str) -> None:
        self._rpc_owner = owner
        self._rpc_name = name
        self._rpc_value: Any = _UNRESOLVED

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._rpc_owner._rpc("callattr", name=self._rpc_name, args=list(args), kwargs=kwargs)

    def rpc_resolve(self) -> Any:
        if self._rpc_value is _UNRESOLVED:
            self._rpc_value = self._rpc_owner._rpc("getattr", name=self._rpc_name)
        return self._rpc_value

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_rpc_"):
            raise AttributeError(name)
        return getattr(self.rpc_resolve(), name)

    def __repr__(self) -> str:
        return f"{self._rpc_owner!r}.{self._rpc_name}"


_UNRESOLVED = object()


def resolve(value: Any) -> Any:
    """A deferred attribute's value (one round trip the first time); anything else as it is."""
    return value.rpc_resolve() if type(value) is DeferredAttribute else value


# What counts as callable for deferral: things whose attribute is almost always called at once.
_CALLABLE_TYPES = (
    types.FunctionType,
    types.MethodType,
    types.BuiltinFunctionType,
    types.BuiltinMethodType,
    type,
)
MAX_CALLABLE_ATTRIBUTES = 4096


class _RemoteIterator:
    """Local iterator over a remote one, so `for` loops work on the harness side."""

    __slots__ = ("_remote",)

    def __init__(self, remote: Remote) -> None:
        self._remote = remote

    def __iter__(self) -> _RemoteIterator:
        return self

    def __next__(self) -> Any:
        return next(self._remote)


def remote_type_mro(value: Remote) -> tuple[str, ...]:
    """Names of the remote object's type and its bases, most derived first."""
    mro: tuple[str, ...] = object.__getattribute__(value, "_rpc_type")
    return mro


# ---------------------------------------------------------------- the endpoint


Handler = Callable[[Any, dict[str, Any]], Any]


class Endpoint:
    """One end of the channel: encodes values, serves the peer, makes requests.

    `serve_ops` is the set of operations this end performs for its peer;
    `public_attrs_only` refuses attribute names starting with an underscore
    (the harness sets both, so the worker cannot walk from a callback to the
    test module, the oracle or the reference); on that side, too, an object's
    data attributes are served only when its class names them in
    `__rpc_public__` (methods always are), and the type names the peer sees are
    neutral, so a fake clock's plan or its class name tell the submission nothing.
    """

    def __init__(
        self,
        sock: socket.socket,
        *,
        serve_ops: frozenset[str],
        public_attrs_only: bool,
        root: object = None,
        defer_calls: bool = False,
    ) -> None:
        self.sock = sock
        self.serve_ops = serve_ops
        self.public_attrs_only = public_attrs_only
        # (type names, attribute) pairs that were callable: see DeferredAttribute. Only the
        # harness defers; the peer need not serve `callattr`.
        self.defer_calls = defer_calls
        self.callable_attributes: set[tuple[tuple[str, ...], str]] = set()
        self._exported: dict[int, object] = {}
        self._export_ids: dict[int, int] = {}
        self._next_export = itertools.count(1)
        self._next_request = itertools.count(1)
        self._proxies: weakref.WeakValueDictionary[int, Remote] = weakref.WeakValueDictionary()
        # Distributed reference counting: an export is forgotten only when the peer has
        # dropped as many copies as were sent, so a reference re-sent while the peer's
        # drop notice is in flight stays valid.
        self._dropped: list[list[int]] = []
        self._sent: dict[int, int] = {}
        self._received: dict[int, int] = {}
        if root is not None:
            self._exported[0] = root
        # How proxies send their requests; the harness swaps in one with limits and verdicts.
        self.invoke: Callable[..., Any] = self.request
        # Taken now, so that rebinding the module's table later changes nothing here.
        self._operations = _OPERATIONS
        # Worker side: run after every request it serves; what it returns (the grader's code in
        # this process was changed) travels with the answer. Harness side: the first such report.
        self.integrity: Callable[[], str | None] | None = None
        self.tampered: str | None = None
        # Harness side: exported objects whose value the peer mirrors, and the value it last got.
        self._mirrors: dict[int, list[Any]] = {}
        # Requests this end sent plus requests it served: the channel's round trips.
        self.round_trips = 0

    def remember_callable(self, key: tuple[tuple[str, ...], str]) -> None:
        if len(self.callable_attributes) < MAX_CALLABLE_ATTRIBUTES:
            self.callable_attributes.add(key)

    # ------------------------------------------------------------ encoding

    def export(self, value: object) -> int:
        key = id(value)
        ref_id = self._export_ids.get(key)
        if ref_id is not None and self._exported.get(ref_id) is value:
            return ref_id
        ref_id = next(self._next_export)
        self._exported[ref_id] = value
        self._export_ids[key] = ref_id
        return ref_id

    def _release(self, ref_id: int) -> None:
        self._dropped.append([ref_id, self._received.pop(ref_id, 0)])

    def _apply_drops(self, drops: Any) -> None:
        for entry in drops if type(drops) is list else ():
            if type(entry) is not list or len(entry) != 2 or not all(type(x) is int for x in entry):
                continue
            ref_id, count = entry
            if ref_id == 0:
                continue
            remaining = self._sent.get(ref_id, 0) - count
            if remaining > 0:
                self._sent[ref_id] = remaining
                continue
            self._sent.pop(ref_id, None)
            self._mirrors.pop(ref_id, None)
            obj = self._exported.pop(ref_id, None)
            if obj is not None and self._export_ids.get(id(obj)) == ref_id:
                del self._export_ids[id(obj)]

    def forget_exports(self) -> None:
        """Drop every exported object but the root (between tests)."""
        root = self._exported.get(0)
        self._exported.clear()
        self._export_ids.clear()
        self._sent.clear()
        self._mirrors.clear()
        if root is not None:
            self._exported[0] = root

    def encode(self, value: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError(f"value nested deeper than {MAX_DEPTH} levels")
        kind = type(value)
        if value is None or kind is bool or kind is str:
            return value
        if kind is int:
            if -SMALL_INT < value < SMALL_INT:
                return value
            return {"$I": format(value, "x")}
        if kind is float:
            return {"$F": repr(value)} if value != value or value in (float("inf"), float("-inf")) else value
        if kind is list:
            if len(value) > 64 and _is_plain_json(value, depth):
                return {"$j": value}  # big plain payloads (operation batches) skip the per-item walk
            # Inlined scalar test: big lists of numbers and strings are the common case.
            out: list[Any] = []
            append = out.append
            for item in value:
                item_kind = type(item)
                if (
                    item_kind is str
                    or item_kind is bool
                    or item is None
                    or (item_kind is int and -SMALL_INT < item < SMALL_INT)
                ):
                    append(item)
                else:
                    append(self.encode(item, depth + 1))
            return out
        if kind is tuple:
            return {"$t": [self.encode(item, depth + 1) for item in value]}
        if kind is dict:
            return {"$d": [[self.encode(k, depth + 1), self.encode(v, depth + 1)] for k, v in value.items()]}
        if kind is set:
            return {"$s": [self.encode(item, depth + 1) for item in value]}
        if kind is frozenset:
            return {"$fs": [self.encode(item, depth + 1) for item in value]}
        if kind is bytes:
            return {"$b": base64.b64encode(value).decode("ascii")}
        if kind is slice:
            parts = (value.start, value.stop, value.step)
            return {"$sl": [self.encode(part, depth + 1) for part in parts]}
        if kind is type:
            name = str(getattr(value, "__name__", ""))
            if getattr(builtins, name, None) is value:
                return {"$B": name}  # built-in classes (ValueError, int) cross as themselves
        if kind is Remote and object.__getattribute__(value, "_rpc_endpoint") is self:
            return {"$o": object.__getattribute__(value, "_rpc_id")}
        if kind is DeferredAttribute:
            return self.encode(value.rpc_resolve(), depth + 1)
        ref_id = self.export(value)
        self._sent[ref_id] = self._sent.get(ref_id, 0) + 1
        names = NEUTRAL_MRO if self.public_attrs_only else type_names(kind)
        encoded: dict[str, Any] = {"$r": ref_id, "mro": names}
        if isinstance(value, _CALLABLE_TYPES):
            encoded["c"] = 1
        methods = mirror_methods(kind) if self.public_attrs_only else None
        if methods is not None:
            snapshot = _mirror_value(value)
            if snapshot is not None:
                self._mirrors[ref_id] = [value, snapshot]
                encoded["m"] = sorted(methods)
                encoded["v"] = snapshot
        return encoded

    def decode(self, data: Any, depth: int = 0) -> Any:
        if depth > MAX_DEPTH:
            raise ProtocolError(f"value nested deeper than {MAX_DEPTH} levels")
        kind = type(data)
        if data is None or kind in (bool, str, int, float):
            return data
        if kind is list:
            return [item if type(item) in _JSON_SCALARS else self.decode(item, depth + 1) for item in data]
        if kind is not dict or not (len(data) in (1, 2) or (len(data) <= 5 and "$r" in data)):
            raise ProtocolError(f"malformed value of type {kind.__name__}")
        if "$j" in data:
            payload = _expect(data["$j"], list)
            if not _is_plain_json(payload, depth):
                raise ProtocolError("malformed plain-JSON payload")
            return payload
        if "$I" in data:
            return int(_expect(data["$I"], str), 16)
        if "$F" in data:
            text = _expect(data["$F"], str)
            if text not in ("nan", "inf", "-inf"):
                raise ProtocolError("malformed special float")
            return float(text)
        if "$t" in data:
            return tuple(self.decode(item, depth + 1) for item in _expect(data["$t"], list))
        if "$d" in data:
            result = {}
            for pair in _expect(data["$d"], list):
                if type(pair) is not list or len(pair) != 2:
                    raise ProtocolError("malformed dict entry")
                result[self.decode(pair[0], depth + 1)] = self.decode(pair[1], depth + 1)
            return result
        if "$s" in data:
            return {self.decode(item, depth + 1) for item in _expect(data["$s"], list)}
        if "$fs" in data:
            return frozenset(self.decode(item, depth + 1) for item in _expect(data["$fs"], list))
        if "$b" in data:
            return base64.b64decode(_expect(data["$b"], str), validate=True)
        if "$sl" in data:
            parts = _expect(data["$sl"], list)
            if len(parts) != 3:
                raise ProtocolError("malformed slice")
            start, stop, step = (self.decode(part, depth + 1) for part in parts)
            return slice(start, stop, step)
        if "$B" in data:
            found = getattr(builtins, _expect(data["$B"], str), None)
            if not isinstance(found, type):
                raise ProtocolError("unknown built-in class")
            return found
        if "$o" in data:
            ref_id = _expect(data["$o"], int)
            if ref_id not in self._exported:
                raise ProtocolError(f"unknown local reference {ref_id}")
            return self._exported[ref_id]
        if "$r" in data:
            ref_id = _expect(data["$r"], int)
            mro = [str(name)[:200] for name in _expect(data.get("mro", []), list)[:50]]
            self._received[ref_id] = self._received.get(ref_id, 0) + 1
            mirror = self._decode_mirror(data)
            proxy = self._proxies.get(ref_id)
            if proxy is None:
                proxy = Remote(self, ref_id, mro, data.get("c") == 1, mirror)
                self._proxies[ref_id] = proxy
                weakref.finalize(proxy, self._release, ref_id)
            elif mirror is not None:
                self._set_mirror(ref_id, mirror.value)
            return proxy
        raise ProtocolError("unknown value tag")

    # ------------------------------------------------------------ mirrored values

    def _decode_mirror(self, data: dict[str, Any]) -> Mirror | None:
        """Worker side only: the harness never takes a value from the worker in place of a call."""
        if self.public_attrs_only or "m" not in data:
            return None
        methods = frozenset(str(name)[:100] for name in _expect(data["m"], list)[:16])
        value = data.get("v")
        if type(value) is int or type(value) is float:
            return Mirror(methods, value)
        return None

    def _set_mirror(self, ref_id: int, value: Any) -> None:
        proxy = self._proxies.get(ref_id)
        mirror = None if proxy is None else object.__getattribute__(proxy, "_rpc_mirror")
        if mirror is None:
            return
        if type(value) in (int, float):
            mirror.value = value
        else:
            mirror.methods = frozenset()  # no longer a plain number: every use is a call again

    def _mirror_updates(self) -> list[list[Any]]:
        """Harness side: [ref id, value] for each mirrored object whose value moved since sent."""
        updates: list[list[Any]] = []
        for ref_id, entry in list(self._mirrors.items()):
            value = _mirror_value(entry[0])
            if value is None:
                del self._mirrors[ref_id]
                updates.append([ref_id, None])
            elif type(value) is not type(entry[1]) or value != entry[1]:
                entry[1] = value
                updates.append([ref_id, value])
        return updates

    # ------------------------------------------------------------ exceptions

    def encode_exception(self, exc: BaseException) -> dict[str, Any]:
        kind = type(exc)
        attrs: dict[str, Any] = {}
        try:
            for name, value in list(vars(exc).items())[:50]:
                if not name.startswith("_") and type(value) in (int, float, str, bool, type(None)):
                    attrs[name] = _truncate(value) if type(value) is str else value
        except Exception:
            attrs = {}
        args: Any = None
        try:
            if all(type(a) in (int, float, str, bool, type(None)) for a in exc.args):
                args = [_truncate(a) if type(a) is str else a for a in exc.args]
        except Exception:
            args = None
        return {
            "type": str(getattr(kind, "__name__", "?")),
            "module": str(getattr(kind, "__module__", "?")),
            "mro": type_names(kind),
            "message": _safe_str(exc),
            "args": args,
            "attrs": attrs,
        }

    def decode_exception(self, info: Any) -> BaseException:
        if type(info) is not dict:
            raise ProtocolError("malformed exception")
        name = str(info.get("type", "Exception"))[:200]
        module = str(info.get("module", ""))[:200]
        mro = tuple(str(n)[:200] for n in _expect(info.get("mro", []), list)[:50])
        message = _truncate(str(info.get("message", "")))
        args = info.get("args")
        attrs = info.get("attrs") or {}
        if type(attrs) is not dict:
            raise ProtocolError("malformed exception attributes")
        builtin = _builtin_exception(name) if module == "builtins" else None
        exc: BaseException
        if builtin is not None and issubclass(builtin, Exception):
            exc = _instantiate(builtin, args, message)
        else:
            base: type[BaseException] = Exception
            for base_name in mro[1:]:
                candidate = _builtin_exception(base_name)
                if candidate is not None and issubclass(candidate, Exception):
                    base = candidate
                    break
            kind = _remote_exception_type(name, module, base)
            exc = kind(message)
            exc.remote_type = name  # type: ignore[attr-defined]
            exc.remote_module = module  # type: ignore[attr-defined]
            exc.remote_mro = mro  # type: ignore[attr-defined]
        for key, value in attrs.items():
            if (
                type(key) is str
                and key.isidentifier()
                and not key.startswith("_")
                and type(value) in (int, float, str, bool, type(None))
            ):
                try:
                    setattr(exc, key, value)
                except Exception:
                    pass
        return exc

    # ------------------------------------------------------------ requests

    def request(self, op: str, *, timeout: float | None = None, **fields: Any) -> Any:
        """Send a request and serve the peer's callbacks until its answer arrives."""
        request_id = next(self._next_request)
        message: dict[str, Any] = {"k": "req", "id": request_id, "op": op}
        for key, value in fields.items():
            message[key] = value if key in ("target", "name") else self.encode(value)
        if self._dropped:
            message["drop"], self._dropped = self._dropped, []
        self.round_trips += 1
        self._send(message)
        previous_timeout = self.sock.gettimeout()
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while True:
                if deadline is not None:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise ChannelTimeout("no answer before the deadline")
                    self.sock.settimeout(remaining)
                incoming = self._receive()
                if incoming.get("k") == "res":
                    if incoming.get("id") != request_id:
                        raise ProtocolError("answer to an unknown request")
                    tampered = incoming.get("tampered")
                    if type(tampered) is str and self.tampered is None:
                        self.tampered = tampered[:MAX_MESSAGE_CHARS]
                    if "err" in incoming:
                        raise self.decode_exception(incoming["err"])
                    return self.decode(incoming.get("ok"))
                self._serve(incoming)
        finally:
            if deadline is not None:
                self.sock.settimeout(previous_timeout)

    def serve_forever(self) -> None:
        """Answer requests until the peer closes the channel (the worker's main loop)."""
        while True:
            try:
                incoming = self._receive()
            except ChannelClosed:
                return
            if incoming.get("k") != "req":
                raise ProtocolError("unexpected answer while idle")
            self._serve(incoming)

    def _send(self, message: dict[str, Any]) -> None:
        if self._mirrors:
            updates = self._mirror_updates()
            if updates:
                message["mirrors"] = updates
        payload = json.dumps(message, separators=(",", ":"), allow_nan=False).encode("utf-8")
        send_frame(self.sock, payload)

    def _receive(self) -> dict[str, Any]:
        raw = recv_frame(self.sock)
        try:
            message = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise ProtocolError(f"undecodable frame: {str(exc)[:200]}") from exc
        if type(message) is not dict:
            raise ProtocolError("frame is not a JSON object")
        updates = message.get("mirrors")
        if updates is not None and not self.public_attrs_only:
            for update in _expect(updates, list)[:4096]:
                if type(update) is list and len(update) == 2 and type(update[0]) is int:
                    self._set_mirror(update[0], update[1])
        return message

    def _serve(self, message: dict[str, Any]) -> None:
        request_id = message.get("id")
        if type(request_id) is not int:
            raise ProtocolError("request without an id")
        self.round_trips += 1
        self._apply_drops(message.get("drop"))
        try:
            result = self._perform(message)
            reply: dict[str, Any] = {"k": "res", "id": request_id, "ok": self.encode(result)}
        except ProtocolError:
            raise
        except BaseException as exc:  # the peer gets every failure, SystemExit included
            if isinstance(exc, KeyboardInterrupt) and self.public_attrs_only:
                raise  # Ctrl-C on the harness stops the harness, it is not a callback result
            reply = {"k": "res", "id": request_id, "err": self.encode_exception(exc)}
        if self.integrity is not None:
            problem = self.integrity()
            if problem:
                reply["tampered"] = problem
        try:
            self._send(reply)
        except (ValueError, RecursionError, ProtocolError) as exc:
            error = ProtocolError(f"result could not be sent: {str(exc)[:200]}")
            self._send({"k": "res", "id": request_id, "err": self.encode_exception(error)})

    def _perform(self, message: dict[str, Any]) -> Any:
        op = message.get("op")
        if op not in self.serve_ops:
            raise PermissionError(f"operation {op!r} is not allowed")
        handler = self._operations[str(op)]
        target_id = message.get("target", 0)
        if type(target_id) is not int or target_id not in self._exported:
            raise ProtocolError(f"unknown target {target_id!r}")
        target = self._exported[target_id]
        name = message.get("name")
        if name is not None and (type(name) is not str or (self.public_attrs_only and name.startswith("_"))):
            raise PermissionError(f"attribute {name!r} is not accessible")
        fields = {
            key: (value if key in ("name", "target") else self.decode(value))
            for key, value in message.items()
            if key not in ("k", "id", "op", "drop", "mirrors")
        }
        result = handler(target, fields)
        if op == "getattr" and self.public_attrs_only and not callable(result):
            public = getattr(type(target), "__rpc_public__", ())
            if name not in public:
                raise PermissionError(f"attribute {name!r} is not accessible")
        return result


def _is_plain_json(value: list[Any], depth: int) -> bool:
    """Only lists, str, bool, None, finite floats and ints below 2**63, nested at most MAX_DEPTH."""
    if depth > MAX_DEPTH:
        return False
    for item in value:
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if not -SMALL_INT < item < SMALL_INT:
                return False
        elif kind is list:
            if not _is_plain_json(item, depth + 1):
                return False
        elif kind is float:
            if item != item or item in (_INF, -_INF):
                return False
        else:
            return False
    return True


_INF = float("inf")


def _expect(value: Any, kind: type) -> Any:
    if type(value) is not kind:
        raise ProtocolError(f"expected {kind.__name__}, got {type(value).__name__}")
    return value


def _instantiate(kind: type[BaseException], args: Any, message: str) -> BaseException:
    if type(args) is list:
        try:
            return kind(*args)
        except Exception:
            pass
    return kind(message)


def _op_batch(target: Any, fields: dict[str, Any]) -> list[Any]:
    """Apply a list of [method, args] to one object and return every result."""
    results = []
    for index, step in enumerate(fields["ops"]):
        name, args = step[0], step[1] if len(step) > 1 else []
        try:
            results.append(getattr(target, name)(*args))
        except Exception as exc:
            exc.batch_index = index  # type: ignore[attr-defined]
            raise
    return results


def _op_await(target: Any, fields: dict[str, Any]) -> Any:
    import asyncio

    async def runner() -> Any:
        return await target

    return asyncio.run(runner())


_OPERATIONS: Mapping[str, Handler] = types.MappingProxyType(
    {
        "getattr": lambda t, f: getattr(t, f["name"]),
        "setattr": lambda t, f: setattr(t, f["name"], f["value"]),
        "delattr": lambda t, f: delattr(t, f["name"]),
        "call": lambda t, f: t(*f.get("args", ()), **f.get("kwargs", {})),
        "callattr": lambda t, f: getattr(t, f["name"])(*f.get("args", ()), **f.get("kwargs", {})),
        "len": lambda t, f: len(t),
        "bool": lambda t, f: bool(t),
        "contains": lambda t, f: f["value"] in t,
        "iter": lambda t, f: iter(t),
        "next": lambda t, f: next(t),
        "getitem": lambda t, f: t[f["value"]],
        "setitem": lambda t, f: t.__setitem__(f["key"], f["value"]),
        "delitem": lambda t, f: t.__delitem__(f["value"]),
        "str": lambda t, f: str(t),
        "repr": lambda t, f: repr(t),
        "batch": _op_batch,
        "await": _op_await,
        "import": lambda t, f: t.load(f["name"]),
        "finish": lambda t, f: t.finish(),
    }
)

# The type names the worker sees for every harness object it is handed.
NEUTRAL_MRO = ["object"]

# What the worker does for the harness: everything.
WORKER_SERVES = frozenset(_OPERATIONS)
# What the harness does for the worker: use the callbacks it was handed, nothing more.
HARNESS_SERVES = frozenset({"call", "len", "bool", "contains", "iter", "next", "getitem", "getattr"})
