#!/usr/bin/env python3
"""Static (calibrated QDQ) int8 vs dynamic int8 vs fp32 for Sieve's cross-encoders: speed,
agreement with fp32, batch invariance. One command reproduces the figures in docs/onnx-runtime.md:

  tools/.venv/bin/python tools/bench_static_int8.py

Needs .cache/models/{sieve-eval-MiniLM-L6-scifact, ms-marco-MiniLM-L-6-v2, ms-marco-TinyBERT-L-2-v2}
(`npm run models`) and ../shared/datasets/scifact. The static variants are built (tools/quantize_static.py)
into .cache/static-int8/<model>/<variant>.onnx, once (--rebuild builds again), calibrated on SciFact
*train* pairs only.

Speed (pairs/s, the random-weight architecture exports; weights do not change speed): ONNX Runtime
Python, CPU, intra-op threads 2, inter-op 1, sequential, graph optimization 'all', spinning off (as
Sieve's sessions). Inputs are SciFact queries with abstracts (title + text), truncated and padded to exactly
96 tokens (batches of 32) and 375 tokens (batches of 2, Sieve's 1,024-token budget). Every pass runs
every batch on every variant, interleaved (the machine is shared: all variants see the same
load); the figure is the median pass, and the ratio to dynamic int8 the median of per-pass ratios.

Agreement (the trained model, whose scores mean something): the first --queries SciFact test queries
(qrels order), each with its BM25 top --docs (title + text, k1 0.9, b 0.4), max 256 tokens. Batching
A: the pairs shuffled (seed 0) into batches of 32, padded to the longest; batching B: each pair
alone; batching C: shuffled again (seed 1) into batches of 32. Against fp32 (batching A): max and
mean |score diff|, per-query Kendall tau (median over queries), top-10 overlap (mean), nDCG@10 on
the test judgements; batch invariance: max |A - B|, and what it costs in ranks: per-query Kendall
tau, top-10 overlap, queries whose top 10 differs, and |nDCG@10 difference| between A and B and
between A and C (the same model, only the batch-mates differ).

Results: a markdown table on stdout, JSON under bench/results/.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import os
import random
import re
import statistics
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from quantize_static import (  # noqa: E402
    StaticInt8Options,
    beir_calibration_pairs,
    document_contents,
    quantize_static_int8,
    read_jsonl,
)

ROOT = Path(__file__).resolve().parent.parent
MODELS = ROOT / ".cache/models"
TRAINED = "sieve-eval-MiniLM-L6-scifact"
SPEED_MODELS = ["ms-marco-MiniLM-L-6-v2", "ms-marco-TinyBERT-L-2-v2"]

BASE = StaticInt8Options(method="minmax", reduce_range=False)
"""The reference static variant: per-channel weights, MinMax, full-range weights."""
VARIANTS: dict[str, StaticInt8Options] = {
    "static-default": StaticInt8Options(),
    "static-pc": BASE,
    "static-pt": replace(BASE, per_channel=False),
    "static-pc-embed": replace(BASE, op_types=("MatMul", "Gather")),
    "static-pc-attn": replace(BASE, weight_matmuls_only=False),
    "static-pc-qout": replace(BASE, quantize_outputs=True),
    "static-pc-rr": replace(BASE, reduce_range=True),
    "static-pc-noprep": replace(BASE, preprocess=False),
    "static-pc-pct": replace(BASE, method="percentile"),
    "static-pc-entropy": replace(BASE, method="entropy"),
}
"""Calibration method changes scales, not the graph: the speed models skip these."""
SPEED_ONLY_SKIP = {"static-pc-pct", "static-pc-entropy"}
DESCRIPTIONS = {
    "fp32": "fp32 (onnx/model.onnx)",
    "dynamic": "dynamic int8 (onnx/model_quantized.onnx: per channel, reduce_range)",
    "static-default": "what convert writes: static QDQ, per-channel, Percentile 99.999, reduce_range",
    "static-pc": "static QDQ, per-channel weights, MinMax, MatMul outputs float",
    "static-pt": "as static-pc, per-tensor weights",
    "static-pc-embed": "as static-pc, embedding tables int8 too (Gather)",
    "static-pc-attn": "as static-pc, attention MatMuls (Q.K^T, P.V) quantized too",
    "static-pc-qout": "as static-pc, MatMul outputs quantized too (QLinearMatMul)",
    "static-pc-rr": "as static-pc, reduce_range (7-bit weights)",
    "static-pc-noprep": "as static-pc, without quant_pre_process",
    "static-pc-pct": "as static-pc, Percentile 99.999 calibration",
    "static-pc-entropy": "as static-pc, Entropy calibration",
}
KEY_OPS = ["MatMul", "MatMulIntegerToFloat", "DynamicQuantizeMatMul", "QLinearMatMul", "MatMulInteger",
           "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "Gather"]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def session(path: Path, optimized: Path | None = None):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if optimized:
        options.optimized_model_filepath = str(optimized)
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def model_files(model: str, variants: list[str]) -> dict[str, Path]:
    files = {"fp32": MODELS / model / "onnx/model.onnx", "dynamic": MODELS / model / "onnx/model_quantized.onnx"}
    files.update({name: ROOT / ".cache/static-int8" / model / f"{name}.onnx" for name in variants})
    return files


def build(model: str, variants: list[str], dataset: Path, calibration_queries: int, rebuild: bool) -> dict:
    """Builds the missing static variants of `model`; returns calibration stats and build seconds."""
    pairs = beir_calibration_pairs(dataset, split="train", queries=calibration_queries)
    built = {}
    for name, path in model_files(model, variants).items():
        if not name.startswith("static") or (path.exists() and not rebuild):
            continue
        started = time.perf_counter()
        stats = quantize_static_int8(MODELS / model / "onnx/model.onnx", path, MODELS / model, pairs,
                                     options=VARIANTS[name], max_length=256)
        built[name] = {"seconds": round(time.perf_counter() - started, 1), "pairs": stats.pairs,
                       "tokens": [stats.tokens_min, stats.tokens_max, stats.tokens_mean]}
        log(f"built {model}/{name} in {built[name]['seconds']} s")
    return built


def optimized_ops(path: Path, scratch: Path) -> dict[str, int]:
    """Operator counts of the graph ONNX Runtime actually runs (after its 'all' optimizations)."""
    import onnx

    target = scratch / f"{path.stem}.optimized.onnx"
    session(path, target)
    counts = collections.Counter(node.op_type for node in onnx.load(str(target)).graph.node)
    target.unlink()
    return {op: counts[op] for op in KEY_OPS if counts[op]}


def fixed_length_batches(model: str, pairs: list[tuple[str, str]], length: int, batch: int) -> list[dict]:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(MODELS / model))
    feeds = []
    for start in range(0, len(pairs), batch):
        chunk = pairs[start:start + batch]
        encoded = tokenizer([q for q, _ in chunk], [d for _, d in chunk], truncation="longest_first",
                            max_length=length, padding="max_length", return_tensors="np")
        feeds.append({name: encoded[name].astype(np.int64) for name in ["input_ids", "attention_mask", "token_type_ids"]})
    return feeds


def speed(model: str, files: dict[str, Path], texts: list[tuple[str, str]], shapes: dict, passes: int) -> dict:
    """pairs/s per variant and shape. The machine is shared, so the variants are interleaved batch
    by batch (each batch runs on every variant, in an order that rotates), and each pass sums every
    variant's time over all batches: all variants see the same load. Reported: the median pass, and
    per pass the ratio to dynamic int8 (median over passes)."""
    sessions = {name: session(path) for name, path in files.items()}
    names = list(sessions)
    results: dict = {}
    for label, (length, batch, count) in shapes.items():
        feeds = fixed_length_batches(model, (texts * (count // len(texts) + 1))[:count], length, batch)
        real = sum(int(f["attention_mask"].sum()) for f in feeds) / count
        for name in names:  # warm-up
            for feed in feeds[:2]:
                sessions[name].run(None, feed)
        times: dict[str, list[float]] = {name: [] for name in names}
        turn = 0
        for _ in range(passes):
            spent = dict.fromkeys(names, 0.0)
            for feed in feeds:
                turn += 1
                for name in names[turn % len(names):] + names[:turn % len(names)]:
                    started = time.perf_counter()
                    sessions[name].run(None, feed)
                    spent[name] += time.perf_counter() - started
            for name in names:
                times[name].append(spent[name])
        results[label] = {
            "length": length, "batch": batch, "pairs": count, "realTokensPerPair": round(real, 1),
            "pairsPerSecond": {name: round(count / statistics.median(values), 1) for name, values in times.items()},
            "vsDynamic": {name: round(statistics.median(d / t for d, t in zip(times["dynamic"], values)), 3)
                          for name, values in times.items()},
            "passSeconds": {name: [round(v, 3) for v in values] for name, values in times.items()},
        }
        log(f"speed {model} {label}: " + ", ".join(f"{n} {v}" for n, v in results[label]["pairsPerSecond"].items()))
    return results


def bm25_candidates(dataset: Path, queries: int, docs: int) -> tuple[list[dict], dict]:
    """The first `queries` test queries (qrels order) with their BM25 top `docs` over title + text."""
    corpus = read_jsonl(dataset / "corpus.jsonl")
    texts = {row["_id"]: row["text"] for row in read_jsonl(dataset / "queries.jsonl")}
    judged: dict[str, dict[str, int]] = {}
    for line in (dataset / "qrels/test.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        query_id, document_id, score = line.split("\t")
        judged.setdefault(query_id, {})[document_id] = int(score)
    tokenize = lambda text: re.findall(r"[a-z0-9]+", text.lower())  # noqa: E731
    bags = [collections.Counter(tokenize(document_contents(row))) for row in corpus]
    lengths = np.array([sum(bag.values()) for bag in bags], dtype=np.float64)
    average = lengths.mean()
    postings: dict[str, list[tuple[int, int]]] = collections.defaultdict(list)
    for index, bag in enumerate(bags):
        for term, count in bag.items():
            postings[term].append((index, count))
    k1, b = 0.9, 0.4
    pairs = []
    for query_id in list(judged)[:queries]:
        scores = np.zeros(len(corpus))
        for term in set(tokenize(texts[query_id])):
            if term not in postings:
                continue
            idf = math.log(1 + (len(corpus) - len(postings[term]) + 0.5) / (len(postings[term]) + 0.5))
            for index, count in postings[term]:
                scores[index] += idf * count * (k1 + 1) / (count + k1 * (1 - b + b * lengths[index] / average))
        for rank, index in enumerate(np.argsort(-scores, kind="stable")[:docs]):
            pairs.append({"queryId": query_id, "query": texts[query_id], "documentId": corpus[index]["_id"],
                          "document": document_contents(corpus[index]), "bm25Rank": rank})
    return pairs, judged


def score(sess, tokenizer, pairs: list[dict], order: list[int], batch: int) -> np.ndarray:
    names = {i.name for i in sess.get_inputs()}
    out = np.zeros(len(pairs), dtype=np.float64)
    for start in range(0, len(order), batch):
        chosen = order[start:start + batch]
        encoded = tokenizer([pairs[i]["query"] for i in chosen], [pairs[i]["document"] for i in chosen],
                            truncation="longest_first", max_length=256, padding=True, return_tensors="np")
        feed = {name: encoded[name].astype(np.int64) for name in encoded if name in names}
        out[chosen] = sess.run(None, feed)[0].reshape(-1)
    return out


def ndcg_at_10(ranked: list[str], gains: dict[str, int]) -> float:
    dcg = sum(gains.get(doc, 0) / math.log2(rank + 2) for rank, doc in enumerate(ranked[:10]))
    ideal = sorted(gains.values(), reverse=True)[:10]
    best = sum(gain / math.log2(rank + 2) for rank, gain in enumerate(ideal))
    return dcg / best if best else 0.0


def agreement(files: dict[str, Path], dataset: Path, queries: int, docs: int) -> dict:
    from scipy.stats import kendalltau
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(MODELS / TRAINED))
    pairs, judged = bm25_candidates(dataset, queries, docs)
    shuffled = list(range(len(pairs)))
    random.Random(0).shuffle(shuffled)
    reshuffled = list(range(len(pairs)))
    random.Random(1).shuffle(reshuffled)
    by_query: dict[str, list[int]] = collections.defaultdict(list)
    for index, pair in enumerate(pairs):
        by_query[pair["queryId"]].append(index)

    def ranking(scores: np.ndarray, indices: list[int]) -> list[str]:
        return [pairs[i]["documentId"] for i in sorted(indices, key=lambda i: (-scores[i], i))]

    results: dict = {"pairs": len(pairs), "queries": len(by_query), "docsPerQuery": docs,
                     "bm25Ndcg10": round(statistics.mean(ndcg_at_10(ranking(-np.array([p["bm25Rank"] for p in pairs], dtype=float), idx), judged[q])
                                                         for q, idx in by_query.items()), 4), "variants": {}}
    def ndcg(scores: np.ndarray) -> float:
        return statistics.mean(ndcg_at_10(ranking(scores, idx), judged[q]) for q, idx in by_query.items())

    def rank_agreement(a: np.ndarray, b: np.ndarray) -> dict:
        """What moving scores between two batchings of one model costs in ranks."""
        taus, overlaps, changed = [], [], 0
        for indices in by_query.values():
            tau = kendalltau(a[indices], b[indices]).statistic
            taus.append(1.0 if math.isnan(tau) else tau)
            top_a, top_b = ranking(a, indices)[:10], ranking(b, indices)[:10]
            overlaps.append(len(set(top_a) & set(top_b)) / 10)
            changed += top_a != top_b
        return {"kendallTauMedian": float(np.median(taus)), "kendallTauMin": float(np.min(taus)),
                "top10Overlap": float(np.mean(overlaps)), "queriesTop10Reordered": changed,
                "ndcg10AbsDiff": round(abs(ndcg(a) - ndcg(b)), 4)}

    reference = None
    for name, path in files.items():
        sess = session(path)
        started = time.perf_counter()
        batched = score(sess, tokenizer, pairs, shuffled, 32)
        seconds_batched = time.perf_counter() - started
        alone = score(sess, tokenizer, pairs, list(range(len(pairs))), 1)
        rebatched = score(sess, tokenizer, pairs, reshuffled, 32)
        if reference is None:
            reference = batched
        diff = np.abs(batched - reference)
        taus, overlaps = [], []
        for indices in by_query.values():
            taus.append(kendalltau(reference[indices], batched[indices]).statistic)
            top_reference = set(ranking(reference, indices)[:10])
            overlaps.append(len(top_reference & set(ranking(batched, indices)[:10])) / 10)
        results["variants"][name] = {
            "maxAbsDiff": float(diff.max()), "meanAbsDiff": float(diff.mean()),
            "maxAbsDiffAlone": float(np.abs(alone - reference).max()),
            "kendallTauMedian": float(np.median(taus)), "kendallTauMin": float(np.min(taus)),
            "top10Overlap": float(np.mean(overlaps)),
            "ndcg10": round(statistics.mean(ndcg_at_10(ranking(batched, idx), judged[q]) for q, idx in by_query.items()), 4),
            "batchInvarianceMaxAbsDiff": float(np.abs(batched - alone).max()),
            "batchInvarianceMeanAbsDiff": float(np.abs(batched - alone).mean()),
            "batchedVsAlone": rank_agreement(batched, alone),
            "batchedVsRebatched": {"maxAbsDiff": float(np.abs(batched - rebatched).max()),
                                   **rank_agreement(batched, rebatched)},
            "scoringSecondsBatched": round(seconds_batched, 1),
            "fileMB": round(path.stat().st_size / 2**20, 1),
        }
        log(f"agreement {name}: " + json.dumps(results["variants"][name]))
    return results


def markdown(report: dict) -> str:
    lines: list[str] = []
    if report["speed"]:
        lines += ["### Speed (pairs/s, median of %d interleaved passes; x dynamic: median of per-pass ratios)" % report["passes"], ""]
        shapes = list(next(iter(report["speed"].values())).keys())
        columns = [(model, shape) for model in report["speed"] for shape in shapes]
        label = lambda model, shape: f"{model.split('-')[2]} {shape}"  # noqa: E731
        header = ["variant"] + [label(*c) for c in columns] + [f"{label(*c)} x dynamic" for c in columns]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        names = list(report["speed"][columns[0][0]][shapes[0]]["pairsPerSecond"])
        for name in names:
            row = [name] + [str(report["speed"][m][sh]["pairsPerSecond"][name]) for m, sh in columns]
            row += [f"{report['speed'][m][sh]['vsDynamic'][name]:.2f}" for m, sh in columns]
            lines.append("| " + " | ".join(row) + " |")
        lines.append("")
    lines += [f"### Agreement with fp32, trained {TRAINED} ({report['agreement']['queries']} SciFact test queries x "
              f"BM25 top {report['agreement']['docsPerQuery']}; BM25 nDCG@10 {report['agreement']['bm25Ndcg10']})", "",
              "| variant | max abs diff | mean abs diff | max abs diff alone | Kendall tau median (min) | top-10 overlap | nDCG@10 | batch inv. max (mean) | MB |",
              "|---|---|---|---|---|---|---|---|---|"]
    for name, v in report["agreement"]["variants"].items():
        lines.append(f"| {name} | {v['maxAbsDiff']:.3f} | {v['meanAbsDiff']:.3f} | {v['maxAbsDiffAlone']:.3f} | "
                     f"{v['kendallTauMedian']:.3f} ({v['kendallTauMin']:.3f}) | {v['top10Overlap']:.3f} | {v['ndcg10']:.4f} | "
                     f"{v['batchInvarianceMaxAbsDiff']:.2e} ({v['batchInvarianceMeanAbsDiff']:.1e}) | {v['fileMB']} |")
    lines += ["", "### Rank agreement between batchings of the same model (A: batches of 32; B: alone; C: batches of 32, reshuffled)", "",
              "| variant | A vs B: Kendall tau median (min) | top-10 overlap | queries reordered | nDCG@10 diff | A vs C: max abs diff | Kendall tau median (min) | top-10 overlap | queries reordered | nDCG@10 diff |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for name, v in report["agreement"]["variants"].items():
        ab, ac = v["batchedVsAlone"], v["batchedVsRebatched"]
        lines.append(f"| {name} | {ab['kendallTauMedian']:.3f} ({ab['kendallTauMin']:.3f}) | {ab['top10Overlap']:.3f} | {ab['queriesTop10Reordered']} | {ab['ndcg10AbsDiff']:.4f} | "
                     f"{ac['maxAbsDiff']:.3f} | {ac['kendallTauMedian']:.3f} ({ac['kendallTauMin']:.3f}) | {ac['top10Overlap']:.3f} | {ac['queriesTop10Reordered']} | {ac['ndcg10AbsDiff']:.4f} |")
    lines += ["", "### Graph ONNX Runtime runs (MiniLM, after 'all' optimizations)", ""]
    for name, ops in report["ops"].items():
        lines.append(f"- {name}: " + ", ".join(f"{op} {count}" for op, count in ops.items()))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default=str(ROOT.parent / "shared/datasets/scifact"))
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated static variants")
    parser.add_argument("--passes", type=int, default=7)
    parser.add_argument("--queries", type=int, default=40, help="test queries for agreement")
    parser.add_argument("--docs", type=int, default=30, help="BM25 candidates per test query")
    parser.add_argument("--calibration-queries", type=int, default=64, help="train queries (4 pairs each)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the static variants")
    parser.add_argument("--skip", default="", help="comma-separated parts to skip: speed, agreement")
    args = parser.parse_args()
    dataset = Path(args.dataset)
    variants = [name for name in args.variants.split(",") if name]
    skip = set(args.skip.split(","))
    for model in [TRAINED, *SPEED_MODELS]:
        if not (MODELS / model / "onnx/model_quantized.onnx").exists():
            log(f"bench_static_int8: {MODELS / model} is missing; run `npm run models` first")
            return 2
    import onnxruntime

    report: dict = {"date": time.strftime("%Y-%m-%dT%H:%M:%S"), "onnxruntime": onnxruntime.__version__,
                    "cpu": os.cpu_count(), "loadAverage": os.getloadavg(), "passes": args.passes,
                    "variants": {name: {"description": DESCRIPTIONS[name], **({"options": asdict(VARIANTS[name])} if name in VARIANTS else {})}
                                 for name in ["fp32", "dynamic", *variants]},
                    "built": {}, "speed": {}, "ops": {}}
    speed_variants = [name for name in variants if name not in SPEED_ONLY_SKIP]
    report["built"][TRAINED] = build(TRAINED, variants, dataset, args.calibration_queries, args.rebuild)
    for model in SPEED_MODELS:
        report["built"][model] = build(model, speed_variants, dataset, 16, args.rebuild)
    scratch = ROOT / ".cache/static-int8"
    for name, path in model_files(SPEED_MODELS[0], speed_variants).items():
        report["ops"][name] = optimized_ops(path, scratch)
    if "speed" not in skip:
        corpus = read_jsonl(dataset / "corpus.jsonl")
        queries = [row["text"] for row in read_jsonl(dataset / "queries.jsonl")]
        texts = [(queries[i % len(queries)], document_contents(corpus[(i * 37) % len(corpus)])) for i in range(64)]
        shapes_for = {
            SPEED_MODELS[0]: {"96": (96, 32, 128), "375": (375, 2, 32)},
            SPEED_MODELS[1]: {"96": (96, 32, 512), "375": (375, 2, 128)},
        }
        for model in SPEED_MODELS:
            report["speed"][model] = speed(model, model_files(model, speed_variants), texts, shapes_for[model], args.passes)
    if "agreement" not in skip:
        report["agreement"] = agreement(model_files(TRAINED, variants), dataset, args.queries, args.docs)
    out = ROOT / "bench/results" / f"static-int8-{time.strftime('%Y-%m-%dT%H-%M-%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if "agreement" in report:
        print(markdown(report))
    log(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
