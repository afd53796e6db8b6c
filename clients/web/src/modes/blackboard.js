/**
 * Blackboard (the presenter's smart board): one open spread filling the board, pen ink
 * with pressure where the board reports it, large touch targets, and the page lead: a
 * presenter who opens or turns a book takes the class along.
 */
import { $ } from "../dom.js";
import { ScreenMode } from "./screen.js";

export default class BlackboardMode extends ScreenMode {
  constructor(ctx) {
    super(ctx, { margin: 1.02, tilt: 90, swipe: true, placeAtBoard: true });
    $("#pen-toggle").hidden = false;
    $("#clear-ink").hidden = false;
    if (ctx.canLead()) {
      // A presenter at the board leads by default; the toggle hands the class its freedom back.
      ctx.reader.on("open", () => {
        const lead = ctx.reader.leadState;
        const someoneElseLeads = lead?.follow && lead.leader && lead.leader !== ctx.me.user;
        if (!ctx.reader.leading && !this.leadChosen && !someoneElseLeads) ctx.reader.setLeading(true);
      });
      $("#lead-toggle").addEventListener("change", () => (this.leadChosen = true));
    }
  }
}
