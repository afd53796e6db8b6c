/**
 * The one door to the HTTP API: adds the token, turns the server's error shape
 * `{"error": {"code", "message", "detail"}}` into an ApiError, and builds asset URLs.
 * Every other module asks this one, so a change of route lands in one place.
 */

export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message @param {unknown} detail */
  constructor(status, code, message, detail = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.detail = detail;
  }

  /** True when the server does not serve this part at all (route not there yet). */
  get missing() {
    return this.status === 404 || this.status === 405 || this.status === 501;
  }
}

export class Api {
  /** @param {{token: string|null, base?: string}} options */
  constructor({ token, base = location.origin }) {
    this.token = token;
    this.base = base;
  }

  /** An absolute http(s) URL for a path or an URL the server gave us. */
  url(path, query = {}) {
    const url = new URL(path, this.base);
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) url.searchParams.set(key, String(value));
    }
    return url;
  }

  /** The websocket URL of a path; browsers cannot set headers there, so the token rides along. */
  wsUrl(path) {
    const url = this.url(path);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    if (this.token) url.searchParams.set("token", this.token);
    return url;
  }

  headers(extra = {}) {
    return this.token ? { Authorization: `Bearer ${this.token}`, ...extra } : { ...extra };
  }

  /** fetch with the token; rejects with ApiError on any non-2xx answer. */
  async fetch(path, { query, signal, headers, method = "GET", body } = {}) {
    let response;
    try {
      response = await fetch(this.url(path, query), {
        method,
        body,
        signal,
        headers: this.headers(headers),
      });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, "network", "The server cannot be reached.", String(error));
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  async json(path, options) {
    const response = await this.fetch(path, options);
    return response.json();
  }

  me() {
    return this.json("/api/v1/me");
  }
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not our JSON shape (a proxy page, an empty body): fall through to the status text.
  }
  const error = body && typeof body === "object" ? body.error : null;
  if (error && typeof error.message === "string") {
    return new ApiError(response.status, String(error.code || "error"), error.message, error.detail);
  }
  return new ApiError(response.status, `http_${response.status}`, response.statusText || "Request failed");
}

/** Lists come as a bare array or wrapped ({items|books|rooms|results|hits: [...]}). */
export function listOf(body, ...keys) {
  if (Array.isArray(body)) return body;
  if (body && typeof body === "object") {
    for (const key of [...keys, "items", "results", "data"]) {
      if (Array.isArray(body[key])) return body[key];
    }
  }
  return [];
}
