import type { NestApplicationOptions } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import type { Express } from 'express';
import { createServer, IncomingMessage, ServerResponse } from 'node:http';

type Constructor = (this: object, ...args: unknown[]) => void;

/**
 * Makes `constructor`, which calls `base` on `this`, build `base`'s objects with `prototype` (which
 * inherits from `base.prototype`) instead of `base.prototype`.
 */
function bornWith<T extends typeof IncomingMessage | typeof ServerResponse>(
  constructor: Constructor,
  base: T,
  prototype: object,
): T {
  // As for a subclass: V8 sizes the objects by the constructors up this chain. Sized as an empty
  // function's, they would hold most fields out of line and soon turn into dictionaries.
  Object.setPrototypeOf(constructor, base);
  constructor.prototype = prototype;
  return constructor as unknown as T;
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
    // Named, so that heap snapshots say what they are.
    function ExpressRequest(this: object, ...args: unknown[]): void {
      (IncomingMessage as unknown as Constructor).apply(this, args);
    }
    function ExpressResponse(this: object, ...args: unknown[]): void {
      (ServerResponse as unknown as Constructor).apply(this, args);
    }
    const app = this.getInstance<Express>();
    this.setHttpServer(
      createServer(
        {
          IncomingMessage: bornWith(ExpressRequest, IncomingMessage, app.request),
          ServerResponse: bornWith(ExpressResponse, ServerResponse, app.response),
        },
        app,
      ),
    );
  }
}
