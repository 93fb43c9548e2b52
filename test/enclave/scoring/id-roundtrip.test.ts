/**
 * Review (review4): the rewritten consent check and platform look-up read back only the ids they
 * refuse, and treat an id that does not come back as consented / present. An id whose text does not
 * survive the trip JS -> JSON -> SQLite json_each -> JS (a lone UTF-16 surrogate, which SQLite hands
 * back as other characters) then never matches its own row and is let through: the decision differs
 * from main's, where such an id found no consent and was refused.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { checkConsent } from '../../../enclave/data/consents';
import { platformAbsence } from '../../../enclave/he/design';
import { openStore } from '../../../enclave/store/schema';
import { parseCsv } from '../../../lab/data/csv';
import type { JobSpec } from '../../../lab/spec/job-spec';
import { tempDir } from '../../helpers/cli';
import { SPREAD } from './features';
import { TestEnclave, grantScoring, importPlainData, releasedPlatformScorecard, startTestEnclave } from '../../helpers/enclave';

const TODAY = '2026-06-01';
/** A lone high surrogate: JSON.stringify escapes it (\ud800), SQLite decodes it to bytes that come back as U+FFFD. */
const ODD = '\ud800';

describe('review4: ids that do not round-trip through json_each', function () {
  this.timeout(120_000);

  it('consent: an id with no consent record is refused, whatever characters it has', async () => {
    const db = await openStore(join(tempDir(), 'roundtrip.db'));
    try {
      await db.run("INSERT INTO consents (enterprise_id, bank, purpose, granted, expires, revoked_at, imported_at) VALUES ('E1', 'bank-a', 'scoring', '2025-01-01', '2099-01-01', NULL, '2026-01-01')");
      const r = await checkConsent(db, 'bank-a', 'scoring', ['E1', `E1${ODD}`, `${ODD}`], TODAY);
      assert.deepEqual(r.allowed, ['E1'], 'an id without any consent record was allowed');
      assert.equal(r.refused.length, 2);
    } finally {
      await db.close();
    }
  });

  describe('through the HTTP API', () => {
    let t: TestEnclave;
    let job: string;
    let ids: string[];
    before(async () => {
      t = await startTestEnclave();
      await importPlainData(t);
      await t.client('steward').request('PUT', 'v1/scoring/policy/platform', { json: { noiseSwap: 0, noiseSd: 0 } });
      job = await releasedPlatformScorecard(t, 'p', SPREAD);
      ids = parseCsv(readFileSync(t.files.platform, 'utf8'), 'p').rows.slice(0, 3).map((r) => r[0]);
      await grantScoring(t, ids.slice(0, 2));
    });
    after(() => t?.enclave.close());

    it('scoring refuses an unconsented odd id for want of consent (main: "no scoring consent for this bank")', async () => {
      const odd = `${ids[2]}${ODD}`;
      const r = await t.client('bankA').request<{ scores: { id: string }[]; refused: { id: string; reason: string }[] }>('POST', 'v1/score', { json: { job, ids: [ids[0], ids[1], odd] } });
      assert.deepEqual(
        r.scores.map((s) => s.id),
        ids.slice(0, 2),
      );
      assert.deepEqual(r.refused, [{ id: odd, reason: 'no scoring consent for this bank' }]);
    });

    it('platformAbsence: an id the dataset lacks is absent, whatever characters it has', async () => {
      const spec = { platform: { dataset: 'platform', columns: ['tax_grade'] } } as unknown as JobSpec;
      const odd = `${ids[0]}${ODD}`;
      const { absent } = await platformAbsence(t.enclave.db, spec, [ids[0], odd]);
      assert.ok(absent.has(odd), 'an id the platform lacks was taken as present');
      assert.ok(!absent.has(ids[0]));
    });
  });
});
