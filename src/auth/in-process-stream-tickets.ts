import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { IssuedTicket, newTicket, StreamTickets, TICKET_TTL_SECONDS } from './stream-tickets';

function hash(ticket: string): string {
  return createHash('sha256').update(ticket).digest('hex');
}

@Injectable()
export class InProcessStreamTickets extends StreamTickets {
  /** By hash of the ticket; insertion order is expiry order, as every ticket lives as long. */
  private readonly tickets = new Map<string, { keyId: string; expiresAt: number }>();

  async issue(keyId: string): Promise<IssuedTicket> {
    this.forgetExpired();
    const ticket = newTicket();
    const expiresAt = Date.now() + TICKET_TTL_SECONDS * 1000;
    this.tickets.set(hash(ticket), { keyId, expiresAt });
    return { ticket, expires_at: new Date(expiresAt).toISOString() };
  }

  async redeem(ticket: string): Promise<string | null> {
    const key = hash(ticket);
    const entry = this.tickets.get(key);
    this.tickets.delete(key);
    return entry && entry.expiresAt > Date.now() ? entry.keyId : null;
  }

  private forgetExpired(): void {
    const now = Date.now();
    for (const [key, entry] of this.tickets) {
      if (entry.expiresAt > now) break;
      this.tickets.delete(key);
    }
  }
}
