import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { runCliAsync } from '../helpers/cli';
import { join } from 'node:path';
import { createServer, request as httpRequest, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { TestNetwork, startTestNetwork, waitForHubJob, Province } from '../helpers/network';
import { NETWORK_SPEC, assertClearOfK, joinedData, layoutOfSpec } from './pooled';
import { designOf, momentsOf, newtonOf, spreadOf } from '../../lab/network/statistics';
import { FeatureBinning, binAssigner } from '../../models/binning';
import { networkEncoder, readMoments, spreadDivisors } from '../../lab/network/encoder';
import { coarseNetworkEncoder } from '../../enclave/release/network';
import { designNames, encode, Encoder } from '../../models/encoding';
import { fitLogistic, predictLogistic } from '../../models/logistic-core';
import { auc } from '../../models/metrics';
import { metricsFromHistogram } from '../../lab/network/histogram-auc';
import { scoreHistogram } from '../../enclave/release/network-scores';
import { encodeFixed, ringToBytes } from '../../lab/secagg';
import { Db } from '../../enclave/store/db';
import { scoreAcrossNetwork } from '../../lab/client/network-score';
import { formatCsv } from '../../lab/data/csv';
import { generateUscc } from '../../lab/synth/uscc';
import { Random } from '../../models/random';
import { JointlabError } from '../../lab/errors';
import { SPREAD } from '../enclave/scoring/features';

const PROVINCES = ['11', '33', '44'];

/**
 * Province 44's enclave is registered at the hub through this forwarding hop, so a test can kill the
 * enclave at a chosen round: the hop counts round requests and, at the chosen one, kills the child
 * process and drops the hub's connection, as a province that goes away mid-round does.
 */
class Hop {
  server!: Server;
  target = '';
  rounds = 0;
  killAt?: { round: number; province: Province };
  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      if (/\/rounds$/.test(req.url ?? '')) this.rounds++;
      if (this.killAt && this.rounds === this.killAt.round && /\/rounds$/.test(req.url ?? '')) {
        this.killAt.province.enclave.child.kill('SIGKILL');
        this.killAt = undefined;
        req.socket.destroy();
        return;
      }
      const upstream = httpRequest(`${this.target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => req.socket.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}

describe('network logistic regression across three provincial enclaves (hub and enclaves as child processes)', function () {
  this.timeout(600_000);
  let net: TestNetwork;
  const hop = new Hop();
  let hopUrl = '';

  before(async () => {
    hopUrl = await hop.start();
    const viaHop = (p: Province): string => {
      if (p.code !== '44') return p.enclave.url;
      hop.target = p.enclave.url;
      return hopUrl;
    };
    net = await startTestNetwork({ provinces: PROVINCES, enterprises: 2600, bankCustomers: 1400, memberUrl: viaHop });
    assertClearOfK(net.provinces.map((p) => p.files.platform), net.bankFile);
  });
  after(async () => {
    await net?.close();
    await hop.close();
  });

  const bank = (method: string, path: string, body?: unknown) => net.call(net.hub.url, net.hubTokens.bank, method, path, body);
  const approveAll = async (id: string) => {
    for (const p of net.provinces) {
      const r = await net.call(p.enclave.url, p.tokens.steward, 'POST', `/v1/jobs/${id}/approve`, {});
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
  };
  const provinceData = () => net.provinces.map((p) => joinedData([p.files.platform], net.bankFile));
  const pooledData = () => joinedData(net.provinces.map((p) => p.files.platform), net.bankFile);

  let first: any;

  it('lists the members with province, pinned key and dataset schema', async () => {
    const { json } = await bank('GET', '/v1/members');
    assert.deepEqual(json.members.map((m: any) => m.province), PROVINCES);
    for (const [i, m] of json.members.entries()) {
      assert.equal(m.publicKey, net.provinces[i].publicKey);
      assert.deepEqual(m.standard, { name: 'jointlab-sme', version: '1' });
      assert.ok(m.datasets[0].columns.some((c: any) => c.name === 'tax_grade' && c.type === 'categorical'));
      assert.equal(m.token, undefined);
    }
  });

  it('a network job waits for every province’s steward; each enclave records it in its own audit log', async () => {
    const submitted = await bank('POST', '/v1/jobs', { ...NETWORK_SPEC, provinces: PROVINCES });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    first = submitted.json;
    assert.deepEqual(first.provinces.map((p: any) => p.state), ['submitted', 'submitted', 'submitted']);
    const early = await bank('POST', `/v1/jobs/${first.id}/run`);
    assert.equal(early.status, 409);
    assert.equal(early.json.code, 'network_not_approved');
    for (const p of net.provinces) {
      const audit = await net.call(p.enclave.url, p.tokens.steward, 'GET', '/v1/audit?limit=50');
      assert.ok(audit.json.entries.some((e: any) => e.action === 'job.submitted' && e.object === `job:${first.id}`));
      // The bank sees the province's part as its own job there, awaiting approval.
      const view = await net.call(p.enclave.url, p.tokens.bank, 'GET', `/v1/jobs/${first.id}`);
      assert.equal(view.json.state, 'submitted');
      assert.equal(view.json.spec.mode, 'network');
    }
  });

  it('trains to the weights of logistic regression on the pooled rows (1e-6) with the test AUC released to 3 places', async () => {
    await approveAll(first.id);
    const run = await bank('POST', `/v1/jobs/${first.id}/run`);
    assert.equal(run.status, 202, JSON.stringify(run.json));
    const done = await waitForHubJob(net, first.id);
    assert.equal(done.state, 'released', done.reason);
    first = done;
    const model = done.result.released.parameters.model;
    const encoder = model.state.encoder as Encoder;

    // The standardization from securely summed moments equals the pooled rows' own.
    const layout = layoutOfSpec();
    const pooled = pooledData();
    const moments = readMoments(momentsOf(pooled, layout), layout);
    const spread = spreadOf(pooled, layout, moments.numeric.map((c) => c.mean), spreadDivisors(moments));
    // Counts carry each province's keyed noise (class and level counts, a feature's count of values moving
    // with the row count), so the released standardization is the pooled one up to that noise: the same
    // levels and gap flags, each mean and scale within a rounding step of the coarse pooled one.
    const exact = coarseNetworkEncoder(networkEncoder(layout, moments, spread, done.result.k));
    assert.deepEqual(encoder.features, exact.features);
    encoder.columns.forEach((c, j) => {
      const e = exact.columns[j];
      if (c.kind === 'categorical' || e.kind === 'categorical') return assert.deepEqual(c, e);
      assert.equal(c.missingIndicator, e.missingIndicator, `gap flag of ${c.name}`);
      assert.ok(Math.abs(c.scale - e.scale) <= e.scale * 0.11, `scale of ${c.name}: ${c.scale} against ${e.scale}`);
      assert.ok(Math.abs(c.mean - e.mean) <= e.scale * 0.11 + Math.abs(e.mean) * 0.02, `mean of ${c.name}: ${c.mean} against ${e.mean}`);
    });

    const design = encode(encoder, pooled.train.frame);
    const reference = fitLogistic(design.columns, pooled.train.labels, design.rows, { l2: 1, tolerance: 1e-12, maxIterations: 200 });
    const gap = Math.max(...model.state.weights.map((w: number, j: number) => Math.abs(w - reference.weights[j])), Math.abs(model.state.intercept - reference.intercept));
    assert.ok(gap < 1e-6, `largest coefficient gap ${gap} after ${done.result.iterations} rounds (converged: ${done.result.converged})`);
    const testDesign = encode(encoder, pooled.test.frame);
    const pooledAuc = auc(pooled.test.labels, predictLogistic(testDesign.columns, testDesign.rows, reference.weights, reference.intercept));
    // Before that rounding, the hub's AUC is read from the summed test histograms, which are the pooled test
    // rows' histogram of the network model's log-odds: within 2e-4 of the pooled model's exact AUC (ties
    // inside a cell of the coarse grid count one half; 9.4e-5 apart here, enclave/release/network-scores.ts).
    const networkP = predictLogistic(testDesign.columns, testDesign.rows, model.state.weights, model.state.intercept);
    const hubAuc = metricsFromHistogram(scoreHistogram(networkP.map((p) => Math.log(p / (1 - p))), pooled.test.labels)).auc;
    assert.ok(Math.abs(hubAuc - pooledAuc) < 2e-4, `network before rounding ${hubAuc}, pooled ${pooledAuc}`);
    // Released as a local job's metrics are: three decimals at a keyed rounding point, so within one step of
    // the hub's AUC (and so within 1.2e-3 of the pooled one: a run once released 0.790 for 0.79108).
    const released = done.result.released.metrics.test.auc;
    assert.ok(Math.abs(released - hubAuc) < 1e-3, `network ${released}, before rounding ${hubAuc}`);
    console.log(`      ${designNames(encoder).length} coefficients, largest gap ${gap.toExponential(2)}; test AUC network ${released} (${hubAuc.toFixed(6)} before rounding), pooled ${pooledAuc.toFixed(6)}; ${done.result.iterations} Newton rounds`);
    // Each province's own model, for contrast: the network model is the pooled one, not an average of these.
    const own = provinceData().map((d) => {
      const x = encode(encoder, d.train.frame);
      return fitLogistic(x.columns, d.train.labels, x.rows, { l2: 1 }).weights;
    });
    const averaged = model.state.weights.map((_: number, j: number) => own.reduce((s, w) => s + w[j], 0) / own.length);
    assert.ok(Math.max(...averaged.map((w: number, j: number) => Math.abs(w - reference.weights[j]))) > 1e-3);
  });

  it('every province stores the released result with its job; its audit chain verifies', async () => {
    for (const p of net.provinces) {
      const results = await net.call(p.enclave.url, p.tokens.bank, 'GET', `/v1/jobs/${first.id}/results`);
      assert.equal(results.status, 200, JSON.stringify(results.json));
      assert.deepEqual(results.json.released.parameters.model.state.weights, first.result.released.parameters.model.state.weights);
      const verdict = await net.call(p.enclave.url, p.tokens.steward, 'GET', '/v1/audit/verify');
      assert.equal(verdict.json.ok, true);
    }
  });

  it("scores routed by each USCC's province come back together; ids of no member province are refused by the bank's client", async () => {
    const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
    const consented: string[] = [];
    const unconsented: string[] = [];
    for (const [i, p] of net.provinces.entries()) {
      const platformIds = readFileSync(p.files.platform, 'utf8').split('\n').slice(1, 400).map((line) => line.split(',')[0]);
      const bankIds = new Set(readFileSync(net.bankFile, 'utf8').split('\n').slice(1).map((line) => line.split(',')[0]));
      const mine = platformIds.filter((id) => bankIds.has(id)).slice(0, 6);
      const csv = formatCsv(['enterprise_id', 'bank', 'purpose', 'granted', 'expires'], mine.slice(0, 4).map((id) => [id, 'bank-a', 'scoring', day(-1), day(30)]));
      const granted = await net.call(p.enclave.url, p.tokens.steward, 'POST', '/v1/consents', csv, 'text/csv');
      assert.ok(granted.status < 300, JSON.stringify(granted.json));
      consented.push(...mine.slice(0, 4));
      unconsented.push(mine[4 + (i % 2)]);
    }
    const endpoints = net.provinces.map((p) => ({ province: p.code, url: p.enclave.url, token: p.tokens.bank }));
    const foreign = generateUscc(new Random(1), '120101');
    // Interleaved across provinces, as a bank's list would be.
    const ids = [consented[8], consented[0], 'NOT-A-CODE', consented[4], foreign, ...unconsented, consented[1], consented[5], consented[9]];
    // Each province applies its scoring rule to the network model as to its own: on this data two of the
    // three provinces find one feature carrying over half of its score's variance (vat_paid_12m_10k, 0.514
    // and 0.518; the third 0.485), so the model is refused; refitted without tax_grade, no feature carries half.
    await assert.rejects(scoreAcrossNetwork(endpoints, first.id, ids, 'platform'), (e: unknown) => e instanceof JointlabError && e.code === 'scoring_rule');
    const spec = { ...NETWORK_SPEC, name: 'net-score', platform: { dataset: 'platform', columns: SPREAD.filter((c) => c !== 'tax_grade') } };
    const job = (await bank('POST', '/v1/jobs', { ...spec, provinces: PROVINCES })).json;
    await approveAll(job.id);
    await bank('POST', `/v1/jobs/${job.id}/run`);
    assert.equal((await waitForHubJob(net, job.id)).state, 'released');
    const routed = await scoreAcrossNetwork(endpoints, job.id, ids, 'platform');
    assert.deepEqual(routed.scores.map((s) => s.id), [consented[8], consented[0], consented[4], consented[1], consented[5], consented[9]]);
    for (const s of routed.scores) {
      assert.equal(s.province, s.id.slice(2, 4));
      assert.ok(Number.isFinite(s.value));
    }
    assert.deepEqual(routed.refused.map((r) => [r.id, r.province]), [['NOT-A-CODE', null], [foreign, '12'], ...unconsented.map((id) => [id, id.slice(2, 4)])]);
    // The same through the CLI, the way a bank's risk team runs it: addresses from the hub, its own tokens per province.
    const tokens = join(net.dir, 'tokens.json');
    writeFileSync(tokens, JSON.stringify(Object.fromEntries(net.provinces.map((p) => [p.code, p.tokens.bank]))));
    const idsFile = join(net.dir, 'applicants.csv');
    writeFileSync(idsFile, formatCsv(['id'], ids.map((id) => [id])));
    const cli = await runCliAsync(['network', 'score', job.id, '--ids', idsFile, '--tokens', tokens, '--part', 'platform', '--url', net.hub.url, '--token', net.hubTokens.bank, '--json']);
    assert.equal(cli.code, 0, cli.stderr);
    assert.deepEqual(JSON.parse(cli.stdout).scores.map((s: { id: string }) => s.id), routed.scores.map((s) => s.id));
  });

  it("the hub's database and log hold no sums and no province's own figure", async () => {
    const layout = layoutOfSpec();
    const parts = provinceData();
    const encoder = first.result.released.parameters.model.state.encoder as Encoder;
    const moments = parts.map((d) => momentsOf(d, layout));
    // The first Newton round is at zero weights and the network base rate's log-odds.
    const total = moments.reduce((s, m) => s.map((v, i) => v + m[i]));
    const width = designNames(encoder).length;
    const beta0 = new Float64Array(width + 1);
    beta0[width] = Math.log(total[1] / total[0] / (1 - total[1] / total[0]));
    const newton = parts.map((d) => newtonOf(d, encoder, beta0));

    // The hub keeps each round's phase and state, not its sum: a stored sum would let whoever reads the file subtract two jobs.
    const db = await Db.open(net.hubDb);
    const rounds = await db.all<{ phase: string; state: string; sum: Buffer | null }>('SELECT phase, state, sum FROM rounds r WHERE job = ? ORDER BY rowid', [first.id]);
    await db.close();
    assert.ok(rounds.some((r) => r.state === 'summed' && r.phase === 'newton'));
    assert.ok(rounds.every((r) => r.sum === null), 'no round keeps its sum');

    // Every file of the hub's database (WAL included) and its log, as bytes.
    const files = readdirSync(net.dir).filter((f) => f.startsWith('hub.db')).map((f) => readFileSync(join(net.dir, f)));
    const haystack = Buffer.concat([...files, Buffer.from(net.hub.log())]);
    let probes = 0;
    for (const vectors of [moments, newton]) {
      for (const [p, vector] of vectors.entries()) {
        const encoded = encodeFixed(vector, 24, 3);
        vector.forEach((v, i) => {
          // Whole numbers (counts) could match anything; a province's non-integer figure is a fingerprint.
          if (Number.isInteger(v) || Math.abs(v) < 1e-3) return;
          probes++;
          const asFloat = Buffer.alloc(8);
          asFloat.writeDoubleLE(v);
          for (const needle of [asFloat, ringToBytes(encoded.subarray(i, i + 1)), Buffer.from(v.toPrecision(12)), Buffer.from(v.toPrecision(8))]) {
            assert.equal(haystack.indexOf(needle), -1, `province ${PROVINCES[p]}'s entry ${i} is in the hub's files or log`);
          }
        });
      }
    }
    assert.ok(probes > 200, `${probes} figures probed`);
  });

  it('a network scorecard bins on network-agreed edges and equals the scorecard fitted on the pooled rows with those bins', async () => {
    const submitted = await bank('POST', '/v1/jobs', { ...NETWORK_SPEC, name: 'net-card', model: { family: 'scorecard', params: { l2: 1 } }, provinces: PROVINCES });
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    await approveAll(submitted.json.id);
    await bank('POST', `/v1/jobs/${submitted.json.id}/run`);
    const done = await waitForHubJob(net, submitted.json.id);
    assert.equal(done.state, 'released', done.reason);
    const card = done.result.released.parameters.model;
    assert.equal(card.kind, 'scorecard');

    // Each province's bin and grid counts carry its keyed noise, so the released WOE come from noisy
    // counts; the noise is keyed inside the enclaves, so the pooled reference cannot redraw it. What holds
    // exactly: (1) Newton on the released bins is Newton on the pooled rows with those bins (the WOE design
    // is not a count, so the secure sums are exact); (2) each bin's released WOE is within the noise of the
    // WOE of the pooled exact counts in that bin (3 provinces, each count off by at most COUNT_CLAMP = 8).
    const layout = layoutOfSpec();
    const pooled = pooledData();
    const binnings = card.state.binnings as FeatureBinning[];
    const totals = { good: 0, bad: 0 };
    pooled.train.labels.forEach((y) => (y ? totals.bad++ : totals.good++));
    let worstWoe = 0;
    for (const b of binnings) {
      const column = pooled.train.frame.columns.find((c) => c.name === b.name)!;
      const assign = binAssigner(b);
      const valueAt = (i: number) => column.values[i] as number | string | null;
      const cells = [...b.bins, b.missing].map(() => ({ good: 0, bad: 0 }));
      for (let i = 0; i < pooled.train.frame.rows; i++) {
        const bin = assign(valueAt(i));
        const cell = cells[bin < 0 ? b.bins.length : bin];
        if (pooled.train.labels[i]) cell.bad++;
        else cell.good++;
      }
      [...b.bins, b.missing].forEach((bin, i) => {
        if ((bin as { noEvidence?: true }).noEvidence || cells[i].good < 50 || cells[i].bad < 50) return; // thin cells: noise of 24 dominates, nothing to compare
        const exactWoe = Math.log(cells[i].good / totals.good / (cells[i].bad / totals.bad));
        // d ln(c) = dc / c for each of the four counts, 3 provinces x 8 rows each at most.
        const bound = 24 / cells[i].good + 24 / cells[i].bad + 48 / totals.good + 48 / totals.bad + 0.02;
        worstWoe = Math.max(worstWoe, Math.abs(bin.woe - exactWoe) / bound);
        assert.ok(Math.abs(bin.woe - exactWoe) <= bound, `WOE of ${b.name} bin ${i}: released ${bin.woe}, exact pooled ${exactWoe}, bound ${bound}`);
      });
    }
    assert.ok(layout.features.length >= binnings.length);
    const woe = designOf(pooled.train.frame, { binnings });
    const reference = fitLogistic(woe.columns, pooled.train.labels, woe.rows, { l2: 1, tolerance: 1e-12, maxIterations: 200 });
    const coefficients = card.state.selected.map((s: any) => s.coefficient);
    const gap = Math.max(...coefficients.map((c: number, j: number) => Math.abs(c - reference.weights[j])), Math.abs(card.state.intercept - reference.intercept));
    assert.ok(gap < 1e-6, `largest coefficient gap ${gap}`);
    const testWoe = designOf(pooled.test.frame, { binnings });
    const pooledAuc = auc(pooled.test.labels, predictLogistic(testWoe.columns, testWoe.rows, reference.weights, reference.intercept));
    // The released AUC is dithered onto a grid of 1e-3 at a keyed point (population.ts releasedMetric: up to one
    // step either way of a fresh database's key), on top of the histogram's error for a scorecard's tied scores.
    assert.ok(Math.abs(done.result.released.metrics.test.auc - pooledAuc) < 1e-3 + 5e-4, `network ${done.result.released.metrics.test.auc}, pooled ${pooledAuc}`);
    console.log(`      scorecard: ${binnings.reduce((s, b) => s + b.bins.length, 0)} bins over ${binnings.length} features, largest gap ${gap.toExponential(2)}; WOE within ${(worstWoe * 100).toFixed(0)}% of the noise bound; test AUC network ${done.result.released.metrics.test.auc}, pooled ${pooledAuc.toFixed(6)}`);
  });

  it("an enclave killed mid-round aborts the round: no partial result, the job is retryable and then gives the same model", async () => {
    const submitted = await bank('POST', '/v1/jobs', { ...NETWORK_SPEC, name: 'net-lr-retry', provinces: PROVINCES });
    const id = submitted.json.id;
    await approveAll(id);
    // Kill province 44 at its fourth round request: moments, spread, then two Newton rounds in.
    hop.rounds = 0;
    hop.killAt = { round: 4, province: net.provinces[2] };
    await bank('POST', `/v1/jobs/${id}/run`);
    const stopped = await waitForHubJob(net, id);
    assert.equal(stopped.state, 'interrupted');
    assert.match(stopped.reason, /province 44/);
    assert.equal(stopped.result, null);
    assert.ok(stopped.rounds.aborted >= 1);
    assert.equal(stopped.refusal, null, 'a dropout is no refusal');
    // The hub told the provinces still there: their parts wait interrupted, none stays running.
    assert.deepEqual(stopped.provinces.map((p: any) => p.state), ['interrupted', 'interrupted', 'unreachable']);
    assert.match(stopped.provinces[0].reason, /the hub interrupted the job/);
    // The other provinces hold no result for it either.
    for (const p of net.provinces.slice(0, 2)) {
      const results = await net.call(p.enclave.url, p.tokens.bank, 'GET', `/v1/jobs/${id}/results`);
      assert.notEqual(results.status, 200);
    }
    // A round id is answered once: the same masks on a second statistic would give away the difference.
    const db = await Db.open(net.hubDb);
    const used = (await db.get<{ round: string }>("SELECT round FROM rounds WHERE job = ? AND phase = 'moments' AND state = 'summed'", [id]))!.round;
    await db.close();
    const again = await net.call(net.provinces[0].enclave.url, net.provinces[0].hubToken, 'POST', `/v1/network/jobs/${id}/rounds`, { round: used, phase: 'moments' });
    assert.equal(again.status, 409);
    assert.equal(again.json.code, 'network_round_reused');
    // The province comes back on its own database; the bank runs the job again: fresh round ids, same model.
    const province = net.provinces[2];
    province.enclave = await net.startEnclave(province);
    hop.target = province.enclave.url;
    // It lost its round with the process: on start it marks its part interrupted itself, not running.
    const back = await net.call(province.enclave.url, province.tokens.steward, 'GET', `/v1/jobs/${id}`);
    assert.equal(back.json.state, 'interrupted', JSON.stringify(back.json));
    const rerun = await bank('POST', `/v1/jobs/${id}/run`);
    assert.equal(rerun.status, 202, JSON.stringify(rerun.json));
    const done = await waitForHubJob(net, id);
    assert.equal(done.state, 'released', done.reason);
    assert.deepEqual(done.provinces.map((p: any) => p.state), ['released', 'released', 'released']);
    const a = first.result.released.parameters.model.state.weights as number[];
    const b = done.result.released.parameters.model.state.weights as number[];
    assert.ok(Math.max(...a.map((w, j) => Math.abs(w - b[j]))) < 1e-9);
  });

  it('a member refuses rounds from anyone but the hub, malformed rounds, and rounds of a finished job', async () => {
    const p = net.provinces[0];
    const finished = await net.call(p.enclave.url, p.hubToken, 'POST', `/v1/network/jobs/${first.id}/rounds`, { round: 'r_0123456789', phase: 'moments' });
    assert.equal(finished.status, 409);
    const stranger = await net.call(p.enclave.url, p.tokens.bank, 'POST', `/v1/network/jobs/${first.id}/rounds`, { round: 'r_0123456789', phase: 'moments' });
    assert.equal(stranger.status, 401);
    const garbage = await net.call(p.enclave.url, p.hubToken, 'POST', `/v1/network/jobs/${first.id}/rounds`, { round: 'r_0123456789', phase: 'spread', centers: [1], spreads: ['x'] });
    assert.equal(garbage.status, 400);
    assert.equal(garbage.json.code, 'bad_network_request');
  });
});
