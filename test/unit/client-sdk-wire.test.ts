// The SDK's plain wire types (src/client/wire.ts) equal the gateway's (src/protocol.ts, partly
// inferred from zod). Checked by the compiler: `npm run typecheck` fails on any drift.
import { describe, expectTypeOf, it } from "vitest";
import type * as sdk from "../../src/client/wire.ts";
import type * as gateway from "../../src/protocol.ts";

describe("the SDK's wire types", () => {
  it("are the gateway's, field for field", () => {
    expectTypeOf<sdk.Sender>().toEqualTypeOf<gateway.Sender>();
    expectTypeOf<sdk.Target>().toEqualTypeOf<gateway.Target>();
    expectTypeOf<sdk.ExcludeTarget>().toEqualTypeOf<gateway.Exclude>();
    expectTypeOf<sdk.Ref>().toEqualTypeOf<gateway.Ref>();
    expectTypeOf<sdk.WelcomeFrame>().toEqualTypeOf<gateway.WelcomeFrame>();
    expectTypeOf<sdk.MessageFrame>().toEqualTypeOf<gateway.MessageFrame>();
    expectTypeOf<sdk.AckFrame>().toEqualTypeOf<gateway.AckFrame>();
    expectTypeOf<sdk.ErrorFrame>().toEqualTypeOf<gateway.ErrorFrame>();
    expectTypeOf<sdk.RefreshedFrame>().toEqualTypeOf<gateway.RefreshedFrame>();
    expectTypeOf<sdk.PresenceFrame>().toEqualTypeOf<gateway.PresenceFrame>();
  });
});
