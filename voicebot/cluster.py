"""What several service processes behind one public URL share, through Redis.

Twilio may send a call's webhook, its media stream and the transfer callbacks to different
processes, and an agent's desk page may be served by yet another. So, with `server.redis_url`
set: the desk's transfers are kept in Redis and every change is broadcast to all processes
(each forwards it to its own desk pages), and "this CallSid was already answered" (webhook
replay protection) is one atomic `SET NX` for all. Business data and call records are in the
shared database (`store.database_url`, PostgreSQL). Without Redis a process keeps this state
in memory, which is right for a single process.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any, Protocol

import redis.asyncio as aioredis
import structlog

log = structlog.get_logger(__name__)

TRANSFER_TTL_S = 24 * 3600  # a transfer is desk business for a day (governance.*_hours)
CALLBACK_TTL_S = 96 * 3600  # a callback ticket, over a long weekend
KEPT_TRANSFERS = 500


class Shared(Protocol):
    """Cross-process state: answered calls, transfers and their live updates."""

    origin: str  # this process, so it can skip its own broadcasts

    async def claim_call(self, call_sid: str, ttl_s: int) -> bool:
        """True for the first webhook of this CallSid within `ttl_s` (any process)."""
        ...

    async def save_transfer(self, data: dict[str, Any]) -> None:
        """Store a transfer and broadcast it to every process."""
        ...

    async def transfer(self, transfer_id: str) -> dict[str, Any] | None: ...

    async def transfers(self) -> list[dict[str, Any]]:
        """The kept transfers, oldest first."""
        ...

    async def add_callback(self, ticket: dict[str, Any]) -> None: ...

    async def callbacks(self) -> list[dict[str, Any]]:
        """The callback tickets not yet expired, oldest first."""
        ...

    async def forget_calls(self, call_sids: set[str]) -> int:
        """Delete the transfers and callback tickets of these calls (a deletion request)."""
        ...

    async def revoke(self, session_id: str, ttl_s: int) -> None:
        """An agent's login that logged out: refused by every process until it expires."""
        ...

    async def revoked(self, session_id: str) -> bool: ...

    async def login_locked(self, keys: list[str]) -> bool:
        """Any of these accounts or addresses is locked out (by any process)."""
        ...

    async def login_attempt(
        self, keys: list[tuple[str, int]], window_s: int, lockout_s: int
    ) -> str:
        """Count a login attempt against each (key, limit), locking the keys that reach
        their limit within `window_s` for `lockout_s`; the attempt's id, for
        `login_succeeded`."""
        ...

    async def login_succeeded(self, keys: list[tuple[str, int]], attempt: str) -> None:
        """The attempt was right: it does not count, nor lock what it alone would have."""
        ...

    def updates(self) -> AsyncIterator[dict[str, Any]]:
        """Transfers changed by other processes, as they happen."""
        ...

    async def close(self) -> None: ...


class RedisShared:
    """`Shared` over one Redis server (keys under `prefix`)."""

    def __init__(
        self,
        url: str,
        prefix: str = "voicebot",
        timeout_s: float = 2,
        transfer_ttl_s: int = TRANSFER_TTL_S,
        callback_ttl_s: int = CALLBACK_TTL_S,
    ) -> None:
        self._redis = aioredis.from_url(
            url, decode_responses=True, socket_timeout=timeout_s, socket_connect_timeout=timeout_s
        )
        self._p = prefix
        self.origin = uuid.uuid4().hex[:12]
        self._transfer_ttl_s, self._callback_ttl_s = transfer_ttl_s, callback_ttl_s

    async def claim_call(self, call_sid: str, ttl_s: int) -> bool:
        return bool(await self._redis.set(f"{self._p}:answered:{call_sid}", self.origin,
                                          nx=True, ex=ttl_s))  # fmt: skip

    async def save_transfer(self, data: dict[str, Any]) -> None:
        payload = json.dumps(data, ensure_ascii=False)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(f"{self._p}:transfer:{data['id']}", payload, ex=self._transfer_ttl_s)
            pipe.zadd(f"{self._p}:transfers", {data["id"]: float(data["created_at"])})
            pipe.zremrangebyrank(f"{self._p}:transfers", 0, -KEPT_TRANSFERS - 1)
            pipe.publish(f"{self._p}:desk", json.dumps({"origin": self.origin, "transfer": data}))
            await pipe.execute()

    async def transfer(self, transfer_id: str) -> dict[str, Any] | None:
        raw = await self._redis.get(f"{self._p}:transfer:{transfer_id}")
        return json.loads(raw) if raw else None

    async def transfers(self) -> list[dict[str, Any]]:
        return await self._listed("transfers", "transfer")

    async def add_callback(self, ticket: dict[str, Any]) -> None:
        payload = json.dumps(ticket, ensure_ascii=False)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.set(f"{self._p}:callback:{ticket['id']}", payload, ex=self._callback_ttl_s)
            pipe.zadd(f"{self._p}:callbacks", {ticket["id"]: float(ticket["created_at"])})
            pipe.zremrangebyrank(f"{self._p}:callbacks", 0, -KEPT_TRANSFERS - 1)
            await pipe.execute()

    async def callbacks(self) -> list[dict[str, Any]]:
        return await self._listed("callbacks", "callback")

    async def _listed(self, index: str, kind: str) -> list[dict[str, Any]]:
        ids = [str(i) for i in await self._redis.zrange(f"{self._p}:{index}", 0, -1)]
        if not ids:
            return []
        raws = await self._redis.mget([f"{self._p}:{kind}:{i}" for i in ids])
        gone = [i for i, raw in zip(ids, raws, strict=True) if not raw]
        if gone:  # expired: drop them from the index too
            await self._redis.zrem(f"{self._p}:{index}", *gone)
        return [json.loads(raw) for raw in raws if raw]

    async def forget_calls(self, call_sids: set[str]) -> int:
        if not call_sids:
            return 0
        doomed: list[tuple[str, str, str]] = []
        for index, kind in (("transfers", "transfer"), ("callbacks", "callback")):
            doomed += [
                (index, kind, str(item["id"]))
                for item in await self._listed(index, kind)
                if item.get("call_sid") in call_sids
            ]
        if doomed:
            async with self._redis.pipeline(transaction=True) as pipe:
                for index, kind, item_id in doomed:
                    pipe.delete(f"{self._p}:{kind}:{item_id}")
                    pipe.zrem(f"{self._p}:{index}", item_id)
                await pipe.execute()
        return len(doomed)

    async def revoke(self, session_id: str, ttl_s: int) -> None:
        await self._redis.set(f"{self._p}:revoked:{session_id}", "1", ex=max(1, ttl_s))

    async def revoked(self, session_id: str) -> bool:
        return bool(await self._redis.exists(f"{self._p}:revoked:{session_id}"))

    # Login failures: a sorted set of attempt times per account or address, and a lock key
    # with the lockout as its expiry; every process counts and honours the same ones.
    async def login_locked(self, keys: list[str]) -> bool:
        return bool(await self._redis.exists(*[f"{self._p}:login:lock:{k}" for k in keys]))

    async def login_attempt(
        self, keys: list[tuple[str, int]], window_s: int, lockout_s: int
    ) -> str:
        now = time.time()
        attempt = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        async with self._redis.pipeline(transaction=True) as pipe:
            for key, _ in keys:
                tries = f"{self._p}:login:tries:{key}"
                pipe.zremrangebyscore(tries, 0, now - window_s)
                pipe.zadd(tries, {attempt: now})
                pipe.zcard(tries)
                pipe.expire(tries, window_s)
            counts = (await pipe.execute())[2::4]
        reached = [key for (key, limit), n in zip(keys, counts, strict=True) if n >= limit]
        if reached:
            async with self._redis.pipeline(transaction=True) as pipe:
                for key in reached:
                    pipe.set(f"{self._p}:login:lock:{key}", "1", ex=max(1, lockout_s))
                await pipe.execute()
        return attempt

    async def login_succeeded(self, keys: list[tuple[str, int]], attempt: str) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key, _ in keys:
                pipe.zrem(f"{self._p}:login:tries:{key}", attempt)
                pipe.zcard(f"{self._p}:login:tries:{key}")
            counts = (await pipe.execute())[1::2]
        below = [key for (key, limit), n in zip(keys, counts, strict=True) if n < limit]
        if below:
            await self._redis.delete(*[f"{self._p}:login:lock:{k}" for k in below])

    async def updates(self) -> AsyncIterator[dict[str, Any]]:
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        await pubsub.subscribe(f"{self._p}:desk")
        try:
            while True:
                # a bounded wait, so a lost connection surfaces as an error, not a hang
                message = await pubsub.get_message(timeout=1.0)
                if message is None:
                    continue
                event = json.loads(message["data"])
                if event.get("origin") != self.origin:
                    yield event["transfer"]
        finally:
            await pubsub.aclose()

    async def close(self) -> None:
        await self._redis.aclose()
