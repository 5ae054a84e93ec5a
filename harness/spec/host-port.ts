import type { HostPort } from './types.js';

/** Linux hands out ports from 32768 up for outgoing connections; a listener there can collide. */
export const EPHEMERAL_FROM = 32768;

export function parseHostPort(text: string): HostPort {
  const i = text.lastIndexOf(':');
  return { host: text.slice(0, i), port: Number(text.slice(i + 1)) };
}

/** A reason the port cannot be listened on, or undefined. */
export function portProblem(port: number): string | undefined {
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `port ${port} is not between 1 and 65535`;
  if (port >= EPHEMERAL_FROM)
    return `port ${port} is in the ephemeral range (${EPHEMERAL_FROM}+), where the OS picks ports for outgoing connections`;
  return undefined;
}
