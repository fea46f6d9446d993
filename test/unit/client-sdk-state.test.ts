import { describe, expect, it } from "vitest";
import { type ClientState, canTransition, isActive } from "../../src/client/state.ts";

const ALL: ClientState[] = ["idle", "connecting", "connected", "reconnecting", "closed", "failed"];

describe("client state transitions", () => {
  it("allows exactly the documented transitions", () => {
    const allowed = ALL.flatMap((from) => ALL.filter((to) => canTransition(from, to)).map((to) => `${from}->${to}`));
    expect(allowed.sort()).toEqual(
      [
        "idle->connecting",
        "idle->closed",
        "connecting->connected",
        "connecting->reconnecting",
        "connecting->closed",
        "connecting->failed",
        "connected->reconnecting",
        "connected->closed",
        "connected->failed",
        "reconnecting->connecting",
        "reconnecting->closed",
        "reconnecting->failed",
        "closed->connecting",
        "failed->connecting",
        "failed->closed",
      ].sort(),
    );
  });

  it("never goes from connected straight back to connecting: a retry always waits in reconnecting", () => {
    expect(canTransition("connected", "connecting")).toBe(false);
  });

  it("treats connecting, connected and reconnecting as active", () => {
    expect(ALL.filter(isActive)).toEqual(["connecting", "connected", "reconnecting"]);
  });
});
