import { diagnosisWords, type DiagnosisReason } from '../i18n/diagnosis-text.js';

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
  /** The words, as data: each page says them in its operator's language (src/i18n/diagnosis-text.ts). */
  readonly reason: DiagnosisReason;
  /** In English, for the connection log. */
  readonly message: string;
  readonly fix: string;
  /** Retrying cannot fix it (e.g. wrong password): stop and wait for the operator. */
  readonly permanent: boolean;
}

/** A diagnosis with its English words (the engine's log; pages word `reason` themselves). */
export function diagnosis(code: Diagnosis['code'], reason: DiagnosisReason, permanent: boolean): Diagnosis {
  return { code, reason, ...diagnosisWords(reason), permanent };
}

/** CONNACK codes: MQTT 3.1.1 return codes (1–5) and MQTT 5 reason codes (≥ 0x80). */
export function diagnoseConnack(code: number, url: string, withCredentials = false): Diagnosis {
  switch (code) {
    case 1:
    case 0x84:
      return diagnosis('protocol-version', { key: 'mqtt-version' }, false);
    case 2:
    case 0x85:
      return diagnosis('bad-credentials', { key: 'client-id-rejected' }, true);
    case 3:
    case 0x88:
    case 0x89:
      return diagnosis('server-unavailable', { key: 'broker-busy', url }, false);
    case 4:
    case 0x86:
      return diagnosis('bad-credentials', { key: 'bad-password' }, true);
    case 5:
    case 0x87:
      // Many brokers (Mosquitto among them) answer a wrong password with "not authorized".
      return withCredentials ? diagnosis('bad-credentials', { key: 'bad-password-or-denied' }, true) : diagnosis('not-authorized', { key: 'anonymous-refused' }, true);
    default:
      return diagnosis('unknown', { key: 'refused', returnCode: code }, false);
  }
}

export function diagnoseTimeout(what: 'connack' | 'heartbeat' | 'keepalive'): Diagnosis {
  return diagnosis('timeout', what === 'connack' ? { key: 'handshake-timeout' } : { key: 'stopped-answering', what }, false);
}
