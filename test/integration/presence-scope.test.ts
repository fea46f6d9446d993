// Presence frames carry every member's user and connection ids: they need scope `presence`, at
// connect and for as long as the socket lives.
import { beforeAll, describe, expect, it } from "vitest";
import { connect, errorOf, freshRoom, publishHttp, upgrade, WARM_UP_MS, warmUp } from "../support/gateway.ts";
import { apiKey, signToken, uniqueSub } from "../support/tokens.ts";

beforeAll(warmUp, WARM_UP_MS);

describe("presence frames need scope presence", () => {
  it("refuses ?presence=1 with 403 forbidden for a token without scope presence", async () => {
    const token = await signToken({ sub: uniqueSub("nosy"), scope: "subscribe" });
    const res = await upgrade(`/v1/rooms/${freshRoom()}/ws?presence=1`, { authorization: `Bearer ${token}` });
    expect(await errorOf(res)).toMatchObject({ status: 403, code: "forbidden" });
  });

  it("admits ?presence=1 for a token with scope presence", async () => {
    const token = await signToken({ sub: uniqueSub("host"), scope: "subscribe presence" });
    const { welcome } = await connect(freshRoom(), token, "?presence=1");
    expect(welcome.type).toBe("welcome");
  });

  it("stops the frames once a refresh drops the scope", async () => {
    const room = freshRoom();
    const sub = uniqueSub("demoted");
    const { socket: watcher } = await connect(
      room,
      await signToken({ sub, scope: "subscribe presence" }),
      "?presence=1",
    );
    await connect(room, await signToken({ sub: uniqueSub("first") }));
    expect(await watcher.nextOfType("presence")).toMatchObject({ action: "join" });

    watcher.send({ type: "refresh", token: await signToken({ sub, scope: "subscribe" }) });
    await watcher.nextOfType("refreshed");
    await connect(room, await signToken({ sub: uniqueSub("second") }));
    await publishHttp(room, apiKey("pubacme"), { event: "marker", payload: null });
    // The marker is published after the second join: a join frame would have come first.
    expect(await watcher.next((f) => f.type === "presence" || f.type === "message")).toMatchObject({
      type: "message",
      event: "marker",
    });
  });
});
