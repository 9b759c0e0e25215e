// Live HTTPS for the Node host. The connector's `http.send` is synchronous, and Node 20 has no
// JSPI: the request runs in a worker thread (node:https) while the calling thread waits on
// `Atomics.wait`. The allow-list is the Rust host's: DocuSign's hosts of one environment,
// `https` on port 443 only; no redirects are followed; reply bodies are capped.

import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';

const DEVELOPER_HOSTS = ['account-d.docusign.com', 'demo.docusign.net', 'lens-d.docusign.net', 'api-d.docusign.com', 'api-d.docusign.net'];
const PRODUCTION_COM_HOSTS = ['account.docusign.com', 'api.docusign.com'];
/** Largest reply body accepted by default. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 << 20;

/** Why `url` may not be requested for the environment of `authServer`, or null. */
export function refusal(authServer, url) {
  let u;
  try {
    u = new URL(url);
  } catch {
    return `${JSON.stringify(url)} is not a valid URL`;
  }
  if (u.protocol !== 'https:') return `${url}: only https is allowed`;
  if (u.username || u.password) return `${url}: credentials in URLs are not allowed`;
  if (u.port && u.port !== '443') return `${url}: only the default https port is allowed`;
  const host = u.hostname.toLowerCase();
  const developer = authServer.trim().replace(/^https:\/\//, '').replace(/\/$/, '').toLowerCase() === 'account-d.docusign.com';
  const allowed = developer
    ? DEVELOPER_HOSTS.includes(host)
    : !DEVELOPER_HOSTS.includes(host) && (PRODUCTION_COM_HOSTS.includes(host) || host.endsWith('.docusign.net'));
  return allowed ? null : `${host} is not an allowed host`;
}

/**
 * A transport to DocuSign for the environment of `authServer`. Options (loopback testing):
 * `caCertificatesPem` (trust these instead of Node's roots), `resolve` (`{host or '*': 'ip:port'}`,
 * like curl --resolve: URL, SNI and Host stay), `maxResponseBytes`.
 */
export function liveTransport(authServer, options = {}) {
  const { port1, port2 } = new MessageChannel();
  const worker = new Worker(new URL('./http-worker.js', import.meta.url), {
    workerData: { port: port2, options: { ...options, maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES } },
    transferList: [port2],
  });
  worker.unref();
  return {
    send(req) {
      const why = refusal(authServer, req.url);
      if (why) throw { tag: 'denied', val: why };
      const flag = new Int32Array(new SharedArrayBuffer(4));
      port1.postMessage({ req: { ...req, body: Buffer.from(req.body) }, flag });
      const wait = (req.timeoutMs ?? 60000) + 5000;
      if (Atomics.wait(flag, 0, 0, wait) === 'timed-out') throw { tag: 'timeout', val: 'no reply from the HTTP worker' };
      const { message } = receiveMessageOnPort(port1);
      if (message.err) throw message.err.tag === 'body-too-large' ? { tag: message.err.tag, val: BigInt(message.err.val) } : message.err;
      return { status: message.ok.status, headers: message.ok.headers, body: new Uint8Array(message.ok.body) };
    },
    close: () => worker.terminate(),
  };
}
