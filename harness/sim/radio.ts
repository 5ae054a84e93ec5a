import net from 'node:net';
import { Duplex } from 'node:stream';

/**
 * The virtual board's WiFi radio: the only way its MQTT library reaches the network. A radio
 * loss is lwIP's interface going away, as the MicroPython board's radio makes it
 * (harness/sim/micropython/sockets.ts): an open connection is *lost*, not closed: a write
 * fails with EHOSTUNREACH, a read gets nothing, nothing says it is writable; when the radio
 * is back it fails with ECONNABORTED. Its real TCP socket is orphaned at the loss: kept open
 * and silent, so the broker gets no FIN and no RST and learns of the loss only by keepalive
 * or takeover.
 */
export class Radio {
  #up = true;
  readonly #links = new Set<Link>();
  readonly #orphans = new Set<net.Socket>();
  readonly #watchers = new Set<(up: boolean) => void>();

  get up(): boolean {
    return this.#up;
  }

  /** Calls `fn` at every change of the interface (`isconnected()`); returns how to stop. */
  watch(fn: (up: boolean) => void): () => void {
    this.#watchers.add(fn);
    return () => this.#watchers.delete(fn);
  }

  /** Opens a TCP connection through the radio; a stream builder for mqtt.js. */
  connect(host: string, port: number): Link {
    const link = new Link(this, host, port);
    if (!link.destroyed) this.#links.add(link);
    return link;
  }

  /**
   * Radio down: every open connection is lost (silent, its writes fail); the broker is not
   * told. Back up: the lost ones fail with ECONNABORTED, and their orphaned sockets read (and
   * discard) again, so they end when the broker drops them.
   */
  setUp(up: boolean): void {
    if (up === this.#up) return;
    this.#up = up;
    if (!up) for (const link of this.#links) link.lose();
    else {
      for (const link of [...this.#links]) if (link.lost) link.cut();
      for (const s of this.#orphans) s.resume();
    }
    for (const fn of [...this.#watchers]) fn(up);
  }

  /** Cuts every connection at once (the chip reset at a reboot). */
  cutAll(): void {
    for (const link of [...this.#links]) link.cut();
  }

  /**
   * Power off: every socket closes now, live or orphaned, as the OS closes them when a board's
   * process ends (a board host stops one board of several this way).
   */
  closeAll(): void {
    for (const link of [...this.#links]) link.destroy();
    for (const s of [...this.#orphans]) s.destroy();
  }

  /** Orphaned sockets still open on the host (the broker has not dropped them yet). */
  get orphans(): number {
    return this.#orphans.size;
  }

  /** @internal */
  forget(link: Link): void {
    this.#links.delete(link);
  }

  /** @internal */
  adopt(socket: net.Socket): void {
    this.#orphans.add(socket);
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.once('close', () => this.#orphans.delete(socket));
    // Silent while the radio is down; after a reboot (radio up) it only drains what arrives.
    if (this.#up) socket.resume();
  }
}

/** An OSError as MicroPython raises it: `OSError: [Errno 113] EHOSTUNREACH`. */
export class OSError extends Error {
  constructor(
    readonly errno: number,
    readonly code: string,
  ) {
    // MicroPython prints a bare number for the library's own OSError(-1).
    super(errno < 0 ? `${errno}` : `[Errno ${errno}] ${code}`);
    this.name = 'OSError';
  }
}

export const EHOSTUNREACH = (): OSError => new OSError(113, 'EHOSTUNREACH');
export const ECONNABORTED = (): OSError => new OSError(103, 'ECONNABORTED');
/** What umqtt raises when a read returns b'' (the peer closed). */
export const PEER_CLOSED = (): OSError => new OSError(-1, 'closed');

/** One connection as the board's library sees it. */
export class Link extends Duplex {
  /** The TCP handshake completed (a CONNECT can have been sent). */
  tcpConnected = false;
  /** The peer closed the connection cleanly (a read would return b''). */
  peerClosed = false;
  /** The radio went down under it: nothing goes through it again (see Radio). */
  lost = false;
  #socket: net.Socket | undefined;
  readonly #radio: Radio;

  constructor(radio: Radio, host: string, port: number) {
    super({ allowHalfOpen: false });
    this.#radio = radio;
    if (!radio.up) {
      // A board with its interface down fails connect() at once.
      this.destroy(EHOSTUNREACH());
      return;
    }
    const s = net.connect({ host, port });
    this.#socket = s;
    s.setNoDelay(true);
    for (const [ev, fn] of this.#handlers) s.on(ev, fn);
  }

  // biome-ignore lint/suspicious/noExplicitAny: net.Socket listeners of several shapes.
  readonly #handlers: Array<[string, (...args: any[]) => void]> = [
    [
      'connect',
      () => {
        this.tcpConnected = true;
        this.emit('connect');
      },
    ],
    [
      'data',
      (chunk: Buffer) => {
        if (!this.push(chunk)) this.#socket?.pause();
      },
    ],
    [
      'end',
      () => {
        this.peerClosed = true;
        this.push(null);
      },
    ],
    ['error', (err: Error) => this.destroy(err)],
    ['close', () => this.destroy()],
  ];

  /** The radio went down: the socket is orphaned untouched; the library's stream stays, silent. */
  lose(): void {
    if (this.destroyed) return;
    // A connect still under way fails, as lwIP's does when the interface goes.
    if (!this.tcpConnected) {
      this.destroy(EHOSTUNREACH());
      return;
    }
    this.lost = true;
    this.#orphan();
  }

  /** The connection is gone for the library (radio back after a loss, or a chip reset): ECONNABORTED. */
  cut(): void {
    this.#orphan();
    this.destroy(ECONNABORTED());
  }

  /** Hands the TCP socket to the radio, untouched: nothing more is sent or read through it. */
  #orphan(): void {
    const s = this.#socket;
    this.#socket = undefined;
    if (s && !s.destroyed) {
      s.pause();
      for (const [ev, fn] of this.#handlers) s.removeListener(ev, fn);
      this.#radio.adopt(s);
    }
  }

  override _read(): void {
    this.#socket?.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const s = this.#socket;
    if (s) s.write(chunk, (err) => cb(err ?? null));
    else cb(this.lost ? EHOSTUNREACH() : ECONNABORTED());
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#socket?.end();
    cb();
  }

  override _destroy(err: Error | null, cb: (err: Error | null) => void): void {
    this.#radio.forget(this);
    const s = this.#socket;
    this.#socket = undefined;
    // The library closed its socket on purpose (radio up): a normal close, FIN included.
    if (s && !s.destroyed) s.destroySoon();
    cb(err);
  }
}
