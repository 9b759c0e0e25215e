#!/usr/bin/env node
// The signing flow through DocuSign's official Node SDK (docusign-esign from npm), for comparison:
// the same seven exchanges as python_sdk_flow.py and this project's flow (JWT grant,
// /oauth/userinfo, create an envelope with one PDF and one signer, its status, list its
// documents, document 1, the certificate) against the loopback replay server. One ApiClient
// serves all flows (Node's global HTTPS agent keeps connections alive); each flow gets a new
// token. Prints one JSON line with the time of each timed flow in milliseconds.
//
//   NODE_EXTRA_CA_CERTS=ca.pem node flow.js --port 8443 --flows 30 --warmup 10 --key key.pem \
//       --document doc.pdf [--cached-token]
"use strict";

const fs = require("fs");
const docusign = require("docusign-esign");

const INTEGRATION_KEY = "1f2e3d4c-5b6a-4789-8abc-def012345678";
const USER_ID = "4799e5e9-1559-4915-9862-cf4713bbcacc";

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  if (i >= 0 && i + 1 < process.argv.length) return process.argv[i + 1];
  if (fallback === undefined) throw new Error(`${name} is required`);
  return fallback;
}

async function oneFlow(client, keyPem, documentB64, session) {
  if (!session.accountId) {
    const token = await client.requestJWTUserToken(
      INTEGRATION_KEY, USER_ID, ["signature", "impersonation"], keyPem, 3600);
    const accessToken = token.body.access_token;
    const info = await client.getUserInfo(accessToken);
    session.accountId = info.accounts[0].accountId;
    client.addDefaultHeader("Authorization", `Bearer ${accessToken}`);
  }
  const accountId = session.accountId;
  const envelopes = new docusign.EnvelopesApi(client);
  const definition = {
    emailSubject: "Please sign the Master Services Agreement",
    documents: [{ documentBase64: documentB64, name: "Master Services Agreement.pdf",
                  fileExtension: "pdf", documentId: "1" }],
    recipients: { signers: [{ email: "alice.signer@example.com", name: "Alice Signer",
                              recipientId: "1", routingOrder: "1" }] },
    status: "sent",
  };
  const summary = await envelopes.createEnvelope(accountId, { envelopeDefinition: definition });
  const envelopeId = summary.envelopeId;
  const status = (await envelopes.getEnvelope(accountId, envelopeId)).status;
  const listing = await envelopes.listDocuments(accountId, envelopeId);
  const sizes = [];
  for (const doc of listing.envelopeDocuments) {
    sizes.push((await envelopes.getDocument(accountId, envelopeId, doc.documentId)).length);
  }
  sizes.push((await envelopes.getDocument(accountId, envelopeId, "certificate")).length);
  return [status, sizes];
}

async function main() {
  const port = arg("--port");
  const flows = Number(arg("--flows", "30"));
  const warmup = Number(arg("--warmup", "0"));
  const keyPem = fs.readFileSync(arg("--key"));
  const documentB64 = fs.readFileSync(arg("--document")).toString("base64");
  const client = new docusign.ApiClient({ basePath: `https://127.0.0.1:${port}/restapi` });
  client.setOAuthBasePath(`127.0.0.1:${port}`);
  const cachedToken = process.argv.includes("--cached-token");
  const cached = {};
  const timesMs = [];
  let last = null;
  for (let flow = 0; flow < warmup + flows; flow++) {
    const start = process.hrtime.bigint();
    // A new token each flow, or the first flow's token (and account) for all of them.
    last = await oneFlow(client, keyPem, documentB64, cachedToken ? cached : {});
    if (flow >= warmup) timesMs.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const sdk = require("docusign-esign/package.json").version;
  console.log(JSON.stringify({ client: "node-sdk", cached_token: cachedToken, sdk, node: process.version, flows_ms: timesMs,
                               warmup, status: last[0], downloaded_bytes: last[1] }));
}

// The error alone: axios' error objects hold the request, with the JWT and the access token.
main().catch((e) => {
  const status = e && e.response ? ` (HTTP ${e.response.status})` : "";
  console.error(`node-sdk flow failed${status}: ${e && e.message}`);
  process.exit(1);
});
