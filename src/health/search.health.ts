import { Injectable } from '@nestjs/common';
import { SearchRepository } from '../search/search.repository';
import { Probe } from './probe';

/** The memories' full-text index answers a query. */
@Injectable()
export class SearchHealthIndicator {
  constructor(
    private readonly search: SearchRepository,
    private readonly probe: Probe,
  ) {}

  isHealthy<const Key extends string>(key: Key) {
    return this.probe.check(key, () => this.search.probe());
  }
}
