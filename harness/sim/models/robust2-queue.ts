/**
 * umqtt.robust2 2.2.0's message bookkeeping, as robust2.py and simple2.py keep it:
 * `msg_to_send` (waiting to be sent), `msg_to_confirm` (sent at QoS 1, waiting for PUBACK)
 * and simple2's `rcv_pids` (the PUBACK deadline of each packet id).
 */
export class Robust2Queue<M> {
  /** msg_to_send, front first. */
  readonly toSend: M[] = [];
  /** msg_to_confirm: the pids each message was sent with, oldest first. */
  readonly toConfirm = new Map<M, number[]>();
  readonly #deadlines = new Map<number, number>();

  constructor(
    /** MSG_QUEUE_MAX: unsent plus unacknowledged. */
    readonly max: number,
    /** simple2's message_timeout. */
    readonly resendAfterMs: number,
  ) {}

  /** publish() wrote a QoS 1 message with `pid`. */
  sent(msg: M, pid: number, now: number): void {
    this.#deadlines.set(pid, now + this.resendAfterMs);
    const pids = this.toConfirm.get(msg) ?? [];
    pids.push(pid);
    this.toConfirm.set(msg, pids);
  }

  /** publish() raised: queue it (NO_QUEUE_DUPS, then add_msg_to_send). Returns what was evicted. */
  failed(msg: M): M[] {
    if (this.toSend.includes(msg)) return [];
    return this.#add(msg);
  }

  /** send_queue() got `msg` out: it leaves msg_to_send. */
  taken(msg: M): void {
    const i = this.toSend.indexOf(msg);
    if (i >= 0) this.toSend.splice(i, 1);
  }

  /** PUBACK for `pid` (cbstat status 1): the message is done, whichever copy arrived. */
  acked(pid: number): void {
    if (!this.#deadlines.delete(pid)) return;
    for (const [msg, pids] of this.toConfirm) {
      if (pids.includes(pid)) {
        this.toConfirm.delete(msg);
        return;
      }
    }
  }

  /** check_msg's _message_timeout: each overdue pid goes back to the front of msg_to_send. */
  expire(now: number): void {
    for (const [pid, deadline] of this.#deadlines) {
      if (deadline > now) continue;
      this.#deadlines.delete(pid);
      for (const [msg, pids] of this.toConfirm) {
        if (!pids.includes(pid)) continue;
        if (!this.toSend.includes(msg)) this.toSend.unshift(msg);
        pids.splice(pids.indexOf(pid), 1);
        if (pids.length === 0) this.toConfirm.delete(msg);
        break;
      }
    }
  }

  /** connect(clean_session=True) empties the queues and forgets pending pids. */
  clear(): void {
    this.toSend.length = 0;
    this.toConfirm.clear();
    this.#deadlines.clear();
  }

  /** add_msg_to_send: make room (unacknowledged first, lowest pid first), then append. */
  #add(msg: M): M[] {
    const evicted: M[] = [];
    let count = this.toSend.length;
    for (const pids of this.toConfirm.values()) count += pids.length;
    while (count >= this.max) {
      let min = 65535;
      for (const pids of this.toConfirm.values())
        if (pids.length > 0 && (pids[0] as number) < min) min = pids[0] as number;
      if (min > 0 && min < 65535) {
        for (const [m, pids] of this.toConfirm) {
          if (pids[0] !== min) continue;
          pids.shift();
          if (pids.length === 0) {
            this.toConfirm.delete(m);
            if (!this.toSend.includes(m)) evicted.push(m);
          }
          break;
        }
      } else {
        const oldest = this.toSend.shift();
        if (oldest !== undefined) evicted.push(oldest);
      }
      count -= 1;
    }
    this.toSend.push(msg);
    return evicted;
  }
}
