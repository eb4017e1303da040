"""Merge several int8_eval.py --json outputs (e.g. from parallel runs) into one <name>.eval.json."""
import json, sys
out, parts = sys.argv[1], sys.argv[2:]
docs = [json.load(open(p)) for p in parts]
m = dict(docs[0]); m["results"] = sorted([r for d in docs for r in d["results"]], key=lambda r: r["index"])
json.dump(m, open(out, "w"), indent=1)
print(f"wrote {out}: {len(m['results'])} SubNets")
