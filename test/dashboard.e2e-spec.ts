import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { AnalyticsPublisher } from '../src/activity/analytics.publisher';
import { MemoryClient } from '@mnemo/client';
import { EventLog } from '../src/events/event-log';
import { DomainEvent } from '../src/events/event-map';
import { StreamHub } from '../src/stream/stream-hub';
import { bearer } from './support/http';
import { openStream, SseStream } from './support/sse-client';
import { memoryCreated, publishBurst } from './support/stream-helpers';
import { startTestApp, TestApp } from './support/test-app';

/** Debian's package; `.ci/run` installs it. */
const CHROMIUM = '/usr/bin/chromium';
/**
 * Screenshots go to test-artifacts/, or to docs/ (the README's pictures) with
 * DASHBOARD_SCREENSHOTS=docs, so that a test run does not rewrite tracked files.
 */
const SCREENSHOTS = join(
  __dirname,
  '..',
  process.env.DASHBOARD_SCREENSHOTS === 'docs' ? 'docs' : 'test-artifacts',
);
const inCi = process.env.CI === 'true';
const runnable = inCi || existsSync(CHROMIUM);
if (!runnable) {
  console.warn(
    `Skipping the dashboard's browser tests: ${CHROMIUM} is missing (apt-get install chromium). Under CI=true they run, and fail without it.`,
  );
}

/** A phone, a larger phone, a tablet, a laptop. */
const WIDTHS = [360, 390, 768, 1280];
/** Narrower than this, an event's text wraps every few words. */
const MIN_SUMMARY_WIDTH_PX = 200;

interface OpenedPage {
  page: Page;
  /** Console errors, uncaught exceptions and failed or refused requests, in order. */
  problems: string[];
  /** Every stream request the page made, with its headers. */
  streamRequests: { url: URL; headers: Record<string, string> }[];
}

(runnable ? describe : describe.skip)('the live dashboard in headless Chromium', () => {
  let t: TestApp;
  let key: string;
  let api: MemoryClient;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const streams: SseStream[] = [];

  async function openDashboard(
    width = 1280,
    context?: BrowserContext,
    beforeLoad?: (page: Page) => Promise<void>,
  ): Promise<OpenedPage> {
    const owned = context ?? (await browser.newContext({ viewport: { width, height: 900 } }));
    if (!context) contexts.push(owned);
    const page = await owned.newPage();
    const problems: string[] = [];
    const streamRequests: OpenedPage['streamRequests'] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page: ${error.message}`));
    page.on('requestfailed', (request) =>
      problems.push(`failed: ${request.url()} ${request.failure()?.errorText}`),
    );
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()}: ${response.url()}`);
    });
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/v1/stream')
        streamRequests.push({ url, headers: request.headers() });
    });
    await beforeLoad?.(page);
    await page.goto(`${t.url}/`, { waitUntil: 'load' });
    return { page, problems, streamRequests };
  }

  async function connectWithKey(page: Page, remember = false): Promise<void> {
    await page.fill('#api-key', key);
    if (remember) await page.check('#remember');
    await page.click('#connect');
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 5000 });
  }

  // Page code is given as strings: this project's TypeScript knows no DOM.
  const text = (page: Page, selector: string) =>
    page.evaluate<string>(`document.querySelector(${JSON.stringify(selector)}).textContent`);
  const fitsTheScreen = (page: Page) =>
    page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth');
  const chartTotal = (page: Page) =>
    page.evaluate<number>("Number(document.getElementById('chart-total').dataset.total)");
  const legendCount = async (page: Page, type: string) =>
    Number(await text(page, `#chart-legend li[data-type="${type}"] .count`));
  const chartPixels = (page: Page) =>
    page.evaluate<string>("document.querySelector('#chart canvas').toDataURL()");

  const row = (page: Page, type: string, content: string) =>
    page.locator(`#event-list li[data-type="${type}"]`, { hasText: content });
  const summaryWidth = async (page: Page, id: string) =>
    (await row(page, 'memory.created', id).locator('.summary').boundingBox())?.width;

  beforeAll(async () => {
    // The periodic events are an hour apart: whatever fills the panels sooner came from the API.
    t = await startTestApp({ HEALTH_INTERVAL_SECONDS: '3600', ANALYTICS_INTERVAL_SECONDS: '3600' });
    key = await t.createKey('acme', 'alice');
    api = new MemoryClient({ apiKey: key, baseUrl: t.url });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
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
  });
  afterEach(async () => {
    for (const stream of streams.splice(0)) stream.close();
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('loads without console errors or failed requests, its icon included', async () => {
    const { page, problems } = await openDashboard();
    await expect(page.title()).resolves.toBe('mnemo · live');
    await expect(text(page, '#connection-label')).resolves.toBe('Not connected');
    const icon = await page.request.get(`${t.url}/favicon.ico`);
    expect(icon.status()).toBe(200);
    expect(problems).toEqual([]);
  });

  describe.each(WIDTHS)('at %i px wide', (width) => {
    it('fits the screen, fills its panels at once, keeps rows readable and charts what arrives', async () => {
      const { page, problems } = await openDashboard(width);
      await connectWithKey(page);

      // Filled from the API within a few seconds, not after the hour-long periodic events.
      await page.waitForFunction(
        `document.getElementById('health-status').dataset.status === 'healthy' &&
         document.getElementById('health-services').textContent.includes('database: healthy') &&
         document.getElementById('memories-total').textContent !== '–' &&
         document.getElementById('active-connections').textContent === '1'`,
        undefined,
        { timeout: 5000 },
      );
      const totalBefore = Number(await text(page, '#memories-total'));
      const chartBefore = {
        created: await legendCount(page, 'memory.created'),
        searched: await legendCount(page, 'search.performed'),
      };
      const pixelsBefore = await chartPixels(page);

      const memory = await api.createMemory({
        title: `Seen at ${width} px`,
        content: `A long, unbroken word wraps inside its row: ${'x'.repeat(300)}`,
        metadata: { note: 'y'.repeat(400) },
        tags: ['layout'],
      });
      await api.searchMemories({ query: 'unbroken' });
      await row(page, 'memory.created', memory.id).waitFor({ timeout: 2000 });
      await row(page, 'search.performed', 'unbroken').waitFor({ timeout: 2000 });
      await page.waitForFunction(
        `document.getElementById('memories-total').textContent === '${totalBefore + 1}' &&
         document.getElementById('searches').textContent !== '0'`,
        undefined,
        { timeout: 5000 },
      );

      await expect(legendCount(page, 'memory.created')).resolves.toBe(chartBefore.created + 1);
      await expect(legendCount(page, 'search.performed')).resolves.toBe(chartBefore.searched + 1);
      await expect(chartTotal(page)).resolves.toBeGreaterThanOrEqual(2);
      await expect(chartPixels(page)).resolves.not.toBe(pixelsBefore);

      const closed = await summaryWidth(page, memory.id);
      expect(closed).toBeGreaterThan(MIN_SUMMARY_WIDTH_PX);
      const created = row(page, 'memory.created', memory.id);
      await created.locator('.toggle').click();
      await created.locator('pre').waitFor({ state: 'visible' });
      // Open, the data takes a row of its own: the summary keeps its width.
      await expect(summaryWidth(page, memory.id)).resolves.toBe(closed);
      await expect(fitsTheScreen(page)).resolves.toBe(true);
      await created.locator('.toggle').click();

      mkdirSync(SCREENSHOTS, { recursive: true });
      await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${width}.png`), fullPage: true });
      if (width === 1280) await page.screenshot({ path: join(SCREENSHOTS, 'dashboard.png') });
      expect(problems).toEqual([]);
    });
  });

  it('keeps the panels live from the stream after the first reading', async () => {
    const { page, problems } = await openDashboard();
    await connectWithKey(page);
    await page.waitForSelector('#health-status[data-status="healthy"]', { timeout: 3000 });
    // Stamped a minute ahead, so the page cannot be showing the first reading's time instead.
    const [health] = (await publishBurst(t.app.get(EventLog), [
      {
        type: 'system.health',
        organizationId: null,
        data: {
          status: 'healthy',
          timestamp: new Date(Date.now() + 60_000).toISOString(),
          metrics: { cpu_usage: 1, memory_usage: 2, response_time: 3, error_rate: 0 },
          services: { api: 'healthy', database: 'healthy', search: 'healthy' },
        },
      },
    ])) as DomainEvent<'system.health'>[];
    await page.waitForFunction(
      `document.getElementById('health-updated').textContent ===
        'As of ' + new Date(${JSON.stringify(health.data.timestamp)}).toLocaleTimeString()`,
      undefined,
      { timeout: 3000 },
    );
    await api.createMemory({ content: 'counted in the window' });
    await t.app.get(AnalyticsPublisher).publish();
    await row(page, 'analytics.update', 'memor').waitFor({ timeout: 3000 });
    await expect(text(page, '#counts-updated')).resolves.toContain('the last 3600 s');
    expect(problems).toEqual([]);
  });

  it('says why when the key has every stream open, and waits as the server said', async () => {
    for (let i = 0; i < 5; i++) {
      streams.push(await openStream(`${t.url}/api/v1/stream`, { headers: bearer(key) }));
    }
    const { page, problems, streamRequests } = await openDashboard(390, undefined, (p) =>
      p.clock.install(),
    );
    await page.fill('#api-key', key);
    await page.click('#connect');
    await page.waitForSelector('#connection[data-state="waiting"]', { timeout: 5000 });
    await expect(text(page, '#key-message')).resolves.toBe(
      'Too many connections: at most 5 concurrent streams per API key',
    );
    // Retry-After: one slot lease, as every slot is held by a live stream of this one process.
    const leaseSeconds = t.config.stream.slotLeaseMs / 1000;
    await expect(text(page, '#connection-detail')).resolves.toBe(`retrying in ${leaseSeconds} s`);
    await expect(fitsTheScreen(page)).resolves.toBe(true);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-limited.png') });

    // Nothing is asked again before that.
    await page.clock.runFor((leaseSeconds - 1) * 1000);
    await expect(text(page, '#connection-detail')).resolves.toBe('retrying in 1 s');
    expect(streamRequests).toHaveLength(1);

    streams.shift()?.close();
    await page.clock.runFor(2000);
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 5000 });
    expect(streamRequests).toHaveLength(2);
    await expect(text(page, '#key-message')).resolves.toBe('');
    // The one refusal (the browser logs it too), and nothing else.
    expect(problems).toEqual([
      `429: ${t.url}/api/v1/stream`,
      'console: Failed to load resource: the server responded with a status of 429 (Too Many Requests)',
    ]);
  });

  it('stops, in red, saying why, when the key is refused', async () => {
    const { page, streamRequests } = await openDashboard(360);
    await page.fill('#api-key', 'mnemo_not_a_real_key');
    await page.click('#connect');
    await page.waitForSelector('#connection[data-state="stopped"]', { timeout: 5000 });
    await expect(text(page, '#key-message')).resolves.toBe('Invalid API key');
    await expect(page.getAttribute('#key-message', 'data-tone')).resolves.toBe('error');
    await expect(page.isVisible('#connect')).resolves.toBe(true);
    expect(streamRequests).toHaveLength(1);
  });

  it('reconnects by itself after the server drops the stream, losing and repeating nothing', async () => {
    const { page, problems, streamRequests } = await openDashboard();
    await connectWithKey(page);
    const before = await api.createMemory({ content: 'before the drop' });
    await row(page, 'memory.created', before.id).waitFor({ timeout: 2000 });

    t.app.get(StreamHub).closeAll('shutdown', () => ({
      code: 'CONNECTION_ERROR',
      message: 'test',
      retry_after: 0,
    }));
    // Published in the same tick as the drop: only a resume from the last id can show it.
    const [gap] = await publishBurst(t.app.get(EventLog), [memoryCreated('acme', 7)]);
    const gapId = (gap.data as { id: string }).id;
    await row(page, 'memory.created', gapId).waitFor({ timeout: 10_000 });
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 5000 });
    const after = await api.createMemory({ content: 'after the drop' });
    await row(page, 'memory.created', after.id).waitFor({ timeout: 2000 });

    for (const id of [before.id, gapId, after.id]) {
      expect({ id, rows: await row(page, 'memory.created', id).count() }).toEqual({ id, rows: 1 });
    }
    // The page's own second request, resuming from the last id: no retry of a spent request.
    expect(streamRequests).toHaveLength(2);
    expect(streamRequests[0].headers['last-event-id']).toBeUndefined();
    expect(streamRequests[1].headers['last-event-id']).toMatch(/\S/);
    for (const { url } of streamRequests) expect(url.href).not.toContain(key);
    expect(problems).toEqual([]);
  });

  it('reconnects when heartbeats stop coming, as a silently dead connection would', async () => {
    const { page, streamRequests } = await openDashboard(1280, undefined, (p) => p.clock.install());
    await connectWithKey(page);
    await page.waitForFunction(
      "document.getElementById('connection-detail').textContent.startsWith('heartbeat')",
    );
    // The next heartbeat is due in 30 s; two and a half of them (75 s) missed, the page gives up
    // on the connection. (The page's clock also runs on its own: 70 s leaves it a margin.)
    await page.clock.runFor(70_000);
    expect(streamRequests).toHaveLength(1);
    await page.clock.runFor(5_000 + 1_000); // and a jittered second at most before retrying
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 5000 });
    expect(streamRequests).toHaveLength(2);
    expect(streamRequests[1].headers['last-event-id']).toMatch(/\S/);
  });

  it('disconnects quietly and leaves no stale figures behind', async () => {
    const { page, problems } = await openDashboard(390);
    await connectWithKey(page);
    const memory = await api.createMemory({ content: 'charted, then forgotten' });
    await row(page, 'memory.created', memory.id).waitFor({ timeout: 2000 });
    await page.waitForFunction("document.getElementById('memories-total').textContent !== '–'");

    await page.click('#disconnect');
    await page.waitForSelector('#connection[data-state="idle"]');
    await expect(text(page, '#connection-label')).resolves.toBe('Not connected');
    await expect(text(page, '#key-message')).resolves.toBe('');
    for (const figure of ['#memories-total', '#searches', '#health-cpu', '#active-connections']) {
      await expect(text(page, figure)).resolves.toBe('–');
    }
    await expect(page.getAttribute('#health-status', 'data-status')).resolves.toBe('unknown');
    await expect(chartTotal(page)).resolves.toBe(0);
    // The stream the user ended, and nothing in the console.
    expect(problems).toEqual([`failed: ${t.url}/api/v1/stream net::ERR_ABORTED`]);
  });

  it('filters the list by type and holds new events while paused', async () => {
    const { page } = await openDashboard();
    await connectWithKey(page);
    await page.selectOption('#type-filter', 'memory.created');
    await page.click('#pause');
    const held = await api.createMemory({ content: 'arrives while paused' });
    await page.waitForSelector('#pause:text("Resume (")', { timeout: 2000 });
    expect(await row(page, 'memory.created', held.id).count()).toBe(0);

    await page.click('#pause');
    await row(page, 'memory.created', held.id).waitFor({ timeout: 2000 });
    const visibleRows = await page.locator('#event-list li:not([hidden])').all();
    const visibleTypes = await Promise.all(visibleRows.map((li) => li.getAttribute('data-type')));
    expect(new Set(visibleTypes)).toEqual(new Set(['memory.created']));
  });

  it('keeps the key in memory only, unless the user asks to remember it', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const first = await openDashboard(1280, context);
    await connectWithKey(first.page);
    await expect(first.page.evaluate<number>('localStorage.length')).resolves.toBe(0);
    await first.page.click('#disconnect');
    await connectWithKey(first.page, true);
    await expect(
      first.page.evaluate<string | null>("localStorage.getItem('mnemo.apiKey')"),
    ).resolves.toBe(key);

    const again = await openDashboard(1280, context);
    await again.page.waitForSelector('#connection[data-state="live"]', { timeout: 5000 });
    await again.page.click('#disconnect');
    await again.page.uncheck('#remember');
    await expect(again.page.evaluate<number>('localStorage.length')).resolves.toBe(0);
  });
});
