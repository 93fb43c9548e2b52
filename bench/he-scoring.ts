/**
 * Private scoring in steady state, measured in one run against the plaintext scoring path: a platform
 * of 30 numeric features, one released plaintext model scored through `POST /v1/score` and the same
 * model scored under encryption through one HE session (keys and the encrypted model sent once, then
 * requests of one ciphertext of ids each, two in flight and four, each answer decrypted by the bank), with the
 * time of each step on both sides and SEAL alone (the pool scoring the same number of batches with the
 * model loaded, no controls, no HTTP) as the second reference. Each path's CPU per request, over every
 * thread of the process, is printed too: on a machine shared with other work it moves far less than
 * wall time, and it says what two idle cores would sustain.
 *
 * Run alone: `npm run bench -- he-scoring [ENTERPRISES]` (default 65,536, a multiple of 8,192), or
 * after a build `node dist/bench/he-scoring.js [ENTERPRISES]`; `bench/he.ts` runs it too.
 */
import { SCORING_STEPS, scoringSteps } from '../enclave/he/scoring-steps';
import { DEFAULT_FLOOD } from '../enclave/he/enclave-crypto';
import { holdSealPool, scoreBatch, scoreModel } from '../enclave/he/seal-pool';
import { ScoreBatchesInput, encryptedScoreBatches, zerosAhead } from '../enclave/he/score-crypto';
import { levelEncoder } from '../enclave/he/enclave-crypto';
import { addSampledFlood } from '../enclave/he/sampled-flood';
import { Scope, ckks } from '../lab/he/seal-runtime';
import { BankCrypto } from '../lab/he/bank-crypto';
import { formatCsv } from '../lab/data/csv';
import { HeScoringSession } from '../lab/he/scoring-session';
import { slotsOf } from '../lab/he/params';
import { loadModel } from '../models';
import { Frame } from '../models/frame';
import { sigmoid } from '../models/linalg';
import { ModelFile } from '../models/model';
import { Random } from '../models/random';
import type { JobView } from '../lab/api/jobs';
import type { ScoreAnswer } from '../lab/api/scoring';
import type { JobResults } from '../lab/api/results';
import { HeBenchClients, withHeBenchEnclave } from './he-enclave';

const since = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;
/**
 * CPU seconds of this whole process (main thread, SQLite's and libuv's threads, the SEAL workers) since
 * `from`: bank, HTTP, enclave and SEAL all run here, so this is the work a request costs, which other
 * programs on a shared machine stretch far less than its wall time.
 */
const cpuSince = (from: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1e6;
};
/**
 * CPU seconds of `work`, and of the second after it: SEAL workers make the flood's encryptions of zero
 * ahead while idle, so the zeros a pass used are made again after it and counted with it.
 */
async function cpuOf<T>(work: () => Promise<T>, settle = true): Promise<{ value: T; seconds: number; cpu: number }> {
  const started = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  const value = await work();
  const seconds = since(started);
  if (settle) await new Promise((r) => setTimeout(r, 1000));
  return { value, seconds, cpu: cpuSince(cpu) };
}
const rate = (n: number): string => `${Math.round(n).toLocaleString('en')} scores/s`;

/** Sends `ids` in requests of `size`, `lanes` at once; returns the scores counted, the seconds and the CPU seconds. */
async function inRequests(ids: string[], size: number, lanes: number, send: (chunk: string[]) => Promise<number>): Promise<{ scored: number; seconds: number; cpu: number }> {
  const chunks: string[][] = [];
  for (let start = 0; start < ids.length; start += size) chunks.push(ids.slice(start, start + size));
  let next = 0;
  let scored = 0;
  const { seconds, cpu } = await cpuOf(() =>
    Promise.all(
      Array.from({ length: lanes }, async () => {
        while (next < chunks.length) scored += await send(chunks[next++]);
      }),
    ),
  );
  return { scored, seconds, cpu };
}

/**
 * One batch of 30 terms over 8,192 enterprises in this thread, two ways, taking turns: SEAL's (its
 * encoder at the product's level, multiply_plain and add per term, as scoring ran before its terms
 * were paired) and the enclave's (encryptedScoreBatches: column pairs, the products' module), each with
 * the rescale, the sampled flood on a zero made ahead, and the save. Median milliseconds of `runs`.
 * SEAL's way is the reference a slower or faster machine moves with the enclave's.
 */
async function oneThreadBatch(runs: number): Promise<{ seal: number; now: number }> {
  const paramSet = 'n16384' as const;
  const rt = await ckks(paramSet);
  const bank = await BankCrypto.create(paramSet, []);
  const scope = new Scope();
  try {
    const random = new Random(9);
    const coefficients = Array.from({ length: 31 }, () => bank.encryptReplicated(random.normal() * 0.3));
    const basis = Array.from({ length: 30 }, () => Float64Array.from({ length: rt.slots }, () => random.normal()));
    const key = 'one-thread-bench';
    const input: ScoreBatchesInput = { paramSet, publicKey: bank.publicKeyBytes, coefficients, key, batches: [basis], policy: DEFAULT_FLOOD };
    const loaded = coefficients.map((bytes) => {
      const ct = scope.own(rt.seal.CipherText());
      ct.loadArray(rt.context, bytes);
      rt.evaluator.cipherModSwitchToNext(ct, ct);
      return ct;
    });
    const level = scope.own(loaded[0].parmsId);
    const encoder = levelEncoder(rt, level) ?? rt.encoder;
    const pk = scope.own(rt.seal.PublicKey());
    pk.loadArray(rt.context, bank.publicKeyBytes);
    const encryptor = scope.own(rt.seal.Encryptor(rt.context, pk));
    const zeroPlain = scope.own(rt.encoder.encode(new Float64Array(rt.slots), 1));
    rt.evaluator.plainModSwitchTo(zeroPlain, scope.own(scope.own(scope.own(rt.context.getContextData(level)).nextContextData).parmsId), zeroPlain);
    const ones = scope.own(encoder.encode(new Float64Array(rt.slots).fill(1), rt.scale));
    const sealWay = (): number => {
      const local = new Scope();
      try {
        const zero = local.own(encryptor.encrypt(zeroPlain));
        const t = process.hrtime.bigint();
        const result = local.own(rt.seal.CipherText());
        const term = local.own(rt.seal.CipherText());
        rt.evaluator.multiplyPlain(loaded[30], ones, result);
        basis.forEach((column, k) => {
          const plain = local.own(encoder.encode(column, rt.scale));
          rt.evaluator.multiplyPlain(loaded[k], plain, term);
          rt.evaluator.add(result, term, result);
        });
        rt.evaluator.rescaleToNext(result, result);
        addSampledFlood(rt, local, result, zero, 2 ** 17);
        result.saveArray(rt.seal.ComprModeType.none);
        return Number(process.hrtime.bigint() - t) / 1e6;
      } finally {
        local.dispose();
      }
    };
    const enclaveWay = async (): Promise<number> => {
      // Its zeros made ahead, as a worker makes them while idle.
      while (zerosAhead(paramSet, key) < 2) await new Promise((r) => setImmediate(r));
      const t = process.hrtime.bigint();
      await encryptedScoreBatches(input);
      return Number(process.hrtime.bigint() - t) / 1e6;
    };
    await encryptedScoreBatches(input);
    sealWay();
    const seal: number[] = [];
    const now: number[] = [];
    for (let k = 0; k < runs; k++) {
      seal.push(sealWay());
      now.push(await enclaveWay());
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    return { seal: median(seal), now: median(now) };
  } finally {
    scope.dispose();
    bank.dispose();
  }
}

export type ScoringBench = HeBenchClients;

/** The pool alone: `batches` batches of 30 terms with a loaded model, `lanes` at once, as scores per second and CPU seconds a batch. */
async function sealAlone(batches: number, lanes: number): Promise<{ rate: number; cpu: number }> {
  const paramSet = 'n16384';
  const release = holdSealPool();
  const bank = await BankCrypto.create(paramSet, []);
  try {
    const random = new Random(7);
    const slots = bank.runtime.slots;
    const model = await scoreModel(paramSet, bank.publicKeyBytes, Array.from({ length: 31 }, () => bank.encryptReplicated(random.normal() * 0.3)));
    const basis = Array.from({ length: 30 }, () => Float64Array.from({ length: slots }, () => random.normal()));
    // Warm-up: every worker loads the model before the clock starts, and has its zeros made ahead, so
    // that the CPU counted after the batches (the zeros made again) is what the batches used.
    await Promise.all(Array.from({ length: lanes }, () => scoreBatch(model, basis, DEFAULT_FLOOD)));
    await new Promise((r) => setTimeout(r, 1000));
    let left = batches;
    const { seconds, cpu } = await cpuOf(() =>
      Promise.all(
        Array.from({ length: lanes }, async () => {
          while (left-- > 0) await scoreBatch(model, basis, DEFAULT_FLOOD);
        }),
      ),
    );
    return { rate: (batches * slots) / seconds, cpu: cpu / batches };
  } finally {
    bank.dispose();
    await release();
  }
}

export async function benchSteadyScoring({ bank, steward, approve }: ScoringBench, enterprises = 65_536): Promise<void> {
  const paramSet = 'n16384';
  const slots = slotsOf(paramSet);
  const n = Math.max(1, Math.round(enterprises / slots)) * slots;
  const random = new Random(5);
  const ids = Array.from({ length: n }, (_, i) => `S${String(i).padStart(7, '0')}`);
  const features = Array.from({ length: 30 }, (_, j) => `f${j}`);
  const rows = ids.map((id) => [id, ...features.map(() => random.normal() * 3 + 10)]);
  // Signal spread over every feature: the scoring rule refuses a model one feature dominates.
  const weights = features.map((_, j) => (j % 2 ? -1 : 1) * (0.05 + 0.002 * j));
  const y = rows.map((r) => (random.uniform() < sigmoid(-1.5 + weights.reduce((t, w, j) => t + w * ((r[j + 1] as number) - 10), 0)) ? 1 : 0));
  await steward.request('POST', 'v1/datasets', { csv: formatCsv(['id', ...features], rows), query: { name: 'steady', idColumn: 'id' } });
  await steward.request('POST', 'v1/consents', { csv: formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], ids.map((id) => [id, 'bank-a', 'scoring', '2020-01-01', '2099-01-01'])) });
  await bank.request('POST', 'v1/uploads', { csv: formatCsv(['id', 'y'], ids.map((id, i) => [id, String(y[i])])), query: { name: 'steady-labels' } });

  // The plaintext reference: the enclave trains and releases the model, then scores through POST /v1/score.
  const job = await approve({ name: 'steady-plain', purpose: 'bench', bank: { upload: 'steady-labels' }, platform: { dataset: 'steady', columns: features }, label: 'y', model: { family: 'lr' } });
  let state = '';
  while (!['released', 'withheld', 'failed'].includes(state)) {
    await new Promise((r) => setTimeout(r, 50));
    state = (await bank.request<JobView>('GET', `v1/jobs/${job}`)).state;
  }
  const results = await bank.request<JobResults>('GET', `v1/jobs/${job}/results`);
  const model: ModelFile | undefined = results.released?.parameters?.model;
  if (state !== 'released' || !model) throw new Error(`the plaintext model was not released (${state})`);
  // Twice, the second pass measured: the first draws each enterprise's score noise (kept once drawn, for either path).
  const plainPass = () => inRequests(ids, slots, 2, async (chunk) => (await bank.request<ScoreAnswer>('POST', 'v1/score', { json: { job, ids: chunk } })).scores.length);
  const plainFirst = await plainPass();
  const plain = await plainPass();
  const frame: Frame = { rows: n, columns: features.map((name, j) => ({ name, kind: 'numeric' as const, values: Float64Array.from(rows, (r) => r[j + 1] as number) })) };
  const localStart = process.hrtime.bigint();
  await loadModel(model).predict(frame);
  const local = n / since(localStart);

  const heJob = await approve({ name: 'steady-he', purpose: 'bench', mode: 'he-score', platform: { dataset: 'steady', columns: features }, model: { family: 'lr' } });
  const openStart = process.hrtime.bigint();
  const session = await HeScoringSession.open({ client: bank, job: heJob, paramSet, model });
  const open = since(openStart);
  const upAfterOpen = session.traffic.up;
  try {
    // The first pass loads the model into each worker; the second is the steady state.
    const passes: { scored: number; seconds: number; cpu: number; floodBits: number | null }[] = [];
    let bankSteps = { ...session.steps };
    for (let pass = 0; pass < 2; pass++) {
      bankSteps = { ...session.steps };
      scoringSteps(true);
      // Back to back: the steady pass starts as the first ends, with the zeros the workers made meanwhile.
      const { value: answer, seconds, cpu } = await cpuOf(() => session.score(ids, 2), pass === 1);
      passes.push({ scored: answer.parts.length, seconds, cpu, floodBits: answer.floodBits });
    }
    const inFlight = scoringSteps(true);
    // The passes right after the model's first use still pay V8's compilation and the stores' first
    // writes (up to 230 ms of CPU a request where later ones take 140): the steady state proper is the
    // median of three passes each with 2 and with 4 requests in flight, taking turns, after one more of each.
    const lanes = [2, 4] as const;
    const settled = new Map<number, { rate: number; cpu: number }[]>(lanes.map((l) => [l, []]));
    for (let round = 0; round < 4; round++) {
      for (const l of lanes) {
        const p = await cpuOf(() => session.score(ids, l), false);
        if (round > 0) settled.get(l)!.push({ rate: p.value.parts.length / p.seconds, cpu: (p.cpu * slots) / p.value.parts.length });
      }
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const steadyOf = (l: number) => ({ rate: median(settled.get(l)!.map((p) => p.rate)), cpu: median(settled.get(l)!.map((p) => p.cpu)), rates: settled.get(l)!.map((p) => p.rate) });
    scoringSteps(true);
    // A third pass one request at a time: its steps do not wait on the other request's, so they are each step's own cost.
    bankSteps = { ...session.steps };
    const alone = process.hrtime.bigint();
    await session.score(ids, 1);
    const aloneSeconds = since(alone);
    const enclave = scoringSteps(true);
    const requests = enclave.requests;
    const waited = session.steps.requests - bankSteps.requests;
    const decrypted = session.steps.decrypt - bankSteps.decrypt;
    const steady = passes[1];
    const afterFirst = steady.scored / steady.seconds;
    // The figures compared with the references: the steady state with 2 requests in flight (the bank's default).
    const settled2 = steadyOf(2);
    const heRate = settled2.rate;
    const plainRate = plain.scored / plain.seconds;
    const { rate: sealRate, cpu: sealCpu } = await sealAlone(n / slots, 2);
    const oneThread = await oneThreadBatch(9);
    const s = session.steps;
    const ms = (x: number): string => `${((x * 1000) / requests).toFixed(1)}`;
    const perRequestCpu = (cpu: number, scored: number): number => (cpu * slots) / scored;
    const inEnclave = SCORING_STEPS.reduce((t, k) => t + enclave.seconds[k], 0);
    console.log(`\nprivate-model scoring in steady state, 30 features, ${n.toLocaleString('en')} enterprises, ${paramSet} (${slots.toLocaleString('en')} per ciphertext), requests of ${slots.toLocaleString('en')} ids, 2 in flight:`);
    console.log(`  session open once: keys ${s.keys.toFixed(2)} s, encrypt model ${s.encryptModel.toFixed(2)} s, send model ${s.sendModel.toFixed(2)} s (${open.toFixed(2)} s in all, ${(upAfterOpen / 1e6).toFixed(1)} MB up)`);
    console.log(`  first pass (each worker loads the model) ${rate(passes[0].scored / passes[0].seconds)}; the pass after it (2 in flight) ${rate(afterFirst)}; bank's decryption included in all`);
    for (const l of lanes) {
      const s = steadyOf(l);
      console.log(`  steady state, ${l} requests in flight: ${rate(s.rate)} (median of ${s.rates.map((r) => Math.round(r).toLocaleString('en')).join(', ')}), CPU ${(s.cpu * 1000).toFixed(0)} ms a request`);
    }
    console.log(`  references in this run: plaintext POST /v1/score (same ids, same request size, 2 in flight) ${rate(plainRate)} (first pass ${rate(plainFirst.scored / plainFirst.seconds)}, draws the score noise): encrypted (2 in flight) / plaintext ${(heRate / plainRate).toFixed(2)}x;`);
    console.log(`    SEAL alone (the pool, model loaded, ${n / slots} batches, 2 at once) ${rate(sealRate)}: encrypted end to end / SEAL alone ${(heRate / sealRate).toFixed(2)}x; local predict ${rate(local)}`);
    console.log(`  per request, one at a time (a third pass, ${rate(steady.scored / aloneSeconds)}; ms, ${requests} requests of ${slots.toLocaleString('en')}):`);
    console.log(`    enclave: ${SCORING_STEPS.map((k) => `${k} ${ms(enclave.seconds[k])}`).join(', ')}; in all ${ms(inEnclave)} (noise runs inside basis, for enterprises the session has not scored yet)`);
    console.log(`    bank: waiting for the answer ${ms(waited)} (of which HTTP and parsing outside the steps above ${ms(waited - inEnclave)}), decrypting ${ms(decrypted)}`);
    console.log(`  per request, 2 in flight (the steady pass; steps summed over both, so each includes waiting on the other's): ${SCORING_STEPS.map((k) => `${k} ${((inFlight.seconds[k] * 1000) / inFlight.requests).toFixed(1)}`).join(', ')}`);
    console.log(`    wall time per request ${((steady.seconds * 1000) / inFlight.requests).toFixed(1)} ms; SEAL alone ${((slots * 1000) / sealRate).toFixed(1)} ms a batch`);
    // CPU per request of one ciphertext of ids, over every thread of this process; what two otherwise idle cores would make of it.
    const perRequest = perRequestCpu;
    const heCpu = settled2.cpu;
    const plainCpu = perRequest(plain.cpu, plain.scored);
    const onTwo = (cpu: number): string => rate((2 * slots) / cpu);
    console.log(`  CPU per request of ${slots.toLocaleString('en')} (all threads: bank, HTTP, enclave, SQLite, SEAL workers): encrypted (2 in flight, steady) ${(heCpu * 1000).toFixed(0)} ms, plaintext ${(plainCpu * 1000).toFixed(0)} ms, SEAL alone ${(sealCpu * 1000).toFixed(0)} ms a batch;`);
    console.log(`    on 2 idle cores that is at most ${onTwo(heCpu)} encrypted, ${onTwo(plainCpu)} plaintext, ${onTwo(sealCpu)} SEAL alone (encrypted / SEAL alone ${(sealCpu / heCpu).toFixed(2)}x)`);
    console.log(`  one batch of 30 terms in one thread (median of 9, taking turns): SEAL's encoder and multiply_plain per term ${oneThread.seal.toFixed(1)} ms, the enclave's column pairs and products ${oneThread.now.toFixed(1)} ms (${(oneThread.seal / oneThread.now).toFixed(2)}x)`);
    console.log(`  bytes per request: ${((session.traffic.down / ((12 * n) / slots)) / 1e6).toFixed(2)} MB down; flooding >= ${steady.floodBits?.toFixed(1)} bits`);
  } finally {
    await session.close();
  }
}

/** Alone: its own enclave in this process. */
async function main(args: string[]): Promise<void> {
  await withHeBenchEnclave('he-scoring', (clients) => benchSteadyScoring(clients, args[0] ? Number(args[0]) : undefined));
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
