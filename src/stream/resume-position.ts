import { compareEventIds, formatEventId, parseResumeId, resumePointId } from '../events/event-id';
import { Replay } from '../events/event-log';

/**
 * Where a connection's client resumes from: the last event the connection has fully handled (sent,
 * or passed over as one it does not select). Heartbeats and errors carry it as a resume point.
 */
export class ResumePosition {
  private handled = '';
  private controlCount = 0;

  constructor(
    /** Keeps this connection's resume points unique. */
    private readonly suffix: string,
    /** The last event the feed has handed out, and so offered to every connection that selects it. */
    private readonly feedLastId: () => string,
  ) {}

  /** Where a stream starts: the id it resumes from, unless the replay had to reset it. */
  begin(resumeFrom: string | undefined, replay: Replay): void {
    const resumed = parseResumeId(resumeFrom ?? '');
    this.handled = resumed && !replay.reset ? formatEventId(resumed) : replay.position;
  }

  /** Everything through `id` is handled. */
  advanceTo(id: string): void {
    this.handled = id;
  }

  get id(): string {
    return this.handled;
  }

  /**
   * The id of a heartbeat or error. Events of other types are not offered to a connection, so one
   * that is `caughtUp` (live, holding nothing back) has handled everything up to the feed's last
   * event: resuming from there spares the replay (and the retention) events it would skip.
   */
  controlId(caughtUp: boolean): string {
    this.controlCount += 1;
    const at = caughtUp ? this.latest() : this.handled;
    return resumePointId(at, `${this.suffix}.${this.controlCount}`);
  }

  private latest(): string {
    const fed = this.feedLastId();
    return compareEventIds(fed, this.handled) > 0 ? fed : this.handled;
  }
}
