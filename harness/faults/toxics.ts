import type { ProxyHandle, Toxic, ToxicAttributes, ToxicStream, ToxicType } from '../network/toxiproxy.js';

let serial = 0;

/** A name no other apply uses, so a heal removes only its own toxic. */
function toxicName(fault: string, stream: ToxicStream): string {
  serial += 1;
  return `hil-${fault}-${serial}-${stream === 'upstream' ? 'up' : 'down'}`;
}

/** One toxic of `type` per stream given. */
export function toxics<K extends ToxicType>(
  fault: string,
  type: K,
  attributes: ToxicAttributes[K],
  streams: readonly ToxicStream[] = ['upstream', 'downstream'],
): Toxic[] {
  return streams.map((stream) => ({ name: toxicName(fault, stream), type, stream, attributes }) as Toxic);
}

/**
 * Adds the toxics together; if one fails, removes those that got in and rethrows.
 * Returns the heal: removing exactly these toxics.
 */
export async function addToxics(proxy: ProxyHandle, list: readonly Toxic[]): Promise<() => Promise<void>> {
  const results = await Promise.allSettled(list.map((t) => proxy.addToxic(t)));
  const added = list.filter((_, i) => results[i]?.status === 'fulfilled');
  const remove = async () => {
    const removed = await Promise.allSettled(added.map((t) => proxy.removeToxic(t.name)));
    const failed = removed.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  };
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await remove().catch(() => {});
    throw failed.reason;
  }
  return remove;
}
