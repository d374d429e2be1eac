import { isType, SseStream } from './sse-client';
import { waitUntil } from './waits';

/** The contract's deadline: a revoked key's streams get nothing published later than this after the revoke. */
export const REVOCATION_DEADLINE_MS = 1000;

/**
 * Revokes a key with `revoke` (the keys CLI, another process) while `create` keeps publishing
 * memories that `streams` (all of that key) select, and checks the contract on each stream:
 * AUTH_ERROR arrives and ends it, and no memory whose creation was asked for more than a second
 * after `revoke` returned reaches it.
 */
export async function expectClosedWithinDeadline(
  streams: SseStream[],
  revoke: () => Promise<void>,
  create: () => Promise<string>,
): Promise<void> {
  const created: { id: string; sentAt: number }[] = [];
  let writing = true;
  const writer = (async () => {
    while (writing) {
      const sentAt = Date.now();
      created.push({ id: await create(), sentAt });
    }
  })();
  try {
    await revoke();
    const deadline = Date.now() + REVOCATION_DEADLINE_MS;
    for (const stream of streams) {
      const error = await stream.waitFor(isType('error'), 10_000, 'the AUTH_ERROR event');
      expect(error.json).toMatchObject({ code: 'AUTH_ERROR', retry_after: 0 });
      await stream.ended;
      expect(stream.events.at(-1)).toBe(error);
    }
    // Keep writing past the deadline, so that a stream left open would have had something to get.
    await waitUntil(
      () => created.filter(({ sentAt }) => sentAt > deadline).length >= 5,
      10_000,
      'five memories written past the deadline',
    );
    const late = new Set(created.filter(({ sentAt }) => sentAt > deadline).map(({ id }) => id));
    for (const stream of streams) {
      const received = stream.events.filter(isType('memory.created')).map((e) => e.json.id);
      expect(received.filter((id) => late.has(id as string))).toEqual([]);
    }
  } finally {
    writing = false;
    await writer;
  }
}
