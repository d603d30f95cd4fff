/**
 * The control bus inside one process (the embedded mode, where the API and the workers share one process):
 * a set of listeners. A broadcast reaches them on a later macrotask, as it would arrive from a broker: never
 * inside the broadcaster's own call.
 */
import type { ControlBus, ControlListener, ControlMessage, ControlSubscription } from './control-bus.js';

export function createInProcessControlBus(): ControlBus {
  const listeners = new Set<ControlListener>();
  return {
    async broadcast(message: ControlMessage) {
      const targets = [...listeners];
      setImmediate(() => {
        for (const listener of targets) if (listeners.has(listener)) listener({ ...message });
      });
    },
    subscribe(listener: ControlListener): ControlSubscription {
      // A fresh function per subscription, so the same listener subscribed twice hears each message twice.
      const own: ControlListener = (message) => listener(message);
      listeners.add(own);
      return {
        ready: async () => {},
        close: async () => {
          listeners.delete(own);
        },
      };
    },
  };
}
