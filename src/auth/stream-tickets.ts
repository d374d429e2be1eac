/** A short-lived, single-use stand-in for an API key, for browsers' EventSource (no headers). */
export interface IssuedTicket {
  ticket: string;
  expires_at: string;
}

export const TICKET_TTL_SECONDS = 60;

/** Where tickets live: in this process by default; shared by every instance when scaled out. */
export abstract class StreamTickets {
  abstract issue(keyId: string): Promise<IssuedTicket>;
  /** The key the ticket was issued for, once; null when unknown, used or expired. */
  abstract redeem(ticket: string): Promise<string | null>;
}
