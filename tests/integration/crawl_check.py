#!/usr/bin/env python3
"""Checks bsvcrawl's outputs against bsvpeer-simnet's ground truth, and nodes.json against its
JSON schema (a validator for the schema subset we use, so no third-party module is needed).

  crawl_check.py truth TRUTH.json NODES.json      exact set found and every verdict
  crawl_check.py schema SCHEMA.json NODES.json    the document against the schema
  crawl_check.py csv NODES.csv NODES.json         the CSV read back matches the JSON
  crawl_check.py same A.json B.json               same node set and verdicts in two crawls
Exit 0 when everything matches; otherwise one line per difference and exit 1."""
import csv
import json
import sys


def fail(problems):
    for p in problems[:40]:
        print("crawl_check:", p)
    if len(problems) > 40:
        print("crawl_check: ... and", len(problems) - 40, "more")
    return 1 if problems else 0


def check_truth(truth_path, nodes_path):
    truth = json.load(open(truth_path))
    doc = json.load(open(nodes_path))
    expected = {n["address"]: n for n in truth["nodes"] if n["reachable"]}
    found = {n["address"]: n for n in doc["nodes"]}
    problems = []
    for a in sorted(set(expected) - set(found)):
        problems.append(f"missing {a} (role {expected[a]['role']})")
    for a in sorted(set(found) - set(expected)):
        problems.append(f"unexpected {a} (verdict {found[a]['verdict']})")
    for a in sorted(set(found) & set(expected)):
        e, f = expected[a], found[a]
        if (e["verdict"], e["verdict_code"]) != (f["verdict"], f["verdict_code"]):
            problems.append(f"{a} role {e['role']}: expected {e['verdict']}/{e['verdict_code']}, "
                            f"got {f['verdict']}/{f['verdict_code']} ({'; '.join(f['reasons'])})")
    if not problems:
        print(f"crawl_check: {len(found)} nodes match the truth exactly")
    return fail(problems)


def validate(schema, value, path, problems, root):
    if "$ref" in schema:
        ref = schema["$ref"]
        assert ref.startswith("#/$defs/"), ref
        schema = root["$defs"][ref[len("#/$defs/"):]]
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        ok = False
        for t in types:
            if t == "null" and value is None: ok = True
            elif t == "boolean" and isinstance(value, bool): ok = True
            elif t == "integer" and isinstance(value, int) and not isinstance(value, bool): ok = True
            elif t == "number" and isinstance(value, (int, float)) and not isinstance(value, bool): ok = True
            elif t == "string" and isinstance(value, str): ok = True
            elif t == "array" and isinstance(value, list): ok = True
            elif t == "object" and isinstance(value, dict): ok = True
        if not ok:
            problems.append(f"{path}: {json.dumps(value)[:60]} is not {types}")
            return
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} not in {schema['enum']}")
    if "const" in schema and value != schema["const"]:
        problems.append(f"{path}: {value!r} is not {schema['const']!r}")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            problems.append(f"{path}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            problems.append(f"{path}: {value} > {schema['maximum']}")
    if isinstance(value, str) and "minLength" in schema and len(value) < schema["minLength"]:
        problems.append(f"{path}: shorter than {schema['minLength']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{path}: missing {key}")
        props = schema.get("properties", {})
        for key, v in value.items():
            if key in props:
                validate(props[key], v, f"{path}.{key}", problems, root)
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}: unexpected property {key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                validate(schema["additionalProperties"], v, f"{path}.{key}", problems, root)
    if isinstance(value, list):
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            problems.append(f"{path}: more than {schema['maxItems']} items")
        if "items" in schema:
            for i, v in enumerate(value):
                validate(schema["items"], v, f"{path}[{i}]", problems, root)


def check_schema(schema_path, nodes_path):
    schema = json.load(open(schema_path))
    doc = json.load(open(nodes_path))
    problems = []
    validate(schema, doc, "$", problems, schema)
    if not problems:
        print(f"crawl_check: {nodes_path} matches {schema_path} ({len(doc['nodes'])} nodes)")
    return fail(problems)


def check_csv(csv_path, nodes_path):
    doc = json.load(open(nodes_path))
    with open(csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    by_address = {n["address"]: n for n in doc["nodes"]}
    problems = []
    if len(rows) != len(by_address):
        problems.append(f"{len(rows)} CSV rows, {len(by_address)} JSON nodes")
    for r in rows:
        n = by_address.get(r["address"])
        if n is None:
            problems.append(f"CSV row {r['address']} not in the JSON")
            continue
        h = n["handshake"] or {}
        pairs = [("verdict", n["verdict"]), ("verdict_code", n["verdict_code"]),
                 ("ip", n["ip"]), ("port", str(n["port"])), ("source", n["source"]),
                 ("user_agent", h.get("user_agent", "")),
                 ("start_height", str(h["start_height"]) if h else ""),
                 ("addr_count", str(n["addr"]["count"])),
                 ("rounds_seen", str(n["reliability"]["rounds_seen"]))]
        for key, want in pairs:
            if r[key] != want:
                problems.append(f"{r['address']}: CSV {key}={r[key]!r}, JSON {want!r}")
    if not problems:
        print(f"crawl_check: {len(rows)} CSV rows match the JSON")
    return fail(problems)


def check_same(a_path, b_path):
    a = {n["address"]: (n["verdict"], n["verdict_code"]) for n in json.load(open(a_path))["nodes"]}
    b = {n["address"]: (n["verdict"], n["verdict_code"]) for n in json.load(open(b_path))["nodes"]}
    problems = [f"{k}: {a.get(k)} vs {b.get(k)}" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    if not problems:
        print(f"crawl_check: both crawls found the same {len(a)} nodes with the same verdicts")
    return fail(problems)


if __name__ == "__main__":
    mode, x, y = sys.argv[1:4]
    sys.exit({"truth": check_truth, "schema": check_schema, "csv": check_csv,
              "same": check_same}[mode](x, y))
