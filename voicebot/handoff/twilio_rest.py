"""Moving a live call with Twilio's REST API, and the TwiML of the transfer legs."""

from __future__ import annotations

import asyncio
from urllib.parse import quote

from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.rest import Client
from twilio.twiml.voice_response import Dial, Number, VoiceResponse

from voicebot.config import Settings

WHISPER_PATH = "/twilio/whisper"
DIAL_DONE_PATH = "/twilio/dial-done"
HOLD_AUDIO_PATH = "/twilio/hold-audio.wav"


def transfer_twiml(settings: Settings, transfer_id: str, number: str, warm: bool) -> str:
    """Hold audio, then dial the agent; the agent hears the whisper before the bridge."""
    base = settings.server.public_url
    query = f"?transfer={quote(transfer_id)}"
    response = VoiceResponse()
    response.play(base + HOLD_AUDIO_PATH)
    dial = Dial(
        answer_on_bridge=True,
        timeout=settings.handoff.dial_timeout_s,
        action=base + DIAL_DONE_PATH + query,
        method="POST",
    )
    if warm:
        dial.append(Number(number, url=base + WHISPER_PATH + query, method="POST"))
    else:
        dial.number(number)
    response.append(dial)
    return str(response)


def whisper_twiml(text: str) -> str:
    response = VoiceResponse()
    response.say(text, language="es-MX")
    return str(response)


class TwilioRest:
    """The twilio library's async client; `twilio.api_base_url` lets tests use a stand-in."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._http = AsyncTwilioHttpClient(timeout=settings.twilio.rest_timeout_s)
        self._client = Client(
            settings.twilio.account_sid or "AC" + "0" * 32,
            settings.twilio.auth_token.get_secret_value(),
            http_client=self._http,
        )
        self._client.api.base_url = settings.twilio.api_base_url.rstrip("/")

    async def redirect(self, call_sid: str, twiml: str) -> None:
        """Replace the live call's TwiML (Twilio then ends the media stream with `stop`)."""
        await asyncio.wait_for(
            self._client.calls(call_sid).update_async(twiml=twiml),
            self._settings.twilio.rest_timeout_s + 1,
        )

    async def send_sms(self, to: str, body: str) -> str:
        """Send a text message from `twilio.sms_from`; returns the message sid."""
        message = await asyncio.wait_for(
            self._client.messages.create_async(
                to=to, from_=self._settings.twilio.sms_from, body=body
            ),
            self._settings.twilio.rest_timeout_s + 1,
        )
        return str(message.sid)

    async def close(self) -> None:
        await self._http.close()
