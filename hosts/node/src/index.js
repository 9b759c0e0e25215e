// The DocuSign connector in Node: the portable component transpiled by jco (`npm run build`),
// a fresh instance per invocation (its core modules compiled once), and
// `invoke(action, jsonInput)` giving the same JSON as the Rust host's JSON API.
//
//   import { createHost, liveTransport } from 'docusign-connector-node-host';
//   const host = createHost({ connection: settings, transport: liveTransport(settings.auth_server) });
//   const status = host.invoke('get-envelope-status', { envelope_id: '…' });

import { readFileSync } from 'node:fs';

import { MemoryState, SystemClock, stderrLog } from './capabilities.js';
import { invocationImports } from './imports.js';
import { InvokeError, WITHOUT_CONNECTION, connectError, connection, connectorError, parseCall, render } from './json-api.js';

export { ACTIONS, InvokeError } from './json-api.js';
export { Cassette, CassetteTransport } from './cassette.js';
export { ManualClock, MemoryLog, MemoryState, SystemClock, stderrLog } from './capabilities.js';
export { liveTransport } from './live.js';

const GENERATED = new URL('../gen/connector/', import.meta.url);
let transpiled;
const modules = new Map();

function getCoreModule(name) {
  if (!modules.has(name)) modules.set(name, new WebAssembly.Module(readFileSync(new URL(name, GENERATED))));
  return modules.get(name);
}

async function load() {
  try {
    transpiled ??= await import(new URL('connector.js', GENERATED));
  } catch (e) {
    throw new Error(`the transpiled connector is missing: run \`npm run build\` in hosts/node first (${e.message})`);
  }
  return transpiled;
}

/**
 * A host for one connection. `connection`: the settings in snake_case (`auth_server`,
 * `integration_key`, `user_id`, `private_key_pem`, …, as the Rust host's settings file names
 * them). `transport`: `{ send(request) }` (a `CassetteTransport`, or `liveTransport(...)`);
 * `clock`, `state`, `log(level, message)`: optional.
 */
export async function createHost({ connection: settings, transport, clock = new SystemClock(), state = new MemoryState(), log = stderrLog() }) {
  const { instantiate } = await load();
  const conn = connection(settings);
  return {
    /** Run `action` with JSON `input`; the result as JSON, or throws an `InvokeError` (`e.json`). */
    invoke(action, input) {
      const [iface, fn, args] = parseCall(action, input);
      const { imports, release } = invocationImports({ transport, clock, state, log });
      try {
        const instance = instantiate(getCoreModule, imports);
        const callArgs = WITHOUT_CONNECTION.has(fn) ? args : [conn, ...args];
        return render(fn, instance[iface][fn](...callArgs));
      } catch (e) {
        if (e?.payload?.tag) {
          throw new InvokeError(WITHOUT_CONNECTION.has(fn) ? connectError(e.payload) : connectorError(e.payload));
        }
        throw new InvokeError({ kind: 'host', reason: 'trap', message: String(e?.message ?? e) });
      } finally {
        release();
      }
    },
  };
}
