import { globalAgent } from 'node:http';
import { EventLog } from '../../src/events/event-log';
import { DomainEvent, EventInput, EventType } from '../../src/events/event-map';
import { SseStream } from './sse-client';

/**
 * Waits for the server to end `stream`, then drops Node's idle keep-alive connections to the
 * server, so that the next request starts on a fresh connection. Whether the connection of an
 * ended stream is safe to reuse (the server closes it; it must say so with `Connection: close`)
 * is tested on its own, in stream-pacing.e2e-spec.ts; other tests must not race that close.
 */
export async function serverEnded(stream: SseStream, url: string): Promise<void> {
  await stream.ended;
  const { host } = new URL(url);
  for (const [name, sockets] of Object.entries(globalAgent.freeSockets)) {
    if (name.startsWith(`${host}:`)) for (const socket of sockets ?? []) socket.destroy();
  }
}

/** A memory.created event for `organizationId`, numbered `n`, with `padding` extra characters. */
export function memoryCreated(
  organizationId: string,
  n: number,
  padding = 0,
): EventInput<'memory.created'> {
  return {
    type: 'memory.created',
    organizationId,
    data: {
      id: `mem_${n.toString(16).padStart(16, '0')}`,
      title: null,
      content: `event ${n}${'x'.repeat(padding)}`,
      memory_type: 'context',
      metadata: { n },
      tags: [],
      created_at: new Date().toISOString(),
      created_by: 'tester',
    },
  };
}

/**
 * Publishes every input in one synchronous run: they are committed in one transaction and reach
 * the streams as one burst. Resolves with the committed events.
 */
export async function publishBurst(log: EventLog, inputs: EventInput[]): Promise<DomainEvent[]> {
  const events = await Promise.all(inputs.map((input) => log.publish(input)));
  return events.map((event) => {
    if (!event) throw new Error('An event of the burst was not committed');
    return event;
  });
}

/** Any event as the log holds it, at position `n` of epoch 1 (`1-<n>`). */
export function asLogged<T extends EventType>(input: EventInput<T>, n = 1): DomainEvent<T> {
  return { ...input, id: `1-${n}`, position: n, publishedAt: 0, size: 0 } as DomainEvent<T>;
}

/** A memory.created event as the log holds it, at position `n` of epoch 1 (`1-<n>`). */
export function loggedEvent(n: number, organizationId = 'acme', padding = 0): DomainEvent {
  return asLogged(memoryCreated(organizationId, n, padding), n);
}
