import { existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '@router/testing';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, serve, type GatewayServer } from '../src/index.ts';
import { simulatorFaults, simulatorModels, testModels, testRouter } from './fixtures/router.ts';

// Debian's Chromium (`apt-get install chromium`; .ci/run installs it): browser downloads do not work on these machines.
const browserPath = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) => path && existsSync(path));

const messages = [{ role: 'user', content: 'Hello, status page.' }];

let sim: Simulator;
let server: GatewayServer;
let browser: Browser | undefined;

beforeAll(async () => {
  sim = await startSimulator({ models: simulatorModels, faults: simulatorFaults });
  const gateway = createGateway({ router: testRouter(sim.baseURL('openai')), models: [testModels.chat, testModels.flaky], statusRefreshMs: 200, log: false });
  server = await serve(gateway, { port: 0 });
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
  await sim?.close();
});

const chat = (model: string): Promise<Response> =>
  fetch(`${server.url}/v1/chat/completions`, { method: 'POST', body: JSON.stringify({ model, messages }), headers: { 'content-type': 'application/json' } });

describe('the status page in headless Chromium', { timeout: 60_000 }, () => {
  it('renders, updates itself, and shows a breaker opening', async () => {
    if (browserPath === undefined) throw new Error('No Chromium found: apt-get install -y chromium, or set CHROMIUM_PATH.');
    browser = await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    expect(await page.title()).toBe('router-gateway');
    const flaky = page.locator(`tr[data-model="${testModels.flaky}"]`);
    await expect(flaky.locator('.breaker').textContent()).resolves.toBe('closed');
    const first = join(tmpdir(), 'router-gateway-status-1.png');
    await page.screenshot({ path: first, fullPage: true });
    expect(statSync(first).size).toBeGreaterThan(1000);

    // A call shows up in the recent requests without a reload.
    expect((await chat(testModels.chat)).status).toBe(200);
    await page.locator('#recent', { hasText: testModels.chat }).waitFor();
    await expect(page.locator('#backends').textContent()).resolves.toContain('sim');

    // One failure opens the flaky route's breaker (threshold 1); the page turns it red by itself.
    sim.addFault({ model: testModels.flaky, fault: { kind: 'status', status: 500 }, times: 1 });
    expect((await chat(testModels.flaky)).status).toBe(502);
    await page.waitForSelector(`tr[data-model="${testModels.flaky}"] .breaker-open`);
    await expect(page.locator('#backends').textContent()).resolves.toContain('flaky');
    await expect(page.locator('#recent').textContent()).resolves.not.toContain('/status.html');
    const second = join(tmpdir(), 'router-gateway-status-2.png');
    await page.screenshot({ path: second, fullPage: true });
    expect(statSync(second).size).toBeGreaterThan(1000);
  });
});

describe('the status page over HTTP', () => {
  it('escapes what clients chose, such as a model id', async () => {
    await chat('<img src=x onerror=alert(1)>');
    const fragment = await (await fetch(`${server.url}/status.html`)).text();
    expect(fragment).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(fragment).not.toContain('<img');
  });

  it('is off by default when the gateway asks for keys', async () => {
    const keyed = await serve(createGateway({ router: testRouter(sim.baseURL('openai')), keys: [{ key: 'gw-status-key-0123456789' }], log: false }), { port: 0 });
    try {
      expect((await fetch(`${keyed.url}/`)).status).toBe(404);
    } finally {
      await keyed.close();
    }
  });
});
