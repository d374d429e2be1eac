/**
 * What the stream announces in process (through EventEmitter2) for the modules that react to it,
 * such as activity/: the stream calls none of them, so imports point one way.
 */
/** A stream's headers are out and its replay is under way. */
export class StreamOpened {
  static readonly event = 'stream.opened';
  constructor(
    readonly organizationId: string,
    readonly userId: string,
    readonly streamId: string,
  ) {}
}

/** A stream ended, for whatever reason. */
export class StreamClosed {
  static readonly event = 'stream.closed';
  constructor(
    readonly organizationId: string,
    readonly userId: string,
    readonly streamId: string,
  ) {}
}
