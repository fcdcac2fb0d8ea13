import { msg, str } from '@lit/localize';

/**
 * Why the broker connection is not open, as data: the engine (worker or
 * Node) decides it, each page words it in its operator's language. The
 * engine's own log lines word it too, through this same table: no
 * localization is configured there, so msg() gives the English source.
 */
export type DiagnosisReason =
  | { readonly key: 'mqtt-version' }
  | { readonly key: 'client-id-rejected' }
  | { readonly key: 'broker-busy'; readonly url: string }
  | { readonly key: 'bad-password' }
  | { readonly key: 'bad-password-or-denied' }
  | { readonly key: 'anonymous-refused' }
  | { readonly key: 'refused'; readonly returnCode: number }
  | { readonly key: 'handshake-timeout' }
  | { readonly key: 'stopped-answering'; readonly what: 'heartbeat' | 'keepalive' }
  | { readonly key: 'blocked-by-csp'; readonly where: string }
  | { readonly key: 'upgrade-refused'; readonly where: string; readonly path: string }
  | { readonly key: 'plain-http-not-tls'; readonly where: string; readonly path: string }
  | { readonly key: 'tls-failed'; readonly where: string }
  | { readonly key: 'nothing-answered'; readonly where: string }
  | { readonly key: 'closed' }
  | { readonly key: 'taken-over' }
  | { readonly key: 'closed-with-reason'; readonly reasonCode: number }
  | { readonly key: 'could-not-connect'; readonly url: string };

export interface DiagnosisWords {
  /** What is wrong. */
  readonly message: string;
  /** What the operator (or their administrator) can do about it. */
  readonly fix: string;
}

const RETRYING = (): string => msg('Holdfast keeps retrying.');
const RECONNECTS = (): string => msg('Holdfast reconnects automatically.');
const CHECK_CREDENTIALS = (): string => msg('Check the user name and password in the connection profile, then press Retry.');

/** The diagnosis in the language shown now (English where none is configured). */
export function diagnosisWords(reason: DiagnosisReason): DiagnosisWords {
  switch (reason.key) {
    case 'mqtt-version':
      return { message: msg('The broker does not support this MQTT version.'), fix: msg('Holdfast falls back to MQTT 3.1.1 automatically.') };
    case 'client-id-rejected':
      return { message: msg('The broker rejected the client ID.'), fix: msg('Change the client-ID prefix in the connection profile.') };
    case 'broker-busy':
      return { message: msg(str`The broker at ${reason.url} is unavailable or busy.`), fix: msg('Holdfast keeps retrying; check the broker if this persists.') };
    case 'bad-password':
      return { message: msg('Bad user name or password.'), fix: CHECK_CREDENTIALS() };
    case 'bad-password-or-denied':
      return { message: msg('Bad user name or password, or this user may not connect.'), fix: CHECK_CREDENTIALS() };
    case 'anonymous-refused':
      return { message: msg('This broker does not allow anonymous connections.'), fix: msg('Enter a user name and password in the connection profile, then press Retry.') };
    case 'refused':
      return { message: msg(str`The broker refused the connection (code ${reason.returnCode}).`), fix: RETRYING() };
    case 'handshake-timeout':
      return { message: msg('The broker accepted the socket but never answered the MQTT handshake.'), fix: msg('Holdfast reconnects automatically. A proxy or a sleeping network link is the usual cause.') };
    case 'stopped-answering':
      return { message: msg(str`The connection stopped answering (${reason.what} timed out).`), fix: msg('Holdfast reconnects automatically. A proxy or a sleeping network link is the usual cause.') };
    case 'blocked-by-csp':
      return {
        message: msg(str`This console's Content Security Policy does not allow connections to ${reason.where}.`),
        fix: msg('Ask the administrator of the server hosting Holdfast to add the broker to its connect-src (for npm start: HOLDFAST_CSP_CONNECT="ws://host:port").'),
      };
    case 'upgrade-refused':
      return {
        message: msg(str`The server at ${reason.where} answered, but refused the WebSocket upgrade on ${reason.path}.`),
        fix: msg('Check the path (many brokers use /mqtt), and whether a proxy between here and the broker blocks WebSockets.'),
      };
    case 'plain-http-not-tls':
      return { message: msg(str`${reason.where} speaks plain HTTP, not TLS: wss:// was pointed at a plain listener.`), fix: msg(str`Use ws://${reason.where}${reason.path} or the broker's TLS port.`) };
    case 'tls-failed':
      return {
        message: msg(str`Could not make a secure connection to ${reason.where}.`),
        fix: msg(str`The host name may not resolve, nothing may listen on that port, or its certificate is not trusted by this device (open https://${reason.where} in the browser to check).`),
      };
    case 'nothing-answered':
      return {
        message: msg(str`Nothing answered at ${reason.where}.`),
        fix: msg('The host name may not resolve, the broker may be down or refusing connections on that port, or this device is on another network.'),
      };
    case 'closed':
      return { message: msg('The connection closed.'), fix: RECONNECTS() };
    case 'taken-over':
      return { message: msg('Another client connected with the same client ID, so the broker closed this one.'), fix: msg('Give each console its own client-ID prefix.') };
    case 'closed-with-reason':
      return { message: msg(str`The broker closed the connection (reason 0x${reason.reasonCode.toString(16)}).`), fix: RECONNECTS() };
    case 'could-not-connect':
      return { message: msg(str`Could not connect to ${reason.url}.`), fix: RETRYING() };
  }
}
