import request from 'supertest';
import { ApiKeyService } from '../src/auth/api-key.service';
import { isType, openStream, SseStream } from './support/sse-client';
import { postMemory } from './support/http';
import { startTestApp, TestApp } from './support/test-app';

const STREAM = '/api/v1/stream';
const TICKETS = '/api/v1/stream/tickets';

describe('stream tickets (EventSource cannot send headers)', () => {
  let t: TestApp;
  let key: string;
  const open: SseStream[] = [];

  const issue = (withKey = key) =>
    request(t.url).post(TICKETS).set('Authorization', `Bearer ${withKey}`);
  const issueTicket = async (withKey = key): Promise<{ ticket: string; expires_at: string }> => {
    const response = await issue(withKey);
    expect(response.status).toBe(201);
    return response.body;
  };
  /** A stream opened as a browser's EventSource would: the query string and no credentials header. */
  const openWithQuery = async (query: string): Promise<SseStream> => {
    const stream = await openStream(`${t.url}${STREAM}?${query}`);
    open.push(stream);
    return stream;
  };
  const withTicket = (ticket: string, query = '') =>
    openWithQuery(`ticket=${encodeURIComponent(ticket)}${query}`);
  const createMemory = (content: string, withKey = key) => postMemory(t.url, withKey, { content });
  /** The refusal of a stream request, read as an SSE client reads it. */
  async function expectRefused(stream: SseStream, status: number, code: string): Promise<void> {
    expect(stream.status).toBe(status);
    await stream.ended;
    expect(stream.events.map((e) => [e.event, e.json.code])).toEqual([['error', code]]);
  }

  beforeAll(async () => {
    t = await startTestApp();
    key = await t.createKey('acme', 'alice');
  });
  afterEach(() => {
    jest.restoreAllMocks();
    for (const stream of open.splice(0)) stream.close();
  });
  afterAll(() => t?.close());

  it('issues a ticket valid for 60 seconds to a key with stream:read (201)', async () => {
    const before = Date.now();
    const response = await issue();
    const after = Date.now();
    expect(response.status).toBe(201);
    expect(Object.keys(response.body).sort()).toEqual(['expires_at', 'ticket']);
    expect(response.body.ticket).toEqual(expect.stringMatching(/^\S{32,}$/));
    expect(response.body.ticket).not.toContain(key);
    const expiresAt = Date.parse(response.body.expires_at);
    expect(new Date(expiresAt).toISOString()).toBe(response.body.expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 60_000);
    expect(expiresAt).toBeLessThanOrEqual(after + 60_000);
    const second = await issueTicket();
    expect(second.ticket).not.toBe(response.body.ticket);
  });

  it("opens a stream without an Authorization header and delivers the ticket key's organization's events", async () => {
    const otherKey = await t.createKey('globex', 'bob');
    const { ticket } = await issueTicket();
    const stream = await withTicket(ticket, '&events=memory.created');
    expect(stream.status).toBe(200);
    await createMemory('theirs', otherKey);
    const mine = await createMemory('mine');
    await stream.waitFor((e) => e.json.id === mine.id, 5000, 'the memory.created event');
    expect(stream.dataEvents().map((e) => e.json.id)).toEqual([mine.id]);
  });

  it('refuses the same ticket a second time with 401 AUTH_ERROR', async () => {
    const { ticket } = await issueTicket();
    const first = await withTicket(ticket);
    expect(first.status).toBe(200);
    await expectRefused(await withTicket(ticket), 401, 'AUTH_ERROR');
    const plain = await request(t.url)
      .get(STREAM)
      .query({ ticket })
      .set('Accept', 'text/event-stream, application/json');
    expect(plain.status).toBe(401);
    // The first stream is unaffected.
    const memory = await createMemory('still flowing');
    await first.waitFor((e) => e.json.id === memory.id, 5000, 'an event on the first stream');
  });

  it('accepts a ticket up to its expiry and refuses it from the 60th second on', async () => {
    const early = await issueTicket();
    const atExpiry = await issueTicket();
    const late = await issueTicket();
    const now = jest.spyOn(Date, 'now');

    now.mockReturnValue(Date.parse(early.expires_at) - 1);
    const accepted = await withTicket(early.ticket);
    now.mockRestore();
    expect(accepted.status).toBe(200);

    jest.spyOn(Date, 'now').mockReturnValue(Date.parse(atExpiry.expires_at));
    const refusedAtExpiry = await withTicket(atExpiry.ticket);
    jest.restoreAllMocks();
    await expectRefused(refusedAtExpiry, 401, 'AUTH_ERROR');

    jest.spyOn(Date, 'now').mockReturnValue(Date.parse(late.expires_at) + 60_000);
    const refusedLate = await withTicket(late.ticket);
    jest.restoreAllMocks();
    await expectRefused(refusedLate, 401, 'AUTH_ERROR');
  });

  it('refuses a ticket to a key without stream:read (403 FORBIDDEN)', async () => {
    const memoriesOnly = await t.createKey('acme', 'carol', ['memories:read', 'memories:write']);
    const response = await issue(memoriesOnly);
    expect(response.status).toBe(403);
    expect(response.body.code).toBe('FORBIDDEN');
    expect(response.body.ticket).toBeUndefined();
  });

  it('refuses a ticket without a key (401), and a ticket cannot buy another ticket', async () => {
    const anonymous = await request(t.url).post(TICKETS);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.code).toBe('AUTH_ERROR');
    const { ticket } = await issueTicket();
    const withTicketOnly = await request(t.url).post(TICKETS).query({ ticket });
    expect(withTicketOnly.status).toBe(401);
  });

  it('refuses the ticket of a key revoked after it was issued', async () => {
    const keys = t.app.get(ApiKeyService);
    const created = await keys.create({ organizationId: 'acme', userId: 'dave' });
    const { ticket } = await issueTicket(created.key);
    await keys.revoke(created.id);
    await expectRefused(await withTicket(ticket), 401, 'AUTH_ERROR');
  });

  it('is accepted by the stream only: other routes ignore it and leave it unspent', async () => {
    const { ticket } = await issueTicket();
    const list = await request(t.url).get('/api/v1/memories').query({ ticket });
    expect(list.status).toBe(401);
    const stream = await withTicket(ticket);
    expect(stream.status).toBe(200);
  });

  it('never authenticates a raw key in the URL', async () => {
    for (const query of [
      `api_key=${key}`,
      `key=${key}`,
      `apiKey=${key}`,
      `access_token=${key}`,
      `token=${key}`,
      `ticket=${key}`,
    ]) {
      const stream = await openWithQuery(query);
      expect({ query, status: stream.status }).toEqual({ query, status: expect.any(Number) });
      expect(stream.status).toBeGreaterThanOrEqual(400);
      expect(stream.status).toBeLessThan(500);
      await stream.ended;
      expect(stream.events.some(isType('heartbeat'))).toBe(false);
    }
  });

  it.each(['api_key', 'key'])(
    'refuses a raw key in ?%s= with 400 naming the parameter',
    async (name) => {
      for (const headers of [{}, { Authorization: `Bearer ${key}` }]) {
        const response = await request(t.url)
          .get(STREAM)
          .query({ [name]: key })
          .set(headers)
          .set('Accept', 'application/json, text/event-stream');
        expect({ headers, status: response.status }).toEqual({ headers, status: 400 });
        expect(response.text).toContain(name);
        expect(response.text).not.toContain(key);
      }
    },
  );
});
