"""Configuration from environment variables, with defaults that work with no set-up.

| variable | default | meaning |
|---|---|---|
| ``LIMS_INSTANCE_PATH`` | ``./instance`` | folder for the SQLite file, the secret key and signing keys |
| ``LIMS_DATABASE_URL`` | SQLite file ``instance/lims.sqlite3`` | SQLAlchemy URL; PostgreSQL for multi-user |
| ``LIMS_SECRET_KEY`` | generated once into ``instance/secret_key`` | signs session cookies and CSRF tokens |
| ``LIMS_BASE_URL`` | ``http://127.0.0.1:5000`` (``lims demo --port N``: port N) | public address used in QR links |
| ``LIMS_LANGUAGE`` | ``vi`` | default language of pages and certificates (``vi`` or ``en``) |
| ``LIMS_TIMEZONE`` | ``Asia/Ho_Chi_Minh`` | the lab's time zone: times on pages (stored in UTC) are shown in it |
| ``LIMS_DEMO_PASSWORD`` | random, printed once | password of every demo user (``lims demo``), for scripts |
| ``LIMS_ACCESS_LOG`` | off | any value: ``lims serve`` writes gunicorn's access log to standard output |
| ``LIMS_RATELIMIT_STORAGE_URL`` | ``memory://`` | rate-limit storage; ``redis://host:6379`` shared by processes |
| ``LIMS_SIGNING_KEY_FILE`` | ``instance/signing-keys/`` | the lab's Ed25519 certificate signing key(s) |
| ``LIMS_TRUSTED_PROXIES`` | ``0`` | reverse proxies in front of the app whose ``X-Forwarded-*`` headers are trusted |
| ``LIMS_CERTIFICATE_NUMBER_PATTERN`` | ``{year}-{kind}-{seq:06d}`` | certificate numbers: {year}, {kind}, {seq} |
| ``LIMS_STAMP_NUMBER_PATTERN`` | ``T{yy}-{seq:07d}`` | verification stamp numbers (one register per year); ``{seq}`` |
| ``LIMS_VERIFY_RATE_LIMIT`` | ``60 per minute`` | public certificate checks (``/v/<token>``) per client address |
| ``LIMS_VALID_UNTIL_RULE`` | ``same_day`` | valid-until from the verification date: ``same_day`` or ``end_of_month`` |
| ``LIMS_WORK_DATE_MAX_DAYS_BACK`` | ``30`` | a work date further back than this needs a reason (audited) |
| ``LIMS_MOCK_DEVICES`` | on | ``0``/``off``/``no``/``false``: ``mock://`` simulated devices are refused by capture |
| ``LIMS_REMEMBER_DAYS`` | ``14`` | days a "remember me" sign-in lasts (its cookie's lifetime) |
| ``LIMS_DEVICE_SERVERS`` | none | device servers capture may reach (``socket://``, ``rfc2217://``): ``host:port,...`` |
| ``LIMS_LOGIN_FREE_ATTEMPTS`` | ``5`` | failed sign-ins of an account from an address before each one delays the next |
| ``LIMS_LOGIN_MAX_DELAY`` | ``900`` | seconds: the cap of that growing delay (2, 4, 8, … seconds) |
| ``LIMS_LOGIN_ADDRESS_LIMIT`` | ``30`` | failed sign-ins from one address (any accounts) in a window that block it |
| ``LIMS_LOGIN_WINDOW`` | ``900`` | seconds: the address's window and block; quiet counters restart after it |
| ``LIMS_AUDIT_KEY_FILE`` | ``instance/audit.key`` | the audit chain's HMAC key, made on first use (0600) |
| ``LIMS_AUDIT_CHECKPOINT_DIR`` | ``instance/audit-checkpoints/`` | signed checkpoints of the audit chain's head |
| ``LIMS_SMTP_HOST`` | none | mail server for reminders and password resets; unset: no mail is sent |
| ``LIMS_SMTP_PORT`` | ``587`` (``465`` with ``ssl``) | its port |
| ``LIMS_SMTP_SECURITY`` | ``starttls`` | ``starttls``, ``ssl`` (implicit TLS) or ``none`` (a local relay) |
| ``LIMS_SMTP_USER`` / ``LIMS_SMTP_PASSWORD`` | none | sign-in at the mail server (none: no AUTH) |
| ``LIMS_MAIL_FROM`` | ``lims@<host of LIMS_BASE_URL>`` | the sender of every mail |
| ``LIMS_REMINDER_DAYS`` | ``30`` | days before an instrument's due date its business is reminded |
| ``LIMS_RESET_TOKEN_MINUTES`` | ``60`` | minutes a password-reset link stays valid |
| ``LIMS_RESET_RATE_LIMIT`` | ``5 per minute;20 per hour`` | password-reset requests per client address |
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from datetime import timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

LANGUAGES = ("vi", "en")
DEFAULT_CERTIFICATE_NUMBER_PATTERN = "{year}-{kind}-{seq:06d}"
DEFAULT_STAMP_NUMBER_PATTERN = "T{yy}-{seq:07d}"
DEFAULT_VERIFY_RATE_LIMIT = "60 per minute"
VALID_UNTIL_RULES = ("same_day", "end_of_month")
DEFAULT_VALID_UNTIL_RULE = "same_day"
DEFAULT_WORK_DATE_MAX_DAYS_BACK = 30
DEFAULT_REMEMBER_DAYS = 14
DEFAULT_REMINDER_DAYS = 30
DEFAULT_RESET_TOKEN_MINUTES = 60
DEFAULT_RESET_RATE_LIMIT = "5 per minute;20 per hour"
SMTP_SECURITY = ("starttls", "ssl", "none")
#: Sign-in limits (docs/reliability.md, "Sign-in limits"): setting -> (default, smallest allowed).
LOGIN_LIMITS = {
    "LIMS_LOGIN_FREE_ATTEMPTS": (5, 0),
    "LIMS_LOGIN_MAX_DELAY": (900, 1),
    "LIMS_LOGIN_ADDRESS_LIMIT": (30, 1),
    "LIMS_LOGIN_WINDOW": (900, 1),
}


def instance_path() -> Path:
    return Path(os.environ.get("LIMS_INSTANCE_PATH") or Path.cwd() / "instance").resolve()


def _secret_key(folder: Path) -> str:
    env = os.environ.get("LIMS_SECRET_KEY")
    if env:
        return env
    path = folder / "secret_key"
    if path.exists():
        return path.read_text().strip()
    folder.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # Create with 0600 so other local users cannot read it.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def audit_key_file(folder: Path | None = None) -> Path:
    """``LIMS_AUDIT_KEY_FILE``: the audit chain's HMAC key (default ``<instance>/audit.key``)."""
    env = os.environ.get("LIMS_AUDIT_KEY_FILE")
    return Path(env).resolve() if env else (folder or instance_path()) / "audit.key"


def audit_checkpoint_dir(folder: Path | None = None) -> Path:
    """``LIMS_AUDIT_CHECKPOINT_DIR``: where the audit chain's signed checkpoints are written
    (default ``<instance>/audit-checkpoints/``)."""
    env = os.environ.get("LIMS_AUDIT_CHECKPOINT_DIR")
    return Path(env).resolve() if env else (folder or instance_path()) / "audit-checkpoints"


def database_url(folder: Path | None = None) -> str:
    url = os.environ.get("LIMS_DATABASE_URL")
    if url:
        return url
    folder = folder or instance_path()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'lims.sqlite3'}"


DEFAULT_BASE_URL = "http://127.0.0.1:5000"


def base_url() -> str:
    """``LIMS_BASE_URL`` without a trailing slash: the public address in QR codes and the root of the
    GS1 resolver (the Digital Links of batches, the ids of places)."""
    return (os.environ.get("LIMS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")


def served_base_url(host: str, port: int) -> str:
    """The public address of a server started on ``host:port`` (``lims demo``): ``LIMS_BASE_URL``
    when set, else that address (a wildcard host is reached as 127.0.0.1 from the same machine)."""
    env = os.environ.get("LIMS_BASE_URL")
    if env:
        return env.rstrip("/")
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    if ":" in shown:  # an IPv6 address
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def demo_password() -> str | None:
    """The demo users' password asked for by ``LIMS_DEMO_PASSWORD`` (None: make one up)."""
    return os.environ.get("LIMS_DEMO_PASSWORD") or None


def access_log() -> bool:
    """Whether ``lims serve`` logs every request (``LIMS_ACCESS_LOG`` set to anything)."""
    return bool(os.environ.get("LIMS_ACCESS_LOG"))


def _non_negative_int(name: str) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return 0
    if not raw.isdigit():
        raise ValueError(f"{name} must be a whole number of proxies, not {raw!r}")
    return int(raw)


def valid_until_rule() -> str:
    """``LIMS_VALID_UNTIL_RULE``: how a passed verification's valid-until date is counted from
    the date of verification (Circular 23/2013/TT-BKHCN intervals): ``same_day`` (default) or
    ``end_of_month``."""
    raw = os.environ.get("LIMS_VALID_UNTIL_RULE", "").strip() or DEFAULT_VALID_UNTIL_RULE
    if raw not in VALID_UNTIL_RULES:
        raise ValueError(f"LIMS_VALID_UNTIL_RULE must be one of {', '.join(VALID_UNTIL_RULES)}, not {raw!r}")
    return raw


def work_date_max_days_back() -> int:
    """``LIMS_WORK_DATE_MAX_DAYS_BACK``: how many days back a record's work date may be set
    without a reason (default 30)."""
    raw = os.environ.get("LIMS_WORK_DATE_MAX_DAYS_BACK", "").strip()
    if not raw:
        return DEFAULT_WORK_DATE_MAX_DAYS_BACK
    if not raw.isdigit():
        raise ValueError(f"LIMS_WORK_DATE_MAX_DAYS_BACK must be a whole number of days, not {raw!r}")
    return int(raw)


def remember_days() -> int:
    """``LIMS_REMEMBER_DAYS``: how many days a "remember me" sign-in lasts (default 14, at least 1)."""
    raw = os.environ.get("LIMS_REMEMBER_DAYS", "").strip()
    if not raw:
        return DEFAULT_REMEMBER_DAYS
    if not raw.isdigit() or int(raw) < 1:
        raise ValueError(f"LIMS_REMEMBER_DAYS must be a whole number of days (1 or more), not {raw!r}")
    return int(raw)


def login_limit(name: str) -> int:
    """One of the sign-in limits (:data:`LOGIN_LIMITS`): a whole number, its default when unset."""
    default, least = LOGIN_LIMITS[name]
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < least:
        raise ValueError(f"{name} must be a whole number ({least} or more), not {raw!r}")
    return int(raw)


@dataclass(frozen=True)
class SmtpSettings:
    """Where mail goes (``LIMS_SMTP_*``, ``LIMS_MAIL_FROM``)."""

    host: str
    port: int
    security: str  # one of SMTP_SECURITY
    user: str
    password: str
    mail_from: str
    timeout: float = 30.0


def _whole(name: str, default: int, least: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < least:
        raise ValueError(f"{name} must be a whole number ({least} or more), not {raw!r}")
    return int(raw)


def smtp_settings(base_url: str | None = None) -> SmtpSettings | None:
    """The mail server from ``LIMS_SMTP_*`` (None when ``LIMS_SMTP_HOST`` is unset: no mail)."""
    host = os.environ.get("LIMS_SMTP_HOST", "").strip()
    if not host:
        return None
    security = os.environ.get("LIMS_SMTP_SECURITY", "").strip().lower() or "starttls"
    if security not in SMTP_SECURITY:
        raise ValueError(f"LIMS_SMTP_SECURITY must be one of {', '.join(SMTP_SECURITY)}, not {security!r}")
    port = _whole("LIMS_SMTP_PORT", 465 if security == "ssl" else 587)
    if port > 65535:
        raise ValueError(f"LIMS_SMTP_PORT must be a port number (1 to 65535), not {port}")
    base = base_url or os.environ.get("LIMS_BASE_URL") or DEFAULT_BASE_URL
    domain = base.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0] or "localhost"
    mail_from = os.environ.get("LIMS_MAIL_FROM", "").strip() or f"lims@{domain}"
    return SmtpSettings(host=host, port=port, security=security, user=os.environ.get("LIMS_SMTP_USER", ""),
                        password=os.environ.get("LIMS_SMTP_PASSWORD", ""), mail_from=mail_from)


def reminder_days() -> int:
    """``LIMS_REMINDER_DAYS``: days before an instrument's due date its business is reminded (default 30)."""
    return _whole("LIMS_REMINDER_DAYS", DEFAULT_REMINDER_DAYS)


def reset_token_minutes() -> int:
    """``LIMS_RESET_TOKEN_MINUTES``: minutes a password-reset link stays valid (default 60)."""
    return _whole("LIMS_RESET_TOKEN_MINUTES", DEFAULT_RESET_TOKEN_MINUTES)


DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


def time_zone() -> tzinfo:
    """``LIMS_TIMEZONE``: the lab's time zone (an IANA name, default ``Asia/Ho_Chi_Minh``), in which
    pages show the times the database keeps in UTC. Vietnam keeps UTC+07:00 all year, so where the
    system has no time zone database the default is that fixed offset."""
    name = os.environ.get("LIMS_TIMEZONE", "").strip() or DEFAULT_TIMEZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name == DEFAULT_TIMEZONE:
            return timezone(timedelta(hours=7), "ICT")
        raise ValueError(f"LIMS_TIMEZONE must name a time zone such as {DEFAULT_TIMEZONE}, not {name!r}") from None


def mock_devices() -> bool:
    """``LIMS_MOCK_DEVICES``: whether capture accepts ``mock://`` simulated devices (default on;
    ``0``, ``off``, ``no`` or ``false`` turn them off)."""
    raw = os.environ.get("LIMS_MOCK_DEVICES", "").strip().lower()
    return raw not in ("0", "off", "no", "false")


def device_servers() -> frozenset[str]:
    """``LIMS_DEVICE_SERVERS``: the network device servers (``host:port``, comma separated) an admin
    allows capture to reach over ``socket://`` or ``rfc2217://``; host names in lower case."""
    out = set()
    for item in os.environ.get("LIMS_DEVICE_SERVERS", "").split(","):
        item = item.strip()
        if not item:
            continue
        host, sep, port = item.rpartition(":")
        host = host.strip("[]").lower()
        if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"LIMS_DEVICE_SERVERS must list host:port entries, not {item!r}")
        out.add(f"{host}:{int(port)}")
    return frozenset(out)


@dataclass
class Settings:
    instance_path: Path
    database_url: str
    secret_key: str
    base_url: str
    language: str
    ratelimit_storage_url: str
    signing_key_path: Path
    audit_key_file: Path = Path("audit.key")
    trusted_proxies: int = 0
    certificate_number_pattern: str = DEFAULT_CERTIFICATE_NUMBER_PATTERN
    stamp_number_pattern: str = DEFAULT_STAMP_NUMBER_PATTERN
    verify_rate_limit: str = DEFAULT_VERIFY_RATE_LIMIT
    valid_until_rule: str = DEFAULT_VALID_UNTIL_RULE
    remember_days: int = DEFAULT_REMEMBER_DAYS
    login_free_attempts: int = LOGIN_LIMITS["LIMS_LOGIN_FREE_ATTEMPTS"][0]
    login_max_delay: int = LOGIN_LIMITS["LIMS_LOGIN_MAX_DELAY"][0]
    login_address_limit: int = LOGIN_LIMITS["LIMS_LOGIN_ADDRESS_LIMIT"][0]
    login_window: int = LOGIN_LIMITS["LIMS_LOGIN_WINDOW"][0]
    smtp: SmtpSettings | None = None
    reminder_days: int = DEFAULT_REMINDER_DAYS
    reset_token_minutes: int = DEFAULT_RESET_TOKEN_MINUTES
    reset_rate_limit: str = DEFAULT_RESET_RATE_LIMIT
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides: Any) -> Settings:
        """The settings the environment gives; ``overrides`` (fields by name) win over it."""
        folder = Path(overrides.pop("instance_path", None) or instance_path())
        language = os.environ.get("LIMS_LANGUAGE", "vi")
        base_url = (os.environ.get("LIMS_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
        if language not in LANGUAGES:
            language = "vi"
        time_zone()  # a wrong LIMS_TIMEZONE is refused when the app starts, not on the first page
        settings = cls(
            instance_path=folder,
            database_url=overrides.pop("database_url", None) or database_url(folder),
            secret_key=overrides.pop("secret_key", None) or _secret_key(folder),
            base_url=base_url,
            language=language,
            ratelimit_storage_url=os.environ.get("LIMS_RATELIMIT_STORAGE_URL", "memory://"),
            signing_key_path=Path(os.environ.get("LIMS_SIGNING_KEY_FILE") or folder / "signing-keys"),
            audit_key_file=audit_key_file(folder),
            trusted_proxies=_non_negative_int("LIMS_TRUSTED_PROXIES"),
            certificate_number_pattern=os.environ.get("LIMS_CERTIFICATE_NUMBER_PATTERN")
            or DEFAULT_CERTIFICATE_NUMBER_PATTERN,
            stamp_number_pattern=os.environ.get("LIMS_STAMP_NUMBER_PATTERN") or DEFAULT_STAMP_NUMBER_PATTERN,
            verify_rate_limit=os.environ.get("LIMS_VERIFY_RATE_LIMIT") or DEFAULT_VERIFY_RATE_LIMIT,
            valid_until_rule=valid_until_rule(),
            remember_days=remember_days(),
            login_free_attempts=login_limit("LIMS_LOGIN_FREE_ATTEMPTS"),
            login_max_delay=login_limit("LIMS_LOGIN_MAX_DELAY"),
            login_address_limit=login_limit("LIMS_LOGIN_ADDRESS_LIMIT"),
            login_window=login_limit("LIMS_LOGIN_WINDOW"),
            smtp=smtp_settings(base_url),
            reminder_days=reminder_days(),
            reset_token_minutes=reset_token_minutes(),
            reset_rate_limit=os.environ.get("LIMS_RESET_RATE_LIMIT") or DEFAULT_RESET_RATE_LIMIT,
            extra=overrides.pop("extra", {}),
        )
        return replace(settings, **overrides)

    @property
    def https(self) -> bool:
        """Whether the public address is https: cookies are then ``Secure`` and HSTS is sent."""
        return self.base_url.lower().startswith("https://")
