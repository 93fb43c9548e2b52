/**
 * The steward console in real headless Chromium (Debian's, driven by playwright-core): a steward
 * signs in, approves a job, watches it finish and opens its report; a bank cannot see the queue but
 * has its uploads and budgets; withheld figures never reach a page; every page fits a 1280 px window
 * with no id broken mid-word. Each page is saved as a screenshot under test-artifacts/console/.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { CANARY_RULES, RELEASED_CANARY, WITHHELD_CANARIES, canaryOutcome } from '../helpers/canary';
import { REPO_ROOT } from '../helpers/cli';
import { LOWEST_CONTRAST } from '../helpers/contrast';
import { PmmlDocument } from '../helpers/pmml-reader';
import { parseCsv } from '../../lab/data/csv';
import { BANK_COLUMNS, SPREAD } from '../enclave/scoring/features';
import { formatCsv } from '../../lab/data/csv';
import { TestEnclave, csvOf, grantScoring, jointSpec, seedData, startTestEnclave, storeCheckedJob, waitForJob } from '../helpers/enclave';
import { BROKEN_IDS, FITS_WINDOW } from './layout-checks';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'console');

describe('steward console in headless Chromium', function () {
  this.timeout(180_000);
  let t: TestEnclave;
  let browser: Browser;
  let jobId: string;
  let canaryId: string;
  const contexts: BrowserContext[] = [];
  /** Requests the pages made to anywhere but the enclave: must stay empty. */
  const offsite: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      // CI installs Chromium (.ci/run); a developer machine without it skips rather than fails.
      if (process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs Debian's chromium`);
      this.skip();
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestEnclave();
    await seedData(t);
    await t.client('steward').request('POST', 'v1/consents', { csv: csvOf(t.files.consent) });
    jobId = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: jointSpec('scorecard', { name: 'console-scorecard' }) })).id;
    canaryId = await storeCheckedJob(t, canaryOutcome(), CANARY_RULES, 'canary');
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      // As root in CI: no sandbox; no GPU; nothing fetched in the background (the network is closed); /tmp rather than a small /dev/shm.
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });
  after(async () => {
    await browser?.close();
    await t?.enclave.close();
  });

  async function signedIn(token: string): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('request', (r) => {
      if (!r.url().startsWith(t.enclave.url) && !r.url().startsWith('about:') && !r.url().startsWith('data:') && !r.url().startsWith('blob:')) offsite.push(r.url());
    });
    await page.goto(`${t.enclave.url}/console/`);
    // Keyboard only: the token field has focus on arrival, Enter submits.
    await page.keyboard.type(token);
    await page.keyboard.press('Enter');
    await page.locator('#who').getByRole('button', { name: 'Sign out' }).waitFor();
    return page;
  }

  /** WCAG AA: normal text needs a contrast of at least 4.5:1 against its background. */
  async function assertReadable(page: Page): Promise<void> {
    const lowest = (await page.evaluate(LOWEST_CONTRAST)) as { ratio: number; text: string };
    assert.ok(lowest.ratio >= 4.5, `"${lowest.text}" has a contrast of ${lowest.ratio.toFixed(2)}:1`);
  }

  /** A message sits next to its button: on the button's row, or starting at most 24 px under it. */
  async function assertNextTo(button: Locator, message: Locator): Promise<void> {
    const [b, m] = [await button.boundingBox(), await message.boundingBox()];
    assert.ok(b && m, 'button and message are both on the page');
    const gap = m.y - (b.y + b.height);
    assert.ok(m.y + m.height >= b.y && gap <= 24, `the message starts ${gap.toFixed(0)} px below its button`);
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

  it('shows a wrong token in plain words and stays on the sign-in form', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${t.enclave.url}/console/`);
    await page.getByLabel('API token').fill('jl_not_a_token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByText('Your token was not accepted').waitFor();
    await shot(page, '01-sign-in-error');
    assert.equal(await page.getByLabel('API token').count(), 1);
    await page.context().close();
  });

  it('lets a steward review the queue, approve a job, watch it finish and open its report', async () => {
    const page = await signedIn(t.tokens.steward);
    const card = page.locator(`article[data-job="${jobId}"]`);
    await card.waitFor();
    assert.match(await card.innerText(), /Risk flags/);
    assert.match(await card.innerText(), /tax_grade/);
    await shot(page, '02-steward-queue');
    await assertReadable(page);

    await card.getByRole('button', { name: 'Approve console-scorecard' }).click();
    await page.getByText('Approved "console-scorecard"').waitFor();

    await page.getByRole('link', { name: 'Running' }).click();
    await page.getByRole('heading', { name: 'Running' }).waitFor();
    await shot(page, '03-running');
    // The page redraws itself: the job leaves the list when it finishes, with no reload.
    await page.getByText('No job is training now.').waitFor({ timeout: 120_000 });

    await page.goto(`${t.enclave.url}/console/#/jobs/${jobId}`);
    await page.locator(`[data-job="${jobId}"][data-state="released"]`).waitFor({ timeout: 120_000 });
    const text = await page.locator('main').innerText();
    const results = await t.client('steward').request<{ released: { metrics: { test: { auc: number } } } }>('GET', `v1/jobs/${jobId}/results`);
    assert.ok(text.includes(results.released.metrics.test.auc.toFixed(4)), 'the released test AUC is on the page');
    await shot(page, '04-job-released');
    await assertReadable(page);

    await page.getByRole('button', { name: 'Open report' }).click();
    const report = page.frameLocator('iframe[title^="Model report"]');
    await report.getByRole('heading', { name: 'Model report: console-scorecard' }).waitFor();
    assert.ok((await report.locator('svg').count()) >= 5);
    await shot(page, '05-report');
  });

  it('lists jobs with the test AUC each released, and a dash where the test metrics were withheld', async () => {
    const page = await signedIn(t.tokens.steward);
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('table', { name: 'Jobs, newest first' }).waitFor();
    const aucOf = async (name: string) => (await page.getByRole('row', { name: new RegExp(name) }).locator('[data-auc]').innerText()).trim();
    const released = await t.client('steward').request<{ released: { metrics: { test: { auc: number } } } }>('GET', `v1/jobs/${jobId}/results`);
    assert.equal(await aucOf('console-scorecard'), released.released.metrics.test.auc.toFixed(4));
    // The canary job's test metrics stand for too few rows: withheld, so no AUC, and none of the withheld figures.
    assert.equal(await aucOf('canary'), '—');
    const text = await page.locator('main').innerText();
    for (const canary of WITHHELD_CANARIES) assert.ok(!text.includes(canary), `withheld ${canary} in the jobs list`);
    await shot(page, '04b-jobs');
  });

  it('explains a refused approval in plain words, then approves once the sensitive column is ticked', async () => {
    const spec = jointSpec('lr', { name: 'needs-sensitive' });
    spec.platform.columns.push('dishonest_debtor');
    const id = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
    const page = await signedIn(t.tokens.steward);
    const card = page.locator(`article[data-job="${id}"]`);
    const approve = card.getByRole('button', { name: 'Approve needs-sensitive' });
    await approve.click();
    // The API's words, next to the button that was pressed (same row of actions, read out as it appears), not in the status line above.
    const refusal = card.locator('[data-action="approve"] .inline-message');
    await refusal.getByText('What you sent was not accepted. The spec uses sensitive columns that must be approved explicitly: dishonest_debtor.').waitFor();
    assert.equal(await refusal.getAttribute('aria-live'), 'assertive');
    assert.equal(await page.locator('#status').innerText(), '');
    await assertNextTo(approve, refusal);
    assert.equal((await t.client('steward').request<{ state: string }>('GET', `v1/jobs/${id}`)).state, 'submitted');
    await shot(page, '05b-sensitive-refused');
    await card.getByLabel('allow sensitive column dishonest_debtor').check();
    await card.getByRole('button', { name: 'Approve needs-sensitive' }).click();
    await page.getByText('Approved "needs-sensitive"').waitFor();
    const job = await t.client('steward').request<{ approvedSensitive: string[] }>('GET', `v1/jobs/${id}`);
    assert.deepEqual(job.approvedSensitive, ['dishonest_debtor']);
  });

  it('rejects with the reason the steward wrote, and asks for one when it is missing', async () => {
    const id = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: jointSpec('lr', { name: 'to-reject' }) })).id;
    const page = await signedIn(t.tokens.steward);
    const card = page.locator(`article[data-job="${id}"]`);
    const reject = card.getByRole('button', { name: 'Reject to-reject' });
    await reject.click();
    const missing = card.locator('[data-action="reject"] .inline-message');
    await missing.getByText('Write a reason before rejecting').waitFor();
    await assertNextTo(reject, missing);
    await card.getByLabel('Reason for rejecting').fill('purpose too vague');
    await card.getByRole('button', { name: 'Reject to-reject' }).click();
    await page.getByText('Rejected "to-reject"').waitFor();
    const job = await t.client('bankA').request<{ state: string; reason: string }>('GET', `v1/jobs/${id}`);
    assert.deepEqual([job.state, job.reason], ['rejected', 'purpose too vague']);
  });

  it('shows datasets with policies, consent counts and the verified audit chain, reachable by keyboard', async () => {
    const page = await signedIn(t.tokens.steward);
    // From the top of the page, Tab reaches the Datasets link and Enter opens it, focus on its heading.
    // Page-side expressions as strings: the tests compile without the DOM's types.
    await page.evaluate('document.activeElement && document.activeElement.blur()');
    let reached = false;
    for (let i = 0; i < 15 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = (await page.evaluate("document.activeElement && document.activeElement.textContent")) === 'Datasets';
    }
    assert.ok(reached, 'Tab never reached the Datasets link');
    await page.keyboard.press('Enter');
    await page.getByRole('table', { name: 'Column policies of platform' }).waitFor();
    assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'page-title');
    assert.match(await page.locator('main').innerText(), /dishonest_debtor\s+\S+\s+sensitive/);
    await shot(page, '06-datasets');
    // The steward's usage report for data providers downloads as the same self-contained page the CLI writes.
    const [usage] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download usage report of platform' }).click()]);
    const usageFile = join(ARTIFACTS, usage.suggestedFilename());
    await usage.saveAs(usageFile);
    assert.match(readFileSync(usageFile, 'utf8'), /<title>Dataset usage: platform<\/title>/);
    await page.getByRole('link', { name: 'Consents' }).click();
    await page.getByRole('table', { name: /Consent records by status/ }).waitFor();
    assert.match(await page.locator('main').innerText(), /bank-a\s+training/);
    await shot(page, '07-consents');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByText('The audit chain is intact').waitFor();
    assert.match(await page.locator('main').innerText(), /job\.approve|approved/);
    // Actors by name and role, not by id; details as "key: value" text, not JSON.
    const api = await t.client('steward').request<{ entries: { actor: string; action: string }[]; principals: Record<string, { name: string; role: string; org: string }> }>('GET', 'v1/audit', { query: { limit: 100 } });
    const submitter = api.entries.find((e) => e.action === 'job.submitted')!.actor;
    assert.deepEqual(api.principals[submitter], { name: 'alice', role: 'bank', org: 'bank-a' });
    const actors = await page.locator('table.audit tbody tr td:nth-child(3)').allInnerTexts();
    assert.ok(actors.length >= 10);
    for (const actor of actors) assert.doesNotMatch(actor, /p_[0-9a-f]{8}-/, `an actor shown as an id: ${actor}`);
    assert.ok(actors.some((a) => /alice\s+bank · bank-a/.test(a)), 'the bank user by name and role');
    const details = (await page.locator('table.audit tbody tr td:nth-child(6)').allInnerTexts()).join('\n');
    assert.doesNotMatch(details, /[{}"]/);
    assert.match(details, /from:\s*submitted\s+to:\s*approved/);
    assert.equal(await page.evaluate(FITS_WINDOW), '', 'the audit page fits the window');
    await shot(page, '08-audit');
    await assertReadable(page);
  });

  it("shows a bank its own jobs and results, with its model to download, but never the steward's queue", async () => {
    const page = await signedIn(t.tokens.bankB);
    const nav = await page.locator('#nav').innerText();
    assert.doesNotMatch(nav, /Review queue|Withheld|Audit|Consents/);
    await page.getByRole('heading', { name: /Jobs of bank-b/ }).waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /console-scorecard/);
    await page.goto(`${t.enclave.url}/console/#/queue`);
    await page.getByText('This page is for the steward role').waitFor();
    assert.doesNotMatch(await page.locator('main').innerText(), /console-scorecard|bank-a/);
    await shot(page, '09-bank-no-queue');
    await page.goto(`${t.enclave.url}/console/#/jobs/${jobId}`);
    await page.getByText('Not found, or not visible to your organization').waitFor();

    const owner = await signedIn(t.tokens.bankA);
    await owner.goto(`${t.enclave.url}/console/#/jobs/${jobId}`);
    const [pmml] = await Promise.all([owner.waitForEvent('download'), owner.getByRole('button', { name: 'Download PMML' }).click()]);
    const saved = join(ARTIFACTS, pmml.suggestedFilename());
    await pmml.saveAs(saved);
    assert.equal(new PmmlDocument(readFileSync(saved, 'utf8')).kind, 'Scorecard');
    assert.doesNotMatch(await owner.locator('main').innerText(), /Risk flags|small cohort/i);
    await shot(owner, '10-bank-results');
  });

  it('keeps the page the user moved to when the page it left answers late', async () => {
    const page = await signedIn(t.tokens.bankA);
    await page.getByRole('link', { name: 'Datasets' }).click();
    await page.getByRole('heading', { name: 'Datasets' }).waitFor();
    // The jobs list answers 1.5 s late: its page must not replace the Uploads page opened meanwhile.
    await page.route('**/v1/jobs', async (route) => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      await route.continue();
    });
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByRole('link', { name: 'Uploads' }).click();
    await page.getByRole('table', { name: 'Uploaded tables, newest first' }).waitFor();
    await new Promise((resolve) => setTimeout(resolve, 2500));
    assert.equal(await page.getByRole('table', { name: 'Uploaded tables, newest first' }).count(), 1, 'the late jobs page replaced the uploads page');
    assert.equal(await page.locator('#page-title').innerText(), 'Uploads of bank-a');
  });

  it('lets a bank score new applicants with its joint model: its own features in, full scores shown and saved', async () => {
    const spec = { name: 'joint-for-applicants', purpose: 'scoring applicants', bank: { upload: 'customers', columns: BANK_COLUMNS }, platform: { dataset: 'platform', columns: SPREAD }, label: 'default_12m', model: { family: 'scorecard' } };
    const joint = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
    await t.client('steward').request('POST', `v1/jobs/${joint}/approve`, { json: {} });
    assert.equal(await waitForJob(t, joint), 'released');
    const bank = parseCsv(readFileSync(t.files.bank, 'utf8'), 'bank');
    const keep = ['id', ...BANK_COLUMNS].map((c) => bank.header.indexOf(c));
    const rows = bank.rows.slice(100, 125).map((r) => keep.map((j) => r[j]));
    await grantScoring(t, rows.slice(0, 20).map((r) => r[0]));
    const csv = formatCsv(['id', ...BANK_COLUMNS], rows);

    const page = await signedIn(t.tokens.bankA);
    await page.goto(`${t.enclave.url}/console/#/jobs/${joint}`);
    await page.getByRole('heading', { name: 'Score new applicants' }).waitFor();
    await page.getByRole('button', { name: 'Score applicants' }).click();
    await page.getByText('Choose a CSV file of your applicants first').waitFor();
    await page.getByLabel('Applicants CSV').setInputFiles({ name: 'applicants.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.getByRole('button', { name: 'Score applicants' }).click();
    const scores = page.getByRole('table', { name: /^Scores of \d+ applicants/ });
    await scores.waitFor();
    // The page shows what the API answers for the same file (probability to 4 decimals, points to 2).
    const api = await t.client('bankA').request<{ scores: { id: string; score: number; points: number }[]; refused: { id: string; reason: string }[] }>('POST', `v1/jobs/${joint}/applicants`, { csv: Buffer.from(csv) });
    assert.ok(api.scores.length >= 15 && api.refused.length >= 1, `${api.scores.length} scored, ${api.refused.length} refused`);
    const shown = await scores.innerText();
    for (const s of api.scores) assert.match(shown, new RegExp(`${s.id}\\s+${s.score.toFixed(4)}\\s+${s.points.toFixed(2)}`));
    const refusedTable = await page.getByRole('table', { name: /^Refused/ }).innerText();
    for (const r of api.refused) assert.ok(refusedTable.includes(r.id) && refusedTable.includes(r.reason), r.id);
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download scores CSV' }).click()]);
    const file = join(ARTIFACTS, saved.suggestedFilename());
    await saved.saveAs(file);
    assert.equal(parseCsv(readFileSync(file, 'utf8'), 'scores').rows.length, api.scores.length);
    await shot(page, '10d-bank-applicants');
  });

  it('shows the feature selection a job ran: the kept features and the released path', async () => {
    const id = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: jointSpec('scorecard', { name: 'selected-scorecard', platform: { dataset: 'platform', columns: SPREAD }, selection: { method: 'forward', criterion: 'aic', maxFeatures: 3 } }) })).id;
    await t.client('steward').request('POST', `v1/jobs/${id}/approve`, { json: {} });
    assert.equal(await waitForJob(t, id), 'released');
    const results = await t.client('bankA').request<{ released: { selection: { features: string[]; path: { step: number; feature: string }[] } } }>('GET', `v1/jobs/${id}/results`);
    const page = await signedIn(t.tokens.bankA);
    await page.goto(`${t.enclave.url}/console/#/jobs/${id}`);
    const path = page.getByRole('table', { name: 'Selection path' });
    await path.waitFor();
    assert.equal(await path.locator('tbody tr').count(), results.released.selection.path.length);
    assert.match(await page.locator('main').innerText(), new RegExp(`Feature selection kept ${results.released.selection.features.length} features: ${results.released.selection.features.join(', ')}`));
  });

  it("gives a bank its uploads and its budgets as pages: epsilon, and scoring counts k-safe", async () => {
    // A platform-only model, scored in the clear for 20 consented enterprises, so the model budget has something to count.
    const spec = { name: 'platform-only-lr', purpose: 'scoring', bank: { upload: 'customers' }, platform: { dataset: 'platform', columns: SPREAD }, label: 'default_12m', model: { family: 'lr' } };
    const scorer = (await t.client('bankA').request<{ id: string }>('POST', 'v1/jobs', { json: spec })).id;
    await t.client('steward').request('POST', `v1/jobs/${scorer}/approve`, { json: {} });
    assert.equal(await waitForJob(t, scorer), 'released');
    const ids = parseCsv(readFileSync(t.files.platform, 'utf8'), 'platform').rows.slice(0, 20).map((r) => r[0]);
    await grantScoring(t, ids);
    const scored = await t.client('bankA').request<{ scores: unknown[] }>('POST', 'v1/score', { json: { job: scorer, ids } });
    assert.equal(scored.scores.length, 20);

    const page = await signedIn(t.tokens.bankA);
    await page.getByRole('link', { name: 'Uploads' }).click();
    const uploads = await t.client('bankA').request<{ uploads: { id: string; name: string; rows: number }[] }>('GET', 'v1/uploads');
    const row = page.getByRole('row', { name: /customers/ });
    await row.waitFor();
    assert.equal(await row.locator('[data-upload]').getAttribute('title'), uploads.uploads[0].id);
    assert.match(await row.innerText(), new RegExp(`loan_amount_10k[\\s\\S]*${uploads.uploads[0].rows}`));
    await shot(page, '10b-bank-uploads');
    await page.getByRole('link', { name: 'Budgets' }).click();
    await page.getByRole('heading', { name: 'Budgets of bank-a' }).waitFor();
    const text = await page.locator('main').innerText();
    const privacy = await t.client('bankA').request<{ budget: number; remaining: number }>('GET', 'v1/privacy/budget');
    assert.match(text, new RegExp(`Epsilon budget\\s+Granted\\s+Spent\\s+Left\\s+${privacy.budget}\\s`));
    // The bank's counts as the API releases them to it (k-safe, rounded), never more exact than that.
    const mine = await t.client('bankA').request<{ banks: { models: number; byModels: { models: number; enterprises: number | null }[] }[] }>('GET', 'v1/scoring/budget/platform');
    assert.equal(mine.banks.length, 1);
    const [{ models, enterprises }] = mine.banks[0].byModels;
    assert.ok(enterprises !== null && enterprises >= 10);
    assert.match(text, new RegExp(`${enterprises} by ${models} model`));
    await shot(page, '10c-bank-budgets');
    await assertReadable(page);

    // Another bank sees none of it.
    const other = await signedIn(t.tokens.bankB);
    await other.getByRole('link', { name: 'Uploads' }).click();
    await other.getByText('You have uploaded no table yet').waitFor();
    await other.getByRole('link', { name: 'Budgets' }).click();
    await other.getByText('No enterprise was scored on platform').waitFor();
    assert.doesNotMatch(await other.locator('main').innerText(), /bank-a|customers/);
  });

  it('never shows a value the release check withheld, on the job page or in its report', async () => {
    const page = await signedIn(t.tokens.steward);
    await page.goto(`${t.enclave.url}/console/#/jobs/${canaryId}`);
    await page.getByText('Withheld by the release check').waitFor();
    await page.getByRole('button', { name: 'Open report' }).click();
    const report = page.frameLocator('iframe[title^="Model report"]');
    await report.getByRole('heading', { name: /Model report/ }).waitFor();
    const pageText = await page.locator('main').innerText();
    const reportText = await report.locator('body').innerText();
    for (const canary of WITHHELD_CANARIES) {
      assert.ok(!pageText.includes(canary), `withheld ${canary} on the job page`);
      assert.ok(!reportText.includes(canary), `withheld ${canary} in the report`);
    }
    // The released train AUC is shown, so the checks above look at a page that shows figures.
    assert.ok(pageText.includes(RELEASED_CANARY));
    await shot(page, '11-withheld-job');
    await page.getByRole('link', { name: 'Withheld' }).click();
    const row = page.getByRole('row', { name: /canary/ }).first();
    await row.waitFor();
    assert.match(await page.locator('main').innerText(), /test metrics: a label class has fewer than about 10 test rows/);
    for (const canary of WITHHELD_CANARIES) assert.ok(!(await page.locator('main').innerText()).includes(canary));
    await shot(page, '12-withheld-list');
    await assertReadable(page);
  });

  it('opens a saved report offline, every chart titled and both axes labelled', async () => {
    const file = join(ARTIFACTS, 'report.html');
    writeFileSync(file, (await t.call('bankA', 'GET', `/v1/jobs/${jobId}/report`)).text);
    const context = await browser.newContext({ offline: true, viewport: { width: 1200, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(`file://${file}`);
    const charts = page.locator('svg.chart');
    assert.ok((await charts.count()) >= 5);
    for (const chart of await charts.all()) {
      assert.ok(((await chart.getAttribute('aria-labelledby')) ?? '').length > 0);
      assert.equal(await chart.locator('.axis-label').count(), 2);
      assert.ok(((await chart.locator('.chart-title').textContent()) ?? '').length > 0);
    }
    assert.deepEqual(requests, [`file://${file}`]);
    await shot(page, '13-report-offline');
  });

  it('the layout check finds an id broken across lines, a cell that spills over and a page wider than the window', async () => {
    // The check itself, on a page made to fail it: an id in a narrow box that breaks anywhere, and a too-wide block.
    const page = await signedIn(t.tokens.steward);
    // Once the first page is drawn, so the drawing does not replace what is added below.
    await page.locator('main [data-view]').waitFor();
    await page.evaluate(`(() => {
      const box = document.createElement('p');
      box.style.cssText = 'width: 60px; overflow-wrap: anywhere';
      box.textContent = 'job j_0123456789abcdef_broken';
      const marked = document.createElement('span');
      marked.setAttribute('data-ident', '');
      marked.style.cssText = 'display: inline-block; width: 40px; overflow-wrap: anywhere';
      marked.textContent = 'console-scorecard';
      document.getElementById('main').append(box, marked);
    })()`);
    const broken = (await page.evaluate(BROKEN_IDS)) as { problems: string[] };
    assert.ok(broken.problems.some((p) => p.includes('j_0123456789abcdef_broken')), broken.problems.join('; '));
    assert.ok(broken.problems.some((p) => p.includes('marked id on several lines: console-scorecard')), broken.problems.join('; '));
    await page.evaluate(`document.getElementById('main').insertAdjacentHTML('beforeend', '<table style="table-layout: fixed; width: 200px"><tr><td style="width: 40px; white-space: nowrap">Organization</td><td>x</td></tr></table>')`);
    assert.match((await page.evaluate(FITS_WINDOW)) as string, /a table cell overflows: "Organization"/);
    await page.evaluate(`document.getElementById('main').append(Object.assign(document.createElement('div'), { style: 'width: 1500px', textContent: 'wide' }))`);
    assert.match((await page.evaluate(FITS_WINDOW)) as string, /scrolls sideways|reaches/);
  });

  it('fits every page in a 1280 px window with no id broken mid-word, for a steward and for a bank', async () => {
    // Long ids in the queue, two cards side by side: the narrowest place an id is shown.
    const long = 'quarterly_default_model-for-small-enterprises_with_a_long_name_26';
    for (const name of [long.slice(0, 64), 'second-in-queue']) await t.client('bankA').request('POST', 'v1/jobs', { json: jointSpec('lr', { name }) });
    const pages: [string, string[]][] = [
      ['steward', ['queue', 'jobs', `jobs/${jobId}`, `jobs/${canaryId}`, 'running', 'withheld', 'uploads', 'budget', 'datasets', 'consents', 'audit']],
      ['bankA', ['jobs', `jobs/${jobId}`, 'running', 'uploads', 'budget', 'datasets']],
    ];
    for (const [who, paths] of pages) {
      const page = await signedIn(t.tokens[who as 'steward' | 'bankA']);
      for (const path of paths) {
        await page.goto(`${t.enclave.url}/console/#/${path}`);
        await page.locator(`main [data-view="${path.replace('/', '')}"]`).waitFor();
        const where = `${who} #/${path}`;
        // Folded parts (a job's spec) are checked unfolded, as a reader would open them.
        await page.evaluate("document.querySelectorAll('main details').forEach((d) => { d.open = true; })");
        assert.equal(await page.evaluate(FITS_WINDOW), '', `${where} is wider than the window`);
        const ids = (await page.evaluate(BROKEN_IDS)) as { problems: string[]; marked: number; words: number };
        assert.deepEqual(ids.problems, [], `${where}: ${ids.problems.join('; ')}`);
        // Every page but Running (nothing trains by now) shows ids: the check must have looked at some.
        if (path !== 'running') assert.ok(ids.marked + ids.words > 0, `${where} shows no id at all: the check looked at nothing`);
        await assertReadable(page);
        await shot(page, `20-${who}-${path.replace(/\//g, '-').replace(/^jobs-.*/, (m) => (m.includes(jobId) ? 'job-released' : 'job-withheld'))}`);
      }
    }
  });

  it('loaded nothing from outside the enclave', () => {
    assert.deepEqual(offsite, []);
  });
});
