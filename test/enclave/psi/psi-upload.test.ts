import { strict as assert } from 'node:assert';
import { createHash, createHmac } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { hashToPoint, psiDomain } from '../../../lab/psi/hash-to-point';
import { runCliAsync } from '../../helpers/cli';
import { TestEnclave, csvOf, startTestEnclave } from '../../helpers/enclave';
import { MixedBank, withOutsiders } from './outsiders';

/** Every file of the enclave's database (the main file, its WAL and shared memory, the platform's columnar copies beside it), as bytes. */
function databaseBytes(dir: string): Buffer {
  return Buffer.concat(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile() && join(f.parentPath, f.name).slice(dir.length + 1).startsWith('enclave.db'))
      .map((f) => readFileSync(join(f.parentPath, f.name))),
  );
}

/** Forms in which an id could sit in storage or a log: the code itself, lowercased, SHA-256 of it, and its PSI hash under the session's domain. */
function needles(id: string, domain: string, pseudonymKey: Buffer): Buffer[] {
  const sha = createHash('sha256').update(id).digest();
  const point = hashToPoint(domain, id);
  const pseudonym = createHmac('sha256', pseudonymKey).update(id).digest('hex').slice(0, 20);
  const text = [id, id.toLowerCase(), sha.toString('hex'), sha.toString('base64'), point.toString('hex'), point.toString('base64'), point.toString('base64url'), pseudonym];
  return [...text.map((s) => Buffer.from(s)), sha, point];
}

describe('PSI upload: a bank customer who is not on the platform never reaches the enclave', () => {
  const lines: string[] = [];
  let t: TestEnclave;
  let mixed: MixedBank;
  const env = (who: 'bankA' | 'steward') => ({ env: { JOINTLAB_URL: t.enclave.url, JOINTLAB_TOKEN: t.tokens[who] } });

  before(async () => {
    t = await startTestEnclave({ enterprises: 3000, bankCustomers: 1500, log: (line) => lines.push(line) });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    mixed = withOutsiders(t.files.bank, t.files.platform, 700, join(t.dir, 'bank-mixed.csv'));
  });
  after(() => t.enclave.close());

  it('`jointlab upload` aligns by PSI by default, uploads the intersection only, and leaves no trace of the others in the database or the logs', async () => {
    const r = await runCliAsync(['upload', mixed.file, '--name', 'customers', '--json'], env('bankA'));
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.equal(out.rows, 1500);
    assert.deepEqual({ customers: out.psi.customers, intersection: out.psi.intersection }, { customers: 2200, intersection: 1500 });
    // The blinded platform set is the dataset padded (enclave/release/psi-padding.ts): at least its 3000, under the next grid step plus one.
    assert.ok(out.psi.platform >= 3000 && out.psi.platform < 4000, String(out.psi.platform));
    assert.ok(out.psi.bytes.up >= (2200 + out.psi.platform) * 32 && out.psi.bytes.down >= (2200 + out.psi.platform) * 32, JSON.stringify(out.psi.bytes));
    // The bank sees what the session took of its budgets.
    assert.deepEqual([out.psi.budget.pointsToday, out.psi.budget.points30Days], [2200, 2200]);

    // The upload holds exactly the customers on the platform.
    const ids = (await t.client('bankA').request<{ ids: string[] }>('GET', `v1/uploads/${out.id}/ids`)).ids;
    assert.deepEqual([...ids].sort(), [...mixed.insiders].sort());
    const session = await t.client('bankA').request<{ state: string; intersection: number; upload: string; nonce: string; dataset: string }>('GET', `v1/psi/sessions/${out.psi.session}`);
    assert.deepEqual([session.state, session.intersection, session.upload], ['used', 1500, out.id]);

    const key = (await t.enclave.db.get<{ value: Buffer }>("SELECT value FROM secrets WHERE name = 'pseudonym-key'"))!.value;
    const domain = psiDomain(session.dataset, session.nonce);
    const audit = await t.enclave.db.all<{ action: string; detail: string }>("SELECT action, detail FROM audit WHERE action LIKE 'psi.%' ORDER BY seq");
    assert.deepEqual(audit.map((a) => a.action), ['psi.open', 'psi.matched', 'psi.used']);
    assert.deepEqual(JSON.parse(audit[1].detail), { dataset: 'platform', points: 2200, platform: 3000, intersection: 1500 });
    assert.ok(lines.some((l) => l.includes('/v1/psi/sessions/')), 'the log holds the PSI requests');

    const scan = (when: string) => {
      const db = databaseBytes(t.dir);
      const log = Buffer.from(lines.join('\n'));
      // The scan can see: ids of the intersection are in the database, as rows of the upload.
      assert.ok(mixed.insiders.every((id) => db.includes(Buffer.from(id))), `${when}: insiders are stored`);
      for (const id of mixed.outsiders) {
        for (const needle of needles(id, domain, key)) {
          assert.equal(db.includes(needle), false, `${when}: the database holds a form of an outsider's id`);
          assert.equal(log.includes(needle), false, `${when}: the log holds a form of an outsider's id`);
        }
      }
    };
    scan('running');
    await t.enclave.close();
    scan('closed');
  });
});
