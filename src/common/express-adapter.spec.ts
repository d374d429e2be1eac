import { Controller, Get, Module, Req, Res } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, NestExpressApplication } from '@nestjs/platform-express';
import type { Express, Request, Response } from 'express';
import { hasFastProperties, sameHiddenClass } from '../../test/support/hidden-classes';
import { ExpressAdapterWithPrototypes } from './express-adapter';

let held: { request: Request; response: Response }[] = [];

@Controller()
class HoldController {
  @Get('hold')
  hold(@Req() request: Request, @Res() response: Response): void {
    held.push({ request, response });
    response.end('held');
  }
}

@Module({ controllers: [HoldController] })
class HoldModule {}

/** The request and response of the third and fourth of four requests (past V8's warm-up). */
async function twoRequests(adapter: ExpressAdapter) {
  held = [];
  const app = await NestFactory.create<NestExpressApplication>(HoldModule, adapter, {
    logger: false,
  });
  await app.listen(0, '127.0.0.1');
  try {
    const { port } = app.getHttpServer().address() as { port: number };
    for (let i = 0; i < 4; i += 1) await (await fetch(`http://127.0.0.1:${port}/hold`)).text();
    return { express: app.getHttpAdapter().getInstance() as Express, a: held[2], b: held[3] };
  } finally {
    await app.close();
  }
}

describe('ExpressAdapterWithPrototypes', () => {
  it("builds requests and responses with Express's prototypes, sharing hidden classes", async () => {
    const { express, a, b } = await twoRequests(new ExpressAdapterWithPrototypes());
    expect(Object.getPrototypeOf(a.request)).toBe(express.request);
    expect(Object.getPrototypeOf(a.response)).toBe(express.response);
    expect(sameHiddenClass(a.request, b.request)).toBe(true);
    expect(sameHiddenClass(a.response, b.response)).toBe(true);
    expect(hasFastProperties(a.request)).toBe(true);
    expect(hasFastProperties(a.response)).toBe(true);
  });

  // Why the adapter exists: if this starts failing, Express no longer swaps prototypes and the
  // adapter can go.
  it('is needed: with Nest’s own adapter each request and response has a hidden class of its own', async () => {
    const { a, b } = await twoRequests(new ExpressAdapter());
    expect(sameHiddenClass(a.request, b.request)).toBe(false);
    expect(sameHiddenClass(a.response, b.response)).toBe(false);
  });
});
