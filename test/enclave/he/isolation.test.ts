/**
 * One bank's poisoned keys and ciphertexts, sent through the real HTTP API, cannot break the SEAL
 * runtime for another bank: every poisoned request gets a 4xx with a stable code, and the other bank's
 * encrypted-label training and private scoring, run during and after the flood, give correct results.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { frameOf } from '../../../lab/data/columns';
import { formatCsv, parseCsv } from '../../../lab/data/csv';
import { BankCrypto } from '../../../lab/he/bank-crypto';
import { FRAME_TYPE, encodeFrames } from '../../../lab/he/frames';
import { ParamSetName, rotationSteps } from '../../../lab/he/params';
import { HeTrainResult, heScore, heTrain } from '../../../lab/he/protocols';
import { KeyedLabels } from '../../../lab/he/label-alignment';
import { ckks, withScope } from '../../../lab/he/seal-runtime';
import { loadJoined, train } from '../../../lab/train';
import { loadModel } from '../../../models';
import { ModelFile } from '../../../models/model';
import { takeRows } from '../../../models/frame';
import { auc } from '../../../models/metrics';
import { HE_BOUNDS } from '../../../lab/spec/he-spec';
import { TestEnclave, consentedIds, csvOf, startTestEnclave } from '../../helpers/enclave';
import { DEFAULT_FLOOD } from '../../../enclave/he/enclave-crypto';
import type { ScoreInput } from '../../../enclave/he/score-crypto';
import { asCaller, encryptedScores, holdSealPool, newtonRound, sealPoolReplacements, sealWorkerHeapBytes } from '../../../enclave/he/seal-pool';
import { JointlabError } from '../../../lab/errors';

/**
 * Poisoned requests in the flood: the issue's 1,000 (about 30 s on a loaded two-core machine, since
 * the byte checks refuse them all before SEAL). `JOINTLAB_HE_POISONED=N` sends N of the same mix.
 */
const POISONED = Number(process.env.JOINTLAB_HE_POISONED ?? 1000);
/** Poisoned requests in flight at once: a flood, not a queue of one. */
const CONCURRENCY = 4;

/** SEAL objects the attacker serializes itself, zstd-compressed as SEAL does by default. */
async function attackerBlobs(paramSet: ParamSetName, steps: number[]) {
  const rt = await ckks(paramSet);
  return withScope((scope) => {
    const keygen = scope.own(rt.seal.KeyGenerator(rt.context));
    const secret = scope.own(keygen.secretKey());
    const publicKey = scope.own(keygen.createPublicKey());
    const encryptor = scope.own(rt.seal.Encryptor(rt.context, publicKey, secret));
    const cipher = (mode: 'zstd' | 'none') => {
      const plain = scope.own(rt.encoder.encode(new Float64Array(rt.slots).fill(0.25), rt.scale));
      return scope.own(encryptor.encryptSymmetricSerializable(plain)).saveArray(rt.seal.ComprModeType[mode]);
    };
    return {
      zstdCipher: cipher('zstd'),
      plainCipher: cipher('none'),
      zstdPublicKey: scope.own(keygen.createPublicKeySerializable()).saveArray(rt.seal.ComprModeType.zstd),
      zstdGalois: steps.length ? scope.own(keygen.createGaloisKeysSerializable(Int32Array.from(steps))).saveArray(rt.seal.ComprModeType.zstd) : new Uint8Array(0),
    };
  });
}

/** The issue's damage: the compressed payload's tail zeroed, SEAL's header (and so its size field) intact. */
function zeroTail(blob: Uint8Array): Uint8Array {
  const out = Uint8Array.from(blob);
  out.fill(0, 16 + Math.floor((out.length - 16) / 2));
  return out;
}

/** An uncompressed ciphertext with one coefficient of its first polynomial set past every modulus. */
function pastModulus(blob: Uint8Array): Uint8Array {
  const out = Uint8Array.from(blob);
  // SEAL header (16) + ciphertext metadata (73) + the data array's own header (16) and length (8).
  out.fill(0xff, 16 + 73 + 24 + 8 * 1000, 16 + 73 + 24 + 8 * 1001);
  return out;
}

interface Outcome {
  kind: string;
  status: number;
  code: string;
}

describe('SEAL isolation: one bank poisons, another bank is served', function () {
  this.timeout(900_000);
  let t: TestEnclave;
  let consentedA: string[];
  let consentedB: string[];
  const features = ['tax_grade', 'vat_paid_12m_10k', 'court_cases_3y', 'years_established', 'utility_arrears_months'];

  before(async () => {
    // Three trainings at the largest epsilon: room in bank A's budget for them. 4,000 customers, one
    // label block as 1,000 were: on 1,000 a weight's round noise reached 1 to 2 (a rare feature's), and
    // two honest trainings' in-sample AUC differed by up to 0.11 in about one run in three.
    t = await startTestEnclave({ enterprises: 6000, bankCustomers: 4000, epsilonBudget: 100 });
    await t.client('steward').request('POST', 'v1/datasets', { csv: csvOf(t.files.platform), query: { name: 'platform', idColumn: 'id' } });
    // Bank A's private scores are compared with plaintext ones: no score noise, and room for every model sent here.
    await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: { noiseSwap: 0, noiseSd: 0, modelsPerWindow: 100 } });
    const consents = consentedIds(t.files.consent, 'scoring');
    consentedA = consents.slice(0, 200);
    consentedB = consents.slice(0, 50);
    // Bank B gets scoring consents too, so its poisoned scoring requests reach the encrypted computation.
    await t.client('steward').request('POST', 'v1/consents', {
      csv: Buffer.concat([csvOf(t.files.consent), Buffer.from(formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], consentedB.map((id) => [id, 'bank-b', 'scoring', '2020-01-01', '2099-01-01'])).split('\n').slice(1).join('\n'))]),
    });
    const bankIds = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b').rows.map((r) => r[0]);
    await t.client('bankA').request('POST', 'v1/uploads', { csv: `id\n${bankIds.join('\n')}\n`, query: { name: 'a-ids' } });
    const platformIds = parseCsv(readFileSync(t.files.platform, 'utf8'), 'p').rows.map((r) => r[0]);
    await t.client('bankB').request('POST', 'v1/uploads', { csv: `id\n${platformIds.slice(0, 300).join('\n')}\n`, query: { name: 'b-ids' } });
  });
  after(() => t.enclave.close());

  async function approved(who: 'bankA' | 'bankB', spec: object): Promise<string> {
    const { id } = await t.client(who).request<{ id: string }>('POST', 'v1/jobs', { json: spec });
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    return id;
  }
  const scoreSpec = (name: string) => ({ name, purpose: 'test', mode: 'he-score', platform: { dataset: 'platform', columns: features }, model: { family: 'lr' } });
  const trainSpec = (name: string, upload: string) => ({ name, purpose: 'test', mode: 'he-train', bank: { upload }, platform: { dataset: 'platform', columns: ['years_established', 'court_cases_3y', 'vat_paid_12m_10k'] }, model: { family: 'lr' } });

  /** Bank A's private scoring: decrypted scores against plaintext scores of the same model. */
  async function victimScores(model: ModelFile): Promise<number> {
    const job = await approved('bankA', scoreSpec(`victim-score-${Date.now()}`));
    const result = await heScore({ client: t.client('bankA'), job, paramSet: 'n16384', model, ids: consentedA });
    assert.equal(result.scores.length, consentedA.length);
    const joined = loadJoined([t.files.platform], 'id');
    const frame = takeRows(frameOf(joined, features, new Set(model.features.filter((f) => f.kind === 'categorical').map((f) => f.name))), result.scores.map((s) => joined.ids.indexOf(s.id)));
    const expected = await loadModel(model).predict(frame);
    return Math.max(...result.scores.map((s, i) => Math.abs(s.score - expected[i])));
  }

  /** Bank A's encrypted-label training on its upload's 0/1 labels. */
  async function victimTrains(labels: KeyedLabels): Promise<HeTrainResult> {
    // The largest epsilon allowed: the least noise in the rounds, on a cohort this small.
    const job = await approved('bankA', { ...trainSpec(`victim-train-${Date.now()}`, 'a-ids'), he: { epsilon: HE_BOUNDS.epsilon.max } });
    return heTrain({ client: t.client('bankA'), job, paramSet: 'n16384', labels });
  }

  /** Bank B's poisoned requests: each entry sends one and names the codes it may get back. */
  async function attackPlan(): Promise<{ kind: string; count: number; codes: string[]; send: () => Promise<{ status: number; text: string; json: () => any }> }[]> {
    const big = await attackerBlobs('n16384', []);
    const small = await attackerBlobs('n8192', rotationSteps('n8192'));
    const honest16 = await BankCrypto.create('n16384', []);
    const honest8 = await BankCrypto.create('n8192', rotationSteps('n8192'), { relinKeys: true });
    const honest16train = await BankCrypto.create('n16384', rotationSteps('n16384'), { relinKeys: true });
    const missingStep = await BankCrypto.create('n8192', [1]);
    const open = (job: string, paramSet: ParamSetName, keys: Uint8Array[]) => t.call('bankB', 'POST', '/v1/he/sessions', { body: encodeFrames({ job, paramSet }, keys), type: FRAME_TYPE });
    // The model's coefficients are checked when they arrive (a session then scores with them many times): each poisoned upload is refused.
    const scoringSession = async (coefficient: Uint8Array): Promise<() => ReturnType<typeof open>> => {
      const job = await approved('bankB', scoreSpec(`poison-score-${Math.random()}`));
      const opened = await open(job, 'n16384', [honest16.publicKeyBytes, honest16.galoisKeyBytes]);
      assert.equal(opened.status, 201, opened.text);
      const session = opened.json().id as string;
      const terms = features.filter((f) => f !== 'tax_grade').map((feature) => ({ feature, kind: 'z' }));
      return () => t.call('bankB', 'POST', `/v1/he/sessions/${session}/model`, { body: encodeFrames({ terms }, Array(terms.length + 1).fill(coefficient)), type: FRAME_TYPE });
    };
    const score = (upload: () => ReturnType<typeof open>) => upload;
    const tailScoring = await scoringSession(zeroTail(big.zstdCipher));
    const modulusScoring = await scoringSession(pastModulus(big.plainCipher));
    const paramScoring = await scoringSession(small.plainCipher);
    const scoreJob = await approved('bankB', scoreSpec('poison-keys'));
    const trainJob = await approved('bankB', trainSpec('poison-galois', 'b-ids'));
    const labelJob = await approved('bankB', trainSpec('poison-labels', 'b-ids'));
    // Training sessions run on n16384 only (enclave/release/he-training-fit.ts).
    const labelOpen = await open(labelJob, 'n16384', [honest16train.publicKeyBytes, honest16train.galoisKeyBytes]);
    assert.equal(labelOpen.status, 201, labelOpen.text);
    const labelSession = labelOpen.json().id as string;
    const labels = (blob: Uint8Array) => () => t.call('bankB', 'POST', `/v1/he/sessions/${labelSession}/labels`, { body: encodeFrames({ relinKeys: true }, [honest16train.relinKeyBytes, blob]), type: FRAME_TYPE });
    const plan = [
      { kind: 'coefficients, zstd tail zeroed', count: 560, codes: ['bad_ciphertext'], send: score(tailScoring) },
      { kind: 'coefficients, a coefficient past its modulus', count: 60, codes: ['bad_ciphertext'], send: score(modulusScoring) },
      { kind: 'coefficients of another parameter set', count: 40, codes: ['bad_ciphertext'], send: score(paramScoring) },
      { kind: 'public key, zstd tail zeroed', count: 120, codes: ['bad_key'], send: () => open(scoreJob, 'n16384', [zeroTail(big.zstdPublicKey), new Uint8Array(0)]) },
      { kind: 'Galois keys, zstd tail zeroed', count: 60, codes: ['bad_key'], send: () => open(trainJob, 'n8192', [honest8.publicKeyBytes, zeroTail(small.zstdGalois)]) },
      { kind: 'Galois keys lacking a declared step', count: 10, codes: ['bad_key'], send: () => open(trainJob, 'n8192', [missingStep.publicKeyBytes, missingStep.galoisKeyBytes]) },
      { kind: 'labels, zstd tail zeroed', count: 120, codes: ['bad_ciphertext'], send: labels(zeroTail(big.zstdCipher)) },
      { kind: 'labels, a coefficient past its modulus', count: 30, codes: ['bad_ciphertext'], send: labels(pastModulus(big.plainCipher)) },
    ];
    for (const c of [honest16, honest8, honest16train, missingStep]) c.dispose();
    // The mix above is per 1,000: scaled to POISONED, every kind kept, the rounding taken up by the first.
    for (const p of plan) p.count = Math.max(1, Math.round((p.count * POISONED) / 1000));
    plan[0].count += POISONED - plan.reduce((s, p) => s + p.count, 0);
    return plan;
  }

  it(`serves bank A correctly through ${POISONED} poisoned requests from bank B, each answered 4xx with a stable code`, async () => {
    const fitted = await train({ data: [t.files.bank, t.files.platform], id: 'id', label: 'default_12m', model: 'lr', features, testFraction: 0.3, seed: 3 });
    const model = fitted.fitted.toJSON();
    const rows = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b').rows;
    const labels = { ids: rows.map((r) => r[0]), values: rows.map((r) => Number(r[r.length - 1])) };

    const before = await victimTrains(labels);
    assert.ok(before.converged, 'the reference training did not converge');
    assert.ok((await victimScores(model)) < 1e-4, 'scores before the attack');

    // The flood, interleaved over kinds, with bank A's training and scoring running in the middle of it.
    const plan = await attackPlan();
    const queue: (() => Promise<Outcome>)[] = [];
    const left = plan.map((p) => p.count);
    while (left.some((n) => n > 0)) {
      plan.forEach((p, k) => {
        if (left[k]-- <= 0) return;
        queue.push(async () => {
          const r = await p.send();
          return { kind: p.kind, status: r.status, code: r.status >= 400 && r.status < 500 ? (r.json().code as string) : r.text.slice(0, 80) };
        });
      });
    }
    const outcomes: Outcome[] = [];
    const replacedBefore = sealPoolReplacements();
    const started = Date.now();
    const flood = (async () => {
      const lanes = Array.from({ length: CONCURRENCY }, async () => {
        for (let job = queue.shift(); job; job = queue.shift()) outcomes.push(await job());
      });
      await Promise.all(lanes);
    })();
    const during = await Promise.all([victimTrains(labels), victimScores(model)]);
    await flood;
    const seconds = (Date.now() - started) / 1000;
    const after = await Promise.all([victimTrains(labels), victimScores(model)]);

    const tally = new Map<string, number>();
    for (const o of outcomes) tally.set(`${o.kind}: ${o.status} ${o.code}`, (tally.get(`${o.kind}: ${o.status} ${o.code}`) ?? 0) + 1);
    console.log(`      ${outcomes.length} poisoned requests in ${seconds.toFixed(1)} s:\n${[...tally].map(([k, n]) => `        ${n} x ${k}`).join('\n')}`);
    assert.equal(outcomes.length, POISONED);
    // Every poisoned kind is refused by the byte checks, before SEAL: no worker had to be replaced.
    assert.equal(sealPoolReplacements() - replacedBefore, 0, 'workers replaced during the flood');
    for (const p of plan) {
      const mine = outcomes.filter((o) => o.kind === p.kind);
      for (const o of mine) {
        assert.ok(o.status >= 400 && o.status < 500, `${p.kind}: HTTP ${o.status} ${o.code}`);
        assert.ok(p.codes.includes(o.code), `${p.kind}: code ${o.code}`);
      }
    }

    // Each encrypted-label round carries fresh differential-privacy noise (enclave/release/he-rounds.ts), so two trainings
    // differ; a corrupted computation would give noise-level AUC. Compared: in-sample AUC on bank A's rows.
    const joined = loadJoined([t.files.platform], 'id');
    const position = new Map(joined.ids.map((id, i) => [id, i]));
    const bankRows = parseCsv(readFileSync(t.files.bank, 'utf8'), 'b').rows.filter((r) => position.has(r[0]));
    const trainFeatures = ['years_established', 'court_cases_3y', 'vat_paid_12m_10k'];
    const frame = takeRows(frameOf(joined, trainFeatures, new Set()), bankRows.map((r) => position.get(r[0])!));
    const inSample = async (m: ModelFile) => auc(Uint8Array.from(bankRows, (r) => Number(r[r.length - 1])), await loadModel(m).predict(frame));
    const reference = await inSample(before.model);
    console.log(`      bank A's reference training: in-sample AUC ${reference.toFixed(3)}`);
    assert.ok(reference > 0.55, `the reference training learned nothing: AUC ${reference}`);
    for (const [when, [trained, scoreGap]] of [['during', during], ['after', after]] as const) {
      assert.ok(trained.converged, `training ${when} the attack did not converge`);
      const gap = Math.abs((await inSample(trained.model)) - reference);
      console.log(`      bank A ${when} the flood: in-sample AUC within ${gap.toExponential(1)} of the reference run, scores within ${scoreGap.toExponential(1)} of plaintext`);
      // Rounds carry fresh DP noise, so runs differ by a few hundredths; a corrupted computation lands near chance (0.5).
      // The check is that the training stays closer to the reference than to chance.
      assert.ok(gap < (reference - 0.5) / 2, `training ${when} the attack: AUC ${gap} from the reference ${reference}, nearer chance than the reference`);
      assert.ok(scoreGap < 1e-4, `scoring ${when} the attack: largest score gap ${scoreGap}`);
    }
    assert.equal((await t.call(null, 'GET', '/v1/health')).status, 200);
  });
});

describe('SEAL pool: fair between banks, bounded, timed, leak-free', function () {
  this.timeout(300_000);
  let crypto: BankCrypto;
  let input: ScoreInput;
  before(async () => {
    crypto = await BankCrypto.create('n16384', []);
    input = {
      paramSet: 'n16384',
      publicKey: crypto.publicKeyBytes,
      coefficients: [crypto.encryptReplicated(0.5), crypto.encryptReplicated(-1)],
      basis: [Float64Array.from({ length: 8192 }, (_, i) => i / 8192)],
      policy: DEFAULT_FLOOD,
    };
  });
  after(() => crypto.dispose());

  /** Settles to the order it finished in, or to the error code it got. */
  const settle = (caller: string, order: string[]) =>
    asCaller(caller, () => encryptedScores(input)).then(
      (r) => {
        order.push(caller);
        return r.cipher.length > 0 ? 'ok' : 'empty';
      },
      (e: JointlabError) => `${e.status} ${e.code}`,
    );

  it("serves banks round-robin and answers a bank's overflow with 429 he_busy", async () => {
    const release = holdSealPool({ workers: 1, queuePerCaller: 3 });
    try {
      await asCaller('warm-up', () => encryptedScores(input));
      const order: string[] = [];
      // Bank B floods: one runs, three wait, two are turned away; bank A's one request comes after all of them.
      const flood = Array.from({ length: 6 }, () => settle('bank-b', order));
      const one = settle('bank-a', order);
      const answers = await Promise.all([...flood, one]);
      assert.deepEqual(answers.filter((a) => a !== 'ok'), ['429 he_busy', '429 he_busy']);
      assert.equal(answers[6], 'ok');
      // Round-robin: bank A is served right after bank B's running request, not after B's queue.
      assert.deepEqual(order, ['bank-b', 'bank-a', 'bank-b', 'bank-b', 'bank-b']);
    } finally {
      await release();
    }
  });

  it("keeps a worker's SEAL heap where it was over 60 scoring requests", async () => {
    const release = holdSealPool({ workers: 1 });
    try {
      for (let k = 0; k < 5; k++) await encryptedScores(input);
      const warm = await sealWorkerHeapBytes();
      const replaced = sealPoolReplacements();
      for (let k = 0; k < 60; k++) await encryptedScores(input);
      assert.equal(sealPoolReplacements(), replaced, 'the worker was replaced: this would not measure one heap');
      assert.equal(await sealWorkerHeapBytes(), warm);
    } finally {
      await release();
    }
  });

  it('replaces a worker whose SEAL call failed, and the next request is served correctly', async () => {
    const release = holdSealPool({ workers: 1 });
    try {
      await encryptedScores(input);
      const before = sealPoolReplacements();
      // A stored Enc(X^T y) is the enclave's own output and is not byte-checked: garbage there reaches SEAL, which throws.
      const garbage = Uint8Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251);
      const round = { paramSet: 'n16384' as const, publicKey: crypto.publicKeyBytes, xty: [garbage], matrix: Float64Array.of(1), offset: Float64Array.of(0), noise: { freshL2: 1, rows: 100, inputL1: 100 }, policy: DEFAULT_FLOOD };
      await assert.rejects(asCaller('bank-a', () => newtonRound(round)), (e: JointlabError) => e.code === 'bad_ciphertext' && e.status === 400);
      assert.equal(sealPoolReplacements(), before + 1);
      const slots = crypto.decrypt((await encryptedScores(input)).cipher);
      assert.ok(Math.abs(slots[4096] + 0.75) < 1e-4, `slot 4096 decrypts to ${slots[4096]}`);
    } finally {
      await release();
    }
  });

  it('stops a computation past its time limit, replaces the worker and keeps serving', async () => {
    const release = holdSealPool({ workers: 1, timeLimitSeconds: 0.05 });
    try {
      const before = sealPoolReplacements();
      // The first request also loads SEAL in the new worker: far past 50 ms.
      await assert.rejects(asCaller('bank-a', () => encryptedScores(input)), (e: JointlabError) => e.code === 'he_timeout' && e.status === 500);
      assert.ok(sealPoolReplacements() > before, 'the timed-out worker was not replaced');
    } finally {
      await release();
    }
    const relaxed = holdSealPool({ workers: 1 });
    try {
      const r = await asCaller('bank-a', () => encryptedScores(input));
      const slots = crypto.decrypt(r.cipher);
      // Slot i holds 0.5 * i / 8192 - 1.
      assert.ok(Math.abs(slots[4096] + 0.75) < 1e-4, `slot 4096 decrypts to ${slots[4096]}`);
    } finally {
      await relaxed();
    }
  });
});
