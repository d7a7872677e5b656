# alternative: one verbose regular expression splits the URL; percent-decoding written by hand over UTF-8 bytes
import re

URL = re.compile(
    r"""
    \A(?P<scheme>[^:/?#]*)://
    (?P<authority>[^/?#]*)
    (?P<path>[^?#]*)
    (?:\?(?P<query>[^#]*))?
    (?:\#.*)?\Z
    """,
    re.VERBOSE | re.DOTALL,
)
AUTHORITY = re.compile(
    r"\A(?:(?P<userinfo>.*)@)?(?:\[(?P<ipv6>[^\]]*)\]|(?P<host>[^:]*))(?::(?P<port>.*))?\Z",
    re.DOTALL,
)
ENGINE_BY_SCHEME = {
    "postgres": "django.db.backends.postgresql",
    "postgresql": "django.db.backends.postgresql",
    "pgsql": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
    "sqlite": "django.db.backends.sqlite3",
}
TRUTH = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False, "on": True, "off": False}
HEX = "0123456789abcdefABCDEF"


def decode(text, plus=False):
    """%XX sequences to bytes, read as UTF-8 (bad bytes -> U+FFFD); a lone % is kept."""
    if plus:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    out = bytearray()
    i = 0
    while i < len(text):
        if text[i] == "%" and i + 2 < len(text) and text[i + 1] in HEX and text[i + 2] in HEX:
            out.append(int(text[i + 1 : i + 3], 16))
            i += 3
        else:
            out += text[i].encode("utf-8", "surrogatepass")
            i += 1
    return out.decode("utf-8", "replace")


def is_number(text):
    return re.fullmatch(r"[0-9]+", text) is not None


def parse_database_url(url):
    if not isinstance(url, str) or not url:
        raise ValueError("an empty database URL" if url == "" else "the URL must be a str")
    if "://" not in url:
        raise ValueError("no scheme:// in the URL")
    match = URL.match(url)
    scheme = url.split("://", 1)[0]
    if match is None or match["scheme"].lower() not in ENGINE_BY_SCHEME:
        raise ValueError(f"unknown scheme {scheme!r}")
    engine = ENGINE_BY_SCHEME[match["scheme"].lower()]
    sqlite = engine.endswith("sqlite3")
    out = {"ENGINE": engine, "NAME": "", "USER": "", "PASSWORD": "", "HOST": "", "PORT": ""}

    authority = match["authority"]
    if not (sqlite and authority == ":memory:"):
        parts = AUTHORITY.match(authority)
        if parts is None:
            raise ValueError(f"cannot read host and port in {authority!r}")
        if parts["userinfo"] is not None:
            user, _, password = parts["userinfo"].partition(":")
            out["USER"], out["PASSWORD"] = decode(user), decode(password)
        out["HOST"] = decode(parts["ipv6"] if parts["ipv6"] is not None else parts["host"])
        port = parts["port"] or ""
        if port:
            if not is_number(port) or int(port) == 0 or int(port) > 65535:
                raise ValueError(f"port {port!r} is not in 1..65535")
            out["PORT"] = int(port)
        out["NAME"] = decode(match["path"][1:])
    if sqlite and not out["NAME"]:
        out["NAME"] = ":memory:"

    pairs = {}
    for piece in (match["query"] or "").split("&"):
        if piece:
            key, _, value = piece.partition("=")
            pairs[decode(key, plus=True)] = decode(value, plus=True)
    options = {}
    for key, value in pairs.items():
        if key == "conn_max_age":
            if not is_number(value):
                raise ValueError(f"conn_max_age must be a non-negative integer, got {value!r}")
            out["CONN_MAX_AGE"] = int(value)
        elif key in ("conn_health_checks", "atomic_requests"):
            if value.lower() not in TRUTH:
                raise ValueError(f"{key} must be a boolean word, got {value!r}")
            out[key.upper()] = TRUTH[value.lower()]
        else:
            options[key] = value
    if options:
        out["OPTIONS"] = options
    return out
