// The public API of @mnemo/client, the TypeScript client.
export { MemoryClient } from './memory-client';
export type { CreateStreamOptions, MemoryClientOptions } from './memory-client';
export { MemoryStream } from './memory-stream';
export type { Clock } from './clock';
export type { ReadyState, StreamEventMap, StreamEventName } from './memory-stream';
export { MemoryApiError } from './memory-api-error';
export { MemoryStreamError } from './memory-stream-error';
export type * from './api-types';
export type * from './event-data';
export type * from './stream-events';
