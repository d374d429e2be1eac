// The scale-out Jest project: every test app of these suites runs on PostgreSQL and Redis.
process.env.MNEMO_TEST_BACKEND = 'scale-out';
