import { decideHealth, DEGRADED_ERROR_RATE_PERCENT } from './health-status';

const allWell = { databaseUp: true, searchUp: true, errorRatePercent: 0 };

describe('decideHealth', () => {
  it('is healthy when every dependency answers and few requests fail', () => {
    expect(decideHealth({ ...allWell, errorRatePercent: DEGRADED_ERROR_RATE_PERCENT })).toEqual({
      status: 'healthy',
      services: { api: 'healthy', database: 'healthy', search: 'healthy' },
    });
  });

  it('is unhealthy when the database does not answer, whatever else holds', () => {
    expect(decideHealth({ ...allWell, databaseUp: false })).toEqual({
      status: 'unhealthy',
      services: { api: 'healthy', database: 'unhealthy', search: 'healthy' },
    });
    expect(decideHealth({ databaseUp: false, searchUp: false, errorRatePercent: 100 }).status).toBe(
      'unhealthy',
    );
  });

  it('is degraded when search does not answer but the database does', () => {
    expect(decideHealth({ ...allWell, searchUp: false })).toEqual({
      status: 'degraded',
      services: { api: 'healthy', database: 'healthy', search: 'unhealthy' },
    });
  });

  it('is degraded, with the api degraded, when more than 5% of recent answers are 5xx', () => {
    expect(DEGRADED_ERROR_RATE_PERCENT).toBe(5);
    expect(decideHealth({ ...allWell, errorRatePercent: 5.01 })).toEqual({
      status: 'degraded',
      services: { api: 'degraded', database: 'healthy', search: 'healthy' },
    });
  });
});
