import { DomainEvent } from '../events/event-map';

export type ControlEventType = 'heartbeat' | 'error' | 'stream.reset';

const encoded = new WeakMap<DomainEvent, Buffer>();

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
