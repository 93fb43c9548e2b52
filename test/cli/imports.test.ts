/**
 * The CLI and the demo are clients of the enclave: from enclave/ they import the service facade
 * (enclave/service.ts) and nothing else, so the enclave's internals can move without breaking them.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/cli';
import { enclaveInternals } from '../helpers/imports';

const FACADE = 'enclave/service';

const sources = (folder: string): string[] =>
  readdirSync(join(REPO_ROOT, folder))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${folder}/${f}`);

describe('the CLI and the demo reach the enclave only through its service facade', () => {
  it('finds an internal import when there is one, and lets the facade through', () => {
    const source = "import { startEnclave } from '../enclave/service';\nimport type { Db } from '../enclave/store/db';\nconst x = require('../enclave/audit/log');";
    assert.deepEqual(enclaveInternals('cli/x.ts', source).filter((target) => target !== FACADE), ['enclave/store/db', 'enclave/audit/log']);
  });

  for (const folder of ['cli', 'demo']) {
    it(`${folder}/*.ts import nothing from enclave/ but ${FACADE}.ts`, () => {
      const files = sources(folder);
      assert.ok(files.length > 0, `no sources found in ${folder}/`);
      const offending = files.flatMap((file) => enclaveInternals(file, readFileSync(join(REPO_ROOT, file), 'utf8')).filter((target) => target !== FACADE).map((target) => `${file} imports ${target}`));
      assert.deepEqual(offending, []);
    });
  }
});
