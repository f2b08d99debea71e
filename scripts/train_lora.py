"""LoRA fine-tuning of the 0.5B dialogue model on data/lora/train.jsonl, on the CPU (issue 17).

    nice -n 19 .venv/bin/python scripts/train_lora.py --steps 2 --batch 2   # smoke run
    nice -n 19 .venv/bin/python scripts/train_lora.py > /tmp/train_lora.log 2>&1  # ~45 min
    .venv/bin/python scripts/train_lora.py --gguf-only     # convert models/lora/ again

Trains a `peft` LoRA adapter on the transformers weights set-up made from the GGUF
(models/qwen0.5b-bf16), loss only on the assistant reply, then converts it with llama.cpp's own
`convert_lora_to_gguf.py` so the default llama.cpp runtime loads it (`llm.adapter`).

Why a cached prefix: every example starts with the same system prompt (~80 % of its tokens).
Each step evaluates it once, with the adapter on but without gradients, and repeats its keys
and values across the batch; only the rest (history, caller turn, reply) is trained with
gradients. The forward pass is what inference computes; the adapter just gets no gradient
through the system prompt's positions, and a step costs about a quarter of the full one.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voicebot.models import _sha256  # noqa: E402  # set-up's own checksum of model files

DATA = ROOT / "data" / "lora" / "train.jsonl"
BASE = ROOT / "models" / "qwen0.5b-bf16"
OUT = ROOT / "models" / "lora"
GGUF_NAME = "qwen0.5b-es-lora.gguf"
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
# llama.cpp's converter ships in the llama-cpp-python sdist (the version the runtime pins).
CONVERTER_GLOB = "llama_cpp_python-*/vendor/llama.cpp/convert_lora_to_gguf.py"


def load_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def encode(
    tokenizer: Any, messages: list[dict[str, str]], prefix: list[int]
) -> tuple[list[int], list[int]]:
    """(suffix ids, labels) of one chat after the shared system-prompt `prefix`: labels are
    -100 except on the reply and its end-of-turn token, the only text the model should learn."""
    prompt = tokenizer.apply_chat_template(
        messages[:-1], tokenize=False, add_generation_prompt=True
    )
    ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    reply = tokenizer(messages[-1]["content"] + "<|im_end|>", add_special_tokens=False)["input_ids"]
    if ids[: len(prefix)] != prefix:
        raise ValueError("the chat does not start with the shared system prompt")
    suffix = ids[len(prefix) :] + reply
    labels = [-100] * (len(ids) - len(prefix)) + reply
    return suffix, labels


def train(args: argparse.Namespace) -> dict[str, Any]:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer, DynamicCache

    torch.set_num_threads(2)
    torch.manual_seed(args.seed)
    tokenizer = AutoTokenizer.from_pretrained(BASE)
    model = AutoModelForCausalLM.from_pretrained(BASE, dtype=torch.bfloat16)
    config = LoraConfig(
        r=args.rank,
        lora_alpha=args.alpha,
        lora_dropout=0.05,
        target_modules=TARGETS,
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, config)  # adapter weights in float32, the base in bf16
    model.print_trainable_parameters()

    rows = load_rows(args.data)
    system = rows[0]["messages"][0]
    prefix_text = tokenizer.apply_chat_template([system], tokenize=False)
    prefix = tokenizer(prefix_text, add_special_tokens=False)["input_ids"]
    examples = [
        encode(tokenizer, r["messages"], prefix) for r in rows if r["messages"][0] == system
    ]
    rng = random.Random(args.seed)
    rng.shuffle(examples)
    need = args.steps * args.batch
    examples = examples[: min(need, len(examples))]
    lengths = [len(s) for s, _ in examples]
    print(f"examples {len(examples)} (of {len(rows)}), prefix {len(prefix)} tokens, suffix "
          f"mean {sum(lengths) / len(lengths):.0f} max {max(lengths)}", flush=True)  # fmt: skip

    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.0)
    warmup = max(1, args.steps // 10)

    def lr_at(step: int) -> float:  # linear warm-up, cosine down to a tenth
        if step < warmup:
            return args.lr * (step + 1) / warmup
        t = (step - warmup) / max(1, args.steps - warmup)
        return args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))

    prefix_ids = torch.tensor([prefix])
    losses: list[float] = []
    started = time.perf_counter()
    order = list(range(len(examples)))
    model.train()
    for step in range(args.steps):
        if step * args.batch % len(order) == 0 and step:
            rng.shuffle(order)  # a new epoch
        picks = [order[(step * args.batch + k) % len(order)] for k in range(args.batch)]
        batch = [examples[i] for i in picks]
        width = max(len(s) for s, _ in batch)
        ids = torch.full((len(batch), width), tokenizer.pad_token_id or 0)
        labels = torch.full((len(batch), width), -100)
        mask = torch.zeros((len(batch), len(prefix) + width), dtype=torch.long)
        mask[:, : len(prefix)] = 1
        for k, (s, lab) in enumerate(batch):  # right padding: pads only follow real tokens
            ids[k, : len(s)] = torch.tensor(s)
            labels[k, : len(lab)] = torch.tensor(lab)
            mask[k, len(prefix) : len(prefix) + len(s)] = 1
        with torch.no_grad():
            cache = DynamicCache()
            model(input_ids=prefix_ids, past_key_values=cache, use_cache=True)
            cache.batch_repeat_interleave(len(batch))
        positions = (
            torch.arange(len(prefix), len(prefix) + width).unsqueeze(0).expand(len(batch), -1)
        )
        out = model(
            input_ids=ids,
            attention_mask=mask,
            position_ids=positions,
            past_key_values=cache,
            use_cache=True,
        )
        logits = out.logits[:, :-1].float()
        target = labels[:, 1:]
        loss = torch.nn.functional.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), target.reshape(-1), ignore_index=-100
        )
        for group in optim.param_groups:
            group["lr"] = lr_at(step)
        optim.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optim.step()
        losses.append(loss.item())
        elapsed = time.perf_counter() - started
        eta = elapsed / (step + 1) * (args.steps - step - 1)
        print(f"step {step + 1}/{args.steps} loss {loss.item():.4f} lr {lr_at(step):.2e} "
              f"{elapsed / (step + 1):.1f} s/step elapsed {elapsed / 60:.1f} min eta "
              f"{eta / 60:.1f} min", flush=True)  # fmt: skip
        if args.save_every and (step + 1) % args.save_every == 0 and step + 1 < args.steps:
            save(model, args.out, losses, args, time.perf_counter() - started, len(examples))
    seconds = time.perf_counter() - started
    return save(model, args.out, losses, args, seconds, len(examples))


def save(model: Any, out: Path, losses: list[float], args: argparse.Namespace, seconds: float,
         n_examples: int) -> dict[str, Any]:  # fmt: skip
    """The peft adapter (its tensors in bf16: half the size, and what the base runs in) and
    the training figures the data card quotes."""
    import torch
    from safetensors.torch import load_file, save_file

    out.mkdir(parents=True, exist_ok=True)
    card = out / "README.md"
    kept = card.read_text(encoding="utf-8") if card.exists() else None
    model.save_pretrained(out)  # also writes a generic README.md: our data card stays
    if kept is not None:
        card.write_text(kept, encoding="utf-8")
    # peft writes the base's absolute path; the repository's relative one travels with it
    config_file = out / "adapter_config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = str(BASE.relative_to(ROOT))
    config_file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    weights = out / "adapter_model.safetensors"
    tensors = {k: v.to(torch.bfloat16) for k, v in load_file(weights).items()}
    save_file(tensors, weights, metadata={"format": "pt"})
    tenth = max(1, len(losses) // 10)
    figures = {
        "steps": len(losses),
        "batch": args.batch,
        "examples": n_examples,
        "rank": args.rank,
        "alpha": args.alpha,
        "lr": args.lr,
        "seed": args.seed,
        "train_seconds": round(seconds),
        "loss_first": round(sum(losses[:tenth]) / tenth, 4),
        "loss_last": round(sum(losses[-tenth:]) / tenth, 4),
        "loss_curve": [round(x, 4) for x in losses],
        "base_sha256": _sha256(BASE / "model.safetensors"),
        "threads": 2,
    }
    (out / "training.json").write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
    print(f"saved adapter to {out} ({weights.stat().st_size / 1e6:.1f} MB)", flush=True)
    return figures


def to_gguf(out: Path, converter_dir: Path) -> Path:
    """llama.cpp's own converter: the peft adapter, against the base's HF config, as GGUF."""
    found = sorted(converter_dir.glob(CONVERTER_GLOB))
    if not found:
        raise SystemExit(
            f"convert_lora_to_gguf.py not found under {converter_dir}: unpack the sdist there, "
            "`pip download llama-cpp-python==0.3.36 --no-deps --no-binary :all:`"
        )
    script = found[-1]
    target = out / GGUF_NAME
    env_path = str(script.parent / "gguf-py")
    subprocess.run(
        [sys.executable, str(script), str(out), "--base", str(BASE), "--outtype", "f16",
         "--outfile", str(target)],
        check=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )  # fmt: skip
    print(f"GGUF adapter: {target} ({target.stat().st_size / 1e6:.1f} MB)", flush=True)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--rank", type=int, default=4)
    parser.add_argument("--alpha", type=int, default=8)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--save-every", type=int, default=25, help="checkpoint every N steps")
    parser.add_argument("--converter-dir", type=Path, default=Path("/tmp/lcpp"),
                        help="where the llama-cpp-python sdist is unpacked")  # fmt: skip
    parser.add_argument("--no-gguf", action="store_true")
    parser.add_argument("--gguf-only", action="store_true")
    args = parser.parse_args()
    if not args.gguf_only:
        figures = train(args)
        print(f"trained {figures['steps']} steps in {figures['train_seconds'] / 60:.1f} min, "
              f"loss {figures['loss_first']} -> {figures['loss_last']}", flush=True)  # fmt: skip
    if not args.no_gguf:
        to_gguf(args.out, args.converter_dir)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
