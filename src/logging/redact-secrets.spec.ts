import { generateApiKey } from '../auth/api-key.format';
import { looksLikeSecret, redactSecrets } from './redact-secrets';
import { newTicket } from '../auth/stream-tickets';

const percentEncodedWhole = (text: string) =>
  [...text].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('');

describe('redactSecrets', () => {
  const key = generateApiKey().key;
  const ticket = newTicket();

  it.each([
    ['a path segment', `GET /api/v1/memories/${key} 404`],
    ['a query parameter', `/api/v1/stream?ticket=${ticket}&events=memory.created`],
    ['a header value', `{"referer":"https://app.example/?k=${key}#x"}`],
    ['a header name', `{"${key}":"1"}`],
    ['an error message', `Error: property ${key} should not exist`],
    ['text running into it', `abc${key}def and x${ticket}y`],
  ])('removes keys and tickets from %s', (_where, text) => {
    const redacted = redactSecrets(text);
    expect(redacted).toContain('[REDACTED]');
    expect(redacted).not.toContain(key.slice(23));
    expect(redacted).not.toContain(ticket.slice(4));
  });

  it('removes a key whatever the case of its prefix and hex id', () => {
    expect(redactSecrets(`x ${key.slice(0, 22).toUpperCase()}${key.slice(22)} y`)).toBe(
      'x [REDACTED] y',
    );
  });

  it('removes a key or ticket cut short or with characters added', () => {
    expect(redactSecrets(`/m/${key.slice(0, -5)}`)).toBe('/m/[REDACTED]');
    expect(redactSecrets(`/m/${ticket.slice(0, 24)}`)).toBe('/m/[REDACTED]');
    expect(redactSecrets(`/m/${key}xyz/next`)).toBe('/m/[REDACTED]/next');
  });

  it('removes percent-encoded keys and tickets, once or twice encoded, in part or whole', () => {
    const partly = key.replace(/_/g, '%5F');
    const whole = percentEncodedWhole(key);
    const twice = encodeURIComponent(percentEncodedWhole(ticket));
    for (const encoded of [partly, whole, twice]) {
      expect(redactSecrets(`/api/v1/memories/${encoded}?a=b`)).toBe(
        '/api/v1/memories/[REDACTED]?a=b',
      );
    }
  });

  it('leaves ordinary text alone', () => {
    const text = [
      'mem_0123456789abcdef conn_0123456789abcdef key_0123456789abcdef',
      '1795493277944-0~7c87ead885d3f37e.1 2f1c8f3e-5c9a-4d8e-9f0a-3b2c1d0e9f8a',
      'mnemo_stream_connections_refused_total mnemo_english_stem tkt_short',
      '/api/v1/stream?filters=%7B%22user_id%22%3A%22user123%22%7D%20and%20%25%zz',
    ].join('\n');
    expect(redactSecrets(text)).toBe(text);
  });
});

describe('looksLikeSecret', () => {
  it('tells keys and tickets, encoded or not, from other identifiers', () => {
    expect(looksLikeSecret(generateApiKey().key)).toBe(true);
    expect(looksLikeSecret(encodeURIComponent(percentEncodedWhole(newTicket())))).toBe(true);
    expect(looksLikeSecret('trace-43')).toBe(false);
    expect(looksLikeSecret('2f1c8f3e-5c9a-4d8e-9f0a-3b2c1d0e9f8a')).toBe(false);
  });
});
