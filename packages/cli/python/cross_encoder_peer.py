#!/usr/bin/env python3
"""sentence-transformers CrossEncoder peer for `sieve bench rerank`.

Reads a JSON job on stdin: {"workload": path, "model": folder, "batch_size": 32, "threads": 2,
"repeats": 3}. Scores every (query, candidate) pair of the workload with CrossEncoder.predict
(PyTorch, raw logits), and prints one JSON measurement on stdout in the shape of Sieve's
StrategyMeasurement. Exit code 3 means sentence-transformers is not installed.
"""
import json
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
    torch.set_num_threads(job["threads"])
    with open(job["workload"], encoding="utf-8") as handle:
        workload = json.load(handle)
    pairs = [(item["query"], document["text"]) for item in workload for document in item["documents"]]
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
