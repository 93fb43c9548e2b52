/**
 * Network benchmark, printed as ratios in one run: the cost of secure aggregation per round (fixed
 * point, pairwise masks for three members, the hub's sum) against computing the same statistic in the
 * clear, and a whole network logistic regression (hub and three enclaves in this process, real HTTP on
 * loopback) against logistic regression on the pooled rows, with the bytes each round moves.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEnclave, RunningEnclave } from '../enclave/service';
import { addHubPrincipal, startHub } from '../hub/service';
import { EnclaveClient } from '../lab/client/enclave-client';
import { SME_NETWORK_STANDARD } from '../lab/network/sme-standard';
import { newtonLength } from '../lab/network/layout';
import { SCORE_BINS } from '../enclave/release/network-scores';
import { newtonOf } from '../lab/network/statistics';
import { networkEncoder, readMoments, spreadDivisors } from '../lab/network/encoder';
import { momentsOf, spreadOf } from '../lab/network/statistics';
import { decodeFixed, encodeFixed, generateIdentity, maskVector, sumModular } from '../lab/secagg';
import { writeProvinceSynth } from '../lab/synth/write';
import { encode, designNames } from '../models/encoding';
import { fitLogistic } from '../models/logistic-core';
import { joinedData, layoutOfSpec, NETWORK_SPEC } from '../test/hub/pooled';
import type { HubJobView } from '../lab/api/network';

const since = (t: bigint): number => Number(process.hrtime.bigint() - t) / 1e9;

function timeIt(repeats: number, work: () => void): number {
  work();
  const t = process.hrtime.bigint();
  for (let i = 0; i < repeats; i++) work();
  return since(t) / repeats;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'jointlab-bench-network-'));
  const codes = ['11', '33', '44'];
  const enterprises = Number(process.env.BENCH_ENTERPRISES ?? 10_000);
  try {
    const synth = writeProvinceSynth(codes, { enterprises, bankCustomers: enterprises / 2, seed: 100 }, dir);
    const platforms = synth.provinces.map((p) => p.files.platform);
    const bankFile = synth.bankFile;

    // 1. One Newton round's statistic in the clear against the same through secure aggregation.
    const layout = layoutOfSpec();
    const parts = platforms.map((p) => joinedData([p], bankFile));
    const pooled = joinedData(platforms, bankFile);
    const m = readMoments(momentsOf(pooled, layout), layout);
    const encoder = networkEncoder(layout, m, spreadOf(pooled, layout, m.numeric.map((c) => c.mean), spreadDivisors(m)), 10);
    const width = designNames(encoder).length;
    const beta = new Float64Array(width + 1);
    const clear = timeIt(5, () => parts.forEach((d) => newtonOf(d, encoder, beta)));
    const ids = codes.map((id) => ({ id, identity: generateIdentity() }));
    const roster = ids.map((x) => ({ id: x.id, publicKey: x.identity.publicKey }));
    const secure = (length: number) => {
      const vectors = ids.map(() => new Float64Array(length).fill(0.5));
      return timeIt(3, () => decodeFixed(sumModular(ids.map((x, i) => maskVector(x.id, x.identity, roster, { job: 'b', round: 'r' }, encodeFixed(vectors[i], 24, 3))))));
    };
    const newtonSecure = secure(newtonLength(width));
    const histogramSecure = secure(2 * SCORE_BINS);
    console.log(`rows: ${pooled.train.labels.length} train, ${pooled.test.labels.length} test over 3 provinces; ${width + 1} coefficients`);
    console.log(`one Newton round in the clear (3 provinces): ${(clear * 1000).toFixed(1)} ms`);
    console.log(`  secure aggregation of it (${newtonLength(width)} entries, 3 members): ${(newtonSecure * 1000).toFixed(2)} ms = ${(newtonSecure / clear).toFixed(3)}x the statistic`);
    console.log(`  secure aggregation of the test score histogram (${2 * SCORE_BINS} entries): ${(histogramSecure * 1000).toFixed(0)} ms = ${(histogramSecure / clear).toFixed(2)}x a Newton statistic`);
    console.log(`  bytes per province per round: Newton ${(newtonLength(width) * 8 * 4) / 3 | 0} B base64, histogram ${((2 * SCORE_BINS * 8 * 4) / 3 / 1e3).toFixed(1)} kB`);

    // 2. The whole network fit against the pooled fit.
    const t0 = process.hrtime.bigint();
    const x = encode(encoder, pooled.train.frame);
    fitLogistic(x.columns, pooled.train.labels, x.rows, { l2: 1 });
    const pooledSeconds = since(t0);
    const hub = await startHub({ db: join(dir, 'hub.db'), port: 0 });
    const enclaves: RunningEnclave[] = [];
    try {
      const admin = new EnclaveClient(hub.url, (await addHubPrincipal(join(dir, 'hub.db'), { name: 'ops', role: 'admin', org: 'n' })).token);
      const bank = new EnclaveClient(hub.url, (await addHubPrincipal(join(dir, 'hub.db'), { name: 'b', role: 'bank', org: 'bank-a' })).token);
      const stewards: EnclaveClient[] = [];
      const keys: string[] = [];
      for (const [i, province] of codes.entries()) {
        const e = await startEnclave({ db: join(dir, `${province}.db`), port: 0, settings: { network: { province, standard: SME_NETWORK_STANDARD } } });
        enclaves.push(e);
        const steward = new EnclaveClient(e.url, await e.issueToken({ name: 's', role: 'steward', org: 'p' }));
        stewards.push(steward);
        await steward.request('POST', 'v1/datasets', { csv: readFileSync(platforms[i]), query: { name: 'platform', idColumn: 'id' } });
        await new EnclaveClient(e.url, await e.issueToken({ name: 'b', role: 'bank', org: 'bank-a' })).request('POST', 'v1/uploads', { csv: readFileSync(bankFile), query: { name: 'customers', network: '1' } });
        const joined = await e.issueHubToken();
        keys.push(joined.publicKey);
        await admin.request('POST', 'v1/members', { json: { province, url: e.url, token: joined.token, publicKey: joined.publicKey } });
      }
      // Each steward pins the other members' keys: rosters are checked against the pins.
      for (const [i, s] of stewards.entries()) for (const [j, key] of keys.entries()) if (j !== i) await s.request('POST', 'v1/network-peers', { json: { province: codes[j], publicKey: key } });
      const job = await bank.request<HubJobView>('POST', 'v1/jobs', { json: { ...NETWORK_SPEC, provinces: codes } });
      for (const s of stewards) await s.request('POST', `v1/jobs/${job.id}/approve`, { json: {} });
      const t1 = process.hrtime.bigint();
      await bank.request('POST', `v1/jobs/${job.id}/run`);
      let view = job;
      while (['submitted', 'training'].includes(view.state)) {
        await new Promise((r) => setTimeout(r, 50));
        view = await bank.request<HubJobView>('GET', `v1/jobs/${job.id}`);
      }
      const networkSeconds = since(t1);
      console.log(`network LR: ${view.state} in ${networkSeconds.toFixed(2)} s over ${view.rounds.completed} secure rounds (${view.result?.iterations} Newton); pooled LR in the clear ${pooledSeconds.toFixed(3)} s; ratio ${(networkSeconds / pooledSeconds).toFixed(1)}x`);
    } finally {
      await hub.close();
      for (const e of enclaves) await e.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
