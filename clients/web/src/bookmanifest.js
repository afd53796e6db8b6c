/**
 * A book manifest (GET /api/v1/books/{id}) read into the few things the client uses:
 * title, page count, page size, and where each asset lives. URLs the manifest gives win;
 * the routes of DESIGN.md fill any gap.
 */

const A5 = { width: 148, height: 210 };

export function readBookManifest(raw, id) {
  const bookId = String(raw.id ?? raw.book_id ?? id);
  const base = `/api/v1/books/${encodeURIComponent(bookId)}`;
  const assets = raw.assets ?? raw.urls ?? {};
  const sizes = pageSizes(raw);
  const pageCount = Number(raw.page_count ?? raw.pages_count ?? raw.pageCount ?? sizes.length) || sizes.length || 1;
  const template = stringAt(assets, "page_image", "pages", "page", "page_images", "image");
  const textTemplate = stringAt(assets, "page_text", "text");
  return {
    id: bookId,
    title: String(raw.title ?? raw.metadata?.title ?? "Untitled"),
    authors: listOfStrings(raw.authors ?? raw.metadata?.authors ?? raw.author),
    language: raw.language ?? raw.metadata?.language ?? null,
    pageCount,
    recordId: raw.record_id ?? raw.record ?? raw.catalog?.record_id ?? null,
    outline: Array.isArray(raw.outline) ? raw.outline : [],
    hasText: raw.text_layer !== false && raw.has_text !== false,
    status: typeof raw.status === "string" ? raw.status : "ready",
    /** Page size in millimetres (from 1). */
    pageSize(n) {
      return sizes[Math.min(Math.max(n, 1), sizes.length) - 1] ?? A5;
    },
    modelUrl: stringAt(raw, "model") ?? stringAt(assets, "model", "model_glb", "glb") ?? `${base}/model.glb`,
    imageUrl(n, size) {
      const images = pageEntry(raw, n)?.images;
      if (images && typeof images[size] === "string") return images[size];
      if (template && template.includes("{n}")) {
        const url = template.replace("{n}", String(n)).replace("{size}", size);
        return url.includes("size=") ? url : `${url}${url.includes("?") ? "&" : "?"}size=${size}`;
      }
      return `${base}/pages/${n}.jpg?size=${size}`;
    },
    textUrl(n) {
      const own = pageEntry(raw, n)?.text;
      if (typeof own === "string" && own.includes("/")) return own;
      return textTemplate && textTemplate.includes("{n}") ? textTemplate.replace("{n}", String(n)) : `${base}/pages/${n}/text`;
    },
    searchUrl: stringAt(raw, "search") ?? `${base}/search`,
    relatedUrl: `${base}/related`,
  };
}

/** The manifest's entry for page n (pages listed in order, or found by number). */
function pageEntry(raw, n) {
  if (!Array.isArray(raw.pages)) return null;
  const entry = raw.pages[n - 1];
  if (entry && typeof entry === "object" && (entry.number ?? n) === n) return entry;
  return raw.pages.find((p) => p && p.number === n) ?? null;
}

function pageSizes(raw) {
  const list = raw.pages ?? raw.page_sizes ?? raw.page_sizes_mm ?? [];
  const out = [];
  if (Array.isArray(list)) {
    for (const entry of list) {
      const size = sizeOf(entry);
      if (size) out.push(size);
    }
  }
  if (!out.length) {
    const single = sizeOf(raw.page_size ?? raw.page_size_mm ?? null);
    if (single) out.push(single);
  }
  return out;
}

function sizeOf(entry) {
  if (!entry) return null;
  if (Array.isArray(entry) && entry.length >= 2) return valid(entry[0], entry[1]);
  if (typeof entry === "object") {
    return valid(
      entry.width_mm ?? entry.width ?? entry.w ?? entry.size_mm?.[0],
      entry.height_mm ?? entry.height ?? entry.h ?? entry.size_mm?.[1],
    );
  }
  return null;
}

function valid(width, height) {
  const w = Number(width);
  const hh = Number(height);
  return w > 10 && hh > 10 && w < 2000 && hh < 2000 ? { width: w, height: hh } : null;
}

function stringAt(object, ...keys) {
  for (const key of keys) {
    if (typeof object?.[key] === "string") return object[key];
  }
  return null;
}

function listOfStrings(value) {
  if (Array.isArray(value)) return value.map((v) => (typeof v === "string" ? v : v?.name ?? String(v)));
  return value ? [String(value)] : [];
}
