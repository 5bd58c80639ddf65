import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { buildEligo, LogCapture, reserveServer, startEhr, type ReservedServer, type RunningEhr } from '../smart/harness';

const SCREENSHOTS = path.resolve(__dirname, '../../docs/screenshots');

/** Debian's Chromium, headless, no network beyond 127.0.0.1, a fresh profile (--user-data-dir) per run. */
async function launchChromium(profile: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profile, {
    executablePath: '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1366, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

async function appFrame(page: Page): Promise<Frame> {
  const handle = await page.waitForSelector('iframe[name="smart-app"]');
  const frame = await handle.contentFrame();
  if (!frame) throw new Error('the EHR page has no app frame');
  return frame;
}

describe('a clinician launches eligo from the sandbox EHR in Chromium', () => {
  let app: ReservedServer;
  let ehr: RunningEhr;
  let browser: BrowserContext;
  let profile: string;
  const logs = new LogCapture();

  beforeAll(async () => {
    profile = mkdtempSync(path.join(tmpdir(), 'eligo-chromium-'));
    mkdirSync(SCREENSHOTS, { recursive: true });
    app = await reserveServer();
    ehr = await startEhr(app.url);
    app.mount(buildEligo({ appBaseUrl: app.url, iss: ehr.fhirBaseUrl, log: logs.logger, smart: { frameAncestors: [ehr.sandboxUrl], writeBack: true } }).app);
    browser = await launchChromium(profile);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await ehr?.stop();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('shows the outcome per trial and each criterion with its evidence, inside the EHR frame', async () => {
    const page = await browser.newPage();
    await page.goto(`${ehr.sandboxUrl}/`);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'sandbox-launcher.png') });
    await page.click('a[data-patient="ssc-potential"]');

    const frame = await appFrame(page);
    await frame.waitForSelector('h1:has-text("trial screening")');
    // The screening date and leukapheresis date a coordinator enters.
    await frame.fill('input[name="asOf"]', '2026-06-15');
    await frame.fill('input[name="leukapheresis"]', '2026-07-01');
    await frame.click('button:has-text("Screen again")');
    await frame.waitForSelector('section.trial');

    const sscOutcome = frame.locator('section#t-ssc-cart h2 .outcome');
    await expect(sscOutcome.textContent()).resolves.toBe('Potential candidate');
    const fvcRow = frame.locator('tr[data-criterion="ssc.inc.refractory_or_progressive"]');
    await expect(fvcRow.locator('.status').textContent()).resolves.toBe('Met');
    const evidence = await fvcRow.locator('ul.evidence').innerText();
    expect(evidence).toContain('72 %');
    expect(evidence).toContain('2026-01-20');
    expect(evidence).toContain('Observation/ssc-potential-obs3');
    const link = await fvcRow.locator('ul.evidence a').first().getAttribute('href');
    expect(link).toBe(`${ehr.fhirBaseUrl}/Observation/ssc-potential-obs2`);
    await expect(frame.locator('section#t-ssc-cart figure.chart').count()).resolves.toBeGreaterThan(0);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'report-in-ehr-frame.png') });

    // The coordinator writes the result back from inside the EHR frame (a CSRF-protected form post).
    await frame.click('section#t-ssc-cart form.writeback button');
    const notice = await frame.waitForSelector('p.notice');
    expect(await notice.textContent()).toMatch(/^Written to the EHR for CAR-T cell therapy in refractory or progressive diffuse cutaneous systemic sclerosis: [1-9]\d* resource/);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'report-written-back.png') });

    const full = await page.context().newPage();
    await full.setViewportSize({ width: 1280, height: 800 });
    await full.goto(frame.url());
    await full.emulateMedia({ media: 'print' });
    await full.screenshot({ path: path.join(SCREENSHOTS, 'report-print.png') });
    await full.emulateMedia({ media: 'screen' });
    await full.locator('section#t-ssc-cart').screenshot({ path: path.join(SCREENSHOTS, 'report-trial-section.png') });
    await full.close();
    await page.close();
  }, 60_000);

  it('never logs the access token or the patient name', () => {
    expect(logs.text).toContain('smart.session.created');
    expect(logs.text).not.toMatch(/ssc potential/i);
    expect(logs.text).not.toMatch(/access_token|accessToken|refresh_token/);
  });
});
