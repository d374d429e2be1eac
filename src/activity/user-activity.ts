import { EventInput } from '../events/event-map';

/** What a user did that teammates watching a dashboard care about. */
export type ActivityAction =
  'stream.opened' | 'stream.closed' | 'memory.viewed' | 'key.created' | 'key.revoked';

export type ActivityResource = 'stream' | 'memory' | 'api_key';

/** The `user.activity` event for one action; producers append it to the EventLog. */
export function userActivity(
  organizationId: string,
  userId: string,
  action: ActivityAction,
  resourceType: ActivityResource,
  resourceId?: string,
): EventInput<'user.activity'> {
  const timestamp = new Date().toISOString();
  // Two literals rather than `{ ...data, resource_id }`, which would give each event's data a
  // hidden class of its own.
  const data =
    resourceId === undefined
      ? { user_id: userId, action, resource_type: resourceType, timestamp }
      : {
          user_id: userId,
          action,
          resource_type: resourceType,
          timestamp,
          resource_id: resourceId,
        };
  return { type: 'user.activity', organizationId, data };
}
