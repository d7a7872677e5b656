# wrong: the first of repeated query keys wins
# max-percent: 96

from urllib.parse import unquote, unquote_plus

ENGINES = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
    "sqlite": "django.db.backends.sqlite3",
}
BOOLEANS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}
_DIGITS = frozenset("0123456789")


def _port(text: str):
    if not text:
        return ""
    if not _DIGITS.issuperset(text) or not 1 <= int(text) <= 65535:
        raise ValueError(f"bad port {text!r}: expected a number from 1 to 65535")
    return int(text)


def _boolean(key: str, text: str) -> bool:
    try:
        return BOOLEANS[text.lower()]
    except KeyError:
        raise ValueError(f"bad boolean for {key}: {text!r} (use true/false, 1/0, yes/no, on/off)") from None


def _conn_max_age(text: str) -> int:
    if not text or not _DIGITS.issuperset(text):
        raise ValueError(f"bad conn_max_age {text!r}: expected a non-negative integer")
    return int(text)


def _query(query: str) -> dict:
    params = {}
    for piece in query.split("&"):
        if piece:
            key, _, value = piece.partition("=")
            params.setdefault(unquote_plus(key), unquote_plus(value))
    return params


def parse_database_url(url: str) -> dict:
    if not isinstance(url, str):
        raise ValueError(f"the database URL must be a str, not {type(url).__name__}")
    if not url:
        raise ValueError("the database URL is empty")
    scheme, found, rest = url.partition("://")
    if not found:
        raise ValueError(f"no scheme in the database URL {url!r} (expected scheme://...)")
    engine = ENGINES.get(scheme.lower())
    if engine is None:
        raise ValueError(f"unknown scheme {scheme!r}; known: {', '.join(ENGINES)}")

    rest = rest.partition("#")[0]
    rest, _, query = rest.partition("?")
    authority, slash, path = rest.partition("/")
    result = {"ENGINE": engine, "NAME": "", "USER": "", "PASSWORD": "", "HOST": "", "PORT": ""}

    if engine.endswith("sqlite3") and authority == ":memory:":
        result["NAME"] = ":memory:"
    else:
        userinfo, at, hostport = authority.rpartition("@")
        if at:
            user, _, password = userinfo.partition(":")
            result["USER"], result["PASSWORD"] = unquote(user), unquote(password)
        if hostport.startswith("["):
            host, closed, after = hostport[1:].partition("]")
            if not closed or (after and not after.startswith(":")):
                raise ValueError(f"bad IPv6 host in {hostport!r}")
            port = after[1:]
        else:
            host, _, port = hostport.partition(":")
        result["HOST"] = unquote(host)
        result["PORT"] = _port(port)
        result["NAME"] = unquote(path) if slash else ""
        if engine.endswith("sqlite3") and not result["NAME"]:
            result["NAME"] = ":memory:"

    options = {}
    for key, value in _query(query).items():
        if key == "conn_max_age":
            result["CONN_MAX_AGE"] = _conn_max_age(value)
        elif key in ("conn_health_checks", "atomic_requests"):
            result[key.upper()] = _boolean(key, value)
        else:
            options[key] = value
    if options:
        result["OPTIONS"] = options
    return result
