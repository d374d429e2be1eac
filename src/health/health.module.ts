import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SearchModule } from '../search/search.module';
import { DatabaseHealthIndicator } from './database.health';
import { EventNoticesHealthIndicator } from './event-notices.health';
import { HealthController } from './health.controller';
import { HttpStatsRecorder } from './http-stats.recorder';
import { Probe } from './probe';
import { ProcessStatsSampler } from './process-stats.sampler';
import { SearchHealthIndicator } from './search.health';
import { SystemHealthController } from './system-health.controller';
import { SystemHealthPublisher } from './system-health.publisher';

/** Probes, the HTTP timings, and the system.health publisher and its on-demand reading. */
@Module({
  // Probe logs each failed check with its cause; terminus would repeat it.
  imports: [TerminusModule.forRoot({ logger: false }), SearchModule],
  controllers: [HealthController, SystemHealthController],
  providers: [
    Probe,
    DatabaseHealthIndicator,
    SearchHealthIndicator,
    EventNoticesHealthIndicator,
    HttpStatsRecorder,
    ProcessStatsSampler,
    SystemHealthPublisher,
  ],
})
export class HealthModule {}
