import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, BrowserContext, chromium, Page } from 'playwright-core';
import { MemoryClient } from '../src/client';
import { EventLog } from '../src/events/event-log';
import { StreamHub } from '../src/stream/stream-hub';
import { memoryCreated, publishBurst } from './support/stream-helpers';
import { startTestApp, TestApp } from './support/test-app';

/** Debian's package; `.ci/run` installs it. */
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const inCi = process.env.CI === 'true';
const runnable = inCi || existsSync(CHROMIUM);
if (!runnable) {
  console.warn(
    `Skipping the dashboard's browser tests: ${CHROMIUM} is missing (apt-get install chromium). Under CI=true they run, and fail without it.`,
  );
}

interface OpenedPage {
  page: Page;
  /** Console errors and uncaught exceptions, in order. */
  errors: string[];
  /** Every stream URL the page's EventSource asked for. */
  streamUrls: URL[];
}

(runnable ? describe : describe.skip)('the live dashboard in headless Chromium', () => {
  let t: TestApp;
  let key: string;
  let api: MemoryClient;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  async function openDashboard(context?: BrowserContext): Promise<OpenedPage> {
    const owned = context ?? (await browser.newContext({ viewport: { width: 1280, height: 900 } }));
    if (!context) contexts.push(owned);
    const page = await owned.newPage();
    const errors: string[] = [];
    const streamUrls: URL[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname === '/api/v1/stream') streamUrls.push(url);
    });
    await page.goto(`${t.url}/`, { waitUntil: 'load' });
    return { page, errors, streamUrls };
  }

  async function connectWithKey(page: Page, remember = false): Promise<void> {
    await page.fill('#api-key', key);
    if (remember) await page.check('#remember');
    await page.click('#connect');
    await page.waitForSelector('#connection[data-state="live"]', { timeout: 5000 });
  }

  const row = (page: Page, type: string, text: string) =>
    page.locator(`#event-list li[data-type="${type}"]`, { hasText: text });

  beforeAll(async () => {
    t = await startTestApp({ HEALTH_INTERVAL_SECONDS: '1', ANALYTICS_INTERVAL_SECONDS: '1' });
    key = await t.createKey('acme', 'alice');
    api = new MemoryClient({ apiKey: key, baseUrl: t.url });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
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
    for (const context of contexts.splice(0)) await context.close();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('loads without console errors', async () => {
    const { page, errors } = await openDashboard();
    await expect(page.title()).resolves.toBe('mnemo · live');
    await expect(page.textContent('#connection-label')).resolves.toBe('Not connected');
    expect(errors).toEqual([]);
  });

  it('shows a memory created through the API within two seconds, with counts and service status', async () => {
    const { page, errors, streamUrls } = await openDashboard();
    await connectWithKey(page);
    // The native EventSource, opened with a ticket, never with the key.
    expect(streamUrls).toHaveLength(1);
    expect(streamUrls[0].searchParams.get('ticket')).toMatch(/^\S{32,}$/);
    expect(streamUrls[0].href).not.toContain(key);

    const memory = await api.createMemory({
      title: 'Auth notes',
      content: 'Tokens rotate every hour',
      memory_type: 'knowledge',
      tags: ['auth'],
    });
    const createdAt = Date.now();
    await row(page, 'memory.created', memory.id).waitFor({ timeout: 2000 });
    expect(Date.now() - createdAt).toBeLessThan(2000);

    await page.waitForSelector('#health-status[data-status="healthy"]', { timeout: 5000 });
    await expect(page.textContent('#health-services')).resolves.toContain('database: healthy');

    await api.updateMemory(memory.id, { tags: ['auth', 'security'] });
    await api.createMemory({ title: 'Standup', content: 'Ship the dashboard', tags: ['team'] });
    // Searches are counted per analytics window: the search comes last, so the window that
    // holds it also sees both memories.
    await api.searchMemories({ query: 'tokens' });
    // Page code is given as strings: this project's TypeScript knows no DOM.
    await page.waitForFunction(
      `document.getElementById('memories-total').textContent === '2' &&
       document.getElementById('searches').textContent === '1'`,
      undefined,
      { timeout: 5000 },
    );
    await row(page, 'memory.updated', memory.id).waitFor({ timeout: 2000 });

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    await expect(page.evaluate<number>('localStorage.length')).resolves.toBe(0);
    expect(errors).toEqual([]);
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

  it('reconnects with a fresh ticket after the server drops the stream, losing and repeating nothing', async () => {
    const { page, streamUrls } = await openDashboard();
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
    // The browser's own retry (spent ticket, refused), then a new ticket resuming from the last id.
    const tickets = streamUrls.map((url) => url.searchParams.get('ticket'));
    expect(tickets).toHaveLength(3);
    expect(tickets[1]).toBe(tickets[0]);
    expect(tickets[2]).not.toBe(tickets[0]);
    expect(streamUrls[2].searchParams.get('last_event_id')).toMatch(/\S/);
  });

  it('keeps the key in memory only, unless the user asks to remember it', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const first = await openDashboard(context);
    await connectWithKey(first.page, true);
    await expect(
      first.page.evaluate<string | null>("localStorage.getItem('mnemo.apiKey')"),
    ).resolves.toBe(key);

    const again = await openDashboard(context);
    await again.page.waitForSelector('#connection[data-state="live"]', { timeout: 5000 });
    await again.page.click('#disconnect');
    await again.page.uncheck('#remember');
    await expect(again.page.evaluate<number>('localStorage.length')).resolves.toBe(0);
  });
});
