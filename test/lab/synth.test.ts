import { strict as assert } from 'node:assert';
import { BANK_COLUMNS, PLATFORM_COLUMNS, synthesize } from '../../lab/synth/generate';
import { generateUscc, isValidUscc, orgCheckChar, usccCheckChar } from '../../lab/synth/uscc';
import { Random } from '../../models/random';

describe('Unified Social Credit Codes', () => {
  it('accepts a published code and rejects it with any character changed', () => {
    // The example code printed in GB 32100-2015 guidance material.
    assert.ok(isValidUscc('91350100M000100Y43'));
    assert.equal(usccCheckChar('91350100M000100Y4'), '3');
    assert.equal(orgCheckChar('M000100Y'), '4');
    assert.ok(!isValidUscc('91350100M000100Y44'));
    assert.ok(!isValidUscc('91350100M000101Y43'));
    assert.ok(!isValidUscc('91350100M000100Y4'));
    assert.ok(!isValidUscc('9135010OM000100Y43'));
  });

  it('generates only valid codes', () => {
    const random = new Random(1);
    for (let i = 0; i < 2000; i++) assert.ok(isValidUscc(generateUscc(random, '440305')));
  });
});

describe('synthetic data', () => {
  const options = { enterprises: 3000, bankCustomers: 1500, seed: 9, bank: 'bank-a' };

  it('is deterministic by seed and changes with it', () => {
    assert.deepEqual(synthesize(options), synthesize(options));
    assert.notDeepEqual(synthesize({ ...options, seed: 10 }).bank.rows, synthesize(options).bank.rows);
  });

  it('has the documented columns, unique valid ids, missing values and an SME-like default rate', () => {
    const t = synthesize(options);
    assert.deepEqual(t.platform.header, PLATFORM_COLUMNS);
    assert.deepEqual(t.bank.header, BANK_COLUMNS);
    const ids = t.platform.rows.map((r) => r[0] as string);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(ids.every(isValidUscc));
    const known = new Set(ids);
    assert.ok(t.bank.rows.every((r) => known.has(r[0] as string)));
    const missingShare = (k: number): number => t.platform.rows.filter((r) => r[k] === '').length / t.platform.rows.length;
    assert.ok(missingShare(PLATFORM_COLUMNS.indexOf('electricity_kwh_12m')) > 0.05);
    assert.ok(missingShare(PLATFORM_COLUMNS.indexOf('si_headcount')) > 0.02);
    const rate = t.bank.rows.reduce((s, r) => s + (r[r.length - 1] as number), 0) / t.bank.rows.length;
    assert.ok(rate > 0.02 && rate < 0.1, `default rate ${rate}`);
  });

  it('writes consent for the bank\'s customers and some prospects, with the three purposes and ISO dates', () => {
    const t = synthesize(options);
    const purposes = new Set(t.consent.rows.map((r) => r[2]));
    assert.deepEqual([...purposes].sort(), ['report', 'scoring', 'training']);
    assert.ok(t.consent.rows.every((r) => /^\d{4}-\d{2}-\d{2}$/.test(r[3] as string) && (r[4] as string) > (r[3] as string)));
    const customers = new Set(t.bank.rows.map((r) => r[0]));
    assert.ok(t.consent.rows.some((r) => !customers.has(r[0])), 'no prospect has consent for scoring');
  });
});
