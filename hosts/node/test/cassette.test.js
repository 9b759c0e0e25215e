// The JS reader of the cassette format: the same patterns, matching and strictness as the Rust
// host's replay module.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Cassette, CassetteError, CassetteTransport, formDecode, jsonMismatch, patternMatches } from '../src/cassette.js';

const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ.c2ln';
const req = (method, url, headers = [], body = new Uint8Array()) => ({ method, url, headers, body, timeoutMs: undefined });

test('patterns', () => {
  assert.ok(patternMatches('abc', 'abc'));
  assert.ok(!patternMatches('abc', 'abcd'));
  assert.ok(patternMatches('Bearer <redacted>', 'Bearer xyz'));
  assert.ok(!patternMatches('Bearer <redacted>', 'Basic xyz'));
  assert.ok(patternMatches('https://x/<any>/y?<any>', 'https://x/a/b/y?c=d'));
  assert.ok(!patternMatches('a<any>a', 'a'));
  assert.ok(patternMatches('<jwt>', JWT));
  assert.ok(!patternMatches('<jwt>', 'not-a-jwt'));
});

test('JSON bodies match structurally, with patterns', () => {
  const e = { a: 1, b: ['x', '<any>'], c: '<any>', d: 'pre-<any>' };
  assert.equal(jsonMismatch(e, { d: 'pre-1', c: { z: 1 }, b: ['x', 'q'], a: 1 }, 'body'), null);
  assert.match(jsonMismatch(e, { a: 2, b: ['x', 'q'], c: 1, d: 'pre-' }, 'body'), /^body\.a: expected 1/);
  assert.match(jsonMismatch(e, { a: 1, b: ['x'], c: 1, d: 'pre-' }, 'body'), /expected 2 items/);
  assert.match(jsonMismatch(e, { a: 1, b: ['x', 1], c: 1, d: 'pre-', e: 0 }, 'body'), /body\.e: not expected/);
});

test('forms decode strictly', () => {
  assert.deepEqual(formDecode(Buffer.from('a=x%20y&b=1+2&c=%3D')), { a: 'x y', b: '1 2', c: '=' });
  assert.throws(() => formDecode(Buffer.from('a=%2')));
  assert.throws(() => formDecode(Buffer.from('a=%ff')));
});

test('broken cassettes are refused', () => {
  for (const [c, want] of [
    [{ interactions: [{ request: { method: 'FETCH', url: 'u' }, response: { status: 200 } }] }, /unknown method/],
    [{ interactions: [{ request: { method: 'GET', url: 'u' } }] }, /exactly one/],
    [{ interactions: [{ request: { method: 'GET', url: 'u' }, error: { kind: 'boom' } }] }, /unknown error kind/],
    [{ interactions: [], extra: 1 }, /unknown field/],
  ]) {
    assert.throws(() => new Cassette(c, '.'), (e) => e instanceof CassetteError && want.test(e.message));
  }
});

test('replays in order and reports problems, secrets hidden', () => {
  const t = new CassetteTransport(new Cassette({
    interactions: [
      { request: { method: 'POST', url: 'https://h/oauth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: { form: { grant_type: 'g', assertion: '<jwt>' } } },
      response: { status: 200, body: { json: { access_token: 't' } } } },
      { request: { method: 'GET', url: 'https://h/x', headers: { authorization: 'Bearer fixture' } }, error: { kind: 'timeout', message: 'slow' } },
      { request: { method: 'GET', url: 'https://h/never' }, response: { status: 204 } },
    ],
  }, '.'));
  const resp = t.send(req('post', 'https://h/oauth/token', [['Content-Type', 'application/x-www-form-urlencoded']],
    Buffer.from(`grant_type=g&assertion=${JWT}`)));
  assert.equal(resp.status, 200);
  assert.equal(Buffer.from(resp.body).toString(), '{"access_token":"t"}');
  assert.ok(resp.headers.some(([k, v]) => k === 'content-type' && v.startsWith('application/json')));
  assert.throws(() => t.send(req('get', 'https://h/x', [['Authorization', 'Bearer real-secret']])),
    (e) => e.tag === 'other' && /header authorization/.test(e.val) && !e.val.includes('real-secret'));
  assert.deepEqual(t.problems().length, 2);
  assert.match(t.problems()[1], /interaction #3 \(GET https:\/\/h\/never\) was never requested/);
  assert.throws(() => t.send(req('get', 'https://h/other')), (e) => /url: expected https:\/\/h\/never/.test(e.val));
  assert.throws(() => t.send(req('get', 'https://h/x')), (e) => /only 3 interactions/.test(e.val));
});
