/**
 * Monitor jobs in the console, in real headless Chromium (as test/console/console.test.ts): the jobs
 * list names each job's kind, a monitor job's page shows the released PSI and CSI with their status,
 * and its report opens with the threshold lines; the steward reviews the monitor spec in the queue.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { REPO_ROOT } from '../helpers/cli';
import { formatCsv, parseCsv } from '../../lab/data/csv';
import { TestEnclave, jointSpec, seedData, startTestEnclave, waitForJob } from '../helpers/enclave';
import { FITS_WINDOW } from './layout-checks';
import type { JobResults } from '../../lab/api/results';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'console');

describe('monitor jobs in the console', function () {
  this.timeout(300_000);
  let t: TestEnclave;
  let browser: Browser;
  let monitorId: string;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
      this.skip();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestEnclave();
    await seedData(t);
    const joint = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: jointSpec('lr', { name: 'joint-lr' }) })).id;
    await t.client('steward').request('POST', `v1/jobs/${joint}/approve`, { json: {} });
    assert.equal(await waitForJob(t, joint), 'released');
    const table = parseCsv(readFileSync(t.files.platform, 'utf8'), 'platform');
    const at = table.header.indexOf('vat_paid_12m_10k');
    const later = formatCsv(table.header, table.rows.map((r) => r.map((cell, j) => (j === at && cell !== '' ? String(Number(cell) * 10) : cell))));
    await t.client('steward').request('POST', 'v1/datasets', { csv: Buffer.from(later), query: { name: 'platform', idColumn: 'id' } });
    monitorId = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: { name: 'vat-watch', purpose: 'quarterly stability review', mode: 'monitor', model: { family: 'lr' }, monitor: { job: joint } } })).id;
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });
  after(async () => {
    await browser?.close();
    await t?.enclave.close();
  });

  async function signedIn(token: string): Promise<Page> {
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`${t.enclave.url}/console/`);
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.locator('#who').getByRole('button', { name: 'Sign out' }).waitFor();
    return page;
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  it('shows the steward the monitor spec to review, with its monitored job and snapshots, and approves it', async () => {
    const page = await signedIn(t.tokens.steward);
    const card = page.locator(`article[data-job="${monitorId}"]`);
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /monitor/);
    assert.match(text, /Snapshots\s+1 against 2/);
    assert.match(text, /monitors released job/);
    await shot(page, '20-monitor-queue');
    await card.getByRole('button', { name: 'Approve vat-watch' }).click();
    await page.getByText('Approved "vat-watch"').waitFor();
    assert.equal(await waitForJob(t, monitorId), 'released');
  });

  it("lists jobs with their kind, and shows a monitor job's PSI and CSI with their status and its report", async () => {
    const page = await signedIn(t.tokens.bankA);
    await page.getByRole('table', { name: 'Jobs, newest first' }).waitFor();
    const kindOf = async (name: string) => (await page.getByRole('row', { name: new RegExp(name) }).locator('[data-kind]').innerText()).trim();
    assert.equal(await kindOf('vat-watch'), 'monitor');
    assert.equal(await kindOf('joint-lr'), 'training');
    assert.equal(await page.evaluate(FITS_WINDOW), '');
    await shot(page, '21-jobs-with-kind');

    await page.getByRole('link', { name: 'vat-watch' }).click();
    await page.locator(`[data-job="${monitorId}"][data-state="released"]`).waitFor();
    const figures = page.getByRole('table', { name: /Stability by figure/ });
    await figures.waitFor();
    const r = await t.client('bankA').request<JobResults>('GET', `v1/jobs/${monitorId}/results`);
    const s = r.released.stability!;
    for (const f of [{ ...s.score, name: 'score (PSI)' }, ...s.features]) {
      const row = figures.getByRole('row', { name: new RegExp(`^${f.name.replace(/[()]/g, '\\$&')} `) });
      assert.equal((await row.locator('[data-index]').innerText()).trim(), f.index.toFixed(4));
      assert.equal((await row.locator('[data-level]').innerText()).trim(), f.level);
    }
    assert.equal((await figures.getByRole('row', { name: /vat_paid_12m_10k/ }).locator('[data-level]').innerText()).trim(), 'shift');
    const bins = page.getByRole('table', { name: /Score bins/ });
    assert.equal(await bins.locator('tbody tr').count(), s.score.bins.length);
    assert.match(await page.locator('main').innerText(), /Computed in the enclave/);
    assert.equal(await page.evaluate(FITS_WINDOW), '');
    await shot(page, '22-monitor-job');

    await page.getByRole('button', { name: 'Open report' }).click();
    const report = page.frameLocator('iframe[title^="Model report"]');
    await report.getByRole('heading', { name: 'Stability report: vat-watch' }).waitFor();
    assert.equal(await report.locator('svg').count(), 2);
    assert.equal(await report.locator('line.reference-line').count(), 2);
    assert.equal(await page.getByRole('button', { name: 'Download PMML' }).count(), 0, 'a monitor job has no model of its own');
    await shot(page, '23-monitor-report');
  });
});
