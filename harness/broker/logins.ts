/**
 * Who may connect to the embedded broker once boards.yml gives logins: each board's client
 * with its board's login, hil's own clients with the login made for this run, nobody else.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { MqttLogin } from '../spec/types.js';

export interface BrokerLogins {
  /** Each board's MQTT client id (`hil-<board>`) → the login it must present. */
  clients: ReadonlyMap<string, MqttLogin>;
  /** The login of hil's own clients (any other client id); new every run. */
  hil: MqttLogin;
}

/** A refusal: the CONNACK return code (4 bad user name or password, 5 not authorized) and why, for the logs. */
export interface LoginRefusal {
  returnCode: 4 | 5;
  reason: string;
}

/** A login for hil's own clients, unguessable and new at every call. */
export function newHilLogin(): MqttLogin {
  return {
    username: `hil-${randomBytes(4).toString('hex')}`,
    password: randomBytes(24).toString('base64url'),
  };
}

/**
 * Whether `clientId` may connect with `username`/`password`; undefined: yes. The reason names the
 * username, never a password.
 */
export function checkLogin(
  logins: BrokerLogins,
  clientId: string,
  username: string | undefined,
  password: Buffer | undefined,
): LoginRefusal | undefined {
  const board = logins.clients.get(clientId);
  if (board) {
    if (username === undefined)
      return {
        returnCode: 4,
        reason: `bad username or password: no username given (boards.yml gives "${board.username}")`,
      };
    if (username !== board.username)
      return {
        returnCode: 4,
        reason: `bad username or password: username "${username}" is not this board's ("${board.username}" in boards.yml)`,
      };
    if (!samePassword(password, board.password))
      return {
        returnCode: 4,
        reason: `bad username or password: ${password === undefined ? 'no' : 'wrong'} password for username "${username}"`,
      };
    return undefined;
  }
  if (username === logins.hil.username && samePassword(password, logins.hil.password)) return undefined;
  return {
    returnCode: 5,
    reason: `not authorized: client id "${clientId}" is none of the rack's boards, and not hil's own client`,
  };
}

function samePassword(given: Buffer | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const want = Buffer.from(expected);
  return given.length === want.length && timingSafeEqual(given, want);
}
