import {
  Controller,
  Headers,
  Post,
  Query,
  Res,
  SetMetadata,
  Sse,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Observable } from 'rxjs';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { AcceptsStreamTicket, Authenticated } from '../auth/authenticated.decorator';
import { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { REQUIRED_SCOPES } from '../auth/scopes';
import { IssuedTicket, StreamTickets } from '../auth/stream-tickets';
import { ConnectionLimitGuard } from './connection-limit.guard';
import { EventStreamAcceptGuard } from './event-stream-accept.guard';
import { StreamHub } from './stream-hub';
import { StreamOptions } from './stream-options';
import { StreamQueryPipe } from './stream-query.pipe';
import { StreamRefusalFilter } from './stream-refusal.filter';
import { ApiStreamRoute, ApiTicketRoute } from './stream.api-docs';

@ApiTags('stream')
@Controller('stream')
@UseFilters(StreamRefusalFilter)
export class StreamController {
  constructor(
    private readonly hub: StreamHub,
    private readonly tickets: StreamTickets,
  ) {}

  // Guards run in this order: who is calling, can it read SSE, has its key a free slot.
  @Sse()
  @UseGuards(ApiKeyGuard, EventStreamAcceptGuard, ConnectionLimitGuard)
  @SetMetadata(REQUIRED_SCOPES, ['stream:read'])
  @AcceptsStreamTicket()
  @ApiStreamRoute()
  stream(
    @CurrentCaller() caller: Caller,
    @Query(StreamQueryPipe) options: StreamOptions,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() response: Response,
  ): Observable<never> {
    return this.hub.open(caller, options, response, lastEventId ?? options.lastEventId);
  }

  @Post('tickets')
  @Authenticated('stream:read')
  @ApiTicketRoute()
  issueTicket(@CurrentCaller() caller: Caller): Promise<IssuedTicket> {
    return this.tickets.issue(caller.keyId);
  }
}
