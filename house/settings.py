"""Settings from the environment (prefix ``BANSHI_``), validated at start-up.

A bad value stops start-up with a message that names the environment key.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from definitions.errors import BanshiError
from definitions.limits import MAX_DEFINITION_BYTES, MAX_DEFINITION_DEPTH, MAX_GROUP_DEPTH
from house.networks import Network, in_networks, parse_networks


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="BANSHI_", extra="ignore")

    var_dir: str = Field(
        default="var",
        description="Folder of what this install keeps (relative to the current directory): "
        "the default SQLite database (banshi.sqlite3), uploads, exported checkpoints and, in "
        "demo mode, the made secret and audit key.",
    )
    database_url: str = Field(
        default="sqlite:///var/banshi.sqlite3",
        description="SQLAlchemy URL of the database (default: banshi.sqlite3 in BANSHI_VAR_DIR).",
    )
    tenant: str = Field(
        default="422822", pattern=r"^\d{6}$", description="Region code of this county (the tenant)."
    )
    demo_mode: bool = Field(default=False, description="Enable demo logins and demo data.")
    compression_ratio: float = Field(
        default=0.48,
        gt=0,
        le=1,
        description="Promised limit may be at most this share of the statutory limit.",
    )
    yellow_card_share: float = Field(
        default=0.8, gt=0, lt=1, description="Share of promised time that raises a yellow card."
    )
    separation_of_duties: bool = Field(
        default=True, description="Who accepted a case cannot decide it."
    )
    secret_key: str | None = Field(
        default=None,
        min_length=32,
        validate_default=True,
        description="Signs CSRF tokens (bound to the session). Required outside demo mode: "
        "at least 32 characters, e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`; "
        "in demo mode a random one is made once into secret-key in BANSHI_VAR_DIR.",
    )
    redis_url: str | None = Field(
        default=None,
        description="Redis URL (redis://host:6379/0) for what processes share: sessions, rate "
        "limits, idempotency keys, login throttles. Unset: they live in the database.",
    )
    session_idle_s: int = Field(
        default=3600,
        ge=60,
        le=7 * 86400,
        description="A session ends after this many seconds without a request.",
    )
    session_absolute_s: int = Field(
        default=36000,
        ge=300,
        le=30 * 86400,
        description="A session ends this many seconds after login, however busy.",
    )
    session_touch_s: int = Field(
        default=60,
        ge=1,
        le=3600,
        description="How often (seconds) a busy session's last-seen time is written to the store.",
    )
    session_cache_s: float = Field(
        default=10,
        ge=0,
        le=300,
        description="How long (seconds) a process answers a session it read or wrote from "
        "memory, where session changes are pushed (PostgreSQL, or Redis); a logout "
        "elsewhere drops the copy when its announcement arrives. 0: read the store on "
        "every request.",
    )
    session_cache_size: int = Field(
        default=10000,
        ge=1,
        le=1_000_000,
        description="Sessions a process keeps in memory at most (the oldest makes room).",
    )
    login_free_attempts: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Wrong passwords for one user name before each further try must wait.",
    )
    login_address_free_attempts: int = Field(
        default=20,
        ge=1,
        le=10000,
        description="Wrong passwords from one client address before each further try must wait.",
    )
    login_delay_s: int = Field(
        default=2,
        ge=1,
        le=3600,
        description="First wait (seconds) after the free attempts; it doubles with every "
        "further wrong password.",
    )
    login_max_delay_s: int = Field(
        default=900, ge=1, le=86400, description="Longest wait (seconds) between login tries."
    )
    login_lock_after: int = Field(
        default=10,
        ge=2,
        le=1000,
        description="Wrong passwords for one user name that lock the account until an admin "
        "runs `banshi user unlock`.",
    )
    login_window_s: int = Field(
        default=86400,
        ge=60,
        le=30 * 86400,
        description="Wrong passwords are counted over this many seconds (from the first).",
    )
    login_hash_threads: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Password verifications (argon2, 64 MiB each) run at once per process, "
        "in worker threads off the event loop.",
    )
    policy_poll_ms: float = Field(
        default=500,
        ge=0,
        le=60000,
        description="How often each process checks for organisation changes (ms).",
    )
    # -- PostgreSQL round trips (issue #15) --
    case_number_block: int = Field(
        default=20,
        ge=1,
        le=1000,
        description="Case numbers a process reserves at once on PostgreSQL (1: one per "
        "filing); the unused rest of a block is skipped when the process stops.",
    )
    worker_threads: int = Field(
        default=8,
        ge=1,
        le=256,
        description="Worker threads per web process for the work that waits on "
        "PostgreSQL (acts, pages, session reads). More threads overlap more waits but "
        "contend for the one interpreter lock (bench/web.py).",
    )
    db_pool_size: int = Field(
        default=10,
        ge=1,
        le=1000,
        description="Database connections each process keeps open (PostgreSQL). At least "
        "BANSHI_WORKER_THREADS: a busy thread never waits for a connection to be opened.",
    )
    db_max_overflow: int = Field(
        default=5,
        ge=0,
        le=1000,
        description="Connections a process may open beyond BANSHI_DB_POOL_SIZE at a peak "
        "(closed again when returned).",
    )

    @field_validator("db_pool_size")
    @classmethod
    def _a_connection_per_thread(cls, value: int, info: ValidationInfo) -> int:
        threads = info.data.get("worker_threads")
        if threads is not None and value < threads:
            # fewer kept connections than threads: under load every request beyond them
            # opened a connection and closed it again (a PostgreSQL backend started for
            # one act), which is what this setting exists to prevent
            raise ValueError(f"must be at least BANSHI_WORKER_THREADS ({threads})")
        return value

    policy_push: bool = Field(
        default=True,
        description="Push organisation changes to the other processes (PostgreSQL "
        "LISTEN/NOTIFY, or Redis pub/sub with BANSHI_REDIS_URL), beside the poll.",
    )
    gc_freeze: bool = Field(
        default=True,
        description="At web start-up, exempt everything loaded so far from the cyclic "
        "garbage collector (gc.freeze): no long pause of every request in flight when a "
        "full collection would walk the catalogue and the libraries.",
    )
    public_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address printed on notices and QR codes.",
    )
    upload_dir: str = Field(
        default="var/uploads",
        description="Where uploaded files are stored by content hash (default: uploads in "
        "BANSHI_VAR_DIR).",
    )
    max_upload_mb: float = Field(default=10, gt=0, le=100, description="Largest upload in MB.")
    definition_max_bytes: int = Field(
        default=MAX_DEFINITION_BYTES,
        ge=1024,
        le=64 * 1024 * 1024,
        description="Largest definition file `banshi definitions check` reads, in bytes.",
    )
    definition_max_depth: int = Field(
        default=MAX_DEFINITION_DEPTH,
        ge=8,
        le=200,
        description="Deepest nesting of arrays and objects in a definition file.",
    )
    max_body_mb: float = Field(
        default=32,
        gt=0,
        le=1024,
        description="Largest request body in MB (a form with its uploads); must exceed "
        "BANSHI_MAX_UPLOAD_MB. Larger bodies are refused with 413.",
    )
    max_form_kb: int = Field(
        default=1024,
        ge=16,
        le=65536,
        description="Largest body without files (a url-encoded form or a JSON request) in KB.",
    )
    max_form_fields: int = Field(
        default=2000,
        ge=100,
        le=100000,
        description="Most fields (parts) in one posted form.",
    )
    max_json_depth: int = Field(
        default=32,
        ge=4,
        le=1000,
        description="Deepest nesting of arrays and objects in a JSON body.",
    )
    max_group_rows: int = Field(
        default=500,
        ge=1,
        le=10000,
        description="Most rows of any repeating group, whatever its definition allows.",
    )
    max_errors_returned: int = Field(
        default=100, ge=1, le=10000, description="Most field errors listed in one answer."
    )
    query_per_minute: int = Field(
        default=10,
        ge=1,
        le=10000,
        description="Case queries (/query) per client address per minute.",
    )
    evaluate_per_minute: int = Field(
        default=60,
        ge=1,
        le=100000,
        description="Anonymous evaluations (POST /api/items/{code}/evaluate) per client address "
        "per minute.",
    )
    idempotency_ttl_s: int = Field(
        default=86400,
        ge=60,
        le=30 * 86400,
        description="How long an Idempotency-Key of an API filing is remembered (seconds).",
    )
    retry_after_s: int = Field(
        default=5,
        ge=1,
        le=3600,
        description="Retry-After (seconds) sent with 503 when the database cannot be reached.",
    )
    session_uploads: int = Field(
        default=50,
        ge=1,
        le=1000,
        description="How many uploads a session remembers (a material or file reference must "
        "be one of them).",
    )
    audit_key_file: str | None = Field(
        default=None,
        description="Ed25519 private key (PEM, PKCS#8) that signs audit checkpoints; keep it "
        "out of the database. Required outside demo mode by `banshi audit checkpoint`, by the "
        "worker's checkpoints and by `banshi audit verify` once checkpoints exist; in demo "
        "mode audit-key.pem in BANSHI_VAR_DIR is made when unset.",
    )
    audit_checkpoint_dir: str = Field(
        default="var/checkpoints",
        description="Where signed checkpoints are exported (default: checkpoints in "
        "BANSHI_VAR_DIR): a folder per database below it "
        "(named from BANSHI_DATABASE_URL), each with checkpoints-<tenant>.jsonl, one line "
        "each; verify checks them too. Best on storage the database cannot write.",
    )
    audit_seal_batch: int = Field(
        default=2000,
        ge=1,
        le=100000,
        description="Events sealed into the audit log per transaction (a bounded step).",
    )
    audit_seal_s: float = Field(
        default=10,
        ge=0.1,
        le=3600,
        description="How often (seconds) the worker seals waiting events and signs a "
        "checkpoint: the longest an event stays unprotected while the worker runs.",
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks of reverse proxies whose "
        "X-Forwarded-For is believed (none by default).",
    )

    @model_validator(mode="before")
    @classmethod
    def _paths_under_var(cls, data: Any) -> Any:
        """The database, uploads and checkpoints default to places in ``var_dir``; the
        database's path is made absolute now, so a later change of directory keeps it."""
        if not isinstance(data, dict):
            return data
        var = Path(str(data.get("var_dir") or "var"))
        data = dict(data)
        data.setdefault("database_url", f"sqlite:///{(var / 'banshi.sqlite3').absolute()}")
        data.setdefault("upload_dir", str(var / "uploads"))
        data.setdefault("audit_checkpoint_dir", str(var / "checkpoints"))
        return data

    @field_validator("max_body_mb")
    @classmethod
    def _body_holds_an_upload(cls, value: float, info: ValidationInfo) -> float:
        upload = info.data.get("max_upload_mb")
        if upload is not None and value <= upload:
            raise ValueError(f"must exceed BANSHI_MAX_UPLOAD_MB ({upload})")
        return value

    log_format: Literal["auto", "json", "console"] = Field(
        default="auto",
        description="Log lines as JSON (production) or readable (terminal); auto picks JSON "
        "unless stderr is a terminal.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Lowest level of log lines written."
    )
    metrics_allow: str = Field(
        default="127.0.0.1/32,::1/128",
        description="Comma-separated addresses or networks that may read /metrics (others "
        "get 404).",
    )
    # -- the law's clock (runtime/clock.py, runtime/calendar_provider.py) ----------------
    calendar_poll_seconds: float = Field(
        default=2.0,
        ge=0,
        le=3600,
        description="Seconds between a process's checks of the calendar version: a calendar "
        "change made anywhere is seen by every process within this time.",
    )
    # -- electronic supervision (runtime/supervision; the yellow share is yellow_card_share)
    supervision_waiting_days: int = Field(
        default=5,
        ge=1,
        le=60,
        description="Working days a case may wait for the applicant's correction or payment "
        "before supervision warns.",
    )
    supervision_card_answer_days: int = Field(
        default=3, ge=1, le=30, description="Working days to explain a supervision card."
    )
    supervision_page_size: int = Field(
        default=50, ge=10, le=500, description="Rows per page of the warnings list."
    )

    # -- the public side (web/public, runtime/public) ------------------------------------
    query_per_case_per_minute: int = Field(
        default=20,
        ge=1,
        le=1_000_000,
        description="Public queries of one case number per minute.",
    )
    sms_code_minutes: int = Field(
        default=10, ge=1, le=60, description="Minutes an SMS confirmation code stays valid."
    )
    sms_code_tries: int = Field(
        default=5, ge=1, le=20, description="Wrong entries before an SMS code is void."
    )
    sms_codes_per_hour: int = Field(
        default=5, ge=1, le=100, description="SMS codes sent to one mobile per hour."
    )
    public_draft_days: int = Field(
        default=30, ge=1, le=365, description="Days an online draft is kept before it expires."
    )
    complaint_accept_days: int = Field(
        default=5, ge=1, le=30, description="Working days to decide whether to accept a complaint."
    )
    complaint_answer_days: int = Field(
        default=15, ge=1, le=60, description="Working days to answer an accepted complaint."
    )
    rectify_days: int = Field(
        default=5, ge=1, le=30, description="Working days to rectify after a bad rating."
    )
    publicity_days: int = Field(
        default=30, ge=1, le=365, description="Calendar days a decided result stays public."
    )
    sms_gateway: Literal["record", "http"] = Field(
        default="record", description="How SMS leave: recorded only, or an HTTP provider."
    )
    sms_http_url: str | None = Field(default=None, description="The SMS provider's send URL.")
    sms_http_key: str | None = Field(
        default=None, description="The SMS provider's API key (required with the http gateway)."
    )
    sms_http_signature: str = Field(
        default="",
        max_length=20,
        description="The SMS signature (签名); empty: the county's own, e.g. 建始县政务服务 "
        "(the name of BANSHI_TENANT's region code).",
    )
    sms_http_sender: str | None = Field(default=None, description="The sender number or id.")
    sms_http_timeout_s: float = Field(
        default=5, gt=0, le=60, description="Seconds before an SMS provider call times out."
    )
    sms_inbound_token: str | None = Field(
        default=None,
        description="The token the SMS provider sends with inbound messages (required to "
        "accept them outside demo mode).",
    )

    # -- administration (admin/) ----------------------------------------------------------
    admin_import_kb: int = Field(
        default=512, ge=16, le=16384, description="Largest definition file /admin imports (KB)."
    )
    admin_log_page: int = Field(
        default=200, ge=10, le=5000, description="Admin log entries listed per page."
    )

    # -- plugin kinds and nested groups (definitions/plugins.py, form_models.py) ----------
    max_group_depth: int = Field(
        default=MAX_GROUP_DEPTH,
        ge=1,
        le=MAX_GROUP_DEPTH,
        description="Deepest nesting of repeating groups a published definition may have "
        f"(the language allows {MAX_GROUP_DEPTH}).",
    )

    @field_validator("trusted_proxies", "metrics_allow")
    @classmethod
    def _proxies_parse(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("secret_key")
    @classmethod
    def _secret_is_set(cls, value: str | None, info: ValidationInfo) -> str | None:
        # A missing key is refused where it is needed: by the web app (web_secret); the
        # other commands (migrations, the worker, audits) sign nothing.
        demo = bool(info.data.get("demo_mode"))
        if value == DEV_SECRET and not demo:
            raise ValueError("is the built-in development secret; set your own")
        return value

    def web_secret(self) -> str:
        """The secret the web app signs with: BANSHI_SECRET_KEY, or in demo mode a random
        one made once per install (var/secret-key, shared by every process)."""
        if self.secret_key is not None:
            return self.secret_key
        if not self.demo_mode:
            raise SettingsError(
                "设置错误 invalid setting BANSHI_SECRET_KEY: must be set outside demo mode "
                "(at least 32 random characters)"
            )
        return _install_secret(self.demo_secret_file)

    @property
    def demo_secret_file(self) -> Path:
        """Where demo mode keeps the secret it made (shared by every process of the install)."""
        return Path(self.var_dir) / "secret-key"

    @property
    def demo_audit_key_file(self) -> Path:
        """Where demo mode keeps the audit signing key it made when BANSHI_AUDIT_KEY_FILE is
        unset."""
        return Path(self.var_dir) / "audit-key.pem"

    @property
    def cookies_secure(self) -> bool:
        """Cookies carry ``Secure`` when the public address is https."""
        return self.public_url.lower().startswith("https://")

    @property
    def proxy_networks(self) -> tuple[Network, ...]:
        return parse_networks(self.trusted_proxies)

    @property
    def audit_export_dir(self) -> str:
        """This database's own folder below ``audit_checkpoint_dir``: checkpoints of another
        database (a second demo file, a rebuilt one elsewhere) are never read as this one's.
        Named from the URL (without its password), which the database cannot change."""
        url = make_url(self.database_url)
        ident = url.render_as_string(hide_password=True)
        readable = re.sub(
            r"[^A-Za-z0-9._-]+", "-", f"{url.get_backend_name()}-{Path(url.database or 'db').name}"
        )
        digest = hashlib.sha256(ident.encode()).hexdigest()[:10]
        return str(Path(self.audit_checkpoint_dir) / f"{readable}-{digest}")

    def metrics_allowed(self, address: str) -> bool:
        return in_networks(address, parse_networks(self.metrics_allow))


class SettingsError(BanshiError):
    """A setting that cannot be used; the message names the environment key (for
    operators: not ``public``; the web shows the default message)."""

    status = 503
    code = "settings_invalid"
    default_message = "系统设置有误，暂时无法办理，请稍后再试；如仍有问题请联系县政务服务中心。"
    public = False


#: The fixed development secret of earlier versions: accepted in demo mode only.
DEV_SECRET = "dev-only-change-me-dev-only-change-me"


def _install_secret(path: Path) -> str:
    """Read the per-install secret, creating it (mode 0600) the first time."""
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip()


def load_settings(**overrides: object) -> Settings:
    """Read and check the settings; errors name the environment key."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            key = "BANSHI_" + "_".join(str(p) for p in err["loc"]).upper()
            message = str(err["msg"]).removeprefix("Value error, ")
            lines.append(f"设置错误 invalid setting {key}: {message}")
        raise SettingsError("\n".join(lines)) from None
