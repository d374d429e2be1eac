// Unit specs live beside the code (src and bench, *.spec.ts); e2e suites drive the real server (test, *.e2e-spec.ts).
// Every suite runs on the embedded backend (SQLite, in-process bus); the repository and stream suites
// run again on the scale-out backend (PostgreSQL, Redis) when those servers answer, and under CI=true
// always, so that a missing server fails the run instead of skipping it.
const { Client } = require('pg');
const { Redis } = require('ioredis');

const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];

const common = {
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.ts$': swc },
  // The service's tests use the client from its source, as tsconfig.json's paths do.
  moduleNameMapper: { '^@mnemo/client$': '<rootDir>/clients/typescript/src' },
  testTimeout: 30000,
};

const SCALE_OUT_SUITES = [
  'memories',
  'bad-input',
  'stored-exactly',
  'null-filters',
  'search',
  'events',
  'activity',
  'stream',
  'stream-pacing',
  'stream-slow-consumer',
  'stream-revocation',
  'stream-tickets',
  'multi-instance',
  'leadership',
  'database-connections',
];

async function reachable() {
  const postgres = new Client({
    connectionString:
      process.env.MNEMO_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    connectionTimeoutMillis: 2000,
  });
  const redis = new Redis(process.env.MNEMO_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 2000,
  });
  const problems = [];
  await postgres.connect().then(
    () => postgres.end(),
    (e) => problems.push(`PostgreSQL: ${e.message}`),
  );
  await redis.connect().then(
    () => redis.quit(),
    (e) => problems.push(`Redis: ${e.message}`),
  );
  return problems;
}

module.exports = async () => {
  const projects = [
    {
      ...common,
      displayName: 'embedded',
      roots: [
        '<rootDir>/src',
        '<rootDir>/test',
        '<rootDir>/bench',
        '<rootDir>/clients/typescript/src',
      ],
      testRegex: '.*\\.(spec|e2e-spec)\\.ts$',
      testPathIgnorePatterns: [
        '/node_modules/',
        '(multi-instance|leadership|database-connections)\\.e2e-spec\\.ts$',
      ],
    },
  ];
  const problems = await reachable();
  if (problems.length > 0 && process.env.CI !== 'true') {
    console.warn(`Skipping the scale-out suites (PostgreSQL + Redis): ${problems.join('; ')}`);
  } else {
    projects.push({
      ...common,
      displayName: 'scale-out',
      roots: ['<rootDir>/test'],
      testRegex: `/(${SCALE_OUT_SUITES.join('|')})\\.e2e-spec\\.ts$`,
      setupFiles: ['<rootDir>/test/support/scale-out.setup.ts'],
    });
  }
  return { projects, testTimeout: 30000 };
};
