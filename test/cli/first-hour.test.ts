/** The traps a new user meets in the first hour (issue 16): each one said in words, with a stable code and exit code, and nothing left behind. */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, Server, AddressInfo } from 'node:net';
import { join } from 'node:path';
import { EXIT_CODES } from '../../lab/errors';
import { runCli, runCliAsync, runCliFirstLine, tempDir } from '../helpers/cli';

const NO_STACK = /\n\s+at /;

describe('first hour: no stack traces, no bare "internal error" (child processes)', function () {
  this.timeout(120_000);
  const dir = tempDir();

  it('`score ... | head -1` stops quietly with exit 0 when the reader closes the pipe', async () => {
    // 10,000 rows of scores are far more than a pipe buffer, so the CLI is still writing when the reader leaves.
    const data = join(dir, 'big');
    assert.equal(runCli(['synth', '--enterprises', '20000', '--bank-customers', '10000', '--out', data]).code, 0);
    const model = join(dir, 'lr.json');
    const trained = runCli(['train', '--data', join(data, 'bank.csv'), '--data', join(data, 'platform.csv'), '--label', 'default_12m', '--out', model]);
    assert.equal(trained.code, 0, trained.stderr);
    const r = await runCliFirstLine(['score', '--model', model, '--data', join(data, 'bank.csv'), '--data', join(data, 'platform.csv')]);
    assert.equal(r.stdout, 'id,score\n');
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
  });

  describe('enclave start', () => {
    let busy: Server;
    let port: number;
    before(async () => {
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
      port = (busy.address() as AddressInfo).port;
    });
    after(() => busy.close());

    it('on a port in use says so, exits with the server code and creates no database', async () => {
      const db = join(dir, 'busy.db');
      const r = await runCliAsync(['enclave', 'start', '--port', String(port), '--db', db, '--quiet']);
      assert.equal(r.code, EXIT_CODES.server, r.stderr);
      assert.match(r.stderr, new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use`));
      assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
      assert.equal(existsSync(db), false, 'database file created');
    });

    it('with --db in a missing folder names the folder and creates nothing', async () => {
      const db = join(dir, 'no-such-folder', 'x.db');
      const r = await runCliAsync(['enclave', 'start', '--port', '0', '--db', db, '--quiet']);
      assert.equal(r.code, EXIT_CODES.usage, r.stderr);
      assert.match(r.stderr, /the folder .*no-such-folder does not exist/);
      assert.equal(existsSync(join(dir, 'no-such-folder')), false);
    });

    it('with --db naming a file that is not a database says so', async () => {
      const db = join(dir, 'notes.txt');
      writeFileSync(db, 'not a database\n');
      const r = await runCliAsync(['enclave', 'start', '--port', '0', '--db', db, '--quiet']);
      assert.equal(r.code, EXIT_CODES.usage, r.stderr);
      assert.match(r.stderr, /is not a jointlab database/);
    });
  });

  describe('synth --out', () => {
    it('on an existing file says --out names a folder', () => {
      const file = join(dir, 'data.csv');
      writeFileSync(file, 'a,b\n');
      const r = runCli(['synth', '--enterprises', '100', '--bank-customers', '50', '--out', file, '--json']);
      assert.equal(r.code, EXIT_CODES.usage, r.stderr);
      assert.equal(JSON.parse(r.stdout).error.code, 'out_not_a_folder');
      assert.match(r.stderr, /is an existing file; --out names a folder/);
    });

    it('on a folder that already holds the files refuses without --force and overwrites with it', () => {
      const out = join(dir, 'twice');
      assert.equal(runCli(['synth', '--enterprises', '100', '--bank-customers', '50', '--out', out]).code, 0);
      const again = runCli(['synth', '--enterprises', '100', '--bank-customers', '50', '--seed', '9', '--out', out, '--json']);
      assert.equal(again.code, EXIT_CODES.usage, again.stderr);
      assert.equal(JSON.parse(again.stdout).error.code, 'out_exists');
      assert.match(again.stderr, /already exist .*--force/);
      const forced = runCli(['synth', '--enterprises', '100', '--bank-customers', '50', '--seed', '9', '--out', out, '--force']);
      assert.equal(forced.code, 0, forced.stderr);
    });

    it('under /proc fails at once with a message that names the folder', () => {
      // Before: Node's recursive mkdir looped forever there; the timeout turns a hang into a failure.
      const r = runCli(['synth', '--enterprises', '100', '--bank-customers', '50', '--out', '/proc/jointlab-x/y'], { timeout: 30_000 });
      assert.equal(r.code, EXIT_CODES.usage, r.stderr);
      assert.match(r.stderr, /cannot create the folder \/proc\/jointlab-x/);
      assert.doesNotMatch(r.stderr, NO_STACK);
    });
  });

  it('--out in a missing folder names the file and the reason instead of "internal error"', () => {
    const bank = join(dir, 'small', 'bank.csv');
    assert.equal(runCli(['synth', '--enterprises', '300', '--bank-customers', '200', '--out', join(dir, 'small')]).code, 0);
    const trained = runCli(['train', '--data', bank, '--label', 'default_12m', '--out', join(dir, 'nowhere', 'model.json'), '--json']);
    assert.equal(trained.code, EXIT_CODES.usage, trained.stderr);
    assert.equal(JSON.parse(trained.stdout.trim().split('\n').pop()!).error.code, 'file_error');
    assert.match(trained.stderr, /nowhere\/model\.json: cannot open \(no such file or folder: ENOENT\)/);
    const model = join(dir, 'small.json');
    assert.equal(runCli(['train', '--data', bank, '--label', 'default_12m', '--out', model]).code, 0);
    const scored = runCli(['score', '--model', model, '--data', bank, '--out', join(dir, 'nowhere', 'scores.csv')]);
    assert.equal(scored.code, EXIT_CODES.usage, scored.stderr);
    assert.match(scored.stderr, /nowhere\/scores\.csv: cannot open \(no such file or folder/);
    assert.doesNotMatch(scored.stderr + trained.stderr, /internal error|\n\s+at /);
  });

  describe('reading a database file', () => {
    it('audit verify --db on a missing file fails clearly and creates nothing', () => {
      const db = join(dir, 'typo.db');
      const r = runCli(['audit', 'verify', '--db', db, '--json']);
      assert.equal(r.code, EXIT_CODES.usage, r.stderr);
      assert.equal(JSON.parse(r.stdout).error.code, 'db_not_found');
      assert.match(r.stderr, /no such database file/);
      assert.equal(existsSync(db), false);
      assert.equal(runCli(['audit', 'tail', '--db', db]).code, EXIT_CODES.usage);
      assert.equal(readdirSync(dir).includes('typo.db'), false);
    });

    it('admin add-principal on a new file says it created a database', () => {
      const db = join(dir, 'first.db');
      const r = runCli(['admin', 'add-principal', '--name', 'ops', '--role', 'steward', '--org', 'platform', '--db', db, '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout).createdDatabase, true);
      assert.match(r.stderr, /created a new database/);
      const second = runCli(['admin', 'add-principal', '--name', 'ops2', '--role', 'steward', '--org', 'platform', '--db', db, '--json']);
      assert.equal(JSON.parse(second.stdout).createdDatabase, false);
      assert.equal(second.stderr, '');
      const missing = runCli(['admin', 'add-principal', '--name', 'x', '--role', 'bank', '--org', 'b', '--db', join(dir, 'nope', 'x.db')]);
      assert.equal(missing.code, EXIT_CODES.usage);
      assert.match(missing.stderr, /does not exist/);
    });
  });
});
