/**
 * Event ids are `<epoch>-<sequence>`: the epoch names the log that issued them (the time its table
 * was created, in milliseconds) and the sequence is the event's position in it, in commit order. Heartbeats and errors carry a resume point: the id of the last
 * event their connection has fully handled, a `~`, and a suffix that keeps the id unique.
 */
export interface EventPosition {
  epoch: number;
  sequence: number;
}

const EVENT_ID = /^(\d{1,16})-(\d{1,16})$/;

export function formatEventId(position: EventPosition): string {
  return `${position.epoch}-${position.sequence}`;
}

/** The position a sent id stands for (an event id or a resume point), or null when malformed. */
export function parseResumeId(id: string): EventPosition | null {
  const match = EVENT_ID.exec(id.split('~', 1)[0]);
  return match ? { epoch: Number(match[1]), sequence: Number(match[2]) } : null;
}

export function resumePointId(eventId: string, uniqueSuffix: string): string {
  return `${eventId}~${uniqueSuffix}`;
}

export function compareEventIds(a: string, b: string): number {
  const pa = parseResumeId(a);
  const pb = parseResumeId(b);
  if (!pa || !pb) throw new Error(`Not event ids: ${a}, ${b}`);
  return pa.epoch - pb.epoch || pa.sequence - pb.sequence;
}
