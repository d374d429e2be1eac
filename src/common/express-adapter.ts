import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';

/**
 * A constructor for `base`'s instances that are born with `prototype` (which must inherit from
 * `base.prototype`) instead of `base.prototype`.
 */
function bornWith<T extends typeof IncomingMessage | typeof ServerResponse>(
  base: T,
  prototype: object,
): T {
  function Born(this: object, ...args: unknown[]): void {
    (base as unknown as (...args: unknown[]) => void).apply(this, args);
  }
  // As a subclass would: V8 sizes the objects by the constructors up this chain. Sized as an
  // empty function's, they would hold most fields out of line and soon turn into dictionaries.
  Object.setPrototypeOf(Born, base);
  Born.prototype = prototype;
  return Born as unknown as T;
}

/**
 * The Express adapter, with an HTTP server whose requests and responses are built with Express's
 * own prototypes (`app.request`, `app.response`).
 *
 * Express otherwise swaps each one's prototype as it arrives (`Object.setPrototypeOf`), and V8
 * then gives that object a hidden class of its own: every property added afterwards (the
 * router's, the logger's, Nest's) copies the class and its property table, about 1 KB per
 * request and per response, which an open stream keeps for its whole life (BENCHMARKS.md,
 * "Memory per idle stream"). Born with the prototype, Express's swap changes nothing and every
 * request shares one chain of hidden classes.
 */
export class ExpressAdapterWithPrototypes extends ExpressAdapter {
  override initHttpServer(options: NestApplicationOptions): void {
    // HTTPS and forced connection closing stay Nest's own; this service uses neither.
    if (options.httpsOptions || options.forceCloseConnections) {
      super.initHttpServer(options);
      return;
    }
    const app = this.getInstance<Express>();
    this.setHttpServer(
      createServer(
        {
          IncomingMessage: bornWith(IncomingMessage, app.request),
          ServerResponse: bornWith(ServerResponse, app.response),
        },
        app,
      ),
    );
  }
}
