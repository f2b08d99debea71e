"""The text channel: `POST /channels/chat`, the same engine as a call for WhatsApp or web chat.

JSON in: {"conversation_id"?: str, "phone": "+57…", "text": "…"}; JSON out: {"conversation_id",
"reply": [sentences], "tools": [...], "end": null | "goodbye" | transfer reason}. The same
rules, tools, templates, model and customer memory as a call: a customer who chatted and then
calls is greeted about what they chatted about. Authenticated by `server.chat_token` (off when
empty), conversations kept in memory (bounded, least recently used dropped).
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import structlog
from aiohttp import web
from pydantic import BaseModel, Field, ValidationError, field_validator

from voicebot.access import require_bearer, requires
from voicebot.dialogue.llm import Message
from voicebot.dialogue.policy import EndCall, ReplyStats
from voicebot.dialogue.retail import Concierge
from voicebot.dialogue.understanding import e164
from voicebot.services import SERVICES

log = structlog.get_logger(__name__)

CHAT_PATH = "/channels/chat"
MAX_CONVERSATIONS = 1000


class ChatRequest(BaseModel):
    conversation_id: str | None = Field(None, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    phone: str = ""
    text: str = Field(min_length=1, max_length=1000)

    @field_validator("phone")
    @classmethod
    def _e164(cls, v: str) -> str:
        return e164(v) if v else v


@dataclass
class Conversation:
    concierge: Concierge | None
    phone: str
    history: list[Message] = field(default_factory=list)
    remembered: int = 0  # notes already written to the customer's memory


CONVERSATIONS = web.AppKey("conversations", OrderedDict[str, Conversation])


async def channel_token(request: web.Request) -> str:
    """The access check of the chat channel: its bearer token (`server.chat_token`)."""
    settings = request.config_dict[SERVICES].settings
    require_bearer(request, settings.server.chat_token.get_secret_value())
    return "channel"


@requires("channel")
async def chat(request: web.Request) -> web.Response:
    services = request.config_dict[SERVICES]
    try:
        body = ChatRequest.model_validate(await request.json())
    except (ValueError, ValidationError) as exc:
        raise web.HTTPBadRequest(text=f"invalid chat message: {str(exc)[:300]}") from exc
    conversations = request.config_dict[CONVERSATIONS]
    cid = body.conversation_id or secrets.token_hex(8)
    conv = conversations.get(cid)
    if conv is None or conv.phone != body.phone:
        conv = Conversation(services.concierge(body.phone, "chat", actor=f"chat:{cid}"), body.phone)
        if conv.concierge is not None and body.phone:
            await conv.concierge.greeting()  # loads the customer and their context
        conversations[cid] = conv
    conversations.move_to_end(cid)
    while len(conversations) > MAX_CONVERSATIONS:
        conversations.popitem(last=False)

    calls_before = len(conv.concierge.tools.calls) if conv.concierge else 0
    reply: list[str] = []
    end: str | None = None
    async for part in services.dialogue.reply(
        conv.history, body.text, ReplyStats(), conv.concierge
    ):
        if isinstance(part, EndCall):
            end = part.reason
            reply.append(services.settings.phrase(part.phrase))
            break
        reply.append(part.text)
    conv.history += [Message("user", body.text), Message("assistant", " ".join(reply))]
    tools: list[dict[str, Any]] = []
    if conv.concierge is not None:
        tools = [
            {"name": c.name, "args": c.args, "result": c.result}
            for c in conv.concierge.tools.calls[calls_before:]
        ]
        await _remember(services, conv)
    return web.json_response({"conversation_id": cid, "reply": reply, "tools": tools, "end": end})


async def _remember(services: Any, conv: Conversation) -> None:
    """Each chat turn that did something is remembered at once (a chat has no hang-up)."""
    concierge = conv.concierge
    if concierge is None or services.records is None or len(concierge.notes) == conv.remembered:
        return
    memory = concierge.interaction()
    if memory is not None:
        try:
            await services.records.remember(memory)
        except Exception as exc:
            log.error("chat_memory_not_saved", error=repr(exc)[:200])
            return
    conv.remembered = len(concierge.notes)


def channels_app() -> web.Application:
    """Text channels, mounted at `/channels`."""
    app = web.Application()
    app[CONVERSATIONS] = OrderedDict()
    app.router.add_post(CHAT_PATH.removeprefix("/channels"), chat)
    return app
