// The live transport over real sockets: TLS to the Rust host's loopback replay server
// (`docusign-host serve`), with DocuSign's host names kept in URL, SNI and Host; and the
// allow-list refusing anything else before it leaves the process.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { MemoryLog, createHost, liveTransport } from '../src/index.js';
import { refusal } from '../src/live.js';

const root = new URL('../../../', import.meta.url).pathname;
const bin = process.env.DOCUSIGN_HOST_BIN ?? join(root, 'target', 'debug', 'docusign-host');
const settings = {
  auth_server: 'account-d.docusign.com',
  integration_key: '1f2e3d4c-5b6a-4789-8abc-def012345678',
  user_id: '4799e5e9-1559-4915-9862-cf4713bbcacc',
  private_key_pem: readFileSync(join(root, 'fixtures/keys/test-only-rsa-pkcs1.pem'), 'utf8'),
};

/** `docusign-host serve CASSETTE` on a free loopback port; its address and CA. */
function serve(cassette) {
  assert.ok(existsSync(bin), `${bin} is missing: build it with \`cargo build -p docusign-host\``);
  const ca = join(mkdtempSync(join(tmpdir(), 'docusign-node-')), 'ca.pem');
  const child = spawn(bin, ['serve', join(root, 'fixtures', cassette), '--addr', '127.0.0.1:0', '--ca-out', ca, '--exit-when-done'],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/on https:\/\/(127\.0\.0\.1:\d+)/);
      if (m && out.includes('TLS:')) resolve({ child, addr: m[1], ca: readFileSync(ca, 'utf8') });
    });
    child.on('exit', (code) => reject(new Error(`serve exited (${code}): ${out}`)));
  });
}

test('auth-test over TLS to the loopback replay server', async () => {
  const { child, addr, ca } = await serve('cassettes/auth/token-userinfo.json');
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const transport = liveTransport(settings.auth_server, { caCertificatesPem: ca, resolve: { '*': addr } });
  const log = new MemoryLog();
  const host = await createHost({ connection: settings, transport, log: log.log });
  const result = host.invoke('auth-test', {});
  assert.equal(result.user_name, 'Avery Example');
  assert.equal(result.account.base_uri, 'https://demo.docusign.net');
  assert.equal(await exited, 0, 'the server saw the whole cassette');
  transport.close();
  assert.ok(!log.text().includes(settings.private_key_pem.split('\n')[1]));
});

test('the allow-list refuses other hosts before anything is sent', async () => {
  assert.equal(refusal('account-d.docusign.com', 'https://demo.docusign.net/restapi'), null);
  assert.equal(refusal('account-d.docusign.com', 'https://api-d.docusign.com/v1/organizations/o/stream'), null);
  assert.match(refusal('account-d.docusign.com', 'https://na3.docusign.net/restapi'), /not an allowed host/);
  assert.equal(refusal('account.docusign.com', 'https://na3.docusign.net/restapi'), null);
  assert.match(refusal('account.docusign.com', 'https://demo.docusign.net/'), /not an allowed host/);
  assert.match(refusal('account-d.docusign.com', 'http://demo.docusign.net/'), /only https/);
  assert.match(refusal('account-d.docusign.com', 'https://demo.docusign.net:8443/'), /default https port/);
  const transport = liveTransport('account.docusign.com');
  const host = await createHost({ connection: settings, transport, log: () => {} });
  // A developer connection through a production-only transport: the token request is refused.
  assert.throws(() => host.invoke('auth-test', {}), (e) => e.json.kind === 'transport' && e.json.reason === 'denied');
  transport.close();
});
