// The HTTP side of `liveTransport`: one request at a time, answered on the port, the waiting
// thread woken through the shared flag.

import { request } from 'node:https';
import { workerData } from 'node:worker_threads';

const { port, options } = workerData;

function target(url) {
  const over = options.resolve?.[url.hostname.toLowerCase()] ?? options.resolve?.['*'];
  if (!over) return { host: url.hostname, port: url.port || 443 };
  const at = over.lastIndexOf(':');
  return { host: over.slice(0, at), port: Number(over.slice(at + 1)) };
}

function transportError(e, host) {
  const code = e.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return { tag: 'dns', val: `${host}: host not found` };
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE') {
    return { tag: 'tls', val: `${host}: ${e.message}` };
  }
  return { tag: 'connection', val: `${host}: ${e.message}` };
}

function send(req) {
  return new Promise((resolve) => {
    const url = new URL(req.url);
    const to = target(url);
    const headers = Object.fromEntries(req.headers.filter(([k]) => !['host', 'content-length'].includes(k.toLowerCase())));
    headers.host = url.host;
    if (req.body.length) headers['content-length'] = String(req.body.length);
    const timeout = req.timeoutMs ?? 60000;
    const r = request({
      host: to.host, port: to.port, servername: url.hostname, method: req.method.toUpperCase(),
      path: url.pathname + url.search, headers, ca: options.caCertificatesPem, timeout,
    }, (res) => {
      const length = Number(res.headers['content-length'] ?? 0);
      if (length > options.maxResponseBytes) {
        res.destroy();
        return resolve({ err: { tag: 'body-too-large', val: String(length) } });
      }
      const chunks = [];
      let size = 0;
      res.on('data', (c) => {
        size += c.length;
        if (size > options.maxResponseBytes) {
          res.destroy();
          resolve({ err: { tag: 'body-too-large', val: String(options.maxResponseBytes) } });
        } else {
          chunks.push(c);
        }
      });
      res.on('end', () => {
        const hs = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) hs.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
        resolve({ ok: { status: res.statusCode, headers: hs, body: Buffer.concat(chunks) } });
      });
      res.on('error', (e) => resolve({ err: transportError(e, url.hostname) }));
    });
    r.on('timeout', () => {
      r.destroy();
      resolve({ err: { tag: 'timeout', val: `${url.hostname}: no reply within ${timeout} ms` } });
    });
    r.on('error', (e) => resolve({ err: transportError(e, url.hostname) }));
    r.end(req.body.length ? Buffer.from(req.body) : undefined);
  });
}

port.on('message', async ({ req, flag }) => {
  port.postMessage(await send(req));
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
