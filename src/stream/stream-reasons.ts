/** Why a stream was refused before it opened; the label of `mnemo_stream_connections_refused_total`. */
export type StreamRefusalReason =
  'auth' | 'forbidden' | 'bad_request' | 'not_acceptable' | 'connection_limit' | 'error';

/** Why an open stream ended; the label of `mnemo_stream_closed_total`. */
export type StreamCloseReason =
  'client' | 'slow_consumer' | 'rate_limited' | 'revoked' | 'shutdown' | 'server';
