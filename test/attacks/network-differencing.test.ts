/**
 * Attack: a bank differences two network scorecard jobs that differ only in one customer's label. The
 * network's bins carry exact counts (a single enclave's scorecard adds keyed noise to its cells, and
 * its differencing control would refuse the second job), so the WOE of every bin moves by one common
 * amount except the bin the customer sits in: the bank reads the customer's bin, in every platform
 * feature at once, from two releases. Passes only if the bank names the right bin no more often than
 * half the time (failing = attack succeeds).
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestNetwork, startTestNetwork, waitForHubJob } from '../helpers/network';
import { NETWORK_SPEC, assertClearOfK } from '../hub/pooled';
import { parseCsv, formatCsv } from '../../lab/data/csv';
import { isMissingCell } from '../../lab/data/columns';
import { isTestRow } from '../../lab/network/split';
import { binAssigner, FeatureBinning } from '../../models/binning';

const PROVINCES = ['11', '44'];
const SPEC = { ...NETWORK_SPEC, bank: { upload: 'customers' }, model: { family: 'scorecard', params: { l2: 1 } }, provinces: PROVINCES };

describe('attack: a bank differences two network scorecards that differ in one customer', function () {
  this.timeout(900_000);
  let net: TestNetwork;

  before(async () => {
    // The first job must be released in every run: each province decides its k rules on class counts
    // noisy under its own random secret (clamped at COUNT_CLAMP), and with 1,000 customers province 44
    // held 16 test defaults against k = 10, refused in about 2.5% of runs (0.5 e^(-6/2)). 1,300 customers
    // put every class of both provinces at 25 or more, clear of k plus the clamp.
    net = await startTestNetwork({ provinces: PROVINCES, enterprises: 2000, bankCustomers: 1300 });
    assertClearOfK(net.provinces.map((p) => p.files.platform), net.bankFile);
  });
  after(async () => {
    await net?.close();
  });

  const bank = (method: string, path: string, body?: unknown) => net.call(net.hub.url, net.hubTokens.bank, method, path, body);

  async function released(spec: unknown): Promise<any> {
    const submitted = await bank('POST', '/v1/jobs', spec);
    assert.equal(submitted.status, 201, JSON.stringify(submitted.json));
    for (const p of net.provinces) {
      const r = await net.call(p.enclave.url, p.tokens.steward, 'POST', `/v1/jobs/${submitted.json.id}/approve`, {});
      assert.equal(r.status, 200, JSON.stringify(r.json));
    }
    const run = await bank('POST', `/v1/jobs/${submitted.json.id}/run`);
    assert.equal(run.status, 202, JSON.stringify(run.json));
    return waitForHubJob(net, submitted.json.id);
  }

  it('does not tell the bank which bin of each platform feature one customer falls in', async () => {
    // The target: a training-row customer of the bank registered in province 44, labelled 0.
    const target44 = net.provinces.find((p) => p.code === '44')!;
    const platform = parseCsv(readFileSync(target44.files.platform, 'utf8'), 'platform');
    const onPlatform = new Map(platform.rows.map((r) => [String(r[0]), r.map(String)]));
    const customers = parseCsv(readFileSync(net.bankFile, 'utf8'), 'bank');
    const idAt = customers.header.indexOf('id');
    const labelAt = customers.header.indexOf(SPEC.label);
    const target = customers.rows.find((r) => onPlatform.has(String(r[idAt])) && String(r[labelAt]) === '0' && !isTestRow(String(r[idAt]), SPEC.validation.seed, SPEC.validation.testFraction))!;
    const targetId = String(target[idAt]);

    // The same customers, the target's label flipped: uploaded to every province under another name.
    const flipped = customers.rows.map((r) => (String(r[idAt]) === targetId ? r.map((c, j) => (j === labelAt ? '1' : c)) : r));
    const flippedFile = join(net.dir, 'bank-flipped.csv');
    writeFileSync(flippedFile, formatCsv(customers.header, flipped));
    for (const p of net.provinces) {
      const up = await net.call(p.enclave.url, p.tokens.bank, 'POST', '/v1/uploads?name=customers-flip&network=1', readFileSync(flippedFile), 'text/csv');
      assert.equal(up.status, 201, JSON.stringify(up.json));
    }

    const a = await released({ ...SPEC, name: 'card-a' });
    assert.equal(a.state, 'released', a.reason);
    const b = await released({ ...SPEC, name: 'card-b', bank: { upload: 'customers-flip' } });
    console.log(`      second job: ${b.state}${b.reason ? ` (${b.reason})` : ''}`);
    // Every province holds the same customers under other labels: each refuses before contributing
    // anything, and the bank is told the rule's code only.
    assert.equal(b.state, 'refused', JSON.stringify(b.result));
    assert.equal(b.refusal.code, 'network_population_too_close');
    assert.match(b.reason, /network_population_too_close/);
    assert.doesNotMatch(b.reason, /within \d+ enterprises/, 'the province\'s own wording stays with its steward');
    assert.equal(b.result, null, 'nothing released');
    // Only the target's province sees other labels on the same rows (province 11's customers are unchanged).
    const audit = await net.call(target44.enclave.url, target44.tokens.steward, 'GET', '/v1/audit?limit=50');
    assert.ok(JSON.stringify(audit.json).includes('network_population_too_close'), "province 44's steward reads the refusal");
    if (b.state !== 'released') return; // the second job released nothing: the defence holds

    const binsA = a.result.released.parameters.model.state.binnings as FeatureBinning[];
    const binsB = b.result.released.parameters.model.state.binnings as FeatureBinning[];
    let right = 0;
    let tried = 0;
    const lines: string[] = [];
    for (const ba of binsA) {
      const bb = binsB.find((x) => x.name === ba.name);
      if (!bb || bb.bins.length !== ba.bins.length) {
        lines.push(`${ba.name}: bins differ between the two releases`);
        continue; // the bins moved: no reading
      }
      // Each bin's WOE change (the missing bin as -1); bins held at "no evidence" say nothing.
      const deltas = [-1, ...ba.bins.keys()]
        .map((i) => ({ i, a: i < 0 ? ba.missing : ba.bins[i], b: i < 0 ? bb.missing : bb.bins[i] }))
        .filter((x) => !(x.a as { noEvidence?: true }).noEvidence)
        .map((x) => ({ i: x.i, d: x.b.woe - x.a.woe }));
      if (deltas.length < 2) continue; // one bin: nothing to tell apart
      // WOE = ln(good share / bad share): moving the target from good to bad shifts every bin's WOE by the
      // same amount (the totals) and lowers the target's own bin further, so its bin is the smallest change.
      const guess = deltas.reduce((best, x) => (x.d < best.d ? x : best)).i;
      tried++;
      const column = platform.header.indexOf(ba.name);
      const cell = onPlatform.get(targetId)![column];
      const value = ba.kind === 'numeric' ? (isMissingCell(cell, 'numeric') ? NaN : Number(cell)) : isMissingCell(cell) ? null : cell;
      const truth = binAssigner(ba)(value);
      if (guess === truth) right++;
      lines.push(`${ba.name}: guessed bin ${guess}, true bin ${truth} of ${ba.bins.length}`);
    }
    console.log(`      ${lines.join('\n      ')}`);
    assert.ok(right <= tried / 2, `the bank named the target's bin in ${right} of ${tried} platform features from two releases:\n  ${lines.join('\n  ')}`);
  });
});
