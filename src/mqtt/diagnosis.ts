/** Why the connection is not open, in words an operator can act on. */
export interface Diagnosis {
  readonly code:
    | 'unreachable'
    | 'upgrade-rejected'
    | 'tls'
    | 'bad-credentials'
    | 'not-authorized'
    | 'protocol-version'
    | 'server-unavailable'
    | 'timeout'
    | 'session-taken-over'
    | 'closed-by-broker'
    | 'bad-url'
    | 'blocked-by-policy'
    | 'unknown';
  readonly message: string;
  readonly fix: string;
  /** Retrying cannot fix it (e.g. wrong password): stop and wait for the operator. */
  readonly permanent: boolean;
}

/** CONNACK codes: MQTT 3.1.1 return codes (1–5) and MQTT 5 reason codes (≥ 0x80). */
export function diagnoseConnack(code: number, url: string, withCredentials = false): Diagnosis {
  switch (code) {
    case 1:
    case 0x84:
      return { code: 'protocol-version', message: 'The broker does not support this MQTT version.', fix: 'Holdfast falls back to MQTT 3.1.1 automatically.', permanent: false };
    case 2:
    case 0x85:
      return { code: 'bad-credentials', message: 'The broker rejected the client ID.', fix: 'Change the client-ID prefix in the connection profile.', permanent: true };
    case 3:
    case 0x88:
    case 0x89:
      return { code: 'server-unavailable', message: `The broker at ${url} is unavailable or busy.`, fix: 'Holdfast keeps retrying; check the broker if this persists.', permanent: false };
    case 4:
    case 0x86:
      return { code: 'bad-credentials', message: 'Bad user name or password.', fix: 'Check the user name and password in the connection profile, then press Retry.', permanent: true };
    case 5:
    case 0x87:
      // Many brokers (Mosquitto among them) answer a wrong password with "not authorized".
      return withCredentials
        ? { code: 'bad-credentials', message: 'Bad user name or password, or this user may not connect.', fix: 'Check the user name and password in the connection profile, then press Retry.', permanent: true }
        : { code: 'not-authorized', message: 'This broker does not allow anonymous connections.', fix: 'Enter a user name and password in the connection profile, then press Retry.', permanent: true };
    default:
      return { code: 'unknown', message: `The broker refused the connection (code ${code}).`, fix: 'Holdfast keeps retrying.', permanent: false };
  }
}

export function diagnoseTimeout(what: 'connack' | 'heartbeat' | 'keepalive'): Diagnosis {
  return {
    code: 'timeout',
    message: what === 'connack' ? 'The broker accepted the socket but never answered the MQTT handshake.' : `The connection stopped answering (${what} timed out).`,
    fix: 'Holdfast reconnects automatically. A proxy or a sleeping network link is the usual cause.',
    permanent: false,
  };
}
