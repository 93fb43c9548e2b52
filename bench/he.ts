/**
 * HE benchmark, printed as ratios in one run: encrypted scoring throughput against plaintext scoring
 * of the same model on the same rows (30 features), encrypted-label training wall time against
 * plaintext training on the same data, bytes sent each way, and what running SEAL in the isolated
 * worker pool costs against the same calls in the calling thread (`he-isolation.ts`).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { addPrincipal } from '../enclave/auth/principals';
import { startEnclave } from '../enclave/service';
import { EnclaveClient } from '../lab/client/enclave-client';
import { formatCsv } from '../lab/data/csv';
import { heScore, heTrain } from '../lab/he/protocols';
import { ParamSetName, slotsOf } from '../lab/he/params';
import { loadJoined } from '../lab/train';
import { frameOf, labelsOf } from '../lab/data/columns';
import { loadModel } from '../models';
import { logisticRegression } from '../models/logistic-regression';
import { Random } from '../models/random';
import { sigmoid } from '../models/linalg';
import { Frame } from '../models/frame';
import { benchIsolation } from './he-isolation';
import type { JobView } from '../lab/api/jobs';

const SHARED = resolve(__dirname, '..', '..', '..', 'shared', 'datasets');
const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;
const since = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jointlab-bench-he-'));
  const enclave = await startEnclave({ db: join(dir, 'enclave.db'), port: 0 });
  try {
    const steward = new EnclaveClient(enclave.url, (await addPrincipal(enclave.db, { name: 's', role: 'steward', org: 'platform' }, 'bench')).token);
    const bank = new EnclaveClient(enclave.url, (await addPrincipal(enclave.db, { name: 'b', role: 'bank', org: 'bank-a' }, 'bench')).token);
    const approve = async (spec: object): Promise<string> => {
      const { id } = await bank.request<JobView>('POST', 'v1/jobs', { json: spec });
      await steward.request('POST', `v1/jobs/${id}/approve`, { json: {} });
      return id;
    };
    console.log('HE benchmark (node-seal 6.0.3, CKKS; the enclave in-process, real HTTP on loopback)');

    // Encrypted-label training: shared data (host's 10 features, guest's labels), all 30,000 rows.
    const host = join(SHARED, 'default_credit_hetero_host.csv');
    const guest = join(SHARED, 'default_credit_hetero_guest.csv');
    if (existsSync(host)) {
      await steward.request('POST', 'v1/datasets', { csv: require('node:fs').readFileSync(host), query: { name: 'host', idColumn: 'id' } });
      const joined = loadJoined([guest], 'id');
      const labels = labelsOf(joined, 'y');
      await bank.request('POST', 'v1/uploads', { csv: `id\n${joined.ids.join('\n')}\n`, query: { name: 'ids' } });
      const columns = Array.from({ length: 10 }, (_, j) => `x${j}`);
      const hostJoined = loadJoined([host, guest], 'id');
      const frame = frameOf(hostJoined, columns.map((c) => (hostJoined.cells.has(c) ? c : `default_credit_hetero_host.${c}`)), new Set());
      const plainStart = process.hrtime.bigint();
      await logisticRegression.fit(frame, labelsOf(hostJoined, 'y'), logisticRegression.defaults, { seed: 1 });
      const plainSeconds = since(plainStart);
      const job = await approve({ name: 'he-bench', purpose: 'bench', mode: 'he-train', bank: { upload: 'ids' }, platform: { dataset: 'host', columns }, model: { family: 'lr' } });
      const r = await heTrain({ client: bank, job, paramSet: 'n16384', labels: { ids: joined.ids, values: labels } });
      console.log(`\nencrypted-label training, ${joined.ids.length.toLocaleString('en')} rows x 10 platform features, N = 16384:`);
      console.log(`  keys ${r.seconds.keys.toFixed(2)} s, labels + Enc(X^T y) ${r.seconds.labels.toFixed(2)} s, ${r.rounds} rounds ${r.seconds.rounds.toFixed(2)} s, total ${r.seconds.total.toFixed(2)} s`);
      console.log(`  plaintext logistic regression on the same rows: ${plainSeconds.toFixed(3)} s; ratio encrypted / plaintext ${(r.seconds.total / plainSeconds).toFixed(0)}x`);
      console.log(`  bytes: bank -> enclave ${mb(r.traffic.up)}, enclave -> bank ${mb(r.traffic.down)}; flooding >= ${r.floodBits.toFixed(1)} bits`);
    } else console.log(`shared data not found at ${SHARED}: encrypted-label training skipped`);

    // Encrypted scoring: 30 numeric platform features, one full ciphertext of enterprises.
    for (const paramSet of ['n8192', 'n16384'] as ParamSetName[]) {
      const slots = slotsOf(paramSet);
      const random = new Random(5);
      const n = slots;
      const ids = Array.from({ length: n }, (_, i) => `E${String(i).padStart(6, '0')}`);
      const features = Array.from({ length: 30 }, (_, j) => `f${j}`);
      const rows = ids.map((id) => [id, ...features.map(() => random.normal() * 3 + 10)]);
      await steward.request('POST', 'v1/datasets', { csv: formatCsv(['id', ...features], rows), query: { name: `wide-${paramSet}`, idColumn: 'id' } });
      await steward.request('POST', 'v1/consents', { csv: formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], ids.map((id) => [id, 'bank-a', 'scoring', '2020-01-01', '2099-01-01'])) });
      const frame: Frame = { rows: n, columns: features.map((name, j) => ({ name, kind: 'numeric' as const, values: Float64Array.from(rows, (r) => r[j + 1] as number) })) };
      const y = Uint8Array.from(rows, (r) => (random.uniform() < sigmoid(-2 + 0.3 * ((r[1] as number) - 10)) ? 1 : 0));
      const model = (await logisticRegression.fit(frame, y, logisticRegression.defaults, { seed: 1 })).toJSON();
      const plainStart = process.hrtime.bigint();
      const repeats = 20;
      for (let k = 0; k < repeats; k++) await loadModel(model).predict(frame);
      const plainRate = (n * repeats) / since(plainStart);
      const job = await approve({ name: 'he-score-bench', purpose: 'bench', mode: 'he-score', platform: { dataset: `wide-${paramSet}`, columns: features }, model: { family: 'lr' } });
      let r: Awaited<ReturnType<typeof heScore>>;
      try {
        r = await heScore({ client: bank, job, paramSet, model, ids });
      } catch (e) {
        console.log(`\nprivate-model scoring, ${slots.toLocaleString('en')} enterprises per ciphertext (${paramSet}): refused: ${(e as Error).message}`);
        continue;
      }
      const heRate = r.scores.length / r.seconds;
      console.log(`\nprivate-model scoring, 30 features, ${slots.toLocaleString('en')} enterprises per ciphertext (${paramSet}), one request end to end (keys, model, scores, decryption):`);
      console.log(`  encrypted ${heRate.toFixed(0)} scores/s against plaintext ${plainRate.toFixed(0)} scores/s: plaintext is ${(plainRate / heRate).toFixed(0)}x faster`);
      console.log(`  bytes: bank -> enclave ${mb(r.traffic.up)}, enclave -> bank ${mb(r.traffic.down)}; flooding >= ${r.floodBits?.toFixed(1)} bits`);
    }
    await benchIsolation();
  } finally {
    await enclave.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
