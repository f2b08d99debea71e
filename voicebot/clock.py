"""The call's sense of time, injected so call logic runs in virtual time in tests."""

from __future__ import annotations

import asyncio
from typing import Protocol


class Clock(Protocol):
    """Monotonic seconds and sleeping on them."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class LoopClock:
    """The running event loop's clock: the one `asyncio.timeout` and `asyncio.sleep` use, so a
    test that fast-forwards the loop moves every timer of the call together."""

    def now(self) -> float:
        return asyncio.get_running_loop().time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
