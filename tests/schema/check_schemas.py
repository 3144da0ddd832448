#!/usr/bin/python3
"""Checks the JSON Schemas under policy-schema/schemas/ against real files:
every document under manifests/examples/ and manifests/docker/policies/
must validate, and each document under tests/schema/invalid/ must be
rejected. Run from the repository root
with Debian's python3 (python3-jsonschema, python3-yaml)."""

import glob
import json
import os
import sys

import jsonschema
import yaml
from jsonschema.validators import Draft202012Validator

SCHEMAS = "policy-schema/schemas"


def load_validator():
    store = {}
    for path in glob.glob(os.path.join(SCHEMAS, "*.schema.json")):
        with open(path) as f:
            schema = json.load(f)
        Draft202012Validator.check_schema(schema)
        store[schema["$id"]] = schema
        store[os.path.basename(path)] = schema
    root = store["manifest.schema.json"]
    resolver = jsonschema.RefResolver(root["$id"], root, store=store)
    return Draft202012Validator(root, resolver=resolver)


def documents(path):
    with open(path) as f:
        text = f.read()
    if path.endswith(".json"):
        return [json.loads(text)]
    return [d for d in yaml.safe_load_all(text) if d is not None]


def main():
    validator = load_validator()
    failures = 0
    checked = 0
    for path in sorted(glob.glob("manifests/examples/*") + glob.glob("manifests/docker/policies/*")):
        for i, doc in enumerate(documents(path)):
            checked += 1
            errors = list(validator.iter_errors(doc))
            for e in errors:
                failures += 1
                print(f"FAIL {path} doc {i}: {e.json_path}: {e.message}")
    for path in sorted(glob.glob("tests/schema/invalid/*")):
        for i, doc in enumerate(documents(path)):
            checked += 1
            if validator.is_valid(doc):
                failures += 1
                print(f"FAIL {path} doc {i}: accepted but must be rejected")
    # Every IR golden must match the NodePolicy schema.
    with open(os.path.join(SCHEMAS, "nodepolicy.schema.json")) as f:
        ir_schema = json.load(f)
    ir_validator = Draft202012Validator(ir_schema)
    for path in sorted(glob.glob("tests/golden/ir/*/expected.json")):
        checked += 1
        with open(path) as f:
            doc = json.load(f)
        for e in ir_validator.iter_errors(doc):
            failures += 1
            print(f"FAIL {path}: {e.json_path}: {e.message}")
    print(f"{checked} documents checked, {failures} failures")
    return 1 if failures or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
