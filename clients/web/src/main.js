/**
 * Entry point: read the link, find out who the token is, then open the room it names or
 * the lobby of rooms. Errors end up as plain messages on the page, never a blank screen.
 */
import { Api } from "./api.js";
import { readParams } from "./params.js";
import { showLobby } from "./lobby.js";
import { notify } from "./notices.js";

async function main() {
  const params = readParams();
  document.body.classList.add(`mode-${params.mode}`);
  const api = new Api({ token: params.token });
  if (params.emulateXr) {
    const { installEmulatedHeadset } = await import("./xremulator.js");
    window.readingroomXr = installEmulatedHeadset();
  }
  let me = null;
  if (params.token) {
    try {
      me = await api.me();
    } catch (error) {
      showLobby({ api, me: null, params, problem: signInProblem(error) });
      return;
    }
  }
  if (!params.room || !me) {
    showLobby({ api, me, params, problem: me ? null : "Open this page with a link that carries your token (`readingroom demo` prints one per role)." });
    return;
  }
  const { startRoom } = await import("./app.js");
  await startRoom({ api, me, params });
}

function signInProblem(error) {
  if (error.status === 401) return `Your sign-in was refused: ${error.message}`;
  if (error.status === 0) return "The server cannot be reached.";
  return `Sign-in failed: ${error.message}`;
}

main().catch((error) => {
  console.error(error);
  notify(`Something went wrong: ${error.message}`, { kind: "error", sticky: true });
});
