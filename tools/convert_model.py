#!/usr/bin/env python3
"""npm run models -- convert SRC DST: a local Hugging Face BERT checkpoint (cross-encoder or
bi-encoder) -> the ONNX layout Sieve loads (the Xenova layout of the hub):

  DST/config.json, tokenizer files (tokenizer.json / vocab.txt, tokenizer_config.json,
  special_tokens_map.json), sentence-transformers files for a bi-encoder (modules.json,
  1_Pooling/, sentence_bert_config.json), and
  DST/onnx/model.onnx                   fp32
  DST/onnx/model_quantized.onnx         int8 (ONNX Runtime dynamic quantization, per channel)
  DST/onnx/model_static_quantized.onnx  int8, static: activation scales calibrated in advance
                                        (QDQ, tools/quantize_static.py), so a pair scores the same
                                        in any batch; cross-encoders only
  DST/onnx/model_fp16.onnx              fp16 weights and activations, fp32 inputs/outputs (for GPUs)

The static int8 file needs calibration pairs like those the model will score: --calibration FILE
(JSONL lines {"query": ..., "document": ...}, or TSV query<TAB>document; a few hundred pairs of
realistic lengths) or --calibration DIR (a BEIR dataset: pairs from its qrels/train.tsv). Without
the flag, ../shared/datasets/scifact (train split) is used when it exists; otherwise convert stops
with exit 2 and says so: pass --calibration, or --no-static-int8 to skip the file. Never calibrate on
the pairs you evaluate on.

The weights are loaded as fp32 whatever dtype they are stored in. The result is checked before it
is moved into place: the fp32 graph must reproduce PyTorch on a few pairs (max |diff| <= 1e-4),
and the static int8 graph must score those pairs alone as it scores them batched (<= 1e-4), else
nothing is written. DST is written atomically (a temporary folder beside it, then renamed); an
existing non-empty DST is an error unless --force.

Graph fusions: ONNX Runtime's offline transformer optimizer (Attention, SkipLayerNormalization,
BiasGelu) is NOT applied by default: measured on this project's 2-core machine it did not beat the
plain export (see docs/onnx-runtime.md, "Converting a checkpoint"); --fusion applies it to all three
files for machines where it does.

Exit codes: 0 converted, 2 bad input (the message says what was wrong and how to fix it), 1 failed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

TOKENIZER_FILES = ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]
SENTENCE_TRANSFORMERS_FILES = ["modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"]
DEFAULT_CALIBRATION = Path(__file__).resolve().parent.parent.parent / "shared/datasets/scifact"
WEIGHT_FILES = ["model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json"]


class UsageProblem(Exception):
    """Bad input: exit 2 with the message."""


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_reporting(command: str, work: Callable[[], dict]) -> dict | int:
    """Runs a tool's work: its report, or the exit code after one line for the user (2 for bad
    input, 1 for a failure; SIEVE_DEBUG=1 raises instead, with the trace)."""
    try:
        return work()
    except UsageProblem as problem:
        log(f"{command}: {problem}")
        return 2
    except Exception as error:  # noqa: BLE001 - one line for the user, the trace with SIEVE_DEBUG
        if os.environ.get("SIEVE_DEBUG"):
            raise
        log(f"{command}: failed: {error}")
        return 1


def inspect_checkpoint(source: Path) -> tuple[str, dict]:
    """Returns ('cross-encoder' | 'bi-encoder', config) or raises UsageProblem naming the fix."""
    if not source.exists():
        raise UsageProblem(f"{source} does not exist; pass a local Hugging Face checkpoint folder (config.json, weights, tokenizer files)")
    if not source.is_dir():
        raise UsageProblem(f"{source} is a file; pass the checkpoint's folder, not one of its files")
    config_file = source / "config.json"
    if not config_file.exists():
        raise UsageProblem(f"{source} has no config.json: not a Hugging Face checkpoint folder")
    try:
        config = json.loads(config_file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise UsageProblem(f"{config_file} is not valid JSON ({error})") from error
    model_type = config.get("model_type")
    if model_type != "bert":
        raise UsageProblem(
            f"{source} is a '{model_type}' model; convert handles BERT checkpoints (model_type 'bert': "
            "the ms-marco cross-encoders, MiniLM, TinyBERT, all-MiniLM bi-encoders). Export other "
            "architectures with optimum (`optimum-cli export onnx`) into the same layout")
    if not any((source / name).exists() for name in WEIGHT_FILES):
        raise UsageProblem(f"{source} has no weights ({' or '.join(WEIGHT_FILES[::2])}); download the full checkpoint, not only its config")
    if not any((source / name).exists() for name in ["tokenizer.json", "vocab.txt"]):
        raise UsageProblem(f"{source} has no tokenizer (tokenizer.json or vocab.txt); Sieve tokenizes in JavaScript from these files")
    architectures = config.get("architectures") or []
    if any(name.endswith("ForSequenceClassification") for name in architectures):
        labels = config.get("num_labels", len(config.get("id2label", {})) or 1)
        if labels != 1:
            raise UsageProblem(f"{source} is a classifier with {labels} labels; a Sieve cross-encoder has one output (a relevance logit)")
        return "cross-encoder", config
    if (source / "modules.json").exists() or "BertModel" in architectures:
        return "bi-encoder", config
    raise UsageProblem(
        f"{source} has architectures {architectures}: neither a cross-encoder (BertForSequenceClassification) "
        "nor a bi-encoder (BertModel, or a sentence-transformers folder with modules.json)")


def load_model(source: Path, kind: str):
    import torch
    from transformers import BertForSequenceClassification, BertModel

    if kind == "cross-encoder":
        model = BertForSequenceClassification.from_pretrained(str(source), dtype=torch.float32)
    else:
        model = BertModel.from_pretrained(str(source), dtype=torch.float32, add_pooling_layer=False)
    # Eager attention: the exporter traces it exactly; SDPA may take other kernels per shape.
    model.config._attn_implementation = "eager"
    return model.eval()


def sample_inputs(source: Path, kind: str, max_length: int):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(source))
    queries = ["does aspirin reduce the risk of heart attack?", "what is the capital of france", "x"]
    documents = [
        "Aspirin lowers the risk of a first heart attack in adults at high cardiovascular risk.",
        "Paris is the capital and most populous city of France. " * 8,
        "",
    ]
    if kind == "cross-encoder":
        return tokenizer([q for q in queries for _ in documents], [d for _ in queries for d in documents],
                         truncation="longest_first", max_length=max_length, padding=True, return_tensors="pt")
    return tokenizer(queries + documents, truncation=True, max_length=max_length, padding=True, return_tensors="pt")


def reference_outputs(model, kind: str, encoded):
    import torch

    with torch.no_grad():
        out = model(**encoded)
    if kind == "cross-encoder":
        return out.logits.numpy()
    # Compare the hidden states where the mask is set (padding rows are free to differ).
    return out.last_hidden_state.numpy()


def onnx_outputs(path: Path, encoded, kind: str):
    import numpy as np
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = {i.name for i in session.get_inputs()}
    feeds = {name: encoded[name].numpy().astype(np.int64) for name in ["input_ids", "attention_mask", "token_type_ids"] if name in names}
    return session.run(None, feeds)[0]


def max_difference(reference, actual, encoded, kind: str) -> float:
    import numpy as np

    if kind == "cross-encoder":
        return float(np.abs(reference - actual).max())
    mask = encoded["attention_mask"].numpy().astype(bool)
    return float(np.abs(reference - actual)[mask].max())


def resolve_calibration(calibration: Path | None, kind: str, enabled: bool) -> tuple[list, str] | None:
    """The static int8 file's calibration pairs and where they came from, None when the file is not
    made (--no-static-int8, or a bi-encoder). Raises UsageProblem naming the fix."""
    from quantize_static import beir_calibration_pairs, read_calibration_file

    if not enabled or kind != "cross-encoder":
        return None
    if calibration is None:
        if not DEFAULT_CALIBRATION.exists():
            raise UsageProblem(
                "the static int8 file (onnx/model_static_quantized.onnx) needs calibration pairs: pass "
                "--calibration FILE (JSONL {\"query\": ..., \"document\": ...} or TSV query<TAB>document, "
                "a few hundred pairs like those the model will score) or --calibration DIR (a BEIR dataset "
                "with qrels/train.tsv), or --no-static-int8 to skip that file")
        calibration = DEFAULT_CALIBRATION
    if not calibration.exists():
        raise UsageProblem(f"--calibration {calibration} does not exist; pass a JSONL/TSV file of pairs or a BEIR "
                           "dataset folder, or --no-static-int8 to skip the static int8 file")
    try:
        if calibration.is_dir():
            return beir_calibration_pairs(calibration, split="train"), f"{calibration} (train split)"
        return read_calibration_file(calibration), str(calibration)
    except (OSError, ValueError) as problem:
        raise UsageProblem(f"--calibration: {problem}") from problem


def calibration_length(folder: Path, limit: int) -> int:
    """The calibration pairs' token limit: the tokenizer's model_max_length when set, within `limit`."""
    config = folder / "tokenizer_config.json"
    declared = json.loads(config.read_text(encoding="utf-8")).get("model_max_length") if config.exists() else None
    return min(limit, int(declared)) if isinstance(declared, (int, float)) and declared < 100_000 else limit


def batch_invariance(path: Path, encoded) -> float:
    """Max |score batched - score alone| over the check pairs (each alone without padding)."""
    import numpy as np

    batched = onnx_outputs(path, encoded, "cross-encoder")
    worst = 0.0
    for row, length in enumerate(encoded["attention_mask"].sum(dim=1).tolist()):
        alone = {name: tensor[row:row + 1, :length] for name, tensor in encoded.items()}
        worst = max(worst, float(np.abs(onnx_outputs(path, alone, "cross-encoder") - batched[row]).max()))
    return worst


def fuse(path: Path, config: dict) -> None:
    """ONNX Runtime's transformer optimizer, in place (Attention, SkipLayerNorm, BiasGelu)."""
    from onnxruntime.transformers.optimizer import optimize_model

    optimized = optimize_model(str(path), model_type="bert", num_heads=config["num_attention_heads"],
                               hidden_size=config["hidden_size"], opt_level=1, use_gpu=False)
    optimized.save_model_to_file(str(path))


def convert(source: Path, destination: Path, *, force: bool, fusion: bool, max_length: int | None,
            calibration: Path | None = None, static_int8: bool = False) -> dict:
    """Converts SOURCE into DESTINATION (see the module doc). `static_int8` also writes the static
    int8 file, calibrated on `calibration` (or the default dataset); the command line turns it on,
    other callers (distill.py) opt in."""
    kind, config = inspect_checkpoint(source)
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        if not force:
            raise UsageProblem(f"{destination} exists and is not empty; pick another destination or pass --force to replace it")
        if destination.resolve() == source.resolve() or source.resolve() in destination.resolve().parents:
            raise UsageProblem(f"{destination} is (inside) the source folder; convert into another folder")
    if destination.resolve() in source.resolve().parents or destination.resolve() == source.resolve():
        raise UsageProblem(f"{destination} contains the source folder; convert into another folder")
    calibrated = resolve_calibration(calibration, kind, static_int8)

    # Imported here so that bad input fails fast, before torch loads.
    import onnx
    from export_models import export_onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.float16 import convert_float_to_float16
    from quantize_static import STATIC_INT8_FILE, quantize_static_int8

    started = time.perf_counter()
    limit = max_length or min(int(config.get("max_position_embeddings", 512)), 512)
    log(f"converting {source} ({kind}, {config.get('num_hidden_layers')} layers, H{config.get('hidden_size')})")
    model = load_model(source, kind)
    encoded = sample_inputs(source, kind, limit)
    # The reference comes first: the exporter must not touch the model it is checked against.
    reference = reference_outputs(model, kind, encoded)
    destination.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{destination.name}.", dir=destination.parent))
    # mkdtemp makes the folder private (0700); the model folder gets the usual mode (umask applies).
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(work, 0o777 & ~umask)
    try:
        for name in TOKENIZER_FILES + SENTENCE_TRANSFORMERS_FILES + ["config.json", "README.md"]:
            if (source / name).exists():
                shutil.copy(source / name, work / name)
        for pooling in source.glob("*_Pooling"):
            shutil.copytree(pooling, work / pooling.name)
        for normalize in source.glob("*_Normalize"):
            shutil.copytree(normalize, work / normalize.name)
        export_onnx(model, work, True, kind, quantize=False)
        fp32 = work / "onnx/model.onnx"
        # Static int8 starts from the unfused graph (quant_pre_process cannot type fused ops).
        plain = work / "plain-model.onnx"
        shutil.copy(fp32, plain)
        if fusion:
            fuse(fp32, config)
        difference = max_difference(reference, onnx_outputs(fp32, encoded, kind), encoded, kind)
        if difference > 1e-4:
            raise RuntimeError(f"the fp32 ONNX graph differs from PyTorch by {difference:.2e} (> 1e-4); nothing was written")
        # A fused graph holds com.microsoft ops that shape inference cannot type: say the default.
        quantize_dynamic(str(fp32), str(work / "onnx/model_quantized.onnx"), weight_type=QuantType.QInt8,
                         per_channel=True, reduce_range=True,
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT} if fusion else {})
        int8_difference = max_difference(reference, onnx_outputs(work / "onnx/model_quantized.onnx", encoded, kind), encoded, kind)
        static_report: dict = {}
        if calibrated:
            pairs, origin = calibrated
            static = work / "onnx" / STATIC_INT8_FILE
            stats = quantize_static_int8(plain, static, work, pairs, max_length=calibration_length(work, limit))
            invariance = batch_invariance(static, encoded)
            if invariance > 1e-4:
                raise RuntimeError(f"the static int8 graph scores a pair differently alone and batched ({invariance:.2e}); nothing was written")
            static_report = {
                "staticInt8MaxAbsDiff": max_difference(reference, onnx_outputs(static, encoded, kind), encoded, kind),
                "staticInt8BatchInvariance": invariance,
                "staticInt8Calibration": {"source": origin, "pairs": stats.pairs,
                                          "tokens": {"min": stats.tokens_min, "max": stats.tokens_max, "mean": stats.tokens_mean}},
            }
        plain.unlink()
        half = convert_float_to_float16(onnx.load(str(fp32)), keep_io_types=True)
        onnx.save(half, str(work / "onnx/model_fp16.onnx"))
        report = {
            "source": str(source),
            "destination": str(destination),
            "kind": kind,
            "layers": config.get("num_hidden_layers"),
            "hidden": config.get("hidden_size"),
            "fusion": fusion,
            "fp32MaxAbsDiff": difference,
            "int8MaxAbsDiff": int8_difference,
            **static_report,
            "files": {path.name: path.stat().st_size for path in sorted((work / "onnx").iterdir())},
            "seconds": round(time.perf_counter() - started, 1),
        }
        (work / "SIEVE_CONVERTED.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        if destination.exists():
            shutil.rmtree(destination)
        work.rename(destination)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="npm run models -- convert", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("source", help="local Hugging Face checkpoint folder")
    parser.add_argument("destination", help="folder to write (must not exist, or be empty, unless --force)")
    parser.add_argument("--force", action="store_true", help="replace a non-empty destination")
    parser.add_argument("--fusion", action="store_true", help="apply ONNX Runtime's transformer graph fusions")
    parser.add_argument("--max-length", type=int, help="length of the check inputs (default: the model's limit, at most 512)")
    parser.add_argument("--calibration", help="static int8 calibration pairs: JSONL/TSV file or BEIR dataset folder "
                                              "(default ../shared/datasets/scifact when present)")
    parser.add_argument("--no-static-int8", action="store_true", help="do not write onnx/model_static_quantized.onnx")
    parser.add_argument("--cwd", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    base = Path(args.cwd) if args.cwd else Path.cwd()
    source = (base / args.source).resolve() if not Path(args.source).is_absolute() else Path(args.source)
    destination = (base / args.destination) if not Path(args.destination).is_absolute() else Path(args.destination)
    calibration = None if args.calibration is None else (
        Path(args.calibration) if Path(args.calibration).is_absolute() else (base / args.calibration).resolve())
    report = run_reporting("models convert", lambda: convert(
        source, destination.resolve(), force=args.force, fusion=args.fusion, max_length=args.max_length,
        calibration=calibration, static_int8=not args.no_static_int8))
    if isinstance(report, int):
        return report
    print(json.dumps(report, indent=2))
    static = f", static int8 {report['staticInt8MaxAbsDiff']:.2f}" if "staticInt8MaxAbsDiff" in report else ""
    log(f"wrote {report['destination']} ({report['kind']}): fp32 max |diff| vs PyTorch {report['fp32MaxAbsDiff']:.1e}, "
        f"int8 {report['int8MaxAbsDiff']:.2f}{static}, {report['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
