"""Long mode: `python -m tests.conformance.differential --minutes N --seed S
[--report path.md]` generates programs until time is up and reports every difference."""
import argparse
import collections
import time

from .runner import frameworks, report_failure, run_one


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--report", help="also write the report (markdown) to this file")
    ap.add_argument("--max-examples", type=int, default=3, help="shrunk examples per class")
    args = ap.parse_args(argv)
    tf1, fg = frameworks()
    end = time.time() + 60 * args.minutes
    count, by_class, known_by_class, examples = 0, collections.Counter(), \
        collections.Counter(), collections.defaultdict(list)
    crashes = []
    while time.time() < end:
        try:
            prog, new, old = run_one(args.seed, count, tf1, fg)
        except Exception as e:  # noqa: BLE001 - a tester bug: report it and go on
            crashes.append(f"program {count}: {type(e).__name__}: {e}")
            count += 1
            continue
        for d in old:
            known_by_class[(d.kind, d.key)] += 1
        for d in {(d.kind, d.key): d for d in new}.values():
            cls = (d.kind, d.key)
            by_class[cls] += 1
            if len(examples[cls]) < args.max_examples:
                _, _, text = report_failure(prog, [d], tf1, fg)
                examples[cls].append(f"program {count}:\n{text}")
        count += 1
    out = [f"# Differential run: seed {args.seed}, {args.minutes} min", "",
           f"programs run: {count}", "", "## Unexplained differences (kind, op)"]
    out += [f"- {k} {key}: {n}" for (k, key), n in by_class.most_common()] or ["- none"]
    out += ["", "## Known differences seen"]
    out += [f"- {k} {key}: {n}" for (k, key), n in known_by_class.most_common()] or ["- none"]
    if crashes:
        out += ["", "## Tester crashes"] + [f"- {c}" for c in crashes[:20]]
    out += ["", "## Shrunk examples"]
    for cls, texts in examples.items():
        for t in texts:
            out += ["", f"### {cls[0]} {cls[1]}", "```python", t, "```"]
    text = "\n".join(out)
    print(text)
    if args.report:
        with open(args.report, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
