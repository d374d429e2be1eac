import { createParser, EventSourceMessage } from 'eventsource-parser';
import { retryAfterMs } from './backoff';

export interface AttemptCallbacks {
  /** The server accepted: 200 with an event stream. */
  onOpen(): void;
  /** Any bytes arrived (the watchdog's food). */
  onActivity(): void;
  onEvent(message: EventSourceMessage): void;
  onRetry(ms: number): void;
  /** The clock's time, against which a Retry-After date is read. */
  now(): number;
}

/** How one connection ended. */
export type AttemptEnd =
  | { kind: 'ended' }
  | { kind: 'failed'; error: unknown }
  | {
      kind: 'refused';
      status: number;
      code: string;
      message: string;
      /** From Retry-After, else the framed error's retry_after. */
      retryAfter?: number;
    };

interface ErrorBody {
  code?: unknown;
  message?: unknown;
  retry_after?: unknown;
}

/** A refusal's body: the API's JSON error, or the same framed as an SSE `error` event. */
function readErrorBody(text: string, contentType: string): ErrorBody {
  let json = text;
  if (contentType.includes('text/event-stream')) {
    json = '';
    const parser = createParser({
      onEvent: (message) => {
        if (message.event === 'error') json = message.data;
      },
    });
    parser.feed(text);
    parser.feed('\n\n');
  }
  try {
    const parsed: unknown = JSON.parse(json);
    return typeof parsed === 'object' && parsed !== null ? (parsed as ErrorBody) : {};
  } catch {
    return {};
  }
}

async function refusal(response: Response, now: number): Promise<AttemptEnd> {
  const contentType = response.headers.get('content-type') ?? '';
  const body = readErrorBody(await response.text().catch(() => ''), contentType);
  const fromHeader = retryAfterMs(response.headers.get('retry-after'), now);
  return {
    kind: 'refused',
    status: response.status,
    code: typeof body.code === 'string' ? body.code : `HTTP_${response.status}`,
    message:
      typeof body.message === 'string'
        ? body.message
        : `The server answered ${response.status} ${response.statusText}`.trim(),
    retryAfter: fromHeader ?? (typeof body.retry_after === 'number' ? body.retry_after : undefined),
  };
}

/**
 * One streaming request, read to its end with a spec-compliant parser. Never throws: a network
 * failure or an abort comes back as `failed`.
 */
export async function runAttempt(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  callbacks: AttemptCallbacks,
): Promise<AttemptEnd> {
  try {
    const response = await fetch(url, { headers, signal });
    callbacks.onActivity();
    if (response.status !== 200) return await refusal(response, callbacks.now());
    if (!(response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
      await response.body?.cancel();
      return {
        kind: 'refused',
        status: response.status,
        code: 'INVALID_RESPONSE',
        message: `Expected text/event-stream, got ${response.headers.get('content-type')}`,
      };
    }
    callbacks.onOpen();
    const parser = createParser({ onEvent: callbacks.onEvent, onRetry: callbacks.onRetry });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { kind: 'ended' };
      callbacks.onActivity();
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch (error) {
    return { kind: 'failed', error };
  }
}
