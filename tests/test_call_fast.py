"""The call's behaviour in virtual time on scripted parts (the fast tier: `pytest -m fast`).

A real `CallSession` (turn detector, player, dialogue rules, consent, survey, transfer) on a
phone line that plays and echoes as Twilio's does; ASR, the model and the voice are scripted
stand-ins, and the event loop's clock jumps from timer to timer, so timings are exact and a
whole call takes milliseconds.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import make_settings
from tests.scripted import Call, Line, ScriptedAsr, ScriptedModel, ScriptedVoice, virtual_time
from voicebot.call.decision import NO_PERSON, Strikes, next_step
from voicebot.config import Settings
from voicebot.dialogue.policy import EndCall

pytestmark = pytest.mark.fast

LONG_REPLY = (
    "Claro que sí, con mucho gusto le cuento. Nuestros pedidos llegan en pocos días hábiles. "
    "También le podemos enviar el enlace por mensaje."
)


def settings(**overrides: Any) -> Any:
    return make_settings(**overrides)


async def _greeted(call: Call, line: Line) -> None:
    """Let the greeting play out."""
    await call.until(lambda: "greeting" in " ".join(line.marks_echoed))


async def test_a_turn_is_answered_and_heard() -> None:
    model = ScriptedModel({"hola quiero saber los horarios": "Abrimos todos los días."})
    call = Call(settings(), model=model)

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("hola quiero saber los horarios", 1200)
        await call.until(lambda: "Abrimos todos los días." in call.said())
        await line.silence(500)

    with virtual_time():
        record = await call.run(caller)
    turn = record.turns[0]
    assert turn.heard == "hola quiero saber los horarios"
    assert turn.bot == ["Abrimos todos los días."] and not turn.interrupted
    assert turn.answered_by == "model" and model.asked == ["hola quiero saber los horarios"]
    # Early end: the speculative transcript sounded finished at the early silence, so the
    # answer starts well before the full end-of-turn silence plus a whole ASR pass.
    cfg = call.settings.audio
    assert turn.voice_to_voice_ms is not None
    assert turn.voice_to_voice_ms < cfg.end_of_turn_silence_ms + 1000 * call.asr.seconds
    assert record.ended_by == "caller"


async def test_the_bot_stops_at_once_and_a_real_interruption_cancels_the_reply() -> None:
    model = ScriptedModel({"cuénteme de los envíos": LONG_REPLY})
    call = Call(settings(), model=model)
    times: dict[str, float] = {}

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("cuénteme de los envíos", 1000)
        await call.until(lambda: line.bot_audio_s > 0 and "Claro que sí" in " ".join(call.said()))
        await line.silence(300)  # the second clause is playing
        times["spoke"] = line.now()
        await line.say("espere espere una pregunta", 1400)
        await call.until(lambda: len(record_turns()) == 2 and bool(record_turns()[1].bot))
        await line.silence(300)

    def record_turns() -> list[Any]:
        assert call.session is not None
        return call.session.record.turns

    with virtual_time():
        record = await call.run(caller)
    assert call.line.clears, "the caller's speech stops the bot with a clear"
    stop_ms = (call.line.clears[0] - times["spoke"]) * 1000
    # Paused as soon as speech starts (the detector's start window, its last frame one frame
    # after the first one's start), well under 250 ms; sustained speech then cancels the reply.
    assert stop_ms <= call.settings.audio.speech_start_ms + 20 <= 250
    first = record.turns[0]
    assert first.interrupted and record.barge_ins == 1
    assert first.bot and LONG_REPLY.startswith(" ".join(first.bot))  # only what was heard
    assert "mensaje" not in " ".join(first.bot)
    assert record.turns[1].heard == "espere espere una pregunta"


async def test_a_backchannel_pauses_the_bot_which_goes_on_where_it_stopped() -> None:
    call = Call(settings(), model=ScriptedModel({"cuénteme de los envíos": LONG_REPLY}))
    times: dict[str, float] = {}

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("cuénteme de los envíos", 1000)
        await call.until(lambda: "Claro que sí" in " ".join(call.said()))  # the reply plays
        await line.silence(400)  # mid-sentence
        times["spoke"], times["played"] = line.now(), line.bot_audio_s
        await line.say("ajá", 300)
        await call.until(lambda: "mensaje" in " ".join(call.said()))

    with virtual_time():
        record = await call.run(caller)
    line = call.line
    assert len(line.clears) == 1 and (line.clears[0] - times["spoke"]) * 1000 <= 250
    assert record.barge_ins == 0 and record.ignored_backchannels == ["ajá"]
    # Nothing was lost: the whole reply was heard, in order, and the cut sentence was replayed
    # from a little before where it stopped.
    assert " ".join(record.turns[0].bot) == LONG_REPLY and not record.turns[0].interrupted
    reply_s = len(LONG_REPLY) * call.voice.char_s
    greeting_s = len(call.settings.phrase("greeting")) * call.voice.char_s
    assert line.bot_audio_s > greeting_s + reply_s


async def _over_the_reply(words: str, ms: int, config: Settings | None = None) -> Call:
    """A call where the caller says `words` (`ms` long) while the bot's long reply plays, and
    waits until the reply's end ("mensaje") is heard."""
    call = Call(config or settings(), model=ScriptedModel({"cuénteme de los envíos": LONG_REPLY}))

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("cuénteme de los envíos", 1000)
        await call.until(lambda: "Claro que sí" in " ".join(call.said()))
        await line.say(words, ms)
        await call.until(lambda: "mensaje" in " ".join(call.said()))

    with virtual_time():
        await call.run(caller)
    return call


async def test_a_short_word_without_a_request_over_the_bot_lets_it_go_on() -> None:
    # Regression (bench --barge-in): a one-word "ajá, sí" that Whisper wrote as another word
    # ("¿Aciel?") cancelled the greeting and was answered as a request.
    record = (await _over_the_reply("aciel", 300)).record
    assert record.barge_ins == 0 and record.ignored_backchannels == ["aciel"]
    assert " ".join(record.turns[0].bot) == LONG_REPLY and not record.turns[0].interrupted


async def test_a_short_stop_word_over_the_bot_still_stops_it() -> None:
    call = Call(settings(), model=ScriptedModel({"cuénteme de los envíos": LONG_REPLY}))

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("cuénteme de los envíos", 1000)
        await call.until(lambda: "Claro que sí" in " ".join(call.said()))
        await line.say("espere", 300)
        await call.until(lambda: call.session is not None and len(call.session.record.turns) == 2)
        await line.silence(300)

    with virtual_time():
        record = await call.run(caller)
    assert record.barge_ins == 1 and record.turns[0].interrupted
    assert record.turns[1].heard == "espere"


async def test_a_noise_over_the_bot_pauses_it_only_briefly() -> None:
    call = await _over_the_reply("", 100)  # a click: starts like speech, too short to be a turn
    record = call.record
    assert len(call.line.clears) == 1 and call.asr.passes == 1  # none over the click
    assert " ".join(record.turns[0].bot) == LONG_REPLY and record.barge_ins == 0


async def test_a_wordless_sound_over_the_bot_is_not_an_interruption() -> None:
    # Regression (bench --barge-in): a short sound Whisper gave no words for cut the bot off
    # and was then answered with "no le entendí".
    record = (await _over_the_reply("", 400)).record
    assert record.barge_ins == 0 and record.misunderstood == 0
    assert " ".join(record.turns[0].bot) == LONG_REPLY


async def test_with_pausing_off_a_backchannel_does_not_touch_the_audio() -> None:
    call = await _over_the_reply("ajá", 300, settings(audio={"pause_on_speech": False}))
    record = call.record
    assert not call.line.clears and record.ignored_backchannels == ["ajá"]
    assert " ".join(record.turns[0].bot) == LONG_REPLY


async def test_a_caller_who_goes_on_is_answered_once_for_both_parts() -> None:
    model = ScriptedModel()
    call = Call(settings(), model=model, asr=ScriptedAsr(seconds=3.0))  # a slow ASR pass

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("quiero cambiar unos zapatos", 900)
        await line.silence(700)  # the turn ends; its answer is still being transcribed
        await line.say("que me quedaron grandes", 900)
        await call.until(lambda: bool(model.asked) and call.line.bot_audio_s > 0)
        await call.until(lambda: not call.line.bot_speaking)

    with virtual_time():
        record = await call.run(caller)
    assert model.asked == ["quiero cambiar unos zapatos que me quedaron grandes"]
    assert [t.heard for t in record.turns] == [model.asked[0]]


async def test_a_caller_who_goes_on_before_hearing_the_reply_is_answered_for_both() -> None:
    """Regression (issue 16, held-out fresh8): "Buenas, una consulta: la factura electrónica,"
    [a pause] "¿me llega al correo…?": the pause ended the turn, the caller's next sentence cut
    the reply before a word of it was heard, and that sentence was answered alone."""
    model = ScriptedModel(token_s=0.3)  # the first reply is still coming when the caller goes on
    call = Call(settings(), model=model)

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("una consulta sobre la factura", 900)
        await call.until(lambda: bool(model.asked))  # its reply is being written
        await line.say("me llega al correo", 900)
        await call.until(lambda: model.default in call.said(), limit_s=60)
        await line.silence(1500)  # a second, answered turn after the bot's reply is heard
        await line.say("listo gracias", 700)
        await call.until(lambda: call.said().count(model.default) == 2, limit_s=60)

    with virtual_time():
        record = await call.run(caller)
    assert model.asked[1] == "una consulta sobre la factura me llega al correo"
    assert [t.heard for t in record.turns] == [
        "una consulta sobre la factura", "me llega al correo", "listo gracias"
    ]  # fmt: skip
    assert record.turns[0].bot == [] and record.turns[1].bot == [model.default]
    assert model.asked[2] == "listo gracias"  # heard an answer before it: on its own
    history = [m.content for m in model.requests[2] if m.role == "user"]
    assert history == [model.asked[1], "listo gracias"]  # the unanswered part is not kept twice


async def test_three_parts_before_any_reply_is_heard_are_one_request() -> None:
    model = ScriptedModel(token_s=0.3)
    call = Call(settings(), model=model)

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        for n, part in enumerate(
            ("me llegaron unos tenis", "me quedaron pequeños", "me los cambian")
        ):
            await line.say(part, 900)
            await call.until(lambda n=n: len(model.asked) > n)  # its reply is being written
        await call.until(lambda: model.default in call.said(), limit_s=60)

    with virtual_time():
        await call.run(caller)
    assert model.asked[-1] == "me llegaron unos tenis me quedaron pequeños me los cambian"


async def test_a_reply_cut_by_barge_in_stops_the_model_and_the_voice() -> None:
    model = ScriptedModel({"cuénteme algo": LONG_REPLY}, token_s=0.4)  # a slow model mid-reply
    call = Call(settings(), model=model)

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("cuénteme algo", 600)
        await call.until(lambda: "Claro que sí" in " ".join(call.said()))
        await line.say("no no espere", 1200)
        await call.until(lambda: model.default in call.said(), limit_s=60)

    with virtual_time():
        record = await call.run(caller)
    first = record.turns[0]
    assert first.interrupted and "Nuestros pedidos" not in " ".join(first.bot)
    assert model.asked == ["cuénteme algo", "no no espere"]
    assert record.turns[1].bot == [model.default]  # the new reply, whole


async def test_consent_by_voice_and_by_keypad() -> None:
    ask = {"ask_consent": True, "legal_basis": ""}
    by_voice = Call(settings(governance=ask))

    async def yes(line: Line) -> None:
        await by_voice.until(lambda: any("consent_question" in m for m in line.marks_echoed))
        await line.say("sí señora", 700)
        await by_voice.until(lambda: any("consent_given" in m for m in line.marks_echoed))

    by_key = Call(settings(governance=ask))

    async def no(line: Line) -> None:
        await by_key.until(lambda: line.bot_audio_s > 1.0)  # during the question
        line.press("2")
        await by_key.until(lambda: any("consent_refused" in m for m in line.marks_echoed))

    with virtual_time():
        record = await by_voice.run(yes)
        refused = await by_key.run(no)
    assert record.consent == "yes" and record.consented
    assert record.transcript[-2] == {"role": "caller", "text": "sí señora"}
    assert refused.consent == "no" and not refused.consented
    assert refused.stored()["transcript"] == []  # nothing of the words is kept


async def test_a_request_instead_of_an_answer_is_no_consent_and_is_served() -> None:
    call = Call(settings(governance={"ask_consent": True, "legal_basis": ""}))

    async def caller(line: Line) -> None:
        await call.until(lambda: any("consent_question" in m for m in line.marks_echoed))
        await line.say("quiero saber de mi pedido", 1200)
        await call.until(lambda: bool(call.model.asked) and not call.line.bot_speaking)

    with virtual_time():
        record = await call.run(caller)
    assert record.consent == "no"
    assert call.model.asked == ["quiero saber de mi pedido"]


async def test_goodbye_runs_the_survey_and_closes_the_call() -> None:
    call = Call(settings(dialogue={"csat_survey": True}))

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("muchas gracias adiós", 1000)
        await call.until(lambda: any("csat_question" in m for m in line.marks_echoed))
        line.press("5")
        await call.until(lambda: line.closed)

    with virtual_time():
        record = await call.run(caller)
    assert record.csat == 5 and record.end_reason == "goodbye" and record.ended_by == "bot"
    assert call.said()[-2:] == [
        call.settings.phrase("csat_thanks"), call.settings.phrase("farewell")
    ]  # fmt: skip


async def test_no_rating_in_time_is_no_rating() -> None:
    call = Call(settings(dialogue={"csat_survey": True, "csat_wait_s": 2}))

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("eso es todo chao", 900)
        await call.until(lambda: line.closed, limit_s=60)

    with virtual_time():
        record = await call.run(caller)
    assert record.csat is None and record.ended_by == "bot"
    assert call.said()[-1] == call.settings.phrase("farewell")


async def test_zero_on_the_keypad_goes_to_a_person_mid_greeting() -> None:
    call = Call(settings())

    async def caller(line: Line) -> None:
        await call.until(lambda: line.bot_audio_s > 0.5)
        line.press("0")
        await call.until(lambda: line.closed)

    with virtual_time():
        record = await call.run(caller)
    assert call.line.clears  # the greeting was cut
    assert record.end_reason == "transfer_requested" and record.ended_by == "transfer"
    assert call.said()[-1] == call.settings.phrase("transfer")


async def test_no_agent_reachable_leaves_a_callback_and_the_bot_goes_on() -> None:
    # Transfers on, but no Twilio REST client: nobody can be reached.
    call = Call(settings(handoff={"mode": "cold", "cold_number": "+576015550000"}))

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("quiero hablar con un asesor", 1100)
        await call.until(lambda: any("agent_unavailable" in m or "out_of_hours" in m
                                     for m in line.marks_echoed))  # fmt: skip
        await line.say("bueno entonces dígame los horarios", 1300)
        await call.until(lambda: len(call.model.asked) == 1 and not line.bot_speaking)

    with virtual_time():
        record = await call.run(caller)
    assert record.callback and record.transfer_id is None
    assert record.end_reason is None and record.ended_by == "caller"  # the bot went on
    assert call.model.asked == ["bueno entonces dígame los horarios"]
    assert len(call.services.desk.callbacks) == 1


async def test_the_agent_reads_the_reason_in_the_store_s_own_words() -> None:
    # Regression: the transfer summarised with the packaged wording, ignoring `agent_text`.
    call = Call(
        settings(
            handoff={"mode": "cold", "cold_number": "+576015550000"},
            agent_text={"reasons": {"transfer_requested": "pidió hablar con alguien"}},
        )
    )

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        line.press("0")
        await call.until(lambda: bool(call.services.desk.callbacks))

    with virtual_time():
        await call.run(caller)
    assert call.services.desk.callbacks[0]["summary"]["reason"] == "pidió hablar con alguien"


async def test_a_failing_model_is_never_silence() -> None:
    model = ScriptedModel()
    model.fail = True
    call = Call(settings(), model=model)

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("tengo una pregunta", 900)
        await call.until(lambda: line.closed)

    with virtual_time():
        record = await call.run(caller)
    assert record.end_reason == "model_failure"
    assert call.said()[-1] == call.settings.phrase("technical_problem")


async def test_a_failing_voice_mid_reply_ends_with_the_technical_phrase() -> None:
    voice = ScriptedVoice()
    call = Call(settings(), voice=voice)

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        voice.fail = True  # phrases are pre-rendered; the reply's clauses fail
        await line.say("tengo una pregunta", 900)
        await call.until(lambda: line.closed)

    with virtual_time():
        record = await call.run(caller)
    assert record.end_reason == "tts_failure"
    assert call.said()[-1] == call.settings.phrase("technical_problem")


async def test_turns_not_understood_are_asked_again_in_other_words_then_a_person() -> None:
    asr = ScriptedAsr()
    call = Call(settings(), asr=asr)
    limit = call.settings.handoff.failed_turns_before_transfer
    phrases = [call.settings.phrase("not_understood"), call.settings.phrase("not_understood_again")]

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        asr.fail = True
        for round_ in range(1, limit + 1):
            await line.say("algo", 800)
            if round_ < limit:
                await call.until(lambda n=round_: len(call.said()) == 1 + n)
        await call.until(lambda: line.closed)

    with virtual_time():
        record = await call.run(caller)
    assert limit == 3  # asked again, again in other words, then a person
    assert record.end_reason == "repeated_misunderstanding"
    assert record.misunderstood == limit
    assert call.said()[1:3] == phrases
    assert call.said()[-1] == call.settings.phrase("transfer")


async def test_a_wordless_turn_is_asked_again_not_met_with_silence() -> None:
    # Regression: an empty transcript (Whisper heard no words or dropped a loop) was silence.
    asr = ScriptedAsr()
    call = Call(settings(), asr=asr)

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("", 1200)  # words Whisper does not get
        await call.until(lambda: len(call.said()) == 2)
        await line.say("", 200)  # a short sound with no words: noise, not a turn to answer
        await line.silence(1500)

    with virtual_time():
        record = await call.run(caller)
    assert call.said()[1] == call.settings.phrase("not_understood")
    assert len(call.said()) == 2 and record.misunderstood == 1


async def test_the_report_keeps_the_closing_phrase_of_the_turn_that_ended_the_call() -> None:
    # Regression: a turn ended with a fixed phrase (farewell, transfer) had an empty `bot`.
    call = Call(settings())

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("quiero hablar con un asesor", 1100)
        await call.until(lambda: line.closed)

    with virtual_time():
        record = await call.run(caller)
    assert record.turns[0].bot == [call.settings.phrase("transfer")]


async def test_silence_is_asked_again_then_the_bot_says_goodbye() -> None:
    call = Call(settings())

    async def caller(line: Line) -> None:
        await call.until(lambda: line.closed, limit_s=120)

    with virtual_time():
        record = await call.run(caller, limit_s=200)
    cfg = call.settings.audio
    assert record.reprompts == cfg.idle_reprompts_before_hangup
    assert record.end_reason == "idle" and record.ended_by == "bot"
    assert call.said().count(call.settings.phrase("reprompt")) == cfg.idle_reprompts_before_hangup
    assert record.duration_s is not None
    assert record.duration_s >= cfg.idle_reprompt_s * (cfg.idle_reprompts_before_hangup + 1)


async def test_a_slow_model_gets_a_filler_not_dead_air() -> None:
    model = ScriptedModel({"una pregunta difícil": "Ya le respondo."}, token_s=2.5)
    call = Call(settings(), model=model)

    async def caller(line: Line) -> None:
        await _greeted(call, line)
        await line.say("una pregunta difícil", 1000)
        await call.until(lambda: "Ya le respondo." in call.said(), limit_s=60)

    with virtual_time():
        await call.run(caller)
    said = call.said()
    assert said.index(call.settings.phrase("filler")) < said.index("Ya le respondo.")


# ---- the decision table and the strike counter, pure --------------------------------------
def test_where_an_ending_goes() -> None:
    bye = next_step(EndCall("goodbye", "farewell"), handoff_on=True)
    assert not bye.to_person and bye.phrase == "farewell" and bye.ended_by == "bot"
    asked = next_step(EndCall("transfer_requested", "transfer"), handoff_on=True)
    assert asked.to_person and asked.resumes
    broken = next_step(EndCall("model_failure", "technical_problem"), handoff_on=True)
    assert broken.to_person and not broken.resumes
    off = next_step(EndCall("frustration", "transfer"), handoff_on=False)
    assert not off.to_person and off.phrase == "transfer" and off.ended_by == "transfer"
    assert NO_PERSON.phrase == "technical_callback" and NO_PERSON.ended_by == "bot"


def test_strikes_count_turns_in_a_row() -> None:
    strikes = Strikes(limit=2)
    assert not strikes.served("not_understood")
    assert not strikes.served(None)  # a served turn resets the row
    assert not strikes.failed()
    assert strikes.served("cannot_confirm") and strikes.total == 3
