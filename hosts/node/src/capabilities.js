// What the Node host gives an invocation besides HTTP: clocks, a state store, log sinks.

/** Wall-clock time; `sleepMs` blocks (the connector sleeps only to back off). */
export class SystemClock {
  nowMs() {
    return Date.now();
  }
  sleepMs(ms) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  }
}

/** A clock that moves only when told or when the connector sleeps (replays). */
export class ManualClock {
  constructor(nowMs) {
    this.now = nowMs;
    this.slept = 0;
  }
  nowMs() {
    return this.now;
  }
  sleepMs(ms) {
    this.slept += ms;
    this.now += ms;
  }
  advanceMs(ms) {
    this.now += ms;
  }
}

/**
 * Key-value state in memory, shared by the invocations of one host: versioned values for
 * conditional writes, and leases with owners and lifetimes. The connector runs synchronously, so
 * a lease held by another invocation cannot be waited for: it is refused at once and the
 * connector goes on without it.
 */
export class MemoryState {
  constructor(now = () => Date.now()) {
    this.values = new Map();
    this.leases = new Map();
    this.lastVersion = 0n;
    this.now = now;
  }
  get(key) {
    return this.values.get(key)?.value;
  }
  getEntry(key) {
    const entry = this.values.get(key);
    return entry === undefined ? undefined : { ...entry };
  }
  set(key, value) {
    this.lastVersion += 1n;
    this.values.set(key, { value, version: this.lastVersion });
  }
  /** The new version, or throws `{tag: 'conflict', val: current}` and writes nothing. */
  setIf(key, value, expected) {
    const current = this.values.get(key)?.version;
    if (current !== expected) throw { tag: 'conflict', val: current };
    this.set(key, value);
    return this.lastVersion;
  }
  delete(key) {
    return this.values.delete(key);
  }
  lease(key, owner, ttlMs) {
    const held = this.leases.get(key);
    if (held !== undefined && held.owner !== owner && held.until > this.now()) return false;
    this.leases.set(key, { owner, until: this.now() + ttlMs });
    return true;
  }
  renew(key, owner, ttlMs) {
    const held = this.leases.get(key);
    if (held === undefined || held.owner !== owner || held.until <= this.now()) return false;
    held.until = this.now() + ttlMs;
    return true;
  }
  release(key, owner) {
    if (this.leases.get(key)?.owner === owner) this.leases.delete(key);
  }
}

const RANK = { trace: 0, debug: 1, info: 2, warn: 3, error: 4 };

/** Log lines at or above `min` to stderr. */
export function stderrLog(min = 'info') {
  return (level, message) => {
    if (RANK[level] >= RANK[min]) console.error(`[connector ${level}] ${message}`);
  };
}

/** Keeps every line (tests). */
export class MemoryLog {
  constructor() {
    this.lines = [];
    this.log = (level, message) => this.lines.push([level, message]);
  }
  text() {
    return this.lines.map(([l, m]) => `${l} ${m}\n`).join('');
  }
}
