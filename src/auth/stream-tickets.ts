import { randomBytes } from 'node:crypto';

/** A short-lived, single-use stand-in for an API key, for browsers' EventSource (no headers). */
export interface IssuedTicket {
  ticket: string;
  expires_at: string;
}

export const TICKET_TTL_SECONDS = 60;

/** What every ticket starts with, so that it is recognized wherever it turns up (logs, say). */
export const TICKET_PREFIX = 'tkt_';

/** A ticket is `tkt_<43 chars of base64url: 256 random bits>`. */
export function newTicket(): string {
  return `${TICKET_PREFIX}${randomBytes(32).toString('base64url')}`;
}

/** Where tickets live: in this process by default; shared by every instance when scaled out. */
export abstract class StreamTickets {
  abstract issue(keyId: string): Promise<IssuedTicket>;
  /** The key the ticket was issued for, once; null when unknown, used or expired. */
  abstract redeem(ticket: string): Promise<string | null>;
}
