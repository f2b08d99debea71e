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
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import structlog

from voicebot.cluster import Shared
from voicebot.config import Agent
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
    caller: str  # E.164, shown masked
    reason: str
    summary: Summary
    transcript: list[dict[str, str]]
    agent_id: str | None
    status: Status = "ringing"
    created_at: float = field(default_factory=time.time)
    outcome: Outcome | None = None
    notes: str = ""
    history: list[dict[str, Any]] = field(default_factory=list)

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
            "id": f"CB{len(self.callbacks) + 1:05d}",
            "call_sid": call_sid,
            "caller": caller,
            "reason": reason,
            "summary": summary.as_dict(),
            "created_at": time.time(),
        }
        self.callbacks.append(ticket)
        if self.shared is not None:
            await self.shared.add_callback(ticket)
        log.info("callback_ticket", ticket=ticket["id"], call_sid=call_sid, reason=reason)
        return ticket

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


def hash_password(password: str, salt: bytes | None = None) -> str:
    """pbkdf2_sha256$iterations$salt$hash, for `handoff.agents[].password_hash`."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, PBKDF2_ITERATIONS)
    return "$".join(
        ["pbkdf2_sha256", str(PBKDF2_ITERATIONS), salt.hex(), base64.b64encode(digest).decode()]
    )


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, iterations, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    got = hashlib.pbkdf2_hmac("sha256", password.encode(), bytes.fromhex(salt), int(iterations))
    return hmac.compare_digest(base64.b64encode(got).decode(), digest)


def session_cookie(secret: bytes, agent_id: str, ttl_s: int = 12 * 3600) -> str:
    expires = str(int(time.time()) + ttl_s)
    mac = hmac.new(secret, f"{agent_id}|{expires}".encode(), hashlib.sha256).hexdigest()
    return f"{agent_id}|{expires}|{mac}"


def cookie_agent(secret: bytes, cookie: str | None) -> str | None:
    """The agent id of a valid, unexpired session cookie."""
    if not cookie or cookie.count("|") != 2:
        return None
    agent_id, expires, mac = cookie.split("|")
    good = hmac.new(secret, f"{agent_id}|{expires}".encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(mac, good) or not expires.isdigit() or int(expires) < time.time():
        return None
    return agent_id
