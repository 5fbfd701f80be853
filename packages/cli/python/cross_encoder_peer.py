#!/usr/bin/env python3
"""sentence-transformers CrossEncoder peer for `sieve bench rerank`.

Reads a JSON job on stdin: {"workload": path, "model": folder, "batch_size": 32, "threads": 2,
"repeats": 3, "backend": "torch" | "onnx", "file_name": "onnx/model.onnx" | null}. Scores every
(query, candidate) pair of the workload with CrossEncoder.predict (raw logits), and prints one
JSON measurement on stdout in the shape of Sieve's StrategyMeasurement.

backend "torch" (the default) runs PyTorch on model.safetensors with torch.set_num_threads(threads).
backend "onnx" runs ONNX Runtime through optimum on file_name, the ONNX file Sieve runs, in a
session of `threads` intra-op threads (onnxruntime.SessionOptions passed as model_kwargs'
session_options; OMP_NUM_THREADS does not reach ONNX Runtime's own thread pool), on the
CPUExecutionProvider, with ONNX Runtime's other defaults as a sentence-transformers user gets them
(idle intra-op threads spin, which Sieve's sessions turn off).

Exit code 3 means sentence-transformers is not installed, 4 that optimum[onnxruntime] is not.
"""
import json
import os
import resource
import sys
import threading
import time


def main() -> None:
    job = json.load(sys.stdin)
    try:
        import torch
        from sentence_transformers import CrossEncoder
    except ImportError as error:
        print(f"sentence-transformers is not installed: {error}", file=sys.stderr)
        sys.exit(3)
    backend = job.get("backend") or "torch"
    if backend == "onnx":
        try:
            import onnxruntime
            import optimum.onnxruntime  # noqa: F401 (CrossEncoder's ONNX backend loads through it)
        except ImportError as error:
            print(f"optimum[onnxruntime] is not installed: {error}", file=sys.stderr)
            sys.exit(4)
    torch.set_num_threads(job["threads"])
    with open(job["workload"], encoding="utf-8") as handle:
        workload = json.load(handle)
    pairs = [(item["query"], document["text"]) for item in workload for document in item["documents"]]
    if backend == "onnx":
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = job["threads"]
        options.inter_op_num_threads = 1
        model = CrossEncoder(job["model"], device="cpu", max_length=512, backend="onnx",
                             model_kwargs={"file_name": job["file_name"],
                                           "provider": "CPUExecutionProvider",
                                           "session_options": options})
        # The same file and threads as Sieve, or no measurement.
        loaded = os.path.realpath(model.model.path)
        wanted = os.path.realpath(os.path.join(job["model"], job["file_name"]))
        threads = model.model.session.get_session_options().intra_op_num_threads
        if loaded != wanted or threads != job["threads"]:
            print(f"loaded {loaded} with {threads} intra-op threads, "
                  f"not {wanted} with {job['threads']}", file=sys.stderr)
            sys.exit(1)
    else:
        model = CrossEncoder(job["model"], device="cpu", max_length=512)
    identity = torch.nn.Identity()

    def predict(batch):
        return model.predict(batch, batch_size=job["batch_size"], activation_fn=identity,
                             show_progress_bar=False, convert_to_numpy=True)

    predict(pairs[:8])
    runs = []
    for _ in range(job["repeats"]):
        peak = [0.0]
        stop = threading.Event()

        def sample() -> None:
            last_wall, last_cpu = time.perf_counter(), time.process_time()
            while not stop.wait(0.05):
                wall, cpu = time.perf_counter(), time.process_time()
                if wall > last_wall:
                    peak[0] = max(peak[0], (cpu - last_cpu) / (wall - last_wall) * 100)
                last_wall, last_cpu = wall, cpu

        sampler = threading.Thread(target=sample, daemon=True)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        sampler.start()
        scores = predict(pairs)
        seconds = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        stop.set()
        sampler.join()
        average = cpu / seconds * 100
        runs.append({"seconds": seconds, "average": average, "peak": max(peak[0], average),
                     "scores": [float(score) for score in scores]})
    ordered = sorted(runs, key=lambda run: run["seconds"])
    median = ordered[(len(ordered) - 1) // 2]
    json.dump({
        "repeatSeconds": [run["seconds"] for run in runs],
        "seconds": median["seconds"],
        "pairs": len(pairs),
        "tokenCounts": [],
        "cpuAveragePercent": median["average"],
        "cpuPeakPercent": median["peak"],
        "coresBusy": median["average"] / 100,
        # ru_maxrss is in KiB on Linux.
        "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "loopLagP99Ms": None,
        "loopLagMaxMs": None,
        "scores": runs[-1]["scores"],
    }, sys.stdout)


if __name__ == "__main__":
    main()
