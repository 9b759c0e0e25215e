// Cassettes (the format documented in the README, "Cassette format"): recorded DocuSign HTTP
// replayed strictly in order, as the Rust host's `replay` module does. A request that does not
// match, one more than recorded, or an interaction never used makes `finish()` report it.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const METHODS = ['get', 'head', 'post', 'put', 'patch', 'delete'];
const ERROR_KINDS = ['denied', 'timeout', 'dns', 'connection', 'tls', 'body-too-large', 'other'];
const SECRET_NAMES = ['authorization', 'proxy-authorization', 'assertion', 'access_token', 'refresh_token',
  'id_token', 'client_secret', 'code', 'password', 'private_key', 'private_key_pem', 'private-key-pem'];
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A cassette that cannot be replayed. */
export class CassetteError extends Error {}

/** Three base64url segments, the first a JSON object with `alg`. */
export function looksLikeJwt(value) {
  const v = value.trim().replace(/^Bearer /, '');
  const parts = v.split('.');
  if (parts.length !== 3 || parts.some((p) => p === '' || !/^[A-Za-z0-9_-]+$/.test(p))) return false;
  try {
    return Object.hasOwn(JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')), 'alg');
  } catch {
    return false;
  }
}

function redact(name, value) {
  if (name.toLowerCase() === 'authorization') {
    const space = value.indexOf(' ');
    return space > 0 ? `${value.slice(0, space)} <redacted>` : '<redacted>';
  }
  return SECRET_NAMES.includes(name.toLowerCase()) || looksLikeJwt(value) || value.includes('PRIVATE KEY')
    ? '<redacted>' : value;
}

/** `<jwt>` alone means a JWT; `<any>` and `<redacted>` stand for any text; the rest is literal. */
export function patternMatches(pattern, value) {
  if (pattern === '<jwt>') return looksLikeJwt(value);
  const parts = pattern.replaceAll('<redacted>', '<any>').split('<any>');
  if (parts.length === 1) return pattern === value;
  const [first, ...rest] = parts;
  if (!value.startsWith(first)) return false;
  let remaining = value.slice(first.length);
  const last = rest.pop();
  for (const part of rest) {
    const at = remaining.indexOf(part);
    if (at < 0) return false;
    remaining = remaining.slice(at + part.length);
  }
  return remaining.length >= last.length && remaining.endsWith(last);
}

/** JSON compared structurally; strings in `expected` are patterns. The first difference, or null. */
export function jsonMismatch(expected, actual, path) {
  if (typeof expected === 'string' && (expected === '<any>' || expected === '<redacted>')) return null;
  if (typeof expected === 'string' && typeof actual === 'string') {
    return patternMatches(expected, actual) ? null
      : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(redact(path.split(/[.[]/).pop(), actual))}`;
  }
  if (Array.isArray(expected) && Array.isArray(actual)) {
    if (expected.length !== actual.length) return `${path}: expected ${expected.length} items, got ${actual.length}`;
    for (let i = 0; i < expected.length; i++) {
      const diff = jsonMismatch(expected[i], actual[i], `${path}[${i}]`);
      if (diff) return diff;
    }
    return null;
  }
  if (isObject(expected) && isObject(actual)) {
    for (const [k, v] of Object.entries(expected)) {
      if (!Object.hasOwn(actual, k)) return `${path}.${k}: missing`;
      const diff = jsonMismatch(v, actual[k], `${path}.${k}`);
      if (diff) return diff;
    }
    const extra = Object.keys(actual).find((k) => !Object.hasOwn(expected, k));
    return extra === undefined ? null : `${path}.${extra}: not expected`;
  }
  return JSON.stringify(expected) === JSON.stringify(actual) ? null
    : `${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`;
}

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

const UNRESERVED = /[A-Za-z0-9\-._~]/;
function formEncodePart(s) {
  return [...Buffer.from(s, 'utf8')].map((b) => {
    const c = String.fromCharCode(b);
    return b < 128 && UNRESERVED.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }).join('');
}

/** `application/x-www-form-urlencoded`, strict: a bad escape or bad UTF-8 throws. */
export function formDecode(bytes) {
  const text = utf8.decode(bytes);
  const fields = {};
  for (const pair of text.split('&').filter((p) => p !== '')) {
    const eq = pair.indexOf('=');
    const [k, v] = eq < 0 ? [pair, ''] : [pair.slice(0, eq), pair.slice(eq + 1)];
    fields[decodePart(k)] = decodePart(v);
  }
  return fields;
}

function decodePart(s) {
  if (!s.split('%').slice(1).every((after) => /^[0-9A-Fa-f]{2}/.test(after))) throw new Error(`bad % escape in ${JSON.stringify(s)}`);
  const bytes = [];
  const plus = s.replaceAll('+', ' ');
  for (let i = 0; i < plus.length; i++) {
    if (plus[i] === '%') {
      bytes.push(parseInt(plus.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(plus[i], 'utf8'));
    }
  }
  return utf8.decode(Uint8Array.from(bytes));
}

/** A cassette loaded and checked (the same checks as the Rust host's loader). */
export class Cassette {
  constructor(json, baseDir) {
    if (!isObject(json) || !Array.isArray(json.interactions)) throw new CassetteError('a cassette needs `interactions`');
    const extra = Object.keys(json).find((k) => !['name', 'description', 'start_time', 'interactions'].includes(k));
    if (extra) throw new CassetteError(`unknown field \`${extra}\``);
    this.name = json.name ?? 'cassette';
    this.startTime = json.start_time;
    this.baseDir = baseDir;
    this.interactions = json.interactions.map((it, i) => {
      const at = (m) => new CassetteError(`interaction #${i + 1}: ${m}`);
      if (!isObject(it.request) || !METHODS.includes(String(it.request.method).toLowerCase())) {
        throw at(`unknown method ${JSON.stringify(it.request?.method)}`);
      }
      if ((it.response === undefined) === (it.error === undefined)) throw at('needs exactly one of `response` and `error`');
      if (it.error !== undefined && !ERROR_KINDS.includes(it.error.kind)) throw at(`unknown error kind ${JSON.stringify(it.error.kind)}`);
      if (it.response !== undefined) {
        if (!(it.response.status >= 100 && it.response.status <= 599)) throw at(`status ${it.response.status} is not an HTTP status`);
        if (it.response.body !== undefined) this.bodyBytes(it.response.body);
      }
      return it;
    });
  }

  /** Read and check the cassette at `path`. */
  static load(path) {
    return new Cassette(JSON.parse(readFileSync(path, 'utf8')), dirname(path));
  }

  /** Replay clock start, ms since the epoch (default 2025-05-02T15:40:00Z). */
  startTimeMs() {
    return this.startTime ? Date.parse(this.startTime) : 1746200400000;
  }

  /** The bytes of a body in the cassette's encoding. */
  bodyBytes(body) {
    if (Object.hasOwn(body, 'json')) return Buffer.from(JSON.stringify(body.json), 'utf8');
    if (Object.hasOwn(body, 'form')) {
      return Buffer.from(Object.keys(body.form).sort().map((k) => `${formEncodePart(k)}=${formEncodePart(body.form[k])}`).join('&'));
    }
    if (Object.hasOwn(body, 'text')) return Buffer.from(body.text, 'utf8');
    if (Object.hasOwn(body, 'base64')) return Buffer.from(body.base64.trim(), 'base64');
    if (Object.hasOwn(body, 'file')) return readFileSync(join(this.baseDir, body.file));
    throw new CassetteError(`unknown body encoding ${JSON.stringify(Object.keys(body))}`);
  }
}

/** Why `request` does not match the interaction's `expected` request, or null. */
export function requestMismatch(expected, request, cassette) {
  if (expected.method.toLowerCase() !== request.method) return `method: expected ${expected.method.toUpperCase()}, got ${request.method.toUpperCase()}`;
  if (!patternMatches(expected.url, request.url)) return `url: expected ${expected.url}, got ${request.url}`;
  for (const [name, pattern] of Object.entries(expected.headers ?? {})) {
    const found = request.headers.find(([k]) => k.toLowerCase() === name.toLowerCase());
    if (!found) return `header ${name}: missing`;
    if (!patternMatches(pattern, found[1])) return `header ${name}: expected ${JSON.stringify(pattern)}, got ${JSON.stringify(redact(name, found[1]))}`;
  }
  const body = request.body;
  const e = expected.body;
  if (e === undefined) return body.length === 0 ? null : `body: expected none, got ${body.length} bytes`;
  if (Object.hasOwn(e, 'json')) {
    let actual;
    try {
      actual = JSON.parse(utf8.decode(body));
    } catch (err) {
      return `body: expected JSON, got ${body.length} bytes that are not JSON (${err.message})`;
    }
    return jsonMismatch(e.json, actual, 'body');
  }
  if (Object.hasOwn(e, 'form')) {
    let actual;
    try {
      actual = formDecode(body);
    } catch (err) {
      return `body: ${err.message}`;
    }
    for (const [k, p] of Object.entries(e.form)) {
      if (!Object.hasOwn(actual, k)) return `form field ${k}: missing`;
      if (!patternMatches(p, actual[k])) return `form field ${k}: expected ${JSON.stringify(p)}, got ${JSON.stringify(redact(k, actual[k]))}`;
    }
    const extra = Object.keys(actual).find((k) => !Object.hasOwn(e.form, k));
    return extra === undefined ? null : `form field ${extra}: not expected`;
  }
  if (Object.hasOwn(e, 'text')) {
    let text;
    try {
      text = utf8.decode(body);
    } catch {
      text = undefined;
    }
    return text !== undefined && patternMatches(e.text, text) ? null : `body: expected text ${JSON.stringify(e.text)}, got ${body.length} other bytes`;
  }
  const recorded = cassette.bodyBytes(e);
  return Buffer.compare(recorded, Buffer.from(body)) === 0 ? null
    : `body: expected ${recorded.length} recorded bytes, got ${body.length} different bytes`;
}

/** Replays a cassette as the connector's transport: `send(request)` returns the response or throws a transport error. */
export class CassetteTransport {
  constructor(cassette) {
    this.cassette = cassette;
    this.next = 0;
    this.failures = [];
    this.received = [];
  }

  send(request) {
    this.received.push(request);
    const index = this.next;
    const it = this.cassette.interactions[index];
    const label = `${request.method.toUpperCase()} ${request.url}`;
    if (!it) {
      const msg = `unexpected request #${index + 1} ${label}: the cassette has only ${this.cassette.interactions.length} interactions`;
      this.failures.push(msg);
      throw { tag: 'other', val: `cassette: ${msg}` };
    }
    this.next += 1;
    const diff = requestMismatch(it.request, request, this.cassette);
    if (diff) {
      const msg = `request #${index + 1} ${label} does not match interaction #${index + 1}: ${diff}`;
      this.failures.push(msg);
      throw { tag: 'other', val: `cassette: ${msg}` };
    }
    if (it.delay_ms !== undefined && request.timeoutMs !== undefined && it.delay_ms > request.timeoutMs) {
      throw { tag: 'timeout', val: `no reply within ${request.timeoutMs} ms` };
    }
    if (it.error) {
      const message = it.error.message ?? '';
      throw { tag: it.error.kind, val: it.error.kind === 'body-too-large' ? BigInt(message) : message };
    }
    const headers = [];
    for (const [name, value] of Object.entries(it.response.headers ?? {})) {
      for (const v of Array.isArray(value) ? value : [value]) headers.push([name.toLowerCase(), v]);
    }
    let body = new Uint8Array();
    if (it.response.body !== undefined) {
      if (Object.hasOwn(it.response.body, 'json') && !headers.some(([k]) => k === 'content-type')) {
        headers.push(['content-type', 'application/json; charset=utf-8']);
      }
      body = new Uint8Array(this.cassette.bodyBytes(it.response.body));
    }
    return { status: it.response.status, headers, body };
  }

  /** Problems of the replay: mismatches, extra requests, interactions never requested (empty when it followed the cassette). */
  problems() {
    const unused = this.cassette.interactions.slice(this.next).map((it, i) =>
      `interaction #${this.next + i + 1} (${it.request.method.toUpperCase()} ${it.request.url}) was never requested`);
    return [...this.failures, ...unused];
  }
}
