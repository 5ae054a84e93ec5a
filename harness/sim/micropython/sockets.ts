import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { E, POLLERR, POLLHUP, POLLIN, POLLOUT, type Request } from './channel.js';

/** One socket of the board, as its lwIP stack holds it. */
interface Sock {
  s?: net.Socket;
  connected: boolean;
  rx: Buffer[];
  rxLen: number;
  eof: boolean;
  err: number;
  /** Its radio went down under it: nothing goes through it again (it is an orphan on this host). */
  cut: boolean;
}

type Answer = (r: number | string) => void;
interface Pending {
  /** The reply when it is due, else undefined (still waiting). */
  check(): number | string | undefined;
  answer: Answer;
  timer?: NodeJS.Timeout;
  /** What to answer when the timeout ends the wait. */
  onTimeout: () => number | string;
}

/**
 * The board's network stack and radio, on the host: real TCP sockets for the board's
 * `socket` module. Radio down (`network.WLAN` disconnect or `active(False)`): connects fail at
 * once with EHOSTUNREACH; on open sockets sends fail with EHOSTUNREACH and reads get nothing
 * (they wait out their timeout). The real TCP socket is paused, never written, never closed: no
 * FIN, no RST reaches the broker. Radio back up: the old sockets fail with ECONNABORTED (the
 * interface came back with a new lease, as lwIP aborts the connections of the old one), and
 * their TCP sockets drain and discard until the peer drops them.
 */
export class BoardNet {
  #up: boolean;
  readonly #socks = new Map<number, Sock>();
  readonly #orphans = new Set<net.Socket>();
  #pending: Pending | undefined;
  /** Console input arrived (a pending poll on the console ends). */
  #stdinWake = false;

  constructor(up = false) {
    this.#up = up;
  }

  get up(): boolean {
    return this.#up;
  }

  /** TCP sockets kept open and silent for the broker's sake. */
  get orphans(): number {
    return this.#orphans.size;
  }

  /** Serves one request of the worker; `answer` is called once. */
  handle(req: Request, answer: Answer): void {
    switch (req.op) {
      case 'resolve':
        void this.#resolve(req.host, answer);
        break;
      case 'new':
        answer(0);
        break;
      case 'radio':
        this.setRadio(req.up);
        answer(0);
        break;
      case 'connect':
        this.#connect(req.id, req.host, req.port, req.timeout, answer);
        break;
      case 'send':
        answer(this.#send(req.id, req.hex));
        break;
      case 'recv':
        this.#recv(req.id, req.n, req.timeout, answer);
        break;
      case 'close':
        this.#close(req.id);
        answer(0);
        break;
      case 'poll':
        this.#poll(req.socks, req.stdin, req.timeout, answer);
        break;
    }
  }

  /** Console input came: a poll waiting on the console returns. */
  stdinArrived(): void {
    this.#stdinWake = true;
    this.#recheck();
  }

  setRadio(up: boolean): void {
    if (up === this.#up) return;
    this.#up = up;
    if (!up) for (const k of this.#socks.values()) this.#cut(k);
    else for (const s of this.#orphans) s.resume();
    this.#recheck();
  }

  /** The chip resets: every connection is cut without a word to the broker. */
  chipReset(): void {
    for (const k of this.#socks.values()) this.#cut(k);
    for (const s of this.#orphans) s.resume();
    this.#socks.clear();
    this.#drop();
  }

  /** Soft reset: MicroPython closes its sockets (a normal close). */
  closeAll(): void {
    for (const id of [...this.#socks.keys()]) this.#close(id);
    this.#drop();
  }

  /** The board is gone: every socket ends. */
  destroy(): void {
    for (const k of this.#socks.values()) k.s?.destroy();
    for (const s of this.#orphans) s.destroy();
    this.#socks.clear();
    this.#orphans.clear();
    this.#drop();
  }

  #drop(): void {
    if (this.#pending?.timer) clearTimeout(this.#pending.timer);
    this.#pending = undefined;
  }

  async #resolve(host: string, answer: Answer): Promise<void> {
    if (!this.#up) {
      answer(-E.EHOSTUNREACH);
      return;
    }
    if (net.isIP(host)) {
      answer(host);
      return;
    }
    try {
      answer((await lookup(host, { family: 4 })).address);
    } catch {
      answer(-E.ENOENT); // lwIP's getaddrinfo failure: OSError(-2) on boards; ENOENT is close
    }
  }

  #sock(id: number): Sock {
    let k = this.#socks.get(id);
    if (!k) {
      k = { connected: false, rx: [], rxLen: 0, eof: false, err: 0, cut: false };
      this.#socks.set(id, k);
    }
    return k;
  }

  #connect(id: number, host: string, port: number, timeout: number, answer: Answer): void {
    const k = this.#sock(id);
    if (k.s) {
      answer(k.connected ? -E.EISCONN : -E.EALREADY);
      return;
    }
    if (!this.#up) {
      answer(-E.EHOSTUNREACH);
      return;
    }
    const s = net.connect({ host, port });
    k.s = s;
    s.setNoDelay(true);
    s.on('connect', () => {
      k.connected = true;
      this.#recheck();
    });
    s.on('data', (b: Buffer) => {
      k.rx.push(b);
      k.rxLen += b.length;
      this.#recheck();
    });
    s.on('end', () => {
      k.eof = true;
      this.#recheck();
    });
    s.on('error', (err: NodeJS.ErrnoException) => {
      k.err = errnoOf(err);
      this.#recheck();
    });
    s.on('close', () => {
      if (!k.eof && !k.err) k.err = E.ECONNRESET;
      this.#recheck();
    });
    if (timeout === 0) {
      answer(-E.EINPROGRESS);
      return;
    }
    this.#wait(
      answer,
      () => (k.connected ? 0 : k.err ? -k.err : k.cut ? -E.EHOSTUNREACH : undefined),
      timeout,
      () => {
        this.#cut(k);
        return -E.ETIMEDOUT;
      },
    );
  }

  #send(id: number, hex: string): number {
    const k = this.#socks.get(id);
    if (!k?.s) return -E.ENOTCONN;
    if (k.cut) return this.#up ? -E.ECONNABORTED : -E.EHOSTUNREACH;
    if (k.err) return -k.err;
    if (!k.connected) return -E.EAGAIN;
    if (k.eof || k.s.destroyed || k.s.writableEnded) return -E.EPIPE;
    const b = Buffer.from(hex, 'hex');
    k.s.write(b);
    return b.length;
  }

  #recv(id: number, n: number, timeout: number, answer: Answer): void {
    const k = this.#socks.get(id);
    if (!k?.s) {
      answer(-E.ENOTCONN);
      return;
    }
    const now = (): number | string | undefined => {
      if (k.cut) return this.#up ? -E.ECONNABORTED : undefined;
      if (k.rxLen > 0) return take(k, n);
      if (k.eof) return '';
      if (k.err) return -k.err;
      return undefined;
    };
    const r = now();
    if (r !== undefined || timeout === 0) {
      answer(r ?? -E.EAGAIN);
      return;
    }
    this.#wait(answer, now, timeout, () => -E.ETIMEDOUT);
  }

  #close(id: number): void {
    const k = this.#socks.get(id);
    this.#socks.delete(id);
    // A cut socket stays an orphan: closing it sends nothing the radio could not send.
    if (k?.s && !k.cut) k.s.end();
  }

  #poll(socks: Array<[number, number]>, stdin: boolean, timeout: number, answer: Answer): void {
    this.#stdinWake = false;
    const ready = (): string | undefined => {
      const out: string[] = [];
      for (const [id, mask] of socks) {
        const ev = this.#events(this.#socks.get(id)) & (mask | POLLERR | POLLHUP);
        if (ev) out.push(`${id}:${ev}`);
      }
      if (out.length > 0) return out.join(',');
      return stdin && this.#stdinWake ? '' : undefined;
    };
    const r = ready();
    if (r !== undefined || timeout === 0) {
      answer(r ?? '');
      return;
    }
    this.#wait(answer, ready, timeout, () => '');
  }

  #events(k: Sock | undefined): number {
    if (!k) return POLLHUP;
    if (k.cut) return this.#up ? POLLERR | POLLHUP : 0;
    let ev = 0;
    if (k.rxLen > 0 || k.eof) ev |= POLLIN;
    if (k.eof) ev |= POLLHUP;
    if (k.err) ev |= POLLERR | POLLHUP;
    if (k.connected && !k.eof && !k.err) ev |= POLLOUT;
    return ev;
  }

  #wait(
    answer: Answer,
    check: () => number | string | undefined,
    timeout: number,
    onTimeout: () => number | string,
  ): void {
    const p: Pending = { check, answer, onTimeout };
    if (timeout > 0)
      p.timer = setTimeout(() => {
        if (this.#pending !== p) return;
        this.#pending = undefined;
        p.answer(p.onTimeout());
      }, timeout);
    this.#pending = p;
  }

  #recheck(): void {
    const p = this.#pending;
    if (!p) return;
    const r = p.check();
    if (r === undefined) return;
    if (p.timer) clearTimeout(p.timer);
    this.#pending = undefined;
    p.answer(r);
  }

  #cut(k: Sock): void {
    if (k.cut) return;
    k.cut = true;
    const s = k.s;
    if (!s || s.destroyed) return;
    s.pause();
    s.removeAllListeners('data');
    s.removeAllListeners('end');
    s.removeAllListeners('connect');
    s.removeAllListeners('error');
    s.removeAllListeners('close');
    this.#orphans.add(s);
    s.on('data', () => {});
    s.on('error', () => {});
    s.on('end', () => s.destroy());
    s.once('close', () => this.#orphans.delete(s));
    // Silent while the radio is down; once it is back the orphan only drains what arrives.
    if (this.#up) s.resume();
  }
}

function take(k: Sock, n: number): string {
  const all = Buffer.concat(k.rx);
  const got = all.subarray(0, n);
  const rest = all.subarray(n);
  k.rx = rest.length > 0 ? [Buffer.from(rest)] : [];
  k.rxLen = rest.length;
  return got.toString('hex');
}

const ERRNO: Record<string, number> = {
  ECONNREFUSED: E.ECONNREFUSED,
  ECONNRESET: E.ECONNRESET,
  EPIPE: E.EPIPE,
  ETIMEDOUT: E.ETIMEDOUT,
  EHOSTUNREACH: E.EHOSTUNREACH,
  ENETUNREACH: E.EHOSTUNREACH,
  ECONNABORTED: E.ECONNABORTED,
};

function errnoOf(err: NodeJS.ErrnoException): number {
  return (err.code && ERRNO[err.code]) || E.EIO;
}
