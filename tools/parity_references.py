#!/usr/bin/env python3
"""npm run models -- parity: PyTorch references on SciFact for the parity tests of converted models.

  --reranker SRC   a Hugging Face cross-encoder checkpoint: sentence-transformers CrossEncoder
                   (fp32, its own max length) scores ~1,000 SciFact test pairs
  --embedder SRC   a sentence-transformers bi-encoder: SentenceTransformer embeds 200 SciFact texts
  --out FILE       the JSON written (default .cache/parity/references.json)

Pairs: the first 40 judged SciFact test queries, each with 25 documents: its judged documents, then
documents judged for the neighbouring queries (plausible, mostly non-relevant), in a fixed order.
Document text is title + ' ' + text, what Sieve's scorers read (documentContents).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def contents(document: dict) -> str:
    return f"{document['title']} {document['text']}" if document.get("title") else document["text"]


def scifact_pairs(dataset: Path, queries_wanted: int = 40, per_query: int = 25) -> list[dict]:
    corpus = {document["_id"]: document for document in read_jsonl(dataset / "corpus.jsonl")}
    queries = {query["_id"]: query["text"] for query in read_jsonl(dataset / "queries.jsonl")}
    judged: dict[str, list[str]] = {}
    for line in (dataset / "qrels/test.tsv").read_text(encoding="utf-8").splitlines()[1:]:
        query_id, document_id, score = line.split("\t")
        if int(score) > 0 and document_id in corpus:
            judged.setdefault(query_id, []).append(document_id)
    query_ids = list(judged)
    pool = [document_id for query_id in query_ids for document_id in judged[query_id]]
    pairs = []
    for index, query_id in enumerate(query_ids[:queries_wanted]):
        chosen = list(dict.fromkeys(judged[query_id]))
        offset = (index * 7) % len(pool)
        for document_id in pool[offset:] + pool[:offset]:
            if len(chosen) >= per_query:
                break
            if document_id not in chosen:
                chosen.append(document_id)
        for document_id in chosen:
            pairs.append({"queryId": query_id, "query": queries[query_id], "documentId": document_id,
                          "document": contents(corpus[document_id])})
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser(prog="npm run models -- parity", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reranker", help="Hugging Face cross-encoder checkpoint folder")
    parser.add_argument("--embedder", help="sentence-transformers bi-encoder folder")
    parser.add_argument("--dataset", default=str(ROOT.parent / "shared/datasets/scifact"))
    parser.add_argument("--out", default=str(ROOT / ".cache/parity/references.json"))
    parser.add_argument("--cwd", help=argparse.SUPPRESS)
    args = parser.parse_args()
    base = Path(args.cwd) if args.cwd else Path.cwd()
    resolve = lambda value: value if value is None or Path(value).is_absolute() else str((base / value).resolve())  # noqa: E731
    dataset = Path(resolve(args.dataset))
    if not (dataset / "corpus.jsonl").exists():
        print(f"models parity: no BEIR dataset at {dataset} (corpus.jsonl); pass --dataset DIR", file=sys.stderr)
        return 2
    if not args.reranker and not args.embedder:
        print("models parity: pass --reranker SRC and/or --embedder SRC (Hugging Face checkpoint folders)", file=sys.stderr)
        return 2

    import torch
    torch.set_num_threads(2)
    pairs = scifact_pairs(dataset)
    references: dict = {"dataset": str(dataset), "torch": torch.__version__}
    if args.reranker:
        from sentence_transformers import CrossEncoder

        model = CrossEncoder(resolve(args.reranker), device="cpu", model_kwargs={"dtype": torch.float32})
        scores = model.predict([(pair["query"], pair["document"]) for pair in pairs], batch_size=16,
                               activation_fn=torch.nn.Identity(), convert_to_numpy=True)
        references["reranker"] = {
            "source": resolve(args.reranker),
            "maxLength": model.max_length,
            "pairs": [{**pair, "score": float(score)} for pair, score in zip(pairs, scores)],
        }
        print(f"reranker: {len(pairs)} pairs scored (max length {model.max_length})", file=sys.stderr)
    if args.embedder:
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(resolve(args.embedder), device="cpu")
        texts = list(dict.fromkeys(pair["document"] for pair in pairs))[:160] + list(dict.fromkeys(pair["query"] for pair in pairs))
        embeddings = model.encode(texts, batch_size=16, convert_to_numpy=True, normalize_embeddings=True)
        references["embedder"] = {
            "source": resolve(args.embedder),
            "maxLength": model.max_seq_length,
            "texts": [{"text": text, "embedding": [float(x) for x in vector]} for text, vector in zip(texts, embeddings)],
        }
        print(f"embedder: {len(texts)} texts embedded (max length {model.max_seq_length})", file=sys.stderr)
    out = Path(resolve(args.out))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(references, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
