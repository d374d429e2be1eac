import { Inject, Injectable } from '@nestjs/common';
import { CompiledQuery } from 'kysely';
import { DATABASE } from '../database/database.module';
import { Database } from '../database/database.types';
import { Probe } from './probe';

const PING = CompiledQuery.raw('select 1');

/** The database answers a trivial query. */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    @Inject(DATABASE) private readonly db: Database,
    private readonly probe: Probe,
  ) {}

  isHealthy<const Key extends string>(key: Key) {
    return this.probe.check(key, () => this.db.executeQuery(PING));
  }
}
