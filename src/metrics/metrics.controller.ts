import { Controller, Get, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { MetricsService } from './metrics.service';

/** The Prometheus scrape endpoint, outside /api/v1 and without a key: it holds no tenant data. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text exposition format' })
  // Written straight to the socket: Express's send() would reorder the content type's parameters.
  async scrape(@Res() response: Response): Promise<void> {
    const { registry } = this.metrics;
    const body = await registry.metrics();
    response.setHeader('Content-Type', registry.contentType);
    response.end(body);
  }
}
