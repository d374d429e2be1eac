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
  const data = {
    user_id: userId,
    action,
    resource_type: resourceType,
    timestamp: new Date().toISOString(),
  };
  return {
    type: 'user.activity',
    organizationId,
    data: resourceId === undefined ? data : { ...data, resource_id: resourceId },
  };
}
