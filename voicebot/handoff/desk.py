"""The agent desk's state: transfers, callback tickets, agents, live updates, logins."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import structlog

from voicebot.cluster import Shared
from voicebot.config import Agent
from voicebot.governance.redaction import mask_phone
from voicebot.handoff.summary import Summary

log = structlog.get_logger(__name__)

Status = Literal[
    "ringing",
    "accepted",
    "declined",
    "connected",
    "completed",
    "no-answer",
    "busy",
    "failed",
    "canceled",
    "callback",
]
Outcome = Literal["resolved", "follow_up"]
KEPT_TRANSFERS = 500
SUBSCRIBER_QUEUE = 100


@dataclass
class Transfer:
    """One call handed to a human (or to a callback when none could take it)."""

    id: str
    call_sid: str
    caller: str  # masked (+57 *** *** 4567): the full number never leaves the session
    reason: str
    summary: Summary
    transcript: list[dict[str, str]]
    agent_id: str | None
    status: Status = "ringing"
    created_at: float = field(default_factory=time.time)
    outcome: Outcome | None = None
    notes: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)
    # the caller's consent answer, restored when the call comes back to the bot
    consent: str = "no"
    # Twilio's caller-ID attestation (StirVerstat), restored with it: the number the resumed
    # stream gets from Twilio's callback is trusted as much as it was when the call came in
    verstat: str = ""

    def public(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("caller")
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transfer:
        """The inverse of `asdict` (a transfer shared by another process)."""
        return cls(**(data | {"summary": Summary(**data["summary"])}))


class Desk:
    """Transfers and agents, with server-sent updates for the desk page.

    `transfers` is this process's view; with `shared` (Redis) every change is stored there
    and broadcast, and changes made by other processes arrive through `run_sync`."""

    def __init__(self, agents: list[Agent], shared: Shared | None = None) -> None:
        self.agents = {a.id: a for a in agents}
        self.transfers: OrderedDict[str, Transfer] = OrderedDict()
        self.callbacks: list[dict[str, Any]] = []
        self.shared = shared
        self.on_drop: Callable[[], None] = lambda: None  # counts stalled pages dropped
        self._subscribers: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._ids = itertools.count(1)
        self._revoked: dict[str, float] = {}  # session id -> when its cookie expires anyway
        self.login_guard = LoginGuard()

    def available_agent(self) -> Agent | None:
        """A configured agent who is not on an accepted/connected transfer."""
        busy = {
            t.agent_id for t in self.transfers.values() if t.status in ("accepted", "connected")
        }
        for agent in self.agents.values():
            if agent.id not in busy:
                return agent
        return None

    async def create(self, **fields: Any) -> Transfer:
        transfer = Transfer(id=f"T{next(self._ids):05d}-{secrets.token_hex(3)}", **fields)
        self._keep(transfer)
        await self._share(transfer)
        self._publish(transfer)
        return transfer

    async def get(self, transfer_id: str) -> Transfer | None:
        """A transfer, from another process too (its broadcast may still be on the way)."""
        transfer = self.transfers.get(transfer_id)
        if transfer is None and self.shared is not None and transfer_id:
            data = await self.shared.transfer(transfer_id)
            if data is not None:
                transfer = Transfer.from_dict(data)
                self._keep(transfer)
        return transfer

    async def update(self, transfer_id: str, by: str = "system", **changes: Any) -> Transfer | None:
        if self.shared is not None:  # start from the latest, wherever it was changed
            data = await self.shared.transfer(transfer_id)
            if data is not None:
                self._keep(Transfer.from_dict(data))
        transfer = self.transfers.get(transfer_id)
        if transfer is None:
            return None
        for key, value in changes.items():
            setattr(transfer, key, value)
        transfer.history.append({"at": time.time(), "by": by, **changes})
        log.info("transfer_updated", transfer=transfer_id, by=by, **changes)
        await self._share(transfer)
        self._publish(transfer)
        return transfer

    def _keep(self, transfer: Transfer) -> None:
        self.transfers[transfer.id] = transfer
        while len(self.transfers) > KEPT_TRANSFERS:
            self.transfers.popitem(last=False)

    async def _share(self, transfer: Transfer) -> None:
        if self.shared is not None:
            await self.shared.save_transfer(asdict(transfer))

    async def run_sync(self) -> None:
        """Apply other processes' changes as they come (owned by the app, until shutdown).
        Redis going away is retried; meanwhile this process keeps working on its own view."""
        if self.shared is None:
            return
        while True:
            try:
                for data in await self.shared.transfers():
                    self._keep(Transfer.from_dict(data))
                async for data in self.shared.updates():
                    transfer = Transfer.from_dict(data)
                    self._keep(transfer)
                    self._publish(transfer)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("desk_sync_lost", error=repr(exc)[:200])
                await asyncio.sleep(1)

    async def add_callback(
        self, call_sid: str, caller: str, reason: str, summary: Summary
    ) -> dict[str, Any]:
        ticket = {
            "id": f"CB{len(self.callbacks) + 1:05d}-{secrets.token_hex(3)}",
            "call_sid": call_sid,
            "caller": caller,  # this process only: the number to call back
            "reason": reason,
            "summary": summary.as_dict(),  # redacted
            "created_at": time.time(),
        }
        self.callbacks.append(ticket)
        while len(self.callbacks) > KEPT_TRANSFERS:
            self.callbacks.pop(0)
        if self.shared is not None:  # shared copies never hold the full number
            await self.shared.add_callback(ticket | {"caller": mask_phone(caller)})
        log.info("callback_ticket", ticket=ticket["id"], call_sid=call_sid, reason=reason)
        return ticket

    async def forget(self, phone: str, call_sids: set[str]) -> int:
        """A deletion request: drop the transfers and callback tickets of these calls (or of
        this number) here and in the shared store."""
        sids = set(call_sids) | {c["call_sid"] for c in self.callbacks if c["caller"] == phone}
        before = len(self.transfers) + len(self.callbacks)
        for transfer_id in [t.id for t in self.transfers.values() if t.call_sid in sids]:
            del self.transfers[transfer_id]
        self.callbacks = [c for c in self.callbacks if c["call_sid"] not in sids]
        gone = before - len(self.transfers) - len(self.callbacks)
        if self.shared is not None:
            gone = max(gone, await self.shared.forget_calls(sids))
        return gone

    # ---- logins ------------------------------------------------------------------------
    async def revoke(self, session_id: str, expires: int) -> None:
        """Logout: this login is refused from now on, by every process (with Redis)."""
        self._revoked[session_id] = expires
        now = time.time()
        for sid in [k for k, until in self._revoked.items() if until < now]:
            del self._revoked[sid]
        if self.shared is not None:
            try:
                await self.shared.revoke(session_id, int(expires - now) + 1)
            except Exception as exc:
                log.warning("logout_not_shared", error=repr(exc)[:200])

    # ---- login lockout -----------------------------------------------------------------
    # With Redis, the failures of every process count together (a guesser spread over the
    # replicas meets the same limit); without it, or when Redis is away, this process's own.
    async def login_locked(self, keys: list[str]) -> bool:
        """Any of these accounts or addresses is locked out now."""
        if self.shared is not None:
            try:
                return await self.shared.login_locked(keys)
            except Exception as exc:  # Redis away: this process's own count
                log.warning("login_guard_not_shared", error=repr(exc)[:200])
        return self.login_guard.locked(keys)

    async def login_attempt(
        self, keys: list[tuple[str, int]], window_s: int, lockout_s: int
    ) -> str:
        """Count an attempt (taken back by `login_succeeded` with the id returned)."""
        if self.shared is not None:
            try:
                return await self.shared.login_attempt(keys, window_s, lockout_s)
            except Exception as exc:
                log.warning("login_guard_not_shared", error=repr(exc)[:200])
        self.login_guard.attempt(keys, window_s, lockout_s)
        return ""

    async def login_succeeded(self, keys: list[tuple[str, int]], attempt: str) -> None:
        """The attempt was right: it does not count against the account or address."""
        if self.shared is not None and attempt:
            try:
                await self.shared.login_succeeded(keys, attempt)
                return
            except Exception as exc:
                log.warning("login_guard_not_shared", error=repr(exc)[:200])
        self.login_guard.succeeded(keys)

    async def revoked(self, session_id: str) -> bool:
        if session_id in self._revoked:
            return True
        if self.shared is not None:
            try:
                return await self.shared.revoked(session_id)
            except Exception as exc:  # Redis away: this process's own view
                log.warning("revocation_unknown", error=repr(exc)[:200])
        return False

    # ---- live updates ------------------------------------------------------------------
    def subscribe(self) -> asyncio.Queue[dict[str, Any] | None]:
        """A bounded queue of updates; None means the stream must end."""
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue(maxsize=SUBSCRIBER_QUEUE)
        self._subscribers.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[dict[str, Any] | None]) -> None:
        self._subscribers.discard(queue)

    def close_streams(self) -> None:
        """Shutdown: end every live stream now instead of at its next ping."""
        for queue in list(self._subscribers):
            self._subscribers.discard(queue)
            try:
                queue.put_nowait(None)
            except asyncio.QueueFull:
                pass

    def _publish(self, transfer: Transfer) -> None:
        event = transfer.public()
        for queue in list(self._subscribers):
            try:
                queue.put_nowait(event)
            except asyncio.QueueFull:  # a stalled browser must not grow memory: drop it
                self._subscribers.discard(queue)
                self.on_drop()


# ---- agent logins ----------------------------------------------------------------------
PBKDF2_ITERATIONS = 200_000
HASHING_AT_ONCE = 2  # password checks running at once (worker threads, off the event loop)
TRACKED_KEYS = 10_000  # accounts and addresses remembered by the login guard, at most


def hash_password(password: str, salt: bytes | None = None) -> str:
    """pbkdf2_sha256$iterations$salt$hash, for `handoff.agents[].password_hash`."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
    return "$".join(
        ["pbkdf2_sha256", str(PBKDF2_ITERATIONS), salt.hex(), base64.b64encode(digest).decode()]
    )


def check_password(password: str, stored: str) -> bool:
    """Blocking (~50-85 ms of CPU): call it through `verify_password`, never on the loop."""
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    got = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(base64.b64encode(got).decode(), digest)


_UNKNOWN_ACCOUNT_HASH: str | None = None  # checked for unknown accounts: the same work
# worker threads of their own: a burst of logins neither blocks the event loop nor takes the
# default executor's threads from other work (pbkdf2 releases the GIL while it runs)
_HASHING = ThreadPoolExecutor(HASHING_AT_ONCE, thread_name_prefix="password")


async def verify_password(password: str, stored: str | None) -> bool:
    """Check a password off the event loop, at most HASHING_AT_ONCE at a time; an unknown
    account (`stored` None) costs the same time."""
    global _UNKNOWN_ACCOUNT_HASH
    loop = asyncio.get_running_loop()
    if _UNKNOWN_ACCOUNT_HASH is None:
        _UNKNOWN_ACCOUNT_HASH = await loop.run_in_executor(
            _HASHING, hash_password, secrets.token_hex(16)
        )
    target = stored or _UNKNOWN_ACCOUNT_HASH
    ok = await loop.run_in_executor(_HASHING, check_password, password, target)
    return ok and stored is not None


class LoginGuard:
    """Wrong passwords per account and per address: past the limit within the window, that
    account or address is locked out. An attempt counts from its start (until it succeeds),
    so a burst of simultaneous guesses is cut off at the limit too. Unknown accounts are
    counted and locked like known ones (a lockout says nothing about who exists)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._failures: OrderedDict[str, list[float]] = OrderedDict()
        # by when each lock was set (oldest first), so expired locks leave from the front
        self._locked_until: OrderedDict[str, float] = OrderedDict()

    def locked(self, keys: list[str]) -> bool:
        """True when any of these accounts or addresses is locked out now."""
        now = self._clock()
        for key in keys:
            if self._locked_until.get(key, 0) > now:
                return True
            self._locked_until.pop(key, None)
        return False

    def attempt(self, keys: list[tuple[str, int]], window_s: float, lockout_s: float) -> None:
        """Count an attempt (taken back by `succeeded`); lock keys that reach their limit."""
        now = self._clock()
        for key, limit in keys:
            times = [t for t in self._failures.pop(key, []) if t > now - window_s]
            times.append(now)
            self._failures[key] = times
            if len(times) >= limit:
                self._locked_until.pop(key, None)
                self._locked_until[key] = now + lockout_s
        while len(self._failures) > TRACKED_KEYS:  # bounded memory under a spray of names
            self._failures.popitem(last=False)
        # A lock was only dropped when its own key came back: a spray of names each locked
        # once grew this for ever. Expired locks go now, and at most TRACKED_KEYS are kept.
        while self._locked_until and (
            next(iter(self._locked_until.values())) <= now or len(self._locked_until) > TRACKED_KEYS
        ):
            self._locked_until.popitem(last=False)

    def succeeded(self, keys: list[tuple[str, int]]) -> None:
        """The attempt was right: it does not count, nor lock what it alone would have."""
        for key, limit in keys:
            times = self._failures.get(key)
            if times:
                times.pop()
            if len(times or []) < limit:
                self._locked_until.pop(key, None)


def _fingerprint(password_hash: str) -> str:
    """Changes when the agent's password does: old logins stop working."""
    return hashlib.sha256(password_hash.encode()).hexdigest()[:16]


def session_cookie(secret: bytes, agent: Agent, ttl_s: int = 12 * 3600) -> str:
    """agent|expires|session id|mac, the mac also over the agent's password hash."""
    expires = str(int(time.time()) + ttl_s)
    sid = secrets.token_urlsafe(12)
    fp = _fingerprint(agent.password_hash.get_secret_value())
    mac = hmac.new(secret, f"{agent.id}|{expires}|{sid}|{fp}".encode(), hashlib.sha256)
    return f"{agent.id}|{expires}|{sid}|{mac.hexdigest()}"


def cookie_session(
    secret: bytes, cookie: str | None, agents: dict[str, Agent]
) -> tuple[Agent, str, int] | None:
    """(agent, session id, expiry) of a valid, unexpired session cookie of an agent who is
    still configured with the same password; revocation (logout) is checked by the desk."""
    if not cookie or cookie.count("|") != 3:
        return None
    agent_id, expires, sid, mac = cookie.split("|")
    agent = agents.get(agent_id)
    if agent is None or not expires.isdigit() or int(expires) < time.time():
        return None
    fp = _fingerprint(agent.password_hash.get_secret_value())
    good = hmac.new(secret, f"{agent_id}|{expires}|{sid}|{fp}".encode(), hashlib.sha256)
    if not hmac.compare_digest(mac, good.hexdigest()):
        return None
    return agent, sid, int(expires)
