// The connector's imports for one invocation, over the host's capabilities: `http` (with the
// `outgoing-body` resource), `clock`, `state` (versioned values; leases owned by the invocation,
// released when it ends), `log`; and the WASI interfaces the Rust standard library asks for, with no environment,
// no arguments, and an `exit` that stops the invocation instead of the Node process.

import { io, random } from '@bytecodealliance/preview2-shim';
import { stderr, stdin, stdout, terminalInput, terminalOutput, terminalStderr, terminalStdin, terminalStdout } from '@bytecodealliance/preview2-shim/cli';

/** Largest request body the guest may assemble (as the Rust host). */
export const MAX_REQUEST_BODY_BYTES = 64 << 20;
const MAX_LOG_LINE = 4096;
let nextInvocation = 1;

/** The guest called `exit`. */
export class GuestExit extends Error {}

/**
 * Import objects for one invocation and a `release()` to call when it ends.
 * `caps`: `{ transport: {send(req)}, clock: {nowMs(), sleepMs(ms)}, state, log(level, message) }`.
 */
export function invocationImports(caps) {
  const owner = nextInvocation++;
  const held = new Set();

  class OutgoingBody {
    constructor(expectedSize) {
      void expectedSize;
      this.parts = [];
      this.size = 0;
    }
    write(chunk) {
      const size = this.size + chunk.length;
      if (size > MAX_REQUEST_BODY_BYTES) throw { tag: 'body-too-large', val: BigInt(size) };
      this.parts.push(chunk);
      this.size = size;
    }
  }

  const send = (req) => caps.transport.send(req);
  const http = {
    OutgoingBody,
    send,
    sendWithBody(req, body) {
      if (req.body.length !== 0) throw { tag: 'other', val: 'send-with-body: the request already has a body' };
      return send({ ...req, body: Buffer.concat(body.parts) });
    },
  };
  const clock = {
    nowMs: () => BigInt(caps.clock.nowMs()),
    sleepMs: (ms) => caps.clock.sleepMs(ms),
  };
  const state = {
    get: (key) => caps.state.get(key),
    getEntry: (key) => caps.state.getEntry(key),
    set: (key, value) => caps.state.set(key, value),
    setIf: (key, value, expected) => caps.state.setIf(key, value, expected),
    delete: (key) => caps.state.delete(key),
    lease(key, ttlMs) {
      const taken = caps.state.lease(key, owner, ttlMs);
      if (taken) held.add(key);
      return taken;
    },
    renew: (key, ttlMs) => caps.state.renew(key, owner, ttlMs),
    release(key) {
      caps.state.release(key, owner);
      held.delete(key);
    },
  };
  const log = {
    log(level, message) {
      const line = message.length > MAX_LOG_LINE ? `${message.slice(0, MAX_LOG_LINE)}… (${message.length} bytes)` : message;
      caps.log(level, line);
    },
  };
  const imports = {
    'docusign:connector/http': http,
    'docusign:connector/clock': clock,
    'docusign:connector/state': state,
    'docusign:connector/log': log,
    'wasi:cli/environment': { getEnvironment: () => [], getArguments: () => [], initialCwd: () => undefined },
    'wasi:cli/exit': {
      exit(status) {
        throw new GuestExit(`the connector called exit (${status.tag})`);
      },
    },
    'wasi:cli/stderr': stderr,
    'wasi:cli/stdin': stdin,
    'wasi:cli/stdout': stdout,
    'wasi:cli/terminal-input': terminalInput,
    'wasi:cli/terminal-output': terminalOutput,
    'wasi:cli/terminal-stderr': terminalStderr,
    'wasi:cli/terminal-stdin': terminalStdin,
    'wasi:cli/terminal-stdout': terminalStdout,
    'wasi:io/error': io.error,
    'wasi:io/poll': io.poll,
    'wasi:io/streams': io.streams,
    'wasi:random/insecure-seed': random.insecureSeed,
    'wasi:random/random': random.random,
  };
  const release = () => {
    for (const key of held) caps.state.release(key, owner);
    held.clear();
  };
  return { imports, release };
}
