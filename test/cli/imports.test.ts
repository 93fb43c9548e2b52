/**
 * The CLI and the demo are clients of the enclave: from enclave/ they import the service facade
 * (enclave/service.ts) and nothing else, so the enclave's internals can move without breaking them.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { REPO_ROOT } from '../helpers/cli';

const FACADE = 'enclave/service';

/** Every module a TypeScript source names (static and type imports, re-exports, dynamic import(), require()). */
export function specifiers(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\bfrom\s+['"]([^'"]+)['"]/g, /\bimport\s+['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const pattern of patterns) for (const m of source.matchAll(pattern)) found.push(m[1]);
  return found;
}

/** The enclave modules other than the facade that `file` (relative to the repository) imports. */
export function enclaveInternals(file: string, source: string): string[] {
  return specifiers(source)
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(REPO_ROOT, resolve(REPO_ROOT, dirname(file), s)).split('\\').join('/').replace(/\.(ts|js)$/, ''))
    .filter((target) => (target === 'enclave' || target.startsWith('enclave/')) && target !== FACADE);
}

const sources = (folder: string): string[] =>
  readdirSync(join(REPO_ROOT, folder))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${folder}/${f}`);

describe('the CLI and the demo reach the enclave only through its service facade', () => {
  it('finds an internal import when there is one, and lets the facade through', () => {
    const source = "import { startEnclave } from '../enclave/service';\nimport type { Db } from '../enclave/store/db';\nconst x = require('../enclave/audit/log');";
    assert.deepEqual(enclaveInternals('cli/x.ts', source), ['enclave/store/db', 'enclave/audit/log']);
  });

  for (const folder of ['cli', 'demo']) {
    it(`${folder}/*.ts import nothing from enclave/ but ${FACADE}.ts`, () => {
      const files = sources(folder);
      assert.ok(files.length > 0, `no sources found in ${folder}/`);
      const offending = files.flatMap((file) => enclaveInternals(file, readFileSync(join(REPO_ROOT, file), 'utf8')).map((target) => `${file} imports ${target}`));
      assert.deepEqual(offending, []);
    });
  }
});
