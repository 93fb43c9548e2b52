/**
 * Encrypted-label training that no round could noise-flood is refused at submission and at session
 * open, with a stable code and what would work; an HE job whose session stops on an error ends
 * failed with the reason and an audit entry, not running at 0% (issue 16's traps).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { FRAME_TYPE, encodeFrames } from '../../../lab/he/frames';
import { ParamSetName, rotationSteps } from '../../../lab/he/params';
import { heTrain } from '../../../lab/he/protocols';
import { JointlabError } from '../../../lab/errors';
import { DEFAULT_FLOOD, floodSize } from '../../../enclave/he/enclave-crypto';
import { L2_PER_CATEGORICAL } from '../../../enclave/release/he-training-fit';
import { TestEnclave, csvOf, startTestEnclave } from '../../helpers/enclave';

describe('HE training checked before it runs; failed sessions end failed', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  let bank: string[][];
  const spec = (columns: string[], extra: { l2?: number; he?: object } = {}) => ({
    name: 'he-fit',
    purpose: 'test',
    mode: 'he-train',
    bank: { upload: 'ids' },
    platform: { dataset: 'platform', columns },
    model: { family: 'lr', ...(extra.l2 ? { params: { l2: extra.l2 } } : {}) },
    ...(extra.he ? { he: extra.he } : {}),
  });
  const submit = (body: object) => t.call('bankA', 'POST', '/v1/jobs', { body: JSON.stringify(body), type: 'application/json' });
  const approved = async (body: object): Promise<string> => {
    const { id } = await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: body });
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    return id;
  };
  const openSession = (job: string, paramSet: ParamSetName, keys: BankCrypto) =>
    t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet }, [keys.publicKeyBytes, keys.galoisKeyBytes]), type: FRAME_TYPE });

  before(async () => {
    t = await startTestEnclave({ enterprises: 2000, bankCustomers: 1000, epsilonBudget: 100 });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    bank = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b').rows;
    await t.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${bank.map((r) => r[0]).join('\n')}\n`, query: { name: 'ids' } });
  });
  after(() => t.enclave.close());

  it('refuses categorical columns at an l2 no round could flood, naming each and what would work (422 he_training_unfit)', async () => {
    const r = await submit(spec(['years_established', 'tax_grade', 'province']));
    assert.equal(r.status, 422, r.text);
    const body = r.json();
    assert.equal(body.code, 'he_training_unfit');
    assert.deepEqual(body.problems.map((p: { pointer: string }) => p.pointer), ['/platform/columns/1', '/platform/columns/2']);
    const needed = 2 * L2_PER_CATEGORICAL;
    for (const p of body.problems) assert.match(p.message, new RegExp(`categorical.*drop tax_grade, province.*l2 to at least ${needed}`));
    // What the message says works is accepted: the l2 it names, or the categorical columns dropped.
    assert.equal((await submit(spec(['years_established', 'tax_grade', 'province'], { l2: needed }))).status, 201);
    assert.equal((await submit(spec(['years_established']))).status, 201);
  });

  it('refuses n8192 for training at submission and at session open; the job stays approved for n16384', async () => {
    const r = await submit(spec(['years_established'], { he: { paramSet: 'n8192' } }));
    assert.equal(r.status, 422, r.text);
    assert.equal(r.json().code, 'he_training_unfit');
    assert.equal(r.json().problems[0].pointer, '/he/paramSet');
    assert.match(r.json().problems[0].message, /n16384 only.*n8192 serves private scoring/);

    const id = await approved(spec(['years_established']));
    const small = await BankCrypto.create('n8192', rotationSteps('n8192'));
    try {
      const open = await openSession(id, 'n8192', small);
      assert.equal(open.status, 422, open.text);
      assert.equal(open.json().code, 'he_training_unfit');
    } finally {
      small.dispose();
    }
    assert.equal((await t.client('bankA').request<{ state: string }>('GET', `v1/jobs/${id}`)).state, 'approved');
  });

  it('refuses at session open, before any label is sent, a design whose first round could not be flooded (two columns, one a multiple of the other)', async () => {
    // Standardized, the two columns are one: along their difference the Newton matrix is the L2 penalty alone.
    const platform = parseCsv(readFileSync(t.files.platform, 'utf8'), 'p');
    const at = platform.header.indexOf('years_established');
    const twice = formatCsv([...platform.header, 'years_twice'], platform.rows.map((r) => [...r, r[at] === '' ? '' : String(2 * Number(r[at]))]));
    await t.client('steward').request('POST', 'v1/datasets', { csv: twice, query: { name: 'twice', idColumn: 'id' } });
    const collinear = { ...spec(['years_established', 'years_twice']), platform: { dataset: 'twice', columns: ['years_established', 'years_twice'] } };
    const id = await approved(collinear);
    const keys = await BankCrypto.create('n16384', rotationSteps('n16384'));
    try {
      const open = await openSession(id, 'n16384', keys);
      assert.equal(open.status, 422, open.text);
      assert.equal(open.json().code, 'insufficient_precision');
      assert.match(open.json().detail, /first round on this design.*drop or merge such columns, or raise l2/);
      // No figure computed from the rows: the bits left are a function of the data.
      assert.doesNotMatch(open.json().detail, /bits|\d+\.\d/);
      // The refusal answered about this population: recorded, so an upload one enterprise away is refused as too close.
      await t.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${bank.slice(1).map((r) => r[0]).join('\n')}\n`, query: { name: 'ids-but-one' } });
      const near = await openSession(await approved({ ...collinear, name: 'he-fit-neighbour', bank: { upload: 'ids-but-one' } }), 'n16384', keys);
      assert.equal(near.status, 409, near.text);
      assert.equal(near.json().code, 'population_too_close');
    } finally {
      keys.dispose();
    }
    assert.equal((await t.client('bankA').request<{ state: string }>('GET', `v1/jobs/${id}`)).state, 'approved');
    assert.equal((await t.enclave.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM he_sessions WHERE job = ?', [id]))?.n, 0, 'a session was opened');
    const audit = await t.client('steward').request<{ entries: { action: string; object: string }[] }>('GET', 'v1/audit');
    assert.ok(audit.entries.some((e) => e.action === 'he.session.refused' && e.object === `job:${id}`), 'no audit entry for the refused opening');
    // The same columns without the copy open.
    const single = await approved({ ...collinear, platform: { dataset: 'twice', columns: ['years_established'] } });
    const fresh = await BankCrypto.create('n16384', rotationSteps('n16384'));
    try {
      const open = await openSession(single, 'n16384', fresh);
      assert.equal(open.status, 201, open.text);
      await t.call('bankA', 'DELETE', `/v1/he/sessions/${open.json().id}`);
    } finally {
      fresh.dispose();
    }
  });

  it('says what lowers the noise, not "use n16384", when a computation on n16384 cannot be flooded', () => {
    const refused = (paramSet: 'n8192' | 'n16384') => {
      try {
        floodSize(DEFAULT_FLOOD, 1e-6, paramSet);
      } catch (e) {
        return (e as JointlabError).message;
      }
      return '';
    };
    assert.match(refused('n8192'), /use the larger parameter set \(n16384\)/);
    assert.doesNotMatch(refused('n16384'), /use the larger/);
    assert.match(refused('n16384'), /largest parameter set.*larger l2 or fewer categorical columns/);
  });

  it('marks an HE job failed, with the reason and an audit entry, when its session stops on an error', async () => {
    const id = await approved(spec(['years_established']));
    // Labels that do not cover the upload: refused by the client after the session opened (the job is running by then).
    const labels = { ids: bank.slice(1).map((r) => r[0]), values: bank.slice(1).map((r) => Number(r[r.length - 1])) };
    await assert.rejects(heTrain({ client: t.client('bankA'), job: id, paramSet: 'n16384', labels }), (e: JointlabError) => e.code === 'labels_misaligned');
    const view = await t.client('bankA').request<{ state: string; reason: string }>('GET', `v1/jobs/${id}`);
    assert.equal(view.state, 'failed');
    assert.match(view.reason ?? '', /labels_misaligned/, JSON.stringify(view));
    const { jobs } = await t.client('bankA').request<{ jobs: { id: string; state: string }[] }>('GET', 'v1/jobs');
    assert.equal(jobs.find((j) => j.id === id)?.state, 'failed');
    const audit = await t.client('steward').request<{ entries: { action: string; object: string; detail: string }[] }>('GET', 'v1/audit');
    const entry = audit.entries.find((e) => e.action === 'job.failed' && e.object === `job:${id}`);
    assert.ok(entry, 'no job.failed audit entry');
    assert.match(JSON.parse(entry.detail).reason, /labels_misaligned/);
    const keysLeft = await t.enclave.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM he_sessions WHERE job = ? AND (public_key IS NOT NULL OR galois_keys IS NOT NULL)', [id]);
    assert.equal(keysLeft?.n, 0, 'keys outlived the failed session');
    // Only a stable code is taken as the reason: free text from a client is refused.
    const other = await t.call('bankA', 'DELETE', '/v1/he/sessions/he_nope?failed=Free%20text');
    assert.equal(other.status, 404);
  });
});
