import { SystemHealthData } from '../events/event-map';

export type HealthStatus = SystemHealthData['status'];

/**
 * Above this share of 5xx answers (percent, over the recent window) the API counts as degraded:
 * a few failures a minute are noise, one request in twenty failing is not.
 */
export const DEGRADED_ERROR_RATE_PERCENT = 5;

export interface HealthFindings {
  databaseUp: boolean;
  searchUp: boolean;
  errorRatePercent: number;
}

export interface HealthVerdict {
  status: HealthStatus;
  services: { api: HealthStatus; database: HealthStatus; search: HealthStatus };
}

/**
 * Without the database nothing works: unhealthy. Without search, or with too many 5xx answers, the
 * service still stores and serves memories: degraded.
 */
export function decideHealth(findings: HealthFindings): HealthVerdict {
  const services: HealthVerdict['services'] = {
    api: findings.errorRatePercent > DEGRADED_ERROR_RATE_PERCENT ? 'degraded' : 'healthy',
    database: findings.databaseUp ? 'healthy' : 'unhealthy',
    search: findings.searchUp ? 'healthy' : 'unhealthy',
  };
  let status: HealthStatus = 'healthy';
  if (!findings.databaseUp) status = 'unhealthy';
  else if (!findings.searchUp || services.api !== 'healthy') status = 'degraded';
  return { status, services };
}
