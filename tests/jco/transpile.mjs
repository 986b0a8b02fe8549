// Transpiles components with jco into ESM glue + core modules: OUTDIR/<name>/<name>.js, where
// <name> is the file name without .wasm. The same as, for each component,
//   jco transpile <name>.wasm --instantiation sync --no-typescript -q -o OUTDIR/<name>
// (byte-identical output), but in one process: the CLI spends ~1.5 s per component starting
// up its own wasm, this ~0.3 s.
//
// `--instantiation sync`: the glue exports instantiate(getCoreModule, imports) instead of
// importing preview2-shim itself, so run.mjs can pass its own locked-down WASI and make a
// fresh instance per file, as the host does.
//
// usage: node transpile.mjs OUTDIR component.wasm...
import { transpile } from '@bytecodealliance/jco';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const [outDir, ...components] = process.argv.slice(2);
if (!outDir || components.length === 0) {
  console.error('usage: node transpile.mjs OUTDIR component.wasm...');
  process.exit(2);
}
// The glue is ESM in .js files: say so, or Node before 20.19 (no module syntax detection) reads
// it as CommonJS.
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'package.json'), '{ "type": "module" }\n');
for (const wasm of components) {
  const name = basename(wasm, '.wasm');
  const { files } = await transpile(readFileSync(wasm), { name, instantiation: 'sync', noTypescript: true, quiet: true });
  for (const [file, bytes] of Object.entries(files)) {
    const path = join(outDir, name, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
}
