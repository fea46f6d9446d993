// The console's address: /console#token=<jwt>&room=<room>. A fragment is never sent to a server
// (not in requests, access logs or Referer), which is why the token may travel there.

export type ConsoleParams = { token: string | undefined; room: string | undefined };

const paramsOf = (hash: string) => new URLSearchParams(hash.replace(/^#/, ""));

export function readFragment(hash: string): ConsoleParams {
  const params = paramsOf(hash);
  const value = (name: string) => {
    const v = params.get(name)?.trim();
    return v === undefined || v === "" ? undefined : v;
  };
  return { token: value("token"), room: value("room") };
}

/** The fragment minus the token, so it does not linger in history, bookmarks or a shared screen. */
export function fragmentWithoutToken(hash: string): string {
  const params = paramsOf(hash);
  params.delete("token");
  const rest = params.toString();
  return rest === "" ? "" : `#${rest}`;
}
