import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SearchModule } from '../search/search.module';
import { DatabaseHealthIndicator } from './database.health';
import { HealthController } from './health.controller';
import { HttpStatsRecorder } from './http-stats.recorder';
import { ProcessStatsSampler } from './process-stats.sampler';
import { SystemHealthController } from './system-health.controller';
import { SystemHealthPublisher } from './system-health.publisher';

/** Probes, the HTTP timings, and the system.health publisher and its on-demand reading. */
@Module({
  // DatabaseHealthIndicator logs each failed check with its cause; terminus would repeat it.
  imports: [TerminusModule.forRoot({ logger: false }), SearchModule],
  controllers: [HealthController, SystemHealthController],
  providers: [
    DatabaseHealthIndicator,
    HttpStatsRecorder,
    ProcessStatsSampler,
    SystemHealthPublisher,
  ],
})
export class HealthModule {}
