#!/usr/bin/env python3
"""Export BERT cross-encoders (and a bi-encoder) to ONNX in the Xenova layout, for Sieve's tests
and benchmarks. The Hugging Face hub is not needed: models are built from configs with random
weights, and tokenizers from a vocab.txt.

  fixtures  tiny random models committed to the repo, with golden scores from PyTorch and token
            ids from the Hugging Face fast tokenizer (packages/onnx/src/__fixtures__).
  bench     architecture-exact benchmark models with the real 30,522-token vocabulary and random
            weights: TinyBERT-L2-H128 and MiniLM-L6-H384 cross-encoders, and the all-MiniLM-L6-v2
            bi-encoder (written to .cache/models, outside git).

Layout of each model folder (as Xenova/* on the hub):
  config.json, vocab.txt or tokenizer.json, tokenizer_config.json, special_tokens_map.json,
  onnx/model.onnx (fp32), onnx/model_quantized.onnx (int8, ONNX Runtime dynamic quantization);
  the bench cross-encoders also onnx/model_static_quantized.onnx (static QDQ int8, calibrated on
  SciFact train pairs, tools/quantize_static.py) for `sieve bench rerank --strategies sieve-int8-static`.

Usage: python tools/export_models.py fixtures|bench [--shared ../shared] [--out DIR]
Requirements: tools/requirements.txt (torch==2.13.0 CPU).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
from onnxruntime.quantization import QuantType, quantize_dynamic
from transformers import BertConfig, BertForSequenceClassification, BertModel, BertTokenizerFast

ROOT = Path(__file__).resolve().parent.parent
SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]

# Texts that exercise the tokenizer: accents, CJK, punctuation, long words, empty, control chars.
PARITY_TEXTS = [
    "",
    "Hello, world!",
    "Aspirin reduces the risk of heart attack.",
    "Café naïve résumé — coöperate façade Ångström",
    "東京は日本の首都です。北京 上海",
    "unbelievable antidisestablishmentarianism " + "x" * 120,
    "supercalifragilisticexpialidocious pneumonoultramicroscopicsilicovolcanoconiosis",
    "e-mail: someone@example.com; C++/C#? (yes) [no] {maybe} 3.14159 $100 50% #tag",
    "Tabs\tand\nnewlines\r\nand\u00a0nbsp\u2028line sep\u200bzero width",
    "ΟΔΟΣ Σίσυφος İstanbul straße ǅ Ⅻ",
    "emoji 😀👍🏽 and symbols ©®™ ½ ¼ ∞ ≠ ≤",
    "ALL CAPS TEXT with MiXeD CaSe",
    "1-in-5 million; p<0.05; IL-6/TNF-α; CD4+ T-cells; mRNA-1273",
    "   leading and trailing spaces   ",
]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def export_onnx(model: torch.nn.Module, folder: Path, with_token_types: bool, kind: str, quantize: bool = True) -> None:
    """Exports fp32 ONNX with dynamic batch and sequence axes, then (quantize) int8 by dynamic quantization."""
    onnx_dir = folder / "onnx"
    onnx_dir.mkdir(parents=True, exist_ok=True)
    model.eval()
    batch, length = 2, 8
    ids = torch.ones((batch, length), dtype=torch.int64)
    mask = torch.ones((batch, length), dtype=torch.int64)
    types = torch.zeros((batch, length), dtype=torch.int64)
    output_name = "logits" if kind == "cross-encoder" else "last_hidden_state"

    class Wrapper(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            return out.logits if kind == "cross-encoder" else out.last_hidden_state

    wrapper = Wrapper(model)
    names = ["input_ids", "attention_mask"] + (["token_type_ids"] if with_token_types else [])
    args = (ids, mask, types) if with_token_types else (ids, mask)
    axes = {name: {0: "batch_size", 1: "sequence_length"} for name in names}
    axes[output_name] = {0: "batch_size"} if kind == "cross-encoder" else {0: "batch_size", 1: "sequence_length"}
    fp32 = onnx_dir / "model.onnx"
    torch.onnx.export(
        wrapper, args, str(fp32), input_names=names, output_names=[output_name],
        dynamic_axes=axes, opset_version=14, do_constant_folding=True, dynamo=False,
    )
    if quantize:
        quantize_dynamic(str(fp32), str(onnx_dir / "model_quantized.onnx"), weight_type=QuantType.QInt8,
                         per_channel=True, reduce_range=True)


def write_tokenizer_files(folder: Path, vocab: list[str], layout: str, max_length: int) -> BertTokenizerFast:
    folder.mkdir(parents=True, exist_ok=True)
    vocab_file = folder / "vocab.txt"
    vocab_file.write_text("\n".join(vocab) + "\n", encoding="utf-8")
    tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=True, model_max_length=max_length)
    tokenizer.save_pretrained(str(folder))
    # save_pretrained writes tokenizer.json and vocab.txt; keep only what the layout should have.
    if layout == "vocab.txt":
        (folder / "tokenizer.json").unlink(missing_ok=True)
    else:
        vocab_file.unlink(missing_ok=True)
    return tokenizer


def tiny_vocab(real_vocab: list[str]) -> list[str]:
    """~2,000 tokens: specials, single characters and their continuations, frequent words."""
    chosen = list(SPECIALS)
    seen = set(chosen)
    def add(token: str) -> None:
        if token not in seen:
            seen.add(token)
            chosen.append(token)
    for token in real_vocab[999:1996]:  # single characters in BERT's vocabulary
        add(token)
    for token in real_vocab:
        if token.startswith("##") and len(token) == 3:
            add(token)
    for token in real_vocab[1996:2996]:  # the most frequent words
        add(token)
    for token in ["##ing", "##ed", "##s", "##ly", "##tion", "##er", "aspirin", "heart", "risk"]:
        add(token)
    return chosen


def fixtures(args: argparse.Namespace) -> None:
    real_vocab = (Path(args.shared) / "models/ms-marco-TinyBERT-L-2-v2/vocab.txt").read_text(encoding="utf-8").splitlines()
    out = Path(args.out or ROOT / "packages/onnx/src/__fixtures__")
    vocab = tiny_vocab(real_vocab)
    log(f"tiny vocabulary: {len(vocab)} tokens")
    torch.manual_seed(0)
    queries = ["does aspirin reduce heart attack risk?", "Café in 東京", "what is the capital of france",
               "x" * 30, "long query " + "word " * 40]
    documents = PARITY_TEXTS[1:] + ["the " * 300 + "end", "short"]
    specs = [("tiny-bert-cross-encoder", "vocab.txt", True), ("tiny-bert-no-token-types", "tokenizer.json", False)]
    for name, layout, with_types in specs:
        folder = out / name
        shutil.rmtree(folder, ignore_errors=True)
        max_length = 64
        tokenizer = write_tokenizer_files(folder, vocab, layout, max_length)
        config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                            intermediate_size=32, max_position_embeddings=max_length, num_labels=1,
                            type_vocab_size=2)
        config.architectures = ["BertForSequenceClassification"]
        model = BertForSequenceClassification(config).eval()
        config.to_json_file(str(folder / "config.json"))
        pairs = [(query, document) for query in queries for document in documents]
        encoded = tokenizer([q for q, _ in pairs], [d for _, d in pairs], truncation="longest_first",
                            max_length=max_length, padding=True, return_tensors="pt")
        # Reference: each pair alone (no padding). A padded PyTorch batch drifts from it (reported
        # below): the golden score of a pair must not depend on its batch-mates.
        logits = []
        with torch.no_grad():
            for i in range(len(pairs)):
                keep = encoded["attention_mask"][i].bool()
                inputs = {"input_ids": encoded["input_ids"][i][keep][None], "attention_mask": encoded["attention_mask"][i][keep][None]}
                if with_types:
                    inputs["token_type_ids"] = encoded["token_type_ids"][i][keep][None]
                logits.append(float(model(**inputs).logits[0, 0]))
            batch_inputs = {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}
            if with_types:
                batch_inputs["token_type_ids"] = encoded["token_type_ids"]
            padded = model(**batch_inputs).logits[:, 0].tolist()
        drift = max(abs(a - b) for a, b in zip(logits, padded))
        log(f"{name}: PyTorch padded-batch vs per-pair max |diff| = {drift:.2e} (attention implementation: {model.config._attn_implementation})")
        # Export after the reference is computed: the exporter must not touch the model it scores.
        export_onnx(model, folder, with_types, "cross-encoder")
        golden = {
            "description": "PyTorch logits of the random model, each pair scored alone (no padding), and HF fast-tokenizer ids, max_length 64",
            "maxLength": max_length,
            "pairs": [
                {"query": q, "document": d,
                 "inputIds": [int(t) for t, m in zip(encoded["input_ids"][i], encoded["attention_mask"][i]) if m],
                 "logit": logits[i]}
                for i, (q, d) in enumerate(pairs)
            ],
        }
        (folder / "golden.json").write_text(json.dumps(golden, ensure_ascii=False) + "\n", encoding="utf-8")
        log(f"wrote {folder}")
    # A tiny sentence-transformers bi-encoder (mean pooling, normalized) with golden embeddings.
    bi = out / "tiny-bert-bi-encoder"
    shutil.rmtree(bi, ignore_errors=True)
    write_tokenizer_files(bi, vocab, "tokenizer.json", 64)
    torch.manual_seed(1)
    bi_config = BertConfig(vocab_size=len(vocab), hidden_size=16, num_hidden_layers=2, num_attention_heads=2,
                           intermediate_size=32, max_position_embeddings=64, type_vocab_size=2)
    bi_config.architectures = ["BertModel"]
    bi_model = BertModel(bi_config, add_pooling_layer=False).eval()
    bi_config.to_json_file(str(bi / "config.json"))
    (bi / "modules.json").write_text(json.dumps([
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]))
    (bi / "1_Pooling").mkdir()
    (bi / "1_Pooling/config.json").write_text(json.dumps({"word_embedding_dimension": 16, "pooling_mode_cls_token": False, "pooling_mode_mean_tokens": True}))
    (bi / "sentence_bert_config.json").write_text(json.dumps({"max_seq_length": 32, "do_lower_case": False}))
    bi_tokenizer = BertTokenizerFast.from_pretrained(str(bi))
    texts = PARITY_TEXTS[1:] + ["the " * 100]
    golden_vectors = []
    with torch.no_grad():
        for text in texts:
            enc = bi_tokenizer(text, truncation=True, max_length=32, return_tensors="pt")
            hidden = bi_model(**enc).last_hidden_state[0]
            vector = torch.nn.functional.normalize(hidden.mean(0), dim=0)
            golden_vectors.append([float(x) for x in vector])
    (bi / "golden.json").write_text(json.dumps({"maxLength": 32, "texts": texts, "embeddings": golden_vectors}, ensure_ascii=False) + "\n", encoding="utf-8")
    export_onnx(bi_model, bi, True, "bi-encoder")
    log(f"wrote {bi}")
    # A graph that is not a sequence classifier: right inputs, no logits output (two outputs).
    import onnx
    from onnx import TensorProto, helper
    graph = helper.make_graph(
        [helper.make_node("Cast", ["input_ids"], ["hidden"], to=TensorProto.FLOAT),
         helper.make_node("Cast", ["attention_mask"], ["pooled"], to=TensorProto.FLOAT)],
        "not_a_classifier",
        [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
         helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"])],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "sequence"]),
         helper.make_tensor_value_info("pooled", TensorProto.FLOAT, ["batch", "sequence"])],
    )
    no_logits = out / "not-a-classifier"
    shutil.rmtree(no_logits, ignore_errors=True)
    (no_logits / "onnx").mkdir(parents=True)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)]), str(no_logits / "onnx/model.onnx"))
    shutil.copy(out / "tiny-bert-cross-encoder/vocab.txt", no_logits / "vocab.txt")
    shutil.copy(out / "tiny-bert-cross-encoder/config.json", no_logits / "config.json")
    log(f"wrote {no_logits}")
    # Tokenizer parity on the real vocabulary: expected ids of single texts and truncated pairs.
    real = BertTokenizerFast(vocab_file=str(Path(args.shared) / "models/ms-marco-TinyBERT-L-2-v2/vocab.txt"), do_lower_case=True)
    long_doc = " ".join(["pneumonoultramicroscopic", "analysis"] * 200)
    parity = {
        "description": "HF BertTokenizerFast ids with the real 30,522-token uncased vocabulary (ms-marco-TinyBERT-L-2-v2 vocab.txt)",
        "texts": [{"text": t, "ids": real(t, add_special_tokens=False)["input_ids"]} for t in PARITY_TEXTS],
        "pairs": [
            {"query": q, "document": d, "maxLength": m,
             # Batch mode, as cross-encoders call it: a single call treats text_pair="" as no pair.
             "ids": real([q], [d], truncation="longest_first", max_length=m)["input_ids"][0],
             "tokenTypeIds": real([q], [d], truncation="longest_first", max_length=m)["token_type_ids"][0]}
            for q, d, m in [("short query", long_doc, 512), (long_doc, "short document", 512), (long_doc, long_doc, 512),
                            (long_doc, long_doc, 13), ("a b c d e f g h i j", "k l m n o p q r s t u", 16), ("", "", 8)]
        ],
    }
    (out / "tokenizer-parity.json").write_text(json.dumps(parity, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"wrote {out / 'tokenizer-parity.json'}")


def bench(args: argparse.Namespace) -> None:
    shared = Path(args.shared)
    out = Path(args.out or ROOT / ".cache/models")
    real_vocab = (shared / "models/ms-marco-TinyBERT-L-2-v2/vocab.txt").read_text(encoding="utf-8").splitlines()
    tiny_config = json.loads((shared / "models/ms-marco-TinyBERT-L-2-v2/config.json").read_text())
    minilm_bi = json.loads((shared / "models/all-MiniLM-L6-v2/config.json").read_text())
    torch.manual_seed(0)
    models = {
        "ms-marco-TinyBERT-L-2-v2": ("cross-encoder", dict(hidden_size=tiny_config["hidden_size"], num_hidden_layers=tiny_config["num_hidden_layers"],
                                                          num_attention_heads=tiny_config["num_attention_heads"], intermediate_size=tiny_config["intermediate_size"])),
        "ms-marco-MiniLM-L-6-v2": ("cross-encoder", dict(hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536)),
        "all-MiniLM-L6-v2": ("bi-encoder", dict(hidden_size=minilm_bi["hidden_size"], num_hidden_layers=minilm_bi["num_hidden_layers"],
                                                num_attention_heads=minilm_bi["num_attention_heads"], intermediate_size=minilm_bi["intermediate_size"])),
    }
    for name, (kind, dims) in models.items():
        if args.only and name not in args.only:
            continue
        folder = out / name
        shutil.rmtree(folder, ignore_errors=True)
        config = BertConfig(vocab_size=len(real_vocab), max_position_embeddings=512, type_vocab_size=2, num_labels=1, **dims)
        config.architectures = ["BertForSequenceClassification" if kind == "cross-encoder" else "BertModel"]
        model = BertForSequenceClassification(config) if kind == "cross-encoder" else BertModel(config, add_pooling_layer=False)
        write_tokenizer_files(folder, real_vocab, "vocab.txt" if name.startswith("ms-marco-TinyBERT") else "tokenizer.json", 512)
        config.to_json_file(str(folder / "config.json"))
        if kind == "bi-encoder":
            for file in ["modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"]:
                shutil.copy(shared / "models/all-MiniLM-L6-v2" / file, folder / file)
            (folder / "1_Pooling").mkdir(exist_ok=True)
            shutil.copy(shared / "models/all-MiniLM-L6-v2/1_Pooling/config.json", folder / "1_Pooling/config.json")
        if kind == "cross-encoder":
            # PyTorch weights (before the export, which leaves the traced model changed) for the
            # sentence-transformers peer in `sieve bench rerank`: the same weights as the ONNX files.
            model.save_pretrained(str(folder), safe_serialization=True)
        export_onnx(model, folder, True, kind)
        if kind == "cross-encoder":
            # Static int8, as `npm run models -- convert` writes it for real checkpoints. The weights
            # are random, so only its speed means something; calibrated on SciFact *train* pairs.
            from quantize_static import STATIC_INT8_FILE, beir_calibration_pairs, quantize_static_int8

            calibration = beir_calibration_pairs(shared / "datasets/scifact", split="train", queries=16)
            quantize_static_int8(folder / "onnx/model.onnx", folder / "onnx" / STATIC_INT8_FILE, folder, calibration)
        (folder / "SIEVE_GENERATED.txt").write_text(
            "Architecture-exact model with RANDOM weights, generated by tools/export_models.py for benchmarks.\n"
            "Its scores carry no meaning; its speed is that of the real model.\n")
        log(f"wrote {folder}")


def gemm(args: argparse.Namespace) -> None:
    """GEMM graphs at the models' shapes for the roofline: fp32 MatMul, and int8 as the quantized
    models run it (DynamicQuantizeLinear on the activations, MatMulInteger with int8 weights)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    out = Path(args.out or ROOT / ".cache/models/gemm")
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for k, n in [(384, 384), (384, 1536), (1536, 384), (128, 512)]:
        weight = rng.standard_normal((k, n)).astype(np.float32) * 0.02
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["m", k])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["m", n])
        fp32 = helper.make_graph([helper.make_node("MatMul", ["x", "w"], ["y"])], "gemm_fp32", [x], [y],
                                 [numpy_helper.from_array(weight, "w")])
        onnx.save(helper.make_model(fp32, opset_imports=[helper.make_opsetid("", 14)]), str(out / f"fp32-{k}x{n}.onnx"))
        scale = np.float32(np.abs(weight).max() / 127)
        wq = np.clip(np.round(weight / scale), -127, 127).astype(np.int8)
        nodes = [
            helper.make_node("DynamicQuantizeLinear", ["x"], ["xq", "xs", "xz"]),
            helper.make_node("MatMulInteger", ["xq", "wq", "xz", "wz"], ["acc"]),
            helper.make_node("Cast", ["acc"], ["accf"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["xs", "ws"], ["s"]),
            helper.make_node("Mul", ["accf", "s"], ["y"]),
        ]
        inits = [numpy_helper.from_array(wq, "wq"), numpy_helper.from_array(np.array(0, dtype=np.int8), "wz"),
                 numpy_helper.from_array(np.array(scale, dtype=np.float32), "ws")]
        int8 = helper.make_graph(nodes, "gemm_int8", [x], [y], inits)
        onnx.save(helper.make_model(int8, opset_imports=[helper.make_opsetid("", 14)]), str(out / f"int8-{k}x{n}.onnx"))
    log(f"wrote GEMM graphs to {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["fixtures", "bench", "gemm"])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    parser.add_argument("--out")
    parser.add_argument("--only", nargs="*")
    args = parser.parse_args()
    np.random.seed(0)
    {"fixtures": fixtures, "bench": bench, "gemm": gemm}[args.command](args)


if __name__ == "__main__":
    main()
