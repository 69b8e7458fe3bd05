/**
 * TCP keepalive for molimport's sessions, set on the server side of each connection.
 *
 * Why: a client whose machine vanishes (power, a cut link, a laptop closed mid-run) sends no FIN
 * or RST. Its session stays open on the server, and with it the table lock and the open batch
 * transaction's row locks, until the server's keepalive notices: by default the kernel's two
 * hours. These per-session settings (user-settable GUCs, no server reconfiguration) bound that to
 * about two minutes: probes after 60 s of silence, every 10 s, 6 unanswered end the session;
 * `tcp_user_timeout` does the same for data the server sent and the client never acknowledged.
 *
 * Each is only ever lowered: a shorter value already set (by the server's configuration, the role,
 * or `options=-c …` in the connection string) is kept. Over a Unix socket the server ignores them.
 */

/** Seconds, seconds, probes, milliseconds. */
export const SESSION_KEEPALIVE = {
  tcp_keepalives_idle: '60',
  tcp_keepalives_interval: '10',
  tcp_keepalives_count: '6',
  tcp_user_timeout: '120000',
} as const;

/**
 * One round trip: each setting that is 0 (the OS default; `pg_settings` shows the socket's value
 * in base units) or longer than molimport's takes molimport's.
 */
export const SESSION_KEEPALIVE_SQL = `SELECT set_config(k.name, k.value, false)
  FROM (VALUES ${Object.entries(SESSION_KEEPALIVE)
    .map(([name, value]) => `('${name}', '${value}')`)
    .join(', ')}) AS k(name, value)
  JOIN pg_settings s ON s.name = k.name
 WHERE s.setting::bigint = 0 OR s.setting::bigint > k.value::bigint`;
