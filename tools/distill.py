#!/usr/bin/env python3
"""npm run models -- distill: a cheap prefilter made from your own reranker.

Trains a small cross-encoder (the student) to imitate a given cross-encoder (the teacher) on a
given corpus, then converts it into the ONNX layout Sieve loads (tools/convert_model.py):

  1. queries: a sample of yours (--queries FILE.jsonl), the queries of a BEIR split that has
     qrels (--split train; never test), and/or pseudo-queries made from the corpus
     (--pseudo-queries titles,first-sentence; documents judged in the BEIR test split are never
     used as pseudo-queries);
  2. candidates: BM25 top --depth per query (title + text as one field, k1 0.9, b 0.4, Lucene's
     English analyzer: the defaults of Sieve's BM25);
  3. targets: the teacher's own scores of every (query, candidate) pair, computed once and cached
     on disk (--teacher-onnx DIR: the converted teacher through ONNX Runtime, fast; else PyTorch
     fp32);
  4. training: listwise KL over each query's candidate group (softmax with --temperature) plus
     pointwise MSE on the logits with the group mean removed (margin-MSE style);
  5. report: on 10% of the queries held out from training, agreement with the teacher (Kendall tau
     per query, top-10 overlap of the top-depth ranking), before and after training, beside the
     BM25 order and the teacher itself on short inputs; the student's ms/pair vs the teacher's
     (ONNX Runtime, --threads threads, at the student's max length and at the teacher's).

Students:
  cut2 (or cutN)  the teacher's embeddings + its first N layers + its pooler and classifier
  tiny128         the TinyBERT-L2-H128 shape (2 layers, hidden 128, 2 heads, FFN 512), the
                  teacher's vocabulary; word, position and token-type embeddings initialised by
                  projecting the teacher's onto their top-128 principal directions, the rest random

DST gets: onnx/model.onnx (fp32), onnx/model_quantized.onnx (int8), onnx/model_fp16.onnx, the
teacher's tokenizer files (model_max_length = the student's --max-length), config.json,
model.safetensors (the PyTorch checkpoint: DST is also a Hugging Face folder) and
SIEVE_DISTILLED.json (the report).

Exit codes: 0 written, 2 bad input (the message says what and how to fix it), 1 failed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKENIZER_FILES = ["tokenizer.json", "vocab.txt", "special_tokens_map.json"]
# The shape of cross-encoder/ms-marco-TinyBERT-L-2-v2 (nreimers/BERT-Tiny_L-2_H-128_A-2).
TINY128 = {"hidden_size": 128, "num_hidden_layers": 2, "num_attention_heads": 2, "intermediate_size": 512}
PSEUDO_QUERY_KINDS = ("titles", "first-sentence")


sys.path.insert(0, str(Path(__file__).resolve().parent))
from convert_model import UsageProblem, run_reporting  # noqa: E402 - one error contract, whichever tool raises it


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# BM25 as Sieve does it: Lucene's EnglishAnalyzer pipeline (word split, lower case, possessives,
# stop words, Porter stemming: a port of npm `stemmer`), one field (title + text), k1 0.9, b 0.4.

STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there "
    "these they this to was will with".split())
WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+(?:['\u2019][^\W_]+)*")

_STEP2 = {"ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize", "bli": "ble",
          "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize", "ation": "ate",
          "ator": "ate", "alism": "al", "iveness": "ive", "fulness": "ful", "ousness": "ous", "aliti": "al",
          "iviti": "ive", "biliti": "ble", "logi": "log"}
_STEP3 = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": ""}
_C = "[^aeiou]"
_V = "[aeiouy]"
_CS = f"({_C}[^aeiouy]*)"
_VS = f"({_V}[aeiou]*)"
_GT0 = re.compile(f"^{_CS}?{_VS}{_CS}")
_EQ1 = re.compile(f"^{_CS}?{_VS}{_CS}{_VS}?$")
_GT1 = re.compile(f"^{_CS}?({_VS}{_CS}){{2,}}")
_VOWEL_IN_STEM = re.compile(f"^{_CS}?{_V}")
_CONSONANT_LIKE = re.compile(f"^{_CS}{_V}[^aeiouwxy]$")
_RE_STEP2 = re.compile("^(.+?)(" + "|".join(_STEP2) + ")$")
_RE_STEP3 = re.compile("^(.+?)(" + "|".join(_STEP3) + ")$")
_RE_STEP4 = re.compile("^(.+?)(al|ance|ence|er|ic|able|ible|ant|ement|ment|ent|ou|ism|ate|iti|ous|ive|ize)$")


def porter_stem(value: str) -> str:
    """Porter's algorithm, ported from npm `stemmer` (what Sieve's BM25 uses), rule for rule."""
    result = value.lower()
    if len(result) < 3:
        return result
    initial_y = result[0] == "y"
    if initial_y:
        result = "Y" + result[1:]
    if re.match(r"^.+?(ss|i)es$", result):
        result = result[:-2]
    elif re.match(r"^.+?[^s]s$", result):
        result = result[:-1]
    match = re.match(r"^(.+?)eed$", result)
    if match:
        if _GT0.match(match[1]):
            result = result[:-1]
    else:
        match = re.match(r"^(.+?)(ed|ing)$", result)
        if match and _VOWEL_IN_STEM.match(match[1]):
            result = match[1]
            if re.search(r"(at|bl|iz)$", result):
                result += "e"
            elif re.search(r"([^aeiouylsz])\1$", result):
                result = result[:-1]
            elif _CONSONANT_LIKE.match(result):
                result += "e"
    match = re.match(r"^(.+?)y$", result)
    if match and _VOWEL_IN_STEM.match(match[1]):
        result = match[1] + "i"
    match = _RE_STEP2.match(result)
    if match and _GT0.match(match[1]):
        result = match[1] + _STEP2[match[2]]
    match = _RE_STEP3.match(result)
    if match and _GT0.match(match[1]):
        result = match[1] + _STEP3[match[2]]
    match = _RE_STEP4.match(result)
    if match:
        if _GT1.match(match[1]):
            result = match[1]
    else:
        match = re.match(r"^(.+?(s|t))(ion)$", result)
        if match and _GT1.match(match[1]):
            result = match[1]
    match = re.match(r"^(.+?)e$", result)
    if match and (_GT1.match(match[1]) or (_EQ1.match(match[1]) and not _CONSONANT_LIKE.match(match[1]))):
        result = match[1]
    if result.endswith("ll") and _GT1.match(result):
        result = result[:-1]
    if initial_y:
        result = "y" + result[1:]
    return result


class Analyzer:
    def __init__(self) -> None:
        self.cache: dict[str, str] = {}

    def __call__(self, text: str) -> list[str]:
        terms = []
        for match in WORD.finditer(text.lower()):
            word = re.sub(r"['\u2019]s$", "", match[0]).replace("'", "").replace("\u2019", "")
            if not word or word in STOP_WORDS:
                continue
            stem = self.cache.get(word)
            if stem is None:
                stem = self.cache[word] = porter_stem(word)
            terms.append(stem)
        return terms


class Bm25:
    def __init__(self, ids: list[str], texts: list[str], k1: float = 0.9, b: float = 0.4) -> None:
        self.ids, self.k1, self.b = ids, k1, b
        self.analyze = Analyzer()
        self.postings: dict[str, list[tuple[int, int]]] = {}
        self.lengths = []
        for index, text in enumerate(texts):
            terms = self.analyze(text)
            self.lengths.append(len(terms))
            for term, frequency in Counter(terms).items():
                self.postings.setdefault(term, []).append((index, frequency))
        self.average = (sum(self.lengths) / len(self.lengths)) if self.lengths else 1.0

    def search(self, query: str, top_k: int) -> list[tuple[str, float]]:
        count = len(self.ids)
        scores: dict[int, float] = {}
        for term in self.analyze(query):
            posting = self.postings.get(term)
            if not posting:
                continue
            idf = math.log(1 + (count - len(posting) + 0.5) / (len(posting) + 0.5))
            for doc, tf in posting:
                norm = self.k1 * (1 - self.b + self.b * self.lengths[doc] / (self.average or 1))
                scores[doc] = scores.get(doc, 0.0) + idf * (tf * (self.k1 + 1)) / (tf + norm)
        ranked = sorted((doc for doc, score in scores.items() if score > 0),
                        key=lambda doc: (-scores[doc], self.ids[doc]))
        return [(self.ids[doc], scores[doc]) for doc in ranked[:top_k]]


# ---------------------------------------------------------------------------------------------
# Data


def read_jsonl(path: Path) -> list[dict]:
    rows = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise UsageProblem(f"{path}:{number} is not JSON ({error})") from error
    return rows


def contents(document: dict) -> str:
    """Title + ' ' + text: what Sieve's BM25 indexes and its scorers read (documentContents)."""
    return f"{document['title']} {document['text']}" if document.get("title") else document.get("text", "")


def load_corpus(path: Path) -> tuple[dict[str, dict], Path | None]:
    """A BEIR folder (corpus.jsonl) or a JSONL file of {_id|id, title?, text}; returns (docs, BEIR dir)."""
    if not path.exists():
        raise UsageProblem(f"corpus {path} does not exist; pass a BEIR folder (corpus.jsonl) or a JSONL file of documents")
    folder = path if path.is_dir() else None
    file = path / "corpus.jsonl" if path.is_dir() else path
    if not file.exists():
        raise UsageProblem(f"{path} has no corpus.jsonl; pass a BEIR folder or a JSONL file of {{\"_id\", \"title\", \"text\"}}")
    documents = {}
    for row in read_jsonl(file):
        identifier = row.get("_id", row.get("id"))
        if identifier is None or not isinstance(row.get("text", ""), str):
            raise UsageProblem(f"{file}: each document needs an \"_id\" (or \"id\") and a \"text\"")
        documents[str(identifier)] = {"title": row.get("title") or "", "text": row.get("text") or ""}
    if len(documents) < 2:
        raise UsageProblem(f"{file} holds {len(documents)} document(s); distillation needs a corpus to rank")
    return documents, folder


def read_qrels(path: Path) -> dict[str, set[str]]:
    judged: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines()[1:]:
        parts = line.split("\t")
        if len(parts) >= 3:
            judged.setdefault(parts[0], set()).add(parts[1])
    return judged


def first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text.strip())
    sentence = match[1] if match else text.strip()
    return " ".join(sentence.split()[:48])


def collect_queries(args, documents: dict[str, dict], beir: Path | None, base: Path) -> tuple[list[dict], dict]:
    """Each query: {id, text, source}. Returns (queries, what was used, for the report)."""
    sources: dict[str, list[dict]] = {}
    used: dict = {}
    excluded: set[str] = set()
    if beir and (beir / "qrels/test.tsv").exists():
        # The test split is what a cascade is evaluated on: its judged documents are not pseudo-queries.
        excluded = {doc for docs in read_qrels(beir / "qrels/test.tsv").values() for doc in docs}
        used["excludedTestJudgedDocuments"] = len(excluded)
    if args.queries:
        file = resolve(base, args.queries)
        if not file.exists():
            raise UsageProblem(f"--queries {file} does not exist; pass a JSONL file of {{\"_id\", \"text\"}} queries")
        rows = read_jsonl(file)
        sources["file"] = [{"id": str(row.get("_id", row.get("id", index))), "text": str(row.get("text", row.get("query", ""))),
                            "source": "file"} for index, row in enumerate(rows)]
        used["queriesFile"] = str(file)
    if args.split:
        if beir is None:
            raise UsageProblem("--split needs --corpus to be a BEIR folder (corpus.jsonl, queries.jsonl, qrels/SPLIT.tsv)")
        qrels = beir / "qrels" / f"{args.split}.tsv"
        if not qrels.exists() or not (beir / "queries.jsonl").exists():
            raise UsageProblem(f"{beir} has no qrels/{args.split}.tsv or queries.jsonl; pass --queries FILE or --pseudo-queries instead")
        wanted = read_qrels(qrels)
        texts = {str(row["_id"]): row["text"] for row in read_jsonl(beir / "queries.jsonl")}
        sources[f"{args.split}-queries"] = [{"id": qid, "text": texts[qid], "source": f"{args.split}-queries"} for qid in wanted if qid in texts]
        used["split"] = args.split
    for kind in args.pseudo_queries:
        rows = []
        for doc_id, document in documents.items():
            if doc_id in excluded:
                continue
            text = document["title"] if kind == "titles" else first_sentence(document["text"])
            if len(text.split()) >= 3:
                rows.append({"id": f"{kind}:{doc_id}", "text": text, "source": kind, "document": doc_id})
        sources[kind] = rows
    if not sources:
        raise UsageProblem("no queries: pass --queries FILE.jsonl, --split train (a BEIR folder) and/or --pseudo-queries titles,first-sentence")
    rng = random.Random(args.seed)
    for rows in sources.values():
        rng.shuffle(rows)
    # Round-robin over the sources: equal shares while each lasts, up to --max-queries.
    chosen, seen = [], set()
    pools = [list(rows) for rows in sources.values()]
    while len(chosen) < args.max_queries and any(pools):
        for pool in pools:
            while pool:
                row = pool.pop()
                key = " ".join(row["text"].lower().split())
                if key and key not in seen:
                    seen.add(key)
                    chosen.append(row)
                    break
            if len(chosen) >= args.max_queries:
                break
    used["available"] = {name: len(rows) for name, rows in sources.items()}
    used["chosen"] = dict(Counter(row["source"] for row in chosen))
    return chosen, used


# ---------------------------------------------------------------------------------------------
# Teacher scores, computed once and cached


def file_identity(path: Path) -> str:
    stat = path.stat()
    return f"{path.resolve()}:{stat.st_size}:{int(stat.st_mtime)}"


class OnnxScorer:
    def __init__(self, path: Path, tokenizer, threads: int) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.names = {i.name for i in self.session.get_inputs()}
        self.tokenizer = tokenizer

    def run(self, encoded) -> list[float]:
        import numpy as np

        feeds = {name: np.asarray(encoded[name], dtype=np.int64) for name in ["input_ids", "attention_mask", "token_type_ids"] if name in self.names}
        return [float(x) for x in self.session.run(None, feeds)[0].reshape(-1)]


class TorchScorer:
    def __init__(self, model, tokenizer) -> None:
        self.model, self.tokenizer = model.eval(), tokenizer

    def run(self, encoded) -> list[float]:
        import torch

        with torch.no_grad():
            feeds = {name: torch.as_tensor(encoded[name]) for name in ["input_ids", "attention_mask", "token_type_ids"] if name in encoded}
            return [float(x) for x in self.model(**feeds).logits.reshape(-1)]


def score_pairs(scorer, pairs: list[tuple[str, str]], max_length: int, batch_size: int = 16) -> list[float]:
    """Scores (query, document) pairs, batched by length (fewer pad tokens), in the given order."""
    tokenizer = scorer.tokenizer
    lengths = [len(tokenizer(q, d, truncation="longest_first", max_length=max_length)["input_ids"]) for q, d in pairs]
    order = sorted(range(len(pairs)), key=lambda i: lengths[i])
    scores = [0.0] * len(pairs)
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        encoded = tokenizer([pairs[i][0] for i in batch], [pairs[i][1] for i in batch], truncation="longest_first",
                            max_length=max_length, padding=True, return_tensors="np")
        for i, score in zip(batch, scorer.run(encoded)):
            scores[i] = score
    return scores


def teacher_scores(args, queries: list[dict], candidates: dict[str, list[str]], documents: dict[str, dict], teacher) -> tuple[dict[str, list[float]], dict]:
    """Teacher score per (query, candidate), cached as JSONL keyed by the query text (resumable)."""
    identity = {
        "teacher": file_identity(teacher["weights"]),
        "engine": teacher["engine"],
        "maxLength": teacher["max_length"],
        "corpus": file_identity(teacher["corpus_file"]),
        "depth": args.depth,
        "bm25": [0.9, 0.4],
    }
    key = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()[:16]
    cache_dir = resolve(args.base, args.cache)
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache = cache_dir / f"teacher-{key}.jsonl"
    known: dict[str, dict] = {}
    if cache.exists():
        for line in cache.read_text(encoding="utf-8").splitlines()[1:]:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by an interrupted run
            known[row["query"]] = row
    else:
        cache.write_text(json.dumps(identity) + "\n", encoding="utf-8")
    result: dict[str, list[float]] = {}
    todo = []
    for query in queries:
        row = known.get(query["text"])
        if row and row["docs"] == candidates[query["id"]]:
            result[query["id"]] = row["scores"]
        else:
            todo.append(query)
    started = time.perf_counter()
    pairs_scored = 0
    if todo:
        scorer = teacher["scorer"]()
        log(f"teacher: scoring {sum(len(candidates[q['id']]) for q in todo)} pairs of {len(todo)} queries "
            f"({teacher['engine']}, max length {teacher['max_length']}); cached in {cache}")
        with cache.open("a", encoding="utf-8") as handle:
            for index, query in enumerate(todo):
                docs = candidates[query["id"]]
                scores = score_pairs(scorer, [(query["text"], contents(documents[d])) for d in docs], teacher["max_length"])
                handle.write(json.dumps({"query": query["text"], "docs": docs, "scores": scores}) + "\n")
                handle.flush()
                result[query["id"]] = scores
                pairs_scored += len(docs)
                if (index + 1) % 25 == 0 or index + 1 == len(todo):
                    elapsed = time.perf_counter() - started
                    log(f"teacher: {index + 1}/{len(todo)} queries, {pairs_scored} pairs, {elapsed:.0f} s "
                        f"({1000 * elapsed / max(pairs_scored, 1):.1f} ms/pair)")
    return result, {"cache": str(cache), "engine": teacher["engine"], "maxLength": teacher["max_length"],
                    "pairsScoredNow": pairs_scored, "pairsFromCache": sum(len(v) for v in result.values()) - pairs_scored,
                    "seconds": round(time.perf_counter() - started, 1)}


# ---------------------------------------------------------------------------------------------
# Students


def build_student(kind: str, teacher_source: Path, max_length: int, seed: int):
    import torch
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(seed)
    teacher = BertForSequenceClassification.from_pretrained(str(teacher_source), dtype=torch.float32)
    cut = re.fullmatch(r"cut(\d+)", kind)
    if cut:
        layers = int(cut[1])
        if not 1 <= layers <= teacher.config.num_hidden_layers:
            raise UsageProblem(f"--student {kind}: the teacher has {teacher.config.num_hidden_layers} layers; cut 1..{teacher.config.num_hidden_layers}")
        config = BertConfig.from_dict({**teacher.config.to_dict(), "num_hidden_layers": layers})
        student = BertForSequenceClassification(config)
        missing, unexpected = student.load_state_dict(teacher.state_dict(), strict=False)
        stray = [name for name in unexpected if not re.match(rf"bert\.encoder\.layer\.(\d+)\.", name) or int(re.match(r"bert\.encoder\.layer\.(\d+)\.", name)[1]) < layers]
        if missing or stray:
            raise RuntimeError(f"cutting the teacher left weights unmatched: missing {missing[:3]}, unexpected {stray[:3]}")
        init = f"teacher embeddings + layers 0..{layers - 1} + pooler + classifier"
    elif kind == "tiny128":
        base = teacher.config.to_dict()
        config = BertConfig.from_dict({**base, **TINY128, "max_position_embeddings": max(512, max_length)})
        student = BertForSequenceClassification(config)
        source_embeddings = teacher.bert.embeddings
        words = source_embeddings.word_embeddings.weight.detach()
        mean = words.mean(0, keepdim=True)
        # Top principal directions of the teacher's word embeddings (covariance eigenvectors).
        covariance = (words - mean).T @ (words - mean) / words.shape[0]
        values, vectors = torch.linalg.eigh(covariance)
        width = min(TINY128["hidden_size"], words.shape[1])
        basis = vectors[:, values.argsort(descending=True)[:width]]
        target = student.bert.embeddings
        with torch.no_grad():
            target.word_embeddings.weight[:, :width] = (words - mean) @ basis
            positions = min(source_embeddings.position_embeddings.weight.shape[0], target.position_embeddings.weight.shape[0])
            target.position_embeddings.weight[:positions, :width] = source_embeddings.position_embeddings.weight[:positions] @ basis
            target.token_type_embeddings.weight[:, :width] = source_embeddings.token_type_embeddings.weight @ basis
        init = f"word, position and token-type embeddings projected onto the teacher's top-{width} principal directions; the rest random"
    else:
        raise UsageProblem(f"--student {kind}: use cut2 (or cutN: the teacher's first N layers) or tiny128")
    config.architectures = ["BertForSequenceClassification"]
    return student, init, teacher


# ---------------------------------------------------------------------------------------------
# Agreement


def kendall_tau(a: list[float], b: list[float]) -> float:
    from scipy.stats import kendalltau

    tau = kendalltau(a, b).statistic
    return 0.0 if tau != tau else float(tau)  # NaN (a constant ranking) -> no agreement


def top_overlap(a: list[float], b: list[float], k: int = 10) -> float:
    k = min(k, len(a))
    top = lambda scores: set(sorted(range(len(scores)), key=lambda i: -scores[i])[:k])  # noqa: E731
    return len(top(a) & top(b)) / k if k else 0.0


def agreement(scored: dict[str, list[float]], targets: dict[str, list[float]]) -> dict:
    taus = [kendall_tau(scored[q], targets[q]) for q in scored]
    overlaps = [top_overlap(scored[q], targets[q]) for q in scored]
    return {"kendallTau": round(sum(taus) / len(taus), 4), "top10Overlap": round(sum(overlaps) / len(overlaps), 4),
            "queries": len(taus)}


# ---------------------------------------------------------------------------------------------
# Training


def encode_groups(tokenizer, queries: list[dict], candidates, documents, max_length: int) -> dict[str, list[dict]]:
    """Token ids of every (query, candidate) pair at the student's max length, per query."""
    groups = {}
    for query in queries:
        docs = candidates[query["id"]]
        encoded = tokenizer([query["text"]] * len(docs), [contents(documents[d]) for d in docs],
                            truncation="longest_first", max_length=max_length)
        groups[query["id"]] = [{name: encoded[name][i] for name in encoded} for i in range(len(docs))]
    return groups


def collate(rows: list[dict]):
    import torch

    width = max(len(row["input_ids"]) for row in rows)
    batch = {}
    for name in rows[0]:
        batch[name] = torch.tensor([row[name] + [0] * (width - len(row[name])) for row in rows], dtype=torch.long)
    return batch


def student_scores(model, groups: dict[str, list[dict]], batch_size: int = 64) -> dict[str, list[float]]:
    import torch

    model.eval()
    flat = [(qid, row) for qid, rows in groups.items() for row in rows]
    out: dict[str, list[float]] = {qid: [] for qid in groups}
    with torch.no_grad():
        for start in range(0, len(flat), batch_size):
            chunk = flat[start:start + batch_size]
            logits = model(**collate([row for _, row in chunk])).logits.reshape(-1)
            for (qid, _), score in zip(chunk, logits.tolist()):
                out[qid].append(score)
    return out


def train(args, student, train_groups, train_targets, held_groups, held_targets) -> dict:
    import torch

    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    for name in ["hidden_dropout_prob", "attention_probs_dropout_prob"]:
        setattr(student.config, name, args.dropout)
    for module in student.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = args.dropout
    head = [p for n, p in student.named_parameters() if n.startswith(("classifier", "bert.pooler"))]
    frozen = args.freeze_word_embeddings
    if frozen:
        student.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    body = [p for n, p in student.named_parameters() if p.requires_grad and not n.startswith(("classifier", "bert.pooler"))]
    decay = lambda params: [p for p in params if p.ndim > 1]  # noqa: E731
    no_decay = lambda params: [p for p in params if p.ndim <= 1]  # noqa: E731
    optimizer = torch.optim.AdamW([
        {"params": decay(body), "lr": args.lr, "weight_decay": 0.01},
        {"params": no_decay(body), "lr": args.lr, "weight_decay": 0.0},
        {"params": decay(head), "lr": args.lr * args.head_lr_scale, "weight_decay": 0.01},
        {"params": no_decay(head), "lr": args.lr * args.head_lr_scale, "weight_decay": 0.0},
    ])
    for group in optimizer.param_groups:
        group["base_lr"] = group["lr"]
    warmup = max(1, int(args.steps * args.warmup))
    query_ids = list(train_groups)
    order: list[str] = []
    history, evaluations = [], []
    eval_every = args.eval_every or max(1, args.steps // 4)

    def evaluate(step: int) -> dict:
        result = {"step": step, **agreement(student_scores(student, held_groups), held_targets)}
        evaluations.append(result)
        log(f"  step {step}: held-out Kendall tau {result['kendallTau']:.3f}, top-10 overlap {result['top10Overlap']:.3f}")
        return result

    evaluate(0)
    started = time.perf_counter()
    window: list[tuple[float, float, float]] = []
    step = 0
    stopped_early = None
    for step in range(1, args.steps + 1):
        scale = step / warmup if step <= warmup else max(0.0, (args.steps - step) / max(1, args.steps - warmup))
        for group in optimizer.param_groups:
            group["lr"] = group["base_lr"] * scale
        rows, targets, sizes = [], [], []
        for _ in range(args.queries_per_step):
            if not order:
                order = query_ids[:]
                rng.shuffle(order)
            qid = order.pop()
            pick = list(range(len(train_groups[qid])))
            rng.shuffle(pick)
            pick = pick[:args.group_size]
            rows += [train_groups[qid][i] for i in pick]
            targets += [train_targets[qid][i] for i in pick]
            sizes.append(len(pick))
        student.train()
        logits = student(**collate(rows)).logits.reshape(-1)
        teacher = torch.tensor(targets, dtype=torch.float32)
        kl_total, mse_total = logits.new_zeros(()), logits.new_zeros(())
        for s, t in zip(torch.split(logits, sizes), torch.split(teacher, sizes)):
            log_p_student = torch.log_softmax(s / args.temperature, 0)
            p_teacher = torch.softmax(t / args.temperature, 0)
            kl_total = kl_total + (p_teacher * (torch.log(p_teacher + 1e-12) - log_p_student)).sum() * args.temperature ** 2
            mse_total = mse_total + ((s - s.mean()) - (t - t.mean())).pow(2).mean()
        kl, mse = kl_total / len(sizes), mse_total / len(sizes)
        loss = args.kl_weight * kl + args.mse_weight * mse
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in student.parameters() if p.requires_grad], 1.0)
        optimizer.step()
        window.append((loss.item(), kl.item(), mse.item()))
        if step % args.log_every == 0 or step == args.steps:
            mean = [sum(x[i] for x in window) / len(window) for i in range(3)]
            elapsed = time.perf_counter() - started
            history.append({"step": step, "loss": round(mean[0], 4), "kl": round(mean[1], 4), "mse": round(mean[2], 4),
                            "seconds": round(elapsed, 1)})
            log(f"  step {step}/{args.steps}: loss {mean[0]:.4f} (KL {mean[1]:.4f}, MSE {mean[2]:.4f}), {elapsed:.0f} s")
            window = []
        if step % eval_every == 0 and step != args.steps:
            evaluate(step)
        if args.max_minutes and time.perf_counter() - started > args.max_minutes * 60:
            stopped_early = f"stopped at step {step} of {args.steps}: --max-minutes {args.max_minutes} reached"
            log(f"  {stopped_early}")
            break
    final = evaluate(step)
    # Chance level of the KL: the loss of a student whose scores are all equal, on the same groups.
    uniform = []
    for qid in list(train_groups)[:200]:
        t = torch.tensor(train_targets[qid][:args.group_size], dtype=torch.float32) / args.temperature
        p = torch.softmax(t, 0)
        uniform.append(float((p * (torch.log(p + 1e-12) + math.log(len(t)))).sum()) * args.temperature ** 2)
    return {
        "steps": step, "stepsPlanned": args.steps, "stoppedEarly": stopped_early,
        "seconds": round(time.perf_counter() - started, 1),
        "queriesPerStep": args.queries_per_step, "groupSize": args.group_size,
        "lr": args.lr, "headLrScale": args.head_lr_scale, "warmup": args.warmup, "schedule": "linear warmup, linear decay",
        "temperature": args.temperature, "klWeight": args.kl_weight, "mseWeight": args.mse_weight,
        "mse": "per group, logits minus their group mean (margin-MSE style)",
        "dropout": args.dropout, "wordEmbeddingsFrozen": frozen,
        "klOfConstantScores": round(sum(uniform) / max(len(uniform), 1), 4),
        "losses": history, "heldOut": evaluations, "final": final,
    }


# ---------------------------------------------------------------------------------------------
# Cost per pair (ONNX Runtime)


def ms_per_pair(path: Path, tokenizer, pairs: list[tuple[str, str]], max_length: int, threads: int) -> float:
    """Batches of 1,024 padded tokens (Sieve's default maxBatchTokens), pairs sorted by length."""
    scorer = OnnxScorer(path, tokenizer, threads)
    batch_size = max(1, 1024 // max_length)
    pairs = sorted(pairs, key=lambda pair: len(tokenizer(*pair, truncation="longest_first", max_length=max_length)["input_ids"]))
    encoded = [tokenizer([q for q, _ in pairs[i:i + batch_size]], [d for _, d in pairs[i:i + batch_size]],
                         truncation="longest_first", max_length=max_length, padding=True, return_tensors="np")
               for i in range(0, len(pairs), batch_size)]
    scorer.run(encoded[0])  # warm-up
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for batch in encoded:
            scorer.run(batch)
        best = min(best, time.perf_counter() - started)
    return round(1000 * best / len(pairs), 3)


# ---------------------------------------------------------------------------------------------


def resolve(base: Path, value: str | Path) -> Path:
    path = Path(value)
    return path if path.is_absolute() else (base / path).resolve()


def tokenizer_limit(folder: Path, config: dict) -> int:
    positions = int(config.get("max_position_embeddings", 512))
    try:
        limit = int(json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8")).get("model_max_length", positions))
    except (FileNotFoundError, ValueError, TypeError):
        limit = positions
    return min(limit if 0 < limit < 100_000 else positions, positions)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="npm run models -- distill", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--teacher", required=True, help="the reranker: a Hugging Face cross-encoder checkpoint folder (BERT, one logit)")
    parser.add_argument("--teacher-onnx", help="the teacher converted by `npm run models -- convert` (scores it through ONNX Runtime: faster)")
    parser.add_argument("--teacher-dtype", choices=["int8", "fp32"], default="int8",
                        help="which ONNX file of --teacher-onnx scores the targets (default int8: what a CPU cascade runs)")
    parser.add_argument("--teacher-max-length", type=int, help="the teacher's input limit (default: its tokenizer's model_max_length)")
    parser.add_argument("--corpus", required=True, help="a BEIR folder (corpus.jsonl, queries.jsonl, qrels/) or a JSONL file of documents")
    parser.add_argument("--queries", help="a JSONL file of your queries ({\"_id\", \"text\"})")
    parser.add_argument("--split", help="also take the queries of this BEIR split (qrels/SPLIT.tsv); never test")
    parser.add_argument("--pseudo-queries", default="", help="pseudo-queries made from the corpus: titles, first-sentence (comma-separated)")
    parser.add_argument("--max-queries", type=int, default=500, help="queries in all, drawn evenly from the sources (default 500)")
    parser.add_argument("--held-out", type=float, default=0.1, help="share of the queries held out to measure agreement (default 0.1)")
    parser.add_argument("--depth", type=int, default=30, help="BM25 candidates per query (default 30)")
    parser.add_argument("--student", default="cut2", help="cut2 (or cutN) | tiny128 (default cut2)")
    parser.add_argument("--out", required=True, help="the folder to write (must not exist or be empty, unless --force)")
    parser.add_argument("--force", action="store_true", help="replace a non-empty --out")
    parser.add_argument("--max-length", type=int, help="the student's input limit (default 128, at most the teacher's)")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--queries-per-step", type=int, default=4)
    parser.add_argument("--group-size", type=int, default=16, help="candidates of one query per step (the KL group)")
    parser.add_argument("--lr", type=float, help="peak learning rate (default 3e-4 for cutN, 5e-4 for tiny128)")
    parser.add_argument("--head-lr-scale", type=float, default=5.0, help="learning-rate factor of the pooler and classifier")
    parser.add_argument("--warmup", type=float, default=0.06)
    parser.add_argument("--temperature", type=float, default=1.0)
    parser.add_argument("--kl-weight", type=float, default=1.0)
    parser.add_argument("--mse-weight", type=float, default=1.0, help="weight of the margin-MSE term (default 1)")
    parser.add_argument("--dropout", type=float, default=0.0, help="dropout while training (default 0: imitation, not regularisation)")
    parser.add_argument("--train-word-embeddings", action="store_true", help="also train the word embeddings of a cut student (frozen by default)")
    parser.add_argument("--max-minutes", type=float, help="stop training after this many minutes")
    parser.add_argument("--log-every", type=int, default=50)
    parser.add_argument("--eval-every", type=int)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="CPU threads for PyTorch and ONNX Runtime (default 2)")
    parser.add_argument("--cache", default=str(ROOT / ".cache/distill"), help="where teacher scores are cached")
    parser.add_argument("--timing-pairs", type=int, default=64, help="held-out pairs timed per model and length (0: no timing)")
    parser.add_argument("--cwd", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.base = Path(args.cwd) if args.cwd else Path.cwd()
    args.pseudo_queries = [kind.strip() for kind in args.pseudo_queries.split(",") if kind.strip()]
    return args


def check_input(args) -> dict:
    """Everything that can be wrong with the input, before anything heavy loads."""
    from convert_model import inspect_checkpoint

    if args.split is not None and args.split.lower() == "test":
        raise UsageProblem(
            "--split test refused: the test split is what a cascade built from this prefilter is evaluated on; "
            "training on its queries (or choosing anything with them) would leak the evaluation into the model. "
            "Use --split train (or dev), your own --queries FILE, or --pseudo-queries titles")
    for kind in args.pseudo_queries:
        if kind not in PSEUDO_QUERY_KINDS:
            raise UsageProblem(f"--pseudo-queries {kind}: use {', '.join(PSEUDO_QUERY_KINDS)}")
    teacher_source = resolve(args.base, args.teacher)
    kind, config = inspect_checkpoint(teacher_source)
    if kind != "cross-encoder":
        raise UsageProblem(f"--teacher {teacher_source} is a bi-encoder; the teacher is a cross-encoder (BertForSequenceClassification, one logit)")
    onnx_file = None
    if args.teacher_onnx:
        folder = resolve(args.base, args.teacher_onnx)
        onnx_file = folder / "onnx" / ("model_quantized.onnx" if args.teacher_dtype == "int8" else "model.onnx")
        if not onnx_file.exists():
            raise UsageProblem(f"--teacher-onnx {folder} has no {onnx_file.relative_to(folder)}; make it with "
                               f"`npm run models -- convert {args.teacher} {args.teacher_onnx}`")
    if args.student != "tiny128" and not re.fullmatch(r"cut\d+", args.student):
        raise UsageProblem(f"--student {args.student}: use cut2 (or cutN: the teacher's first N layers) or tiny128")
    out = resolve(args.base, args.out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not args.force:
        raise UsageProblem(f"{out} exists and is not empty; pick another --out or pass --force to replace it")
    if out == teacher_source or teacher_source in out.parents or out in teacher_source.parents:
        raise UsageProblem(f"--out {out} overlaps the teacher's folder; write the student elsewhere")
    teacher_limit = args.teacher_max_length or tokenizer_limit(teacher_source, config)
    positions = int(config.get("max_position_embeddings", 512))
    args.max_length = args.max_length or min(128, teacher_limit)
    if not 8 <= args.max_length <= positions:
        raise UsageProblem(f"--max-length {args.max_length}: must be within 8..{positions} (the teacher's max_position_embeddings)")
    for name in ["steps", "depth", "max_queries", "queries_per_step", "group_size"]:
        if getattr(args, name) < 1 if name != "depth" else getattr(args, name) < 2:
            raise UsageProblem(f"--{name.replace('_', '-')} must be positive (depth: at least 2)")
    if not 0 < args.held_out < 1:
        raise UsageProblem("--held-out must be within (0, 1)")
    return {"source": teacher_source, "config": config, "onnx": onnx_file, "max_length": teacher_limit, "out": out}


def write_checkpoint(student, teacher_source: Path, folder: Path, max_length: int, report_card: str) -> None:
    student.config.architectures = ["BertForSequenceClassification"]
    student.config.sbert_ce_default_activation_function = "torch.nn.modules.linear.Identity"
    student.config.hidden_dropout_prob = 0.1
    student.config.attention_probs_dropout_prob = 0.1
    student.save_pretrained(str(folder))
    for name in TOKENIZER_FILES:
        if (teacher_source / name).exists():
            shutil.copyfile(teacher_source / name, folder / name)  # contents only: the source may be read-only
    tokenizer_config = {}
    if (teacher_source / "tokenizer_config.json").exists():
        tokenizer_config = json.loads((teacher_source / "tokenizer_config.json").read_text(encoding="utf-8"))
    tokenizer_config.setdefault("do_lower_case", True)
    tokenizer_config.setdefault("tokenizer_class", "BertTokenizer")
    tokenizer_config["model_max_length"] = max_length
    (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer_config, indent=2) + "\n", encoding="utf-8")
    (folder / "README.md").write_text(report_card, encoding="utf-8")


def run(args) -> dict:
    checked = check_input(args)
    teacher_source, out = checked["source"], checked["out"]
    documents, beir = load_corpus(resolve(args.base, args.corpus))
    queries, query_report = collect_queries(args, documents, beir, args.base)

    import torch
    from transformers import AutoTokenizer

    torch.set_num_threads(args.threads)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    started = time.perf_counter()
    args.lr = args.lr or (5e-4 if args.student == "tiny128" else 3e-4)
    args.freeze_word_embeddings = args.student != "tiny128" and not args.train_word_embeddings

    log(f"BM25 over {len(documents)} documents; {len(queries)} queries ({query_report['chosen']})")
    ids = list(documents)
    bm25 = Bm25(ids, [contents(documents[d]) for d in ids])
    candidates, bm25_scores = {}, {}
    for query in queries:
        hits = [(d, s) for d, s in bm25.search(query["text"], args.depth)]
        candidates[query["id"]] = [d for d, _ in hits]
        bm25_scores[query["id"]] = [s for _, s in hits]
    queries = [q for q in queries if len(candidates[q["id"]]) >= 2]
    if len(queries) < 2:
        raise UsageProblem(f"only {len(queries)} query(ies) found 2 or more BM25 candidates; give more or longer queries")
    stride = max(2, round(1 / args.held_out))
    held = [q for i, q in enumerate(queries) if i % stride == stride - 1]
    trained = [q for i, q in enumerate(queries) if i % stride != stride - 1]

    tokenizer = AutoTokenizer.from_pretrained(str(teacher_source))
    corpus_file = beir / "corpus.jsonl" if beir else resolve(args.base, args.corpus)
    if checked["onnx"]:
        engine = f"onnxruntime {args.teacher_dtype} ({checked['onnx']})"
        make_scorer = lambda: OnnxScorer(checked["onnx"], tokenizer, args.threads)  # noqa: E731
        weights = checked["onnx"]
    else:
        from convert_model import load_model

        engine = "pytorch fp32"
        make_scorer = lambda: TorchScorer(load_model(teacher_source, "cross-encoder"), tokenizer)  # noqa: E731
        weights = next(teacher_source / name for name in ["model.safetensors", "pytorch_model.bin"] if (teacher_source / name).exists())
    teacher = {"weights": weights, "engine": engine, "max_length": checked["max_length"], "corpus_file": corpus_file,
               "scorer": make_scorer}
    targets, teacher_report = teacher_scores(args, queries, candidates, documents, teacher)

    log(f"student {args.student}: {len(trained)} training queries, {len(held)} held out, max length {args.max_length}")
    student, init, teacher_model = build_student(args.student, teacher_source, args.max_length, args.seed)
    train_groups = encode_groups(tokenizer, trained, candidates, documents, args.max_length)
    held_groups = encode_groups(tokenizer, held, candidates, documents, args.max_length)
    held_targets = {q["id"]: targets[q["id"]] for q in held}
    baselines = {"bm25Order": agreement({q["id"]: bm25_scores[q["id"]] for q in held}, held_targets)}
    short = checked["onnx"] and make_scorer() or TorchScorer(teacher_model, tokenizer)
    for length in sorted({64, args.max_length}):
        if length < checked["max_length"]:
            scored = {q["id"]: score_pairs(short, [(q["text"], contents(documents[d])) for d in candidates[q["id"]]], length) for q in held}
            baselines[f"teacherAt{length}Tokens"] = agreement(scored, held_targets)
    del teacher_model, short
    log("baselines on the held-out queries: " + ", ".join(f"{k} tau {v['kendallTau']:.3f} / top-10 {v['top10Overlap']:.3f}" for k, v in baselines.items()))
    training = train(args, student, train_groups, {q["id"]: targets[q["id"]] for q in trained}, held_groups, held_targets)

    from convert_model import convert

    student_config = student.config
    report = {
        "teacher": str(teacher_source),
        "student": {"kind": args.student, "init": init, "layers": student_config.num_hidden_layers,
                    "hidden": student_config.hidden_size, "maxLength": args.max_length,
                    "parameters": sum(p.numel() for p in student.parameters())},
        "data": {"corpus": str(resolve(args.base, args.corpus)), "documents": len(documents), **query_report,
                 "queries": len(queries), "trainQueries": len(trained), "heldOutQueries": len(held),
                 "candidates": f"BM25 top {args.depth} (title + text, k1 0.9, b 0.4)",
                 "trainPairs": sum(len(g) for g in train_groups.values()), "heldOutPairs": sum(len(g) for g in held_groups.values())},
        "teacherScores": teacher_report,
        "training": training,
        "agreement": {"heldOut": "Kendall tau per query and top-10 overlap of the top-depth ranking, mean over held-out queries; "
                      "against the teacher's scores as computed for training",
                      "student": training["final"], "studentBeforeTraining": training["heldOut"][0], **baselines},
        "seed": args.seed,
    }
    card = (f"# distilled prefilter ({args.student})\n\nMade by `npm run models -- distill` from {teacher_source.name}: "
            f"{student_config.num_hidden_layers} layers, H{student_config.hidden_size}, max length {args.max_length}. "
            f"It imitates that reranker on {report['data']['corpus']}; see SIEVE_DISTILLED.json for the data, the losses "
            "and its agreement with the teacher. It inherits the teacher's terms of use (an evaluation-only teacher "
            "makes an evaluation-only student).\n")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.checkpoint.", dir=out.parent))
    try:
        write_checkpoint(student, teacher_source, work, args.max_length, card)
        log(f"converting the student into {out}")
        report["conversion"] = convert(work, out, force=args.force, fusion=False, max_length=args.max_length)
        shutil.copyfile(work / "model.safetensors", out / "model.safetensors")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    # The converted student on the held-out queries (int8: what a CPU cascade runs), and its cost.
    int8 = OnnxScorer(out / "onnx/model_quantized.onnx", tokenizer, args.threads)
    scored = {q["id"]: score_pairs(int8, [(q["text"], contents(documents[d])) for d in candidates[q["id"]]], args.max_length) for q in held}
    report["agreement"]["studentInt8Onnx"] = agreement(scored, held_targets)
    timing: dict = {"threads": args.threads, "pairs": 0,
                    "note": "ONNX Runtime CPU, one session, batches of 1,024 padded tokens, best of 3 passes; key: model.dtype.maxLength"}
    if args.timing_pairs > 0:
        pairs = [(q["text"], contents(documents[d])) for q in held for d in candidates[q["id"]]][:args.timing_pairs]
        timing["pairs"] = len(pairs)
        lengths = sorted({args.max_length, checked["max_length"]})
        # The teacher also at 64 tokens: the stand-in prefilter that needs no training.
        teacher_lengths = sorted({length for length in [64, *lengths] if length <= checked["max_length"]})
        models = {"student": out / "onnx"}
        if checked["onnx"]:
            models["teacher"] = checked["onnx"].parent
        else:
            timing["teacherNote"] = "pass --teacher-onnx (the converted teacher) to time the teacher"
        for name, folder in models.items():
            for dtype, file in [("int8", "model_quantized.onnx"), ("fp32", "model.onnx")]:
                for length in (lengths if name == "student" else teacher_lengths):
                    timing[f"{name}.{dtype}.{length}"] = ms_per_pair(folder / file, tokenizer, pairs, length, args.threads)
        log("ms/pair: " + ", ".join(f"{k} {v}" for k, v in timing.items() if "." in k))
    report["msPerPair"] = timing
    report["seconds"] = round(time.perf_counter() - started, 1)
    (out / "SIEVE_DISTILLED.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return report


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = run_reporting("models distill", lambda: run(args))
    if isinstance(report, int):
        return report
    print(json.dumps(report, indent=2))
    final, int8 = report["agreement"]["student"], report["agreement"]["studentInt8Onnx"]
    log(f"wrote {report['conversion']['destination']}: held-out Kendall tau {final['kendallTau']:.3f} "
        f"(int8 {int8['kendallTau']:.3f}), top-10 overlap {final['top10Overlap']:.3f} (int8 {int8['top10Overlap']:.3f}); "
        f"BM25 order: tau {report['agreement']['bm25Order']['kendallTau']:.3f}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
