// Named events with several listeners each, for the client's long-lived objects (the
// reader, the live session). A listener that throws is logged and the others still run.

export class Emitter {
  constructor() {
    this.listeners = new Map();
  }

  /** Listen to `event`; returns the function that stops listening. */
  on(event, fn) {
    if (!this.listeners.has(event)) this.listeners.set(event, new Set());
    this.listeners.get(event).add(fn);
    return () => this.listeners.get(event)?.delete(fn);
  }

  emit(event, value) {
    for (const fn of this.listeners.get(event) ?? []) {
      try {
        fn(value);
      } catch (error) {
        console.error(error);
      }
    }
  }
}
