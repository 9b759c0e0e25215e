#!/usr/bin/env python3
"""Writes the seed corpus (fuzz/corpus/<target>/) from the fixtures. Run from fuzz/."""
import glob, json, os

def put(target, name, data):
    d = f"corpus/{target}"
    os.makedirs(d, exist_ok=True)
    open(f"{d}/{name}", "wb").write(data if isinstance(data, bytes) else data.encode())

for path in glob.glob("../fixtures/keys/*.pem"):
    text = open(path).read()
    base = os.path.basename(path)
    put("pem", base, text)
    put("pem", base + ".escaped", text.replace("\n", "\\n"))
    put("pem", base + ".oneline", text.replace("\n", " "))

# Reply bodies from the cassettes, each behind a status byte (0 = 200, 4 = 400, 9 = 500 ...).
bodies = {}
for path in sorted(glob.glob("../fixtures/cassettes/*/*.json")):
    for i, it in enumerate(json.load(open(path))["interactions"]):
        body = (it.get("response") or {}).get("body") or {}
        if "json" in body:
            raw = json.dumps(body["json"]).encode()
        elif "text" in body:
            raw = body["text"].encode()
        else:
            continue
        status = (it.get("response") or {}).get("status", 200)
        code = {200: 0, 201: 1, 400: 4, 401: 5, 403: 6, 404: 7, 429: 8, 500: 9, 502: 10, 503: 11}.get(status, 0)
        url = it["request"]["url"]
        kind = "events" if ("lens" in url or "management" in url) else "auth" if "oauth" in url else "esign"
        bodies.setdefault(kind, []).append(bytes([code]) + raw)
for kind, items in bodies.items():
    target = {"events": "event_replies", "auth": "auth_replies", "esign": "esign_replies"}[kind]
    for n, data in enumerate(items[:40]):
        put(target, f"seed-{n:03}", data)

send = open("../fixtures/inputs/send.json").read()
put("json_inputs", "send.json", send)
put("json_inputs", "events.json", json.dumps({"event_types": ["customer-events", "audit-users"], "max_customer_events": 10, "first_fetch": "1 hour ago"}))
put("json_inputs", "void.json", json.dumps({"envelope_id": "0d077e5c-ecaa-42c4-a60b-7b437d26c0ad", "reason": "r"}))
put("action_inputs", "bytes-1", bytes(range(256)))
put("action_inputs", "checkpoint", '{"version":1,"revision":1,"base":0,"customer_events":{"cursor":"c","recent":["a"]},"audit_users":{"since":null,"window":null,"recent":[]}}')
put("action_inputs", "time", "2025-05-02T15:40:40.3970000Z")
for path in sorted(glob.glob("../fixtures/cassettes/auth/*.json")) + ["../fixtures/cassettes/esign/void.json"]:
    put("cassette", os.path.basename(path), open(path).read())
for path in sorted(glob.glob("../fixtures/connect/*.json")):
    put("connect_messages", os.path.basename(path), open(path, "rb").read())
print("corpus written")
