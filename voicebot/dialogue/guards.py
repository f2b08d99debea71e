"""Guards on every sentence the model says to a caller (pure functions).

The embedded model is small: it slips into "tú", repeats the greeting, the consent notice or
the caller's words, replaces the store's name with a word it misheard, invents hours, prices
and dates, pads answers with "¡Por supuesto! Si tienes alguna otra pregunta…" and writes for a
screen (lists, markdown, emojis, links). `check` looks at one streamed sentence and returns
what the caller should hear: the sentence (maybe rewritten), a fixed phrase instead, or
nothing. Which guards acted is returned with it, so the dialogue can count and log them
without the words.

Everything the guards compare with comes from the running settings (`guard_rules`): the
greeting and consent phrases, the store's name, and the text whose facts the model may repeat.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

from voicebot.config import Settings
from voicebot.text import fold, spoken_numbers

Guard = Literal[
    "not_speech",  # JSON, code, a link or an address read aloud, no words at all
    "cleaned",  # markdown, emojis or list markers taken out
    "filler",  # "Siempre estoy aquí para ayudarle": nothing the caller asked for
    "echo",  # the caller's own words said back
    "parrot",  # the greeting or the consent notice said again as an answer
    "promise",  # "le comunico con un asesor": a transfer only the dialogue can make
    "ungrounded",  # a number, price, date or hour the store facts and the caller did not give
    "usted",  # a "tú" form rewritten to "usted"
    "usted_replaced",  # a "tú" form with no safe rewrite: the sentence is replaced
    "store_name",  # another name where the store's name goes, put right
    "trimmed",  # too long: cut at a clause
    "too_long",  # too long and no clause to cut at: dropped
]


@dataclass(frozen=True, slots=True)
class GuardRules:
    """What the guards compare a model sentence with, from the running settings."""

    store_name: str
    # word 4-grams (folded) of the fixed phrases the model must not repeat (greeting, consent)
    said_before: frozenset[tuple[str, ...]]
    said_sentences: tuple[str, ...]  # those phrases' sentences, folded
    replacement: str  # `phrases.guarded_answer`: a "tú" sentence with no safe rewrite
    cannot_confirm: str  # `phrases.cannot_confirm`: a fact nobody gave
    offer_person: str  # `phrases.offer_person`: a transfer the model promised, as an offer
    max_words: int  # `llm.max_sentence_words`


@dataclass(frozen=True, slots=True)
class Checked:
    """One model sentence after the guards: `text` is what to say (None: nothing), `phrase`
    names the fixed phrase it was replaced by, `guards` says which guards acted."""

    text: str | None
    phrase: str | None = None
    guards: tuple[Guard, ...] = ()


# The greeting as the model learnt to say it (its training data and its base habits): caught
# as a parrot whatever words the configured greeting uses.
_MODEL_GREETING = "Hola, gracias por llamar a {store_name}. Le atiende un asistente automático."


def guard_rules(settings: Settings) -> GuardRules:
    """The guards' view of the running settings (cached per distinct wording)."""
    p, r = settings.phrases, settings.retail
    fixed = (
        _MODEL_GREETING, p.greeting, p.consent_question, p.consent_given, p.consent_refused,
        r.greeting_known, r.greeting_order, r.greeting_cart, r.greeting_chat,
    )  # fmt: skip
    return _rules(
        settings.store.name,
        fixed,
        settings.phrase("guarded_answer"),
        settings.phrase("cannot_confirm"),
        settings.phrase("offer_person"),
        settings.llm.max_sentence_words,
    )


@functools.lru_cache(maxsize=16)
def _rules(
    store_name: str,
    fixed: tuple[str, ...],
    replacement: str,
    cannot_confirm: str,
    offer_person: str,
    words: int,
) -> GuardRules:
    sentences: list[str] = []
    for text in fixed:
        text = _FIELD.sub(" ", text.replace("{store_name}", store_name))
        for sentence in _SENTENCES.split(" ".join(text.split())):
            folded = fold(sentence)
            # a short question ("¿En qué le puedo ayudar?") is ordinary service, not a parrot
            if folded and not (sentence.rstrip().endswith("?") and len(folded.split()) <= 5):
                sentences.append(folded)
    grams = frozenset(g for s in sentences for g in _ngrams(s.split(), 4))
    return GuardRules(
        store_name, grams, tuple(sentences), replacement, cannot_confirm, offer_person, words
    )


def check(sentence: str, caller: str, context: str, rules: GuardRules) -> Checked:
    """The guards, in order, on one model sentence. `caller` is the caller's turn (folded or
    not), `context` the text whose facts the model may repeat (store facts in the system
    prompt, the intent's prompt, the caller's words, the conversation so far)."""
    acted: list[Guard] = []
    text = clean_sentence(sentence)
    if text is None:
        return Checked(None, guards=("not_speech",))
    if text != " ".join(sentence.split()):
        acted.append("cleaned")
    if is_filler(text):
        return Checked(None, guards=(*acted, "filler"))
    if echoes(text, caller):
        return Checked(None, guards=(*acted, "echo"))
    if parrots(text, rules):
        return Checked(None, guards=(*acted, "parrot"))
    if promises_transfer(text):
        # the model cannot transfer: said as it is, the caller would wait on a dead line
        return Checked(rules.offer_person, "offer_person", (*acted, "promise"))
    if not grounded(text, context):
        return Checked(rules.cannot_confirm, "cannot_confirm", (*acted, "ungrounded"))
    usted = to_usted(text)
    if usted is None:
        return Checked(rules.replacement, "guarded_answer", (*acted, "usted_replaced"))
    if usted != text:
        acted.append("usted")
    named = right_store_name(usted, rules.store_name)
    if named != usted:
        acted.append("store_name")
    short = shortened(named, rules.max_words)
    if short is None:
        return Checked(None, guards=(*acted, "too_long"))
    if short != named:
        acted.append("trimmed")
    return Checked(short, guards=tuple(acted))


# ---- spoken, not written ----------------------------------------------------------------------
_MARKDOWN = re.compile(r"[*_`#>|~]+|\[|\]\([^)]*\)")
_LIST_MARK = re.compile(r"^\s*(?:[-•·–]|\d{1,2}[.)](?!\d))\s+")
_LINK = re.compile(
    r"https?://|www\.|\b[\w.-]+@[\w-]+\.\w|\b[\w-]+\.(?:com|co|net|org|shop|store)\b", re.I
)
_EMOJI = re.compile(
    "[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\u2190-\u21ff\u2300-\u23ff]+"
)
_SENTENCES = re.compile(r"(?<=[.!?…;])\s+")
_FIELD = re.compile(r"\{[a-z_]+\}")


def clean_sentence(sentence: str) -> str | None:
    """Spoken form of a model sentence (no markdown, emojis or list markers), or None when it
    is not speech: JSON, code, a link or an e-mail address (read aloud it is noise)."""
    if _LINK.search(sentence):
        return None
    text = _LIST_MARK.sub("", _EMOJI.sub(" ", _MARKDOWN.sub(" ", sentence)))
    text = re.sub(r"\s+(?=[.!?])", "", " ".join(text.split()))  # "ayudo 😊." -> "ayudo."
    if not text or "{" in text or "}" in text or '":' in text:
        return None
    return text if any(c.isalpha() for c in text) else None


# ---- nothing said for its own sake ------------------------------------------------------------
# Folded; both "tú" and "usted" forms, since this runs before the rewrite.
_FILLERS = [
    re.compile(p)
    for p in (
        r"\bsi (?:tienes|tiene|tuviera|tuvieras) (?:alguna|cualquier|mas|otra)",
        r"\bno (?:dudes|dude) en\b",
        r"\b(?:siempre )?(?:estoy|estare|estamos|estaremos) aqui para\b",
        r"\baqui (?:estoy|estare|estamos)\b",
        r"\bestare (?:encantad[oa]|feliz|gustos[oa]) de\b",
        r"\b(?:espero|esperamos) (?:haberte|haberle|que esto te|que esto le|que te|que le)\b",
        r"\b(?:es|sera) un (?:placer|gusto) (?:ayudarte|ayudarle|atenderte|atenderle)\b",
        r"\bque (?:tengas|tenga) un (?:excelente|buen|feliz|lindo|gran|maravilloso) dia\b",
        r"\b(?:excelente|buena|gran) pregunta\b",
        r"\bgracias por (?:tu|su) (?:pregunta|consulta|paciencia|mensaje)\b",
        r"\bcomo (?:asistente|modelo|inteligencia)\b",
        r"\bmodelo de lenguaje\b",
        r"\bno dudes\b",
    )
]
# A sentence that is only one of these says nothing ("¡Por supuesto!").
_INTERJECTIONS = frozenset(
    ["por supuesto", "claro", "claro que si", "perfecto", "genial", "excelente", "entendido",
     "de acuerdo", "listo", "muy bien", "con gusto", "con mucho gusto", "vale", "okey", "ok",
     "por supuesto que si", "desde luego"]
)  # fmt: skip


def is_filler(sentence: str) -> bool:
    """A generic sentence that answers nothing ("Siempre estoy aquí para ayudarte", "¡Por
    supuesto!" alone, "Si tienes alguna otra pregunta…")."""
    folded = fold(sentence)
    return folded in _INTERJECTIONS or any(p.search(folded) for p in _FILLERS)


def _ngrams(words: list[str], n: int) -> Iterable[tuple[str, ...]]:
    return (tuple(words[i : i + n]) for i in range(len(words) - n + 1))


def echoes(sentence: str, caller_text: str) -> bool:
    """The small model tends to repeat the caller: that is not an answer. `caller_text` may
    be folded already (`Understanding.folded`). A sentence much like the caller's turn, or
    one with six or more of the caller's words in a row, is an echo."""
    a, b = fold(sentence), fold(caller_text)
    if not a or not b:
        return False
    if SequenceMatcher(None, a, b).ratio() >= 0.75:
        return True
    theirs = set(_ngrams(b.split(), 6))
    return any(g in theirs for g in _ngrams(a.split(), 6))


def parrots(sentence: str, rules: GuardRules) -> bool:
    """The greeting or the consent notice (or a piece of it) said again as an answer."""
    folded = fold(sentence)
    if any(g in rules.said_before for g in _ngrams(folded.split(), 4)):
        return True
    return any(SequenceMatcher(None, folded, s).ratio() >= 0.8 for s in rules.said_sentences)


_PROMISE = re.compile(
    r"\b(?:le|lo|la)\s+(?:voy a\s+)?(?:transfiero|transferire|transferir|pongo en contacto|"
    r"poner en contacto)\b"
    r"|\b(?:le|lo|la)\s+(?:voy a\s+)?(?:comunico|comunicare|comunicar|conecto|conectare|"
    r"conectar|paso|pasare|pasar)\s+(?:con|a un|a una|a nuestro|a nuestra)\b"
    r"|\b(?:voy a|vamos a|puedo|podemos|permitame)\s+(?:transferirl|ponerl)\w*"
    r"|\b(?:voy a|vamos a|puedo|podemos|permitame)\s+(?:comunicarl|conectarl|pasarl)\w*"
    r"\s+(?:con|a un|a una)\b"
    r"|\btransfiriendo\b|\btransferencia a un\b"
    r"|\bun (?:asesor|agente)\s+(?:se comunicara|se pondra|l[aeo]s?\s+(?:llamara|atendera|"
    r"contactara))"
)


_CONDITIONAL = re.compile(r"\bsi (?:quiere|prefiere|desea|gusta|lo prefiere|lo desea)\b")
_PERSON = re.compile(r"\b(?:asesor|asesora|agente|persona|alguien)\b")


def promises_transfer(sentence: str) -> bool:
    """A sentence that says the caller is being put through to a person ("Le comunico con un
    asesor", "Permítame transferirlo"): only the dialogue transfers, on the caller's yes. An
    offer ("Si prefiere, le comunico con un asesor") promises nothing (`offers_person`)."""
    folded = fold(sentence)
    return (
        _PROMISE.search(folded) is not None
        and not _CONDITIONAL.search(folded)
        and not sentence.rstrip().endswith("?")
    )


def offers_person(sentence: str) -> bool:
    """A sentence that offers a person, so that the caller's yes to it is a transfer: "Si
    prefiere, le comunico con un asesor", "¿Le gustaría que un asesor le ayude?"."""
    folded = fold(sentence)
    if _PROMISE.search(folded) is not None:
        return True
    asks = sentence.rstrip().endswith("?") or _CONDITIONAL.search(folded) is not None
    return asks and _PERSON.search(folded) is not None


# ---- no invented facts ------------------------------------------------------------------------
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
_THOUSANDS = re.compile(r"(?<=\d)[.,](?=\d{3}\b)")
_DATE_WORDS = frozenset(
    """lunes martes miercoles jueves viernes sabado domingo festivo enero febrero marzo abril
    mayo junio julio agosto septiembre setiembre octubre noviembre diciembre manana gratis
    gratuito descuento promocion""".split()
)


def _facts(text: str) -> tuple[set[str], set[str]]:
    """Numbers (thousands dots dropped: "150.000" and "ciento cincuenta mil" are one number)
    and date/price words in a text."""
    numbered = _THOUSANDS.sub("", spoken_numbers(text))
    nums = {n.strip(".,:") for n in _NUMBER.findall(numbered)}
    words = fold(numbered).split()
    dated = set()
    for i, w in enumerate(words):
        w = next((f for f in (w, w[:-1], w[:-2]) if f in _DATE_WORDS), "")
        if w and not (w == "manana" and i and words[i - 1] in {"la", "esta"}):  # 9 de la mañana
            dated.add(w)
    return nums, dated


def grounded(sentence: str, context: str) -> bool:
    """Every number (digits or words), weekday, month, relative date and price word stated
    ("gratis", "descuento") must appear in the context (store facts, the caller's words)."""
    nums, dated = _facts(sentence)
    if not nums and not dated:
        return True
    known_nums, known_dated = _facts(context)
    return nums <= known_nums and dated <= known_dated


# ---- usted, always ----------------------------------------------------------------------------
# Whole words with a safe usted form (case kept). Present, future, conditional, subjunctive,
# preterite and pronouns.
_USTED_WORDS = {
    "tú": "usted", "tu": "su", "tus": "sus", "ti": "usted", "contigo": "con usted",
    "tuyo": "suyo", "tuya": "suya", "tuyos": "suyos", "tuyas": "suyas", "te": "le",
    "tienes": "tiene", "puedes": "puede", "quieres": "quiere", "necesitas": "necesita",
    "deseas": "desea", "prefieres": "prefiere", "sabes": "sabe", "estás": "está",
    "eres": "es", "vas": "va", "has": "ha", "buscas": "busca",
    "llamas": "llama", "gustas": "gusta", "recuerdas": "recuerda", "conoces": "conoce",
    "encuentras": "encuentra", "piensas": "piensa", "esperas": "espera", "vienes": "viene",
    "haces": "hace", "dices": "dice", "pides": "pide",
    "podrías": "podría", "deberías": "debería", "querrías": "querría", "tendrías": "tendría",
    "necesitarías": "necesitaría", "preferirías": "preferiría", "gustarías": "gustaría",
    "quisieras": "quisiera", "quieras": "quiera", "puedas": "pueda", "tengas": "tenga",
    "necesites": "necesite", "desees": "desee", "prefieras": "prefiera", "estés": "esté",
    "hiciste": "hizo", "dijiste": "dijo", "pudiste": "pudo", "quisiste": "quiso",
    "tuviste": "tuvo", "estuviste": "estuvo", "viniste": "vino", "trajiste": "trajo",
    "fuiste": "fue", "diste": "dio", "pusiste": "puso", "supiste": "supo",
    "pediste": "pidió", "recibiste": "recibió", "elegiste": "eligió", "preferiste": "prefirió",
    "escribiste": "escribió", "viste": "vio", "leíste": "leyó",
    "oye": "oiga", "hazlo": "hágalo", "dime": "dígame", "dinos": "díganos", "dame": "deme",
    "danos": "denos", "hazme": "hágame", "vete": "váyase", "ven": "venga",
}  # fmt: skip
# Imperatives with a pronoun attached: tú stem -> usted stem (+ me, nos, lo, la, los, las).
_IMPERATIVE_STEMS = {
    "lláma": "lláme", "avísa": "avíse", "escríbe": "escríba", "cuénta": "cuénte",
    "envía": "envíe", "mánda": "mánde", "indíca": "indíque", "confírma": "confírme",
    "explíca": "explíque", "pása": "páse", "ayúda": "ayúde", "permíte": "permíta",
    "espéra": "espére", "escúcha": "escúche", "perdóna": "perdóne", "discúlpa": "discúlpe",
    "regála": "regále", "déja": "déje", "recuérda": "recuérde", "contácta": "contácte",
    "visíta": "visíte", "sígue": "síga", "pregúnta": "pregúnte", "compárte": "compárta",
    "repíte": "repíta", "dícta": "dícte", "búsca": "búsque",
    "revísa": "revíse", "comunícate": "comuníquese",
}  # fmt: skip
for _stem, _usted in list(_IMPERATIVE_STEMS.items()):
    for _clitic in ("me", "nos", "lo", "la", "los", "las"):
        _USTED_WORDS[_stem + _clitic] = _usted + _clitic
        _USTED_WORDS[fold(_stem) + _clitic] = _usted + _clitic  # written without the accent
_USTED_WORDS["comunícate"] = "comuníquese"
# Plain imperatives: the same word is a third person elsewhere ("se llama"), so only at the
# start of a clause.
_IMPERATIVES = {
    "mira": "mire", "espera": "espere", "llama": "llame", "escribe": "escriba",
    "visita": "visite", "revisa": "revise", "consulta": "consulte", "ingresa": "ingrese",
    "recuerda": "recuerde", "intenta": "intente", "verifica": "verifique",
    "confirma": "confirme", "ten": "tenga", "haz": "haga", "avisa": "avise",
    "envía": "envíe", "manda": "mande", "indica": "indique", "elige": "elija",
    "busca": "busque", "escoge": "escoja", "selecciona": "seleccione", "pregunta": "pregunte",
    "ve": "vaya", "di": "diga", "acércate": "acérquese",
}  # fmt: skip
_PHRASES = [
    (re.compile(r"\bno te preocupes\b", re.I), "no se preocupe"),
    (re.compile(r"\bno (dud|olvid|cuelgu|esper)es\b", re.I), r"no \1e"),
    (re.compile(r"\bte (lo|la|los|las)\b", re.I), r"se \1"),
    (re.compile(r"\b(para|a|de|en|por|sin|con) ti\b", re.I), r"\1 usted"),
]
# "si compras", "cuando llegues": after these a word ending in -as/-es is a verb.
_AFTER_IF = re.compile(r"\b(?:si|cuando) (?!no\b)[a-záéíóúñ]{3,}[aeé]s\b", re.I)
_NOT_VERBS = frozenset(
    "las les los mas mis tus sus nos vez veces antes otras algunas muchas "
    "todas estas esas aquellas cosas".split()
)
# Infinitive or gerund + "te": "ayudarte" -> "ayudarle". Not "parte", "suerte", "advierte".
_ENCLITIC = re.compile(r"\b([a-záéíóúñ]+(?:ar|er|ir|ándo|iéndo|yéndo))te\b", re.I)
_NOT_ENCLITIC = re.compile(r"(?:parte|ierte|uerte|^marte|baluarte|estandarte|inerte|alerte)$")
# (not after "¿": "¿Confirma…?", "¿Llama por su pedido?" are usted questions)
_CLAUSE_START = re.compile(r"(?:^|[¡,;:]\s*|\b(?:y|o|pero|luego|entonces|favor)\s+)$", re.I)
_WORD = re.compile(r"[A-Za-zÁÉÍÓÚÜÑáéíóúüñ]+")
# "tú" forms left after the rewrite: the sentence is replaced.
_VOSEO = frozenset(
    """vos tenés podés querés sabés necesitás hacés decís vení mirá decime contame escribime
    fijate""".split()
)
_NOT_PRETERITE = re.compile(
    r"(?:siste|xiste|triste|chiste|piste|quiste|contraste|desgaste|engaste|reviste|embiste"
    r"|amatiste|^traste|^gaste|^baste)$"
)
_PRETERITE = re.compile(r"^[a-záéíóúñ]+(?:aste|iste|íste)$")


def _cased(word: str, usted: str) -> str:
    return usted[:1].upper() + usted[1:] if word[:1].isupper() else usted


def _expanded(usted: str, match: re.Match[str]) -> str:
    return _cased(match.group(0), match.expand(usted))


def _verbal_s(match: re.Match[str]) -> str:
    """'si compras' -> 'si compra' (a listed word gets its listed form)."""
    head, word = match.group(0).rsplit(" ", 1)
    low = word.lower()
    if low in _NOT_VERBS:
        return match.group(0)
    return f"{head} {_cased(word, _USTED_WORDS.get(low, low[:-1]))}"


def to_usted(sentence: str) -> str | None:
    """The sentence in "usted": "tú" forms rewritten where the rewrite is safe ("¿Tienes tu
    número de pedido?" -> "¿Tiene su número de pedido?", "Dime" -> "Dígame", "ayudarte" ->
    "ayudarle"), or None when a "tú" form is left that has no safe rewrite ("llegaste",
    voseo)."""
    text = sentence
    for pattern, usted in _PHRASES:
        text = pattern.sub(functools.partial(_expanded, usted), text)
    text = _AFTER_IF.sub(_verbal_s, text)
    text = _ENCLITIC.sub(
        lambda m: m.group(0) if _NOT_ENCLITIC.search(m.group(0).lower()) else m.group(1) + "le",
        text,
    )

    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        low = w.lower()
        if low in _USTED_WORDS:
            return _cased(w, _USTED_WORDS[low])
        if low in _IMPERATIVES and _CLAUSE_START.search(text[: m.start()]):
            return _cased(w, _IMPERATIVES[low])
        if _PRETERITE.match(low) and low.endswith("aste") and not _NOT_PRETERITE.search(low):
            return w[:-4] + "ó"  # "llegaste" -> "llegó": every -ar preterite is regular
        if re.fullmatch(r"[a-záéíóúñ]{2,}rás", low) and low not in {"atrás", "detrás"}:
            return w[:-2] + "á"  # future: "recibirás" -> "recibirá"
        return w

    text = _WORD.sub(word, text)
    return None if tu_left(text) else text


def tu_left(sentence: str) -> bool:
    """Whether a "tú" (or "vos") form is in the sentence."""
    for w in _WORD.findall(sentence):
        low = w.lower()
        if low in _VOSEO or (low in _USTED_WORDS and low not in {"te", "ve", "ven"}):
            return True
        if _PRETERITE.match(low) and not _NOT_PRETERITE.search(low):
            return True
    return False


# ---- the store's own name ---------------------------------------------------------------------
_NAME_SLOT = re.compile(
    r"\b((?i:gracias por (?:llamar|comunicarse|contactar(?:nos)?) (?:a|con)|bienvenid[oa]s? a"
    r"|asistente (?:automático |automatico |virtual )?de|somos)\s+)"
    r"((?:[A-ZÁÉÍÓÚÑ][\wáéíóúñ'-]*\s?){1,4})"
)


def right_store_name(sentence: str, store_name: str) -> str:
    """The store's name where the sentence names the store ("gracias por llamar a Go Lat")."""
    if not store_name:
        return sentence
    want = fold(store_name)

    def fix(m: re.Match[str]) -> str:
        said = fold(m.group(2))
        if not said or said in want or want in said:
            return m.group(0)
        if SequenceMatcher(None, said, want).ratio() >= 0.9:
            return m.group(0)
        tail = " " if m.group(2).endswith(" ") else ""
        return f"{m.group(1)}{store_name}{tail}"

    return _NAME_SLOT.sub(fix, sentence)


# ---- short ------------------------------------------------------------------------------------
_CLAUSE = re.compile(r"[,;:]\s+|\s+(?=(?:y|pero|aunque|porque|o)\s)")


def shortened(sentence: str, max_words: int) -> str | None:
    """The sentence if it has at most `max_words` words; else cut at the last clause that
    fits (ended with a full stop), or None when no clause of four words or more fits."""
    if len(sentence.split()) <= max_words:
        return sentence
    cut = None
    for m in _CLAUSE.finditer(sentence):
        head = sentence[: m.start()].rstrip(" ,;:")
        if len(head.split()) > max_words:
            break
        cut = head
    if cut is None or len(cut.split()) < 4:
        return None
    opener = "¿" in cut and "?" not in cut
    return cut + ("?" if opener else ".")
