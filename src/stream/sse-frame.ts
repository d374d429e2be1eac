import { DomainEvent } from '../events/event-map';

export type ControlEventType = 'heartbeat' | 'error' | 'stream.reset';

const CRLF = Buffer.from('\r\n');

/** One SSE frame, encoded once, with its HTTP/1.1 chunk form built on first use and kept. */
export class SseFrame {
  private chunked?: Buffer;

  constructor(readonly bytes: Buffer) {}

  get length(): number {
    return this.bytes.length;
  }

  /** `<hex length>\r\n<frame>\r\n`: a shared event frame costs one socket write per connection. */
  get chunk(): Buffer {
    this.chunked ??= Buffer.concat([
      Buffer.from(`${this.bytes.length.toString(16)}\r\n`),
      this.bytes,
      CRLF,
    ]);
    return this.chunked;
  }
}

const encoded = new WeakMap<DomainEvent, SseFrame>();

function frame(type: string, id: string, data: unknown): SseFrame {
  // JSON.stringify never emits CR or LF, so data is always one line.
  return new SseFrame(Buffer.from(`event: ${type}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`));
}

/** The wire form of a domain event, encoded once and shared by every connection that sends it. */
export function eventFrame(event: DomainEvent): SseFrame {
  let shared = encoded.get(event);
  if (!shared) {
    shared = frame(event.type, event.id, event.data);
    encoded.set(event, shared);
  }
  return shared;
}

export function controlFrame(type: ControlEventType, id: string, data: unknown): SseFrame {
  return frame(type, id, data);
}

export function retryFrame(milliseconds: number): SseFrame {
  return new SseFrame(Buffer.from(`retry: ${milliseconds}\n\n`));
}
