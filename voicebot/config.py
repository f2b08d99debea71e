"""The one typed settings object, built at start-up from YAML plus environment secrets.

Nothing else in the package reads environment variables.

Defaults: the packaged `defaults.yaml` is what the service runs with and documents every knob;
a code default here is either the same value or empty ("none until configured"), which
`tests/test_config.py` checks, so a section built in code behaves like the running service.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from voicebot.models import DEFAULT_MODELS_DIR

DEFAULTS_FILE = Path(__file__).with_name("defaults.yaml")
ENV_PREFIX = "VOICEBOT_"
CONFIG_ENV = "VOICEBOT_CONFIG"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ServerSettings(_Section):
    host: str = "0.0.0.0"
    port: int = Field(8080, ge=0, le=65535)
    public_url: str = "http://127.0.0.1:8080"
    drain_timeout_s: float = Field(30, ge=0)  # on SIGTERM, calls get this long to finish
    max_calls: int = Field(6, ge=1)  # more go to a person: admission control
    chat_token: SecretStr = SecretStr("")  # bearer token of POST /channels/chat; empty: off
    watch_config: bool = True  # reload the config file when it changes (also SIGHUP, API)
    # several processes behind one URL share transfers and answered calls here (and use a
    # PostgreSQL store.database_url); empty: one process, state in memory
    redis_url: str = ""

    @field_validator("public_url")
    @classmethod
    def _no_trailing_slash(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("public_url must start with http:// or https://")
        return v.rstrip("/")


class TwilioSettings(_Section):
    auth_token: SecretStr = SecretStr("")
    previous_auth_token: SecretStr = SecretStr("")  # still accepted while rotating tokens
    account_sid: str = ""
    validate_signatures: bool = True
    api_base_url: str = "https://api.twilio.com"  # tests point it at a local stand-in
    rest_timeout_s: float = Field(5, gt=0)
    sms_from: str = "+15005550006"  # the store's SMS-capable number (E.164) or messaging service

    def accepted_tokens(self) -> list[str]:
        """Auth tokens whose signatures are accepted (current first)."""
        tokens = [self.auth_token.get_secret_value(), self.previous_auth_token.get_secret_value()]
        return [t for t in tokens if t]


class AudioSettings(_Section):
    vad: Literal["webrtc", "silero"] = "silero"  # which voice activity detector hears the caller
    vad_aggressiveness: int = Field(2, ge=0, le=3)  # webrtcvad's
    silero_model: str = "silero_vad.onnx"  # a file under models_dir or a path
    silero_threshold: float = Field(0.5, gt=0.15, lt=1)
    speech_start_ms: int = Field(60, ge=20)
    end_of_turn_silence_ms: int = Field(600, ge=100)
    speculative_asr_ms: int = Field(200, ge=0)  # transcribe at this much silence; 0: off
    # End the turn at this much silence when the speculative transcript sounds finished (no
    # trailing "de", "y", digit...), instead of waiting `end_of_turn_silence_ms`; 0: off.
    early_end_silence_ms: int = Field(300, ge=0)
    # ...and keep the turn open up to this much silence while that transcript is still being
    # written or trails off (a number dictated in groups, "quiero saber..."); 0: off.
    unfinished_silence_ms: int = Field(1000, ge=0)
    barge_in_ms: int = Field(600, ge=60)  # "sí" is ~450 ms: shorter is a backchannel
    # The bot pauses as soon as the caller starts talking over it, and goes on from where the
    # caller stopped hearing after a backchannel or a noise; off: it talks on until barge-in.
    pause_on_speech: bool = True
    min_utterance_ms: int = Field(120, ge=20)
    max_utterance_s: float = Field(15, gt=0)
    outbound_lead_ms: int = Field(100, ge=0, le=2000)
    idle_reprompt_s: float = Field(8, gt=0)
    idle_reprompts_before_hangup: int = Field(2, ge=0)


class CallTimings(_Section):
    """How the call session paces itself around its phrases and checks."""

    idle_check_s: float = Field(0.25, gt=0)  # how often a silent line is looked at
    filler_check_s: float = Field(0.05, gt=0)  # how often a slow reply is looked at
    closing_margin_s: float = Field(3.0, ge=0)  # after the closing phrase, for late marks
    closing_unrendered_s: float = Field(5.0, ge=0)  # a closing phrase without audio plays ~this
    hold_play_limit_s: float = Field(10.0, gt=0)  # the hold phrase plays before the transfer
    empty_turn_reprompt_s: float = Field(1.0, ge=0)  # a wordless turn this long is asked again
    # the caller talks again this soon after a turn, before hearing any of its reply: the two
    # are one request, answered together (a pause between two sentences)
    going_on_s: float = Field(1.0, ge=0)


class AsrSettings(_Section):
    model: str = "whisper-base"
    compute_type: str = "int8"
    beam_size: int = Field(1, ge=1)
    cpu_threads: int = Field(2, ge=1)  # per pass
    workers: int = Field(2, ge=1)  # passes at once (calls' turns that coincide)
    timeout_s: float = Field(8, gt=0)
    # Whisper's encoder reads 30 s whatever the turn's length; a caller's turn of a few seconds
    # is encoded in a window of its length + `window_margin_s` of silence, at least `window_s`
    # (0: always 30 s, as Whisper was trained).
    window_s: float = Field(10, ge=0, le=30)
    window_margin_s: float = Field(2, ge=0.5, le=10)
    no_speech_threshold: float = Field(0.6, ge=0, le=1)
    # English heard in the first caller turn (and while the caller keeps to it) is transcribed
    # as English when Whisper is this sure of it (one more encoder pass); 1: always Spanish
    english_threshold: float = Field(0.6, ge=0, le=1)
    hotwords: str = ""
    hallucinations: list[str] = []


class LlamaServerSettings(_Section):
    """llama.cpp's own server, started by the service (llm.backend: llamacpp-server)."""

    binary: str = "bin/llama-server"  # under models_dir (scripts/setup.sh builds it) or a path
    # replies generated together (parallel slots, continuous batching); each slot gets
    # llm.context_tokens of context, so the server allocates slots x context_tokens
    slots: int = Field(4, ge=1)
    start_timeout_s: float = Field(60, gt=0)  # from spawn to /health answering 200
    cache_ram_mib: int = Field(256, ge=0)  # prompt cache of idle slots in RAM; 0: off


class LlmSettings(_Section):
    backend: Literal["llamacpp", "llamacpp-server", "transformers", "openai"] = "llamacpp"
    model: str = "qwen0.5b-q4_k_m.gguf"
    # a LoRA adapter for `model`: a folder under models_dir (its GGUF for llamacpp, its peft
    # files for transformers) or a path; "": the base model alone
    adapter: str = "lora"
    base_url: str = "http://127.0.0.1:8000/v1"
    api_key: SecretStr = SecretStr("")
    max_new_tokens: int = Field(60, ge=1)
    context_tokens: int = Field(2048, ge=256)  # llamacpp: its context window (server: a slot's)
    max_sentences: int = Field(3, ge=1)
    # a model sentence longer than this is cut at a clause, or dropped (dialogue/guards.py)
    max_sentence_words: int = Field(30, ge=5)
    cpu_threads: int = Field(2, ge=1)
    first_token_timeout_s: float = Field(6, gt=0)
    filler_after_s: float = Field(2.0, gt=0)  # after the caller's turn; no reply yet: filler
    # ...or this soon when other calls' replies are queued in front of this one on the model
    filler_when_busy_s: float = Field(0.5, ge=0)
    brief_when_busy: bool = True  # other calls wait for the model: answer in one sentence
    timeout_s: float = Field(15, gt=0)
    server: LlamaServerSettings = LlamaServerSettings()


class TtsSettings(_Section):
    # The chain: the first voice is the default, each next one takes over when the one before
    # fails or (for a reply's first audio) would be later than first_audio_budget_ms.
    voices: list[Literal["kokoro", "pico", "espeak", "piper"]] = Field(
        ["kokoro", "pico", "espeak"], min_length=1
    )
    kokoro_voice: Literal["em_alex", "ef_dora", "em_santa"] = "ef_dora"
    speed: float = Field(1.0, ge=0.5, le=2.0)  # Kokoro's speaking rate
    gain: float = Field(0.9, gt=0, le=2.0)  # Kokoro's output level (1.0: as the model makes it)
    cpu_threads: int = Field(2, ge=1)  # Kokoro's onnxruntime threads
    first_audio_budget_ms: int = Field(700, ge=0)
    cache_dir: str = "tts-cache"  # pre-rendered fixed text: a folder under models_dir or a path
    pico_volume: int = Field(50, ge=1, le=500)  # Pico's 100 clips ~1 % of samples
    espeak_voice: str = "es-419+m3"
    speaking_rate_wpm: int = Field(165, ge=80, le=450)  # espeak-ng
    piper_voice: str = ""
    piper_espeak_voice: str = ""
    volume: float = Field(0.8, gt=0, le=1)  # espeak-ng and Piper
    timeout_s: float = Field(5, gt=0)  # one clause on one voice; then the next voice says it
    # a name as written -> as it is said, whole words, case-sensitive: {"Nike": "Náik"}
    pronunciations: dict[str, str] = {}


class Agent(_Section):
    """A human agent of the desk: logs in at /agent, takes warm transfers on `phone`."""

    id: str = Field(pattern=r"^[a-z0-9_.-]{2,32}$")
    name: str
    phone: str = Field(pattern=r"^\+\d{8,15}$")
    password_hash: SecretStr  # `voicebot agent hash-password`
    supervisor: bool = False  # may see the KPI page (/ops)


class BusinessHours(_Section):
    timezone: str = "America/Bogota"
    # weekday (mon..sun) -> "HH:MM-HH:MM"; a missing day is closed
    weekly: dict[Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"], str] = {}
    country_holidays: str = ""  # ISO country code: its public holidays (python-holidays)
    holidays: list[str] = []  # more ISO dates, closed (or `holiday_hours`)
    holiday_hours: str = ""

    @field_validator("country_holidays")
    @classmethod
    def _known_country(cls, v: str) -> str:
        import holidays

        if v and v.upper() not in holidays.list_supported_countries():
            raise ValueError(f"{v!r} is not a country python-holidays knows (try CO)")
        return v.upper()

    @field_validator("weekly")
    @classmethod
    def _ranges(cls, v: dict[str, str]) -> dict[str, str]:
        for day, span in v.items():
            if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)", span):
                raise ValueError(f"{day}: {span!r} is not HH:MM-HH:MM")
        return v


class GovernanceSettings(_Section):
    """Data protection (Ley 1581 de 2012): retention per data class, the admin API's token."""

    ask_consent: bool = True  # ask to record and store (Decreto 1377); unclear or silent is "no"
    # With ask_consent off, the legal basis under which calls are still recorded and kept
    # (e.g. "Ley 1581 art. 10 b: contrato vigente"); empty: none, so a call that was not
    # asked is a call without consent (timings and outcome only, masked number).
    legal_basis: str = ""
    notice_version: str = "2026-11"  # the data-processing notice the consent question refers to
    retention_days_calls: int = Field(90, ge=1)  # call records and their redacted transcripts
    retention_days_memory: int = Field(365, ge=1)  # what is remembered of a customer's contacts
    admin_token: SecretStr = SecretStr("")  # bearer token of /admin/* and /calls/*; empty: off
    # HMAC key of the audit chain (VOICEBOT_GOVERNANCE__AUDIT_KEY_FILE); set it before the
    # first entry is written. Empty: plain sha256, which a database writer could recompute.
    audit_key: SecretStr = SecretStr("")
    # Redis copies of desk transfers (redacted) and callback tickets expire after this
    desk_retention_hours: int = Field(24, ge=1)
    callback_retention_hours: int = Field(96, ge=1)
    # An order's details (items, dates, carrier) are told only to a caller whose number is the
    # order's, or who says the last four digits of that number; off: to anyone with its number.
    verify_order_identity: bool = True
    # When the caller ID counts as the caller's own number (to hear an order's details, the
    # cart, a personal greeting): "attested", only with Twilio's full STIR/SHAKEN attestation
    # (StirVerstat TN-Validation-Passed-A; calls without it prove an order with its number and
    # the last four digits); "always", any caller ID (for trunks that authenticate it).
    caller_id_trust: Literal["attested", "always"] = "attested"


class HandoffSettings(_Section):
    mode: Literal["desk", "cold", "off"] = "desk"
    cold_number: str = ""  # plain number for mode cold, or when no desk agent is online
    dial_timeout_s: int = Field(20, ge=5, le=120)
    # Turns in a row the bot could not use: asked again, again in other words, then a person.
    failed_turns_before_transfer: int = Field(3, ge=1)
    frustration_keywords: list[str] = []
    # A frustrated caller's first concrete complaint ("qué rabia, me llegó partida") hears the
    # apology and the complaint ticket; frustration again, or without a complaint, transfers.
    # False: any frustration transfers at once.
    complaint_before_transfer: bool = True
    sensitive_keywords: list[str] = []
    business_hours: BusinessHours = BusinessHours()
    agents: list[Agent] = []
    session_secret: SecretStr = SecretStr("")  # signs agent login cookies; random if empty
    session_hours: int = Field(12, ge=1, le=72)  # an agent's login lasts this long
    # wrong passwords: after `login_max_failures` for one account (or `login_max_failures_ip`
    # from one address) within `login_window_s`, that account (address) is locked out for
    # `login_lockout_s`
    login_max_failures: int = Field(5, ge=1)
    login_max_failures_ip: int = Field(20, ge=1)
    login_window_s: int = Field(900, ge=1)
    login_lockout_s: int = Field(900, ge=1)


class KpiSettings(_Section):
    """Friction signals per call, the risk flag, and how the /ops page counts FCR."""

    negative_words: list[str] = []  # caller words that count as negative sentiment
    repeat_similarity: int = Field(85, ge=50, le=100)  # % alike: the caller said it again
    slow_turn_s: float = Field(4, gt=0)  # a reply slower than this is a long silence
    weights: dict[Literal["repeats", "misunderstood", "interruptions", "negative", "silences"],
                  int] = {"repeats": 2, "misunderstood": 2, "interruptions": 1, "negative": 3,
                          "silences": 1}  # fmt: skip
    risk_score: int = Field(6, ge=1)  # friction at or above this flags the call for follow-up
    fcr_window_days: int = Field(7, ge=1)  # a call again within this is not a first-call fix
    ops_days: int = Field(14, ge=1, le=400)  # days plotted on /ops


class FaqEntry(_Section):
    """A store fact answered word for word, without the model (`store.faq`)."""

    cues: list[str] = Field(min_length=1)  # any of these in the caller's words (accents ignored)
    answer: str = Field(min_length=1)
    # the trained intent this entry also answers when none of its cues is in the words
    # ("¿aceptan tarjeta?" is a payment question without the word "pago")
    # ("return": the policy said first when a return is asked as a question, "¿hasta cuándo
    # puedo devolver…?", before the bot asks for the order)
    intent: Literal["shipping", "payment", "return"] | None = None
    # its cues answer even when a product is named ("¿hasta cuándo va la promoción de
    # zapatillas?" asks about the promotions, not for a pair of shoes)
    over_products: bool = False


class StoreSettings(_Section):
    name: str = ""  # the packaged defaults.yaml names the sample store
    facts: str = ""  # what the model may say about the store (its system prompt)
    faq: list[FaqEntry] = []  # first match answers a store question in the ops' own words
    backend: Literal["sql", "http"] = "sql"  # sql: our database; http: the store's own REST API
    database_url: str = "sqlite+aiosqlite:///data/voicebot.db"  # or postgresql+asyncpg://...
    seed: str = "sample"  # fills an empty database: "sample", a JSON file path, or "none"
    api_url: str = ""  # base URL of the store's REST API (backend: http)
    api_token: SecretStr = SecretStr("")  # sent as a bearer token to the store's API
    api_timeout_s: float = Field(3, gt=0)
    tool_timeout_s: float = Field(3, gt=0)  # a store call slower than this is a store failure
    # writing a call's record: nobody waits on it, so a loaded database gets longer than a
    # store lookup the caller waits for (at 3 s, records of calls under load were lost)
    save_timeout_s: float = Field(15, gt=0)
    catalog_refresh_s: float = Field(60, gt=0)  # products and stock reloaded this often
    shop_url: str = "https://tienda.example.co"  # links sent by SMS: {shop_url}/p/{sku}
    # the store's secure payment page, texted instead of taking card data by phone
    payment_url: str = "https://tienda.example.co/pagos"
    # order numbers have this many digits; another length is read back before the lookup
    # (a misheard digit); 0: any length from 5 to 8 is taken as said
    order_number_digits: int = Field(5, ge=0, le=8)
    return_days: int = Field(30, ge=0)
    free_shipping_from: int = Field(150000, ge=0)  # pesos; 0: no amount-aware shipping answer
    max_cross_sell_offers: int = Field(1, ge=0)  # per call
    memory_contacts: int = Field(3, ge=0)  # previous contacts recalled for a known customer
    recent_chat_hours: int = Field(48, ge=0)  # a chat this recent is brought up when they call


class DialogueSettings(_Section):
    history_turns: int = Field(6, ge=0)
    system_prompt: str
    # extra instructions for the model when the caller's turn has this intent (understanding's
    # retail intents, or "other" for none); a system message just before the caller's words
    intent_prompts: dict[
        Literal["store_info", "order_status", "product_search", "return", "complaint",
                "callback", "cart", "send_link", "price", "stock", "payment", "shipping",
                "data_rights", "person", "goodbye", "out_of_scope", "other_language",
                "other"], str
    ] = {}  # fmt: skip
    # the store fact (a line of `store.facts`) that shares the most words with the caller's,
    # repeated for the model just before them ({fact}); "": off
    fact_prompt: str
    # the trained intent model (a file under models_dir or a path); "": keyword cues only
    intent_model: str = "intents/intents.npz"
    # below this probability the model's intent is not taken (the keyword cues decide)
    intent_threshold: float = Field(0.7, ge=0, le=1)
    transfer_keywords: list[str]
    csat_survey: bool = False  # after a goodbye, ask for a 1-5 rating by DTMF
    csat_wait_s: float = Field(8, gt=0)
    goodbye_keywords: list[str]
    backchannels: list[str]
    # a short word over the bot that stops it even without a request in it
    interruptions: list[str]
    # "¿me repite?": the bot's last reply again (when the turn asks nothing else)
    repeat_keywords: list[str] = []
    # "espere un momento": the caller needs a moment; phrases.hold_on, nothing else
    wait_keywords: list[str] = []
    # "¿con quién hablo?", "¿usted es una persona?": phrases.who_am_i, before any transfer rule
    # (the words hold "una persona" but ask who answers, not for a person)
    identity_keywords: list[str] = []
    # "no quiero seguir hablando con una máquina, comuníqueme": a person asked for in words
    # that name the machine too; the transfer rules, not the identity answer
    put_through_keywords: list[str] = []


class Phrases(_Section):
    """Everything the caller hears from fixed text; `{store_name}` is filled in."""

    greeting: str
    reprompt: str
    idle_goodbye: str
    transfer: str
    transfer_upset: str  # to a person on frustration: sorry first, no "con gusto"
    farewell: str
    not_understood: str
    go_ahead: str  # to a turn that only greets ("aló, buenas tardes"): the caller goes on
    not_understood_again: str  # the second time in a row, worded differently
    cannot_confirm: str
    technical_problem: str
    # the model gave no first word in time (replies of other calls ahead of it): the call goes
    # on, and a yes to it transfers
    model_busy: str
    hold_on: str  # the caller asked the bot to wait (dialogue.wait_keywords)
    who_am_i: str  # who answers the call (dialogue.identity_keywords): the automated assistant
    hold: str
    agent_unavailable: str
    out_of_hours: str
    technical_callback: str
    filler: str
    consent_question: str
    csat_question: str
    csat_thanks: str
    consent_given: str
    consent_refused: str
    whisper: str  # what the agent hears before the bridge; {summary} is filled in
    guarded_answer: str  # instead of a model sentence in "tú" that has no safe usted form
    card_data: str  # card digits or a security code said aloud: never taken, never repeated
    data_rights: str  # Ley 1581: how to see, correct or erase one's data (not by voice)
    data_rights_no_ads: str  # a data-rights request to receive no more advertising
    out_of_scope: str  # what the store can help with, instead of free talk
    other_language: str  # English: the line is in Spanish, a person is offered
    offer_person: str  # without the store's tools: a person is offered


class RetailPhrases(_Section):
    """Answers built from tool results; `{...}` fields are filled from the store's data only."""

    greeting_known: str
    greeting_order: str
    greeting_cart: str
    greeting_chat: str
    order_ask_number: str
    order_in_transit: str
    order_preparing: str
    order_late: str  # an open order the caller says is long awaited: sorry, before its status
    order_delivered: str
    order_tracking: str  # {carrier} {tracking}: "¿me da el número de guía?"
    order_items: str  # {number} {items}: "¿qué es lo que va en ese pedido?"
    order_total: str  # {number} {total}: "¿y cuánto fue que pagamos por todo eso?"
    order_cancelled: str
    item_in_order: str  # {item} {number}: "¿la gorra también va en ese mismo pedido?"
    item_not_in_order: str  # {item} {number}: the same question, for an item not in it
    order_not_found: str
    order_not_found_again: str  # {number}: the second miss; a person is offered next
    order_several: str
    product_ask: str
    brand_not_carried: str  # {brand}: a brand asked for that no product has
    product_found: str
    product_out_of_stock: str
    product_enough: str  # {stock} {name} {variant}: as many as asked for, or more
    product_short: str  # {stock} {name} {variant}: fewer than asked for
    product_count: str  # {stock} {name} {variant}: "¿cuántas quedan?"
    product_last_one: str  # {name} {variant}: the same questions, one left
    product_price_many: str  # {count} {name} {total} {price}: "¿cuánto me salen las dos?"
    product_over_budget: str  # {name} {variant} {price}: in stock, above the caller's ceiling
    product_alternative: str
    product_other_colors: str
    product_none: str
    variant_size: str
    variant_color: str
    offer_link: str
    cross_sell: str  # {item}: "su licuadora Oster…" / "sus zapatillas…"; {name} {price}
    cart_reminder: str
    link_sent: str
    link_chat: str
    link_failed: str
    sms_product: str
    sms_cart: str
    return_ask_order: str
    return_ask_order_after_policy: str  # after the return policy, for a return asked as a question
    return_confirm: str
    return_expired: str
    return_not_delivered: str
    complaint_confirm: str
    complaint_confirm_order: str
    cart_none: str
    cart_unverified: str  # a caller ID without attestation: not read aloud; its link by text
    cart_link_on_file: str  # its yes: the link to the number on file, if there is a cart
    topic_order: str
    topic_product: str
    topic_return: str
    callback_confirm: str
    callback_out_of_hours: str  # a call back asked for when no agent works: another time
    callback_ask_phone: str
    callback_confirm_phone: str  # {last4}
    product_price: str  # {name} {price}
    product_brands: str  # {category} {brands}: "¿de qué marcas?" after a product
    product_colors: str  # {name} {colors}: "¿qué colores hay?" after a product
    product_sizes: str  # {name} {variant} {sizes}: "¿qué tallas hay?"
    product_one_size: str  # {name}: a product that comes in one size
    product_cheapest: str  # {name} {category} {price}: "¿uno más barato?" of the cheapest
    product_options: str  # {category} {options}: "¿cuál me recomienda?" after a product
    # {dearer} {cheaper} {gap} {dearer_price} {cheaper_price}: "¿cuánto más caro que el otro?"
    price_gap: str
    product_only_one: str  # {category}: ...when it is the only one of its kind in stock
    product_details: str  # {name}: "¿cuánto pesa?" after a product; the catalogue has no such
    detail_unknown: str  # "¿la instalan?", "¿son originales?": no data; a person is offered
    exception_person: str  # "¿no me hacen el favor por esta vez?": only a person may decide
    out_of_scope_elsewhere: str  # "¿y dónde lo puedo pagar?" after an out-of-scope answer
    ticket_confirmed: str  # {ticket}: "sí, confirmo" once the ticket is already registered
    condition_noted: str  # "no, no lo he estrenado" before a ticket's yes: noted, then asked
    praise_thanks: str  # "solo llamaba a darles las gracias": thanks back
    nothing_needed: str  # "mi hija ya las pidió, ya no necesito nada": fine, then "¿algo más?"
    order_number_go_on: str  # "el número es…" cut off: the caller is asked to go on
    number_found: str  # "no tengo el número" to a ticket on an order found: its {number}
    exchange_before_dispatch: str  # {number}: a return or change of an order not yet sent
    shipping_free_for: str  # {amount} {threshold}: "si compro 200 mil, ¿me cobran el envío?"
    shipping_free_with: str  # {item} {price} {threshold}: "¿y el envío?" about an item
    shipping_paid_with: str  # {item} {price} {threshold}: the same, under the threshold
    shipping_free_with_many: str  # {count} {item} {price} {total} {threshold}: "son cinco"
    shipping_paid_with_many: str  # {count} {item} {price} {total} {threshold}: the same, under
    shipping_free_adding: str  # {item} {price} {threshold}: "¿y si le agrego unas medias?"
    shipping_paid_adding: str  # {item} {price} {threshold}: the same, still under
    to_complete: str  # {missing} {options}: items that reach free shipping
    shipping_short_of: str  # {amount} {threshold} {missing}: "¿y cuánto me falta?"
    shipping_paid_for: str  # {amount} {threshold} {missing}: ...a sum under the free-shipping one
    payment_link_offer: str
    sms_payment: str  # {url}
    order_confirm_number: str  # {digits}: an uncertain number read back, digit by digit
    order_ask_again: str
    order_number_unknown: str  # "no me acuerdo del número": where to find it, or a person
    verify_ask: str  # the caller's number is not the order's: the last four digits of it
    verify_again: str
    verify_why: str  # words without digits: why the digits are asked, and the question
    verify_failed: str  # then: a person (never the details)
    offer_person: str  # after one re-ask for the same thing
    offer_person_after: str  # the same offer after a sentence that says why
    ticket_created: str
    callback_when: str  # {when}: the time the caller asked to be called, in their words
    ticket_sms_sent: str
    sms_ticket: str
    declined: str
    asked_again: str  # said before a question the caller's answer did not answer
    anything_else: str
    store_unavailable: str


class _Labels(_Section):
    """Texts by code (a transfer reason, a risk flag); `label` reads one."""

    def label(self, code: str, fallback: str | None = None) -> str:
        """The text of `code`; an unknown code reads as `fallback`, else as itself (a stored
        record may carry a code an older or newer version wrote)."""
        if code in type(self).model_fields:
            return str(getattr(self, code))
        return code if fallback is None else fallback


class ReasonLabels(_Labels):
    """Why the call came to a person, as the agent reads it: one per transfer reason."""

    transfer_requested: str
    frustration: str
    sensitive_topic: str
    repeated_misunderstanding: str
    model_failure: str
    tts_failure: str
    service_draining: str


class Suggestions(ReasonLabels):
    """The next action suggested to the agent, per transfer reason; `other` for any other."""

    other: str


class RiskLabels(_Labels):
    """Why a call is flagged for follow-up (the /ops friction table and its CSV)."""

    friction: str
    low_csat: str
    complaint: str
    unresolved_upset: str
    callback: str


class SummaryTexts(_Section):
    """The agent's summary of a call (desk card, whisper); `{...}` from the transcript."""

    no_motive: str  # the caller said nothing before the transfer
    bot_said: str  # {line}: one of the bot's answers
    bot_only_greeted: str
    caller_from: str  # {phone}, masked
    hidden_number: str
    upset: str
    calm: str
    # the whisper's paragraph: {motive} {reason} {sentiment} {references} {suggestion}
    spoken: str
    spoken_references: str  # {references}; left out when the caller gave none
    unavailable: str  # whispered when the transfer is unknown
    very_upset: str
    # the caller's words that say they are upset (besides handoff.frustration_keywords), and
    # the words that make it strong ("muy molesta"); accents and case ignored
    upset_words: list[str]
    intensity_words: list[str]
    person_words: list[str]  # the caller asked for a person ("pide un asesor" in the motive)
    motives: dict[str, str]  # a turn's intent (dialogue/understanding.py) in the agent's words
    motive_order: str  # {number}
    motive_size: str  # {size}
    motive_color: str  # {color}
    motive_hidden: str  # {labels}: the redaction labels of personal data the caller said
    motive_unclear: str  # {line}: no intent understood; the caller's first words, redacted
    wants_agent: str
    store_error: str  # the store's system failed during the call


class MemoryTexts(_Section):
    """Lines the retail conversation writes for the agent's context and the customer's memory
    (redacted); `{...}` come from the store's data."""

    customer_consented: str  # {name}
    customer_not_consented: str  # {name}
    order: str  # {number} {status}
    cart: str  # {item} {total}
    previous_contact: str  # {channel} {date} {summary}
    order_not_found: str  # {number}
    order_checked: str  # {number} {status}
    identity_not_verified: str  # {number}
    caller_id_unverified: str  # the number may be another's (no STIR/SHAKEN attestation)
    product_available: str  # {name}
    product_out_of_stock: str  # {name} {variant}
    product_over_budget: str  # {name} {variant} {price}
    cart_link_sent: str
    cross_sell_accepted: str
    return_expired: str  # {number}
    ticket_opened: str  # {ticket} {kind}
    ticket_detail: str  # {channel}: the ticket's own detail line
    ticket_when: str  # {when}: a call back's time, as the caller asked it


class DeskTexts(_Section):
    """The /agent login page's messages."""

    login_failed: str
    login_locked: str


class OpsTexts(_Section):
    """The /ops page's plots and messages (its fixed text is in metrics/static/ops.html)."""

    aht_chart: str
    fcr_chart: str
    csat_chart: str
    containment_chart: str
    revenue_chart: str
    latency_chart: str
    containment: str  # series names
    revenue: str
    no_data: str  # a plot without calls
    no_friction: str  # the friction table when no call had any
    csv_name: str  # the export's file name


class AgentText(_Section):
    """What agents and supervisors read (desk, whisper, /ops, a customer's memory): in the
    YAML like the caller's phrases, so the store words it and code never does."""

    reasons: ReasonLabels
    suggestions: Suggestions
    risks: RiskLabels
    summary: SummaryTexts
    memory: MemoryTexts
    desk: DeskTexts
    ops: OpsTexts


class Settings(_Section):
    """All settings of a voicebot process."""

    models_dir: Path = DEFAULT_MODELS_DIR
    config_version: str = ""  # set by load_settings: a hash of the effective settings
    config_path: Path | None = None  # the YAML file they came from, for reloads
    server: ServerSettings = ServerSettings()
    twilio: TwilioSettings = TwilioSettings()
    audio: AudioSettings = AudioSettings()
    timings: CallTimings = CallTimings()
    asr: AsrSettings = AsrSettings()
    llm: LlmSettings = LlmSettings()
    tts: TtsSettings = TtsSettings()
    store: StoreSettings = StoreSettings()
    governance: GovernanceSettings = GovernanceSettings()
    handoff: HandoffSettings = HandoffSettings()
    kpi: KpiSettings = KpiSettings()
    dialogue: DialogueSettings
    phrases: Phrases
    retail: RetailPhrases
    agent_text: AgentText

    def model_ref(self, ref: str) -> str:
        """Resolve a model reference: a folder under models_dir, else a path or a hub name."""
        local = self.models_dir / ref
        return str(local) if local.exists() else ref

    def phrase(self, name: str) -> str:
        """A caller-facing phrase with the store name filled in."""
        text: str = getattr(self.phrases, name)
        return " ".join(text.split()).replace("{store_name}", self.store.name)


# Mappings that a file replaces as a whole: a week given in a file is the whole week.
_REPLACED_MAPPINGS = {"weekly"}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        replace = key in _REPLACED_MAPPINGS
        if isinstance(value, dict) and isinstance(out.get(key), dict) and not replace:
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def env_overrides(environ: Mapping[str, str]) -> dict[str, Any]:
    """Nested settings from VOICEBOT_SECTION__KEY variables (secrets, per-host values).
    VOICEBOT_SECTION__KEY_FILE names a file holding the value (Docker and Kubernetes secrets);
    a missing file is an error, not an empty secret."""
    out: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or key == CONFIG_ENV:
            continue
        if key.endswith("_FILE"):
            try:
                value = Path(value).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ValueError(f"{key}: cannot read {value}: {exc.strerror}") from exc
            key = key.removesuffix("_FILE")
        parts = [p.lower() for p in key[len(ENV_PREFIX) :].split("__")]
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


@functools.cache
def packaged_agent_text() -> AgentText:
    """`agent_text` of the packaged defaults.yaml: for code handed no settings (tests, and
    callers that do not pass the running config's texts yet)."""
    data = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    return AgentText.model_validate(data["agent_text"])


def load_settings(
    path: Path | None = None,
    overrides: dict[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Build the settings: packaged defaults < YAML file < overrides < environment."""
    environ = os.environ if environ is None else environ
    data: dict[str, Any] = yaml.safe_load(DEFAULTS_FILE.read_text(encoding="utf-8"))
    if path is None and environ.get(CONFIG_ENV):
        path = Path(environ[CONFIG_ENV])
    if path is not None:
        user = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(user, dict):
            raise ValueError(f"{path}: the top level must be a mapping")
        data = _merge(data, user)
    data = _merge(data, overrides or {})
    settings = Settings.model_validate(_merge(data, env_overrides(environ)))
    # A name for what the config says (secrets are masked in the dump), recorded by each call.
    dump = settings.model_dump_json(exclude={"config_version", "config_path"})
    version = hashlib.sha256(dump.encode()).hexdigest()[:12]
    return settings.model_copy(update={"config_version": version, "config_path": path})
