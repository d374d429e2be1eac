/**
 * What the memory module announces in process (through EventEmitter2) for the modules that react to
 * it, such as activity/: memory calls none of them, so imports point one way.
 */

/** A caller read one memory. */
export class MemoryViewed {
  static readonly event = 'memory.viewed';
  constructor(
    readonly organizationId: string,
    readonly userId: string,
    readonly memoryId: string,
  ) {}
}
