// The frames the SDK exchanges, as plain types. They mirror src/protocol.ts (test/unit/
// client-sdk-wire.test.ts keeps each one equal to the gateway's), written out here so that the
// SDK, and the declarations of its npm package, depend on nothing outside src/client: the
// gateway's types are inferred from zod schemas, which the package must not carry.

export type Sender = { kind: "user" | "api_key"; id: string };
/** A publish's audience: users (by `sub`) and/or connections; present means targeted. */
export type Target = { users?: string[] | undefined; connections?: string[] | undefined };
export type ExcludeTarget = { connections?: string[] | undefined };
/** Correlates a publish with its `ack` or `error`. */
export type Ref = string | number;

export type WelcomeFrame = {
  type: "welcome";
  connectionId: string;
  room: string;
  user: string;
  seq: number;
  /** Only when the client asked to resume: whether every message after `since` was replayed. */
  recovered?: boolean;
};
export type MessageFrame = {
  type: "message";
  id: string;
  seq: number;
  room: string;
  event: string;
  payload: unknown;
  sender: Sender;
  ts: number;
};
export type AckFrame = { type: "ack"; ref: Ref; id: string; seq: number; delivered: number };
export type ErrorFrame = { type: "error"; code: string; message: string; ref?: Ref };
export type RefreshedFrame = { type: "refreshed"; exp: number };
export type PresenceFrame = { type: "presence"; action: "join" | "leave"; user: string; connectionId: string };
