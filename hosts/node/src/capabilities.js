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
 * Key-value state in memory, shared by the invocations of one host, with named locks. The
 * connector runs synchronously, so a lock held by another invocation cannot be waited for: it
 * is refused at once and the connector goes on without it.
 */
export class MemoryState {
  constructor() {
    this.values = new Map();
    this.locks = new Map();
  }
  get(key) {
    return this.values.get(key);
  }
  set(key, value) {
    this.values.set(key, value);
  }
  delete(key) {
    return this.values.delete(key);
  }
  lock(key, owner) {
    const holder = this.locks.get(key);
    if (holder !== undefined && holder !== owner) return false;
    this.locks.set(key, owner);
    return true;
  }
  unlock(key, owner) {
    if (this.locks.get(key) === owner) this.locks.delete(key);
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
