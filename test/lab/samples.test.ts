import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, runCli, tempDir } from '../helpers/cli';

describe('datasets-sample', () => {
  it('is exactly what `jointlab synth --enterprises 3000 --bank-customers 1500 --seed 7` writes', () => {
    const dir = tempDir();
    const r = runCli(['synth', '--enterprises', '3000', '--bank-customers', '1500', '--seed', '7', '--out', dir]);
    assert.equal(r.code, 0, r.stderr);
    for (const file of ['platform.csv', 'bank.csv', 'consent.csv']) {
      assert.equal(readFileSync(join(dir, file), 'utf8'), readFileSync(join(REPO_ROOT, 'datasets-sample', file), 'utf8'), file);
    }
  });
});
