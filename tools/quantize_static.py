#!/usr/bin/env python3
"""Static (calibrated) int8 quantization of a Sieve ONNX cross-encoder, in QDQ format.

Sieve's default int8 file (onnx/model_quantized.onnx) is made by ONNX Runtime's *dynamic*
quantization: each MatMul input is quantized with a scale computed from the batch it is in, so a
pair's score depends on its batch-mates. Static quantization fixes every activation scale in
advance from calibration data, so a pair scores the same in any batch (as fp32 does).

What this module makes, by default (chosen by tools/bench_static_int8.py; docs/onnx-runtime.md,
"Static vs dynamic int8"):

  * the fp32 graph pre-processed by `onnxruntime.quantization.shape_inference.quant_pre_process`
    (shape inference and constant folding, as ONNX Runtime recommends before quantizing);
  * QuantizeLinear/DequantizeLinear pairs (QDQ) on the inputs of the MatMuls whose second input is
    a weight (the Q, K, V, attention-output and feed-forward projections). The two attention
    MatMuls (activation x activation) stay fp32, as in the dynamic file; unlike it, so do the
    pooler and classifier Gemms and the embedding tables (hence 57 MB for MiniLM-L6, not 22 MB);
  * activations uint8, asymmetric, their ranges from the 99.999th percentile of calibration
    histograms; weights int8, symmetric, per output channel, 7-bit (reduce_range) as in the
    dynamic file;
  * only the quantized MatMuls read the quantized activation: the other readers of the same tensor
    (the residual Add / LayerNorm, Shape) are rewired to the float tensor after quantize_static
    (`restore_float_consumers`), so the residual stream stays fp32 as in the dynamic file;
  * MatMul outputs stay float (no QDQ after the MatMul): ONNX Runtime's CPU provider then fuses
    DequantizeLinear + MatMul into MatMulIntegerToFloat, the kernel the dynamic file also ends up
    in, without the per-batch min/max pass.

Calibration pairs: a JSONL or TSV file of (query, document) pairs (`read_calibration_file`), or a
BEIR dataset's train split (`beir_calibration_pairs`: for each train query its judged document and a
document judged for another query, each whole and cut to a 2-3 sentence passage, so that short and
long inputs are both seen). Calibrate on data like what the model will score, never on the pairs you
evaluate it on.

Command line (the conversion command `npm run models -- convert` calls the same function):

  tools/.venv/bin/python tools/quantize_static.py MODEL_DIR [--calibration FILE | --dataset DIR]
      [--out FILE] [--per-tensor] [--method percentile|minmax|entropy]

MODEL_DIR is a converted model folder (onnx/model.onnx and tokenizer files); the default output is
MODEL_DIR/onnx/model_static_quantized.onnx.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import re
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parent.parent
STATIC_INT8_FILE = "model_static_quantized.onnx"
"""File name of the static int8 model inside a model folder's onnx/."""

CalibrationMethodName = Literal["minmax", "percentile", "entropy"]


@dataclass(frozen=True)
class Pair:
    """One (query, document) input of a cross-encoder."""

    query: str
    document: str


@dataclass(frozen=True)
class StaticInt8Options:
    """How to quantize. The defaults are what `npm run models -- convert` writes, chosen by
    tools/bench_static_int8.py (docs/onnx-runtime.md, "Static vs dynamic int8")."""

    per_channel: bool = True
    """One weight scale per output column (True) or per tensor."""
    method: CalibrationMethodName = "percentile"
    """Activation range from calibration: min/max seen, a percentile of the histograms, or entropy."""
    percentile: float = 99.999
    """Only for method 'percentile'. Sensitive: 99.99 clipped BERT's outlier activations and
    agreed far worse with fp32 on the trained MiniLM (mean |diff| 2.3 on 100 pairs, vs 0.25)."""
    quantize_outputs: bool = False
    """Also quantize MatMul outputs (ORT then runs QLinearMatMul and dequantizes after it)."""
    reduce_range: bool = True
    """7-bit weights, as the dynamic file: avoids int16 saturation in the u8 x s8 kernels of x86
    CPUs without VNNI."""
    preprocess: bool = True
    """Run quant_pre_process (shape inference, constant folding) first."""
    op_types: tuple[str, ...] = ("MatMul",)
    """Operator types to quantize."""
    weight_matmuls_only: bool = True
    """Leave MatMuls whose second input is not a weight (attention Q.K^T, P.V) in fp32."""
    batch_size: int = 8
    """Pairs per calibration batch (length-sorted, padded to the longest in the batch)."""


@dataclass
class CalibrationStats:
    """What a calibration saw (reported next to the model)."""

    pairs: int = 0
    batches: int = 0
    tokens_min: int = 0
    tokens_max: int = 0
    tokens_mean: float = 0.0
    lengths: list[int] = field(default_factory=list, repr=False)


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def document_contents(document: dict) -> str:
    """Title + ' ' + text: what Sieve's scorers read for a BEIR document."""
    return f"{document['title']} {document['text']}" if document.get("title") else document["text"]


def sentence_passage(text: str, rng: random.Random) -> str:
    """2 or 3 consecutive sentences of `text` from a random start (the whole text if shorter)."""
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s]
    size = rng.choice([2, 3])
    if len(sentences) <= size:
        return text
    start = rng.randrange(len(sentences) - size + 1)
    return " ".join(sentences[start:start + size])


def beir_calibration_pairs(dataset: Path, *, split: str = "train", queries: int = 64, seed: int = 0) -> list[Pair]:
    """Calibration pairs from a BEIR dataset's `split` (use train; evaluate on test).

    For each of `queries` judged queries (seeded choice): its first judged document and a document
    judged for another query (plausible, mostly non-relevant), each whole (the model's max length
    truncates it) and cut to a 2-3 sentence passage: 4 pairs per query, short and long.
    """
    qrels = dataset / "qrels" / f"{split}.tsv"
    for needed in [dataset / "corpus.jsonl", dataset / "queries.jsonl", qrels]:
        if not needed.exists():
            raise FileNotFoundError(f"{needed} is missing: {dataset} is not a BEIR dataset with a {split} split")
    corpus = {row["_id"]: row for row in read_jsonl(dataset / "corpus.jsonl")}
    texts = {row["_id"]: row["text"] for row in read_jsonl(dataset / "queries.jsonl")}
    judged: dict[str, str] = {}
    for line in qrels.read_text(encoding="utf-8").splitlines()[1:]:
        query_id, document_id, score = line.split("\t")
        if int(score) > 0 and document_id in corpus and query_id in texts:
            judged.setdefault(query_id, document_id)
    rng = random.Random(seed)
    query_ids = sorted(judged, key=lambda value: (len(value), value))
    chosen = rng.sample(query_ids, min(queries, len(query_ids)))
    pairs: list[Pair] = []
    for query_id in chosen:
        other = judged[rng.choice([q for q in query_ids if judged[q] != judged[query_id]])]
        for document_id in [judged[query_id], other]:
            whole = document_contents(corpus[document_id])
            pairs.append(Pair(texts[query_id], whole))
            pairs.append(Pair(texts[query_id], sentence_passage(corpus[document_id]["text"], rng)))
    return pairs


def read_calibration_file(path: Path) -> list[Pair]:
    """Pairs from JSONL (`{"query": ..., "document": ...}` per line) or TSV (query<TAB>document).

    Raises ValueError naming the line when a line is not a pair, or when there is no pair.
    """
    pairs: list[Pair] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: not valid JSON ({error})") from error
            query, document = row.get("query"), row.get("document", row.get("text"))
        else:
            parts = line.split("\t")
            query, document = (parts[0], parts[1]) if len(parts) == 2 else (None, None)
        if not isinstance(query, str) or not isinstance(document, str) or not query or not document:
            raise ValueError(f'{path}:{number}: expected {{"query": ..., "document": ...}} or query<TAB>document')
        pairs.append(Pair(query, document))
    if not pairs:
        raise ValueError(f"{path} holds no calibration pairs")
    return pairs


def tokenize_batches(tokenizer_dir: Path, pairs: Sequence[Pair], input_names: set[str], *, max_length: int,
                     batch_size: int) -> tuple[list[dict], CalibrationStats]:
    """Length-sorted batches of int64 feeds (only the inputs the graph declares), as Sieve batches."""
    import numpy as np
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    lengths = [len(ids) for ids in tokenizer([p.query for p in pairs], [p.document for p in pairs],
                                            truncation="longest_first", max_length=max_length)["input_ids"]]
    order = sorted(range(len(pairs)), key=lambda index: lengths[index])
    feeds = []
    for start in range(0, len(order), batch_size):
        chosen = [pairs[index] for index in order[start:start + batch_size]]
        encoded = tokenizer([p.query for p in chosen], [p.document for p in chosen], truncation="longest_first",
                            max_length=max_length, padding=True, return_tensors="np")
        feeds.append({name: encoded[name].astype(np.int64) for name in encoded if name in input_names})
    stats = CalibrationStats(pairs=len(pairs), batches=len(feeds), tokens_min=min(lengths), tokens_max=max(lengths),
                             tokens_mean=round(sum(lengths) / len(lengths), 1), lengths=lengths)
    return feeds, stats


def _reader(feeds: list[dict]):
    from onnxruntime.quantization import CalibrationDataReader

    class FeedReader(CalibrationDataReader):
        """Hands the pre-tokenized batches to the calibrator: all of them, or the range that
        quantize_static's strided calibration (CalibStridedMinMax) sets."""

        def __init__(self) -> None:
            self._iterator: Iterator[dict] = iter(feeds)

        def get_next(self) -> dict | None:
            return next(self._iterator, None)

        def rewind(self) -> None:
            self._iterator = iter(feeds)

        def set_range(self, start_index: int, end_index: int) -> None:
            self._iterator = iter(feeds[start_index:end_index])

        def __len__(self) -> int:
            return len(feeds)

    return FeedReader()


def restore_float_consumers(model_path: Path, op_types: Sequence[str]) -> int:
    """Rewires, in place, the consumers of a QuantizeLinear -> DequantizeLinear pair that are not
    quantized operators back to the float tensor; returns how many inputs it rewired.

    quantize_static (QDQ) inserts the pair on a tensor and feeds *every* consumer from the
    DequantizeLinear: in BERT the LayerNorm output that enters the Q/K/V or feed-forward MatMul is
    also the residual input of the next Add/LayerNorm, so the residual stream itself would carry
    int8 rounding error, which dynamic quantization never adds. (DedicatedQDQPair does not help: it
    applies only where two or more quantized nodes share the tensor.) A pair whose DequantizeLinear
    feeds no quantized node (a quantized MatMul output) is left as it is.
    """
    import onnx

    model = onnx.load(str(model_path))
    graph = model.graph
    consumers: dict[str, list] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    source_of_quantized = {node.output[0]: node.input[0] for node in graph.node if node.op_type == "QuantizeLinear"}
    rewired = 0
    for dequantize in [node for node in graph.node if node.op_type == "DequantizeLinear"]:
        original = source_of_quantized.get(dequantize.input[0])
        users = consumers.get(dequantize.output[0], [])
        if original is None or not any(user.op_type in op_types for user in users):
            continue
        for user in users:
            if user.op_type in op_types:
                continue
            for index, name in enumerate(user.input):
                if name == dequantize.output[0]:
                    user.input[index] = original
                    rewired += 1
    if rewired:
        onnx.save(model, str(model_path))
    return rewired


def _stride(batches: int, most: int = 8) -> int:
    """The largest divisor of `batches` up to `most` (quantize_static wants the count divisible)."""
    return max(size for size in range(1, min(most, batches) + 1) if batches % size == 0)


def activation_matmuls(model_path: Path) -> list[str]:
    """Names of the MatMul nodes whose second input is computed (not an initializer or Constant)."""
    import onnx

    graph = onnx.load(str(model_path), load_external_data=False).graph
    constants = {tensor.name for tensor in graph.initializer}
    constants |= {output for node in graph.node if node.op_type == "Constant" for output in node.output}
    unnamed = [node for node in graph.node if node.op_type == "MatMul" and not node.name]
    if unnamed:
        raise ValueError(f"{model_path}: {len(unnamed)} MatMul nodes have no name; cannot exclude them")
    return [node.name for node in graph.node if node.op_type == "MatMul" and node.input[1] not in constants]


def graph_input_names(model_path: Path) -> set[str]:
    import onnx

    model = onnx.load(str(model_path), load_external_data=False)
    initializers = {tensor.name for tensor in model.graph.initializer}
    return {value.name for value in model.graph.input if value.name not in initializers}


def quantize_static_int8(fp32: Path, output: Path, tokenizer_dir: Path, pairs: Sequence[Pair], *,
                         options: StaticInt8Options = StaticInt8Options(), max_length: int = 256) -> CalibrationStats:
    """Writes `output`, the static QDQ int8 version of the fp32 graph `fp32`, calibrated on `pairs`.

    `tokenizer_dir` holds the model's tokenizer files; pairs are truncated to `max_length` tokens.
    Returns what the calibration saw. Raises ValueError when `pairs` is empty.
    """
    if not pairs:
        raise ValueError("static int8 needs calibration pairs; none were given")
    # quant_pre_process writes into a temporary folder and reads back by path: relative paths break it.
    fp32, output, tokenizer_dir = fp32.resolve(), output.resolve(), tokenizer_dir.resolve()
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    method = {"minmax": CalibrationMethod.MinMax, "percentile": CalibrationMethod.Percentile,
              "entropy": CalibrationMethod.Entropy}[options.method]
    feeds, stats = tokenize_batches(tokenizer_dir, pairs, graph_input_names(fp32), max_length=max_length,
                                    batch_size=options.batch_size)
    extra: dict = {
        # Strided calibration reduces a few batches at a time and merges the results, instead of
        # keeping every calibrated tensor of every batch (gigabytes for a few hundred long pairs,
        # with the histogram methods). Those stack a stride's batches into one array, so they need
        # equal shapes: one batch per stride. (Not CalibMaxIntermediateOutputs: in ORT 1.23 MinMax
        # discards the batches it drops instead of reducing them.)
        "CalibStridedMinMax": _stride(len(feeds)) if options.method == "minmax" else 1,
    }
    if options.method == "percentile":
        # ORT's percentile default is a symmetric range, which wastes half of uint8 on
        # mostly-positive tensors (GELU outputs).
        extra.update({"CalibPercentile": options.percentile, "CalibTensorRangeSymmetric": False})
    if not options.quantize_outputs:
        extra["OpTypesToExcludeOutputQuantization"] = list(options.op_types)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sieve-static-int8.") as scratch:
        source = fp32
        if options.preprocess:
            source = Path(scratch) / "preprocessed.onnx"
            # In the scratch folder: a failed symbolic shape inference leaves files in the cwd.
            with contextlib.chdir(scratch):
                try:
                    # auto_merge: the exported graph's symbolic dims do not all resolve without it.
                    quant_pre_process(str(fp32.resolve()), str(source), auto_merge=True)
                except Exception:  # noqa: BLE001 - symbolic inference is a nicety; ONNX's own suffices
                    quant_pre_process(str(fp32.resolve()), str(source), skip_symbolic_shape=True)
        # Like the dynamic file: only MatMuls with a weight B. (quantize_static's MatMulConstBOnly
        # is honoured by the QOperator format only, so the others are excluded by name.)
        excluded = activation_matmuls(source) if options.weight_matmuls_only else []
        # The histogram calibrators print progress on stdout, which carries convert's JSON report.
        with contextlib.redirect_stdout(sys.stderr):
            quantize_static(str(source), str(output), _reader(feeds), quant_format=QuantFormat.QDQ,
                            op_types_to_quantize=list(options.op_types), nodes_to_exclude=excluded,
                            per_channel=options.per_channel, reduce_range=options.reduce_range,
                            activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8,
                            calibrate_method=method, extra_options=extra)
    restore_float_consumers(output, options.op_types)
    return stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model", help="converted model folder (onnx/model.onnx, tokenizer files)")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--calibration", help="JSONL {query, document} or TSV query<TAB>document pairs")
    source.add_argument("--dataset", help="BEIR dataset whose train split calibrates "
                                          "(default ../shared/datasets/scifact when present)")
    parser.add_argument("--out", help=f"output file (default MODEL/onnx/{STATIC_INT8_FILE})")
    parser.add_argument("--per-tensor", action="store_true", help="one weight scale per tensor, not per channel")
    parser.add_argument("--method", choices=["percentile", "minmax", "entropy"], default="percentile")
    parser.add_argument("--max-length", type=int, default=256, help="calibration pairs' token limit")
    args = parser.parse_args(argv)
    model = Path(args.model)
    if not (model / "onnx/model.onnx").exists():
        print(f"quantize_static: {model}/onnx/model.onnx is missing; pass a converted model folder", file=sys.stderr)
        return 2
    default_dataset = ROOT.parent / "shared/datasets/scifact"
    try:
        if args.calibration:
            pairs = read_calibration_file(Path(args.calibration))
        elif args.dataset or default_dataset.exists():
            pairs = beir_calibration_pairs(Path(args.dataset) if args.dataset else default_dataset)
        else:
            print("quantize_static: no calibration data: pass --calibration FILE (JSONL or TSV pairs) or "
                  "--dataset DIR (a BEIR dataset with qrels/train.tsv)", file=sys.stderr)
            return 2
    except (OSError, ValueError) as problem:
        print(f"quantize_static: {problem}", file=sys.stderr)
        return 2
    output = Path(args.out) if args.out else model / "onnx" / STATIC_INT8_FILE
    options = StaticInt8Options(per_channel=not args.per_tensor, method=args.method)
    stats = quantize_static_int8(model / "onnx/model.onnx", output, model, pairs, options=options,
                                 max_length=args.max_length)
    print(f"wrote {output}: {stats.pairs} calibration pairs, {stats.tokens_min}-{stats.tokens_max} tokens "
          f"(mean {stats.tokens_mean})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
