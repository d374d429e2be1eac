import { Injectable } from '@nestjs/common';
import { Redis } from 'ioredis';
import { createHash } from 'node:crypto';
import { needsRedis } from '../redis/needs-redis';
import { IssuedTicket, newTicket, StreamTickets, TICKET_TTL_SECONDS } from './stream-tickets';

const ticketKey = (ticket: string) => `ticket:${createHash('sha256').update(ticket).digest('hex')}`;

/** Tickets shared by every instance: issued on one, redeemed once on any. */
@Injectable()
export class RedisStreamTickets extends StreamTickets {
  constructor(private readonly redis: Redis) {
    super();
  }

  async issue(keyId: string): Promise<IssuedTicket> {
    const ticket = newTicket();
    const expiresAt = Date.now() + TICKET_TTL_SECONDS * 1000;
    // Redis forgets the ticket a little after it expires; the expiry itself is checked on redeem.
    await needsRedis(this.redis, () =>
      this.redis.set(
        ticketKey(ticket),
        `${expiresAt} ${keyId}`,
        'PX',
        TICKET_TTL_SECONDS * 1000 + 5000,
      ),
    );
    return { ticket, expires_at: new Date(expiresAt).toISOString() };
  }

  // GETDEL reads and forgets in one step, so a ticket is redeemed once however many race for it.
  async redeem(ticket: string): Promise<string | null> {
    const value = await needsRedis(this.redis, () => this.redis.getdel(ticketKey(ticket)));
    if (!value) return null;
    const [expiresAt, keyId] = value.split(' ');
    return Number(expiresAt) > Date.now() ? keyId : null;
  }
}
