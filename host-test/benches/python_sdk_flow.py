#!/usr/bin/env python3
"""The signing flow through DocuSign's official Python SDK (docusign-esign), for comparison.

Each flow, like this project's: JWT grant, /oauth/userinfo, create an envelope with one PDF and
one signer, get its status, list its documents, download document 1 and the certificate. One
ApiClient serves all flows (its connections are reused, as the Rust host's are).
Runs against the loopback replay server (`docusign-host serve`), which checks every request
against the cassette, and prints one JSON line with the time of each timed flow in milliseconds.
The --warmup flows run first and are not timed, as in the Rust client; the server's cassette must
hold warmup + flows flows.

    python3 python_sdk_flow.py --port 8443 --ca ca.pem --flows 30 --warmup 10 --key key.pem --document doc.pdf [--cached-token]
"""

import argparse
import base64
import json
import sys
import time

from docusign_esign import ApiClient, Configuration, EnvelopesApi
from docusign_esign.models import Document, EnvelopeDefinition, Recipients, Signer

INTEGRATION_KEY = "1f2e3d4c-5b6a-4789-8abc-def012345678"
USER_ID = "4799e5e9-1559-4915-9862-cf4713bbcacc"


def one_flow(client, port, key_pem, document_b64, session):
    if not session:
        token = client.request_jwt_user_token(
            INTEGRATION_KEY, USER_ID, f"127.0.0.1:{port}", key_pem, 3600, scopes=["signature", "impersonation"]
        )
        info = client.get_user_info(token.access_token)
        session["account_id"] = info.accounts[0].account_id
    account_id = session["account_id"]
    envelopes = EnvelopesApi(client)
    definition = EnvelopeDefinition(
        email_subject="Please sign the Master Services Agreement",
        documents=[
            Document(document_base64=document_b64, name="Master Services Agreement.pdf", file_extension="pdf", document_id="1")
        ],
        recipients=Recipients(
            signers=[Signer(email="alice.signer@example.com", name="Alice Signer", recipient_id="1", routing_order="1")]
        ),
        status="sent",
    )
    summary = envelopes.create_envelope(account_id, envelope_definition=definition)
    envelope_id = summary.envelope_id
    status = envelopes.get_envelope(account_id, envelope_id).status
    listing = envelopes.list_documents(account_id, envelope_id)
    sizes = []
    for doc in listing.envelope_documents:
        sizes.append(len(envelopes.get_document(account_id, doc.document_id, envelope_id)))
    sizes.append(len(envelopes.get_document(account_id, "certificate", envelope_id)))
    return status, sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--ca", required=True, help="the replay server's CA (serve --ca-out)")
    parser.add_argument("--flows", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=0, help="untimed flows run first")
    parser.add_argument("--key", required=True, help="private key PEM (test-only)")
    parser.add_argument("--document", required=True, help="the PDF to send")
    parser.add_argument("--cached-token", action="store_true", help="one token for all flows")
    args = parser.parse_args()

    # The SDK's Configuration is a process-wide singleton read by every ApiClient.
    Configuration().ssl_ca_cert = args.ca
    with open(args.key, "rb") as f:
        key_pem = f.read()
    with open(args.document, "rb") as f:
        document_b64 = base64.b64encode(f.read()).decode("ascii")

    # One client for all flows, as a long-running service would keep it (its connection pool is
    # reused, like the Rust host's); each flow still gets a new token, as in the Rust flow.
    client = ApiClient(host=f"https://127.0.0.1:{args.port}/restapi", oauth_host_name=f"127.0.0.1:{args.port}")
    times_ms = []
    last = None
    cached = {}
    for flow in range(args.warmup + args.flows):
        start = time.perf_counter()
        # A new token each flow, or the first flow's token (and account) for all of them.
        session = cached if args.cached_token else {}
        last = one_flow(client, args.port, key_pem, document_b64, session)
        if flow >= args.warmup:
            times_ms.append((time.perf_counter() - start) * 1000.0)
    print(json.dumps({"cached_token": args.cached_token, "flows_ms": times_ms, "warmup": args.warmup, "status": last[0], "downloaded_bytes": last[1]}))


if __name__ == "__main__":
    sys.exit(main())
