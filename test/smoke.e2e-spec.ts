import request from 'supertest';
import { startTestApp, TestApp } from './support/test-app';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('creates and reads back a memory', async () => {
    const key = await t.createKey('acme', 'alice');
    const created = await request(t.url).post('/api/v1/memories').set('Authorization', `Bearer ${key}`).send({ content: 'hi' }).expect(201);
    const read = await request(t.url).get(`/api/v1/memories/${created.body.id}`).set('X-API-Key', key).expect(200);
    expect(read.body.content).toBe('hi');
  });
});
