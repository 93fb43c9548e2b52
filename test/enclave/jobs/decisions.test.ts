/**
 * One jobs service decides every next state: of the enclave's modules only enclave/jobs/decisions.ts
 * imports the one writer, `transition()`; routes, the runner and the HE sessions ask the service.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../helpers/cli';
import { enclaveInternals } from '../../helpers/imports';

const SERVICE = 'enclave/jobs/decisions.ts';
const WRITER = 'enclave/jobs/transition';

function sources(folder: string): string[] {
  return readdirSync(join(REPO_ROOT, folder)).flatMap((name) => {
    const path = `${folder}/${name}`;
    if (statSync(join(REPO_ROOT, path)).isDirectory()) return sources(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

describe('the jobs service', () => {
  it(`is the only module of enclave/ that moves a job: none but ${SERVICE} imports ${WRITER}`, () => {
    const files = sources('enclave');
    assert.ok(files.includes(SERVICE));
    const movers = files.filter((file) => enclaveInternals(file, readFileSync(join(REPO_ROOT, file), 'utf8')).includes(WRITER));
    assert.deepEqual(movers, [SERVICE]);
  });
});
