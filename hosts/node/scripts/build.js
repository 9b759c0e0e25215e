// Builds what the Node host loads: the portable component, exported by the Rust CLI (which
// embeds it), transpiled by jco into gen/ (instantiated per invocation, imports passed in).
//   npm run build          (from hosts/node; needs cargo and the repository around it)
//   CONNECTOR_WASM=path npm run build   (transpile a component you already have)
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const hostDir = join(here, '..');
const root = join(hostDir, '..', '..');
const gen = join(hostDir, 'gen');
rmSync(gen, { recursive: true, force: true });
mkdirSync(gen, { recursive: true });

let wasm = process.env.CONNECTOR_WASM;
if (!wasm) {
  wasm = join(gen, 'docusign_connector.portable.wasm');
  execFileSync('cargo', ['run', '-q', '-p', 'docusign-host', '--', 'component', '--portable', '--out', wasm],
    { cwd: root, stdio: 'inherit' });
}
execFileSync(process.execPath, [
  join(hostDir, 'node_modules', '@bytecodealliance', 'jco', 'dist', 'jco.js'),
  'transpile', wasm, '-o', join(gen, 'connector'), '--instantiation', 'sync', '--name', 'connector', '-q',
], { stdio: 'inherit' });
console.log(`transpiled ${wasm} into ${join(gen, 'connector')}`);
