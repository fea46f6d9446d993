// `GET /`: where to go next, for a person who opened the gateway's address. JSON by default (curl,
// scripts); a small page for a browser that asks for HTML. It echoes nothing from the request.

export const INDEX = {
  name: "broadcast-gateway",
  description: "Authenticated, rate-limited WebSocket broadcast gateway",
  links: { console: "/console", openapi: "/v1/openapi.json", health: "/health" },
} as const;

const LABELS: Record<keyof typeof INDEX.links, string> = {
  console: "Console: connect, publish and watch frames in the browser",
  openapi: "HTTP API: the OpenAPI 3.1 document",
  health: "Health",
};

export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${INDEX.name}</title></head>
<body>
<h1>${INDEX.name}</h1>
<p>${INDEX.description}. The WebSocket protocol is broadcast.v1 (PROTOCOL.md).</p>
<ul>
${Object.entries(INDEX.links)
  .map(([key, href]) => `<li><a href="${href}">${LABELS[key as keyof typeof LABELS]}</a></li>`)
  .join("\n")}
</ul>
</body>
</html>
`;

/** A browser navigating here lists text/html in Accept; curl and fetch send `*\/*` or JSON. */
export const wantsHtml = (accept: string | undefined): boolean => accept?.includes("text/html") === true;

/** Nothing on the page runs or loads: no script, no style, no frame. */
export const INDEX_HTML_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
} as const;
