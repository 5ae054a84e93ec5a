import type { MqttLogin, RackSpec } from '../spec/types.js';
import type { BrokerControl } from './control.js';
import { EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded.js';
import { boardTopics, ExternalObserver } from './external.js';

export interface OpenBrokerOptions {
  /** Boards whose `hil/<id>/#` topics an external observer subscribes to. */
  boardIds: readonly string[];
  now?: () => number;
  aedes?: EmbeddedBrokerOptions['aedes'];
  /** Each board's client id → its login; the embedded broker checks them (an external one is not ours to). */
  logins?: ReadonlyMap<string, MqttLogin>;
}

/** The rack's observer: embedded aedes where `broker.listen` says, or a subscriber of `broker.url`. */
export async function openBroker(
  spec: RackSpec['broker'],
  options: OpenBrokerOptions,
): Promise<BrokerControl> {
  if (spec.url) {
    return ExternalObserver.connect({
      url: spec.url,
      topics: boardTopics(options.boardIds),
      now: options.now,
    });
  }
  return EmbeddedBroker.start({
    listen: spec.listen,
    now: options.now,
    aedes: options.aedes,
    ...(options.logins && { logins: options.logins }),
  });
}
