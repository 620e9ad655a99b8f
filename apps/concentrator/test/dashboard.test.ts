/**
 * The dashboard in headless Chromium (Debian's /usr/bin/chromium driven by playwright-core): the page
 * shows the mapped devices, a reading published on MQTT appears without a reload, and a device added
 * through the form shows up. Skipped with a message when Chromium is not installed.
 */
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import type { Concentrator } from '../src/index.js';
import { call, publisher, reading, startTestConcentrator, tempDir } from './helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium)
  console.warn(`${CHROMIUM} is absent: the dashboard test is skipped (apt-get install chromium)`);

const KEY = 'dashboard-key-1';
const EUI = '70b3d5e75e00d001';

describe.skipIf(!hasChromium)('dashboard in headless Chromium', () => {
  let c: Concentrator;
  let browser: Browser;
  const tmp = tempDir();
  beforeAll(async () => {
    c = await startTestConcentrator({ dataDir: tmp.dir, apiKeys: [{ key: KEY, scopes: ['read', 'write'] }] });
    await call(
      c,
      'POST',
      '/devices',
      { device_eui: EUI, tenant_id: 'web', logical_address: 2101, description: 'dashboard meter' },
      KEY,
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--no-first-run',
        '--disable-sync',
      ],
    });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await c?.close();
    tmp.remove();
  });

  it('shows a reading published on MQTT without a reload, and adds a device from the form', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${c.ports.http}/`);
    await page.waitForSelector(`#devices tr[data-eui="${EUI}"]`);
    expect(await page.textContent(`#devices tr[data-eui="${EUI}"]`)).toContain('no reading yet');
    expect(await page.locator('#cache tbody tr').count()).toBe(0);

    const pub = await publisher(c.mqttUrl);
    await pub.publishAsync(
      `hes/reading/web/${EUI}`,
      JSON.stringify(reading(EUI, 'web', { volume_m3: 321.5 })),
      { qos: 1 },
    );
    await pub.endAsync();
    const row = page.locator(`#cache tr[data-eui="${EUI}"]`);
    await row.waitFor({ timeout: 10_000 });
    expect(await row.locator('td.volume').textContent()).toBe('321.5');
    expect(await row.textContent()).toContain('leak, low_battery');
    expect(await row.textContent()).toContain('2101');

    await page.fill('input[name=device_eui]', '70b3d5e75e00d002');
    await page.fill('input[name=tenant_id]', 'web');
    await page.fill('input[name=logical_address]', '2102');
    await page.fill('input[name=api_key]', KEY);
    await page.click('#add-device button[type=submit]');
    await page.waitForSelector('#devices tr[data-eui="70b3d5e75e00d002"]');
    expect((await call(c, 'GET', '/devices/70b3d5e75e00d002')).body.logical_address).toBe(2102);
    // A refused add shows the API's message.
    await page.fill('input[name=device_eui]', '70b3d5e75e00d003');
    await page.fill('input[name=logical_address]', '2102');
    await page.click('#add-device button[type=submit]');
    await page.waitForSelector('#form-message.error');
    expect(await page.textContent('#form-message')).toMatch(/2102 is taken/);
    expect(errors).toEqual([]);
    await page.close();
  }, 30_000);
});
