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
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { Observable } from 'rxjs';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { AcceptsStreamTicket, Authenticated } from '../auth/authenticated.decorator';
import { Caller } from '../auth/caller';
import { CurrentCaller } from '../auth/current-caller.decorator';
import { REQUIRED_SCOPES } from '../auth/scopes';
import { IssuedTicket, StreamTickets } from '../auth/stream-tickets';
import { EVENT_TYPES } from '../events/event-map';
import { ConnectionLimitGuard } from './connection-limit.guard';
import { EventStreamAcceptGuard } from './event-stream-accept.guard';
import { StreamHub } from './stream-hub';
import { StreamOptions } from './stream-options';
import { StreamQueryPipe } from './stream-query.pipe';
import { StreamRefusalFilter } from './stream-refusal.filter';

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
  @ApiBearerAuth()
  @ApiProduces('text/event-stream')
  @ApiQuery({
    name: 'events',
    required: false,
    description: `Comma list or repeated; of ${EVENT_TYPES.join(', ')}`,
  })
  @ApiQuery({
    name: 'filters',
    required: false,
    description: 'filters[field]=value pairs, or one JSON object',
  })
  @ApiQuery({
    name: 'heartbeat',
    required: false,
    description: 'Seconds between heartbeats (default 30, max 300)',
  })
  @ApiQuery({
    name: 'last_event_id',
    required: false,
    description: 'Resume after this id (first connect)',
  })
  @ApiQuery({ name: 'ticket', required: false, description: 'A stream ticket, for browsers' })
  @ApiHeader({ name: 'Last-Event-ID', required: false })
  @ApiOkResponse({ description: 'Server-Sent Events' })
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
  @ApiCreatedResponse({
    description: 'A single-use ticket for GET /stream?ticket=, valid for 60 seconds',
  })
  issueTicket(@CurrentCaller() caller: Caller): Promise<IssuedTicket> {
    return this.tickets.issue(caller.keyId);
  }
}
