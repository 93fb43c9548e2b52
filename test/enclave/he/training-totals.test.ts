/**
 * Enc(X^T y) lives in a row of its own, written once the session has been idle: the session's row
 * never carries it, a round after the enclave lost its memory (as a restart does) reads it back and
 * answers the same, and closing the session deletes it. The Galois keys are never stored: they come with the opening or
 * with the labels, as the public key may.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Db } from '../../../enclave/store/db';
import { parseCsv } from '../../../lab/data/csv';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { FRAME_TYPE, decodeFrames, encodeFrames } from '../../../lab/he/frames';
import { rotationSteps, slotsOf } from '../../../lab/he/params';
import { forgetSession } from '../../../enclave/he/session-store';
import { PERSIST_IDLE_MS } from '../../../enclave/he/training-totals';
import { TestEnclave, csvOf, startTestEnclave } from '../../helpers/enclave';

describe('HE training totals', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  let crypto: BankCrypto;

  before(async () => {
    t = await startTestEnclave({ enterprises: 2000, bankCustomers: 1200 });
    crypto = await BankCrypto.create('n16384', rotationSteps('n16384'), { relinKeys: true });
  });
  after(async () => {
    crypto.dispose();
    await t.enclave.close();
  });

  /** An enclave of its own (the shared one's bank spends its privacy budget above), with one keyless training session open on a small upload. */
  async function ownKeylessSession(name: string): Promise<{ own: TestEnclave; info: { id: string; training: { uploadIds: string[]; design: string[] } } }> {
    const own = await startTestEnclave({ enterprises: 600, bankCustomers: 400 });
    try {
      await own.client('steward').request('POST', 'v1/datasets', { csv: csvOf(own.files.platform), query: { name: 'platform', idColumn: 'id' } });
      const ids = parseCsv(readFileSync(own.files.bank, 'utf8'), 'b').rows.map((r) => r[0]);
      await own.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${ids.join('\n')}\n`, query: { name: 'ids' } });
      const spec = { name, purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: ['years_established'] }, model: { family: 'lr' }, he: { rounds: 3 } };
      const job = (await own.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
      await own.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
      const opened = await own.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet: 'n16384' }, [new Uint8Array(0), new Uint8Array(0)]), type: FRAME_TYPE });
      assert.equal(opened.status, 201, opened.text);
      return { own, info: opened.json() };
    } catch (e) {
      await own.enclave.close();
      throw e;
    }
  }

  it('are stored once outside the session row, read back after the enclave forgets them, and deleted on close', async () => {
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    const bank = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b');
    const at = bank.header.indexOf('default_12m');
    await t.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${bank.rows.map((r) => r[0]).join('\n')}\n`, query: { name: 'ids' } });
    const spec = { name: 'he-totals', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: ['years_established', 'court_cases_3y'] }, model: { family: 'lr' }, he: { rounds: 3 } };
    const job = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
    await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
    const opened = await t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet: 'n16384' }, [crypto.publicKeyBytes, crypto.galoisKeyBytes]), type: FRAME_TYPE });
    assert.equal(opened.status, 201, opened.text);
    const session = opened.json() as { id: string; training: { design: string[]; uploadIds: string[] } };
    const labelOf = new Map(bank.rows.map((r) => [r[0], Number(r[at])]));
    const labels = session.training.uploadIds.map((id) => labelOf.get(id)!);
    const blocks: Uint8Array[] = [];
    for (let start = 0; start < labels.length; start += slotsOf('n16384')) blocks.push(crypto.encrypt(labels.slice(start, start + slotsOf('n16384'))));
    const sent = await t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/labels`, { body: encodeFrames({ relinKeys: true }, [crypto.relinKeyBytes, ...blocks]), type: FRAME_TYPE });
    assert.equal(sent.status, 200, sent.text);

    const row = await t.enclave.db.get<{ xty: Buffer | null; galois: number | null }>('SELECT xty, length(galois_keys) AS galois FROM he_sessions WHERE id = ?', [session.id]);
    assert.equal(row?.xty, null, "Enc(X^T y) is in the session's row");
    assert.equal(row?.galois, null, 'the Galois keys outlived Enc(X^T y)');
    const count = async () => (await t.enclave.db.get<{ n: number; bytes: number }>('SELECT COUNT(*) AS n, SUM(length(xty)) AS bytes FROM he_training_totals WHERE session = ?', [session.id]))!;
    // Not written while the rounds follow one another: only once the session has been idle.
    assert.equal((await count()).n, 0, 'written before the session was idle');

    const D = session.training.design.length;
    const round = async (weights: number[]) => {
      const answer = decodeFrames<{ round: number }>(await t.client('bankA').send('POST', `v1/he/sessions/${session.id}/rounds`, { json: { weights } }));
      return { round: answer.header.round, weights: Array.from(crypto.decrypt(answer.blobs[0]).subarray(0, D)) };
    };
    const first = await round(new Array(D).fill(0));
    assert.equal(first.round, 1);
    assert.equal((await count()).n, 0, 'written before the session was idle');
    await new Promise((r) => setTimeout(r, PERSIST_IDLE_MS + 500));
    const stored = await count();
    assert.equal(stored.n, 1);
    assert.ok(stored.bytes > 1e6, `${stored.bytes} bytes of totals`);
    // What a restart loses: the totals and the design kept in memory. The next round reads them from the store.
    forgetSession(session.id);
    const second = await round(new Array(D).fill(0));
    assert.equal(second.round, 2);
    // Same weights, same Newton step: the two answers differ only by the rounds' noise.
    second.weights.forEach((w, k) => assert.ok(Number.isFinite(w) && Math.abs(w - first.weights[k]) < 1, `weight ${k}: ${w} against ${first.weights[k]}`));
    const unchanged = await t.enclave.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM he_training_totals WHERE session = ?', [session.id]);
    assert.equal(unchanged?.n, 1);

    const closed = await t.call('bankA', 'DELETE', `/v1/he/sessions/${session.id}`);
    assert.ok(closed.status < 300, closed.text);
    const left = await t.enclave.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM he_training_totals WHERE session = ?', [session.id]);
    assert.equal(left?.n, 0, 'Enc(X^T y) outlived its session');
  });

  it('never writes the Galois keys to the store; labels after the enclave lost them (a restart) get 409 keys_lost', async () => {
    const spec = { name: 'he-keys', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: ['years_established', 'court_cases_3y'] }, model: { family: 'lr' }, he: { rounds: 3 } };
    const job = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
    await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
    const opened = await t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet: 'n16384' }, [crypto.publicKeyBytes, crypto.galoisKeyBytes]), type: FRAME_TYPE });
    assert.equal(opened.status, 201, opened.text);
    const session = opened.json() as { id: string; training: { uploadIds: string[] } };
    const row = await t.enclave.db.get<{ galois: number | null; key: number | null }>('SELECT length(galois_keys) AS galois, length(public_key) AS key FROM he_sessions WHERE id = ?', [session.id]);
    assert.equal(row?.galois, null, 'the Galois keys were written to the store');
    assert.ok(row!.key! > 0, 'the public key is stored (the rounds use it after a restart)');
    forgetSession(session.id);
    const blocks: Uint8Array[] = [];
    for (let start = 0; start < session.training.uploadIds.length; start += slotsOf('n16384')) blocks.push(crypto.encrypt(new Float64Array(Math.min(slotsOf('n16384'), session.training.uploadIds.length - start))));
    const sent = await t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/labels`, { body: encodeFrames({ relinKeys: true }, [crypto.relinKeyBytes, ...blocks]), type: FRAME_TYPE });
    assert.equal(sent.status, 409, sent.text);
    assert.equal(sent.json().code, 'keys_lost');
    // What a bank does then: the same labels with the keys; the enclave never held them in between.
    const again = await t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/labels`, { body: encodeFrames({ relinKeys: true, galoisKeys: true }, [crypto.relinKeyBytes, crypto.galoisKeyBytes, ...blocks]), type: FRAME_TYPE });
    assert.equal(again.status, 200, again.text);
    assert.ok((await t.call('bankA', 'DELETE', `/v1/he/sessions/${session.id}`)).status < 300);
  });

  it('takes the Galois keys with the labels when the opening had none, once, and refuses a second set', async () => {
    const spec = { name: 'he-keys-later', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: ['years_established', 'court_cases_3y'] }, model: { family: 'lr' }, he: { rounds: 3 } };
    const open = async (galois: Uint8Array) => {
      const job = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
      await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
      const opened = await t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet: 'n16384' }, [crypto.publicKeyBytes, galois]), type: FRAME_TYPE });
      assert.equal(opened.status, 201, opened.text);
      return opened.json() as { id: string; training: { uploadIds: string[]; design: string[] } };
    };
    const labelsOf = (session: { training: { uploadIds: string[] } }): Uint8Array[] => {
      const blocks: Uint8Array[] = [];
      for (let start = 0; start < session.training.uploadIds.length; start += slotsOf('n16384')) blocks.push(crypto.encrypt(new Float64Array(Math.min(slotsOf('n16384'), session.training.uploadIds.length - start))));
      return blocks;
    };
    const send = (id: string, header: object, blobs: Uint8Array[]) => t.call('bankA', 'POST', `/v1/he/sessions/${id}/labels`, { body: encodeFrames(header, blobs), type: FRAME_TYPE });

    const later = await open(new Uint8Array(0));
    const blocks = labelsOf(later);
    const without = await send(later.id, { relinKeys: true }, [crypto.relinKeyBytes, ...blocks]);
    assert.equal(without.status, 409, without.text);
    assert.equal(without.json().code, 'keys_lost');
    const odd = await send(later.id, { relinKeys: true, galoisKeys: 'yes' }, [crypto.relinKeyBytes, crypto.galoisKeyBytes, ...blocks]);
    assert.equal(odd.status, 400, odd.text);
    assert.equal(odd.json().code, 'bad_envelope');
    // A key set short of a declared step is refused before any SEAL work, as at an opening.
    const short = await BankCrypto.create('n16384', rotationSteps('n16384').slice(1));
    try {
      const lacking = await send(later.id, { relinKeys: true, galoisKeys: true }, [crypto.relinKeyBytes, short.galoisKeyBytes, ...blocks]);
      assert.equal(lacking.status, 400, lacking.text);
      assert.equal(lacking.json().code, 'bad_key');
    } finally {
      short.dispose();
    }
    const sent = await send(later.id, { relinKeys: true, galoisKeys: true }, [crypto.relinKeyBytes, crypto.galoisKeyBytes, ...blocks]);
    assert.equal(sent.status, 200, sent.text);
    const round = decodeFrames<{ round: number }>(await t.client('bankA').send('POST', `v1/he/sessions/${later.id}/rounds`, { json: { weights: new Array(later.training.design.length).fill(0) } }));
    assert.equal(round.header.round, 1);
    assert.ok((await t.call('bankA', 'DELETE', `/v1/he/sessions/${later.id}`)).status < 300);

    const early = await open(crypto.galoisKeyBytes);
    const twice = await send(early.id, { relinKeys: true, galoisKeys: true }, [crypto.relinKeyBytes, crypto.galoisKeyBytes, ...labelsOf(early)]);
    assert.equal(twice.status, 400, twice.text);
    assert.equal(twice.json().code, 'galois_keys_sent');
    const publicTwice = await send(early.id, { relinKeys: true, publicKey: true }, [crypto.relinKeyBytes, crypto.publicKeyBytes, ...labelsOf(early)]);
    assert.equal(publicTwice.status, 400, publicTwice.text);
    assert.equal(publicTwice.json().code, 'public_key_sent');
    assert.ok((await t.call('bankA', 'DELETE', `/v1/he/sessions/${early.id}`)).status < 300);
  });

  it('opens on no key at all (the bank makes them meanwhile) and takes every key with the labels, stored only once they worked', async () => {
    const spec = { name: 'he-keys-all-later', purpose: 'test', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'platform', columns: ['years_established', 'court_cases_3y'] }, model: { family: 'lr' }, he: { rounds: 3 } };
    const job = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
    await t.client('steward').request('POST', `v1/jobs/${job}/approve`, { json: {} });
    const opened = await t.call('bankA', 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet: 'n16384' }, [new Uint8Array(0), new Uint8Array(0)]), type: FRAME_TYPE });
    assert.equal(opened.status, 201, opened.text);
    const session = opened.json() as { id: string; training: { uploadIds: string[]; design: string[] } };
    const blocks: Uint8Array[] = [];
    for (let start = 0; start < session.training.uploadIds.length; start += slotsOf('n16384')) blocks.push(crypto.encrypt(new Float64Array(Math.min(slotsOf('n16384'), session.training.uploadIds.length - start)).fill(1)));
    const send = (header: object, blobs: Uint8Array[]) => t.call('bankA', 'POST', `/v1/he/sessions/${session.id}/labels`, { body: encodeFrames(header, blobs), type: FRAME_TYPE });
    const all = { relinKeys: true, publicKey: true, galoisKeys: true };

    const noPublic = await send({ relinKeys: true, galoisKeys: true }, [crypto.relinKeyBytes, crypto.galoisKeyBytes, ...blocks]);
    assert.equal(noPublic.status, 400, noPublic.text);
    assert.equal(noPublic.json().code, 'public_key_missing');
    const noGalois = await send({ relinKeys: true, publicKey: true }, [crypto.relinKeyBytes, crypto.publicKeyBytes, ...blocks]);
    assert.equal(noGalois.status, 400, noGalois.text);
    assert.equal(noGalois.json().code, 'galois_keys_missing');
    const cut = await send(all, [crypto.relinKeyBytes, crypto.publicKeyBytes.subarray(0, 1000), crypto.galoisKeyBytes, ...blocks]);
    assert.equal(cut.status, 400, cut.text);
    assert.equal(cut.json().code, 'bad_key');
    const fewer = await send(all, [crypto.relinKeyBytes, crypto.publicKeyBytes, crypto.galoisKeyBytes]);
    assert.equal(fewer.status, 400, fewer.text);
    assert.equal(fewer.json().code, 'bad_ciphertext_count');
    // Refused labels store no key: the same keys come again with the labels.
    const keyless = await t.enclave.db.get<{ n: number }>('SELECT length(public_key) AS n FROM he_sessions WHERE id = ?', [session.id]);
    assert.equal(keyless?.n, 0);
    const sent = await send(all, [crypto.relinKeyBytes, crypto.publicKeyBytes, crypto.galoisKeyBytes, ...blocks]);
    assert.equal(sent.status, 200, sent.text);
    // Every label 1: the first round's answer is a Newton step the bank can read with its key.
    const answer = decodeFrames<{ round: number }>(await t.client('bankA').send('POST', `v1/he/sessions/${session.id}/rounds`, { json: { weights: new Array(session.training.design.length).fill(0) } }));
    assert.equal(answer.header.round, 1);
    assert.ok(Array.from(crypto.decrypt(answer.blobs[0]).subarray(0, session.training.design.length)).every(Number.isFinite));
    // Written with the totals once the session is idle (training-totals.ts), for a restart to find.
    await new Promise((r) => setTimeout(r, PERSIST_IDLE_MS + 500));
    const stored = await t.enclave.db.get<{ key: Buffer }>('SELECT public_key AS key FROM he_sessions WHERE id = ?', [session.id]);
    assert.ok(Buffer.from(crypto.publicKeyBytes).equals(stored!.key), 'the public key sent with the labels is the one stored');
    const again = await send(all, [crypto.relinKeyBytes, crypto.publicKeyBytes, crypto.galoisKeyBytes, ...blocks]);
    assert.equal(again.status, 409, again.text);
    assert.equal(again.json().code, 'labels_exist');
    assert.ok((await t.call('bankA', 'DELETE', `/v1/he/sessions/${session.id}`)).status < 300);
    const closed = await t.enclave.db.get<{ key: Buffer | null }>('SELECT public_key AS key FROM he_sessions WHERE id = ?', [session.id]);
    assert.equal(closed?.key, null, 'the public key outlived its session');
  });

  it('drops the floods made under the public key of labels it refused: the next labels, under another key, get answers that key reads', async () => {
    const { own, info: session } = await ownKeylessSession('he-floods-refused');
    const other = await BankCrypto.create('n16384', rotationSteps('n16384'), { relinKeys: true });
    try {
      const D = session.training.design.length;
      const blocksUnder = (keys: BankCrypto) => {
        const out: Uint8Array[] = [];
        for (let start = 0; start < session.training.uploadIds.length; start += slotsOf('n16384')) out.push(keys.encrypt(new Float64Array(Math.min(slotsOf('n16384'), session.training.uploadIds.length - start)).fill(1)));
        return out;
      };
      const send = (keys: BankCrypto, blocks: Uint8Array[]) =>
        own.call('bankA', 'POST', `/v1/he/sessions/${session.id}/labels`, { body: encodeFrames({ relinKeys: true, publicKey: true, galoisKeys: true }, [keys.relinKeyBytes, keys.publicKeyBytes, keys.galoisKeyBytes, ...blocks]), type: FRAME_TYPE });
      // One block too many: refused by the SEAL worker, after this key's floods were queued (the pool computes the sum whole for one block).
      const extra = blocksUnder(other);
      const refused = await send(other, [...extra, extra[0]]);
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.json().code, 'bad_ciphertext_count');
      const sent = await send(crypto, blocksUnder(crypto));
      assert.equal(sent.status, 200, sent.text);
      // Every round's flood under this key: a flood under the refused key would turn the answer into noise of the modulus's size.
      for (let round = 1; round <= 3; round++) {
        const answer = decodeFrames<{ round: number }>(await own.client('bankA').send('POST', `v1/he/sessions/${session.id}/rounds`, { json: { weights: new Array(D).fill(0) } }));
        const weights = Array.from(crypto.decrypt(answer.blobs[0]).subarray(0, D));
        assert.ok(weights.every((w) => Math.abs(w) < 100), `round ${round}: ${weights}`);
      }
    } finally {
      other.dispose();
      await own.enclave.close();
    }
  });

  it("writes a session's totals not yet written when the enclave closes, so that a planned restart keeps them", async () => {
    const { own, info } = await ownKeylessSession('he-close');
    const session = info.id;
    try {
      const blocks = [crypto.encrypt(new Float64Array(info.training.uploadIds.length))];
      const sent = await own.call('bankA', 'POST', `/v1/he/sessions/${session}/labels`, { body: encodeFrames({ relinKeys: true, publicKey: true, galoisKeys: true }, [crypto.relinKeyBytes, crypto.publicKeyBytes, crypto.galoisKeyBytes, ...blocks]), type: FRAME_TYPE });
      assert.equal(sent.status, 200, sent.text);
    } finally {
      await own.enclave.close();
    }
    const db = await Db.open(join(own.dir, 'enclave.db'));
    try {
      const stored = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM he_training_totals WHERE session = ?', [session]);
      assert.equal(stored?.n, 1, 'the totals were lost with the enclave');
      const key = await db.get<{ key: Buffer }>('SELECT public_key AS key FROM he_sessions WHERE id = ?', [session]);
      assert.ok(Buffer.from(crypto.publicKeyBytes).equals(key!.key), 'the public key sent with the labels was lost with the enclave');
    } finally {
      await db.close();
    }
  });
});
