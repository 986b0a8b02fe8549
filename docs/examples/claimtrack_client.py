#!/usr/bin/env python3
"""A claimtrack API client in Python's standard library only (docs/embedding.md).

    CLAIMTRACK_URL=http://127.0.0.1:7171/api/v1 CLAIMTRACK_TOKEN=ct_... python3 claimtrack_client.py

It lists the batches, looks up one claim with its timeline, and follows the change feed:
what another program does to learn what changed, without polling the views and comparing.
"""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

BASE = os.environ.get("CLAIMTRACK_URL", "http://127.0.0.1:7171/api/v1").rstrip("/")
TOKEN = os.environ["CLAIMTRACK_TOKEN"]


def get(path, **params):
    """GET a resource; returns its `data`, or raises with the contract's error."""
    query = ("?" + urllib.parse.urlencode(params)) if params else ""
    req = urllib.request.Request(BASE + path + query, headers={"Authorization": "Bearer " + TOKEN})
    try:
        with urllib.request.urlopen(req, timeout=60) as resp:
            body = json.load(resp)
    except urllib.error.HTTPError as e:
        error = json.load(e)["error"]
        raise SystemExit(f"{path}: {e.code} {error['kind']}: {error['message']}")
    if body["schema_version"] != 1:
        raise SystemExit(f"this client reads schema_version 1, the server wrote {body['schema_version']}")
    return body["data"]


def main():
    batches = get("/batches")
    print(f"batches: {len(batches)}")
    for b in batches:
        rejected = f", {b['rejected_claims']} rejected" if b["rejected_claims"] else ""
        print(f"batch {b['uid']}: {b['status']} ({b['claim_count']} claims{rejected})")

    detail = get("/batches/" + batches[-1]["uid"])
    claim = detail["claims"][0]
    one = get("/claims/" + claim["uid"])
    print(f"claim {claim['uid']}: {one['claim']['status']}, {len(one['timeline'])} statements")

    # The change feed: read everything, then wait up to 1 s for more. A real client keeps
    # `since` (e.g. in its own database) and calls this in a loop with a longer wait.
    since, seen = 0, 0
    while True:
        page = get("/changes", since=since, limit=500, wait=0 if seen == 0 else 1)
        if not page["changes"]:
            break
        seen += len(page["changes"])
        since = page["next_since"]
    print(f"changes: {seen}, next since {since}")


if __name__ == "__main__":
    sys.exit(main())
