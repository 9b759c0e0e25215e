// The shared scenarios (fixtures/scenarios/*.json) through the Node host: the same cassettes,
// the same JSON outputs as the Rust host gives (its tests/scenarios.rs checks the same files).

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { Cassette, CassetteTransport, ManualClock, MemoryLog, MemoryState, createHost } from '../src/index.js';

const fixtures = new URL('../../../fixtures/', import.meta.url).pathname;

/** A transport whose cassette can be swapped between the parts of a scenario. */
class Parts {
  send(req) {
    return this.current.send(req);
  }
}

async function run(scenario) {
  const settings = { ...scenario.connection };
  settings.private_key_pem = readFileSync(join(fixtures, settings.private_key_file), 'utf8');
  delete settings.private_key_file;
  const transport = new Parts();
  const clock = new ManualClock(0);
  const log = new MemoryLog();
  const host = await createHost({ connection: settings, transport, clock, state: new MemoryState(), log: log.log });
  const outputs = [];
  let last = null;
  for (const part of scenario.parts) {
    const cassette = Cassette.load(join(fixtures, part.cassette));
    transport.current = new CassetteTransport(cassette);
    clock.now = cassette.startTimeMs();
    for (const step of part.steps) {
      clock.advanceMs(step.advance_ms ?? 0);
      const input = step.input_from === 'checkpoint' ? { checkpoint: last?.checkpoint ?? null } : step.input;
      let output;
      try {
        output = { ok: host.invoke(step.action, input) };
      } catch (e) {
        if (!e.json) throw e;
        output = { error: e.json };
      }
      last = output.ok ?? null;
      outputs.push(output);
    }
    assert.deepEqual(transport.current.problems(), [], `${part.cassette} was not followed`);
  }
  return outputs;
}

const files = readdirSync(join(fixtures, 'scenarios')).filter((f) => f.endsWith('.json')).sort();

test('the scenarios exist', () => assert.ok(files.length >= 2, files.join(', ')));

for (const file of files) {
  test(`scenario ${file}: the same outputs as the Rust host`, async () => {
    const scenario = JSON.parse(readFileSync(join(fixtures, 'scenarios', file), 'utf8'));
    const outputs = await run(scenario);
    assert.equal(outputs.length, scenario.outputs.length);
    outputs.forEach((got, i) => assert.deepEqual(got, scenario.outputs[i], `${file} step ${i + 1} (${JSON.stringify(got).slice(0, 300)})`));
  });
}
