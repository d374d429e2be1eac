import { DomainEvent } from '../events/event-map';

export type ControlEventType = 'heartbeat' | 'error' | 'stream.reset';

const encoded = new WeakMap<DomainEvent, Buffer>();
const CRLF = Buffer.from('\r\n');

function frame(type: string, id: string, data: unknown): Buffer {
  // JSON.stringify never emits CR or LF, so data is always one line.
  return Buffer.from(`event: ${type}\nid: ${id}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The wire form of a domain event, encoded once and shared by every connection that sends it. */
export function eventFrame(event: DomainEvent): Buffer {
  let bytes = encoded.get(event);
  if (!bytes) {
    bytes = frame(event.type, event.id, event.data);
    encoded.set(event, bytes);
  }
  return bytes;
}

export function controlFrame(type: ControlEventType, id: string, data: unknown): Buffer {
  return frame(type, id, data);
}

export function retryFrame(milliseconds: number): Buffer {
  return Buffer.from(`retry: ${milliseconds}\n\n`);
}

const chunks = new WeakMap<Buffer, Buffer>();

/**
 * A frame as one HTTP/1.1 chunk (`<hex length>\r\n<frame>\r\n`), built once per frame, so that a
 * shared event frame costs one socket write per connection and nothing else.
 */
export function httpChunk(frame: Buffer): Buffer {
  let chunk = chunks.get(frame);
  if (!chunk) {
    chunk = Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, CRLF]);
    chunks.set(frame, chunk);
  }
  return chunk;
}
