/**
 * Who presents in the room and whether it is in lecture mode. Teachers and above always
 * present; a teacher can hand presenting to a participant and take it back, and switch
 * lecture mode (only presenters write). The server keeps this state
 * (GET/PATCH /api/v1/rooms/{id}/session, POST/DELETE .../presenter) and mirrors `leader`
 * and `lecture` into the presenter layer's `session` map, which is how every client hears
 * of a change at once.
 */

const TEACHER = 2;

export class Presenting {
  /**
   * @param {{api: import('./api.js').Api, session: import('./session.js').Session, room: string,
   *   me: {user: string}, rank: number}} options
   */
  constructor({ api, session, room, me, rank }) {
    this.api = api;
    this.room = room;
    this.me = me;
    this.rank = rank;
    this.state = { presenter: null, lecture: false, served: true };
    this.listeners = new Set();
    const map = session.map("presenter", "session");
    map.observe((event) => {
      if (event.keysChanged.has("leader") || event.keysChanged.has("lecture")) this.refresh();
    });
    this.refresh();
  }

  get base() {
    return `/api/v1/rooms/${encodeURIComponent(this.room)}`;
  }

  async refresh() {
    try {
      const state = await this.api.json(`${this.base}/session`);
      this.state = { presenter: state.presenter ?? null, lecture: Boolean(state.lecture), served: true };
    } catch (error) {
      this.state = { ...this.state, served: !error.missing };
    }
    for (const fn of this.listeners) fn(this.state);
  }

  onChange(fn) {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** May I lead the page and ink on the presenter layer? */
  get canLead() {
    return this.rank >= TEACHER || this.state.presenter === this.me.user;
  }

  /** May I steer the session (hand over, lecture mode)? */
  get canSteer() {
    return this.rank >= TEACHER && this.state.served;
  }

  /** In lecture mode only presenters write the shared layer. */
  get sharedClosed() {
    return this.state.lecture && !this.canLead;
  }

  async handTo(user) {
    await this.api.fetch(`${this.base}/presenter`, {
      method: "POST",
      body: JSON.stringify({ user }),
      headers: { "Content-Type": "application/json" },
    });
    await this.refresh();
  }

  async takeBack() {
    await this.api.fetch(`${this.base}/presenter`, { method: "DELETE" });
    await this.refresh();
  }

  async setLecture(on) {
    await this.api.fetch(`${this.base}/session`, {
      method: "PATCH",
      body: JSON.stringify({ lecture: on }),
      headers: { "Content-Type": "application/json" },
    });
    await this.refresh();
  }
}
