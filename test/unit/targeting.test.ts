import { describe, expect, it } from "vitest";
import { selectRecipients } from "../../src/room/delivery/targeting.ts";
import { connectionTag, userTag } from "../../src/room/sockets/registry.ts";

// A room of named sockets: alice on two connections, bob and carol on one each.
const sockets = [
  { name: "a1", user: "alice", conn: "c-a1" },
  { name: "a2", user: "alice", conn: "c-a2" },
  { name: "b1", user: "bob", conn: "c-b1" },
  { name: "c1", user: "carol", conn: "c-c1" },
];
const byTag = (tag?: string) =>
  sockets
    .filter((s) => tag === undefined || tag === userTag(s.user) || tag === connectionTag(s.conn))
    .map((s) => s.name);

const names = (xs: string[]) => [...xs].sort();

describe("selectRecipients", () => {
  it("broadcasts to every socket when there is no target", () => {
    expect(names(selectRecipients(byTag))).toEqual(["a1", "a2", "b1", "c1"]);
  });

  it("reaches every connection of each targeted user", () => {
    expect(names(selectRecipients(byTag, { users: ["alice"] }))).toEqual(["a1", "a2"]);
    expect(names(selectRecipients(byTag, { users: ["bob", "carol"] }))).toEqual(["b1", "c1"]);
  });

  it("reaches exactly the targeted connections", () => {
    expect(names(selectRecipients(byTag, { connections: ["c-a2", "c-c1"] }))).toEqual(["a2", "c1"]);
  });

  it("delivers once to a socket matched both as a user and as a connection", () => {
    expect(selectRecipients(byTag, { users: ["bob"], connections: ["c-b1"] })).toEqual(["b1"]);
    expect(names(selectRecipients(byTag, { users: ["alice"], connections: ["c-a1", "c-b1"] }))).toEqual([
      "a1",
      "a2",
      "b1",
    ]);
  });

  it("drops excluded connections from a broadcast and from a target", () => {
    expect(names(selectRecipients(byTag, undefined, { connections: ["c-b1"] }))).toEqual(["a1", "a2", "c1"]);
    expect(selectRecipients(byTag, { users: ["alice"] }, { connections: ["c-a1"] })).toEqual(["a2"]);
  });

  it("treats an empty exclude as excluding nobody", () => {
    expect(names(selectRecipients(byTag, undefined, {}))).toEqual(["a1", "a2", "b1", "c1"]);
    expect(names(selectRecipients(byTag, undefined, { connections: [] }))).toEqual(["a1", "a2", "b1", "c1"]);
  });

  it("delivers to nobody when the target is empty, never widening to a broadcast", () => {
    expect(selectRecipients(byTag, {})).toEqual([]);
    expect(selectRecipients(byTag, { users: [], connections: [] })).toEqual([]);
  });

  it("delivers to nobody when the targets are not in the room", () => {
    expect(selectRecipients(byTag, { users: ["mallory"], connections: ["c-gone"] })).toEqual([]);
  });
});
