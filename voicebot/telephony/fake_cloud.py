"""A stand-in for Twilio's cloud: the REST API for live calls, and how Twilio then acts.

`POST /2010-04-01/Accounts/{AC}/Calls/{CA}.json` with new TwiML is recorded; like Twilio, the
stand-in then ends that call's media stream with `stop`, fetches `<Play>` audio, asks the
`<Number url>` for the agent's whisper (signed POST), posts the `<Dial action>` with the
configured `DialCallStatus`, and if the answer is a new `<Connect><Stream>` it opens that
stream for the same call. Used by `voicebot simulate` and the tests.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestServer

from voicebot.telephony.fake_twilio import FakeTwilioCall
from voicebot.telephony.twiml import sign


@dataclass
class CallLeg:
    """What happened to one call after its TwiML was replaced."""

    twiml: str
    play_status: int | None = None
    whisper_twiml: str | None = None
    dial_status: str | None = None
    action_twiml: str | None = None
    resumed: FakeTwilioCall | None = None
    done: asyncio.Event = field(default_factory=asyncio.Event)


class FakeTwilioCloud:
    """Twilio REST stand-in on 127.0.0.1 that drives the fake calls it knows."""

    def __init__(self, auth_token: str, agent_answers: str = "completed") -> None:
        self.auth_token = auth_token
        self.agent_answers = agent_answers  # DialCallStatus: completed | no-answer | busy
        self.requests: list[dict[str, Any]] = []
        self.calls: dict[str, FakeTwilioCall] = {}
        self.legs: dict[str, CallLeg] = {}
        self.fail_with: int | None = None  # answer REST calls with this HTTP status
        self.messages: list[dict[str, str]] = []  # text messages sent (To, From, Body)
        self._server: TestServer | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def __aenter__(self) -> FakeTwilioCloud:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{account}/Calls/{call}.json", self._update)
        app.router.add_post("/2010-04-01/Accounts/{account}/Messages.json", self._message)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for leg in self.legs.values():
            if leg.resumed is not None:
                await leg.resumed.__aexit__(None, None, None)
        if self._server is not None:
            await self._server.close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return str(self._server.make_url("")).rstrip("/")

    async def moved(self, call_sid: str, limit_s: float = 30) -> CallLeg:
        """Wait until the service replaced this call's TwiML and the cloud acted on it."""
        async with asyncio.timeout(limit_s):
            while call_sid not in self.legs:  # noqa: ASYNC110 - set by the REST handler
                await asyncio.sleep(0.05)
            leg = self.legs[call_sid]
            await leg.done.wait()
        return leg

    def track(self, call: FakeTwilioCall) -> FakeTwilioCall:
        """Let the cloud act on this call when its TwiML is replaced."""
        self.calls[call.call_sid] = call
        return call

    async def _update(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        call_sid = request.match_info["call"].removesuffix(".json")
        self.requests.append(
            {"path": request.path, "form": form, "auth": request.headers.get("Authorization")}
        )
        if self.fail_with is not None:
            return web.json_response({"code": 20500, "message": "fail"}, status=self.fail_with)
        if call_sid not in self.calls or "Twiml" not in form:
            return web.json_response({"code": 20404, "message": "not found"}, status=404)
        leg = self.legs[call_sid] = CallLeg(form["Twiml"])
        task = asyncio.create_task(self._execute(call_sid, leg))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response({"sid": call_sid, "status": "in-progress"})

    async def _message(self, request: web.Request) -> web.Response:
        form = {k: str(v) for k, v in (await request.post()).items()}
        if self.fail_with is not None:
            return web.json_response({"code": 20500, "message": "fail"}, status=self.fail_with)
        if not form.get("To") or not form.get("Body"):
            return web.json_response({"code": 21604, "message": "To and Body required"}, status=400)
        self.messages.append(form)
        sid = f"SM{len(self.messages):032d}"
        return web.json_response(
            {"sid": sid, "status": "queued", "to": form["To"], "from": form.get("From"),
             "body": form["Body"], "account_sid": request.match_info["account"]},
            status=201,
        )  # fmt: skip

    async def _post_signed(
        self, http: aiohttp.ClientSession, url: str, form: dict[str, str]
    ) -> str:
        headers = {"X-Twilio-Signature": sign(self.auth_token, url, form)}
        async with http.post(url, data=form, headers=headers) as resp:
            return await resp.text()

    async def _execute(self, call_sid: str, leg: CallLeg) -> None:
        call = self.calls[call_sid]
        await call.hangup()  # new TwiML ends the <Connect><Stream>: Twilio sends `stop`
        root = ElementTree.fromstring(leg.twiml)
        async with aiohttp.ClientSession() as http:
            play = root.find("Play")
            if play is not None and play.text:
                async with http.get(play.text) as resp:
                    await resp.read()
                    leg.play_status = resp.status
            dial = root.find("Dial")
            if dial is not None:
                number = dial.find("Number")
                agent_leg = "CA" + uuid.uuid4().hex
                if self.agent_answers == "completed" and number is not None and number.get("url"):
                    form = {
                        "CallSid": agent_leg,
                        "To": number.text or "",
                        "CallStatus": "in-progress",
                    }
                    leg.whisper_twiml = await self._post_signed(http, number.get("url", ""), form)
                leg.dial_status = self.agent_answers
                action = dial.get("action")
                if action:
                    form = {
                        "CallSid": call_sid,
                        "From": call.caller,  # Twilio sends the call's own parameters too
                        "DialCallStatus": self.agent_answers,
                        "DialCallSid": agent_leg,
                    }
                    leg.action_twiml = await self._post_signed(http, action, form)
        if leg.action_twiml:
            stream = ElementTree.fromstring(leg.action_twiml).find("./Connect/Stream")
            if stream is not None:
                params = {
                    p.get("name", ""): p.get("value", "") for p in stream.findall("Parameter")
                }
                resumed = FakeTwilioCall(
                    call.base_url,
                    self.auth_token,
                    call_sid=call_sid,
                    caller=call.caller,
                    stream=(stream.get("url", ""), params),
                )
                leg.resumed = await resumed.__aenter__()
        leg.done.set()
