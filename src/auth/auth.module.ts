import { Global, Module } from '@nestjs/common';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeyRepository } from './api-key.repository';
import { ApiKeyService } from './api-key.service';
import { InProcessStreamTickets } from './in-process-stream-tickets';
import { StreamTickets } from './stream-tickets';

@Global()
@Module({
  providers: [
    ApiKeyRepository,
    ApiKeyService,
    ApiKeyGuard,
    { provide: StreamTickets, useClass: InProcessStreamTickets },
  ],
  exports: [ApiKeyRepository, ApiKeyService, ApiKeyGuard, StreamTickets],
})
export class AuthModule {}
